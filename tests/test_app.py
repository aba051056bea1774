"""The Gradio app, started for real on a free loopback port: its API through gradio_client,
bad input, a bounded load test, and a person's use of the page in headless Chromium."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import ROOT

VERDICTS = ("real", "fake", "unsure")

ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(tmp_path: Path, **env: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(tmp_path / f"app-{port}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "GRADIO_SERVER_PORT": str(port), "HF_HOME": str(tmp_path / "hf"), **env},
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited: {(tmp_path / f'app-{port}.log').read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the app did not answer within 120 s")


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def flags_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flags")


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the module's app writes its log (app-PORT.log)."""
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def app_url(app_folder: Path, flags_folder: Path):
    # one visitor (the tests, all from 127.0.0.1) reports more than a visitor's share of the default
    # hour's quota (10); the quota has a test and an app of its own
    process, url = start_app(app_folder, DEFORGIFY_FLAGS=str(flags_folder), DEFORGIFY_FLAG_MAX_PER_HOUR="200")
    yield url
    stop_app(process)


@pytest.fixture(scope="module")
def client(app_url: str):
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("images")

    def save(name: str, image: Image.Image, **options) -> None:
        image.save(folder / name, **options)

    face = Image.fromarray(astronaut)
    save("face.jpg", face, quality=92)
    from skimage import data

    save("coffee.jpg", Image.fromarray(data.coffee()), quality=92)
    save("face300.jpg", face.crop((100, 0, 400, 300)), quality=90)
    save("grey16.png", Image.fromarray((np.asarray(face.convert("L"), np.uint16) * 257)))
    save("cmyk.jpg", face.convert("CMYK"), quality=92)
    save("iphone.heic", face, format="HEIF", quality=90)
    save("huge.jpg", face.resize((6000, 6000)), quality=80)
    save("one-pixel.png", Image.new("RGB", (1, 1)))
    save("bomb.png", Image.new("1", (20000, 20000)))
    frames = [face.resize((64, 64)), face.resize((64, 64)).rotate(90)]
    save("animated.gif", frames[0], save_all=True, append_images=frames[1:], duration=100)
    data = (folder / "face.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "text.jpg").write_text("this is not an image")
    return {p.stem: p for p in folder.iterdir()}


def predict(client, path: Path):
    from gradio_client import handle_file

    return client.predict(handle_file(str(path)), api_name="/predict")


# --- the API ----------------------------------------------------------------------------------


def test_api_answers_with_verdict_summary_faces_heatmap_and_result(client, images) -> None:
    from deforgify.detector import Detector

    verdict, summary, boxed, heatmap, result = predict(client, images["face"])
    assert result["model"]["reference"] == "bundled"  # on the page as in the data
    assert f'Answered by deforgify-lite0 (bundled), Deforgify {result["model"]["library_version"]}, trained ' in summary
    assert f'(revision {result["model"]["revision"]})</p>' in summary  # a screenshot names the model too
    confidences = {c["label"]: c["confidence"] for c in verdict["confidences"]}
    assert set(confidences) == {"real", "fake"}
    assert sum(confidences.values()) == pytest.approx(1.0, abs=1e-5)
    assert verdict["label"] == result["label"] in VERDICTS
    assert result["confidences"] == pytest.approx(confidences, abs=1e-5)
    assert result["face_found"] is True and len(result["faces"]) == 1 and result["deciding_face"] == 0
    face = result["faces"][0]
    assert face["box"] == result["face"] and face["label"] == result["label"]
    assert result["model"]["reference"] == "bundled" and result["model"]["library_version"]
    assert f'data-verdict="{result["label"]}"' in summary and "judged on the one face found" in summary.lower()
    drawn = np.asarray(Image.open(boxed).convert("RGB"))
    # the photo, and under it a strip naming the answer, its time and the model (a downloaded picture said none)
    assert drawn.shape[1] == 512 and 512 + 20 < drawn.shape[0] < 512 + 100
    assert (drawn[512 + 2:, :, :] > 200).mean() > 0.6 and (drawn[512 + 2:, :, :] < 120).any()
    assert Path(boxed).name == (f"deforgify-{result['label'].replace('_', '-')}-"  # its answer, time and answer id
                                f"{result['checked_at'].replace('-', '').replace(':', '')}-{result['answer_id'][:12]}.jpg")
    assert heatmap is None or Path(heatmap).name == f"deforgify-heatmap-{result['answer_id'][:12]}.jpg"
    threshold = Detector.load().config.calibration.threshold
    leaning_fake = result["label"] == "fake" or (result["label"] == "unsure" and confidences["fake"] >= threshold)
    if leaning_fake and not face["caution"]:  # the heatmap explains a suspicion only
        assert Image.open(heatmap).size == (384, 384)  # its legend is text beside it
    else:
        assert heatmap is None


def test_the_json_answer_names_the_model_its_settings_and_the_deciding_face(client, images) -> None:
    import hashlib

    from deforgify.detector import Detector

    detector = Detector.load()
    calibration = detector.config.calibration
    result = predict(client, images["face"])[4]
    model = result["model"]
    files = [hashlib.sha256((detector.source.folder / name).read_bytes()).hexdigest()
             for name in ("config.json", "model.keras", "model.tflite")]
    assert model["revision"] == "sha256:" + hashlib.sha256("".join(files).encode()).hexdigest()[:12]
    assert model["threshold"] == pytest.approx(calibration.threshold)
    assert model["unsure_band"] == pytest.approx([calibration.unsure_low, calibration.unsure_high])
    assert model["min_face_width"] == detector.config.min_face_width == 40
    assert model["architecture"] == detector.config.architecture and model["trained"]
    assert re.fullmatch(r"[0-9a-f]{32}", result["answer_id"])
    # what a journalist cites beside an answer: which file (as it arrived) and when
    assert result["file_sha256"] == hashlib.sha256(images["face"].read_bytes()).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result["checked_at"])
    two = predict(client, ROOT / "examples" / "two-faces.jpg")[4]
    assert len(two["faces"]) == 2 and two["faces"][two["deciding_face"]]["box"] == two["face"]
    judged = [face for face in two["faces"] if not face["caution"]]  # the other has no colour: it withholds "real"
    assert [face["label"] for face in judged] == ["real"] and two["label"] == "unsure"
    assert two["faces"][two["deciding_face"]]["caution"].startswith("face has no colour to judge")
    verdict, summary = predict(client, ROOT / "examples" / "two-faces.jpg")[:2]
    assert verdict == {"label": "unsure", "confidences": None}
    assert ">Unsure: one face has no colour to judge</div>" in summary  # not "the face": the other was judged
    nothing = predict(client, images["coffee"])[4]
    assert nothing["deciding_face"] is None and nothing["model"]["revision"] == model["revision"]


def test_a_face_too_small_to_judge_says_so_in_the_headline(client, tmp_path, astronaut) -> None:
    from deforgify.faces.finding import detect_faces

    least = predict(client, ROOT / "examples" / "two-faces.jpg")[4]["model"]["min_face_width"]
    side = round(astronaut.shape[1] * 0.8 * least / detect_faces(astronaut)[0][2])  # its face 4/5 of that
    Image.fromarray(astronaut).resize((side, side)).save(tmp_path / "small.jpg", quality=92)
    _, summary, _, _, result = predict(client, tmp_path / "small.jpg")
    assert result["label"] == "unsure" and "too small to judge" in result["faces"][0]["caution"]
    assert ">Unsure: the face is too small to judge</div>" in summary
    from deforgify.explain.words import MEANINGS

    assert MEANINGS["unsure"] not in summary  # not "the evidence is not clear enough either way"
    assert 'class="share"' not in summary  # no bars: its scores decide nothing (a red "fake 75 %" bar alarmed)


def test_a_photo_without_a_face_gets_no_verdict_and_no_box(client, images) -> None:
    verdict, summary, boxed, heatmap, result = predict(client, images["coffee"])
    assert verdict["label"] == "no face" and not verdict.get("confidences")
    assert result["label"] == "no_face" and result["face_found"] is False
    assert result["confidences"] is None and result["faces"] == []
    assert 'data-verdict="no_face"' in summary and "real" not in summary.lower().replace("really", "")
    assert heatmap is None
    drawn, original = (np.asarray(Image.open(p).convert("RGB"), float) for p in (boxed, images["coffee"]))
    assert np.abs(drawn[:original.shape[0]] - original).mean() < 3  # only JPEG noise: nothing drawn on the photo
    assert drawn.shape[0] > original.shape[0]  # and the strip under it: an answer ("no face") with its model


def test_api_matches_the_library(client, images) -> None:
    from deforgify.detector import Detector

    expected = Detector.load().predict(images["face"]).confidences
    verdict = predict(client, images["face"])[0]
    got = {c["label"]: c["confidence"] for c in verdict["confidences"]}
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("name", ["grey16", "cmyk", "huge", "iphone"])
def test_odd_but_valid_images_are_judged(client, images, name) -> None:
    verdict, summary, *_ = predict(client, images[name])
    assert verdict["label"] in VERDICTS + ("no face",) and "verdict-box" in summary
    if name == "iphone":  # a HEIC photo of the face: judged as the library judges it
        from deforgify.detector import Detector

        expected = Detector.load().predict(images[name]).confidences
        assert {c["label"]: c["confidence"] for c in verdict["confidences"]} == pytest.approx(expected, abs=1e-5)


def test_a_see_through_face_uploaded_is_unsure_with_the_reason_on_the_page(client, images, tmp_path) -> None:
    """The upload reaches Deforgify undecoded, its alpha channel with it: a half see-through face
    is "unsure" as the library says, not judged over white (a visitor's find)."""
    face = Image.open(images["face"]).convert("RGBA")
    face.putalpha(128)
    face.save(tmp_path / "see-through.png")
    verdict, summary, *_, result = predict(client, tmp_path / "see-through.png")
    assert result["label"] == "unsure" and result["faces"][0]["caution"].startswith("face is partly transparent")
    assert "Unsure: the face is partly transparent" in summary and "without transparency" in summary


@pytest.mark.parametrize(
    "name, message, code",
    [
        ("text", "not an image file", "unreadable"),
        ("truncated", "truncated or corrupt", "unreadable"),
        ("bomb", "image too large: 400 megapixels", "too_large"),
        ("one-pixel", "image too small: 1x1 pixels", "too_small"),
        ("animated", "animated image with 2 frames", "animated_image"),
    ],
)
def test_bad_input_gets_a_clear_error_and_the_server_keeps_serving(client, images, name, message, code) -> None:
    """With the reason in words, and a stable code for programs (the error's title)."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message) as raised:
        predict(client, images[name])
    assert "Traceback" not in str(raised.value)
    assert raised.value.title == code
    assert predict(client, images["face300"])[0]["label"] in VERDICTS


def test_the_bad_input_corpus_gets_specific_errors_and_a_clean_log(tmp_path) -> None:
    """Every generated odd file that can be uploaded, through the API of an app of its own:
    the specific message, or a verdict for the odd-but-valid; one log line per rejection."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    from bad_inputs import CORPUS, expected_code

    uploadable = {kind: (make, message) for kind, (make, message) in CORPUS.items()
                  if kind not in ("named pipe", "device file", "folder", "link to a folder",
                                  "missing file", "empty file", "file over the size limit")}
    process, url = start_app(tmp_path)
    try:
        client = Client(url, verbose=False)
        rejected = 0
        for kind, (make, message) in uploadable.items():
            path = make(tmp_path)
            if message is None:
                assert client.predict(handle_file(str(path)), api_name="/predict")[4]["label"], kind
                continue
            with pytest.raises(AppError, match=message) as raised:
                client.predict(handle_file(str(path)), api_name="/predict")
            assert raised.value.title == expected_code(kind), kind
            rejected += 1
        given_up_upload(url)  # a page closed while its photo was sent: it logged a ClientDisconnect traceback
    finally:
        stop_app(process)
    log = next(tmp_path.glob("app-*.log")).read_text()
    assert "Traceback" not in log
    assert log.count("refused as a photo: ") == rejected
    stamped = re.findall(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) refused as a photo: ", log, re.MULTILINE)
    assert len(stamped) == rejected  # each line led by its time, to match it with an answer's checked_at


def given_up_upload(url: str) -> None:
    """Start sending a 50 MB upload, send 2 MB of it, and go."""
    address = urllib.parse.urlsplit(url)
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(b"POST /gradio_api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n"
                           b"Content-Type: multipart/form-data; boundary=XX\r\n\r\n--XX\r\nContent-Disposition: "
                           b"form-data; name=\"files\"; filename=\"a.jpg\"\r\n\r\n" + b"\xff" * 2_000_000)
        time.sleep(0.5)
    time.sleep(1)  # the server notices


def reports_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def gps_photo(folder: Path, astronaut: np.ndarray) -> Path:
    """The astronaut as a camera JPEG with make, model and a GPS position in its EXIF."""
    path = folder / "gps.jpg"
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS 5D"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    Image.fromarray(astronaut).save(path, quality=92, exif=exif)
    assert Image.open(path).getexif().get_ifd(0x8825)
    return path


def test_a_gps_tagged_answer_flagged_twice_keeps_one_report_without_exif(client, images, flags_folder,
                                                                        tmp_path, astronaut) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    photo = gps_photo(tmp_path, astronaut)
    before = reports_in(flags_folder)
    result = predict(client, photo)[4]
    message = client.predict(f" {result['answer_id']}\n", "real", api_name="/flag")  # as copied from a page
    assert message.startswith("Thank you") and "Community tab" in message and "below" not in message
    with pytest.raises(AppError, match="already been reported") as twice:
        client.predict(result["answer_id"], "fake", api_name="/flag")
    new = [p for p in reports_in(flags_folder) if p not in before]
    assert len(new) == 1 and new[0].name in message
    assert f"as report {new[0].name} (quote it" in str(twice.value)  # a second click keeps the id in view
    again = predict(client, photo)[4]["answer_id"]  # a new answer for the same photo, same session
    with pytest.raises(AppError, match=f"this photo has already been reported in this session as report "
                                       f"{new[0].name}"):
        client.predict(again, "fake", api_name="/flag")
    other = Client(client.src, verbose=False)  # another visitor with the same photo: told nothing of the first
    theirs = predict(other, photo)[4]
    choice = "real" if theirs["label"] == "fake" else "fake"
    assert other.predict(theirs["answer_id"], choice, api_name="/flag").startswith("Thank you")
    mcp = Client(client.src, verbose=False, headers={"x-gradio-user": "mcp"})  # Gradio's MCP tools: one client for all
    for _ in range(2):  # two MCP users with the same photo: neither is refused for the other's report
        row = predict(mcp, photo)[4]
        assert mcp.predict(row["answer_id"], choice, api_name="/flag").startswith("Thank you")
    record = json.loads((new[0] / "report.json").read_text())
    assert record["should_be"] == "real" and record["answer"]["model"]["reference"] == "bundled"
    assert record["face"] is None  # of the answer as a whole
    kept = {k: v for k, v in record["answer"].items() if k != "provenance"}
    assert {k: v for k, v in result.items() if k not in ("answer_id", "provenance")} == kept
    assert "Canon" in json.dumps(result) and "Canon" not in json.dumps(record)  # the answer's words, not kept
    stored = Image.open(new[0] / "image.png")
    assert not stored.getexif() and b"Canon" not in (new[0] / "image.png").read_bytes()
    assert np.array_equal(np.asarray(stored), np.asarray(Image.open(photo).convert("RGB")))


@pytest.mark.parametrize("answer_id, should_be, message, code", [
    ("0123456789abcdef0123456789abcdef", "real", "unknown here or has expired", "report_refused"),
    ('{"foo": "bar"}', "fake", "unknown here or has expired", "report_refused"),
    ("", "real", "unknown here or has expired", "report_refused"),
    (None, "real", "unknown here or has expired", "report_refused"),
    ("REAL_ID", "probably", r"Say what the answer should have been \(real, fake, unsure, no_face\), not 'probably'",
     "bad_choice"),
])
def test_a_forged_report_is_refused_and_stores_nothing(client, images, flags_folder, answer_id, should_be,
                                                       message, code) -> None:
    from gradio_client.exceptions import AppError

    if answer_id == "REAL_ID":
        answer_id = predict(client, images["face300"])[4]["answer_id"]
    before = reports_in(flags_folder)
    with pytest.raises(AppError, match=message) as raised:
        client.predict(answer_id, should_be, api_name="/flag")
    assert reports_in(flags_folder) == before
    assert raised.value.title == code


def readme_blocks(language: str) -> list[str]:
    """The ``language`` code blocks of the README's API section and of docs/api.md, its details."""
    section = (ROOT / "README.md").read_text().split("### API and MCP", 1)[1].split("\n## ", 1)[0]
    section += (ROOT / "docs" / "api.md").read_text()
    return [block.split("```", 1)[0] for block in section.split(f"```{language}\n")[1:]]


def as_user(code: str, app_url: str, photo: Path) -> str:
    return code.replace("http://127.0.0.1:7860/", app_url).replace("http://127.0.0.1:7860", app_url.rstrip("/")) \
        .replace("photo.jpg", str(photo))


def test_the_readme_lists_every_error_code_once() -> None:
    """A developer's walk found the codes hard to find in the README's prose: its table of error
    codes holds each code the command line, the library and the API can give, once, and no other."""
    from deforgify.app import api_errors
    from deforgify.refusals import CODES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Error codes", 1)[1].split("\n### ", 1)[0]
    listed = re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)
    api = [value for name, value in vars(api_errors).items() if name.isupper() and isinstance(value, str)
           and re.fullmatch(r"[a-z_]+", value)]
    assert sorted(listed) == sorted({*CODES, *api}) and len(listed) == len(set(listed)), listed


def test_the_readme_api_examples_run_as_written(app_url, images, client) -> None:
    import subprocess
    import sys

    expected = predict(client, images["face"])[4]
    python = subprocess.run([sys.executable, "-c", as_user(readme_blocks("python")[0], app_url, images["face"])],
                            capture_output=True, text=True, timeout=120)
    assert python.returncode == 0, python.stderr[-2000:]
    assert python.stdout.strip().splitlines()[-1].split()[0] == expected["label"]
    # ... and the report of that answer, right after it, whatever the answer was (it said "real" always)
    blocks = readme_blocks("python")
    assert 'api_name="/flag"' in blocks[1]
    flagged = subprocess.run([sys.executable, "-c", as_user(blocks[0] + "\n" + blocks[1], app_url, images["face"])],
                             capture_output=True, text=True, timeout=120)
    assert flagged.returncode == 0, flagged.stderr[-2000:]
    assert flagged.stdout.strip().splitlines()[-1].startswith("Thank you: report "), flagged.stdout

    curl = subprocess.run(["bash", "-c", "set -euo pipefail\n" + as_user(readme_blocks("bash")[0], app_url, images["face"])],
                          capture_output=True, text=True, timeout=120)
    assert curl.returncode == 0, curl.stderr[-2000:]
    assert "event: complete" in curl.stdout
    data = json.loads(curl.stdout.split("data: ", 1)[1].splitlines()[0])
    assert len(data) == 5 and data[4]["label"] == expected["label"]
    assert data[4]["confidences"] == pytest.approx(expected["confidences"], abs=1e-6)


def test_every_call_waits_in_the_queue_uploads_are_bounded_and_unknown_calls_named(app_url, images) -> None:
    """Off a Space, Gradio's direct routes skipped the queue and its concurrency groups: four
    checks of large photos ran at once (4 GB); an upload of any size was kept for two hours; a
    result is read once."""
    import urllib.error

    from deforgify.decode.images import MAX_FILE_BYTES

    direct = urllib.request.Request(app_url + "gradio_api/run/predict", method="POST",
                                    data=json.dumps({"data": [None]}).encode(),
                                    headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(direct, timeout=30)
    assert refused.value.code == 404 and "join the queue" in refused.value.read().decode()
    config = json.loads(urllib.request.urlopen(app_url + "config", timeout=10).read())
    assert config["max_file_size"] == max(MAX_FILE_BYTES, 200_000_000)
    import requests

    # A photo inline in the request's body: over 32 MB refused before Gradio reads and keeps it.
    inline = "data:image/jpeg;base64," + "A" * 33_000_000
    huge = requests.post(app_url + "gradio_api/call/predict", json={"data": [{"url": inline}]}, timeout=60)
    assert huge.status_code == 413 and "send a large photo as a file" in huge.json()["error"]
    unstated = requests.post(app_url + "gradio_api/call/predict", data=iter([inline.encode()[:1_000_000]] * 40),
                             headers={"Content-Type": "application/json"}, timeout=60)  # chunked: no length given
    assert unstated.status_code >= 400 and "event_id" not in unstated.text  # cut off at 32 MB, never queued
    upload = requests.post(app_url + "gradio_api/upload", files={"files": ("big.jpg", b"\xff" * 40_000_000)},
                           timeout=60)
    assert upload.status_code == 200  # an upload is bounded by max_file_size instead
    # An endpoint the app has not: 404 naming those it has (Gradio answered 500 and logged a traceback).
    for route in ("call", "api", "run"):
        unknown = requests.post(app_url + f"gradio_api/{route}/predcit", json={"data": []}, timeout=30)
        assert unknown.status_code == 404, (route, unknown.text)
        assert unknown.json()["error"].startswith("/predcit is not an endpoint of this app; its endpoints are /")
        assert {"/predict", "/predict_video", "/flag"} <= set(re.findall(r"/\w+", unknown.json()["error"]))
    # A result read with an id never given, or read again: 404 at once (Gradio sent "404: Not Found" in an event
    # stream and logged a traceback; a second read got heartbeats forever).
    upload = requests.post(app_url + "gradio_api/upload", files={"files": ("face.jpg", images["face"].read_bytes())},
                           timeout=30)
    event = requests.post(app_url + "gradio_api/call/predict", timeout=30, json={
        "data": [{"path": upload.json()[0], "meta": {"_type": "gradio.FileData"}}]}).json()["event_id"]
    assert "event: complete" in requests.get(app_url + f"gradio_api/call/predict/{event}", timeout=120).text
    for unheld in (event, "abc"):
        again = requests.get(app_url + f"gradio_api/call/predict/{unheld}", timeout=30, stream=True)
        assert again.status_code == 404 and again.json()["error"] == (  # status first: the stream never ended
            f"no call of /predict with event id {unheld!r} is waiting to be read here: a result is read once, "
            "from the id its POST gave, and a call is cancelled when its reader goes away before its result")


def test_a_call_by_name_is_checked_as_one_in_order_and_the_pages_own_are_not_offered(app_url, images) -> None:
    """The "Use via API" page's curl starts a call by name (``/gradio_api/call/v2/NAME``): a
    misspelt, missing or extra name got 500 "Internal Server Error" and a traceback in the log (a
    developer's walk); and the page's own endpoints ran when called by name."""
    import requests

    def start(route: str, body: object) -> requests.Response:
        return requests.post(app_url + f"gradio_api/call/{route}", json=body, timeout=30)

    for body, problem in [({"img": "x"}, "img is not one of them and image did not arrive"),
                          ({}, "image did not arrive"),
                          ({"image": None, "extra": 1, "more": 2}, "extra, more are not among them")]:
        refused = start("v2/predict", body)
        assert refused.status_code == 422, refused.text
        assert refused.json() == {"error": f"/predict takes 1 value (image); {problem}", "title": "wrong_arguments"}
    flag = start("v2/flag", {"answer_id": "x"}).json()
    assert flag["error"].endswith("takes 2 or 3 values (answer_id, should_be, face); should_be did not arrive")
    for route in ("v2/predcit", "v2/page_check", "page_check"):
        unknown = start(route, {"data": [None]} if "v2" not in route else {})
        assert unknown.status_code == 404 and unknown.json()["error"].startswith(
            f"/{route.split('/')[-1]} is not an endpoint of this app; its endpoints are /"), (route, unknown.text)
    misnamed = requests.post(app_url + "gradio_api/upload", files={"file": ("face.jpg", b"\xff\xd8")}, timeout=30)
    assert misnamed.status_code == 422 and misnamed.json()["error"].startswith(
        "no file arrived: send each file in a form field named files")  # Gradio said [] (the caller's [0] failed)
    upload = requests.post(app_url + "gradio_api/upload", files={"files": ("face.jpg", images["face"].read_bytes())},
                           timeout=30)
    event = start("v2/predict", {"image": {"path": upload.json()[0], "meta": {"_type": "gradio.FileData"}}})
    result = requests.get(app_url + f"gradio_api/call/v2/predict/{event.json()['event_id']}", timeout=120).text
    assert result.startswith("event: complete"), result[:300]  # the body, read here, reached Gradio whole


def test_the_api_page_names_and_describes_every_result(client, images) -> None:
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    info = endpoints["/predict"]
    assert [r["label"] for r in info["returns"]] == ["verdict", "summary", "faces", "heatmap", "result"]
    assert all(len(r["python_type"]["description"]) > 40 for r in info["returns"])
    result = info["returns"][4]["python_type"]
    assert result["type"].startswith("dict(kind: str") and "deciding_face: int | None" in result["type"]
    assert "face: list[int] | None" in result["type"]  # null without a face, as the types say
    assert "confidences: dict(str, float) | None" in result["type"], result["type"]
    assert info["returns"][3]["python_type"]["type"] == "filepath | None"  # the heatmap, often None
    assert info["returns"][2]["python_type"]["type"] == "filepath"  # the faces, always drawn
    assert "str | float | bool | list | dict" not in result["type"]
    for field in ("revision", "threshold", "unsure_band", "min_face_width", "deciding_face", "answer_id"):
        assert field in result["type"]
    answered = predict(client, images["face"])[4]
    assert [key for key in answered if f"{key}: " not in result["type"]] == []  # every field an answer has
    assert "width: int" in result["type"] and "height: int" in result["type"]
    assert "left_out: int" in result["type"] and answered["left_out"] == 0  # faces not judged, counted for programs
    assert info["parameters"][0]["example_input"]["path"] == "photo.jpg"  # not Gradio's bus.png
    assert "frontal face at least 40 pixels wide" in json.dumps(endpoints)  # the bundled model's own rule
    assert 'strictly inside the band is \\"unsure\\", leaning fake from the threshold' in json.dumps(endpoints)
    assert set(endpoints) == {"/predict", "/flag", "/predict_video"}
    flag = endpoints["/flag"]["parameters"]
    assert [p["parameter_name"] for p in flag] == ["answer_id", "should_be", "face"]
    assert [p["label"] for p in flag] == ["answer id", "should be", "face"]  # not the photo's question: videos' too
    assert [p["parameter_has_default"] for p in flag] == [False, False, True]  # a call without a face: the answer's
    assert "numbered from 1" in flag[2]["python_type"]["description"] and flag[2]["python_type"]["type"] == "int"
    assert flag[2]["parameter_default"] is None  # gradio_client types it "int | None" (nullable, it said so twice)
    assert re.fullmatch(r"[0-9a-f]{32}", flag[0]["example_input"]) and "answer_id" in flag[0]["python_type"]["description"]
    assert flag[1]["example_input"] in ("real", "fake", "unsure") and flag[1]["python_type"]["description"]
    assert endpoints["/flag"]["returns"][0]["label"] == "report status"
    assert "report's id" in endpoints["/flag"]["returns"][0]["python_type"]["description"]
    assert "foo" not in json.dumps(endpoints)
    video = endpoints["/predict_video"]
    assert [r["label"] for r in video["returns"]] == ["summary", "timeline", "deciding frame", "video result"]
    described = [video["parameters"][0]] + video["returns"]
    assert all(len(p["python_type"]["description"]) > 40 for p in described)
    assert "GradioModel" not in json.dumps(video)  # not Gradio's own FileData docstring
    types = [r["python_type"]["type"] for r in video["returns"]]  # typed, not Gradio's Any
    assert types[1] == ("dict(columns: list[str], data: list[list[float | str]], datatypes: dict(str, str), "
                        "mark: str) | None")
    assert types[3].startswith("dict(kind: str, label: str") and "duration: float" in types[3], types[3]
    assert types[2] == "filepath | None"  # no deciding frame (and no timeline) without a face
    assert "deciding_frame: dict(t: float, track: int, box: list[int]) | None" in types[3], types[3]
    assert "note: str | None" in types[3], types[3]  # null when the clip was read whole
    assert all(f"{field}: " in types[3] for field in ("decided_by", "pixels", "rotation")), types[3]
    assert video["parameters"][0]["example_input"]["path"] == "clip.mp4"  # not a clip on GitHub (no internet)


@pytest.mark.parametrize("endpoint, kind", [("/predict", "file"), ("/predict_video", "video")])
def test_a_path_or_url_sent_as_text_is_refused_in_words(client, endpoint, kind) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    for sent in ("/etc/passwd", "https://example.com/face.jpg"):
        with pytest.raises(AppError, match=re.escape(f"This {kind} can't be checked: {sent!r} arrived as text, "
                                                     "not as a file: send the file itself (gradio_client: ")) as raised:
            client.predict(sent, api_name=endpoint)
        assert raised.value.title == "not_a_file"
    for sent, said in ((42, "a number (42)"), ([1, 2], "a list ([1, 2])"), (True, "a true/false value (True)")):
        with pytest.raises(AppError, match=re.escape(f"This {kind} can't be checked: {said} arrived, not a file: "
                                                     "send the file itself (gradio_client: ")):  # not "as text"
            client.predict(sent, api_name=endpoint)
    link = "http://127.0.0.1:9/face.jpg"  # handle_file() of a link: Gradio said "Hostname … failed validation"
    with pytest.raises(AppError, match=re.escape(f"This {kind} can't be checked: {link!r} is a link, which this app "
                                                 "does not fetch: send the file itself (gradio_client: ")):
        client.predict(handle_file(link), api_name=endpoint)
    with pytest.raises(AppError, match=re.escape(f"No {'photo' if kind == 'file' else kind} arrived: send one as "
                                                 "a file (gradio_client: handle_file(path))")) as raised:  # not the page's words
        client.predict(None, api_name=endpoint)
    assert raised.value.title == "no_file"


def call_api(app_url: str, endpoint: str, payload: Any) -> tuple[str, Any]:
    """One call of ``endpoint`` over HTTP as a program would make it: the event's kind and data."""
    import requests

    app_url = app_url.rstrip("/")
    event = requests.post(f"{app_url}/gradio_api/call{endpoint}", json={"data": [payload]}, timeout=30).json()
    reply = requests.get(f"{app_url}/gradio_api/call{endpoint}/{event['event_id']}", timeout=120).text
    kind = re.search(r"^event: (\w+)", reply, re.M).group(1)
    return kind, json.loads(re.search(r"^data: (.*)$", reply, re.M).group(1))


@pytest.mark.parametrize("endpoint, kind", [("/predict", "file"), ("/predict_video", "video")])
def test_a_file_on_the_server_that_was_not_uploaded_is_never_read(app_url, endpoint, kind) -> None:
    """A file's data naming a path on the server without Gradio's meta marker (which alone makes
    Gradio check that it was uploaded) is refused in words: it used to be read, and an image of
    the server's own was judged and shown back; a link is refused too."""
    photo = str(ROOT / "examples" / "real-astronaut.jpg")
    for payload, said in (({"path": photo}, f"{photo!r} is not a file uploaded to this app"),
                          ({"path": "/etc/passwd"}, "'/etc/passwd' is not a file uploaded to this app"),
                          ({"path": "../../../../../etc/passwd"}, "is not a file uploaded to this app"),
                          ({"path": "/etc/\x00passwd"}, "is not a file uploaded to this app"),
                          ({"url": "https://example.com/face.jpg"}, "'https://example.com/face.jpg' is a link, "
                                                                    "which this app does not fetch"),
                          ({"path": "http://10.0.0.1/face.jpg"}, "is a link, which this app does not fetch"),
                          ({"orig_name": "face.jpg"}, "the file's data names no file")) + (
                          (({"path": "", "url": "data:video/mp4;base64,AAAA"}, "is a clip sent inline, which "
                                                                                "Gradio cannot take for a video"),
                           ({"url": "data:video/mp4;base64,AAAA"}, "is a clip sent inline"))
                          if kind == "video" else ()):
        event, data = call_api(app_url, endpoint, payload)
        assert event == "error", (payload, data)
        assert data["error"].startswith(f"This {kind} can't be checked: ") and said in data["error"], data
        assert "send the file itself (gradio_client: handle_file(path))" in data["error"]
        assert data["title"] == "not_a_file", data  # the code, over plain HTTP


def test_a_server_path_with_gradios_marker_or_a_missing_argument_is_refused_in_words(app_url) -> None:
    """A server path with Gradio's meta marker, and a call missing an argument, were refused by
    Gradio itself: first as ``{"error": null}``, then in its own words, which gave the caller the
    server's absolute paths ("Cannot move /srv/app/photo.jpg ...") and the components' Python
    reprs ("[<__main__.ImageFile object at 0x7f...>]")."""
    import requests

    for path in ("photo.jpg", "../../etc/passwd", str(ROOT / "examples" / "real-astronaut.jpg")):
        event, data = call_api(app_url, "/predict", {"path": path, "meta": {"_type": "gradio.FileData"}})
        assert event == "error" and data["error"] == (f"This file can't be checked: {path!r} is not a file uploaded "
                                                      "to this app: send the file itself (gradio_client: "
                                                      "handle_file(path))"), data
    for endpoint, sent, said in (("predict", [], "/predict takes 1 value (image); 0 arrived"),
                                 ("flag", ["0" * 32], "/flag takes 2 or 3 values (answer_id, should_be, face); "
                                                      "1 arrived"),
                                 ("flag", ["0" * 32, "real", 1, "x"], "/flag takes 2 or 3 values (answer_id, "
                                                                      "should_be, face); 4 arrived")):  # was ignored
        started = requests.post(f"{app_url.rstrip('/')}/gradio_api/call/{endpoint}", json={"data": sent},
                                timeout=30).json()
        reply = requests.get(f"{app_url.rstrip('/')}/gradio_api/call/{endpoint}/{started['event_id']}",
                             timeout=60).text
        assert "event: error" in reply and said in reply and "object at 0x" not in reply, reply
        assert '"title": "wrong_arguments"' in reply, reply


def test_a_photo_sent_inline_as_a_data_url_is_judged_byte_for_byte(app_url, astronaut) -> None:
    """Gradio decoded a data: URL and saved the picture again: a PNG's AI label was lost, the
    verdict changed, an animated GIF was judged on one frame. Now its bytes are read as sent."""
    import base64

    from provenance_files import A1111_PARAMETERS, png

    labelled = png(astronaut, {"parameters": A1111_PARAMETERS})
    frames = [Image.fromarray(astronaut), Image.fromarray(astronaut[:, ::-1])]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:])
    inline = {name: {"url": f"data:image/{kind};base64,{base64.b64encode(data).decode()}"}
              for name, kind, data in (("labelled", "png", labelled), ("animated", "gif", animated.getvalue()))}
    event, data = call_api(app_url, "/predict", inline["labelled"])
    assert event == "complete", data
    assert data[-1]["decided_by"] == "provenance" and data[-1]["label"] == "fake"
    assert data[0] == {"label": "fake", "confidences": None}, data[0]  # no bars of the pixel model beside it, which may say real (a visitor)
    event, data = call_api(app_url, "/predict", inline["animated"])
    assert event == "error" and data["error"].startswith("This file can't be checked: ") and "animat" in data["error"]
    event, data = call_api(app_url, "/predict", {"url": "data:image/png;base64,AAAAA"})  # cut short
    assert event == "error" and "data: URL holds no base64 data" in data["error"], data
    event, data = call_api(app_url, "/predict", {"url": "data:image/jpeg;base64,!!!!"})  # was "the file is empty"
    assert event == "error" and "data: URL holds characters that are not base64" in data["error"], data
    assert data["title"] == "not_a_file", data
    wrapped = base64.encodebytes(labelled).decode()  # in lines of 76, as MIME encoders write it
    event, data = call_api(app_url, "/predict", {"url": f"data:image/png;base64,{wrapped}"})
    assert event == "complete" and data[-1]["decided_by"] == "provenance", data


def test_the_apis_confidences_come_real_first_as_everywhere(client) -> None:
    verdict = predict(client, ROOT / "examples" / "gan-stylegan2.jpg")[0]  # fake the larger share
    assert [c["label"] for c in verdict["confidences"]] == ["real", "fake"]
    assert verdict["confidences"][1]["confidence"] > verdict["confidences"][0]["confidence"]


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def test_memory_returns_near_its_baseline_after_a_burst_of_large_uploads(tmp_path, images) -> None:
    from gradio_client import Client, handle_file

    large = tmp_path / "large.png"
    gradient = np.linspace(0, 255, 6000, dtype=np.uint8)
    Image.fromarray(np.dstack([np.tile(gradient, (6000, 1))] * 3)).save(large)  # 36 MP, small file
    process, url = start_app(tmp_path)
    try:
        client = Client(url, verbose=False)
        client.predict(handle_file(str(images["face300"])), api_name="/predict")
        start = resident_mb(process.pid)
        client.predict(handle_file(str(large)), api_name="/predict")
        baseline = resident_mb(process.pid)  # what the allocator keeps once for a photo this large
        for _ in range(4):
            client.predict(handle_file(str(large)), api_name="/predict")
        after = resident_mb(process.pid)
    finally:
        stop_app(process)
    told = f"resident memory {start:.0f} MB, after one large photo {baseline:.0f} MB, after four more {after:.0f} MB"
    assert after - start < 100 and after - baseline < 50, told  # without handing memory back: +175, +131


def test_bounded_load_8_clients_25_requests_each(app_url, images) -> None:
    from gradio_client import Client

    def session(_: int) -> list[float]:
        client = Client(app_url, verbose=False)
        answers = [predict(client, images["face300"])[0] for _ in range(25)]
        return [c["confidence"] for a in answers for c in a["confidences"] if c["label"] == "fake"]

    with ThreadPoolExecutor(8) as pool:
        fake = [p for shares in pool.map(session, range(8)) for p in shares]
    assert len(fake) == 200  # every request answered, none failed
    # Same image, same answer under load (to float noise of multi-threaded kernels).
    assert max(fake) - min(fake) < 1e-4


def test_a_bad_model_variable_falls_back_visibly(tmp_path) -> None:
    """On a Space (SPACE_ID) with no place named for reports, the log also says they would be lost."""
    process, url = start_app(tmp_path, DEFORGIFY_MODEL="/no/such/model", SPACE_ID="alice/deforgify",
                             DEFORGIFY_FLAGS="", DEFORGIFY_FLAG_DATASET="")
    try:
        config = urllib.request.urlopen(url + "config", timeout=10).read().decode()
    finally:
        stop_app(process)
    [log] = tmp_path.glob("app-*.log")
    assert "warning: reports are kept in flagged/ on this Space's own disk, which a restart clears" in log.read_text()
    assert "The configured model could not be loaded" in config  # a sentence on the page
    assert "the bundled model answers instead" in config
    assert "/no/such/model" not in config  # no server paths for visitors
    assert config.count("could not be loaded") == 1


def test_a_hub_model_neither_reachable_nor_cached_is_named_on_the_page_and_in_the_log(tmp_path) -> None:
    process, url = start_app(tmp_path, DEFORGIFY_MODEL="someone/deforgify-x", HF_HUB_OFFLINE="1")
    try:
        config = urllib.request.urlopen(url + "config", timeout=10).read().decode()
    finally:
        stop_app(process)
    [log] = tmp_path.glob("app-*.log")
    for said in (config, log.read_text()):
        assert "HF_HUB_OFFLINE is set and someone/deforgify-x is not cached (nor is someone/deforgify-x a model folder here): using the bundled model" in said


def test_a_broken_example_is_left_out_and_the_app_starts(tmp_path) -> None:
    """An example photo that cannot be read stopped the app with a traceback as it started."""
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "real-astronaut.jpg").write_bytes((ROOT / "examples" / "real-astronaut.jpg").read_bytes())
    (examples / "two-faces.jpg").write_text("not a photo")
    process, url = start_app(tmp_path, DEFORGIFY_EXAMPLES=str(examples))
    try:
        config = urllib.request.urlopen(url + "config", timeout=10).read().decode()
    finally:
        stop_app(process)
    [log] = tmp_path.glob("app-*.log")
    assert "real-astronaut.jpg" in config and "two-faces.jpg" not in config
    assert f"example {examples / 'two-faces.jpg'} left out: " in log.read_text()


def test_one_visitor_cannot_use_the_whole_hours_report_quota(tmp_path) -> None:
    """20 answers and 20 reports from one program shut everyone out for an hour: one visitor (by
    the address a proxy forwarded the request for) gets half of the hour's reports at most."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    stale = tmp_path / "flags" / "20200101T000000Z-0123abcd"  # past its 90 days: gone at start, unasked
    stale.mkdir(parents=True)
    (stale / "report.json").write_text("{}")
    process, url = start_app(tmp_path, DEFORGIFY_FLAGS=str(tmp_path / "flags"), DEFORGIFY_FLAG_MAX_PER_HOUR="4")
    try:
        assert not stale.exists()
        eager, other = Client(url, verbose=False), Client(url, verbose=False, headers={"X-Forwarded-For": "10.0.0.2"})

        def report(client, quality: int) -> str:  # a photo of its own each time: one visitor reports a photo once
            photo = tmp_path / f"astronaut-{quality}.jpg"
            Image.open(ROOT / "examples" / "real-astronaut.jpg").save(photo, quality=quality)
            row = predict(client, photo)[-1]
            return client.predict(row["answer_id"], "fake" if row["label"] != "fake" else "real", api_name="/flag")

        assert report(eager, 90).startswith("Thank you") and report(eager, 91).startswith("Thank you")
        with pytest.raises(AppError, match="you have reported 2 answers in the last hour.*Nothing was stored") as full:
            report(eager, 92)
        assert full.value.title == "try_again_later"  # not report_refused: a program can tell "later" from "never"
        assert report(other, 90).startswith("Thank you")  # another visitor still can
    finally:
        stop_app(process)
    assert len(list((tmp_path / "flags").iterdir())) == 3


@pytest.mark.parametrize("name, value, message", [
    ("DEFORGIFY_FLAG_MAX_PER_HOUR", "abc", "a whole number above 0 and at most 1e+06, not 'abc'"),
    ("DEFORGIFY_FLAG_MAX_MB", "-1", "a number above 0 and at most 1e+09, not '-1'"),
])
def test_a_report_setting_out_of_range_stops_the_app_in_one_line(tmp_path, name, value, message) -> None:
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GRADIO_SERVER_PORT": str(free_port()), "HF_HOME": str(tmp_path / "hf"),
                               "DEFORGIFY_FLAGS": str(tmp_path / "flags"), name: value})
    assert done.returncode == 1
    assert f"error: {name} must be {message}" in done.stderr and "Traceback" not in done.stderr, done.stderr


# --- a person in a real browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray):
    """Headless Debian Chromium with a fake webcam that films the astronaut."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("browser")
    video = folder / "face.y4m"
    write_y4m(video, cv2.resize(astronaut, (640, 640))[80:560])
    flags = CHROMIUM_FLAGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path=str(CHROMIUM), args=flags, headless=True,
            viewport={"width": 1280, "height": 1000},
        )
        yield context
        context.close()


def write_y4m(path: Path, rgb: np.ndarray, frames: int = 15) -> None:
    height, width = rgb.shape[:2]
    planes = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes()
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + planes)


def open_page(browser_context, app_url: str, viewport: tuple[int, int] = (1280, 1000), scheme: str = "light"):
    page = browser_context.new_page()
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url)
    page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
    return page


def read_verdict(page) -> tuple[str, dict[str, str]]:
    """The verdict box as a person reads it: the verdict and the two percentages."""
    box = page.locator("#verdict-box")
    box.wait_for(timeout=60_000)
    shares = {share.get_attribute("data-label"): share.locator(".percent").inner_text()
              for share in box.locator(".share").all()}
    return box.get_attribute("data-verdict"), shares


def upload(page, path: Path) -> None:
    """Choose a file: the check starts by itself."""
    page.set_input_files("input[type=file]", str(path))


def test_upload_and_read_the_verdict_without_scrolling(browser_context, app_url, client, images) -> None:
    page = open_page(browser_context, app_url, (1366, 768))
    console = []
    page.on("console", lambda message: console.append(message.text))
    again = page.locator("#check-again")  # in the page, not shown, nor taking room, before any answer
    assert again.count() == 1 and not again.is_visible() and again.bounding_box() is None  # greyed, it puzzled
    # The upload boxes are named by the words they show, as voice control users say them.
    page.wait_for_function("() => ['#photo', '#video-input'].every(box => document.querySelector("
                           "`${box} button.upload-container`)?.getAttribute('aria-label')?.includes('Click to Upload'))",
                           timeout=5_000)
    upload(page, images["face"])
    label, shares = read_verdict(page)
    page.get_by_text("judged on the one face found").wait_for(timeout=30_000)
    # A label Gradio's translations hold as a group of messages ("status") warned on every answer.
    assert not [text for text in console if "svelte-i18n" in text], console
    page.screenshot(path=str(ARTIFACTS / "upload-1366x768.png"))
    box = page.locator("#verdict-box").bounding_box()
    assert page.evaluate("window.scrollY") == 0 and box["y"] >= 0 and box["y"] + box["height"] <= 768
    result = predict(client, images["face"])[4]
    assert label == result["label"]
    assert list(shares) == ["real", "fake"]  # one order everywhere: real first
    assert shares == {name: f"{round(p * 100)}%" for name, p in result["confidences"].items()}
    # A screen reader hears the percentages once, in the sentence, not the bars too.
    assert page.locator("#verdict-box [aria-hidden=true] .share").count() == 2
    assert f"real {shares['real']}, fake {shares['fake']}" in page.locator("#verdict-box").inner_text()
    # The answer's pictures are figures, not buttons that do nothing.
    page.locator("#faces img").wait_for(timeout=30_000)
    assert page.locator("#faces .image-container > button").get_attribute("role") == "figure"
    again = page.get_by_role("button", name="Check this photo again")
    assert again.is_visible() and again.is_enabled()
    assert page.get_by_role("button", name="Submit").count() == 0
    # The faces picture's buttons sit above it: over its top-right corner they hid a face's caption.
    page.locator("#faces img").wait_for(timeout=30_000)
    buttons, picture = (page.locator(f"#faces {s}").first.bounding_box() for s in ("button.icon-button", "img"))
    assert buttons["y"] + buttons["height"] <= picture["y"] + 1, (buttons, picture)
    page.close()


def test_while_a_new_photo_uploads_the_old_answer_is_dimmed_and_out_of_reach(browser_context, app_url, images,
                                                                           tmp_path) -> None:
    """On a slow line the old photo's answer stayed live for seconds beside "Uploading 1 file…":
    checked again, its timer read as the new photo's check."""
    noise = tmp_path / "noise.png"  # 12 MB that no compression shrinks: seconds at 1 MB/s
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (2000, 2000, 3), dtype=np.uint8)).save(noise)
    page = open_page(browser_context, app_url)
    upload(page, images["face"])
    read_verdict(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                   "uploadThroughput": 1_000_000})
    upload(page, noise)
    page.wait_for_function("() => document.body.classList.contains('photo-uploading')", timeout=10_000)
    assert page.evaluate("['photo-answer', 'check-again'].map(id => document.getElementById(id).inert)") == [True] * 2
    assert page.locator("#verdict-box").count() == 1  # the old answer, dimmed until the new photo is in
    page.wait_for_function("() => !document.body.classList.contains('photo-uploading')", timeout=60_000)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                   "uploadThroughput": -1})
    page.wait_for_selector("#verdict-box[data-verdict=no_face]", timeout=60_000)  # noise: no face
    assert page.evaluate("document.getElementById('photo-answer').inert") is False
    page.close()


def test_a_keyboard_reaches_the_report_soon_after_the_answer(browser_context, app_url, images) -> None:
    """From "Check this photo again" to the report's first choice in a few Tab presses: the
    answer's JSON is folded (unfolded, its viewer's toggles took about 25 presses)."""
    page = open_page(browser_context, app_url)
    upload(page, images["face"])
    read_verdict(page)
    page.get_by_role("button", name="Check this photo again").focus()
    stops = []
    for presses in range(1, 16):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("""() => { const e = document.activeElement;
            const name = e.getAttribute('aria-label') || e.labels?.[0]?.innerText || e.innerText;
            return [e.tagName, name.trim().slice(0, 30),
                    e.parentElement.classList.contains('image-container')]; }"""))
        if page.evaluate("document.activeElement.closest('#should-be') !== null"):
            break
    else:
        pytest.fail("15 Tab presses did not reach the report's choices")
    assert presses <= 10, stops
    # Every stop is named and does something: no picture's do-nothing button, no unnamed link around a button.
    assert all(name for _, name, _ in stops) and not any(picture for _, _, picture in stops), json.dumps(stops)
    assert page.locator("#faces").get_by_role("button", name="Share").count() == 0  # a face is not posted
    page.locator("#result-data").get_by_text("The photo's answer as data (JSON)").click()  # unfolds for the curious
    page.locator("#result-data").get_by_text('"label"').first.wait_for(timeout=5_000)
    page.get_by_role("button", name="Remove Image").focus()
    page.keyboard.press("Enter")  # removed by keyboard: the focus stays on the photo box (it fell to the page's top)
    page.wait_for_function("() => document.activeElement?.matches('#photo button.upload-container')", timeout=5_000)
    page.close()


def test_the_headers_model_card_link_opens_the_card(browser_context, app_url) -> None:
    page = open_page(browser_context, app_url)
    card = page.locator("#model-card").get_by_text("Intended use", exact=True)
    assert not card.is_visible()  # folded until asked for
    page.get_by_role("link", name="model card").click()
    card.wait_for(state="visible", timeout=5_000)
    page.wait_for_timeout(300)
    top = page.locator("#model-card").bounding_box()["y"]
    assert -2 <= top <= 100, top  # the card's heading at the top of the screen (to a sub-pixel), not its last line
    # The keyboard follows: its focus stayed on the link, so the next Tab jumped back to the top.
    assert page.evaluate("document.activeElement?.closest('#model-card') !== null")
    figures = page.locator("#model-card img")
    assert figures.count() == 3  # confusion matrix, ROC curve, training curves: shown, not broken links
    page.wait_for_function("[...document.querySelectorAll('#model-card img')].every(i => i.complete)")
    assert figures.evaluate_all("images => images.map(i => i.naturalWidth > 100)") == [True] * 3
    page.get_by_role("link", name="model card").click()  # a second click leaves it open
    page.wait_for_timeout(300)
    assert card.is_visible()
    page.close()


def test_the_headers_held_out_link_opens_the_card_at_its_held_out_figures(browser_context, app_url) -> None:
    """A visitor's find: "the card's held-out figures" opened the card at its top."""
    page = open_page(browser_context, app_url)
    heading = page.locator("#model-card").get_by_role("heading", name="Sources never seen (leave-one-source-out)")
    page.get_by_role("link", name="held-out figures").click()
    heading.wait_for(state="visible", timeout=5_000)
    page.wait_for_timeout(300)
    top = heading.bounding_box()["y"]
    assert -2 <= top <= 100, top  # that heading at the top of the screen, not the card's first line
    assert page.evaluate("document.activeElement?.textContent.startsWith('Sources never seen')")
    page.close()


def test_bold_text_is_drawn_in_a_font_that_has_its_letters(browser_context, app_url) -> None:
    """Gradio's semi-bold Source Sans Pro is a 5 KB file of hardly more than "A" and "B": a bold
    headline was drawn in a fallback font but for those two letters (a visitor's find). Bold text
    takes the whole Bold file instead."""
    page = open_page(browser_context, app_url)
    page.evaluate("document.fonts.ready")
    faces = page.evaluate("""() => [...document.fonts].filter((f) => f.family.replace(/["']/g, '') === 'Source Sans Pro')
                                                  .map((f) => f.weight)""")
    assert "700" in faces and "600" not in faces, faces  # bold (600) is drawn from the nearest heavier face
    page.close()


def test_a_screen_reader_hears_no_untranslated_status_words(browser_context, app_url, images) -> None:
    """A visitor's find: after an upload, Gradio's own status region for screen readers held
    "common.complete", a key its translations lack; the verdict box, a live region of its own,
    says what happened. Every text any status region held is recorded, as a screen reader hears it."""
    page = open_page(browser_context, app_url)
    page.evaluate("""() => {
      window.statuses = [];
      new MutationObserver(() => document.querySelectorAll('[role=status]').forEach((region) => {
        const text = region.textContent.trim();
        if (text && window.statuses.at(-1) !== text) window.statuses.push(text);
      })).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    for name in ("face", "face300", "face"):  # the later uploads' answers are where the visitor heard it
        upload(page, images[name])
        read_verdict(page)
        page.wait_for_timeout(3_000)  # Gradio announces a while after the answer
    heard = page.evaluate("window.statuses")
    assert any("no sign of the fakes it knows" in t or "evidence" in t or "Fake:" in t for t in heard), heard
    assert not [t for t in heard if re.match(r"^common\.", t)], heard
    page.close()


def test_on_a_phone_the_verdict_comes_into_view_after_an_upload(browser_context, app_url, images) -> None:
    page = open_page(browser_context, app_url, (390, 844))
    # The page goes to the answer's place before the answer comes: when each happened, as the
    # browser saw it (a look at the page once it had scrolled raced a fast check).
    page.evaluate("""() => {
      window.firstSeen = {};
      const note = (what) => { window.firstSeen[what] ??= performance.now(); };
      addEventListener('scroll', () => { if (window.scrollY > 0) note('scroll'); });
      new MutationObserver(() => { if (document.getElementById('verdict-box')) note('answer'); })
        .observe(document.body, {subtree: true, childList: true});
    }""")
    upload(page, images["huge"])  # a 6000x6000 JPEG: slow to check
    read_verdict(page)
    seen = page.evaluate("window.firstSeen")
    assert seen["scroll"] < seen["answer"], seen
    upload(page, images["face"])
    read_verdict(page)
    page.wait_for_function("() => { const r = document.getElementById('verdict-box').getBoundingClientRect();"
                           " return r.top >= 4 && r.top < window.innerHeight; }", timeout=10_000)  # none cut off
    page.screenshot(path=str(ARTIFACTS / "phone-390x844.png"))
    small = page.evaluate("""() => [...document.querySelectorAll('button')].filter((b) => b.offsetParent
        && !b.closest('footer')).map((b) => [b.getAttribute('aria-label') || b.innerText, b.getBoundingClientRect()])
        .filter(([, r]) => r.width < 24 || r.height < 24).map(([name]) => name)""")
    assert small == []  # WCAG 2.2's least target: remove (18 px) sat beside fullscreen (18 px)
    page.close()


def test_on_a_small_phone_the_heatmap_legend_goes_under_the_heatmap(browser_context, app_url) -> None:
    """Beside the heatmap at 360 px its column was 120 px wide: "no evidence" ran into "evidence"."""
    page = open_page(browser_context, app_url, (360, 740))
    upload(page, ROOT / "examples" / "face-swap.jpg")
    legend = page.locator("#heatmap-legend-box")
    legend.wait_for(state="visible", timeout=60_000)
    heatmap = page.locator("#heatmap").bounding_box()
    box = legend.bounding_box()
    assert box["y"] >= heatmap["y"] + heatmap["height"] - 1 and box["width"] >= 220, (box, heatmap)
    page.close()


BROKEN_WORDS = """(table) => {
  const broken = [];
  const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const word of node.data.matchAll(/\\S+/g)) {  // "dfdc-faceswap" is one name
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      if (range.getClientRects().length > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""
"""The words of a table drawn over more than one line (a squeezed cell breaks them letter by
letter, and a narrow one after a hyphen)."""


def test_on_a_phone_the_model_cards_tables_keep_their_words_whole(browser_context, app_url) -> None:
    page = open_page(browser_context, app_url, (390, 844))
    page.get_by_role("link", name="model card").click()
    tables = page.locator("#model-card table")
    tables.first.wait_for(state="visible", timeout=5_000)
    assert tables.count() >= 3
    for table in tables.all():
        assert table.evaluate(BROKEN_WORDS) == []  # "dfdc-faceswap" read "df / dc- / fa / ce / ..." at 390 px
    wide = tables.evaluate_all("tables => tables.filter(t => t.scrollWidth > t.clientWidth + 1).length")
    assert wide >= 1  # a table wider than the screen scrolls sideways, inside the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Each says so: a keyboard stop (arrow keys scroll it) and a shadow where it hides more; the others not.
    page.wait_for_function("wide => document.querySelectorAll('#model-card table[tabindex=\"0\"]').length === wide",
                           arg=wide, timeout=5_000)
    stops = tables.evaluate_all("ts => ts.map(t => [t.scrollWidth > t.clientWidth + 1, t.getAttribute('tabindex')])")
    assert all((tabindex == "0") == overflowing for overflowing, tabindex in stops), stops
    assert "radial-gradient" in tables.first.evaluate("t => getComputedStyle(t).backgroundImage")
    page.close()


def test_a_screen_reader_and_a_keyboard_get_the_report_by_name(browser_context, app_url, images,
                                                              flags_folder) -> None:
    """Each report's choices are one group named by its question (arrow keys move within it), each
    button and JSON fold names its picture, the photo has a text alternative, and the report's
    status is read out."""
    page = open_page(browser_context, app_url)
    upload(page, images["face"])
    verdict, _ = read_verdict(page)
    # The focus, lost with the upload button the upload replaced, is on the answer: Tab goes on from there.
    page.wait_for_function("document.activeElement?.id === 'verdict-box'", timeout=10_000)
    for picture in ("photo", "video"):  # each named apart, for a screen reader's list of controls
        fold = page.get_by_role("button", name=f"The {picture}'s answer as data (JSON)", exact=True)  # no "▼"
        assert fold.count() == 1 and fold.get_attribute("aria-expanded") == "false"  # folded, and says so
    assert page.get_by_role("button", name="Check a video", exact=True).get_attribute("aria-expanded") == "true"
    page.get_by_role("button", name="The photo's answer as data (JSON)", exact=True).click()
    page.wait_for_selector("#result-data button[aria-expanded=true]", timeout=5_000)
    # The photo's report, by name (the video's, named after the video, shows beside a video's answer).
    assert page.get_by_role("radiogroup", name="Is the photo's answer wrong? It should have been:",
                            exact=True).count() == 1
    assert page.get_by_role("button", name="Report the photo's answer as wrong").count() == 1
    assert page.locator("#photo img").get_attribute("alt") == "The photo being checked"
    headings = [h.inner_text() for h in page.get_by_role("heading").all()]  # a screen reader's list of them
    assert headings[:5] == ["Deforgify: real or fake face?", "Check a photo", "The photo's answer", "Check a video",
                            "The video's answer"], headings
    shown = page.get_by_role("heading", name="Check a photo").evaluate(
        "h => { const r = h.closest('.visually-hidden').getBoundingClientRect(); return [r.width, r.height]; }")
    assert shown == [1, 1]  # drawn in one clipped pixel: the layout already says it to the eye
    before = reports_in(flags_folder)
    choice = "real" if verdict == "fake" else "fake"
    offered = page.locator("#should-be label").all_inner_texts()
    assert verdict not in offered and ("unsure" in offered) == (verdict != "unsure")  # never the answer itself
    page.locator("#should-be input[type=radio]").first.focus()
    page.keyboard.press("Space")
    if offered.index(choice) == 1:
        page.keyboard.press("ArrowRight")  # to the next choice of the same group
    assert page.locator("#should-be").get_by_label(choice, exact=True).is_checked()
    assert not page.locator("#should-be").get_by_label(offered[1 - offered.index(choice)], exact=True).is_checked()
    chosen = page.locator("#should-be input[type=radio]:checked")
    assert chosen.evaluate("c => getComputedStyle(c).outlineStyle") != "none"  # the keyboard's place is seen
    colour = "c => getComputedStyle(c).backgroundColor"
    drawn = chosen.evaluate(colour)
    chosen.hover()  # Gradio drew a chosen radio under the pointer white on white, as if nothing were chosen
    assert chosen.evaluate(colour) == drawn != "rgb(255, 255, 255)"
    page.get_by_role("button", name="Report the photo's answer as wrong").click()
    status = page.locator("#flag-status[role=status][aria-live=polite]")
    status.get_by_text("Thank you: report").wait_for(timeout=30_000)
    [new] = [p for p in reports_in(flags_folder) if p not in before]
    assert json.loads((new / "report.json").read_text())["should_be"] == choice  # the page heard the keys
    page.close()


def test_a_photo_without_a_face_never_shows_real_or_fake(browser_context, app_url, images) -> None:
    page = open_page(browser_context, app_url)
    upload(page, images["coffee"])
    label, shares = read_verdict(page)
    assert label == "no_face" and shares == {}
    text = page.locator("#verdict-box").inner_text()
    assert text.startswith("No face") and "real" not in text.lower() and "fake" not in text.lower()
    page.screenshot(path=str(ARTIFACTS / "no-face.png"), full_page=True)
    page.close()


def test_an_example_click_shows_its_result(browser_context, app_url) -> None:
    page = open_page(browser_context, app_url)
    page.get_by_role("button", name="Two faces").click()
    label, shares = read_verdict(page)
    # the greyscale photographer's face beside the astronaut's has no colour to judge: it keeps the photo from
    # "real", and its unused scores are no bars
    assert label == "unsure" and set(shares) == set(), (label, shares)
    page.get_by_text("2 faces found (numbered from the largest), 1 judged and it looks real, but face 1 (thick box, "
                     "marked \"decides\") is greyscale").wait_for(timeout=30_000)
    page.close()


RECORD_STATES = """() => {
  window.states = [];
  const shown = (element) => element && element.checkVisibility() ? element.innerText.trim() : '';  // as seen
  const record = () => {
    const photo = document.querySelector('#photo img');
    const box = document.getElementById('verdict-box');
    const faces = document.querySelector('#faces img');
    const state = [photo ? photo.getAttribute('src') : null, box ? box.dataset.verdict : null,
                   faces ? faces.getAttribute('src') : null,
                   shown(document.querySelector('#flag-status [data-testid=markdown]')),  // not Gradio's hidden timer
                   performance.now(), Boolean(document.getElementById('report')?.checkVisibility())];
    const seen = (s) => [...s.slice(0, 4), s[5]].join('|');
    const last = window.states[window.states.length - 1];
    if (!last || seen(last) !== seen(state)) window.states.push(state);
  };
  record();
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
STALE_MS = 300
"""The old answer may be painted for at most this long after the new photo appears (one or two
frames while the browser runs the clearing step), never until the new answer."""


def compact(states: list) -> list:
    return [(str(s[0])[-12:], s[1], str(s[2])[-12:], s[3][:12], round(s[4]), s[5]) for s in states]


def stale_states(states: list, photo_src: str, old: tuple[str, str]) -> list:
    """States after ``photo_src`` appeared that still show the old verdict box or boxed photo,
    later than STALE_MS after it appeared."""
    start = next(s[4] for s in states if s[0] == photo_src)
    return [s for s in states if s[4] > start + STALE_MS and (s[1], s[2]) == old and s[0] == photo_src]


def test_one_photo_one_answer_a_new_photo_or_a_clear_removes_the_old_answer_at_once(
        browser_context, app_url, images) -> None:
    page = open_page(browser_context, app_url)
    awaiting = page.locator("#verdict").get_by_text("The answer appears here once you choose a photo of a face")
    awaiting.wait_for(timeout=10_000)  # before a photo, words where the answer will be ...
    assert page.locator("#faces").is_hidden()  # ... not an empty, unlabelled picture box
    upload(page, images["face"])
    read_verdict(page)
    page.locator("#faces img").wait_for(timeout=30_000)
    assert awaiting.count() == 0
    page.locator("#should-be").get_by_label("fake", exact=True).check()
    page.locator("#report").click()
    page.get_by_text("Thank you: report").wait_for(timeout=30_000)
    old = (page.locator("#verdict-box").get_attribute("data-verdict"), page.locator("#faces img").get_attribute("src"))
    page.evaluate(RECORD_STATES)
    upload(page, images["coffee"])
    page.wait_for_selector("#verdict-box[data-verdict=no_face]", timeout=60_000)
    states = page.evaluate("window.states")
    photo = next(s[0] for s in states if s[0] and s[0].endswith("coffee.jpg"))
    assert not stale_states(states, photo, old), states
    after = [s for s in states if s[0] == photo]
    start = after[0][4]
    assert all(not s[3] for s in after if s[4] > start + STALE_MS), ("the earlier report's thank-you stayed",
                                                                      compact(after))
    assert any(s[1] is None for s in after), "the old answer was never removed before the new one came"
    page.wait_for_timeout(2_000)  # the browser's late second change event for the same photo ...
    states = page.evaluate("window.states")
    answered = next(i for i, s in enumerate(states) if s[0] == photo and s[1] == "no_face")
    assert all(s[1] == "no_face" for s in states[answered:]), compact(states)  # ... never blanks its answer
    reportable = next(i for i, s in enumerate(states) if i >= answered and s[5])
    assert all(s[5] for s in states[reportable:]), compact(states)  # ... nor puts its report controls away
    assert page.locator("#heatmap img").count() == 0
    # A cleared photo clears the answer too.
    page.evaluate(RECORD_STATES)
    page.get_by_role("button", name="Remove Image").click()
    page.wait_for_function("() => !document.getElementById('verdict-box') && !document.querySelector('#faces img')",
                           timeout=5_000)
    page.locator("#should-be").wait_for(state="hidden", timeout=5_000)  # the report goes with the answer ...
    awaiting.wait_for(timeout=5_000)
    assert page.locator("#faces").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "cleared.png"), full_page=True)
    upload(page, images["face"])  # ... and comes back with the next one, its choice cleared
    page.locator("#should-be").wait_for(timeout=30_000)
    assert page.locator("#should-be").get_by_label("fake", exact=True).is_checked() is False
    page.close()


def test_a_photo_replaced_while_it_is_checked_never_gets_its_answer_shown(browser_context, app_url,
                                                                          images) -> None:
    page = open_page(browser_context, app_url)
    page.evaluate(RECORD_STATES)
    upload(page, images["huge"])  # a 6000x6000 JPEG: slow to check
    page.wait_for_function("() => window.states.some(s => s[0] && s[0].endsWith('huge.jpg'))", timeout=30_000)
    upload(page, images["coffee"])  # replaced before its answer came
    page.wait_for_selector("#verdict-box[data-verdict=no_face]", timeout=60_000)
    page.wait_for_timeout(3_000)  # the first check has long finished
    states = page.evaluate("window.states")
    photo = next(s[0] for s in states if s[0] and s[0].endswith("coffee.jpg"))
    # From the moment the new photo's page is cleared (when the first answer came just before
    # the replacement, the browser may draw the new photo a moment before clearing that answer).
    start = next(s[4] for s in states if s[0] == photo and s[1] is None)
    shown = [s for s in states if s[4] > start and s[1] not in (None, "no_face")]
    assert not shown, states
    assert page.locator("#verdict-box").get_attribute("data-verdict") == "no_face"
    page.close()


def test_a_report_is_made_once_on_the_answer_shown_and_a_stale_one_stores_nothing(
        browser_context, app_url, images, flags_folder, tmp_path, astronaut) -> None:
    photo = gps_photo(tmp_path, astronaut)
    before = reports_in(flags_folder)
    page = open_page(browser_context, app_url)
    upload(page, photo)
    verdict, _ = read_verdict(page)
    choice = "real" if verdict == "fake" else "fake"  # never the answer itself
    report = page.locator("#report")
    report.click()  # without saying what it should have been: refused, in words
    page.get_by_text("Choose what the answer should have been").wait_for(timeout=30_000)
    assert page.locator("#flag-status").inner_text().startswith("⚠ ")  # a refusal does not look like a thank-you
    assert reports_in(flags_folder) == before
    page.locator("#should-be").get_by_label(choice, exact=True).check()
    page.wait_for_function("() => !document.querySelector('#flag-status')?.innerText.includes('Choose what')",
                           timeout=10_000)  # the request to choose goes once a choice is made
    report.dblclick()
    page.get_by_text("Thank you: report").wait_for(timeout=30_000)
    new = [p for p in reports_in(flags_folder) if p not in before]
    assert len(new) == 1, new
    status = page.locator("#flag-status").inner_text()
    assert new[0].name in status and status.startswith("✓ ")  # the id to quote for deletion, marked saved
    assert f"(it should be {choice})" in status  # the choice said back: a slip of the mouse shows
    assert json.loads((new[0] / "report.json").read_text())["should_be"] == choice
    assert not Image.open(new[0] / "image.png").getexif()
    # Done with: the thank-you and its id stay (a second click replaced them with "already reported").
    page.get_by_role("button", name="Reported", exact=True).wait_for(timeout=10_000)
    assert report.is_disabled() and page.locator("#flag-status").inner_text() == status
    assert page.locator("#should-be").get_by_label(choice, exact=True).is_disabled()  # the choice is done with too
    page.wait_for_function("() => document.activeElement?.id === 'flag-status'", timeout=5_000)  # not the page's top
    # Checked again, the photo gets a new answer; this visitor has reported the photo already: said
    # so, with the id, and the report done (its button looked ready, then refused).
    page.get_by_role("button", name="Check this photo again").click()
    page.locator("#flag-status").get_by_text(f"This photo was reported in this session as report {new[0].name}") \
        .wait_for(timeout=60_000)
    assert report.inner_text() == "Reported" and report.is_disabled()
    assert page.locator("#should-be").get_by_label(choice, exact=True).is_disabled()
    assert [p for p in reports_in(flags_folder) if p not in before] == new
    privacy = page.get_by_text("Privacy.").locator("..").inner_text()
    assert "metadata" in privacy and "GPS" in privacy and "90 days" in privacy and "quoting the id" in privacy
    # After the photo is removed, there is nothing to report: the controls go with the answer.
    page.get_by_role("button", name="Remove Image").click()
    page.wait_for_function("() => !document.getElementById('verdict-box')", timeout=5_000)
    report.wait_for(state="hidden", timeout=5_000)
    assert page.locator("#should-be").count() == 0 or page.locator("#should-be").is_hidden()
    assert [p for p in reports_in(flags_folder) if p not in before] == new
    page.close()


def test_the_report_controls_show_only_beside_an_answer(browser_context, app_url, images, tmp_path) -> None:
    """Before any photo, and for a file that could not be checked, there is no answer to report:
    no "Is the photo's answer wrong?" under an empty verdict box."""
    page = open_page(browser_context, app_url)
    question = page.get_by_text("Is the photo's answer wrong?")
    assert question.count() == 0 or question.is_hidden()
    upload(page, images["face"])
    read_verdict(page)
    question.wait_for(timeout=10_000)
    assert page.locator("#report").is_visible()
    not_photo = tmp_path / "notes.jpg"
    not_photo.write_text("this is not a photo")
    upload(page, not_photo)
    page.wait_for_selector("#verdict-box[data-verdict=error]", timeout=30_000)
    page.locator("#report").wait_for(state="hidden", timeout=10_000)
    assert question.count() == 0 or question.is_hidden()
    page.close()


def test_the_verdict_is_announced_and_the_result_images_say_what_they_show(browser_context, app_url,
                                                                            client) -> None:
    page = open_page(browser_context, app_url)
    page.get_by_role("button", name="Two faces").click()
    read_verdict(page)
    page.locator("#faces img").wait_for(timeout=30_000)
    live = page.locator("#verdict [aria-live=polite]")
    assert live.get_attribute("role") == "status" and live.locator("#verdict-box").count() == 1
    answer = predict(client, ROOT / "examples" / "two-faces.jpg")
    result = answer[4]
    alt = page.locator("#faces img").get_attribute("alt")
    deciding = result["deciding_face"] + 1
    assert f"face {deciding}:" in alt and "thick box, decides" in alt.split(f"face {deciding}:")[1].split(";")[0]
    for number, face in enumerate(result["faces"], 1):
        assert f"face {number}: {face['label']}" in alt
    text = page.locator("#verdict-box").inner_text()
    assert f"face {deciding} (thick box" in text
    # No heatmap (its deciding face, greyscale, is not judged), and its faces are under a sixth of the
    # photo's side: the deciding one close up in the heatmap's place, said to be not judged.
    assert answer[3] is None
    shown = page.locator("#heatmap img").get_attribute("alt")
    assert shown == f"Face {deciding}, which decides, close up: not judged, without colour."
    assert page.locator("#close-up-note").inner_text() == shown
    page.screenshot(path=str(ARTIFACTS / "two-faces-1366x768.png"), full_page=True)
    page.close()


def test_webcam_capture_is_checked_at_once(browser_context, app_url) -> None:
    page = open_page(browser_context, app_url)
    page.get_by_role("button", name="Capture from camera").click()
    page.get_by_role("button", name="Click to Access Webcam").click()
    page.wait_for_function(  # the fake camera is streaming frames
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2 && v.videoWidth > 0; }",
        timeout=30_000,
    )
    page.get_by_role("button", name="capture photo").click()
    label, shares = read_verdict(page)
    page.screenshot(path=str(ARTIFACTS / "webcam.png"), full_page=True)
    assert label in VERDICTS
    assert all(share.endswith("%") for share in shares.values())
    page.get_by_text("judged on the one face found").wait_for(timeout=30_000)
    page.close()


def test_a_bad_file_is_explained_in_the_verdict_box_without_toast_or_error_marks(browser_context, app_url,
                                                                                 images, tmp_path) -> None:
    page = open_page(browser_context, app_url)
    upload(page, images["one-pixel"])
    page.wait_for_selector("#verdict-box[data-verdict=error]", timeout=60_000)
    text = page.locator("#verdict-box").inner_text()
    assert text.startswith("This file can't be checked") and "Image too small: 1x1 pixels" in text
    assert "Try a larger photo of the face." in text
    assert page.locator("#faces").is_hidden()  # no empty picture box under the reason
    page.locator("#result-data").get_by_text("The photo's answer as data (JSON)").click()  # the refusal, as data too
    page.locator("#result-data").get_by_text("Image too small: 1x1 pixels").wait_for(timeout=5_000)
    assert "too_small" in page.locator("#result-data").inner_text()  # its code, as the API title gives it
    page.wait_for_timeout(500)
    assert page.get_by_test_id("toast-text").count() == 0
    assert page.get_by_text("Error", exact=True).count() == 0  # no red pills on the outputs
    page.screenshot(path=str(ARTIFACTS / "bad-file.png"))
    assert "Traceback" not in page.content()
    # A file the browser cannot draw either: words in the photo's place, no broken-image icon.
    upload(page, images["text"])
    page.wait_for_function("() => document.querySelector('#verdict-box')?.innerText.includes('Not an image file')")
    page.wait_for_selector("#photo img.unreadable", state="attached")
    assert not page.locator("#photo img").is_visible()
    said = page.evaluate("() => getComputedStyle(document.querySelector('#photo .image-frame'), '::after').content")
    assert said == ('"Your browser can\'t show this file, and Deforgify could not check it either: the answer says '
                    'why"')  # not "Deforgify can still check it" beside the answer that it could not    page.wait_for_timeout(500)
    assert not page.locator("#check-again").is_visible()  # checking it again could only fail again
    upload(page, images["face"])  # the next photo is drawn again
    page.wait_for_selector("#verdict-box[data-verdict]:not([data-verdict=error])", timeout=60_000)
    page.locator("#faces img").wait_for(timeout=10_000)  # and its faces picture is back
    assert page.locator("#photo img").is_visible() and page.locator("#photo img.unreadable").count() == 0
    # A file Gradio refuses in the browser says so at the top of the screen, where a phone brings the
    # next answer: the next file closes that message. What to do suits the reason.
    (tmp_path / "notes.txt").write_text("not a photo")
    upload(page, tmp_path / "notes.txt")
    refusal = ("notes.txt is not a photo: choose a JPEG, PNG, WebP or HEIC photo of a face (a clip goes under "
               "\"Check a video\").")
    page.get_by_test_id("toast-text").get_by_text(refusal).wait_for(timeout=10_000)
    page.get_by_test_id("toast-close").click()  # closed: the refusal stays under the photo until the next file
    assert page.locator("#photo-refused").inner_text() == refusal + " What is shown above is still the file before it."
    upload(page, images["one-pixel"])
    page.locator("#photo-refused").wait_for(state="detached", timeout=5_000)
    page.wait_for_function("() => document.querySelector('#verdict-box')?.innerText.includes('Image too small')")
    assert "Try a larger photo of the face." in page.locator("#verdict-box").inner_text()
    page.get_by_test_id("toast-body").wait_for(state="detached", timeout=3_000)  # closed (by itself: 10 s)
    upload(page, images["iphone"])  # a HEIC: Chromium cannot draw it, Deforgify reads it all the same
    page.wait_for_selector("#photo img.unreadable", state="attached", timeout=30_000)
    page.wait_for_selector("#verdict-box[data-verdict]:not([data-verdict=error])", timeout=60_000)
    said = page.evaluate("() => getComputedStyle(document.querySelector('#photo .image-frame'), '::after').content")
    assert said == '"Your browser can\'t show this file; if it is a photo, Deforgify can still check it"'
    page.get_by_role("button", name="Check this photo again").wait_for(state="visible", timeout=5_000)
    upload(page, tmp_path / "notes.txt")  # refused beside the HEIC's answer: the note goes when it is checked again
    page.locator("#photo-refused").wait_for(timeout=10_000)
    page.evaluate("""() => { window.heard = []; const live = document.querySelector('#verdict [role=status]');
        new MutationObserver(() => window.heard.push(live.innerText)).observe(live, {childList: true, subtree: true,
                                                                                 characterData: true}); }""")
    page.get_by_role("button", name="Check this photo again").click()
    page.locator("#photo-refused").wait_for(state="detached", timeout=5_000)
    # The same answer again is heard again: the live region changed (it did not at all).
    page.wait_for_function("() => window.heard.some(t => t.includes('Checking the photo again'))"
                           " && document.querySelector('#verdict-box[data-verdict]') !== null", timeout=60_000)
    page.close()


# --- every verdict's colours, with verdicts made certain ------------------------------------


_RATIO_JS = r"""
  const rgb = s => s.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = c => { const l = c.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                     return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const ratio = (a, b) => { const [h, l] = [lum(a), lum(b)].sort((x, y) => y - x); return (h + 0.05) / (l + 0.05); };
"""
BUTTON_CONTRAST_JS = "(button) => {" + _RATIO_JS + r"""
  return ratio(rgb(getComputedStyle(button).color), rgb(getComputedStyle(button).backgroundColor));
}"""
"""A button's words against its background."""
CONTRAST_JS = "(id) => {" + _RATIO_JS + r"""
  const box = document.getElementById(id);
  const background = rgb(getComputedStyle(box).backgroundColor);
  return [...box.querySelectorAll('*')].filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(e => [e.textContent.trim().slice(0, 40), ratio(rgb(getComputedStyle(e).color), background)]);
}"""


def test_an_animated_picture_sent_as_a_photo_is_answered_as_a_clip(browser_context, app_url, app_folder,
                                                                  astronaut, tmp_path) -> None:
    """The video uploader takes video types only (Gradio's, in the browser), so an animated GIF
    sent as a photo was refused with "save it as an MP4": the page checks it as a clip instead,
    in the photo's answer, and says so; and so does the log (it said "rejected upload")."""
    face = Image.fromarray(astronaut).resize((256, 256))
    frames = [face, face.rotate(2), face.rotate(-2)]
    gif = tmp_path / "moving.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=500, loop=0)
    page = open_page(browser_context, app_url)
    upload(page, gif)
    page.wait_for_selector("#verdict-box[data-verdict]:not([data-verdict=error])", timeout=60_000)
    text = page.locator("#verdict-box").inner_text()
    assert "An animated picture, so it was checked as a clip, frame by frame." in text, text
    assert "the one face followed, seen in all 3 frames read" in text, text
    # named as what was sent (a visitor read "Treat the video as unverified" of their GIF)
    assert "an animated picture's own metadata" in text and "video" not in text.split("frame by frame.")[1], text
    assert "Answered by deforgify-lite0" in text
    page.locator("#faces img").wait_for(timeout=10_000)  # the deciding frame, its face boxed
    assert page.locator("#faces img").get_attribute("alt").startswith("The video frame with the face boxed")
    page.locator("#result-data").get_by_text("The photo's answer as data (JSON)").click()
    page.locator("#result-data").get_by_text('"video"').wait_for(timeout=5_000)  # its row is a clip's
    assert page.get_by_role("button", name="Report the photo's answer as wrong").is_visible()
    assert page.get_by_test_id("toast-text").count() == 0
    page.close()
    [log] = app_folder.glob("app-*.log")
    assert "checked as a clip instead: an animated picture sent as a photo" in log.read_text()
    assert "rejected upload" not in log.read_text()


@pytest.fixture(scope="module")
def banded(tmp_path_factory: pytest.TempPathFactory):
    """An app serving the bundled weights with the threshold and unsure band moved so that three
    example photos get "real", "unsure" (leaning real) and "fake": each verdict made certain from
    the model's own numbers, for tests of how each verdict looks."""
    import shutil

    from deforgify.detector import Detector
    from deforgify.model.source import BUNDLED_MODEL

    detector = Detector.load()
    # Colour photos of one face: the greyscale photographer is "unsure" wherever the band lies (no colour to
    # judge), and so is the two-faces example (its greyscale face withholds "real").
    photos = {name: ROOT / "examples" / name for name in ("real-astronaut.jpg", "face-swap.jpg", "gan-stylegan2.jpg")}
    fake = {name: detector.predict(path).confidences["fake"] for name, path in photos.items()}
    (low_name, low), (mid_name, mid), (high_name, high) = sorted(fake.items(), key=lambda item: item[1])
    assert mid - low > 1e-3 and high - mid > 1e-3, fake
    folder = tmp_path_factory.mktemp("banded") / "model"
    folder.mkdir()
    for name in ("config.json", "model.tflite", "metrics.json", "README.md"):
        shutil.copy(BUNDLED_MODEL / name, folder / name)
    config = json.loads((folder / "config.json").read_text())
    band = [(low + mid) / 2, (mid + high) / 2]
    config["calibration"].update(unsure_low=band[0], unsure_high=band[1], threshold=(mid + band[1]) / 2)
    (folder / "config.json").write_text(json.dumps(config))
    process, url = start_app(tmp_path_factory.mktemp("banded-app"), DEFORGIFY_MODEL=str(folder))
    yield url, {"real": photos[low_name], UNSURE_WORD: photos[mid_name], "fake": photos[high_name]}, folder
    stop_app(process)


UNSURE_WORD = "unsure"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("verdict", ["real", "unsure", "fake", "no_face", "error"])
def test_every_verdict_is_readable_wcag_aa_and_the_heatmap_only_explains_a_suspicion(
        browser_context, banded, images, verdict, scheme) -> None:
    """In the light theme and in the dark one (a phone set to dark mode: Gradio follows it)."""
    url, photos, folder = banded
    page = open_page(browser_context, url, (1366, 768), scheme)
    upload(page, photos.get(verdict) or {"no_face": images["coffee"], "error": images["one-pixel"]}[verdict])
    page.wait_for_selector(f"#verdict-box[data-verdict={verdict}]", timeout=60_000)
    page.wait_for_timeout(300)
    contrasts = page.evaluate(CONTRAST_JS, "verdict-box")
    assert contrasts and all(ratio >= 4.5 for _, ratio in contrasts), contrasts
    text = page.locator("#verdict-box").inner_text()
    if verdict == "real":
        assert "no sign of the fakes it knows" in text and "genuine" in text  # "does not show ... genuine"
    if verdict == "unsure":
        assert "too close to call" not in text and "lies between" in text
    assert str(folder) not in page.content()  # no server paths for visitors
    assert (page.locator("#heatmap img").count() == 1) == (verdict == "fake")  # unsure here leans real
    if verdict == "fake":
        assert "no evidence" in page.locator("#heatmap-legend").inner_text()
        alt = page.locator("#heatmap img").get_attribute("alt")  # says where, not only that it is a heatmap
        assert re.search(r"strongest (in the (top|middle|bottom)|from top to bottom)|spread over the whole", alt), alt
    page.screenshot(path=str(ARTIFACTS / f"verdict-{verdict}-{scheme}-1366x768.png"))
    page.close()


EXPECTED_ANSWERS = {"Real portrait": "real", "Real photo (greyscale)": "real", "GAN face (StyleGAN2)": "fake",
                    "Face swap": "fake", "No face": "no_face"}


@pytest.mark.parametrize("example", sorted(EXPECTED_ANSWERS))
def test_every_shipped_example_is_answered_as_its_name_says_or_says_it_is_missed(
        browser_context, app_url, example) -> None:
    """A property of the served model as much as of the page: an example named "Real" is
    answered "real" by the bundled model, or its caption says what the model answers instead."""
    from deforgify.explain.words import WORDS

    expected = EXPECTED_ANSWERS[example]
    page = open_page(browser_context, app_url)
    button = page.get_by_role("button", name=re.compile(f"^{re.escape(example)}(: this model answers .*)?$"))
    caption = button.inner_text().strip()
    button.click()
    label, _ = read_verdict(page)
    assert label == expected or caption.endswith(f"this model answers {WORDS[label]}"), (
        caption, page.locator("#verdict-box").inner_text())
    assert (label == expected) == (caption == example)  # a caption never claims a miss that is not one
    page.close()



def test_a_fault_of_ours_is_said_as_one_with_its_code_not_gradios_bare_error(monkeypatch, astronaut_jpeg) -> None:
    """An unexpected exception while a file was read or judged (a bug: a damaged MP4 once raised
    struct.error) reached Gradio, whose page shows a bare "Error" and whose API gives no code."""
    import gradio as gr

    from deforgify.app import checks
    from deforgify.detector import Detector
    from deforgify.feedback import Answers
    from deforgify.video import judge

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in /srv/deforgify/secret.py")

    def disk_full(*args, **kwargs):  # after the answer, while its picture is saved
        raise OSError(28, "No space left on device", "/tmp/gradio/deforgify/faces-0123.jpg")

    detector = Detector.load()
    monkeypatch.setattr(judge, "score_video", broken)
    photo_fails = checks.make_check(detector, Answers())
    monkeypatch.setattr(detector, "answer_and_pixels", broken)
    for check, what, kind in ((checks.make_check(detector, Answers()), "photo", "RuntimeError"),
                              (checks.make_judge_clip(detector, Answers()), "video", "RuntimeError"),
                              (photo_fails, "photo", "OSError")):
        if kind == "OSError":
            monkeypatch.undo()
            monkeypatch.setattr(checks, "answer_picture", disk_full)
        with pytest.raises(gr.Error) as raised:
            check(str(astronaut_jpeg))
        assert raised.value.title == "internal_error"
        message = raised.value.message  # the exception's kind and a reference; its text, a server path, only logged
        reference = re.fullmatch(f"This {what} could not be checked: Deforgify failed on it \\({kind}, logged as fault "
                                 r"([0-9a-f]{8})\)\. This is a fault of Deforgify, not of the file; please report it, "
                                 r"quoting fault \1\.", message)
        assert reference, message


def test_a_small_deciding_face_is_shown_close_up_where_no_heatmap_is(astronaut, tmp_path) -> None:
    """A phone photo's 110 px face was a 10 px square on a laptop's page (6 px on a phone's), and
    only a face leaning "fake" was shown larger (its heatmap): which face was judged, and whether
    it is one, could not be seen. A portrait's face needs no close-up."""
    from deforgify.app import checks
    from deforgify.app.verdict_box import close_up_alt
    from deforgify.detector import Detector
    from deforgify.faces.finding import find_faces
    from deforgify.feedback import Answers

    from helpers import small_face_in_a_large_photo

    detector = Detector.load()
    check = checks.make_check(detector, Answers())
    photo, box = small_face_in_a_large_photo(astronaut, 100)
    Image.fromarray(photo).save(tmp_path / "phone.jpg", quality=95)
    Image.fromarray(astronaut).save(tmp_path / "portrait.jpg", quality=95)
    _, _, _, heatmap, row, prediction, close_up = check(str(tmp_path / "phone.jpg"))
    assert heatmap is None and row["label"] in ("real", "unsure") and close_up is not None
    shown = np.asarray(Image.open(close_up).convert("RGB"))
    assert shown.shape[1] == 384 and shown.shape[0] > 384  # the strip under it says what it is, when, which model
    [face] = find_faces(np.ascontiguousarray(shown[:384]))  # her face, filling the close-up
    assert face.box[2] > 384 / 2.5
    fake = row["confidences"]["fake"]
    assert close_up_alt(prediction, detector.config.calibration) == (
        f"The face, close up as the model saw it: {row['label']} (fake {round(100 * fake)}%).")
    assert check(str(tmp_path / "portrait.jpg"))[6] is None
    Image.fromarray(photo).convert("L").save(tmp_path / "grey.jpg", quality=95)  # a face the model does not judge
    *_, prediction, close_up = check(str(tmp_path / "grey.jpg"))
    assert close_up is not None  # "as the model saw it" read as if it had judged it
    assert close_up_alt(prediction, detector.config.calibration) == "The face, close up: not judged, without colour."


def test_a_report_can_say_which_face_of_several_is_wrong(client, flags_folder) -> None:
    """A visitor could not say that face 2 of a video call, captioned "real", was the fake one:
    a report was of the photo's answer alone, whose choices left out "fake" when the photo was
    "fake" because of another face."""
    from gradio_client.exceptions import AppError

    result = predict(client, ROOT / "examples" / "two-faces.jpg")[4]
    assert len(result["faces"]) == 2
    own = result["faces"][1]["label"]
    with pytest.raises(AppError, match=f'face 2 already was "{own}", so it is not wrong that way'):
        client.predict(result["answer_id"], own, 2, api_name="/flag")
    with pytest.raises(AppError, match=r"this answer has no face 3: it has 2 faces, numbered from 1"):
        client.predict(result["answer_id"], "fake", 3, api_name="/flag")
    for not_a_number in (2.5, True, "2"):  # 2.5 was taken for face 2, true for face 1
        with pytest.raises(AppError, match=r"Say which face by its number \(1, 2, \.\.\.\), or none") as refused:
            client.predict(result["answer_id"], "fake", not_a_number, api_name="/flag")
        assert refused.value.title == "bad_choice"
    before = reports_in(flags_folder)
    wrong = "fake" if own != "fake" else "real"
    assert client.predict(result["answer_id"], wrong, 2, api_name="/flag").startswith("Thank you")
    [new] = [p for p in reports_in(flags_folder) if p not in before]
    from gradio_client import Client

    other = Client(client.src, verbose=False)  # another visitor: the box around face 1 is not a face, they say
    theirs = predict(other, ROOT / "examples" / "two-faces.jpg")[4]
    assert "(face 1 is no face) was saved" in other.predict(theirs["answer_id"], "no_face", 1, api_name="/flag")
    record = json.loads((new / "report.json").read_text())
    assert (record["face"], record["should_be"]) == (2, wrong)
    import requests  # a program's call without a face, by position or by name: of the answer as a whole

    for route, body in (("flag", lambda answer_id: {"data": [answer_id, "fake"]}),
                        ("v2/flag", lambda answer_id: {"answer_id": answer_id, "should_be": "fake"})):
        answer_id = predict(client, ROOT / "examples" / "two-faces.jpg")[4]["answer_id"]
        event = requests.post(f"{client.src.rstrip('/')}/gradio_api/call/{route}", json=body(answer_id),
                              timeout=30).json()
        reply = requests.get(f"{client.src.rstrip('/')}/gradio_api/call/flag/{event['event_id']}", timeout=60).text
        assert "event: complete" in reply and "Thank you: report" in reply, (route, reply)


def test_the_page_asks_which_face_a_report_is_about_when_an_answer_has_several(browser_context, app_url,
                                                                                 client, flags_folder) -> None:
    """Under a photo of several faces the report asks which answer is wrong, the photo's or one
    face's (the choices then leave out that face's own label); under one face it does not ask."""
    from deforgify.explain.words import caption, shown_places
    from deforgify.model.calibration import Calibration

    result = predict(client, ROOT / "examples" / "two-faces.jpg")[4]
    faces = result["faces"]
    low, high = result["model"]["unsure_band"]
    places = shown_places(faces[1]["confidences"]["fake"], Calibration(unsure_low=low, unsure_high=high))
    page = open_page(browser_context, app_url)
    page.get_by_role("button", name="Two faces").click()
    read_verdict(page)
    picker = page.locator("#report-face")
    picker.wait_for(timeout=30_000)
    options = picker.locator("label").all_inner_texts()  # each face as its caption on the picture words it
    assert options == [f"the photo's answer: {result['label']}", "face 1: unsure: no colour",
                       f"face 2: {caption(faces[1]['label'], faces[1]['confidences'], None, places)}"]
    assert page.locator("#should-be").get_by_text("It should have been:").count() == 1  # not "...wrong?" twice
    offered = page.locator("#should-be label").all_inner_texts()
    kept = next(choice for choice in offered if choice != faces[1]["label"])  # still a choice for face 2
    page.locator("#should-be").get_by_label(kept, exact=True).check()
    picker.get_by_label(options[2], exact=True).check()
    page.get_by_role("button", name="Report face 2's answer as wrong").wait_for(timeout=10_000)
    offered = page.locator("#should-be label").all_inner_texts()
    assert faces[1]["label"] not in offered and len(offered) == 3 and "no face" in offered  # not a face, say
    assert page.locator("#should-be").get_by_label(kept, exact=True).is_checked()  # a choice still valid stays
    before = reports_in(flags_folder)
    page.get_by_role("button", name="Report face 2's answer as wrong").click()
    page.locator("#flag-status").get_by_text(f"(face 2 should be {kept}) was saved").wait_for(timeout=30_000)
    [new] = [p for p in reports_in(flags_folder) if p not in before]
    record = json.loads((new / "report.json").read_text())
    assert (record["face"], record["should_be"]) == (2, kept)
    page.get_by_role("button", name="Check this photo again").click()  # a new answer, the same photo
    page.locator("#flag-status").get_by_text(f"This photo was reported in this session as report {new.name}").wait_for(
        timeout=30_000)  # its button looked ready, then refused ("already been reported in this session")
    assert page.get_by_role("button", name="Reported", exact=True).is_disabled()
    assert page.locator("#report-face").is_hidden()
    page.get_by_role("button", name="Real portrait").click()  # one face: nothing to ask
    page.wait_for_function("() => document.querySelector('#verdict-box')?.innerText.includes('one face found')",
                           timeout=60_000)
    page.locator("#report-controls").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert page.locator("#report-face").is_hidden()
    page.close()


def test_a_picture_pasted_on_the_page_is_checked(browser_context, app_url) -> None:
    """Ctrl+V with a picture on the clipboard did nothing: Gradio took a paste only through the
    photo's clipboard button (a visitor's find). A second paste replaces the first photo."""
    import base64

    page = open_page(browser_context, app_url)
    paste = """(data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const files = new DataTransfer();
      files.items.add(new File([bytes], 'pasted.jpg', {type: 'image/jpeg'}));
      document.body.dispatchEvent(new ClipboardEvent('paste', {clipboardData: files, bubbles: true}));
    }"""
    for name in ("real-astronaut.jpg", "gan-stylegan2.jpg"):
        shown = page.locator("#verdict-box").inner_text() if page.locator("#verdict-box").count() else ""
        page.evaluate(paste, base64.b64encode((ROOT / "examples" / name).read_bytes()).decode())
        page.wait_for_function("(before) => { const box = document.querySelector('#verdict-box');"
                               " return box && box.dataset.verdict && box.innerText !== before; }", arg=shown,
                               timeout=60_000)
        assert page.locator("#photo img").count() == 1
    label, shares = read_verdict(page)
    assert float(shares["fake"].rstrip("%")) > 50  # the second photo's answer: the StyleGAN2 face
    page.close()
