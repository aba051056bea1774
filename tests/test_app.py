"""The Gradio app, started for real on a free loopback port: its API through gradio_client,
bad input, a bounded load test, and a person's use of the page in headless Chromium."""

from __future__ import annotations

import io
import os
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

VERDICTS = ("real", "fake", "can't tell")

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
def app_url(tmp_path_factory: pytest.TempPathFactory):
    process, url = start_app(tmp_path_factory.mktemp("app"))
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


def test_api_answers_with_label_confidences_faces_heatmap_and_explanation(client, images) -> None:
    label, boxed, heatmap, explanation = predict(client, images["face"])
    confidences = {c["label"]: c["confidence"] for c in label["confidences"]}
    assert set(confidences) == {"real", "fake"}
    assert sum(confidences.values()) == pytest.approx(1.0, abs=1e-5)
    if label["label"] != "can't tell":
        assert label["label"] == max(confidences, key=confidences.get)
    assert Image.open(boxed).size == (512, 512)
    assert Image.open(heatmap).size == (256, 256)
    assert "judged on the one face found" in explanation


def test_api_matches_the_library(client, images) -> None:
    from deforgify.detector import Detector

    expected = Detector.load().predict(images["face"]).confidences
    label = predict(client, images["face"])[0]
    got = {c["label"]: c["confidence"] for c in label["confidences"]}
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("name", ["grey16", "cmyk", "huge"])
def test_odd_but_valid_images_are_judged(client, images, name) -> None:
    label, _, _, explanation = predict(client, images[name])
    assert label["label"] in VERDICTS and explanation


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
    assert "neither a model folder nor a Hub repo id" in config
    assert "using the bundled model" in config


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


def open_page(browser_context, app_url: str):
    page = browser_context.new_page()
    page.goto(app_url)
    page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
    return page


def read_verdict(page) -> tuple[str, dict[str, str]]:
    page.get_by_test_id("label-output-value").wait_for(timeout=60_000)
    label = page.get_by_test_id("label-output-value").inner_text()
    shares = {
        name: page.get_by_test_id(f"{name}-confidence-set").locator("dd").inner_text()
        for name in ("real", "fake")
    }
    return label, shares


def test_upload_submit_and_read_the_verdict(browser_context, app_url, client, images) -> None:
    page = open_page(browser_context, app_url)
    page.set_input_files("input[type=file]", str(images["face"]))
    page.get_by_role("button", name="Submit").click()
    label, shares = read_verdict(page)
    page.get_by_text("judged on the one face found").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)
    api_label = predict(client, images["face"])[0]
    api = {c["label"]: c["confidence"] for c in api_label["confidences"]}
    assert label == api_label["label"]
    assert shares == {name: f"{round(p * 100)}%" for name, p in api.items()}
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
    page.set_input_files("input[type=file]", str(images["animated"]))
    page.get_by_role("button", name="Submit").click()
    toast = page.get_by_test_id("toast-text")
    toast.wait_for(timeout=30_000)
    assert "can't be checked: animated image with 2 frames" in toast.inner_text()
    page.screenshot(path=str(ARTIFACTS / "bad-file.png"))  # the toast is fixed to the viewport
    assert "Traceback" not in page.content()
    page.close()
