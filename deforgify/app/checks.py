"""Checking a photo or a clip, for the page and the API alike: the answer, its pictures, and
an id to report it by; a refusal as ``gr.Error`` with its reason's code."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import gradio as gr
import numpy as np
from PIL import Image

from deforgify.app.about_model import model_line
from deforgify.app.api_errors import NO_FILE, SEND_A_FILE
from deforgify.app.log import log
from deforgify.app.verdict_box import banner, overruled, shows_close_up, shows_heatmap
from deforgify.decode.images import InvalidImageError
from deforgify.detector import Detector
from deforgify.explain.drawing import draw_faces, with_footer
from deforgify.explain.words import MEANINGS, WORDS
from deforgify.feedback import Answers
from deforgify.model.calibration import NO_FACE
from deforgify.refusals import INTERNAL_ERROR, Coded
from deforgify.video.frames import Limits

OUTPUT_FOLDER = Path(gr.utils.get_upload_folder()) / "deforgify"

CHECKS: dict[str, Any] = {"concurrency_id": "checks", "concurrency_limit": 2}
"""Every check, photo or video, page or API, in one group of two (Gradio limits each handler on
its own unless they share an id: five handlers ran up to ten checks at once): one request per CPU
core, one decoding and finding faces while the other's model call (two LiteRT threads) runs."""

VIDEO_MAX_BYTES = 200_000_000
"""The largest clip the page checks (a photo: :data:`deforgify.decode.images.MAX_FILE_BYTES`); no upload may be larger."""


@contextlib.contextmanager
def faults_said(what: str) -> Iterator[None]:
    """Any unexpected exception while a ``what`` ("photo", "video") is read, judged or drawn, said
    as a fault of this program, not of the file, in words with a reference to quote; the
    exception itself only in the log, with its traceback (its text can hold the server's paths:
    a full disk's "No space left on device: '/tmp/gradio/...'" reached the page). A refusal
    (``gr.Error``) passes as it is."""
    try:
        yield
    except gr.Error:
        raise
    except Exception as error:  # noqa: BLE001  a fault of ours: said so, never Gradio's bare "Error"
        reference = uuid.uuid4().hex[:8]
        log(f"fault {reference}: could not check a {what}: {type(error).__name__}: {error}\n{traceback.format_exc()}")
        raise gr.Error(f"This {what} could not be checked: Deforgify failed on it ({type(error).__name__}, logged "
                       f"as fault {reference}). This is a fault of Deforgify, not of the file; please report it, "
                       f"quoting fault {reference}.", duration=None, title=INTERNAL_ERROR,
                       print_exception=False) from None


def make_check(detector: Detector, answers: Answers) -> Callable[[Optional[str]], tuple]:
    calibration = detector.config.calibration
    line = model_line(detector)

    def check(image: Optional[str]) -> tuple:
        """The answer for one photo: (verdict, summary, faces, heatmap, result, prediction,
        close-up), the close-up of the deciding face only without a heatmap, when that face is
        small in the photo (:func:`shows_close_up`)."""
        if image is None:
            raise gr.Error(f"No photo arrived: send one as a file {SEND_A_FILE}", duration=None, title=NO_FILE,
                           print_exception=False)  # the page never calls with none
        with faults_said("photo"):
            return judged(image)

    def judged(image: str) -> tuple:
        try:
            answered, rgb = detector.answer_and_pixels(image)  # read from the upload as sent: metadata intact
        except InvalidImageError as error:
            log(f"refused as a photo: {error}")
            raise gr.Error(f"This file can't be checked: {error}.", duration=None, title=error.code,
                           print_exception=False) from None
        prediction, provenance, row = answered.prediction, answered.provenance, answered.to_json()
        row |= checked(image)
        row["answer_id"] = answers.issue(image, dict(row))
        heatmap = (face_picture(detector.heatmap(rgb, prediction, legend=False), row, line, "heatmap")
                   if shows_heatmap(prediction, calibration.threshold) else None)
        bars = None if overruled(row) or prediction.caution else prediction.confidences  # not what decided
        close_up = (face_picture(detector.close_up(rgb, prediction), row, line, "face")
                    if shows_close_up(prediction, max(rgb.shape[:2]), heatmap is not None) else None)
        answer = ((WORDS[row["label"]], bars), banner(prediction, provenance, calibration, line),
                  answer_picture(draw_faces(rgb, prediction, overruled(row), calibration=calibration), row, line),
                  heatmap, row, prediction, close_up)
        if max(rgb.shape[:2]) >= LARGE_SIDE:
            release_free_memory()
        return answer

    return check


LARGE_SIDE = 2048
"""After a photo this large (its working copy's longer side), freed memory is handed back."""


@functools.cache
def _libc() -> Any:
    return ctypes.CDLL("libc.so.6")


def release_free_memory() -> None:
    """Hand the memory freed by a large photo back to the system. glibc keeps freed blocks in
    the arena of the thread that used them, and Gradio answers on many threads: a 36-megapixel
    upload took the app from 317 to 361 MB resident, four more to 492 MB; trimmed, 317, 317 and
    319 MB (``test_memory_returns_near_its_baseline_after_a_burst_of_large_uploads``). Nothing to
    do off glibc."""
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):
        pass


def make_predict(detector: Detector, answers: Answers) -> Callable[[Optional[str]], tuple]:
    check = make_check(detector, answers)

    def predict(image: Optional[str]) -> tuple[tuple[str, Optional[dict[str, float]]], str, str,
                                                Any, dict]:
        """Tell whether the face in a photo is real or fake (generated by AI, or manipulated).

        Every face found is scored; the most suspicious one decides (a face without colour or
        see-through, not judged, keeps the photo from "real"). Works best on one clear,
        frontal face at least {min_face_width} pixels wide, in colour and not see-through (a
        smaller face, one without colour or a partly transparent one is "unsure", with the
        reason); without a face there is no verdict ("no face"). The file's own metadata is read
        too (C2PA Content Credentials, XMP, PNG generator settings, camera EXIF): a declared AI
        origin makes the verdict "fake", decided by provenance. A file that cannot be checked
        is an error with the reason.

        Args:
            image: The photo to check: a JPEG, PNG, WebP, HEIC, AVIF, BMP, TIFF or still GIF showing a face.

        Returns:
            verdict: the label ("real", "fake", "unsure" or "no face") and the confidences of each.
            summary: the verdict box (HTML): verdict, what it is based on, the file's origin, a caution.
            faces: the photo with every judged face boxed and captioned with its own verdict.
            heatmap: where in the deciding face the evidence for "fake" lies (Grad-CAM), or null.
            result: the answer as data: label, confidences, faces, provenance, answer_id and the model.
        """
        return check(image)[:5]

    predict.__doc__ = (predict.__doc__ or "").replace("{min_face_width}", str(detector.config.min_face_width))
    return predict


def checked(path: str) -> dict[str, str]:
    """When a file was checked (UTC) and its SHA-256: what a journalist quoting an answer cites
    beside it, to show which file it was of and when."""
    with open(path, "rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    return {"checked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "file_sha256": digest}


def answer_picture(rgb: np.ndarray, row: dict, model: str) -> str:
    """An answer's picture (faces boxed) saved with a strip under it saying the answer, when, and
    the model that gave it (``model``, a model line), named so too, ending in the start of its
    answer id: downloaded and shared, it said "fake 99.8%" on a face and nothing else."""
    stamp = row["checked_at"].replace(":", "").replace("-", "")
    name = f"deforgify-{row['label'].replace('_', '-')}-{stamp}"
    return save_output(with_footer(rgb, footer_lines(row, model)), name, row.get("answer_id", "")[:12])


def footer_lines(row: dict, model: str, of: str = "") -> list[str]:
    """The words under an answer's picture (``of``: a picture of its deciding face, "heatmap" or
    "close-up", says so): the answer, when, and the model; "real" with what it means (stamped
    "real" alone, a picture read as proof that the person was real: a walk); "no face" with
    nothing judged, not as evidence to weigh (a walk's find)."""
    when = row["checked_at"].replace("T", " ").removesuffix("Z") + " UTC"
    answer = WORDS[row["label"]] + (f" ({MEANINGS['real']})" if row["label"] == "real" else "")
    what = f" {of} of the deciding face; the photo's answer" if of else ""
    weight = "Nothing was judged." if row["label"] == NO_FACE else "Evidence to weigh, not proof."
    return [f"Deforgify{what}: {answer}, {when}. {weight}", f"Answered by {model}"]


def face_picture(rgb: np.ndarray, row: dict, model: str, kind: str) -> str:
    """The deciding face's heatmap (``kind`` "heatmap") or close-up ("face") saved with the
    answer's strip under it, saying what it is: downloaded, it said neither the answer, nor
    when, nor which model (a visitor's find)."""
    of = "heatmap" if kind == "heatmap" else "close-up"
    return save_output(with_footer(rgb, footer_lines(row, model, of)), f"deforgify-{kind}", row["answer_id"][:12])


def save_output(rgb: np.ndarray, name: str = "deforgify", unique: str = "") -> str:
    """Write an output image as a JPEG inside Gradio's cache, under ``name`` and a part of its own
    (``unique``, the start of an answer id, or random).

    Returning an array would make Gradio write it to a path derived from its content, in place:
    two users sent the same picture would rewrite a file while the other is downloading it.
    """
    OUTPUT_FOLDER.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_FOLDER / f"{name}-{unique or uuid.uuid4().hex[:12]}.jpg"
    Image.fromarray(rgb).save(path, quality=90)
    return str(path)


VIDEO_LIMITS = Limits(max_seconds=300, max_bytes=VIDEO_MAX_BYTES, time_limit=60)
"""Clips over 5 minutes or 200 MB are refused, and decoding stops after 60 s."""


def video_refused(error: Coded, when: str = "") -> gr.Error:
    """A clip's refusal (an InvalidVideoError) as the page and the API say it, logged (``when``:
    " on arrival", its header read as it came)."""
    log(f"refused as a video{when}: {error}")
    return gr.Error(f"This video can't be checked: {error}.", duration=None, title=error.code, print_exception=False)


def make_judge_clip(detector: Detector, answers: Answers) -> Callable[[Optional[str]], tuple[dict, Optional[str]]]:
    """A clip's answer as data and its deciding frame drawn (None without a face), the answer
    given an id for a report; refusals as ``gr.Error`` with the reason's code as their title.
    For the video's answer, and for an animated picture sent as a photo."""
    from deforgify.video.frames import InvalidVideoError, Sampling, frame_at
    from deforgify.video.judge import score_video
    from deforgify.video.present import deciding_frame_numbers, deciding_frame_prediction

    line = model_line(detector)

    def judge_clip(clip: Optional[str]) -> tuple[dict, Optional[str]]:
        if clip is None:
            raise gr.Error(f"No video arrived: send one as a file {SEND_A_FILE}", duration=None, title=NO_FILE,
                           print_exception=False)
        with faults_said("video"):
            return judged(clip)

    def judged(clip: str) -> tuple[dict, Optional[str]]:
        try:
            video = score_video(detector, clip, Sampling(), VIDEO_LIMITS)
        except InvalidVideoError as error:
            raise video_refused(error) from None
        row = video.to_json() | checked(clip)
        frame = None
        shown_at = row["deciding_frame"]["t"] if row["deciding_frame"] else 0.0
        shown = frame_at(clip, shown_at, VIDEO_LIMITS.time_limit)
        if shown:  # what a report keeps: the frame as judged, not the clip
            row["answer_id"] = answers.issue(clip, dict(row), frame_at=shown_at)
        if shown and row["deciding_frame"]:  # captioned with the faces' numbers of the words and the timeline
            drawn, numbers = deciding_frame_prediction(row, shown.scale), deciding_frame_numbers(row)
            boxed = draw_faces(shown.rgb, drawn, numbers=numbers, calibration=detector.config.calibration)
            frame = answer_picture(boxed, row, line)
        release_free_memory()  # its frames were decoded whole
        return row, frame

    return judge_clip
