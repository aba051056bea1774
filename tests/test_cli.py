"""`python -m deforgify predict`: one result per file, JSON lines, exit codes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import run_module


def bundled_revision() -> str:
    from deforgify.model.source import bundled_source

    return bundled_source().fingerprint()


@pytest.fixture()
def files(tmp_path: Path, astronaut: np.ndarray) -> dict[str, Path]:
    face = tmp_path / "astronaut.jpg"
    Image.fromarray(astronaut).save(face, quality=92)
    no_face = tmp_path / "gradient.png"
    Image.fromarray(np.tile(np.linspace(0, 255, 200, dtype=np.uint8), (150, 1))).save(no_face)
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    return {"face": face, "no_face": no_face, "text": text, "missing": tmp_path / "missing.png"}


def test_json_lines_for_every_file_and_exit_1_when_one_is_bad(files: dict[str, Path]) -> None:
    order = [files["face"], files["text"], files["no_face"], files["missing"]]
    result = run_module("deforgify", "predict", *map(str, order), "--json")
    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(p) for p in order]
    face, text, no_face, missing = lines
    assert set(face) >= {"file", "label", "confidences", "face"}
    assert face["label"] in ("real", "fake", "unsure")
    assert set(face["confidences"]) == {"real", "fake"}
    assert sum(face["confidences"].values()) == pytest.approx(1.0, abs=1e-5)
    fake, (low, high) = face["confidences"]["fake"], face["model"]["unsure_band"]  # the label the band gives
    banded = "unsure" if low < fake < high else "fake" if fake >= face["model"]["threshold"] else "real"
    assert face["label"] == banded
    assert len(face["face"]) == 4 and all(isinstance(v, int) for v in face["face"])
    assert (face["width"], face["height"]) == (512, 512)  # the photo's own size
    assert no_face == {"file": str(files["no_face"]), "kind": "photo", "label": "no_face", "confidences": None,
                       "face_found": False, "face": None, "deciding_face": None, "faces": [], "left_out": 0,
                       "beyond_largest": 0, "width": 200, "height": 150, "decided_by": "pixels",
                       "pixels": {"label": "no_face", "confidences": None},
                       "provenance": {"claim": "none", "evidence": [], "valid": None, "trusted": None},
                       "model": face["model"]}
    assert face["model"]["reference"] == "bundled" and face["model"]["architecture"] == "deforgify-lite0"
    assert face["model"]["revision"] == bundled_revision()  # the app's and a scan's revision too
    assert f"model bundled, revision {bundled_revision()}" in result.stderr.splitlines()[-1]
    assert text == {"file": str(files["text"]), "error": text["error"], "error_code": "unreadable"}
    assert missing["error_code"] == "not_found"
    assert "not an image file" in text["error"]
    assert "no such file" in missing["error"]
    assert "Traceback" not in result.stderr


def test_exit_0_and_readable_lines_when_every_file_is_scored(files: dict[str, Path]) -> None:
    result = run_module("deforgify", "predict", str(files["face"]), str(files["no_face"]))
    assert result.returncode == 0, result.stderr
    face_line, no_face_line = result.stdout.splitlines()
    assert face_line.startswith(f"{files['face']}: ") and "face at " in face_line
    assert "real " in face_line and "fake " in face_line and "%" in face_line
    assert no_face_line == f"{files['no_face']}: no_face (no face found: nothing to judge)"


@pytest.mark.parametrize(
    "model, message",
    [("/no/such/folder", "/no/such/folder: no such model folder: nothing was judged (--model bundled answers "
                         "with the bundled model)\n"), ("{tmp}", "no config.json"),
     ("no/such:folder", "neither a model folder nor a Hub repo id"),
     ("owner/name@", "'owner/name@': no revision after @ (OWNER/NAME@BRANCH, @TAG or @COMMIT_SHA)"),
     ("examples/mymodel", "examples/mymodel: no such model folder (examples/ is a folder here")],
)
def test_a_model_that_cannot_be_loaded_exits_2(files, tmp_path: Path, model: str, message: str) -> None:
    result = run_module("deforgify", "predict", str(files["face"]), "--model", model.format(tmp=tmp_path))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_usage_errors_exit_2() -> None:
    assert run_module("deforgify", "predict").returncode == 2
    assert run_module("deforgify").returncode == 2
    help_text = run_module("deforgify", "predict", "--help")
    assert help_text.returncode == 0 and "--json" in help_text.stdout
    no_workers = run_module("deforgify", "predict", "--workers", "0", "photo.jpg")
    assert no_workers.returncode == 2 and "--workers: must be 1 or more, not 0" in no_workers.stderr
    assert "``" not in run_module("deforgify", "--help").stdout  # no docstring markup in the help


@pytest.mark.parametrize("argv, told", [
    (["predict", "--jsn", "photo.jpg"], "deforgify predict: error: unrecognized arguments: --jsn (did you mean --json?)"),
    (["scan", "photos", "-o", "v.jsonl", "--resum"], "deforgify scan: error: unrecognized arguments: --resum"),
    (["predict", "-x", "photo.jpg"], "deforgify predict: error: unrecognized arguments: -x"),
    (["scan", "photos", "--outptu", "v.jsonl"], "deforgify scan: error: the following arguments are required: "
                                                "--output/-o; --outptu: no such option (did you mean --output?)"),
    (["scan", "--data", "a/b", "--outptu=v.jsonl"], "deforgify scan: error: the following arguments are required: "
                                                    "--output/-o; --outptu=v.jsonl: no such option (did you mean "
                                                    "--output?)"),  # --data is --dataset, abbreviated
    (["predict", "--model", "", "photo.jpg"], "deforgify predict: error: argument --model: an empty name: give a "
                                              "model folder or OWNER/NAME[@REVISION], or leave --model out for the "
                                              "bundled model"),  # --model "$MODEL" unset: the bundled one answered
])
def test_an_unknown_option_is_told_with_the_commands_usage(argv, told, capsys) -> None:
    """Not the top-level usage, which names none of the command's options; a near miss named,
    and nothing named when no option is near."""
    from deforgify.cli.main import build_parser

    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(argv)
    error = capsys.readouterr().err
    assert stop.value.code == 2 and error.startswith(f"usage: deforgify {argv[0]} ")
    assert error.splitlines()[-1] == told


def test_heatmaps_are_written_for_judged_photos_only(files: dict[str, Path], tmp_path: Path,
                                                      astronaut: np.ndarray) -> None:
    """A video gets none, nor a photo without a face, and their rows say so (heatmap null)
    instead of nothing (a photo without a face had no heatmap key at all)."""
    from skimage import data

    from video_clips import canvas, write_opencv

    out, clip = tmp_path / "heatmaps", write_opencv(tmp_path / "clip.mp4", lambda i: canvas(astronaut), 13)
    coffee = tmp_path / "coffee.jpg"
    Image.fromarray(data.coffee()).save(coffee)
    result = run_module("deforgify", "predict", str(files["face"]), str(files["text"]), str(clip), str(coffee),
                        "--json", "--heatmap", str(out))
    assert result.returncode == 1
    face, text, video, no_face = (json.loads(line) for line in result.stdout.splitlines())
    assert no_face["label"] == "no_face" and no_face["heatmap"] is None
    assert face["heatmap"] == str(out / "astronaut.heatmap.png")
    heat = np.asarray(Image.open(face["heatmap"]))
    assert heat.shape == (384 + 44, 384, 3) and heat.std() > 0
    assert "heatmap" not in text
    assert video["kind"] == "video" and video["face_found"] and video["heatmap"] is None
    assert [p.name for p in out.iterdir()] == ["astronaut.heatmap.png"]


def test_files_sharing_a_name_get_heatmaps_of_their_own(tmp_path: Path, astronaut: np.ndarray) -> None:
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "astronaut.jpg", tmp_path / "b" / "astronaut.png"
    Image.fromarray(astronaut).save(first, quality=92)
    Image.fromarray(astronaut[:, ::-1]).save(second)
    out = tmp_path / "heatmaps"
    result = run_module("deforgify", "predict", str(first), str(second), "--json", "--heatmap", str(out))
    assert result.returncode == 0, result.stderr
    paths = [json.loads(line)["heatmap"] for line in result.stdout.splitlines()]
    assert paths == [str(out / "astronaut.heatmap.png"), str(out / "astronaut-2.heatmap.png")]
    assert sorted(p.name for p in out.iterdir()) == ["astronaut-2.heatmap.png", "astronaut.heatmap.png"]
    # A second run keeps the first's heatmaps, which its rows name: its own get names of their own.
    before = (out / "astronaut.heatmap.png").read_bytes()
    again = run_module("deforgify", "predict", str(second), "--json", "--heatmap", str(out))
    assert json.loads(again.stdout)["heatmap"] == str(out / "astronaut-3.heatmap.png")
    assert (out / "astronaut.heatmap.png").read_bytes() == before


def test_a_name_that_is_no_file_says_why_it_may_have_been_given(tmp_path: Path) -> None:
    result = run_module("deforgify", "predict", "-", str(tmp_path / "*.jpg"), cwd=tmp_path)
    assert result.returncode == 1
    dash, pattern = result.stdout.splitlines()
    assert dash.endswith("no such file: - (standard input is not read: give the photo's path; a list of paths: "
                         "deforgify scan --files-from -)")
    assert pattern.endswith("(a pattern no file matches: the shell passed it on as typed)")
    assert run_module("deforgify", "--version").stdout.strip().startswith("deforgify ")
    absolute = run_module("deforgify", "predict", str(tmp_path), "--model", "/nonexistent")
    assert "error: /nonexistent: no such model folder: nothing was judged" in absolute.stderr, absolute.stderr


def test_a_name_whose_status_cannot_be_read_gets_its_row_not_a_traceback(files: dict[str, Path]) -> None:
    """A path the folder hint could not stat (in a folder not to be read; here a name too long)
    stopped the run with a traceback before any row was printed."""
    too_long = "a" * 300 + ".jpg"
    result = run_module("deforgify", "predict", "--json", str(files["face"]), too_long)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    face, long = (json.loads(line) for line in result.stdout.splitlines())
    assert face["label"] in ("real", "fake", "unsure") and long["file"] == too_long
    assert "File name too long" in long["error"] and long["error_code"] == "unreadable", long


def test_one_bad_file_never_costs_the_others_their_answer(tmp_path: Path, astronaut: np.ndarray) -> None:
    """The whole bad-input corpus in one run, between two good photos, through the worker
    processes: one line per file in order, the photos judged (an animated picture as a clip, and
    a clip named like a picture too), a summary, exit 1."""
    from bad_inputs import CORPUS, expected_code

    animated = {kind for kind in CORPUS if kind.startswith("animated")}
    face = tmp_path / "face.jpg"
    Image.fromarray(astronaut).save(face, quality=92)
    bad_folder = tmp_path / "bad"
    bad_folder.mkdir()
    made = {kind: make(bad_folder) for kind, (make, _) in CORPUS.items()}
    files = [face, *made.values(), face]
    result = run_module("deforgify", "predict", "--json", "--workers", "2", *map(str, files), timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(f) for f in files]
    assert lines[0]["label"] in ("real", "fake", "unsure") and lines[-1] == lines[0] | {"file": str(face)}
    for (kind, (_, message)), line in zip(CORPUS.items(), lines[1:-1]):
        if kind in animated:
            assert line["kind"] == "video" and "label" in line, (kind, line)
        elif kind == "video named .jpg":  # read as the clip it is: a damaged one, said so
            assert "no video stream can be read from this MP4/MOV file" in line["error"], line
        elif message is None:
            assert "label" in line, (kind, line)
        else:
            assert message in line.get("error", ""), (kind, line)
            assert line["error_code"] == expected_code(kind), (kind, line)
    refused = sum(message is not None and kind not in animated for kind, (_, message) in CORPUS.items())
    assert f"hint: {made['folder']} is a folder: `deforgify scan {made['folder']}` judges" in result.stderr
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"{len(files)} files in ") and f"{refused} not judged (" in summary
    codes = Counter(line["error_code"] for line in lines if "error" in line)
    said = summary.split(" not judged (")[1].split(")")[0].split(", ")  # the reasons by code, most first
    assert sorted(said) == sorted(f"{n} {code}" for code, n in codes.items()) and len(codes) > 3


def test_help_has_examples_and_exit_codes() -> None:
    result = run_module("deforgify", "predict", "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and "exit status:" in result.stdout and "no_face" in result.stdout
    assert "`" not in result.stdout


def test_pip_install_gives_a_deforgify_command_that_works_from_any_folder(tmp_path: Path, astronaut_jpeg: Path) -> None:
    import os
    import subprocess
    import sys

    from helpers import ROOT

    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                              "--target", str(target), str(ROOT)],
                             capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([str(target / "bin" / "deforgify"), "predict", "--json", str(astronaut_jpeg)],
                            capture_output=True, text=True, timeout=300, cwd=elsewhere, env=env,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["label"] in ("real", "fake", "unsure")
    assert str(target / "deforgify") in subprocess.run(
        [sys.executable, "-c", "import deforgify; print(deforgify.__file__)"],
        capture_output=True, text=True, cwd=elsewhere, env=env).stdout
    # No TensorFlow start-up chatter: only the summary line.
    assert result.stderr.strip().splitlines() == [result.stderr.strip().splitlines()[-1]]
    assert result.stderr.startswith("1 file in ")


def test_the_setup_puts_a_deforgify_command_running_this_code_beside_python(tmp_path: Path) -> None:
    """`make app` / `make test` install the project itself (editable) into the venv, as the README
    says: `.venv/bin/deforgify`, importable from any folder, running the working tree's code."""
    import subprocess
    import sys

    from helpers import ROOT

    command = Path(sys.executable).parent / "deforgify"
    assert command.is_file(), "the setup did not install the project (pip install -e .)"
    result = subprocess.run([str(command), "--help"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0 and "predict" in result.stdout
    where = subprocess.run([sys.executable, "-c", "import deforgify; print(deforgify.__file__)"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path, env={})
    assert where.stdout.strip() == str(ROOT / "deforgify" / "__init__.py")


def test_a_plain_line_says_what_the_verdict_means_and_why_a_small_face_is_unsure(tmp_path: Path,
                                                                                astronaut: np.ndarray) -> None:
    from deforgify.explain.words import MEANINGS
    from deforgify.faces.finding import detect_faces
    from deforgify.faces.unjudged import TOO_SMALL
    from deforgify.model.folder import read_config
    from deforgify.model.source import BUNDLED_MODEL

    least = read_config(BUNDLED_MODEL).min_face_width

    large, judged, small = tmp_path / "large.jpg", tmp_path / "judged.jpg", tmp_path / "small.jpg"
    Image.fromarray(astronaut).save(large, quality=92)
    face_width = detect_faces(astronaut)[0][2]
    for path, times in ((judged, 1.25), (small, 0.8)):  # its face 5/4 and 4/5 of the least judged width
        side = round(astronaut.shape[1] * times * least / face_width)
        Image.fromarray(astronaut).resize((side, side)).save(path, quality=92)
    result = run_module("deforgify", "predict", str(large), str(judged), str(small), "--quiet")
    assert result.returncode == 0, result.stderr
    first, middle, last = result.stdout.splitlines()
    assert middle.startswith(f"{judged}: ") and "too small" not in middle
    label = first.split(": ", 1)[1].split(" ", 1)[0]
    assert first.startswith(f"{large}: {label} ({MEANINGS[label]}; real ")
    assert last.startswith(f"{small}: unsure ({TOO_SMALL} (")
    assert f"at least {least} px needed); face at " in last and "fake" not in last  # its unused score not shown


def test_a_heatmap_folder_that_cannot_be_made_is_a_usage_error(files: dict[str, Path], tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    result = run_module("deforgify", "predict", "--heatmap", str(taken), str(files["face"]))
    assert result.returncode == 2 and result.stdout == ""
    assert f"error: --heatmap {taken} is a file: give a folder for the heatmaps" in result.stderr
    assert "Traceback" not in result.stderr and taken.read_text() == "a file, not a folder"


def test_a_heatmap_that_cannot_be_written_is_said_in_its_row_and_the_run_goes_on(files: dict[str, Path],
                                                                                tmp_path: Path) -> None:
    long = tmp_path / ("a" * 246 + ".jpg")  # a legal name whose NAME.heatmap.png is too long
    long.write_bytes(files["face"].read_bytes())
    result = run_module("deforgify", "predict", "--json", "--heatmap", str(tmp_path / "maps"), str(long),
                        str(files["face"]))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["label"] in ("real", "fake", "unsure") and first["heatmap"] is None  # the key a program reads
    assert "cannot write" in first["heatmap_error"] and "File name too long" in first["heatmap_error"]
    assert Path(second["heatmap"]).is_file() and list((tmp_path / "maps").iterdir()) == [Path(second["heatmap"])]


def test_a_name_with_a_newline_keeps_one_line_per_file(tmp_path: Path, files: dict[str, Path]) -> None:
    odd = tmp_path / "two\nlines.png"
    odd.write_bytes(files["no_face"].read_bytes())
    gone = tmp_path / "gone\nmissing.png"
    result = run_module("deforgify", "predict", str(odd), str(files["face"]), str(gone))
    assert result.returncode == 1, result.stderr
    first, second, third = result.stdout.splitlines()
    assert first == f"{str(odd)!r}: no_face (no face found: nothing to judge)"
    assert second.startswith(f"{files['face']}: ")
    assert third.startswith(f"{str(gone)!r}: error: no such file: ") and third.endswith("gone\\nmissing.png")


def _started(args: list[str]):
    import subprocess
    import sys

    from helpers import ROOT

    return subprocess.Popen([sys.executable, "-m", "deforgify", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)


def test_a_reader_that_stops_early_ends_the_run_quietly(files: dict[str, Path]) -> None:
    """`deforgify predict ... | head -1`: no BrokenPipeError traceback, the shell's status 141."""
    run = _started(["predict", "--json", *[str(files["no_face"])] * 300])
    assert run.stdout.readline().startswith("{")
    run.stdout.close()  # the reader is gone; 300 rows do not fit in the pipe's buffer
    assert run.wait(timeout=300) == 141
    errors = run.stderr.read()
    assert "Traceback" not in errors and "BrokenPipe" not in errors


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_answers_that_cannot_be_written_are_an_error_not_a_traceback(files: dict[str, Path]) -> None:
    """A full disk (``> /dev/full``) and an output closed from the start (``>&-``): one line on
    stderr and status 3; they were a traceback with status 1 (a file not read), and nothing at all
    with status 0 (every answer lost)."""
    import os
    import subprocess
    import sys

    from helpers import ROOT

    command = [sys.executable, "-m", "deforgify", "predict", "--json", str(files["face"]), str(files["no_face"])]
    with open("/dev/full", "w") as full:
        done = subprocess.run(command, cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    assert "error: the answers could not be written: No space left on device" in done.stderr
    closed = subprocess.run(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, timeout=300,
                            preexec_fn=lambda: os.close(1))
    assert closed.returncode == 3 and "error: the standard output is closed" in closed.stderr, closed.stderr


def test_ctrl_c_ends_a_run_with_one_line_and_no_traceback(files: dict[str, Path]) -> None:
    """The terminal sends Ctrl-C to every process of the group: the main one and its workers."""
    import os
    import signal

    run = _started(["predict", "--workers", "2", *[str(files["face"])] * 2000])
    assert run.stdout.readline()  # workers started and answering
    os.killpg(run.pid, signal.SIGINT)
    _, errors = run.communicate(timeout=300)  # its answers read: a full pipe would hold it at exit
    assert run.returncode == 130
    assert "interrupted" in errors and "Traceback" not in errors and "KeyboardInterrupt" not in errors


def test_ctrl_c_while_the_command_starts_ends_it_quietly_too(files: dict[str, Path]) -> None:
    """Ctrl-C while the command imports its libraries (its first third of a second) or loads its
    model printed a traceback, or NumPy's "bad install" message when it landed inside NumPy's
    import. One process (--workers 1): a worker's own start-up is its own window (see below)."""
    import os
    import signal
    import time

    for delay in (0.1, 0.2, 0.3, 0.45, 0.6, 0.9):
        run = _started(["predict", "--workers", "1", *[str(files["face"])] * 2000])
        time.sleep(delay)
        os.killpg(run.pid, signal.SIGINT)  # as the terminal does
        _, errors = run.communicate(timeout=120)  # its answers read: a full pipe would hold it at exit
        assert "Traceback" not in errors and "KeyboardInterrupt" not in errors, (delay, errors[-3000:])
        # 130, or ended by the signal itself (-2): both are Ctrl-C's status to a shell (it says 130)
        assert run.returncode in (130, -2) and errors.splitlines()[-1] == "interrupted", (delay, run.returncode,
                                                                                           errors[-3000:])


@pytest.mark.parametrize("signals, statuses", [(("SIGINT", "SIGINT"), (130, -2)), (("SIGTERM",), (130,)),
                                                (("SIGKILL",), (-9,))], ids=["ctrl-c-twice", "sigterm", "sigkill"])
def test_a_second_ctrl_c_or_a_sigterm_ends_the_run_and_its_workers(files: dict[str, Path], signals, statuses) -> None:
    """``timeout -s INT`` sends two interrupts (the process, then its group): the second, while the
    first was shutting the workers down, left the run waiting on a worker for good. SIGTERM (what
    timeout, systemd and CI cancellations send) ended the main process alone, its two 140 MB
    workers left running; after a SIGKILL, which no process can handle, they end with it too.
    A second Ctrl-C that lands once the first has ended the run (now in about 0.6 s), while Python
    exits with its default handlers back, ends it by the signal itself (-2): 130 to a shell too."""
    import signal
    import subprocess
    import time

    import psutil

    run = _started(["predict", "--workers", "2", *[str(files["face"])] * 2000])
    assert run.stdout.readline()  # workers started and answering
    workers = psutil.Process(run.pid).children(recursive=True)
    assert len(workers) >= 2
    for name in signals:
        run.send_signal(getattr(signal, name))
        time.sleep(0.3)  # the second lands while the first shuts the workers down
    try:
        _, errors = run.communicate(timeout=60)  # its answers read: a full pipe would hold it at exit
    except subprocess.TimeoutExpired:
        run.kill()
        pytest.fail("the run was still waiting a minute after the signals")
    assert run.returncode in statuses
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [], alive
    assert "Traceback" not in errors
    if signals != ("SIGKILL",):  # the wait for the workers is said, and how to cut it short (it was silent)
        assert "stopping once the workers end the files they are on (Ctrl-C again stops at once)" in errors, errors


def test_on_a_terminal_each_row_starts_its_own_line_under_the_progress(files: dict[str, Path]) -> None:
    """A developer's find: with stdout and stderr on one terminal, each row after the first was
    printed after the live progress ("1/3 files, 8 files/s, 0 s left{"file": ...}")."""
    import os
    import pty
    import subprocess
    import sys

    from helpers import ROOT

    leader, follower = pty.openpty()
    run = subprocess.Popen([sys.executable, "-m", "deforgify", "predict", "--json", "--workers", "1",
                            *[str(files["face"])] * 3], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=follower,
                           stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the run has ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert run.wait(timeout=120) == 0
    text = seen.decode()
    rows = [i for i in range(len(text)) if text.startswith('{"file"', i)]
    assert len(rows) == 3 and "files/s" in text, text
    assert all(i == 0 or text[i - 1] == "\n" or text[:i].endswith("\r\x1b[K") for i in rows), text


def test_a_plain_line_says_which_faces_were_judged_and_a_turned_face_as_the_page_does(tmp_path: Path,
                                                                                     astronaut: np.ndarray) -> None:
    """A developer's find: the two-faces example read "(most suspicious of 2 faces)" when one had
    no colour and was not judged, and a face judged turned upright was not said to be, as the
    page's words and the JSON's `turned` say. That face without colour withholds "real" from the
    photo (a visitor's find: it was "real" on the other face alone), and the line says so."""
    from helpers import ROOT

    turned = tmp_path / "turned.jpg"
    Image.fromarray(np.ascontiguousarray(np.rot90(astronaut))).save(turned, quality=92)
    result = run_module("deforgify", "predict", str(ROOT / "examples" / "two-faces.jpg"), str(turned), "--quiet")
    assert result.returncode == 0, result.stderr
    pair, side = result.stdout.splitlines()
    assert pair.startswith(f"{ROOT / 'examples' / 'two-faces.jpg'}: unsure (face has no colour to judge"), pair
    assert "(not judged; the 1 judged of 2 faces looks real)" in pair and "%" not in pair
    assert "(it lay on its side: judged turned upright)" in side


def test_a_clips_plain_line_gives_no_percentages_for_a_face_not_judged(tmp_path: Path, astronaut: np.ndarray) -> None:
    """A reviewer's find: a clip's line still gave "real 50.0%, fake 50.0%" beside "face has no
    colour to judge", as a photo's did before."""
    from training.degrade import greyscale

    from video_clips import canvas, write_h264

    clip = write_h264(tmp_path / "grey.mp4", lambda i: canvas(greyscale(astronaut), at=(100 + i, 60)), 25)
    result = run_module("deforgify", "predict", str(clip), "--quiet")
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert "face has no colour to judge" in line and "%" not in line.split("face has no colour")[0], line


def test_a_clips_plain_line_names_a_track_not_judged_beside_one_that_looks_real(tmp_path: Path,
                                                                               astronaut: np.ndarray) -> None:
    """A reviewer's find: such a track decides (it keeps the clip from "real"), and the line said
    "most suspicious at" of a face never judged."""
    import cv2

    from training.degrade import greyscale

    from video_clips import canvas, write_h264

    half = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)
    pair = np.concatenate([half, greyscale(half)], axis=1)
    clip = write_h264(tmp_path / "pair.mp4", lambda i: canvas(pair, at=(40 + i, 60)), 25)
    line = run_module("deforgify", "predict", str(clip), "--quiet").stdout.strip()
    assert line.startswith(f"{clip}: unsure (") and "2 face tracks;" in line, line
    assert "not judged (the 1 judged looks real), pictured at " in line and "most suspicious" not in line, line


def test_a_plain_line_says_a_face_was_left_out(tmp_path: Path, astronaut: np.ndarray) -> None:
    """A visitor's find: a face left out (under 40 px beside a much larger one) was in the JSON's
    left_out alone; the plain line says it, as the page does."""
    import cv2

    face = astronaut[20:280, 100:350]
    big, small = (cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for scale in (2.2, 0.4))
    photo = np.full((big.shape[0], big.shape[1] + 300, 3), 200, np.uint8)
    photo[:, : big.shape[1]] = big
    photo[100 : 100 + small.shape[0], big.shape[1] + 50 : big.shape[1] + 50 + small.shape[1]] = small
    Image.fromarray(photo).save(tmp_path / "pair.png")
    line = run_module("deforgify", "predict", str(tmp_path / "pair.png"), "--quiet").stdout.strip()
    assert "; 1 more face found and not judged (under 40 px and narrower than a third of the largest)" in line, line


def test_a_plain_line_says_faces_beyond_the_largest_were_left_out(tmp_path: Path, astronaut: np.ndarray) -> None:
    """36 faces alike: the 32 largest are judged, and the plain line names the limit as the
    reason (it said "under 40 px" alone, which none of them is, then "under 40 px ..., or beyond
    the 32 largest", as the row did not count the faces beyond it): the JSON counts them too."""
    face = astronaut[20:280, 100:350]
    photo = np.concatenate([np.concatenate([face] * 6, axis=1)] * 6, axis=0)
    Image.fromarray(photo).save(tmp_path / "crowd.png")
    line = run_module("deforgify", "predict", str(tmp_path / "crowd.png"), "--quiet").stdout.strip()
    assert "; 4 more faces found and not judged (beyond the 32 largest)" in line, line
    row = json.loads(run_module("deforgify", "predict", str(tmp_path / "crowd.png"), "--json").stdout)
    assert (row["left_out"], row["beyond_largest"]) == (4, 4)
