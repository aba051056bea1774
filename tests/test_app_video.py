"""The app's video input, started for real: its API through gradio_client, a bad clip, and a
person uploading a clip in headless Chromium and reading the verdict, the timeline chart and
the deciding frame."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image

from test_app import (ARTIFACTS, BUTTON_CONTRAST_JS, CHROMIUM, CHROMIUM_FLAGS, CONTRAST_JS,  # noqa: F401
                      app_folder, app_url, client, flags_folder, reports_in)
from helpers import small_face_in_a_large_photo
from video_clips import canvas, real_and_fake_faces, write_audio_only, write_opencv

from deforgify.app.checks import VIDEO_MAX_BYTES
from deforgify.detector import Detector


@pytest.fixture(scope="module")
def mixed_clip(tmp_path_factory: pytest.TempPathFactory):
    """10 s of WebM (Chromium plays VP8): a real face for 5 s, then a fake one the model tells apart."""
    real, fake, _, _ = real_and_fake_faces(Detector.load())
    first, second = canvas(real, at=(40, 60)), canvas(fake, at=(300, 120))
    return write_opencv(tmp_path_factory.mktemp("clip") / "mixed.webm",
                        lambda i: first if i < 125 else second, 250)


def test_the_video_api_answers_with_the_timeline(client, mixed_clip) -> None:
    from gradio_client import handle_file

    summary, chart, frame, row = client.predict(handle_file(str(mixed_clip)), api_name="/predict_video")
    assert row["kind"] == "video" and abs(row["duration"] - 10.0) < 0.2 and len(row["frames"]) == 20
    assert len(row["faces"]) == 2 and row["label"] in ("real", "fake", "unsure")
    assert row["deciding_frame"]["t"] > 5.0 and row["provenance"]["claim"] == "none"
    assert row["model"]["reference"] == "bundled"
    assert f'data-verdict="{row["label"]}"' in summary
    assert 'class="provenance" data-claim="none"' in summary and "metadata" in summary  # not read: said, not left out
    assert f'(revision {row["model"]["revision"]})</p>' in summary and "Answered by deforgify-lite0" in summary
    assert chart["columns"] == ["time (s)", "fake probability", "face"]
    assert {face for _, _, face in chart["data"]} == {"face 1", "face 2"} and len(chart["data"]) == 20
    early = [p for t, p, face in chart["data"] if t < 5.0]
    scores = [f["confidences"]["fake"] for f in row["frames"] if f["t"] < 5.0]
    assert early == pytest.approx(scores, abs=1e-3) and 0 < min(early) and max(early) < 1  # 3 places, never 0 or 1
    assert frame and str(frame).endswith(".jpg")
    # the bars are the deciding face's, said so: with two faces they read as the clip's
    deciding = row["deciding_frame"]["track"] + 1
    assert f'color:#404040">Face {deciding}, which decides:</div>' in summary


def test_a_result_read_twice_at_once_or_given_up_on_is_answered_in_words(app_url, mixed_clip) -> None:
    """A developer's walk: a reader that gave up before a clip's result came (a read timeout
    shorter than the check) had its call cancelled by Gradio, and reading it again got "404: Not
    Found" inside an event stream, for ever, a traceback logged each time; a second reader of a
    result being read got heartbeats until its own timeout."""
    import time

    import requests

    upload = requests.post(app_url + "gradio_api/upload", timeout=30,
                           files={"files": ("mixed.webm", mixed_clip.read_bytes())}).json()[0]

    def start() -> str:
        return requests.post(app_url + "gradio_api/call/predict_video", timeout=30, json={
            "data": [{"path": upload, "meta": {"_type": "gradio.FileData"}}]}).json()["event_id"]

    def read(event: str, **options) -> requests.Response:
        return requests.get(app_url + f"gradio_api/call/predict_video/{event}", timeout=120, **options)

    given_up = start()
    read(given_up, stream=True).close()  # the answer's headers, then the reader goes away
    deadline = time.monotonic() + 30
    while (again := read(given_up)).status_code == 409 and time.monotonic() < deadline:
        time.sleep(0.2)  # until the server has seen it go
    assert again.status_code == 410, again.text[:300]
    assert again.json()["error"].startswith(f"the call of /predict_video with event id {given_up!r} was cancelled: "
                                            "its result was being read and the reader went away before it came")
    event = start()
    with read(event, stream=True) as first:
        second = read(event)
        assert second.status_code == 409 and second.json()["error"] == (
            f"the result of /predict_video with event id {event!r} is being read by another request: a result is "
            "read once")
        assert "event: complete" in first.text  # the first reader's result is whole
    assert read(event).status_code == 404  # read once


def test_a_clip_without_a_face_gets_no_verdict_no_chart_and_no_frame(client, tmp_path) -> None:
    from gradio_client import handle_file
    from skimage import data

    coffee = write_opencv(tmp_path / "coffee.webm", lambda i: np.roll(data.coffee(), 3 * i, axis=1), 50)
    summary, chart, frame, row = client.predict(handle_file(str(coffee)), api_name="/predict_video")
    assert row["label"] == "no_face" and row["faces"] == [] and len(row["frames"]) == 4
    assert 'data-verdict="no_face"' in summary and "No face was found in any of the 4 frames" in summary
    assert chart is None and frame is None  # no chart (nor a legend) without a face
    assert row["answer_id"]  # "no face" can be wrong too: it can be reported (its first frame is kept)


def test_a_video_answer_is_reported_with_the_frame_that_decided(client, mixed_clip, flags_folder) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    summary, chart, frame, row = client.predict(handle_file(str(mixed_clip)), api_name="/predict_video")
    before = reports_in(flags_folder)
    wrong = "real" if row["label"] != "real" else "fake"
    with pytest.raises(AppError, match="already was"):
        client.predict(row["answer_id"], row["label"], api_name="/flag")  # not wrong that way
    message = client.predict(row["answer_id"], wrong, api_name="/flag")
    new = [p for p in reports_in(flags_folder) if p not in before]
    assert message.startswith("Thank you") and len(new) == 1 and new[0].name in message
    record = json.loads((new[0] / "report.json").read_text())
    assert record["should_be"] == wrong and record["answer"]["kind"] == "video"
    assert record["answer"]["deciding_frame"] == row["deciding_frame"]
    with Image.open(new[0] / "image.png") as kept:
        assert kept.size == (640, 480)  # the frame as judged, not the drawn one nor the clip
        drawn = np.asarray(Image.open(frame), np.float64)
        assert drawn.shape[0] > 480 and (drawn[480:] > 200).mean() > 0.8  # its strip under it: answer, time, model
        assert abs(np.asarray(kept, np.float64).mean() - drawn[:480].mean()) < 8


def test_an_animated_gif_is_refused_as_a_photo_and_answered_as_a_clip(client, tmp_path, astronaut) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    face = canvas(astronaut, size=(320, 240), at=(60, 20), height=200)
    frames = [Image.fromarray(frame) for frame in [face, face[:, ::-1].copy()] * 3]
    path = tmp_path / "face.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200, loop=0)
    with pytest.raises(AppError, match="animated image with 6 frames: only a still photo can be checked as a "
                                       "photo; check it as a video"):
        client.predict(handle_file(str(path)), api_name="/predict")
    summary, chart, frame, row = client.predict(handle_file(str(path)), api_name="/predict_video")
    assert row["kind"] == "video" and row["duration"] == 1.2 and row["face_found"]
    assert frame and row["deciding_frame"]["t"] in (0.0, 0.4, 0.6, 1.0)  # the deciding frame, read back from the GIF


def test_a_text_file_posing_as_a_video_gets_a_clear_error(client, tmp_path) -> None:
    from gradio_client import handle_file

    fake_clip = tmp_path / "clip.mp4"
    fake_clip.write_text("not a video at all\n" * 10)
    with pytest.raises(Exception, match="not a video file"):
        client.predict(handle_file(str(fake_clip)), api_name="/predict_video")


def test_a_clip_over_the_spaces_limit_is_refused_with_its_length(client, tmp_path) -> None:
    from gradio_client import handle_file

    long_clip = write_opencv(tmp_path / "long.mp4", lambda i: np.full((48, 64, 3), i % 255, np.uint8), 301, fps=1)
    with pytest.raises(Exception, match=r"video too long: 5:01 min \(limit 5:00 min\)"):
        client.predict(handle_file(str(long_clip)), api_name="/predict_video")


def test_upload_a_clip_and_read_the_verdict_timeline_and_deciding_frame(app_url, mixed_clip, tmp_path,
                                                                         astronaut, flags_folder) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, color_scheme="dark")  # a phone's dark mode
            page.goto(app_url)
            page.locator("#video-input input[type=file]").wait_for(state="attached", timeout=60_000)
            # Before any clip, no chart (an empty one had axes and a legend from -Infinity to Infinity) nor empty
            # frame, but words where the answer will be.
            page.locator("#video-verdict").get_by_text("The answer appears here once you upload a clip").wait_for()
            assert page.locator("#video-timeline").is_hidden() and page.locator("#video-frame").is_hidden()
            # Nothing uploaded yet: the button waits for a clip (a click mid-upload answered "No video yet").
            assert page.get_by_role("button", name="Check the video").is_disabled()
            assert "ready once the upload has finished" in page.locator("#video-limits").inner_text()  # says why
            assert page.locator("#video-report").count() == 0 or page.locator("#video-report").is_hidden()  # no answer
            page.locator("#video-input input[type=file]").set_input_files(str(mixed_clip))
            page.locator("#video-input video").wait_for(state="attached", timeout=30_000)  # uploaded (see below)
            # The keyboard's focus waits on the button, not at the page's top (the upload button went with the upload).
            page.wait_for_function("document.activeElement?.id === 'video-check-button'", timeout=10_000)
            page.wait_for_timeout(500)  # the button's colour eases from grey
            ratio = page.locator("#video-check-button").evaluate(BUTTON_CONTRAST_JS)
            assert ratio >= 4.5, ratio  # the theme's orange was 3.6:1 under its white words
            page.keyboard.press("Enter")
            # While it is checked, the answer's place says so and holds the focus (it fell to the page's body).
            page.locator("#video-verdict").get_by_text("Checking the video…").wait_for(timeout=10_000)
            assert page.evaluate("document.activeElement?.id") == "video-verdict"
            box = page.locator("#video-verdict-box")
            box.wait_for(timeout=90_000)
            verdict = box.get_attribute("data-verdict")
            live = page.locator("#video-verdict [role=status][aria-live=polite]")  # read out, as a photo's is
            assert live.count() == 1 and live.locator("#video-verdict-box").count() == 1
            assert verdict in ("real", "fake", "unsure")
            text = box.inner_text()
            assert "2 faces followed" in text and "read from the 10.0 s clip" in text
            contrasts = page.evaluate(CONTRAST_JS, "video-verdict-box")  # readable in the dark theme too
            assert contrasts and all(ratio >= 4.5 for _, ratio in contrasts), contrasts
            page.locator("#video-timeline svg.marks").first.wait_for(timeout=30_000)
            # The band's edges are drawn in grey, the legend lists the faces only, and the caption says it all
            # in words: each face's answer and scores, and the lines (the chart itself is hidden from screen
            # readers, which read its tick numbers as its name).
            chart = page.locator("#video-timeline svg.marks").first
            assert chart.locator('path[stroke="#b4b9c2"]').count() >= 2
            assert "face 1" in chart.text_content() and "97.1%" not in chart.text_content()
            titles = chart.locator(".role-legend-title").all_text_contents()
            assert not "".join(titles).strip(), titles  # no stray title above the faces ("line" was one)
            assert chart.get_attribute("aria-hidden") == "true"
            words = page.locator("#video-timeline .caption").inner_text()
            share = r"(\w+ \(fake [<>]?[\d.]+%\)|fake [<>]?[\d.]+%)"  # "real (fake 8%)" or "fake 99.8%"
            assert re.match(rf"Fake probability per frame read: face 1, {share}, from \d+ frames \(", words), words
            assert 'Grey lines mark where "fake" starts (97.1%) and "real" ends (19.2%)' in words
            assert page.locator("#video-timeline .caption").evaluate("e => getComputedStyle(e).textAlign") == "left"
            frame = page.locator('#video-frame img[src*="gradio_api/file="]')
            frame.wait_for(timeout=30_000)
            assert re.match(r"The video frame with .* numbered, captioned: face [12]: ", frame.get_attribute("alt"))
            before = reports_in(flags_folder)
            # The report, named after the video for a screen reader's list of controls, status read out;
            # of its two faces (tracks), which answer is wrong is asked first, then what it should have been.
            assert page.get_by_role("radiogroup", name="Which answer is wrong?", exact=True).count() == 1
            assert [t.split(":")[0] for t in page.locator("#video-report-face label").all_inner_texts()] == [
                "the video's answer", "face 1", "face 2"]
            assert page.get_by_role("radiogroup", name="It should have been:", exact=True).count() == 1
            assert page.get_by_role("button", name="Report the video's answer as wrong").count() == 1
            assert page.locator("#video-flag-status[role=status][aria-live=polite]").count() == 1
            page.locator("#video-should-be").get_by_label("unsure", exact=True).check()
            page.locator("#video-report").click()
            page.locator("#video-flag-status").get_by_text("Thank you: report").wait_for(timeout=30_000)
            assert len([p for p in reports_in(flags_folder) if p not in before]) == 1
            page.get_by_role("button", name="Reported", exact=True).wait_for(timeout=10_000)  # done with
            assert page.locator("#video-report").is_disabled()
            page.locator("#video-check").screenshot(path=str(ARTIFACTS / "video-check.png"))
            # Another file takes the old answer with it at once; one that is no video is explained in the box.
            not_video = tmp_path / "notes.mp4"
            not_video.write_text("this is not a video")
            page.locator("#video-input").get_by_role("button", name="Clear").click()
            box.wait_for(state="detached", timeout=5_000)
            assert page.get_by_role("button", name="Check the video").is_disabled()  # no clip, nothing to check
            assert page.locator("#video-timeline svg.marks").count() == 0
            page.locator("#video-input input[type=file]").set_input_files(str(not_video))
            page.locator("#video-verdict-box[data-verdict=error]").wait_for(timeout=30_000)  # as it arrives
            assert page.locator("#video-verdict-box").inner_text().startswith("This video can't be checked")
            assert page.get_by_role("button", name="Check the video").is_disabled()  # again would refuse again
            page.locator("#video-result-data").get_by_text("The video's answer as data (JSON)").click()
            page.locator("#video-result-data").get_by_text("not a video file").wait_for(timeout=5_000)  # as data too
            page.locator("#video-report").wait_for(state="hidden", timeout=10_000)  # nothing to report
            # The player says it can't play the file in its own place, not in an error toast over the answer.
            page.locator("#video-input video.unplayable").wait_for(state="attached", timeout=10_000)
            note = page.evaluate("getComputedStyle(document.querySelector('#video-input video.unplayable')"
                                 ".parentElement, '::after').content")
            assert "Your browser can't play this file; if it is a video, Deforgify can still check it" in note, note
            trim = page.locator('#video-input button[aria-label^="Trim video"]')
            assert trim.count() == 1 and trim.is_hidden()  # trimming a clip it cannot play never ended
            assert page.get_by_test_id("toast-text").all_inner_texts() == []
            outputs = page.locator("#video-verdict, #video-timeline, #video-frame")
            assert outputs.get_by_text("Error", exact=True).count() == 0  # no red pills on the outputs
            # An answer without a chart or frame (an error, or no face) hides their empty boxes ...
            assert page.locator("#video-timeline").is_hidden() and page.locator("#video-frame").is_hidden()
            # A file the browser plays but that has no picture (audio only) says so too, not an empty player.
            page.locator("#video-input").get_by_role("button", name="Clear").click()
            page.locator("#video-input input[type=file]").set_input_files(str(write_audio_only(tmp_path / "talk.mp4")))
            page.locator("#video-input video.unplayable").wait_for(state="attached", timeout=30_000)
            assert page.locator('#video-input button[aria-label^="Trim video"]').is_hidden()
            # A check still running when its clip is replaced never shows its answer beside the new one.
            wide, _ = small_face_in_a_large_photo(astronaut, 70, size=(1920, 1080), at=(1200, 600))
            slow = write_opencv(tmp_path / "wide.webm", lambda i: wide, 250)  # every frame looked at closer
            page.locator("#video-input").get_by_role("button", name="Clear").click()
            page.locator("#video-input input[type=file]").set_input_files(str(slow))
            page.locator("#video-input video").wait_for(state="attached", timeout=30_000)  # uploaded
            # ... and a new clip keeps them hidden until its answer, whose place says so, as before the first check.
            assert page.locator("#video-timeline").is_hidden() and page.locator("#video-frame").is_hidden()
            page.locator("#video-verdict").get_by_text("The answer appears here once you upload a clip of a face "
                                                       "and check it.").wait_for(timeout=5_000)
            page.get_by_role("button", name="Check the video").click()
            running = page.locator("#video-verdict .progress-text")
            running.wait_for(timeout=10_000)  # the check has started (about 5 s: every frame looked at closer)
            page.locator("#video-input").get_by_role("button", name="Clear").click()
            page.locator("#video-input input[type=file]").set_input_files(str(not_video))
            page.wait_for_timeout(20_000)  # ... and has finished (its progress text goes with the clip)
            shown = page.locator("#video-verdict-box")  # the new file's refusal as it arrived, not the old answer
            assert shown.count() == 1 and shown.get_attribute("data-verdict") == "error", shown.inner_text()
            assert shown.inner_text().startswith("This video can't be checked")
        finally:
            browser.close()


def test_a_clip_too_long_is_refused_as_it_arrives_and_its_button_stays_off(app_url, tmp_path) -> None:
    """A visitor's 6-minute clip was refused only once "Check the video" was pressed, and at each
    press after: its header says so as it arrives, and the button stays off until another clip."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    long_clip = write_opencv(tmp_path / "long.mp4", lambda i: np.full((48, 64, 3), i % 255, np.uint8), 301, fps=1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(app_url)
            page.locator("#video-input input[type=file]").wait_for(state="attached", timeout=60_000)
            page.locator("#video-input input[type=file]").set_input_files(str(long_clip))
            page.locator("#video-verdict-box[data-verdict=error]").get_by_text(
                "Video too long: 5:01 min (limit 5:00 min).").wait_for(timeout=30_000)  # nothing pressed
            assert page.get_by_role("button", name="Check the video").is_disabled()
        finally:
            browser.close()


def test_on_a_phone_the_videos_answer_comes_into_view(app_url, mixed_clip, tmp_path) -> None:
    """The answer lands below the button on a phone's one column: its place is brought into view
    as the check starts, the button saying "Checking the video…" meanwhile (nothing on the screen
    changed while the progress was drawn below it), and the answer is scrolled into view, as a
    photo's is; the deciding frame's label does not cover the frame; a file that is no video is
    named in words, which stay under the input until the next clip."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(app_url)
            page.locator("#video-input input[type=file]").wait_for(state="attached", timeout=60_000)
            page.locator("#video-input input[type=file]").set_input_files(str(mixed_clip))
            page.locator("#video-input video").wait_for(state="attached", timeout=30_000)
            check = page.get_by_role("button", name="Check the video")
            check.scroll_into_view_if_needed()
            page.evaluate("(b) => window.scrollBy(0, b.getBoundingClientRect().bottom - window.innerHeight + 8)",
                          check.element_handle())  # the button at the screen's foot: the answer starts below it
            page.evaluate("""() => new MutationObserver(() => {
                const button = document.getElementById('video-check-button');
                if (window.checking || button.textContent.trim() !== 'Checking the video…') return;
                const place = document.getElementById('video-verdict').getBoundingClientRect();
                window.checking = {disabled: button.disabled, top: place.top, height: window.innerHeight};
            }).observe(document.body, {childList: true, subtree: true, characterData: true})""")
            check.click()
            box = page.locator("#video-verdict-box")
            box.wait_for(timeout=90_000)
            seen = page.evaluate("window.checking")
            assert seen and seen["disabled"] and -1 < seen["top"] < seen["height"] / 2, seen  # a fraction of a pixel
            again = page.get_by_role("button", name="Check the video")
            again.wait_for(timeout=10_000)
            assert again.is_enabled()
            page.wait_for_function("() => { const r = document.getElementById('video-verdict-box')"
                                   ".getBoundingClientRect(); return r.top >= -1 && r.top < window.innerHeight / 2; }",
                                   timeout=10_000)
            # The deciding frame's label sits above the frame, not over its corner (and a caption drawn there).
            frame = page.locator("#video-frame img")
            frame.wait_for(timeout=30_000)
            label = page.locator('#video-frame [data-testid="block-label"]').bounding_box()
            assert label["y"] + label["height"] <= frame.bounding_box()["y"] + 1
            (tmp_path / "notes.txt").write_text("not a video")
            page.locator("#video-input").get_by_role("button", name="Clear").click()
            page.locator("#video-input input[type=file]").set_input_files(str(tmp_path / "notes.txt"))
            refusal = ('notes.txt is not a video file this page takes: choose an MP4, WebM, MOV, MKV or AVI clip '
                       '(an animated GIF, PNG or WebP, like a photo, goes under "Check a photo", which checks it as a '
                       'clip).')
            page.get_by_test_id("toast-text").get_by_text(refusal).wait_for(timeout=10_000)
            assert page.locator("#video-input-refused").inner_text() == refusal  # said under the input too
            assert page.get_by_test_id("toast-body").is_visible()  # the notice, open (it closes itself after 10 s)
            big = tmp_path / "big.mp4"  # over the upload limit: Gradio's "190.7 Mb" and a red "Error", no reason
            with big.open("wb") as file:
                file.truncate(VIDEO_MAX_BYTES + 1_000_000)  # sparse: nothing written
            page.locator("#video-input input[type=file]").set_input_files(str(big))
            too_large = "big.mp4 is too large to upload: a clip may be at most 200 MB and 5 minutes."
            page.get_by_test_id("toast-text").get_by_text(too_large).wait_for(timeout=10_000)
            assert page.locator("#video-input-refused").inner_text() == too_large
            page.locator("#video-input input[type=file]").set_input_files(str(mixed_clip))  # until the next clip,
            page.locator("#video-input-refused").wait_for(state="detached", timeout=5_000)
            page.wait_for_function("() => !document.querySelector('[data-testid=toast-body]')",
                                   timeout=2_000)  # which closes the notices
        finally:
            browser.close()


def test_photo_and_video_checks_share_two_places_whichever_handler_takes_them(tmp_path, mixed_clip,
                                                                            astronaut_jpeg) -> None:
    """Gradio limits each handler on its own unless they share a concurrency id: /predict and
    /predict_video (and the page's own handlers) ran up to 2 each, 4 or more checks on 2 cores."""
    import threading
    import time

    from gradio_client import Client, handle_file

    from deforgify.app.page import build_demo
    from deforgify.feedback import FeedbackStore
    from test_app import free_port

    detector, lock, running, most = Detector.load(), threading.Lock(), [0], [0]
    inside = threading.local()  # a photo's answer calls judge too: one check counted once

    def counted(method):
        def call(*args, **kwargs):
            if getattr(inside, "check", False):
                return method(*args, **kwargs)
            inside.check = True
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                time.sleep(0.5)  # long enough for every request sent at once to be let in if allowed
                return method(*args, **kwargs)
            finally:
                inside.check = False
                with lock:
                    running[0] -= 1
        return call

    detector.answer_and_pixels = counted(detector.answer_and_pixels)
    detector.judge = counted(detector.judge)
    demo = build_demo(detector, FeedbackStore(tmp_path / "flags"))
    port = free_port()
    demo.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        local = Client(f"http://127.0.0.1:{port}/", verbose=False)
        jobs = [local.submit(handle_file(str(astronaut_jpeg)), api_name="/predict") for _ in range(3)]
        jobs += [local.submit(handle_file(str(mixed_clip)), api_name="/predict_video") for _ in range(2)]
        rows = [job.result(timeout=120)[-1] for job in jobs]
    finally:
        demo.close()
    assert ["duration" in row for row in rows] == [False] * 3 + [True] * 2 and all(row["label"] for row in rows)
    assert most[0] == 2, f"{most[0]} checks ran at once"
