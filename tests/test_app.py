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
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
def app_url(tmp_path_factory: pytest.TempPathFactory, flags_folder: Path):
    process, url = start_app(tmp_path_factory.mktemp("app"), DEFORGIFY_FLAGS=str(flags_folder))
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
    verdict, summary, boxed, heatmap, result = predict(client, images["face"])
    confidences = {c["label"]: c["confidence"] for c in verdict["confidences"]}
    assert set(confidences) == {"real", "fake"}
    assert sum(confidences.values()) == pytest.approx(1.0, abs=1e-5)
    assert verdict["label"] == result["label"] in VERDICTS
    assert result["confidences"] == pytest.approx(confidences, abs=1e-5)
    assert result["face_found"] is True and len(result["faces"]) == 1
    face = result["faces"][0]
    assert face["box"] == result["face"] and face["label"] == result["label"]
    assert result["model"]["reference"] == "bundled" and result["model"]["library_version"]
    assert f'data-verdict="{result["label"]}"' in summary and "judged on the one face found" in summary
    assert Image.open(boxed).size == (512, 512)
    if result["label"] in ("fake", "unsure"):  # the heatmap explains a suspicion only
        assert Image.open(heatmap).size == (384, 384 + 44)
    else:
        assert heatmap is None


def test_a_photo_without_a_face_gets_no_verdict_and_no_box(client, images) -> None:
    verdict, summary, boxed, heatmap, result = predict(client, images["coffee"])
    assert verdict["label"] == "no face" and not verdict.get("confidences")
    assert result["label"] == "no_face" and result["face_found"] is False
    assert result["confidences"] is None and result["faces"] == []
    assert 'data-verdict="no_face"' in summary and "real" not in summary.lower().replace("really", "")
    assert heatmap is None
    drawn, original = (np.asarray(Image.open(p).convert("RGB"), float) for p in (boxed, images["coffee"]))
    assert np.abs(drawn - original).mean() < 3  # only JPEG noise: nothing drawn


def test_api_matches_the_library(client, images) -> None:
    from deforgify.detector import Detector

    expected = Detector.load().predict(images["face"]).confidences
    verdict = predict(client, images["face"])[0]
    got = {c["label"]: c["confidence"] for c in verdict["confidences"]}
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("name", ["grey16", "cmyk", "huge"])
def test_odd_but_valid_images_are_judged(client, images, name) -> None:
    verdict, summary, *_ = predict(client, images[name])
    assert verdict["label"] in VERDICTS + ("no face",) and "verdict-box" in summary


@pytest.mark.parametrize(
    "name, message",
    [
        ("text", "not an image file"),
        ("truncated", "truncated or corrupt"),
        ("bomb", "image too large: 400 megapixels"),
        ("one-pixel", "image too small: 1x1 pixels"),
        ("animated", "animated image with 2 frames"),
    ],
)
def test_bad_input_gets_a_clear_error_and_the_server_keeps_serving(client, images, name, message) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message) as raised:
        predict(client, images[name])
    assert "Traceback" not in str(raised.value)
    assert predict(client, images["face300"])[0]["label"] in VERDICTS


def test_the_bad_input_corpus_gets_specific_errors_and_a_clean_log(tmp_path) -> None:
    """Every generated odd file that can be uploaded, through the API of an app of its own:
    the specific message, or a verdict for the odd-but-valid; one log line per rejection."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    from bad_inputs import CORPUS

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
            with pytest.raises(AppError, match=message):
                client.predict(handle_file(str(path)), api_name="/predict")
            rejected += 1
    finally:
        stop_app(process)
    log = next(tmp_path.glob("app-*.log")).read_text()
    assert "Traceback" not in log
    assert log.count("rejected upload: ") == rejected


def test_flagging_stores_the_photo_the_answer_and_the_model(client, images, flags_folder) -> None:
    from gradio_client import handle_file

    result = predict(client, images["face300"])[4]
    message = client.predict(handle_file(str(images["face300"])), result, api_name="/flag")
    assert message.startswith("Thank you")
    reports = list(flags_folder.iterdir())
    assert len(reports) == 1 and reports[0].name in message
    record = json.loads((reports[0] / "report.json").read_text())
    assert record["answer"] == result and record["answer"]["model"]["reference"] == "bundled"
    stored = next(p for p in reports[0].iterdir() if p.name.startswith("image"))
    assert stored.read_bytes() == images["face300"].read_bytes()


def readme_blocks(language: str) -> list[str]:
    """The ``language`` code blocks of the README's API section."""
    section = (ROOT / "README.md").read_text().split("### API and MCP", 1)[1].split("\n## ", 1)[0]
    return [block.split("```", 1)[0] for block in section.split(f"```{language}\n")[1:]]


def as_user(code: str, app_url: str, photo: Path) -> str:
    return code.replace("http://127.0.0.1:7860/", app_url).replace("http://127.0.0.1:7860", app_url.rstrip("/")) \
        .replace("photo.jpg", str(photo))


def test_the_readme_api_examples_run_as_written(app_url, images, client) -> None:
    import subprocess
    import sys

    expected = predict(client, images["face"])[4]
    python = subprocess.run([sys.executable, "-c", as_user(readme_blocks("python")[0], app_url, images["face"])],
                            capture_output=True, text=True, timeout=120)
    assert python.returncode == 0, python.stderr[-2000:]
    assert python.stdout.strip().splitlines()[-1].split()[0] == expected["label"]

    curl = subprocess.run(["bash", "-c", "set -euo pipefail\n" + as_user(readme_blocks("bash")[0], app_url, images["face"])],
                          capture_output=True, text=True, timeout=120)
    assert curl.returncode == 0, curl.stderr[-2000:]
    assert "event: complete" in curl.stdout
    data = json.loads(curl.stdout.split("data: ", 1)[1].splitlines()[0])
    assert len(data) == 5 and data[4]["label"] == expected["label"]
    assert data[4]["confidences"] == pytest.approx(expected["confidences"], abs=1e-6)


def test_the_api_page_names_every_result(client) -> None:
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/predict"]
    assert [r["label"] for r in info["returns"]] == ["verdict", "summary", "faces", "heatmap", "result"]
    assert info["parameters"][0]["example_input"]["path"] == "photo.jpg"  # not Gradio's bus.png
    assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == {"/predict", "/flag", "/predict_video"}


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
        baseline = resident_mb(process.pid)
        for _ in range(4):
            client.predict(handle_file(str(large)), api_name="/predict")
        after = resident_mb(process.pid)
    finally:
        stop_app(process)
    assert after - baseline < 150, f"resident memory {baseline:.0f} MB -> {after:.0f} MB"


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
    process, url = start_app(tmp_path, DEFORGIFY_MODEL="/no/such/model")
    try:
        config = urllib.request.urlopen(url + "config", timeout=10).read().decode()
    finally:
        stop_app(process)
    assert "the configured model could not be loaded" in config
    assert "the bundled model answers instead" in config
    assert "/no/such/model" not in config  # no server paths for visitors
    assert config.count("could not be loaded") == 1


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


def open_page(browser_context, app_url: str, viewport: tuple[int, int] = (1280, 1000)):
    page = browser_context.new_page()
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
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


def submit(page, path: Path) -> None:
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Submit").click()


def test_upload_submit_and_read_the_verdict_without_scrolling(browser_context, app_url, client, images) -> None:
    page = open_page(browser_context, app_url, (1366, 768))
    submit(page, images["face"])
    label, shares = read_verdict(page)
    page.get_by_text("judged on the one face found").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "upload-1366x768.png"))
    box = page.locator("#verdict-box").bounding_box()
    assert page.evaluate("window.scrollY") == 0 and box["y"] >= 0 and box["y"] + box["height"] <= 768
    result = predict(client, images["face"])[4]
    assert label == result["label"]
    assert list(shares) == ["real", "fake"]  # one order everywhere: real first
    assert shares == {name: f"{round(p * 100)}%" for name, p in result["confidences"].items()}
    page.close()


def test_on_a_phone_the_verdict_comes_into_view_after_submit(browser_context, app_url, images) -> None:
    page = open_page(browser_context, app_url, (390, 844))
    submit(page, images["face"])
    read_verdict(page)
    page.wait_for_function("() => { const r = document.getElementById('verdict-box').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < window.innerHeight; }", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "phone-390x844.png"))
    page.close()


def test_a_photo_without_a_face_never_shows_real_or_fake(browser_context, app_url, images) -> None:
    page = open_page(browser_context, app_url)
    submit(page, images["coffee"])
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
    assert label in VERDICTS and set(shares) == {"real", "fake"}
    page.get_by_text("2 faces judged").wait_for(timeout=30_000)
    page.close()


def test_the_flag_button_stores_a_report(browser_context, app_url, images, flags_folder) -> None:
    before = set(flags_folder.iterdir())
    page = open_page(browser_context, app_url)
    submit(page, images["face300"])
    read_verdict(page)
    page.get_by_role("button", name="Wrong verdict?").click()
    page.get_by_text("Thank you: the report was saved").wait_for(timeout=30_000)
    assert page.get_by_text("Nothing is stored for longer unless you click").count() == 1
    new = set(flags_folder.iterdir()) - before
    assert len(new) == 1 and (new.pop() / "report.json").is_file()
    page.close()


def test_webcam_capture_submit_and_read_the_verdict(browser_context, app_url) -> None:
    page = open_page(browser_context, app_url)
    page.get_by_role("button", name="Capture from camera").click()
    page.get_by_role("button", name="Click to Access Webcam").click()
    page.wait_for_function(  # the fake camera is streaming frames
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2 && v.videoWidth > 0; }",
        timeout=30_000,
    )
    page.get_by_role("button", name="capture photo").click()
    page.locator('img[src*="gradio_api/file="]').first.wait_for(timeout=30_000)  # photo taken
    page.get_by_role("button", name="Submit").click()
    label, shares = read_verdict(page)
    page.screenshot(path=str(ARTIFACTS / "webcam.png"), full_page=True)
    assert label in VERDICTS
    assert all(share.endswith("%") for share in shares.values())
    page.get_by_text("judged on the one face found").wait_for(timeout=30_000)
    page.close()


def test_a_bad_file_shows_a_clear_message_on_the_page(browser_context, app_url, images) -> None:
    page = open_page(browser_context, app_url)
    submit(page, images["animated"])
    toast = page.get_by_test_id("toast-text")
    toast.wait_for(timeout=30_000)
    assert "can't be checked: animated image with 2 frames" in toast.inner_text()
    page.screenshot(path=str(ARTIFACTS / "bad-file.png"))  # the toast is fixed to the viewport
    assert "Traceback" not in page.content()
    page.close()
