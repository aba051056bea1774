"""`deforgify scan`: a folder tree, a file list or a Hub dataset into Parquet or JSONL; resumable
after Ctrl-C, a full disk or a lost worker; on this machine or a Dask cluster the test starts."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import ROOT, bundled_model_with, run_module


def make_tree(root: Path, astronaut: np.ndarray, faces: int) -> Path:
    """Face photos in nested folders (jittered crops of the astronaut, some with colours
    swapped), a photo without a face, broken files, a hidden file and a text file."""
    rng = np.random.default_rng(1)
    for index in range(faces):
        x, y = rng.integers(60, 200), rng.integers(0, 80)
        crop = astronaut[y : y + 220, x : x + 220]
        crop = crop[:, :, ::-1] if index % 3 == 0 else crop
        folder = root / f"batch{index % 4}" / ("deep" if index % 2 else "")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.ascontiguousarray(crop)).save(folder / f"face{index:04d}.jpg", quality=88)
    Image.fromarray(np.tile(np.linspace(0, 255, 200, dtype=np.uint8), (150, 1))).save(root / "gradient.png")
    (root / "batch0" / "notes.jpg").write_text("not an image")
    (root / "batch1" / "empty.png").write_bytes(b"")
    (root / "batch2" / "cut.jpg").write_bytes((root / "batch0" / "face0000.jpg").read_bytes()[:300])
    (root / "batch3" / ".hidden.jpg").write_bytes((root / "batch0" / "face0000.jpg").read_bytes())
    (root / "README.txt").write_text("a text file, skipped")
    return root


def test_what_a_folder_scan_leaves_out_is_counted_by_reason(tmp_path: Path, astronaut: np.ndarray) -> None:
    """A hidden file was counted as "not an image file", a hidden folder and a link to a folder
    not at all."""
    root = tmp_path / "photos"
    (root / ".cache").mkdir(parents=True)
    for path in (root / "a.jpg", root / ".b.jpg", root / ".cache" / "c.jpg", tmp_path / "elsewhere.jpg"):
        Image.fromarray(astronaut).save(path)
    (root / "notes.txt").write_text("notes")
    (tmp_path / "linked").mkdir()
    (root / "link").symlink_to(tmp_path / "linked")
    result = scan(str(root), "--output", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("1 file in" in result.stderr and "2 skipped (hidden), 1 skipped (not an image file), "
            "1 skipped (a link to a folder)" in result.stderr), result.stderr


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray) -> Path:
    return make_tree(tmp_path_factory.mktemp("tree") / "photos", astronaut, faces=40)


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray) -> Path:
    """Long enough to stop mid-way (several seconds of scanning)."""
    return make_tree(tmp_path_factory.mktemp("big") / "photos", astronaut, faces=900)


@pytest.fixture(scope="module")
def expected(tree: Path) -> dict[str, dict]:
    """What `deforgify predict --json` says of every image file in the tree, by path."""
    files = sorted(str(p) for p in tree.rglob("*") if p.is_file() and p.suffix in (".jpg", ".png")
                   and not p.name.startswith("."))
    result = run_module("deforgify", "predict", "--json", "--quiet", *files)
    assert result.returncode == 1, result.stderr[-2000:]  # the broken files
    return {row["file"]: row for row in map(json.loads, result.stdout.splitlines())}


def scan(*args: str, env: dict | None = None, **options) -> subprocess.CompletedProcess:
    return run_module("deforgify", "scan", *args, env=env, **options)


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        import pyarrow.parquet

        return pyarrow.parquet.read_table(path).to_pylist()
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def assert_same_answers(rows: list[dict], expected: dict[str, dict], key: str = "path") -> None:
    """Every row says what the CLI says of the same image: verdict, confidences, face; or an error."""
    assert sorted(row[key] for row in rows) == sorted(expected)
    for row in rows:
        want = expected[row[key]]
        if "error" in want:
            assert row["error"] == want["error"] and row["label"] is None
            continue
        assert row["error"] is None and row["label"] == want["label"], row
        assert (row["face"], row["face_found"], row["deciding_face"]) == (
            want["face"], want["face_found"], want["deciding_face"])
        assert [face["caution"] for face in row["faces"]] == [face["caution"] for face in want["faces"]]
        if want["confidences"] is None:
            assert row["confidences"] is None
        else:
            assert row["confidences"] == pytest.approx(want["confidences"], abs=1e-5)


def assert_same_rows(rows: list[dict], reference: list[dict]) -> None:
    assert [r["path"] for r in rows] == [r["path"] for r in reference]
    for row, want in zip(rows, reference):
        assert (row["label"], row["error"], row["face"]) == (want["label"], want["error"], want["face"])
        if want["confidences"]:
            assert row["confidences"] == pytest.approx(want["confidences"], abs=1e-5)


def test_folder_tree_to_jsonl_on_this_machine(tree: Path, expected: dict, tmp_path: Path) -> None:
    output = tmp_path / "verdicts.jsonl"
    result = scan(str(tree), "--output", str(output))
    assert result.returncode == 1, result.stderr[-2000:]  # completed, some files unreadable
    rows = read_rows(output)
    assert_same_answers(rows, expected)
    assert [r["path"] for r in rows] == sorted(r["path"] for r in rows)  # the tree's sorted order
    assert not any(".hidden" in r["path"] or r["path"].endswith(".txt") for r in rows)
    assert {r["model_revision"] for r in rows} == {rows[0]["model_revision"]}
    assert rows[0]["model_revision"].startswith("sha256:")
    assert f"with model bundled (revision {rows[0]['model_revision']}) into" in result.stderr  # as its rows name it
    codes = Counter(row["error_code"] for row in rows if row["error"] is not None)
    said = ", ".join(f"{n} {code}" for code, n in codes.most_common())
    assert f"3 not judged ({said});" in result.stderr and sum(codes.values()) == 3
    assert "1 skipped (hidden), 1 skipped (not an image file)" in result.stderr
    for row in rows:  # each named as it is found, with the reason its row gives
        assert (f"not judged: {row['path']}: {row['error']}\n" in result.stderr) == (row["error"] is not None)
    assert "Traceback" not in result.stderr

    again = scan(str(tree), "--output", str(output))
    assert again.returncode == 1, again.stderr[-2000:]  # its rows still say 3 files could not be read
    assert "0 files" in again.stderr and f"{len(rows)} already in {output} (3 of them not judged" in again.stderr
    assert read_rows(output) == rows


def test_a_running_dask_cluster_gives_the_same_answers(tree: Path, expected: dict, tmp_path: Path) -> None:
    """A scheduler and two single-threaded workers started here; the scan attaches by address."""
    with dask_cluster(workers=2) as (address, _):
        output = tmp_path / "verdicts.parquet"
        result = scan(str(tree), "--output", str(output), "--cluster", address)
        assert result.returncode == 1, result.stderr[-3000:]
        assert_same_answers(read_rows(output), expected)
        assert not (tmp_path / "verdicts.parquet.partial.jsonl").exists()


def test_a_local_cluster_scans_a_file_list(tree: Path, expected: dict, tmp_path: Path) -> None:
    files = sorted(expected)[::3]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(files + [files[0], ""]) + "\n")  # a repeated path and a blank line
    output = tmp_path / "verdicts.jsonl"
    result = scan("--files-from", str(listing), "--output", str(output), "--cluster", "local:2")
    assert result.returncode in (0, 1), result.stderr[-3000:]
    rows = read_rows(output)
    assert [r["path"] for r in rows] == files
    assert_same_answers(rows, {f: expected[f] for f in files})


def test_a_cluster_scan_says_the_models_config_warning_as_a_local_one_does(tree: Path, tmp_path: Path) -> None:
    """The cluster's workers load the model, not this process: its config's warning (a folder
    from before min_face_width travelled with the weights) must be said all the same."""
    folder = bundled_model_with(tmp_path / "old")
    config = json.loads((folder / "config.json").read_text())
    del config["min_face_width"]
    (folder / "config.json").write_text(json.dumps(config))
    listing = tmp_path / "list.txt"
    listing.write_text(str(sorted(tree.rglob("face*.jpg"))[0]) + "\n")
    for engine in ([], ["--cluster", "local:1"]):
        result = scan("--files-from", str(listing), "--output", str(tmp_path / f"{len(engine)}.jsonl"),
                      "--model", str(folder), *engine)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "warning: the model's config.json does not say the least face width" in result.stderr, engine


def test_interrupted_scan_resumes_to_the_same_output(big_tree: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole.parquet"
    assert scan(str(big_tree), "--output", str(whole), "--workers", "1", "--quiet").returncode == 1
    output = tmp_path / "resumed.parquet"
    journal = tmp_path / "resumed.parquet.partial.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "deforgify", "scan", str(big_tree), "--output", str(output),
                                "--workers", "1"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    wait_for_rows(journal, 64, process)
    process.send_signal(signal.SIGINT)
    stderr = process.communicate(timeout=120)[1]
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr and "run the same command" in stderr and "Traceback" not in stderr
    kept = read_rows(journal)
    assert 64 <= len(kept) < len(read_rows(whole))
    assert not output.exists()

    result = scan(str(big_tree), "--output", str(output), "--workers", "1")
    assert result.returncode == 1, result.stderr[-2000:]
    assert f"{len(kept)} already in" in result.stderr
    assert_same_rows(read_rows(output), read_rows(whole))
    assert not journal.exists()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, BrokenProcessPool], ids=["ctrl-c", "dead-worker"])
def test_a_stopped_scan_writes_the_rows_already_scored_first(tree: Path, tmp_path: Path, stop: type) -> None:
    """A developer's Ctrl-C after 16 photos, while a long clip was read: "The 0 rows written are
    kept", the photos' rows (held to be written 32 at a time) lost with the run; a dead worker
    lost them too."""
    from deforgify.detector import Detector
    from deforgify.scan.collection import folder_tree
    from deforgify.scan.results_file import open_results
    from deforgify.scan.run import LocalEngine, ScanStopped, scan as scan_collection

    class StoppedAfter:
        """The engine of this machine, stopped once ``count`` rows are scored."""

        def __init__(self, engine: LocalEngine, count: int) -> None:
            self.engine, self.count, self.video = engine, count, engine.video

        def rows(self, items, key_field: str):
            for number, row in enumerate(self.engine.rows(items, key_field)):
                if number == self.count:
                    raise stop
                yield row

        def close(self) -> None:
            self.engine.close()

    detector, collection = Detector.load(), folder_tree(str(tree))
    output = tmp_path / "verdicts.jsonl"
    results = open_results(output, collection.key_field, detector.source.fingerprint(), detector.labels)
    with pytest.raises(ScanStopped) as stopped:
        scan_collection(collection, results, StoppedAfter(LocalEngine(detector, 1), 5), progress_enabled=False)
    assert isinstance(stopped.value.cause, stop) and stopped.value.run.rows_kept == 5
    assert len(read_rows(output)) == 5


def test_a_worker_process_killed_on_this_machine_stops_the_scan_and_a_rerun_completes(
        big_tree: Path, tmp_path: Path) -> None:
    import psutil

    output = tmp_path / "verdicts.jsonl"
    command = [sys.executable, "-m", "deforgify", "scan", str(big_tree), "--output", str(output), "--workers", "2"]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    wait_for_rows(output, 64, process)
    workers = [child for child in psutil.Process(process.pid).children()
               if "spawn_main" in " ".join(child.cmdline())]  # not the resource tracker
    assert workers, "the scan runs its decoding in worker processes"
    workers[-1].kill()
    stderr = process.communicate(timeout=120)[1]
    assert process.returncode == 3, stderr[-2000:]
    assert "a worker process died" in stderr and "run the same command" in stderr and "Traceback" not in stderr
    kept = output.read_bytes().count(b"\n")
    assert kept >= 64

    result = scan(str(big_tree), "--output", str(output), "--workers", "2")
    assert result.returncode == 1, result.stderr[-2000:]
    assert f"{kept} already in" in result.stderr
    rows = read_rows(output)
    assert len(rows) == len({r["path"] for r in rows}) == 904


def test_a_full_disk_stops_the_scan_and_keeps_what_was_written(tree: Path, expected: dict, tmp_path: Path) -> None:
    """The file-size limit makes writes fail part-way (as a full disk does, with another errno)."""
    output = tmp_path / "verdicts.jsonl"
    limit = 12_000

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([sys.executable, "-m", "deforgify", "scan", str(tree), "--output", str(output),
                             "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            preexec_fn=small_disk)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "cannot write the results: File too large" in result.stderr and "Traceback" not in result.stderr
    assert 0 < output.stat().st_size <= limit
    complete = output.read_bytes().count(b"\n")  # a line cut short is dropped, then rewritten

    again = scan(str(tree), "--output", str(output))
    rows = read_rows(output)
    assert again.returncode == int(any(row["error"] for row in rows[complete:])), again.stderr[-2000:]
    assert f"{complete} already in" in again.stderr
    assert_same_answers(rows, expected)
    assert len(rows) == len(expected)


def test_a_new_file_in_the_tree_is_added_to_a_finished_parquet(tree: Path, tmp_path: Path,
                                                                astronaut: np.ndarray) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("a.jpg", "b.jpg"):
        Image.fromarray(astronaut).save(photos / name)
    output = tmp_path / "verdicts.parquet"
    assert scan(str(photos), "--output", str(output)).returncode == 0
    first = read_rows(output)
    Image.fromarray(astronaut[:, ::-1]).save(photos / "c.jpg")
    result = scan(str(photos), "--output", str(output))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 already in" in result.stderr
    rows = read_rows(output)
    assert rows[:2] == first and [r["path"] for r in rows] == [str(photos / n) for n in ("a.jpg", "b.jpg", "c.jpg")]


def test_a_face_left_out_is_counted_in_the_row_for_programs(tmp_path: Path, astronaut: np.ndarray) -> None:
    """A visitor's find: a second face under a third of the first one's width was left out, and
    the row (the API's, predict --json's, a scan's) had no word of it: left_out counts it (a face
    under 40 px too: from 40 px on it is judged)."""
    face = astronaut[20:280, 100:350]
    big, small = (cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for scale in (2.2, 0.4))
    photo = np.full((big.shape[0], big.shape[1] + 300, 3), 200, np.uint8)
    photo[:, :big.shape[1]] = big
    photo[100 : 100 + small.shape[0], big.shape[1] + 50 : big.shape[1] + 50 + small.shape[1]] = small
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(photo).save(photos / "pair.png")
    Image.fromarray(big).save(photos / "one.png")
    output = tmp_path / "verdicts.parquet"
    assert scan(str(photos), "--output", str(output)).returncode == 0
    assert {Path(row["path"]).name: (len(row["faces"]), row["left_out"]) for row in read_rows(output)} == {
        "one.png": (1, 0), "pair.png": (1, 1)}
    line = json.loads(run_module("deforgify", "predict", "--json", str(photos / "pair.png")).stdout)
    assert line["left_out"] == 1


@pytest.mark.parametrize("editor", ["pyarrow", "pyarrow, not nullable", "pandas"])
def test_columns_a_reviewer_added_to_a_parquet_output_survive_its_next_scan(tmp_path: Path, astronaut: np.ndarray,
                                                                           editor: str) -> None:
    """A column added to the Parquet file (a reviewer's notes) was dropped when a rerun wrote the
    file again for a new photo: it is kept, its values on the old rows, null on the new one. A
    reviewer's finds: written back by pandas, the rows' sizes and times (a column with a null, the
    missing file's) became floats, every photo was scored again and the notes went with its row; a
    column declared not nullable failed the scan at its end, every time."""
    import pyarrow
    import pyarrow.parquet

    Image.fromarray(astronaut).save(tmp_path / "a.jpg")
    listed, output = tmp_path / "list.txt", tmp_path / "verdicts.parquet"
    listed.write_text(f"{tmp_path / 'a.jpg'}\n{tmp_path / 'gone.jpg'}\n")
    assert scan("--files-from", str(listed), "--output", str(output)).returncode == 1
    notes = ["checked by Ann", "asked the sender"]
    if editor == "pandas":
        import pandas

        table = pandas.read_parquet(output)
        table["reviewed"] = notes
        table.to_parquet(output, index=False)
        assert pyarrow.parquet.read_schema(output).field("file_mtime_ns").type == pyarrow.float64()
    else:
        column = pyarrow.field("reviewed", pyarrow.string(), nullable=editor == "pyarrow")
        table = pyarrow.parquet.read_table(output)
        pyarrow.parquet.write_table(table.append_column(column, pyarrow.array(notes)), output)
    Image.fromarray(astronaut[:, ::-1]).save(tmp_path / "b.jpg")
    listed.write_text(listed.read_text() + f"{tmp_path / 'b.jpg'}\n")
    result = scan("--files-from", str(listed), "--output", str(output))
    assert result.returncode == 1 and "1 file in" in result.stderr and "2 already in" in result.stderr, \
        result.stderr[-2000:]
    assert [(Path(row["path"]).name, row["reviewed"]) for row in read_rows(output)] == [
        ("a.jpg", notes[0]), ("gone.jpg", notes[1]), ("b.jpg", None)]


@pytest.mark.parametrize("columns", [
    {"path": ["a.jpg"], "label": ["x"]},  # a traceback (KeyError)
    {"path": []},  # no rows: written over
    {"path": ["a.jpg"], "model_revision": ["sha256:0"]},  # taken for a scan's and written over
])
def test_a_parquet_file_that_is_no_scans_output_is_refused_and_left_untouched(
        tree: Path, tmp_path: Path, columns: dict) -> None:
    import pyarrow
    import pyarrow.parquet

    output = tmp_path / "theirs.parquet"
    pyarrow.parquet.write_table(pyarrow.table({name: pyarrow.array(values, pyarrow.string())
                                               for name, values in columns.items()}), output)
    before = output.read_bytes()
    result = scan(str(tree), "--output", str(output))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert f"{output} exists and is not a scan's Parquet output (no column " in result.stderr
    assert output.read_bytes() == before and not list(tmp_path.glob("*.partial.jsonl"))


def test_a_last_row_that_only_lacks_its_line_end_is_kept(tmp_path: Path, astronaut: np.ndarray) -> None:
    """A whole last row without a newline (as some tools write JSON Lines) was taken for a line cut
    short by a crash and dropped without a word, its photo's verdict lost if the photo was gone."""
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(astronaut).save(photos / "a.jpg")
    output = tmp_path / "verdicts.jsonl"
    assert scan(str(photos), "--output", str(output)).returncode == 0
    theirs = json.loads(output.read_text()) | {"path": str(tmp_path / "gone.jpg")}  # a photo deleted since
    output.write_text(output.read_text() + "\n" + json.dumps(theirs))  # a blank line too (an editor's): no row
    Image.fromarray(astronaut[:, ::-1]).save(photos / "b.jpg")
    result = scan(str(photos), "--output", str(output))
    assert result.returncode == 0 and "1 already in" in result.stderr and "1 other row" in result.stderr, \
        result.stderr[-2000:]
    assert [Path(row["path"]).name for row in read_rows(output)] == ["a.jpg", "gone.jpg", "b.jpg"]


def test_a_parquet_file_from_before_the_error_codes_is_extended(tmp_path: Path, astronaut: np.ndarray) -> None:
    """An older scan's file (no error_code column) takes new rows: its own get a null code."""
    import pyarrow.parquet

    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(astronaut).save(photos / "a.jpg")
    (photos / "b.jpg").write_text("not a photo")
    output = tmp_path / "verdicts.parquet"
    assert scan(str(photos), "--output", str(output)).returncode == 1
    assert [row["error_code"] for row in read_rows(output)] == [None, "unreadable"]
    pyarrow.parquet.write_table(pyarrow.parquet.read_table(output).drop_columns(["error_code"]), output)
    (photos / "c.jpg").write_bytes(b"")
    result = scan(str(photos), "--output", str(output))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert [(Path(row["path"]).name, row["error_code"]) for row in read_rows(output)] == [
        ("a.jpg", None), ("b.jpg", None), ("c.jpg", "empty_file")]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_listed_file_missing_at_first_is_scored_once_it_is_there(tmp_path: Path, astronaut: np.ndarray,
                                                                   suffix: str) -> None:
    """A file missing when its list was scanned kept its "not found" row for good once it was
    there (its row has no size or time to differ): it has changed since, and is scored again.
    Its name has "time limit" in it: a reason's code was once read from its words anywhere, so
    that this row said ``time_limit`` and its file was never scored."""
    listed, late = tmp_path / "list.txt", tmp_path / "late past the time limit.jpg"
    listed.write_text(f"{late}\n")
    output = tmp_path / f"verdicts{suffix}"
    assert scan("--files-from", str(listed), "--output", str(output)).returncode == 1
    assert [row["error_code"] for row in read_rows(output)] == ["not_found"]
    Image.fromarray(astronaut).save(late)
    found = scan("--files-from", str(listed), "--output", str(output))
    assert found.returncode == 0 and "1 scored again (changed since their rows)" in found.stderr, found.stderr[-2000:]
    assert [(row["path"], row["error"], row["label"] is not None) for row in read_rows(output)] == [
        (str(late), None, True)]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_retry_errors_scores_again_the_files_whose_rows_said_they_could_not_be_read(
        tmp_path: Path, astronaut: np.ndarray, suffix: str) -> None:
    """A file that could not be read at the first scan and can now, its size and time unchanged
    (as a failure of the storage, not of the file), kept its error row for good (a scan scores
    only what has no row or has changed); --retry-errors replaces that row with a verdict, each
    file has one row, and another collection's error row in the same output is left as it was."""
    photos, others = tmp_path / "photos", tmp_path / "others"
    photos.mkdir(), others.mkdir()
    Image.fromarray(astronaut).save(photos / "a.jpg")
    whole = (photos / "a.jpg").read_bytes()
    (photos / "b.jpg").write_bytes(bytes(len(whole)))  # unreadable at first
    (others / "x.jpg").write_bytes(whole[:300])
    listed = tmp_path / "list.txt"
    listed.write_text(f"{others / 'x.jpg'}\n")
    output = tmp_path / f"verdicts{suffix}"
    assert scan("--files-from", str(listed), "--output", str(output)).returncode == 1
    assert scan(str(photos), "--output", str(output)).returncode == 1
    then = (photos / "b.jpg").stat()
    (photos / "b.jpg").write_bytes(whole)  # readable now, its size and time as they were
    os.utime(photos / "b.jpg", ns=(then.st_atime_ns, then.st_mtime_ns))
    kept = scan(str(photos), "--output", str(output))
    assert kept.returncode == 1 and "(1 of them not judged: their rows say why; --retry-errors scores them again)" \
        in kept.stderr, kept.stderr
    assert read_rows(output)[2]["error"] is not None

    retried = scan(str(photos), "--output", str(output), "--retry-errors")
    assert retried.returncode == 0, retried.stderr[-2000:]
    assert "1 file in" in retried.stderr and "1 already in" in retried.stderr
    assert "1 scored again (their rows had said why they were not judged)" in retried.stderr, retried.stderr
    rows = {row["path"]: row for row in read_rows(output)}
    assert len(read_rows(output)) == 3 and set(rows) == {str(others / "x.jpg"), str(photos / "a.jpg"),
                                                         str(photos / "b.jpg")}
    assert rows[str(photos / "b.jpg")]["error"] is None
    assert rows[str(photos / "b.jpg")]["label"] == rows[str(photos / "a.jpg")]["label"] != None  # noqa: E711
    assert rows[str(others / "x.jpg")]["error"] is not None  # not this collection's: untouched
    assert not list(tmp_path.glob(".verdicts*")) and not list(tmp_path.glob("*.partial.jsonl"))
    again = scan(str(photos), "--output", str(output), "--retry-errors")
    assert again.returncode == 0 and "0 files in" in again.stderr and "scored again" not in again.stderr


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_file_changed_since_its_row_is_scored_again(tmp_path: Path, astronaut: np.ndarray, suffix: str) -> None:
    """A photo replaced by another after its scan kept its old verdict silently: rows keep the
    file's size and modification time, and a rerun scores a file whose size or time differ
    again, its row replaced; an unchanged file keeps its row."""
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(astronaut).save(photos / "a.jpg")
    Image.fromarray(np.zeros((200, 200, 3), np.uint8)).save(photos / "b.jpg")  # no face
    output = tmp_path / f"verdicts{suffix}"
    assert scan(str(photos), "--output", str(output)).returncode == 0
    first = {row["path"]: row for row in read_rows(output)}
    status = (photos / "b.jpg").stat()
    assert (first[str(photos / "b.jpg")]["file_size"], first[str(photos / "b.jpg")]["file_mtime_ns"]) == (
        status.st_size, status.st_mtime_ns)
    assert first[str(photos / "b.jpg")]["label"] == "no_face"
    Image.fromarray(astronaut[:, ::-1]).save(photos / "b.jpg")  # another photo under the same name

    again = scan(str(photos), "--output", str(output))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "1 file in" in again.stderr and "1 already in" in again.stderr
    assert "1 scored again (changed since their rows)" in again.stderr, again.stderr
    rows = read_rows(output)
    assert sorted(row["path"] for row in rows) == [str(photos / "a.jpg"), str(photos / "b.jpg")]
    now = {row["path"]: row for row in rows}
    assert now[str(photos / "b.jpg")]["label"] != "no_face" and now[str(photos / "b.jpg")]["face_found"]
    assert now[str(photos / "a.jpg")] == first[str(photos / "a.jpg")]
    os.utime(photos / "a.jpg")  # touched: same bytes, a new time, scored again
    touched = scan(str(photos), "--output", str(output))
    assert "1 scored again (changed since their rows)" in touched.stderr and "1 file in" in touched.stderr
    assert sorted(row["path"] for row in read_rows(output)) == [str(photos / "a.jpg"), str(photos / "b.jpg")]


def test_a_rewritten_output_keeps_its_link_and_mode_and_ignores_a_stale_copy(tmp_path: Path) -> None:
    """Rows are dropped by writing a copy and renaming it: the copy's name may hold a killed
    run's leftovers (appended to before), and the output may be a link (replaced by a plain file
    before, the linked file keeping the old rows) with its own mode (lost before)."""
    from deforgify.scan.results_file import JsonLines

    shared = tmp_path / "shared"
    shared.mkdir()
    target, output = shared / "verdicts.jsonl", tmp_path / "verdicts.jsonl"
    target.write_text('{"path": "a.jpg", "error": null, "model_revision": "m"}\n'
                      '{"path": "b.jpg", "error": "cut short", "model_revision": "m"}\n')
    target.chmod(0o664)
    output.symlink_to(target)
    (shared / f".verdicts.jsonl.{os.getpid()}.tmp").write_text('{"path": "old.jpg", "model_revision": "m"}\n')
    results = JsonLines(output)
    results.open()
    assert results.drop_rows("path", lambda key: key == "b.jpg") == 1
    results.close()
    assert output.is_symlink() and (target.stat().st_mode & 0o777) == 0o664
    assert [row["path"] for row in JsonLines(output).rows()] == ["a.jpg"]


def test_a_parquet_scan_stopped_while_it_drops_rows_leaves_no_row_twice(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropping rows rewrote the Parquet file with the journal's rows, then emptied the journal:
    stopped between the two, every journal row was in both, for good."""
    from deforgify.scan.results_file import ParquetResults

    output = tmp_path / "verdicts.parquet"
    row = {"label": "real", "error": None, "model_revision": "m"}
    first = ParquetResults(output, ("real", "fake"))
    first.open()
    first.append([{**row, "path": "a.jpg"}, {**row, "path": "b.jpg", "label": None, "error": "cut short"}])
    first.finish()
    second = ParquetResults(output, ("real", "fake"))
    second.open()
    second.append([{**row, "path": "c.jpg"}])
    monkeypatch.setattr(second.journal, "drop_rows", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        second.drop_rows("path", lambda key: key in ("b.jpg", "c.jpg"))
    second.close()
    third = ParquetResults(output, ("real", "fake"))
    third.open()
    third.finish()
    assert sorted(row["path"] for row in read_rows(output)) == ["a.jpg", "c.jpg"]


def test_a_folder_the_scan_may_not_read_is_counted_and_a_root_it_may_not_read_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A subfolder without read permission was left out unsaid; the root so was "no image
    files in it". (Simulated: the tests may run as root, whom no permission stops.)"""
    from deforgify.scan.collection import CollectionError, folder_tree

    root = tmp_path / "photos"
    (root / "secret").mkdir(parents=True)
    (root / "a.jpg").write_bytes(b"x")
    listing = os.scandir

    def refusing(path=".", *args):
        if os.path.basename(os.fspath(path)) in ("secret", "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return listing(path, *args)

    monkeypatch.setattr(os, "scandir", refusing)
    collection = folder_tree(str(root))
    assert collection.total == 1 and collection.skipped == {"a folder it could not read": 1}
    (tmp_path / "locked").mkdir()
    with pytest.raises(CollectionError, match=r"locked: cannot read the folder \(Permission denied\)"):
        folder_tree(str(tmp_path / "locked"))


def test_an_output_rewritten_to_drop_rows_stays_locked_and_keeps_its_other_lines(tmp_path: Path) -> None:
    """The rewritten file is renamed over the old one: a second scan must find the new file locked
    too, and the lines kept are the lines as written."""
    from deforgify.scan.results_file import JsonLines, ResultsError

    output = tmp_path / "verdicts.jsonl"
    lines = ['{"path": "a.jpg", "label": "real", "error": null, "model_revision": "m"}\n',
             '{"path": "b.jpg", "label": null, "error": "cut short", "model_revision": "m"}\n',
             '{"path": "c.jpg", "label": null, "error": "empty", "model_revision": "m"}\n']
    output.write_text("".join(lines))
    results = JsonLines(output)
    results.open()
    assert results.drop_rows("path", lambda key: key == "b.jpg") == 1
    with pytest.raises(ResultsError, match="another scan is writing"):
        JsonLines(output).open()
    results.append([{"path": "b.jpg", "label": "fake", "error": None, "model_revision": "m"}])
    results.close()
    assert output.read_text().splitlines(keepends=True)[:2] == [lines[0], lines[2]]
    assert [row["path"] for row in JsonLines(output).rows()] == ["a.jpg", "c.jpg", "b.jpg"]


def test_a_folder_named_another_way_is_the_same_rows(tree: Path, tmp_path: Path) -> None:
    """``photos``, ``./photos/`` and the absolute path: the second scanned every image again (each
    row twice in the file); a name that matches none of the rows says so."""
    output = tmp_path / "verdicts.jsonl"
    first = scan(tree.name, "--output", str(output), cwd=tree.parent)
    rows = read_rows(output)
    assert first.returncode == 1 and rows, first.stderr[-2000:]
    again = scan(f"./{tree.name}/", "--output", str(output), cwd=tree.parent)
    assert "0 files in" in again.stderr and f"{len(rows)} already in" in again.stderr, again.stderr
    assert read_rows(output) == rows
    named_otherwise = scan(str(tree), "--output", str(output))  # by its absolute path: scanned again, and said
    assert f"note: none of the {len(rows)} rows already in {output} are of folder {tree}" in named_otherwise.stderr
    assert named_otherwise.stderr.index("note: none") < named_otherwise.stderr.index("files in")  # said before scoring


def test_a_second_scan_into_the_same_output_is_refused_while_the_first_runs(big_tree: Path, tmp_path: Path) -> None:
    """Two at once wrote every row twice."""
    output = tmp_path / "verdicts.jsonl"
    first = subprocess.Popen([sys.executable, "-m", "deforgify", "scan", str(big_tree), "--output", str(output),
                              "--workers", "1", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_rows(output, 32, first)
        second = scan(str(big_tree), "--output", str(output), "--workers", "1")
        assert second.returncode == 2, second.stderr[-2000:]
        assert f"error: another scan is writing {output}" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=120)
    paths = [row["path"] for row in read_rows(output)]
    assert len(paths) == len(set(paths))


def test_an_output_that_cannot_be_written_is_told_before_anything_is_scanned(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = scan(str(tree), "--output", str(blocker / "verdicts.jsonl"))
    assert result.returncode == 2 and "nothing was scanned" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "files in" not in result.stderr
    # A Parquet output linked into a folder that is gone: its journal beside the link could be
    # written, and the scan failed at its end, every file scored.
    (tmp_path / "linked.parquet").symlink_to(tmp_path / "gone" / "verdicts.parquet")
    linked = scan(str(tree), "--output", str(tmp_path / "linked.parquet"))
    assert linked.returncode == 2 and f"{tmp_path / 'gone'}: no such folder; nothing was scanned" in linked.stderr, \
        linked.stderr[-2000:]
    new_folder = scan(str(tree), "--output", str(tmp_path / "new" / "verdicts.parquet"))  # made, as ever
    assert new_folder.returncode == 1 and (tmp_path / "new" / "verdicts.parquet").is_file(), new_folder.stderr[-2000:]


def test_the_summary_counts_only_this_collections_rows_already_in_the_file(tmp_path: Path,
                                                                          astronaut: np.ndarray) -> None:
    """A results file shared by two collections: each scan counts its own rows as already there
    (a folder of 2 photos said "4 already in" after a list of 2 others had filled the file)."""
    photos, others = tmp_path / "photos", tmp_path / "others"
    for folder in (photos, others):
        folder.mkdir()
        for name in ("a.jpg", "b.jpg"):
            Image.fromarray(astronaut).save(folder / name)
    listed = tmp_path / "list.txt"
    listed.write_text("# the other photos, listed by a script\n" + "".join(f"{others / n}\n" for n in ("a.jpg", "b.jpg")))
    output = tmp_path / "verdicts.jsonl"
    assert scan("--files-from", str(listed), "--output", str(output)).returncode == 0
    first = scan(str(photos), "--output", str(output))
    assert first.returncode == 0 and "2 files in" in first.stderr and "0 already in" in first.stderr, first.stderr
    others_kept = ("2 other rows left as they are (of images not in this scan: files deleted since, or another "
                   "collection's)")
    assert others_kept in first.stderr
    again = scan(str(photos), "--output", str(output))
    assert "0 files in" in again.stderr and "2 already in" in again.stderr and others_kept in again.stderr
    assert len(read_rows(output)) == 4  # the list's comment line is no file: no error row for it
    (photos / "b.jpg").unlink()  # its row stays, and is said to
    deleted = scan(str(photos), "--output", str(output))
    assert "1 already in" in deleted.stderr and "3 other rows left as they are" in deleted.stderr, deleted.stderr
    assert len(read_rows(output)) == 4


@pytest.mark.parametrize("existing, message", [
    ('{"path": "x.jpg", "label": "real", "model_revision": "sha256:0000000000000000"}\n', "was written with model"),
    ("a,b,c\n1,2,3\n", "is not a scan result"),
    ('{"path": null, "index": 3, "label": "real", "model_revision": "sha256:0"}\n', "a scan by index"),
    ('{"id": 1, "label": "cat"}', "line 1 is not a scan result"),  # one line, no end: it was emptied (a reviewer)
])
def test_an_output_it_cannot_extend_is_left_untouched(tree: Path, tmp_path: Path, existing: str, message: str) -> None:
    output = tmp_path / "verdicts.jsonl"
    output.write_text(existing)
    result = scan(str(tree), "--output", str(output))
    assert result.returncode == 2 and message in result.stderr, result.stderr[-2000:]
    assert output.read_text() == existing


@pytest.mark.parametrize("added, message", [
    ("not json\n", "line LINE is not a scan result"),
    ('{"label": "real", "model_revision": "REVISION"}\n', "a row of neither a path nor an index"),
])
def test_an_output_bad_after_its_first_rows_is_left_untouched(tree: Path, tmp_path: Path, added: str,
                                                              message: str) -> None:
    """Every row is read before anything is scanned: a bad one after the first stopped the scan
    with a traceback."""
    output = tmp_path / "verdicts.jsonl"
    assert scan(str(tree), "--output", str(output)).returncode == 1  # the broken files
    revision = json.loads(output.read_text().splitlines()[0])["model_revision"]
    existing = output.read_text() + added.replace("REVISION", revision)
    output.write_text(existing)
    result = scan(str(tree), "--output", str(output))
    message = message.replace("LINE", str(len(existing.splitlines())))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert output.read_text() == existing


@pytest.mark.parametrize("args, message", [
    (["{tmp}/nowhere"], "no such folder"),
    (["{tmp}/empty"], "no image files in it"),
    ([""], "an empty folder name"),
    (["--files-from", "{tmp}/nolist.txt"], "cannot read the list"),
    (["--dataset", ""], "an empty dataset id"),
    (["{tree}", "--output", "{tmp}/out.csv"], "must end in .jsonl or .parquet"),
    (["{tree}", "--output", "{tmp}/out.parquet.partial.jsonl"], "is where a Parquet scan keeps its rows"),
    (["{tree}/batch0/face0000.jpg"], "is a file, not a folder: scan a folder, or name files one per line"),
    (["{tree}", "--cluster", "local:zero"], "give local:N"),
    (["{tree}", "--cluster", "tcp://127.0.0.1:9"], "cannot reach a Dask scheduler"),
])
def test_usage_errors_exit_2_with_a_reason(tree: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty").mkdir()
    args = [a.format(tmp=tmp_path, tree=tree) for a in args]
    if "--output" not in args:
        args += ["--output", str(tmp_path / "out.jsonl")]
    result = scan(*args, timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("missing, args, message", [
    ("pyarrow", ["{tree}", "--output", "{tmp}/out.parquet"], "Parquet output needs pyarrow: pip install -r "
                                                             "requirements-scan.txt, or write .jsonl"),
    ("datasets", ["--dataset", "someone/faces", "--output", "{tmp}/out.jsonl"],
     "scanning a dataset needs the datasets library: pip install -r requirements-scan.txt"),
])
def test_on_the_serving_install_parquet_and_datasets_are_refused_in_words(tree: Path, tmp_path: Path, missing: str,
                                                                         args: list[str], message: str) -> None:
    """`make app` installs neither pyarrow nor datasets (requirements.txt): a scan that needs one
    says which to install (it was an ImportError traceback)."""
    blocker = tmp_path / "blocked"
    (blocker / missing).mkdir(parents=True)
    (blocker / missing / "__init__.py").write_text(f"raise ImportError('{missing} is not installed here')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}
    result = scan(*[a.format(tmp=tmp_path, tree=tree) for a in args], env=env, timeout=120)
    assert result.returncode == 2 and message in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_a_scan_runs_with_its_standard_output_closed(tree: Path, tmp_path: Path) -> None:
    """It writes its rows to the results file, not to the standard output (predict refuses to run
    with it closed; scan was refused too)."""
    done = subprocess.run([sys.executable, "-m", "deforgify", "scan", str(tree), "--output", str(tmp_path / "a.jsonl")],
                          cwd=ROOT, stderr=subprocess.PIPE, text=True, timeout=300, preexec_fn=lambda: os.close(1))
    assert done.returncode == 1 and len(read_rows(tmp_path / "a.jsonl")) == 44, done.stderr[-2000:]


def test_without_dask_the_single_machine_path_works(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "no-dask"
    (blocker / "distributed").mkdir(parents=True)
    (blocker / "distributed" / "__init__.py").write_text("raise ImportError('Dask is not installed here')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}
    refused = scan(str(tree), "--output", str(tmp_path / "a.jsonl"), "--cluster", "local:2", env=env)
    assert refused.returncode == 2 and "--cluster needs Dask" in refused.stderr, refused.stderr[-2000:]
    alone = scan(str(tree), "--output", str(tmp_path / "a.jsonl"), env=env)
    assert alone.returncode == 1 and len(read_rows(tmp_path / "a.jsonl")) == 44, alone.stderr[-2000:]


def test_a_hub_dataset_is_streamed_through_the_loopback_hub(hub_env, api, tree: Path, expected: dict,
                                                             tmp_path: Path) -> None:
    import datasets

    files = [f for f in sorted(expected) if "error" not in expected[f]][:10]
    stored = [{"bytes": None, "path": f} for f in files]  # an image's own struct, not typed as an Image
    table = datasets.Dataset.from_dict({"image": files, "caption": [Path(f).name for f in files], "label": [0] * 10,
                                        "stored": stored},
                                       features=datasets.Features({"image": datasets.Image(),
                                                                   "caption": datasets.Value("string"),
                                                                   "label": datasets.Value("int64"),
                                                                   "stored": {"bytes": datasets.Value("binary"),
                                                                              "path": datasets.Value("string")}}))
    table.to_parquet(tmp_path / "photos.parquet")
    api.create_repo("alice/photos", repo_type="dataset")
    for split in ("train", "test"):
        api.upload_file(path_or_fileobj=str(tmp_path / "photos.parquet"), repo_id="alice/photos",
                        repo_type="dataset", path_in_repo=f"data/{split}-00000-of-00001.parquet")
    output = tmp_path / "verdicts.parquet"
    result = scan("--dataset", "alice/photos", "--output", str(output), env=hub_env)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = read_rows(output)
    assert [(r["index"], r["dataset"], r["split"], r["image_column"]) for r in rows] == \
        [(i, "alice/photos", "train", "image") for i in range(10)]
    assert_same_answers(rows, {i: expected[f] for i, f in enumerate(files)}, key="index")
    # the test split's rows 0-9 are other images: taken as done, they were never scored
    other_split = scan("--dataset", "alice/photos", "--split", "test", "--output", str(output), env=hub_env)
    assert other_split.returncode == 2, other_split.stderr[-2000:]
    assert (f"{output} holds rows of dataset alice/photos (train, column image), and this scan is of dataset "
            "alice/photos (test, column image): a dataset's rows are matched by their index alone, so give each "
            "split and column its own output (nothing was changed)") in other_split.stderr
    assert read_rows(output) == rows
    older = tmp_path / "older.jsonl"  # written before rows named their dataset: its indices may be any split's
    older.write_text("".join(json.dumps({k: v for k, v in row.items() if k not in ("dataset", "split", "image_column")})
                             + "\n" for row in rows))
    unnamed = scan("--dataset", "alice/photos", "--output", str(older), env=hub_env)
    assert unnamed.returncode == 2 and (f"{older} holds rows of a dataset scan that did not name its dataset "
                                        "(written before rows did)") in unnamed.stderr, unnamed.stderr[-2000:]

    numbers = scan("--dataset", "alice/photos", "--column", "label", "--output", str(tmp_path / "n.jsonl"),
                   env=hub_env)  # it stopped part-way with exit 3 and Arrow's "Unsupported cast from int64 to struct"
    assert numbers.returncode == 2, numbers.stderr[-2000:]
    assert ("alice/photos: column 'label' holds int64 values, not images (nor their paths or bytes); its image "
            "columns: ['image']") in numbers.stderr and not (tmp_path / "n.jsonl").exists()
    structs = scan("--dataset", "alice/photos", "--column", "stored", "--output", str(tmp_path / "s.jsonl"),
                   env=hub_env)  # scanned as the image column is (a reviewer's find: refused as "dict values")
    assert structs.returncode == 0, structs.stderr[-2000:]
    assert [(r["index"], r["label"]) for r in read_rows(tmp_path / "s.jsonl")] == [(r["index"], r["label"]) for r in rows]
    missing = scan("--dataset", "alice/photos", "--split", "validation", "--output", str(tmp_path / "x.jsonl"),
                   env=hub_env)
    assert missing.returncode == 2 and "no split 'validation'" in missing.stderr, missing.stderr[-2000:]
    absent = scan("--dataset", "alice/nothing", "--output", str(tmp_path / "x.jsonl"), env=hub_env)
    assert absent.returncode == 2 and "alice/nothing: cannot load it" in absent.stderr, absent.stderr[-2000:]
    with socket.socket() as closed:  # a port nothing listens on: the Hub is away
        closed.bind(("127.0.0.1", 0))
        away = {**hub_env, "HF_ENDPOINT": f"http://127.0.0.1:{closed.getsockname()[1]}"}
    unreachable = scan("--dataset", "alice/photos", "--output", str(tmp_path / "y.jsonl"), env=away)
    assert unreachable.returncode == 2, unreachable.stderr[-2000:]
    assert "alice/photos: the Hub could not be reached, and no copy of the dataset is cached here" in unreachable.stderr
    typo = scan("--dataset", "alice/photos", "--output", str(tmp_path / "z.jsonl"),
                env={**hub_env, "HF_ENDPOINT": "not a url"})  # told "could not be reached", the typo unsaid
    assert typo.returncode == 2, typo.stderr[-2000:]
    assert "alice/photos: HF_ENDPOINT is not an http:// or https:// address, and no copy" in typo.stderr
    assert "Retrying" not in unreachable.stderr  # 24 s of them came first


def test_a_killed_worker_costs_nothing_but_time(big_tree: Path, tmp_path: Path) -> None:
    """Dask gives a lost worker's batches to the other one: the output is still complete."""
    with dask_cluster(workers=2) as (address, workers):
        output = tmp_path / "verdicts.jsonl"
        process = subprocess.Popen([sys.executable, "-m", "deforgify", "scan", str(big_tree), "--output",
                                    str(output), "--cluster", address, "--quiet"],
                                   cwd=ROOT, stderr=subprocess.PIPE, text=True)
        wait_for_rows(output, 64, process)
        workers[0].kill()
        stderr = process.communicate(timeout=300)[1]
    assert process.returncode == 1, stderr[-3000:]
    rows = read_rows(output)
    assert len(rows) == len({r["path"] for r in rows}) == 904


def wait_for_rows(path: Path, count: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        assert process.poll() is None, process.communicate()[1][-2000:]
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"{path} did not get {count} rows in {timeout} s")


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A Dask scheduler and single-threaded workers, each in its own process as on a real
    cluster; yields the scheduler's address and the worker processes."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    tools = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scheduler = subprocess.Popen([tools / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stderr=subprocess.DEVNULL, env=env)
    processes = [subprocess.Popen([tools / "dask", "worker", address, "--nthreads", "1", "--no-nanny",
                                   "--no-dashboard"], stderr=subprocess.DEVNULL, env=env)
                 for _ in range(workers)]
    try:
        _wait_for_workers(address, workers)
        yield address, processes
    finally:
        for process in [*processes, scheduler]:
            process.terminate()
        for process in [*processes, scheduler]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a worker busy in TensorFlow may not stop politely
                process.kill()
                process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(count, timeout=120)


def test_only_the_first_files_not_judged_are_named(capsys: pytest.CaptureFixture) -> None:
    from deforgify.batch.progress import Progress
    from deforgify.scan.run import NOT_JUDGED_NAMED, ScanRun, _name_not_judged

    run = ScanRun(0, Progress(None, enabled=True))
    for number in range(NOT_JUDGED_NAMED + 3):
        run.progress.count_row({"label": None, "error": "cut short", "error_code": "unreadable"})
        _name_not_judged(run, f"broken{number}.jpg", "cut short")
    lines = capsys.readouterr().err.splitlines()
    assert lines[:NOT_JUDGED_NAMED] == [f"not judged: broken{n}.jpg: cut short" for n in range(NOT_JUDGED_NAMED)]
    assert lines[NOT_JUDGED_NAMED:] == ["(more files not judged are not named here: their rows say why)"]


def test_a_scan_stopped_by_a_bug_keeps_its_rows_and_shows_the_bugs_traceback(
        tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """A fault of the code (not Ctrl-C, a full disk or a dead worker) was one line, "the scan stopped:
    KeyError: 'face'", with nothing to find it by: its traceback is shown, and the rows scored before
    it are kept as for any stop."""
    from deforgify.cli import scan as scan_cli
    from deforgify.cli.main import build_parser
    from deforgify.scan.run import LocalEngine

    scored = LocalEngine.rows

    def failing(self, items, key_field):
        for number, row in enumerate(scored(self, items, key_field)):
            if number == 5:
                raise KeyError("face")
            yield row

    monkeypatch.setattr(LocalEngine, "rows", failing)
    output = tmp_path / "verdicts.jsonl"
    args = build_parser().parse_args(["scan", str(tree), "--output", str(output), "--workers", "1", "--quiet"])
    assert scan_cli.run(args) == 3
    stderr = capsys.readouterr().err
    assert "Traceback (most recent call last)" in stderr and 'raise KeyError("face")' in stderr, stderr
    assert "error: the scan stopped: unexpected KeyError: 'face' (traceback above: please report it" in stderr
    assert "The 5 rows written are kept" in stderr and len(read_rows(output)) == 5


def test_an_outputs_missing_folder_is_made_and_said(tmp_path: Path, astronaut: np.ndarray) -> None:
    """A typo in -o (/nonexistent/x.jsonl) made a folder at the root, unsaid: the first line says it."""
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(astronaut).save(photos / "a.jpg")
    output = tmp_path / "new" / "deeper" / "v.jsonl"
    result = scan(str(photos), "--output", str(output))
    assert result.returncode == 0 and len(read_rows(output)) == 1, result.stderr
    assert f"(a new folder, {output.parent}, made for it)" in result.stderr
    again = scan(str(photos), "--output", str(output))
    assert "made for it" not in again.stderr  # there now


def test_a_file_named_twice_in_a_list_is_scanned_once_and_said(tmp_path: Path, astronaut: np.ndarray) -> None:
    """Four lines, one path twice (once as ./): "3 files", the line dropped unsaid."""
    for name in ("a", "b", "c"):
        Image.fromarray(astronaut).save(tmp_path / f"{name}.jpg")
    listed = tmp_path / "list.txt"
    listed.write_text("a.jpg\nb.jpg\n./a.jpg\nc.jpg\n# a comment is no file\n")
    result = scan("--files-from", str(listed), "--output", str(tmp_path / "v.jsonl"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "3 files in" in result.stderr and "1 skipped (named again in the list)" in result.stderr
    assert sorted(row["path"] for row in read_rows(tmp_path / "v.jsonl")) == ["a.jpg", "b.jpg", "c.jpg"]
