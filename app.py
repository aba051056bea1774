"""Deforgify's Gradio app: is the face in this photo real or fake?

    python app.py            # http://127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT to change)

Space variables: DEFORGIFY_MODEL (Hub repo OWNER/NAME[@REVISION] or a folder; default: the
bundled model), HF_TOKEN (secret: a private model repo, and a flag dataset), DEFORGIFY_EXAMPLES
(a folder of example photos; default: examples/), DEFORGIFY_FLAGS (folder for "wrong verdict"
reports; default: flagged/), DEFORGIFY_FLAG_DATASET (Hub dataset OWNER/NAME to send them to as
well), DEFORGIFY_FLAG_MAX_PER_HOUR (default 20), DEFORGIFY_FLAG_MAX_MB (the folder's size limit,
default 500), DEFORGIFY_FLAG_KEEP_DAYS (reports older are deleted, default 90).
"""

from __future__ import annotations

import base64
import ctypes
import functools
import html
import inspect
import json
import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported


def load_detector(reference: Optional[str]) -> Detector:
    """The detector for ``reference``, ready to answer at once (run once on a blank image); the
    bundled model, with the reason logged, if it fails."""
    from deforgify.detector import Detector
    from deforgify.model.folder import ModelLoadError
    from deforgify.model.source import HubRefusal, bundled_source

    try:
        detector = Detector.load(reference, fallback=True)  # the page says so, and the log
        for warning in detector.warnings:
            print(f"warning: {warning}", flush=True)
    except ModelLoadError as error:  # the reason goes to the log; visitors see no server paths
        print(f"warning: {error}; using the bundled model", flush=True)
        why = f": {error}" if isinstance(error, HubRefusal) else ""  # names the repo alone
        detector = Detector.from_source(bundled_source(
            f"the configured model could not be loaded{why}; the bundled model answers instead"))
    detector.warm_up()
    return detector


# The model loads (LiteRT: a fraction of a second; a Hub model may need a download, or Keras and
# TensorFlow for a folder without model.tflite) in a thread while Gradio imports and the page is
# built: a cold start costs about the longer of the two, not their sum.
_detector = ThreadPoolExecutor(1).submit(load_detector, os.environ.get("DEFORGIFY_MODEL") or None)

import gradio as gr  # noqa: E402
from gradio_client.utils import is_http_url_like  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from pydantic import ConfigDict, model_validator  # noqa: E402

from deforgify.decode import MAX_FILE_BYTES, InvalidImageError  # noqa: E402
from deforgify.detector import Detector, Prediction  # noqa: E402
from deforgify.explain import (BACKGROUNDS, CAUTIONS, COLOURS, WORDS, describe_faces, draw_faces,  # noqa: E402
                               explain, headline, hex_colour, shown_places)
from deforgify.feedback import (ANSWER_LIFETIME, SHOULD_BE, Answers, ClientQuota, FeedbackError,  # noqa: E402
                                FeedbackStore, NotNow, NotSaved, choices_against, save_report)
from deforgify.heatmap import LEGEND, colour_stops, where  # noqa: E402
from deforgify.model.calibration import NO_FACE, UNSURE, Calibration  # noqa: E402
from deforgify.model.facts import HELD_OUT_HEADING, at_a_glance, held_out_accused, metrics_in  # noqa: E402
from deforgify.model.source import card_url  # noqa: E402
from deforgify.provenance import (NO_PROVENANCE, Provenance, apply_to_row, deciding_claim,  # noqa: E402
                                  headline as provenance_line)
from deforgify.refusals import ANIMATED_IMAGE  # noqa: E402
from deforgify.video.frames import Limits  # noqa: E402

OUTPUT_FOLDER = Path(gr.utils.get_upload_folder()) / "deforgify"
CACHE_LIFETIME = (ANSWER_LIFETIME, ANSWER_LIFETIME)
"""Every hour, delete cached uploads and outputs older than an hour; an answer can be reported
for that hour (:data:`deforgify.feedback.ANSWER_LIFETIME`), while its photo is still here."""
QUEUE_SIZE = 64
CHECKS = {"concurrency_id": "checks", "concurrency_limit": 2}
"""Every check, photo or video, page or API, in one group of two (Gradio limits each handler on
its own unless they share an id: five handlers ran up to ten checks at once): one request per CPU
core, one decoding and finding faces while the other's model call (two LiteRT threads) runs."""
VIDEO_MAX_BYTES = 200_000_000
"""The largest clip the page checks (a photo: :data:`MAX_FILE_BYTES`); no upload may be larger."""
REPORTS = {"concurrency_id": "reports", "concurrency_limit": 1}
"""Reports, from either section's button or the API, saved one at a time."""
EXAMPLES = {
    "real-astronaut.jpg": ("Real portrait", "real"),
    "real-photographer.jpg": ("Real photo (greyscale)", "real"),
    "gan-stylegan2.jpg": ("GAN face (StyleGAN2)", "fake"),
    "face-swap.jpg": ("Face swap", "fake"),
    "no-face-coffee.jpg": ("No face", NO_FACE),
    "two-faces.jpg": ("Two faces", None),
}
"""Each example's caption and the answer its kind should get (None: no single one)."""
ERROR = "error"
"""The verdict box's state when a file could not be checked."""
PRIVACY = (
    "**Privacy.** Photos and videos are kept for at most two hours to show you the answer, then deleted. "
    "Nothing is kept longer unless you report an answer as wrong: then the photo's pixels (of a video, "
    "one frame: the one that decided, or the first of a clip without a face; metadata, such as camera "
    "details and GPS location, removed), the answer, the model version "
    "and what you said it should have been are kept for up to {days} days to improve the model, "
    "then deleted. The report's id is shown when it is saved: to have a report deleted sooner, "
    "write to the maintainers of this app (on a Hugging Face Space: its Community tab) quoting the id."
)
VIDEO_PRIVACY = ("**Privacy of clips.** A clip is kept for at most two hours to show you the answer, then deleted. A report "
                 "keeps one frame of it (the one that decided, or the first of a clip without a face), never the "
                 "clip, as the privacy note under the photo says.")
VIDEO_ORIGIN = "Provenance: {picture}'s own metadata (such as Content Credentials) is not read yet."
"""Said of a clip's file (``picture``: "a video", "an animated picture")."""
CHECK_AGAIN = "Check this photo again"


def described(cls: type) -> type:
    """Class decorator: the component's "Use via API" description (and ``view_api()``'s) is its
    ``api_description``, in the product's words rather than Gradio's generic ones, and its type
    admits null where the class says ``api_nullable`` (Gradio typed a heatmap that is often None
    as a plain ``filepath``). Not a mixin base: Gradio names a template component's widget after
    its first base class."""
    inherited = cls.api_info

    def api_info(self) -> dict[str, Any]:
        text = self.api_description
        info = inherited(self)
        if getattr(self, "api_nullable", False):
            definitions = {"$defs": info.pop("$defs")} if "$defs" in info else {}
            info = {"anyOf": [info, {"type": "null"}], **definitions}
        return {**info, "description": text, "additional_description": text}

    cls.api_info = api_info
    return cls


def taking_text(model: type, data_urls: bool = False) -> type:
    """Gradio's upload data ``model``, refusing in words (see :func:`sent_as_text`) whatever is
    not a file uploaded to this app: a plain string (a path or URL sent without ``handle_file``),
    any other value that is not a file's data (a number, a list), a link, and a file's data naming
    a path on the server that was never uploaded. Gradio's own validation error reached the
    caller as "The upstream Gradio app has raised an exception"; and Gradio checks that a path was
    uploaded only when the data carries its ``meta`` marker, so without it any image on the server
    was read and shown back (``{"path": "/srv/photo.jpg"}``). ``data_urls``: whether an inline
    ``data:`` URL is taken (a photo's is; Gradio cannot take a video so)."""

    class Upload(model):
        model_config = ConfigDict(title=model.__name__)

        @model_validator(mode="before")
        @classmethod
        def _uploaded(cls, value: Any) -> Any:
            if value is None or isinstance(value, model):
                return value
            if isinstance(value, str):
                return _refused(f"{value[:200]!r} arrived as text, not as a file")
            if not isinstance(value, dict):
                return _refused(f"{_json_kind(value)} ({repr(value)[:200]}) arrived, not a file")
            path, url = value.get("path"), value.get("url")
            if path:
                if not isinstance(path, str) or not _uploaded_here(path):
                    return _refused(not_uploaded(str(path)))
                return {**value, "meta": {"_type": "gradio.FileData"}}
            if isinstance(url, str) and url.startswith("data:"):
                return value if data_urls else _refused(f"{url[:40]!r}… is a clip sent inline, which Gradio "
                                                        "cannot take for a video")
            return _refused(not_uploaded(str(url)) if url else "the file's data names no file")

    return Upload


def not_uploaded(path: str) -> str:
    """Why a file's data naming ``path`` is refused: a link (the app fetches none), or a path that
    was never uploaded here."""
    if is_http_url_like(path):
        return f"{path[:200]!r} is a link, which this app does not fetch"
    return f"{path[:200]!r} is not a file uploaded to this app"


def _json_kind(value: Any) -> str:
    """What ``value`` is, in JSON's words: a caller sent JSON, not Python."""
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"


def _refused(reason: str) -> dict:
    """An upload with no file whose name is why it was refused (see :func:`sent_as_text`)."""
    return {"path": "", "orig_name": reason, "meta": {"_type": "gradio.FileData"}}


def _uploaded_here(path: str) -> bool:
    """Whether ``path`` lies in Gradio's upload folder, where uploads and examples are kept."""
    from gradio.utils import get_upload_folder

    try:
        return Path(path).resolve().is_relative_to(Path(get_upload_folder()).resolve())
    except (OSError, ValueError):  # a name no file can have (a NUL byte, too long)
        return False


SEND_A_FILE = "(gradio_client: handle_file(path))"
"""How a program sends a file, said wherever a call sent none."""
NO_FILE, NOT_A_FILE, WRONG_ARGUMENTS, BAD_CHOICE = "no_file", "not_a_file", "wrong_arguments", "bad_choice"
REPORT_REFUSED, REPORT_NOT_SAVED, TRY_AGAIN_LATER = "report_refused", "report_not_saved", "try_again_later"
"""The codes of the API's refusals that are not about a file's content (those are
:data:`deforgify.refusals.CODES`), given as the error's ``title``: stable, where its words may change."""


def error_row(error: gr.Error) -> dict:
    """A refusal as the page's answer as data: as a command-line row for a file not judged."""
    return {"error": str(error.message), "error_code": error.title}


def not_a_file(kind: str, reason: str) -> gr.Error:
    """The refusal of a call whose ``kind`` ("file", "video") is not a file uploaded here."""
    return gr.Error(f"This {kind} can't be checked: {reason}: send the file itself {SEND_A_FILE}",
                    title=NOT_A_FILE, print_exception=False)


def sent_as_text(payload: Any, kind: str) -> None:
    """Refuse what :func:`taking_text` turned into an upload with no file."""
    if payload is not None and not payload.path and not payload.url:
        raise not_a_file(kind, payload.orig_name)


class CheckedBlocks(gr.Blocks):
    """``gr.Blocks`` checking a call's inputs in Deforgify's words before Gradio does: a call
    missing an argument or with one too many (ignored before), and a file's data naming a path
    on the server that was never uploaded (with Gradio's meta marker; without it,
    :func:`taking_text` refuses it), or a link
    (``handle_file("https://…")``: Gradio would fetch it, and answer a loopback or private
    address with "Hostname … failed validation" and a traceback in the log). Gradio's own
    messages showed a caller the components' Python reprs (``[<__main__.ImageFile object at
    0x7f...>]``) and the server's absolute paths (``Cannot move /srv/app/photo.jpg to the gradio
    cache dir``)."""

    def validate_inputs(self, block_fn: Any, inputs: list[Any]) -> None:
        if len(inputs) != len(block_fn.inputs):
            raise gr.Error(f"{takes(block_fn)}; {len(inputs)} arrived", title=WRONG_ARGUMENTS, print_exception=False)
        for block, value in zip(block_fn.inputs, inputs):
            path = value.get("path") if isinstance(value, dict) else None
            if isinstance(path, str) and path and not _uploaded_here(path):
                kind = "video" if isinstance(block, VideoFile) else "file"
                raise not_a_file(kind, not_uploaded(path))
        super().validate_inputs(block_fn, inputs)


def parameter_names(block_fn: Any) -> list[str]:
    """The names an endpoint's values are given by (its function's, as Gradio's API page shows them)."""
    return list(inspect.signature(block_fn.fn).parameters)[:len(block_fn.inputs)]


def takes(block_fn: Any) -> str:
    """"/flag takes 2 values (answer_id, should_be)"."""
    names = parameter_names(block_fn)
    return f"/{block_fn.api_name} takes {len(names)} value{'s' * (len(names) > 1)} ({', '.join(names)})"


@described
class ImageFile(gr.Image):
    """``gr.Image`` (same widget) that hands the uploaded file to Deforgify undecoded, so that
    every unreadable, animated, oversized or tiny file gets Deforgify's own specific message
    instead of a decoding error raised inside Gradio."""

    is_template = True
    api_description = ("the photo to check, uploaded as a file (gradio_client: handle_file(path)): a JPEG, "
                       "PNG, WebP, HEIC, AVIF, BMP, TIFF or still GIF image showing a face")

    data_model = taking_text(gr.Image.data_model, data_urls=True)

    def preprocess(self, payload):
        sent_as_text(payload, "file")
        if payload is not None and (payload.url or "").startswith("data:"):
            return self._inline_file(payload.url)
        return payload.path if payload is not None else None

    def _inline_file(self, url: str) -> str:
        """A photo sent inline as a ``data:`` URL, written to Gradio's cache byte for byte (and
        deleted with it). Decoded and saved again by Gradio, it lost its metadata (an AI label in
        a PNG chunk no longer decided), got another verdict than the same file uploaded, and a
        64-megapixel PNG was decoded whole before Deforgify's size check could refuse it."""
        from gradio.processing_utils import save_base64_to_cache

        try:
            path = save_base64_to_cache(url, self.GRADIO_CACHE)
        except ValueError:  # binascii.Error among them
            raise not_a_file("file", "its data: URL holds no base64 data") from None
        self.temp_files.add(path)
        return path

    def example_payload(self) -> Any:
        """What the "Use via API" page's snippet sends: the caller's own photo."""
        return {"path": "photo.jpg", "meta": {"_type": "gradio.FileData"}}

    def example_value(self) -> Any:
        return "photo.jpg"


@described
class Verdict(gr.Label):
    """``gr.Label`` (same widget) whose headline is Deforgify's verdict, "unsure" and "no face"
    included, rather than whichever class has the higher confidence; its confidences real first,
    as everywhere (Gradio sorts them by size)."""

    is_template = True
    api_description = ('label: the verdict as the page words it, "real", "fake", "unsure" or "no face" '
                       '(result.label says no_face); confidences: the pixel model\'s calibrated confidences '
                       'of "real" and "fake", in that order (summing to 1; null without a face, when the deciding '
                       'face was not judged (result\'s faces say why) and when the file\'s own provenance decided '
                       'the verdict: result keeps them)')

    def postprocess(self, value):
        if not value:
            return super().postprocess(value)
        verdict, confidences = value
        data = super().postprocess(confidences if confidences else verdict)
        data.label = verdict
        if data.confidences:
            data.confidences.sort(key=lambda c: list(confidences).index(c.label))
        return data


@described
class Summary(gr.HTML):
    """The verdict box (HTML), inside a live region that screen readers announce."""

    is_template = True
    api_description = ("the verdict box as HTML: the verdict and what it means, the two percentages, what it "
                       "is based on, what the file says of its origin, a caution, the model that answered")


@described
class FacesImage(gr.Image):
    is_template = True
    api_description = ("the photo with every judged face boxed and captioned with its own verdict (numbered "
                       "as in result.faces when there are several, the deciding face's box thick)")


@described
class HeatmapImage(gr.Image):
    is_template = True
    api_nullable = True
    api_description = ("where in the deciding face the evidence for \"fake\" lies (Grad-CAM, inferno colour "
                       "scale, brightness scaled by that face's fake probability); only when the pixel model "
                       "judged it fake, or unsure while leaning fake; otherwise null")


@described
class VideoFile(gr.Video):
    is_template = True
    api_description = ("the video to check, uploaded as a file (gradio_client: handle_file(path)): an MP4, "
                       "WebM, MOV, MKV or AVI clip, or an animated GIF, PNG, WebP or AVIF, of at most 5 minutes "
                       "and 200 MB")
    data_model = taking_text(gr.Video.data_model)

    def preprocess(self, payload):
        sent_as_text(payload, "video")
        return super().preprocess(payload)

    def example_payload(self) -> Any:
        """What the "Use via API" page's snippet sends: the caller's own clip (not a URL on GitHub)."""
        return {"path": "clip.mp4", "meta": {"_type": "gradio.FileData"}}

    def example_value(self) -> Any:
        return "clip.mp4"


@described
class VideoSummary(gr.HTML):
    is_template = True
    api_description = ("the verdict box as HTML: the verdict and what it means, the two percentages, what it "
                       "is based on (the faces followed and their frames), a caution, the model that answered")


@described
class Timeline(gr.LinePlot):
    is_template = True
    api_nullable = True
    api_description = ("each face's fake probability over time, as plot data: rows of \"time (s)\", "
                       "\"fake probability\" and \"face\" (face 1, 2, ...); null without a face")

    def api_info(self) -> dict[str, Any]:
        """Its type on the API page (Gradio's own says Any)."""
        return {"type": "object", "properties": {
            "columns": {"type": "array", "items": {"type": "string"}},
            "data": {"type": "array",
                     "items": {"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "string"}]}}},
            "datatypes": {"type": "object", "additionalProperties": {"type": "string"}},
            "mark": {"type": "string"}}}


@described
class DecidingFrame(gr.Image):
    is_template = True
    api_nullable = True
    api_description = ("the frame that decided, every face boxed with its verdict over the clip; null without "
                       "a face")


@described
class VideoResultJSON(gr.JSON):
    is_template = True
    api_description = ("the answer as data: label, confidences, face, faces (one per face track: track, box, "
                       "label, confidences, frames, start, end, peak_t, caution, sustained_run, fake_frames), "
                       "decided_by and pixels (as in /predict's result), duration, width, height, rotation, frames "
                       "(the timeline: t, label, confidences, faces, left_out), deciding_frame (t, track, box), "
                       "sampling, complete, note, provenance (claim \"none\": videos' metadata is not read), "
                       "model (as in /predict's result) and answer_id (to quote when reporting the answer as "
                       "wrong, /flag, for an hour)")

    def api_info(self) -> dict[str, Any]:
        """Its fields' types on the API page (Gradio's own says Any)."""
        return {"type": "object", "properties": VIDEO_RESULT_TYPES}


BOX_OR_NULL = {"anyOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "null"}]}
"""A box [x, y, width, height], or null without a face."""
CONFIDENCES_OR_NULL = {"anyOf": [{"type": "object", "additionalProperties": {"type": "number"}}, {"type": "null"}]}
"""{"real": ..., "fake": ...}, or null without a face."""
FRAME_OR_NULL = {"anyOf": [{"type": "object", "properties": {
    "t": {"type": "number"}, "track": {"type": "integer"}, "box": {"type": "array", "items": {"type": "integer"}}}},
    {"type": "null"}]}
"""A video's deciding frame (its time, face track and box), or null without a face."""
STRING_OR_NULL = {"anyOf": [{"type": "string"}, {"type": "null"}]}
"""Words, or null when there is nothing to say (a video's ``note`` when it was read whole)."""
VIDEO_RESULT_TYPES = {
    "kind": {"type": "string"}, "label": {"type": "string"}, "confidences": CONFIDENCES_OR_NULL,
    "face_found": {"type": "boolean"}, "face": BOX_OR_NULL,
    "faces": {"type": "array", "items": {"type": "object"}}, "decided_by": {"type": "string"},
    "pixels": {"type": "object"}, "duration": {"type": "number"},
    "width": {"type": "integer"}, "height": {"type": "integer"}, "rotation": {"type": "integer"},
    "frames": {"type": "array", "items": {"type": "object"}},
    "deciding_frame": FRAME_OR_NULL, "sampling": {"type": "object"}, "complete": {"type": "boolean"},
    "note": STRING_OR_NULL, "provenance": {"type": "object"}, "model": {"type": "object"},
    "answer_id": {"type": "string"}}


RESULT_FIELDS = {
    "label": 'the verdict: "real", "fake", "unsure" or "no_face"',
    "decided_by": '"pixels" or "provenance" (a declared AI origin decides "fake")',
    "confidences": 'calibrated confidences of "real" and "fake" of the deciding face, from its pixels; null '
                   'without a face. The verdict is label, not these: they can lean the other way where the file\'s '
                   'provenance decided, or the deciding face was not judged (its caution says why: no colour, '
                   'seen through, too small) or its score lies in the unsure band',
    "face_found": "whether a face was judged",
    "face": "the deciding face's box [x, y, width, height], in the photo's own pixels",
    "deciding_face": "index into faces of the face that decided; null without a face",
    "width": "the photo's own width in pixels, upright as shown (the frame of the boxes)",
    "height": "the photo's own height in pixels, upright as shown",
    "faces": "every judged face: box, label, confidences, caution (why a face is unsure whatever its "
             "confidences, e.g. too small to judge), turned (degrees it was turned clockwise to stand upright "
             "before it was judged)",
    "left_out": "how many more faces were found and not judged, nor listed in faces (under 40 px and narrower "
                "than a third of the largest, or beyond the 8 largest): the verdict does not cover them",
    "pixels": "the pixel model's own label and confidences",
    "provenance": "what the file's metadata says of its origin: claim, evidence, valid, trusted",
    "model": "reference, revision (Hub commit, or sha256: and 12 hex digits over its config.json and weights "
             "files), architecture, library_version, trained (date), threshold and unsure_band [low, high] "
             "as used for this answer (a fake probability strictly inside the band is \"unsure\", leaning "
             "fake from the threshold; outside it, \"real\" below and \"fake\" above), min_face_width (the "
             "least face width in pixels it judges)",
    "answer_id": "the id to quote when reporting this answer as wrong (/flag), for an hour",
}


RESULT_TYPES = {"label": {"type": "string"}, "decided_by": {"type": "string"}, "face_found": {"type": "boolean"},
                "face": BOX_OR_NULL, "deciding_face": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "confidences": CONFIDENCES_OR_NULL, "width": {"type": "integer"}, "height": {"type": "integer"},
                "faces": {"type": "array", "items": {"type": "object"}}, "left_out": {"type": "integer"},
                "answer_id": {"type": "string"}}


class ResultJSON(gr.JSON):
    is_template = True

    def api_info(self) -> dict[str, Any]:
        return {"type": "object", "properties": {name: {**RESULT_TYPES.get(name, {"type": "object"}), "description": text}
                                                 for name, text in RESULT_FIELDS.items()},
                "description": "the answer as data, for programs (each field described in its type)"}

    def example_payload(self) -> Any:
        return {"label": "real", "answer_id": "0123456789abcdef0123456789abcdef"}

    def example_value(self) -> Any:
        return self.example_payload()


@described
class AnswerId(gr.Textbox):
    """The answer id of /predict's result, as /flag takes it."""

    is_template = True
    api_description = "the answer_id from /predict's or /predict_video's result (valid for an hour, once)"

    def example_payload(self) -> Any:
        return "0123456789abcdef0123456789abcdef"

    def example_value(self) -> Any:
        return self.example_payload()


@described
class ShouldBe(gr.Radio):
    is_template = True
    api_description = "what the answer should have been"

    def preprocess(self, payload):
        """An answer that is not one of the choices is refused in the report's own words (Gradio's
        said "Value: 'maybe' (type: <class 'str'>) is not in the list of choices")."""
        choices = [value for _, value in self.choices]
        if payload is not None and payload not in choices:
            raise gr.Error(f"Say what the answer should have been ({', '.join(choices)}), not {payload!r}; "
                           "nothing was stored.", title=BAD_CHOICE, print_exception=False)
        return super().preprocess(payload)


@described
class ReportStatus(gr.Markdown):
    is_template = True
    api_description = ("the saved report's id (quote it to have the report deleted); a refused report is an "
                       "error with the reason, and nothing is stored")


PROVENANCE_CAUTION = ("Evidence to weigh, not proof: the file's own metadata declares this, and anyone can write "
                      "such metadata into a photo; never use this alone to accuse anyone. Metadata is easily "
                      "removed too, so a photo without it is not shown to be real.")
DECLARED = {"ai_generated": "its file declares it made by AI", "ai_edited": "its file declares it edited with AI"}
"""What a verdict decided by the file's provenance means: not signs found in the face (the pixel
model may have found none), but what the file says of itself."""


def overruled(row: dict) -> bool:
    """Whether the file's own provenance decided an answer's verdict: the pixel model's words,
    bars and captions then say they are its own."""
    return row["decided_by"] == "provenance"


def banner(prediction: Prediction, provenance: Provenance = NO_PROVENANCE,
           calibration: Optional[Calibration] = None, model: str = "") -> str:
    """The verdict box: the verdict in its colour with what it means, the pixel model's two
    percentages (real first; none for a face too small or without colour to judge, whose scores
    are not used), what the verdict is based on, what the file says of its origin, a caution, and
    the model that answered (``model``, a :func:`model_line`)."""
    row = apply_to_row(prediction.to_json(), provenance)
    label, by_provenance = row["label"], overruled(row)
    pixels = explain(prediction, calibration, advise=not by_provenance)
    bars = _bars(prediction.confidences, calibration) if prediction.confidences and not prediction.caution else ""
    origin = (f'<p class="provenance" data-claim="{provenance.claim}" style="margin:6px 0 4px 0">'
              f"{html.escape(provenance_line(provenance))}</p>")
    if by_provenance:  # what decides comes first; the pixel model's bars follow, named as its own
        pixels = f"The pixel model alone says: {pixels[0].lower()}{pixels[1:]}"
        body = origin + f'<p style="margin:0 0 4px 0">{html.escape(pixels)}</p>' + bars
    else:
        body = bars + f'<p style="margin:6px 0 4px 0">{html.escape(pixels)}</p>' + origin
    title = (f"{WORDS[label].capitalize()}: {DECLARED[deciding_claim(provenance)]}" if by_provenance
             else headline(label, prediction.caution, any(not score.caution for score in prediction.scores)))
    return _box(
        label, title,
        body + f'<p style="margin:0;font-size:0.9em">'
        f"{html.escape(PROVENANCE_CAUTION if by_provenance else CAUTIONS[label])}</p>" + answered_by(model),
        f'data-decided-by="{row["decided_by"]}"',
    )


def video_banner(row: dict, calibration: Calibration, model: str, lead: str = "",
                 element_id: str = "video-verdict-box", picture: str = "video") -> str:
    """A video's verdict box, as :func:`banner` for a photo: the verdict, the deciding track's
    percentages (none for a face not judged), what it rests on (after ``lead``), that the clip's
    metadata is not read, a caution, and the model that answered; the clip named a ``picture``
    ("animated picture" for one sent as a photo: a visitor read "Treat the video as unverified"
    of the GIF they had uploaded as a photo)."""
    from deforgify.video.present import deciding_track, explain_video

    label, caution = row["label"], (deciding_track(row) or {}).get("caution")
    said = f"{lead} {explain_video(row, calibration)}" if lead else explain_video(row, calibration)
    return _box(label, headline(label, caution, any(not track["caution"] for track in row["faces"])),
                (_bars(row["confidences"], calibration) if row["confidences"] and not caution else "")
                + f'<p style="margin:6px 0 4px 0">{html.escape(said)}</p>'
                f'<p class="provenance" data-claim="none" style="margin:0 0 4px 0">'
                f'{html.escape(VIDEO_ORIGIN.format(picture=("an " if picture[0] in "aeiou" else "a ") + picture))}</p>'
                f'<p style="margin:0;font-size:0.9em">{html.escape(CAUTIONS[label].replace("photo", picture))}</p>'
                + answered_by(model), element_id=element_id)


def answered_by(model: str) -> str:
    """The line naming the model that answered, so that a saved screenshot still says it."""
    return (f'<p class="answered-by" style="margin:4px 0 0 0;font-size:0.8em;color:#404040">'
            f"Answered by {html.escape(model)}</p>") if model else ""


def _box(label: str, title: str, body: str, attributes: str = "", element_id: str = "verdict-box") -> str:
    edge, background = (hex_colour(COLOURS[label]), hex_colour(BACKGROUNDS[label])) if label != ERROR \
        else (hex_colour(COLOURS["fake"]), "#ffffff")
    return (
        f'<div id="{element_id}" data-verdict="{label}" {attributes} '
        f'style="border-left:10px solid {edge};background:{background};color:#1a1a1a;padding:12px 16px;'
        f'border-radius:8px"><div class="verdict-word" style="font-size:1.6em;font-weight:700;color:{edge};'
        f'line-height:1.2">{html.escape(title)}</div>{body}</div>'
    )


CHECK_A_VIDEO = "Check a video"
"""The video section's heading, where a photo refused as a video or an animation is sent."""
SMALLER_COPY = "Try a smaller copy of the photo: fewer pixels, or saved as a JPEG."
PHOTO_ADVICE = (
    ("image too large", SMALLER_COPY),
    ("file too large", SMALLER_COPY),
    ("image too small", "Try a larger photo of the face."),
    ("wrong aspect ratio", "Try the whole photo, or a crop around the face."),
    ("not an image file: it is a video", f"Check it under \u201c{CHECK_A_VIDEO}\u201d, below."),
    ("animated image", f"Save it as an MP4 and check it under \u201c{CHECK_A_VIDEO}\u201d, below."),
)
"""What to do about a photo refused for these reasons (the reason's first words); any other
reason: try another photo (:func:`error_box`'s default)."""


def error_box(message: str, kind: str = "file", advice: Optional[str] = None,
              element_id: str = "verdict-box") -> str:
    """The verdict box for an error's message (the API's words, "This file can't be checked: the
    reason", become the title and the reason) with what to do about it."""
    title = f"This {kind} can't be checked"
    reason = message.removeprefix(f"{title}: ").removesuffix(".")
    advice = advice or next((tip for start, tip in PHOTO_ADVICE if reason.lower().startswith(start)),
                            "Try a JPEG, PNG, WebP or HEIC photo of a face.")
    return _box(ERROR, title,
                f'<p style="margin:6px 0 0 0">{html.escape(reason[:1].upper() + reason[1:])}.</p>'
                f'<p style="margin:4px 0 0 0;font-size:0.9em">{html.escape(advice)}</p>', element_id=element_id)


def _bars(confidences: dict[str, float], calibration: Optional[Calibration] = None) -> str:
    """The two shares as bars, to the decimals that tell the fake share from a band edge beside it
    (:func:`deforgify.explain.shown_places`), each with a mark where its answer starts (a visitor
    read "fake 89%" in a long red bar under "Unsure" as a firm answer)."""
    places = shown_places(confidences["fake"], calibration)
    starts = answer_starts(calibration)
    rows = []
    for name in ("real", "fake"):
        share = confidences[name]
        colour = hex_colour(COLOURS[name])
        mark = (f'<span class="starts" style="position:absolute;left:{starts[name]:.1%};top:-4px;width:3px;'
                f'height:18px;background:#1f1f1f"></span>' if name in starts else "")
        rows.append(
            f'<div class="share" data-label="{name}" style="display:flex;align-items:center;gap:8px;margin:2px 0">'
            f'<span style="width:3em">{name}</span><span style="flex:1;position:relative;background:#fff;'
            f'border:1px solid #767676;border-radius:4px;height:10px"><span style="display:block;width:{share:.1%};'
            f'height:10px;background:{colour};border-radius:4px"></span>{mark}</span><b class="percent" '
            f'style="width:{3 + places}em;text-align:right">{share:.{places}%}</b></div>'
        )
    if starts:
        mark = ('<span style="display:inline-block;width:3px;height:0.9em;background:#1f1f1f;'
                'vertical-align:middle"></span>')
        rows.append(f'<div class="starts-key" style="font-size:0.85em;color:#404040">{mark} the mark a bar must reach '
                    f'for its answer ("real" {starts["real"]:.1%}, "fake" {starts["fake"]:.1%}); neither reaches it: '
                    '"unsure"</div>')
    # Hidden from screen readers: the sentence under the bars says both percentages again.
    return f'<div aria-hidden="true" style="margin:6px 0;max-width:28em">{"".join(rows)}</div>'


def answer_starts(calibration: Optional[Calibration]) -> dict[str, float]:
    """The share at which each answer starts: "real" from 1 - the band's lower edge (80.8%),
    "fake" from its upper edge (97.1%); none without a band."""
    if calibration is None or calibration.unsure_high <= calibration.unsure_low:
        return {}
    return {"real": 1 - calibration.unsure_low, "fake": calibration.unsure_high}


def scroll_into_view(element_id: str) -> str:
    """JavaScript bringing the element into view when it is off the screen (a phone's, mostly),
    and giving it the keyboard's focus when the focus was lost (on the page's body: the upload
    button it was on went with the upload; or on a button now disabled, as the report button
    once it has reported), so the next Tab goes on from the answer."""
    return f"""() => {{
  const box = document.getElementById('{element_id}');
  if (!box) return;
  const rect = box.getBoundingClientRect();
  if (rect.top < 0 || rect.bottom > window.innerHeight) box.scrollIntoView({{block: 'start'}});
  const active = document.activeElement;
  if (!active || active === document.body || active.disabled) {{
    box.tabIndex = -1;
    box.focus({{preventScroll: true}});
  }}
}}"""


SCROLL_TO_VERDICT = scroll_into_view("verdict-box")


def shows_heatmap(prediction: Prediction, threshold: float) -> bool:
    """A heatmap only where it explains a suspicion: the deciding face judged fake by the
    pixels, or unsure while leaning fake (at or above the threshold); never for a face too
    small to judge, nor without a face."""
    if prediction.face is None or prediction.caution:
        return False
    return prediction.label == "fake" or (prediction.label == UNSURE and prediction.confidences["fake"] >= threshold)


def heatmap_alt(prediction: Prediction) -> str:
    """The heatmap's alt text: where in the deciding face's picture the evidence for "fake" lies."""
    decisive, fake = prediction.deciding_score, (prediction.confidences or {}).get("fake", 0.0)
    place = f": {where(decisive.cam)}" if decisive and decisive.cam is not None else ""
    return (f"Heatmap of the deciding face, bright where the evidence for 'fake' lies{place}; as bright as "
            f"its fake probability ({fake:.0%})")


def heatmap_legend(fake: float) -> str:
    stops = ", ".join(colour_stops())
    return (
        '<div id="heatmap-legend" style="color:#1a1a1a;font-size:0.95em">'
        '<p style="margin:0 0 4px 0"><b>How to read the heatmap</b></p>'
        f'<div aria-hidden="true" style="height:12px;max-width:16em;border:1px solid #767676;'
        f'background:linear-gradient(to right, {stops})"></div>'
        '<div aria-hidden="true" style="display:flex;justify-content:space-between;max-width:16em;'
        'font-size:0.85em"><span>no evidence</span><span>strong evidence</span></div>'
        f'<p style="margin:4px 0 0 0">{html.escape(LEGEND)} This face: fake {fake:.0%}.</p>'
        "<p style=\"margin:4px 0 0 0\">Where the model looked, not proof of what was changed.</p></div>"
    )


def make_check(detector: Detector, answers: Answers) -> Callable[[Optional[str]], tuple]:
    calibration = detector.config.calibration
    line = model_line(detector)

    def check(image: Optional[str]) -> tuple:
        """The answer for one photo: (verdict, summary, faces, heatmap, result, prediction)."""
        if image is None:
            raise gr.Error(f"No photo arrived: send one as a file {SEND_A_FILE}", duration=None, title=NO_FILE,
                           print_exception=False)  # the page never calls with none
        try:
            answered, rgb = detector.answer_and_pixels(image)  # read from the upload as sent: metadata intact
        except InvalidImageError as error:
            print(f"rejected upload: {error}", flush=True)
            raise gr.Error(f"This file can't be checked: {error}.", duration=None, title=error.code,
                           print_exception=False) from None
        prediction, provenance, row = answered.prediction, answered.provenance, answered.to_json()
        row["answer_id"] = answers.issue(image, {k: v for k, v in row.items()})
        heatmap = (save_output(detector.heatmap(rgb, prediction, legend=False))
                   if shows_heatmap(prediction, calibration.threshold) else None)
        bars = None if overruled(row) or prediction.caution else prediction.confidences  # not what decided
        answer = ((WORDS[row["label"]], bars), banner(prediction, provenance, calibration, line),
                  save_output(draw_faces(rgb, prediction, overruled(row), calibration=calibration)), heatmap, row,
                  prediction)
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

    predict.__doc__ = predict.__doc__.replace("{min_face_width}", str(detector.config.min_face_width))
    return predict


def make_page_check(detector: Detector, answers: Answers, again: bool = False
                    ) -> Callable[[Optional[str], gr.Request], tuple]:
    """What the page runs when a photo arrives or is checked again: the answer, or the reason in
    the verdict box (no toast, no error marks; no empty picture box under it, which read as a
    picture that failed to load); the result images with alt text; the heatmap
    and its legend only when the heatmap explains something; the answer id for a report.
    ``again``: for the re-check button, which checks even a photo already answered."""
    check = make_check(detector, answers)
    as_clip = make_page_clip(detector, answers)
    unchanged = tuple(gr.skip() for _ in range(9))

    def page_check(image: Optional[str], request: gr.Request) -> tuple:
        if image is None:
            return cleared()
        if not again and LATEST_PHOTO.answered(request, image):
            return unchanged  # the browser's second change event for the same photo
        try:
            answer = check(image)
        except gr.Error as error:
            answer = error  # a file that cannot be checked is answered too, in words
        clip = as_clip(image) if isinstance(answer, gr.Error) and answer.title == ANIMATED_IMAGE else None
        if not LATEST_PHOTO.is_latest(request, image):  # a newer photo (or none) is on the page
            return unchanged
        LATEST_PHOTO.mark_answered(request, image)  # a second change event does not check it again
        if clip is not None:
            return clip
        if isinstance(answer, gr.Error):
            return (None, error_box(str(answer.message)), gr.update(value=None, alt_text=None, visible=False),
                    gr.update(value=None, visible=False), error_row(answer),  # as the CLI's rows
                    gr.update(value="", visible=False), "", "", None)
        verdict, summary, faces, heatmap, row, prediction = answer
        fake = prediction.confidences["fake"] if prediction.confidences else 0.0
        return (
            verdict, summary,
            gr.update(value=faces, visible=True,
                      alt_text=describe_faces(prediction, overruled(row), calibration=detector.config.calibration)),
            gr.update(value=heatmap, visible=heatmap is not None,
                      alt_text=heatmap_alt(prediction) if heatmap else None),
            row,
            gr.update(value=heatmap_legend(fake) if heatmap else "", visible=heatmap is not None),
            row["answer_id"], "", gr.update(value=None, choices=choices_against(row["label"])),
        )

    return page_check


def make_page_clip(detector: Detector, answers: Answers) -> Callable[[str], Optional[tuple]]:
    """The photo's outputs (as :func:`make_page_check` gives them) for an animated picture sent
    as a photo, checked as a clip: the video's verdict box, saying so first, its deciding frame
    in the faces' place, its answer as data and a report; None when the clip cannot be checked
    either (the photo's refusal stands). The video uploader refuses such a file in the browser
    (Gradio takes video types only there), so the page had told a visitor to convert it."""
    from deforgify.video.present import deciding_track, describe_deciding_frame

    judge_clip, line = make_judge_clip(detector, answers), model_line(detector)

    def as_clip(image: str) -> Optional[tuple]:
        try:
            row, frame = judge_clip(image)
        except gr.Error:
            return None
        lead = "An animated picture, so it was checked as a clip, frame by frame."
        box = video_banner(row, detector.config.calibration, line, lead=lead, element_id="verdict-box",
                           picture="animated picture")
        unused = (deciding_track(row) or {}).get("caution")  # a face not judged: its scores are not the answer
        return ((WORDS[row["label"]], None if unused else row["confidences"]), box,
                gr.update(value=frame, visible=frame is not None,
                          alt_text=describe_deciding_frame(row, detector.config.calibration) if frame else None),
                gr.update(value=None, visible=False), row, gr.update(value="", visible=False),
                row.get("answer_id", ""), "", gr.update(value=None, choices=choices_against(row["label"])))

    return as_clip


class LatestUpload:
    """The photo (or clip) each browser session shows now, recorded the moment it changes (before
    any check), so that a check that finishes after a newer upload arrived leaves the page alone
    (an answer is never shown beside another photo or clip), and the second of the two change
    events the browser sends for one new photo does not check it again. Bounded: the oldest
    sessions are forgotten."""

    def __init__(self, limit: int = 10_000):
        from collections import OrderedDict
        from threading import Lock

        self._sessions: "OrderedDict[str, list]" = OrderedDict()  # [photo, changes, changes when answered]
        self._lock, self.limit = Lock(), limit

    def record(self, image: Optional[str], request: gr.Request) -> None:
        with self._lock:
            entry = self._sessions.setdefault(request.session_hash, [None, 0, -1])
            if entry[0] != image or image is None:  # a repeated event for the same photo changes nothing
                entry[0], entry[1] = image, entry[1] + 1
            self._sessions.move_to_end(request.session_hash)
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)

    def is_latest(self, request: gr.Request, image: str) -> bool:
        with self._lock:
            entry = self._sessions.get(request.session_hash)
            return entry is None or entry[0] == image

    def answered(self, request: gr.Request, image: str) -> bool:
        """Whether ``image`` was answered since the page last changed (its answer is on the page)."""
        with self._lock:
            entry = self._sessions.get(request.session_hash)
            return entry is not None and entry[0] == image and entry[2] == entry[1]

    def mark_answered(self, request: gr.Request, image: str) -> None:
        with self._lock:
            entry = self._sessions.get(request.session_hash)
            if entry is not None and entry[0] == image:
                entry[2] = entry[1]


LATEST_PHOTO = LatestUpload()
LATEST_CLIP = LatestUpload()


def place_says(words: str) -> str:
    """What an answer's place says while there is no answer in it (styled by ``p.awaiting``)."""
    return f'<p class="awaiting">{words}</p>'


AWAITING_PHOTO = place_says("The answer appears here once you choose a photo of a face, or click an example.")
AWAITING_CLIP = place_says("The answer appears here once you upload a clip of a face and check it.")
"""The answer's place before there is a photo (a clip): words, not empty picture boxes."""
CHECKING_AGAIN = place_says("Checking the photo again…")
"""The answer's place while a photo is checked again: the same answer coming back changed nothing
in the live region, so a screen reader said nothing of the check."""


def cleared() -> tuple:
    """Every output of a check emptied: nothing of an earlier answer stays on the page, and no
    empty picture box either (the faces picture comes back with the next answer). The report's
    choice and status are left alone: the browser emptied them at once (CLEAR_JS), and this reply
    may come after the user chose again or tried to report."""
    return (None, AWAITING_PHOTO, gr.update(value=None, alt_text=None, visible=False),
            gr.update(value=None, visible=False), None, gr.update(value="", visible=False), "", gr.skip(), gr.skip())


CLOSE_MESSAGES = """
  document.querySelectorAll('[data-testid="toast-close"]').forEach((close) => close.click());"""
"""A JavaScript statement: Gradio's messages on the page are closed."""


def answer_area_in_view(element_id: str) -> str:
    """JavaScript statements: Gradio's messages about an earlier file closed (at the top of the
    screen, one would cover the new answer), and the answer's place brought into view when it is
    at the screen's foot or below it (a phone's, where it is under the input): the check's
    progress shows there."""
    return CLOSE_MESSAGES + f"""
  const answer = document.getElementById('{element_id}');
  if (answer && answer.getBoundingClientRect().top > window.innerHeight - 200) {{
    answer.scrollIntoView({{block: 'start'}});
  }}
"""


FORGET_REFUSAL = "document.getElementById('{input}-refused')?.remove();"
"""A JavaScript statement: the note of a file the browser refused for ``input`` (see PAGE_JS)
goes; run when the photo changes or is checked again, and when the next clip arrives (a refused
clip empties the video input: not then)."""
CLEAR_JS = """(photo) => {
  const path = photo ? (photo.path || photo.url || null) : null;
  if (path === (window.deforgifyPhoto ?? null)) return Array(11).fill({__type__: 'update'});
  window.deforgifyPhoto = path;
  """ + FORGET_REFUSAL.format(input="photo") + """
  if (path !== null) {""" + answer_area_in_view("verdict") + """  } else {  // removed: the keyboard stays on the photo
    setTimeout(() => {
      if (document.activeElement === document.body) document.querySelector('#photo button.upload-container')?.focus();
    }, 100);
  }
  const hidden = {__type__: 'update', value: null, visible: false};
  const summary = path === null ? """ + json.dumps(AWAITING_PHOTO) + """ : '';
  return [null, summary, hidden, hidden, null, hidden, '', '', null,
          {__type__: 'update', interactive: false}, {__type__: 'update', visible: false}];
}"""
"""The same, at once in the browser when the photo changes, before the server answers, with the
re-check button and the report controls put away until the new photo's answer; a second change
event for the same photo (the browser may send one late) leaves its answer alone; the
messages Gradio showed for an earlier file are closed, and on a phone the page goes to the
answer's place at once (:func:`answer_area_in_view`: the screen showed the photo alone, no sign
that anything was under way, until the answer came); a photo removed with the keyboard leaves the
focus on the empty photo box (it fell to the page's top)."""
VIDEO_CHECK_STARTED_JS = "() => {" + answer_area_in_view("video-verdict") + """
  const place = document.getElementById('video-verdict');
  if (place) { place.tabIndex = -1; place.focus({preventScroll: true}); }
}"""
"""The same when the video's check starts (its progress was drawn below a phone's screen), and the
keyboard's focus moved to the answer's place: the button it was on is disabled while the check
runs, and the focus fell to the page's body until the answer came."""
CHECKING_CLIP = place_says("Checking the video…")
"""The answer's place while a clip is checked: said in its live region (it still said "The answer
appears here once you upload a clip" for the whole check)."""


def settled(answer_id: str) -> tuple[gr.Button, gr.Column, gr.Button, Any]:
    """The re-check button and the report controls once the page has settled: usable and shown
    for a photo with an answer; not for a file that cannot be checked (it would only fail again)
    or an empty photo."""
    return (gr.Button(interactive=bool(answer_id)), answer_shown(answer_id), *report_ready())


def save_output(rgb: np.ndarray) -> str:
    """Write an output image as a JPEG under a name of its own inside Gradio's cache.

    Returning an array would make Gradio write it to a path derived from its content, in place:
    two users sent the same picture would rewrite a file while the other is downloading it.
    """
    OUTPUT_FOLDER.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_FOLDER / f"{uuid.uuid4().hex}.jpg"
    Image.fromarray(rgb).save(path, quality=90)
    return str(path)


Flag = Callable[[str, str, gr.Request], str]
"""Reporting an answer as wrong: (answer id, what it should have been, the request) -> the
report's status."""


def client_of(request: Optional[gr.Request]) -> str:
    """Who sent ``request``, as far as the server can tell: the first address a proxy forwarded
    it for (a Space's proxy does), else the connection's."""
    if request is None:
        return "unknown"
    forwarded = (request.headers.get("x-forwarded-for") or "").split(",")[0].strip()
    return forwarded or (request.client.host if request.client else "unknown")


def reporter_of(request: Optional[gr.Request]) -> Optional[str]:
    """The session a report comes from, which reports a photo or clip once; None for Gradio's
    MCP tools, whose calls all share one client session."""
    if request is None or request.headers.get("x-gradio-user") == "mcp":
        return None
    return request.session_hash


def make_flag(store: FeedbackStore, answers: Answers) -> Flag:
    quota = ClientQuota(max(1, store.max_per_hour // 2))  # no one visitor takes the whole hour's quota

    def flag(answer_id: str, should_be: str, request: gr.Request) -> str:
        """Report an answer as wrong: keeps the photo's pixels (of a video, one frame; metadata
        removed), the answer, the model version and what it should have been. Only answers this
        server gave in the last hour, once each (and one per photo or clip for a session that
        checked it again); a quota bounds reports per hour (one visitor gets
        half of them at most) and their total size.

        Args:
            answer_id: The answer_id from /predict's or /predict_video's result.
            should_be: What the answer should have been: "real", "fake" or "don't know".

        Returns:
            status: the report's id (quote it to have the report deleted), or why it was refused.
        """
        if should_be not in SHOULD_BE:
            raise gr.Error(f"Say what the answer should have been ({', '.join(SHOULD_BE)}); nothing was stored.",
                           title=BAD_CHOICE, print_exception=False)  # a refusal, not a fault: no traceback in the log
        answer_id = answer_id.strip() if isinstance(answer_id, str) else answer_id  # as copied from a page
        try:
            report_id = save_report(answers, quota, store, answer_id, should_be,
                                    reporter_of(request), client_of(request))
        except NotSaved as error:
            raise gr.Error(f"The report could not be saved: {error}. Nothing was stored.",
                           title=REPORT_NOT_SAVED, print_exception=False) from None
        except NotNow as error:
            raise gr.Error(f"Not reported now: {error}. Nothing was stored.", title=TRY_AGAIN_LATER,
                           print_exception=False) from None
        except FeedbackError as error:
            raise gr.Error(f"Not reported: {error}. Nothing was stored.", title=REPORT_REFUSED,
                           print_exception=False) from None
        try:
            store.send(report_id)
            unsent = ""
        except FeedbackError as error:
            unsent = f" It is kept on this server only: {error}."
        return (f"Thank you: report {report_id} was saved.{unsent} To have it deleted sooner, write to the "
                "maintainers of this app (on a Hugging Face Space: its Community tab) quoting this id.")

    return flag


SAVED, NOT_SAVED = "✅ ", "⚠️ "
"""How the page's report status starts: a saved report and a refusal looked alike, in plain grey."""
REPORTED = "Reported"
CHOOSE_FIRST = "Choose what the answer should have been (one of the choices above), then report."


def chosen(status: str) -> Any:
    """The report's status once a choice is made: the request to choose first goes (a visitor saw
    it stay beside the choice made); any other status stays."""
    return "" if status.endswith(CHOOSE_FIRST) else gr.skip()


def report_label(picture: str = "photo") -> str:
    return f"Report the {picture}'s answer as wrong"


def report_ready(picture: str = "photo") -> tuple[gr.Button, Any]:
    """The report button and the choice as they are before a report, as they come back beside
    each new answer (updates: called inside the page's layout, it would draw a second button)."""
    return gr.Button(report_label(picture), interactive=True), gr.update(interactive=True)


def make_page_flag(flag: Flag, picture: str = "photo") -> Callable[[str, Optional[str], gr.Request], tuple]:
    """The report button's answer on the page (``picture``: what the answer was of, "photo" or
    "clip"): its status, and the button done with once the answer is reported (a second click
    replaced the thank-you, and the id to quote, with "already reported")."""
    def page_flag(answer_id: str, should_be: Optional[str], request: gr.Request) -> tuple[str, Any, Any]:
        if not answer_id:
            return (f"{NOT_SAVED}There is no answer on the page to report: check a {picture} first (a file that "
                    "can't be checked has no answer)."), gr.update(), gr.update()
        if not should_be:
            return f"{NOT_SAVED}{CHOOSE_FIRST}", gr.update(), gr.update()
        try:  # done with: the choice too (a visitor changed it after "Reported", which then said nothing)
            return (SAVED + flag(answer_id, should_be, request), gr.Button(REPORTED, interactive=False),
                    gr.update(interactive=False))
        except gr.Error as error:
            return NOT_SAVED + str(error.message), gr.update(), gr.update()

    return page_flag


def model_line(detector: Detector) -> str:
    """The model by name, version and date: ``deforgify-lite0 (bundled), Deforgify 0.1.0, trained
    2026-11-26 (revision sha256:…)``, or a Hub model as asked (``OWNER/NAME@REVISION``) and its
    commit. The bundled model is called so, as its answers' ``model.reference`` calls it (it is
    also what answers when the configured model could not be loaded)."""
    source, config, facts = detector.source, detector.config, detector.facts
    trained, revision = facts["trained"], facts["revision"]
    name = source.reference if source.repo_id else config.architecture  # a folder's path is no business of visitors
    name += " (bundled)" if facts["reference"] == "bundled" else ""
    parts = [name, f"Deforgify {config.library_version}"] + ([f"trained {trained}"] if trained else [])
    return f"{', '.join(parts)} ({f'commit {revision[:10]}' if source.revision else f'revision {revision}'})"


def header(detector: Detector) -> str:
    """Title, one line on what it does, and which model answers with a link to its card."""
    lines = [
        "# Deforgify: real or fake face?",
        "Upload a photo of a face, paste one (the clipboard button) or take one with the webcam: Deforgify "
        "checks it at once and tells whether it "
        "shows signs of a generated or manipulated face (GAN faces, face swaps). It answers \"fake\" (signs of "
        "the fakes it knows), \"real\" (no sign of them: not proof that the photo is genuine) or \"unsure\" "
        "(it cannot tell).",
        f"**Model:** {model_line(detector)} · [model card]({model_card_link(detector)})",
    ]
    metrics = metrics_in(detector.source.folder)
    glance = at_a_glance(metrics)
    if glance:  # what its answers are worth, where a first-time visitor reads (a visitor found it only in the card)
        lines.append(f"**How often it is right**, measured on photos like those it learned from, kept apart when "
                     f"it was trained (its test split: a best case): {glance}")
        held_out = held_out_accused(metrics)
        lines.append((f"{held_out}: expect" if held_out else "Expect") + " it to do worse on photos unlike those "
                     f"it learned from (the card's [held-out figures]({model_card_link(detector, HELD_OUT_HEADING)})).")
    lines += [f"> ⚠️ {warning[:1].upper()}{warning[1:]}." for warning in detector.warnings]
    return "\n\n".join(lines)


def model_card_link(detector: Detector, section: str = "") -> str:
    """The Hub page of a Hub model (unless it answers from its cached copy, the Hub away: then
    the card at the foot of this page, as any other); for the bundled model, its card in this
    Space's files, or (run elsewhere) the card shown at the foot of this page. With a
    ``section`` (a heading's words), at that heading: its anchor on the Hub, and on this page
    ``#model-card--`` and the same anchor, which the page's script opens the card at."""
    anchor = re.sub(r"[^a-z0-9 -]", "", section.lower()).strip().replace(" ", "-")
    hub = card_url(detector.source)
    space = os.environ.get("SPACE_ID")
    if hub and not detector.source.warning:
        page = hub
    elif space and detector.source.reference == "bundled":
        page = f"https://huggingface.co/spaces/{space}/blob/main/deforgify/bundled_model/README.md"
    else:
        return "#model-card" + (f"--{anchor}" if anchor else "")
    return page + (f"#{anchor}" if anchor else "")


def card_text(detector: Detector) -> str:
    """The model card without its metadata block, for the page's foot, its figures inlined."""
    folder = detector.source.folder
    path = folder / "README.md"
    text = path.read_text() if path.is_file() else "No model card."
    text = text.split("\n---\n", 1)[-1] if text.startswith("---\n") else text
    return CARD_FIGURE.sub(lambda figure: _inlined(figure, folder), text)


CARD_FIGURE = re.compile(r"!\[([^\]]*)\]\(([\w.-]+\.png)\)")
"""A figure of the card beside it in the model folder (confusion matrix, ROC and training curves)."""


def _inlined(figure: re.Match, folder: Path) -> str:
    """The figure as a data URI: the page cannot link to the model folder (its files are not
    served, and its path is the server's business); its alt text where the file is missing."""
    alt, name = figure.groups()
    picture = folder / name
    if not picture.is_file():
        return f"*({alt}: not in the model folder)*"
    return f"![{alt}](data:image/png;base64,{base64.b64encode(picture.read_bytes()).decode()})"


LIMITS = """**What it cannot do.** It was trained on a limited set of real and fake faces and can be
wrong on other cameras, heavy filters or compression, and on kinds of fakes it never saw, such as
Photoshop edits and recent diffusion generators (most of their portraits get "unsure"). A face
without colour (greyscale, or one tint such as sepia) gets "unsure": the model cannot tell fakes
without colour; so does a face seen through transparency (a PNG or WebP shown over white). "Real" means
no sign of the fakes it knows, not that a photo is genuine. "Unsure" and "no face" are honest
answers, not errors. Near the edges of its unsure band, the same face saved
another way (another format, size or compression) can move between "unsure" and a firm answer (how
often, for this model: beside the examples). In a
video, a small face beside a larger one is searched for in the first frames, on while two or
more faces show, and again in every tenth frame read: one that comes in later and is narrower
than about a thirteenth of the frame's longer side (about 100 px in a 1280 px wide clip) is found
at the next of those (within 5 s in a clip up to 32 s long; a longer clip is read in 64 frames
spread over it, so within a tenth of its length), or not at all if it leaves before; a still of
that frame, checked as a photo, is searched more closely."""

PICTURE_BUTTONS = ["download", "fullscreen"]
"""The answer's pictures can be saved and enlarged, not shared: Gradio's share button posts a
picture of someone's face to the Space's public discussions."""

FACE_COLOURS = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6"]
"""The video timeline's face lines (Vega's own category colours, which an incomplete colour map
would leave out); GUIDE_GREY draws the unsure band's edges, apart from any face."""
GUIDE_GREY = "#b4b9c2"

LIVE_REGION = '<div role="status" aria-live="polite" aria-atomic="true">${value}</div>'
"""The photo's and the video's verdict boxes sit in live regions that stay in the page, so each
new answer is read out."""
CSS = """
#verdict .prose, #verdict { color: #1a1a1a; }
:is(#verdict-box, #video-verdict-box) * { color: inherit; }
:is(#verdict-box, #video-verdict-box) { scroll-margin-top: 12px; }
#verdict, #video-verdict { min-height: 3.5em; }  /* the check's progress is drawn here: legible, not cut off */
#photo img.unreadable { display: none; }
/* While a new photo uploads, the old answer beside it is dimmed (and inert: PAGE_JS). */
body.photo-uploading #photo-answer, body.photo-uploading button#check-again { opacity: 0.35; }
:is(#verdict, #video-verdict) p.awaiting { margin: 0; color: var(--body-text-color); }  /* any theme */
p.refused { margin: 6px 0 0 0; color: var(--error-text-color); }  /* a file refused in the browser */
#photo .image-frame:has(> img.unreadable) {
  display: flex; align-items: center; justify-content: center; width: 100%; height: 100%;
}
#photo .image-frame:has(> img.unreadable)::after {
  content: "Your browser can't show this file"; color: var(--body-text-color);
}
#video-input video.unplayable { visibility: hidden; }
#video-input :has(> video.unplayable) { position: relative; }
#video-input :has(> video.unplayable)::after {
  content: "Your browser can't play this file; if it is a video, Deforgify can still check it";
  color: var(--body-text-color); padding: 0 1em;
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; text-align: center;
}
#video-input:has(video.unplayable) button:is([aria-label^="Trim video"], [aria-label^="Reset video"]) {
  display: none;
}
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;
}
#heatmap-legend-box { min-width: min(220px, 100%) !important; }
:is(button.icon-button, .source-selection button, a.download-link) { min-width: 24px; min-height: 24px; }
button.label-wrap { min-height: 24px; }
/* Gradio draws a chosen radio under the pointer as an unchosen one (white on white): kept chosen. */
input[type=radio]:checked:hover:not([disabled]) {
  background-color: var(--checkbox-background-color-selected); border-color: var(--checkbox-border-color-selected);
}
input[type=radio]:focus-visible { outline: 2px solid var(--body-text-color); outline-offset: 2px; }
:is(#faces, #heatmap, #video-frame) .icon-button-wrapper.top-panel {
  position: static; margin-left: auto; width: fit-content; box-shadow: none;
}
#model-card table {  /* wider than the screen: it scrolls, a shadow on each side with more to see */
  display: block; overflow-x: auto;
  background:
    linear-gradient(to right, var(--block-background-fill) 30%, transparent) left / 24px 100% no-repeat local,
    linear-gradient(to left, var(--block-background-fill) 30%, transparent) right / 24px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgb(0 0 0 / 25%), transparent) left / 12px 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgb(0 0 0 / 25%), transparent) right / 12px 100% no-repeat scroll;
}
#model-card table:focus-visible { outline: 2px solid var(--body-text-color); outline-offset: 2px; }
#model-card :is(td, th) { white-space: nowrap; }
#video-timeline .caption { text-align: left; }
#video-frame label[data-testid="block-label"] { position: static; }
button.primary:not(:disabled) { background: #c2410c; border-color: #c2410c; }  /* white on it: 5.2:1 */
button.primary:disabled {
  background: var(--neutral-200); border-color: var(--neutral-300); color: var(--neutral-600); opacity: 1;
  cursor: not-allowed;
}
.dark button.primary:disabled { background: var(--neutral-700); border-color: var(--neutral-600);
  color: var(--neutral-300); }  /* in a dark theme, a light grey bar read as the one button to press */
"""
"""The verdict boxes are light in a dark theme too: everything in them takes the box's dark text
colour (the dark theme's own rules for paragraphs and spans made it near-white on cream); text
given its own colour inline (the verdict word, the model line) keeps it, and brought into view
it keeps a margin from the screen's top (its top edge was cut off on a phone). The heatmap's
legend goes under the heatmap when it cannot be 220 px wide beside it (on a 360 px phone it was
120 px wide, its words run together; the block's own min_width did not hold). Gradio's small
buttons (a picture's remove, fullscreen and download, the photo's sources, a fold's header) are
at least 24 px each way, WCAG 2.2's least target (18-22 px, remove beside fullscreen), and the
answer's pictures have theirs above the picture, not over its top-right corner, where a face's
caption may be drawn. A visually hidden block (a section heading for screen readers) takes no
room in the layout. The model card's
tables scroll sideways on a narrow screen instead of breaking their words (letter by letter, or
after a hyphen: "dfdc-" above "faceswap"), the timeline's caption (a paragraph) is set flush
left, not centred, the deciding frame's label sits above the frame, not over its top-left corner
(where a face's caption may be drawn), and a primary button that waits (for a clip) is grey, not
a paler orange that reads as pressed."""
PAGE_JS = """<script>
document.addEventListener('error', (event) => {
  const media = event.target;
  if (media.tagName === 'IMG' && media.closest('#photo')) media.classList.add('unreadable');
  const video = media.tagName === 'SOURCE' ? media.parentElement : media;
  if (video?.tagName === 'VIDEO' && video.closest('#video-input')) {
    video.classList.add('unplayable');
    event.stopImmediatePropagation();  // not also Gradio's "Video not playable" error toast
  }
}, true);
document.addEventListener('load', (event) => event.target.classList?.remove('unreadable'), true);
document.addEventListener('loadeddata', (event) => {  // played, unless it has no picture (audio only)
  const media = event.target;
  const blind = media.tagName === 'VIDEO' && media.videoWidth === 0 && media.closest('#video-input');
  media.classList?.toggle('unplayable', Boolean(blind));
}, true);
document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[href^="#model-card"]');
  if (!link) return;
  event.preventDefault();
  const card = document.getElementById('model-card');
  const content = card?.querySelector('[data-testid="accordion-content"]');
  if (content && content.style.display === 'none') card.querySelector('button.label-wrap').click();
  // "#model-card--sources-never-seen-...": at that heading (a visitor's link to the held-out figures
  // opened the card's top); the anchor as the Hub makes it from the heading's words.
  const anchor = link.getAttribute('href').split('--').slice(1).join('--');
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/ /g, '-');
  setTimeout(() => {  // once the opened card has its height; the focus goes there too, or Tab jumps back up
    const headings = [...(card?.querySelectorAll('h1, h2, h3') ?? [])];
    const heading = anchor ? headings.find((h) => slug(h.textContent) === anchor) : null;
    (heading ?? card)?.scrollIntoView({block: 'start'});
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({preventScroll: true});
    } else {
      card?.querySelector('button.label-wrap')?.focus({preventScroll: true});
    }
  }, 150);
});
// A model card's table wider than the screen is a keyboard stop, so that arrow keys can scroll it.
const wideTables = new ResizeObserver((entries) => {
  for (const {target} of entries) {
    if (target.scrollWidth > target.clientWidth + 1) target.setAttribute('tabindex', '0');
    else target.removeAttribute('tabindex');
  }
});
// Gradio's own status region for screen readers announces "common.complete", a key its
// translations lack, a while after an answer (a visitor heard it); the verdict box, a live region
// of its own, has said what happened. Such words are emptied in place (Gradio keeps writing there),
// watched in that region alone: the page's timer rewrites its text ten times a second.
const unkeyed = (region) => {
  const words = document.createTreeWalker(region, NodeFilter.SHOW_TEXT);
  while (words.nextNode()) if (/^\\s*common\\.[a-z_]+\\s*$/.test(words.currentNode.data)) words.currentNode.data = '';
};
new MutationObserver(() => {
  document.querySelectorAll('.sr-only[role=status]:not([data-unkeyed])').forEach((region) => {
    region.dataset.unkeyed = '';
    unkeyed(region);
    new MutationObserver(() => unkeyed(region)).observe(region, {childList: true, subtree: true, characterData: true});
  });
  document.querySelectorAll('#model-card table:not([data-watched])').forEach((table) => {
    table.dataset.watched = '';
    wideTables.observe(table);
  });
  for (const id of ['should-be', 'video-should-be']) {
    const group = document.getElementById(id);
    if (!group) continue;
    if (group.getAttribute('role') !== 'radiogroup') {
      group.setAttribute('role', 'radiogroup');
      group.setAttribute('aria-label', group.querySelector('[data-testid="block-info"]')?.textContent.trim() ?? '');
    }
    // Gradio renames a choice each time it redraws it: one name again, or arrow keys leave the group.
    group.querySelectorAll('input[type=radio]').forEach((choice) => { if (choice.name !== id) choice.name = id; });
  }
  for (const id of ['flag-status', 'video-flag-status']) {
    const status = document.getElementById(id);
    if (status && !status.hasAttribute('role')) {
      status.setAttribute('role', 'status');
      status.setAttribute('aria-live', 'polite');
    }
  }
  document.querySelectorAll('[data-testid="toast-text"]').forEach((text) => {
    const refused = text.textContent.trim().match(/^Invalid file types?: (.+)\\. Only (image|video)\\/.* allowed\\.$/);
    if (refused && refused[2] === 'image') {
      text.textContent = `${refused[1]} is not a photo: choose a JPEG, PNG, WebP or HEIC photo of a face (a clip goes under "Check a video").`;
    } else if (refused) {
      text.textContent = `${refused[1]} is not a video file this page takes: choose an MP4, WebM, MOV, MKV or AVI clip (save an animated GIF or WebP as an MP4 first; a photo goes under "Check a photo").`;
    }
    if (refused) {  // kept under the input once the message closes, until the next file
      const input = refused[2] === 'image' ? 'photo' : 'video-input';
      let note = document.getElementById(`${input}-refused`);
      if (!note) {
        note = Object.assign(document.createElement('p'), {id: `${input}-refused`, className: 'refused'});
        document.getElementById(input)?.after(note);
      }
      note.textContent = text.textContent;
    }
  });
  document.querySelectorAll('button.label-wrap').forEach((fold) => {  // an accordion's header
    const open = String(fold.classList.contains('open'));
    if (fold.getAttribute('aria-expanded') !== open) fold.setAttribute('aria-expanded', open);
    fold.querySelector('.icon:not([aria-hidden])')?.setAttribute('aria-hidden', 'true');
  });
  // A picture in the answer sits in a button that does nothing: not a keyboard stop (its text
  // alternative is still read); a download link holds a button: one stop, named.
  document.querySelectorAll('.image-container > button:not([tabindex])').forEach((frame) => {
    frame.tabIndex = -1;
    frame.setAttribute('role', 'figure');  // not announced as a button
  });
  // An upload box is named by the words it shows, which voice control users say ("click Click to
  // Upload"); Gradio named it "Drop an image file here to upload".
  document.querySelectorAll('button.upload-container').forEach((box) => {
    const shown = box.innerText.replace(/\\s+/g, ' ').trim();
    if (shown && box.getAttribute('aria-label') !== shown) box.setAttribute('aria-label', shown);
  });
  document.querySelectorAll('a.download-link:not([aria-label])').forEach((link) => {
    link.setAttribute('aria-label', link.querySelector('button')?.getAttribute('aria-label') || 'Download');
    link.querySelector('button')?.setAttribute('tabindex', '-1');
  });
  // While a new photo uploads (seconds on a slow line), the answer beside it is the old photo's: dimmed, and
  // not to be checked again or reported.
  const uploading = Boolean(document.querySelector('#photo span.uploading'));
  document.body.classList.toggle('photo-uploading', uploading);
  for (const id of ['photo-answer', 'check-again']) document.getElementById(id)?.toggleAttribute('inert', uploading);
  const photo = document.querySelector('#photo img:not([alt]), #photo img[alt=""]');
  if (photo) photo.alt = 'The photo being checked';
  document.querySelector('#video-timeline svg.marks:not([aria-hidden])')?.setAttribute('aria-hidden', 'true');
}).observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ['name', 'class']});
</script>"""
"""A file the browser cannot draw says so in the photo's place, instead of a broken-image icon
(the answer box says why it cannot be checked), and a clip it cannot play (MPEG-4 Part 2 in
Chromium, or no video at all) in the player's place, instead of an error toast over the
answer, without the player's trim and reset buttons (trimming a clip it cannot play never
ended); a file the photo's or the video's input refuses in the browser is named in plain words
("not a photo", "not a video", not "Only image/* allowed"); each fold (accordion) tells a screen
reader whether it is open (Gradio's said neither, its name ending in its arrow "▼"); the
header's "model card" link opens
the card and brings its top into view once it is open (the link's own jump happened while it
was still folded, leaving the card's title on the screen's last line). What Gradio leaves out for screen readers and keyboards is added as the
page is drawn: each report's choices form one named radio group (Gradio gave each choice a
group of its own, with no name: three tab stops, read without the question), each report's
status is a live region (its "Thank you" or reason is read out), the photo being checked
has a text alternative, the timeline's chart is left to its caption, which says in words
what it shows (the chart's own name was its tick numbers), a picture in an answer is no tab
stop (Gradio wraps it in a button that does nothing), a download link is one named stop
(it was two: a link without a name around a button), and a model card's table wider than the
screen is a stop (arrow keys scroll it) with a shadow at each side that hides more (on a
phone it was cut off with no sign that it scrolls)."""


def saved_another_way(metrics: dict[str, Any]) -> str:
    """Beside the photo input and its examples, that the same face saved another way can get
    another answer, with how often from the model's format-parity figures where it has them: a
    visitor's rotated copy of the real portrait was "real 87%" just above the example saying this
    model answers it "unsure", and read it as a contradiction (the limits at the page's foot said
    it, five phone screens down)."""
    parity = metrics.get("format_parity") or {}
    measured = (f": {parity['changed_share']:.0%} of its test faces did, across {len(parity['variants'])} ways of "
                "saving them" if {"changed_share", "variants"} <= set(parity) else "")
    return ("The same face saved another way (resized, compressed again, turned, in another format) can move "
            f"between \"unsure\" and a firm answer{measured}.")


def example_files(detector: Detector) -> tuple[list[str], list[str]]:
    """The example photos and their captions. An example the served model answers otherwise
    than its kind says is captioned with the answer it gets: a miss is said, never hidden."""
    folder = Path(os.environ.get("DEFORGIFY_EXAMPLES", Path(__file__).parent / "examples"))
    paths, captions = [], []
    for name, (caption, expected) in EXAMPLES.items():
        path = folder / name
        if not path.is_file():
            continue
        try:
            answer = detector.predict(path).label
        except InvalidImageError as error:  # a broken example is not shown, nor keeps the app from starting
            print(f"example {path} left out: {error}", flush=True)
            continue
        paths.append(str(path))
        captions.append(caption if expected in (None, answer) else f"{caption}: this model answers {WORDS[answer]}")
    return paths, captions


FOCUS_CHECK_VIDEO = """() => {
  const button = document.getElementById('video-check-button');
  let waited = 0;
  const ready = setInterval(() => {
    if ((button && !button.disabled) || ++waited > 50) { clearInterval(ready); button?.focus(); }
  }, 100);
}"""
"""Once a clip is uploaded, the keyboard's focus is on "Check the video" as soon as it is usable
(the upload button it was on is gone with the upload, leaving the focus at the page's top)."""


def section_heading(text: str) -> None:
    """A heading only screen readers see (the page's sections by name, for their heading list),
    where the layout already shows what the section is."""
    gr.Markdown(f"## {text}", elem_classes="visually-hidden", container=False)


@dataclass(frozen=True)
class ReportControls:
    """Under an answer: its id (hidden), what it should have been, the report button and its
    status, all in ``box``, which shows only while an answer is on the page (a report needs one)."""
    box: gr.Column
    answer_id: "AnswerId"
    should_be: "ShouldBe"
    button: gr.Button
    status: "ReportStatus"

    def connect(self, flag: Flag, picture: str = "photo") -> None:
        """Wire the controls (inside the page's layout): a choice made takes the request to choose
        away; the button reports, and the keyboard's focus goes to the status (the button it was
        on is disabled once the answer is reported)."""
        self.should_be.change(chosen, self.status, self.status, queue=False, api_visibility="private",
                              show_progress="hidden")
        self.button.click(make_page_flag(flag, picture), [self.answer_id, self.should_be],
                          [self.status, self.button, self.should_be], api_visibility="private", **REPORTS,
                          show_progress="hidden") \
            .then(None, js=scroll_into_view(self.status.elem_id))


def report_controls(prefix: str = "", picture: str = "photo") -> ReportControls:
    """The report controls, hidden until there is an answer (:func:`answer_shown`); element ids
    start with ``prefix`` ("video-" for the video's answer), and the question and the button
    name its ``picture``'s answer (two of one name could not be told apart in a screen reader's
    list of controls)."""
    with gr.Column(visible=False, elem_id=f"{prefix}report-controls") as box:
        answer_id = AnswerId(label=f"{prefix.replace('-', ' ')}answer id", visible=False)
        with gr.Group():
            should_be = ShouldBe(list(SHOULD_BE), label=f"Is the {picture}'s answer wrong? It should have been:",
                                 elem_id=f"{prefix}should-be")
            button = gr.Button(report_label(picture), variant="secondary", elem_id=f"{prefix}report")
        status = ReportStatus(elem_id=f"{prefix}flag-status", label="report status")
    return ReportControls(box, answer_id, should_be, button, status)


def answer_shown(answer_id: str) -> gr.Column:
    """The report controls once the page has settled: shown beside an answer, hidden without
    one (no photo or clip, or a file that could not be checked)."""
    return gr.Column(visible=bool(answer_id))


CHECK_VIDEO, CHECKING_VIDEO = "Check the video", "Checking the video…"
VIDEO_LIMITS = Limits(max_seconds=300, max_bytes=VIDEO_MAX_BYTES, time_limit=60)
"""Clips over 5 minutes or 200 MB are refused, and decoding stops after 60 s."""


def make_judge_clip(detector: Detector, answers: Answers) -> Callable[[Optional[str]], tuple[dict, Optional[str]]]:
    """A clip's answer as data and its deciding frame drawn (None without a face), the answer
    given an id for a report; refusals as ``gr.Error`` with the reason's code as their title.
    For the video's answer, and for an animated picture sent as a photo."""
    from deforgify.video.frames import InvalidVideoError, Sampling, frame_at
    from deforgify.video.judge import score_video
    from deforgify.video.present import deciding_frame_numbers, deciding_frame_prediction

    def judge_clip(clip: Optional[str]) -> tuple[dict, Optional[str]]:
        if clip is None:
            raise gr.Error(f"No video arrived: send one as a file {SEND_A_FILE}", duration=None, title=NO_FILE,
                           print_exception=False)
        try:
            video = score_video(detector, clip, Sampling(), VIDEO_LIMITS)
        except InvalidVideoError as error:
            print(f"rejected video: {error}", flush=True)
            raise gr.Error(f"This video can't be checked: {error}.", duration=None, title=error.code,
                           print_exception=False) from None
        row = video.to_json()
        frame = None
        shown_at = row["deciding_frame"]["t"] if row["deciding_frame"] else 0.0
        shown = frame_at(clip, shown_at, VIDEO_LIMITS.time_limit)
        if shown and row["deciding_frame"]:  # captioned with the faces' numbers of the words and the timeline
            drawn, numbers = deciding_frame_prediction(row, shown.scale), deciding_frame_numbers(row)
            frame = save_output(draw_faces(shown.rgb, drawn, numbers=numbers, calibration=detector.config.calibration))
        if shown:  # what a report keeps: the frame as judged, not the clip
            row["answer_id"] = answers.issue(clip, dict(row), frame_at=shown_at)
        release_free_memory()  # its frames were decoded whole
        return row, frame

    return judge_clip


def video_tab(detector: Detector, answers: Answers, flag: Flag) -> None:
    """The video input beside the photo one: a clip in; the verdict box as for photos, a chart of
    each face track's fake probability over time, the frame that decided with its faces boxed,
    the answer as data (``/predict_video``), and a report of a wrong answer as for photos
    (``flag``: the frame that decided is kept, or the first frame of a clip without a face).
    Frames are sampled 2 a second, at most 64; clips over 5 minutes or 200 MB are refused with a
    message, and decoding stops after 60 s."""
    import pandas as pd

    from deforgify.video.present import (band_guides, chart_rows, dash_rows, describe_deciding_frame, gap_rows,
                                         timeline_caption)

    line = model_line(detector)
    judge_clip = make_judge_clip(detector, answers)

    def predict_video(clip: Optional[str]) -> tuple[str, Any, Optional[str], dict]:
        """Tell whether the faces in a video are real or fake: frames are sampled evenly over the
        clip (2 a second, at most 64), faces followed across frames, each face scored from all of
        its frames; the most suspicious face decides (a face without colour, not judged, keeps the
        clip from "real").

        Args:
            clip: The video to check: an MP4, WebM, MOV, MKV or AVI file, or an animated GIF, PNG, WebP or AVIF,
                of at most 5 minutes and 200 MB.

        Returns:
            summary: the verdict box (HTML): verdict, what it is based on, and a caution.
            timeline: each face's fake probability over time (seconds).
            deciding_frame: the frame that decided, every face boxed with its own verdict.
            result: the answer as data: label, confidences, faces (one per track), duration, frames, the model.
        """
        row, frame = judge_clip(clip)
        rows = chart_rows(row)
        box = video_banner(row, detector.config.calibration, line)
        return box, pd.DataFrame(rows) if rows else None, frame, row  # no chart (nor legend) without a face

    def page_timeline(row: dict) -> dict:
        """The timeline as the page draws it: each face's line, broken where it was not seen,
        against grey lines at the unsure band's edges, across the whole clip, with a caption in
        words that also names the lines (the legend lists the faces only: the lines read as more
        faces there, and overflowed a phone's width); the API's is the faces' rows."""
        calibration = detector.config.calibration
        guides = band_guides(row, calibration)
        points = chart_rows(row)
        faces = sorted({r["face"] for r in points}, key=lambda name: int(name.split()[-1]))
        colours = {name: FACE_COLOURS[i % len(FACE_COLOURS)] for i, name in enumerate(faces)}
        return {"value": pd.DataFrame(points + dash_rows(row) + gap_rows(row) + guides),
                "x_lim": [0, guides[-1]["time (s)"]],
                "color_map": {**colours, **{guide["face"]: GUIDE_GREY for guide in guides}},
                "colors_in_legend": faces, "caption": timeline_caption(row, calibration)}

    def _shown(chart: Optional[dict], frame: Optional[str], alt_text: Optional[str] = None) -> tuple[dict, dict]:
        """The timeline (``chart``: see :func:`page_timeline`) and the deciding frame, each hidden
        when the answer leaves it empty (no face, or no answer yet: two blank boxes under "No face"
        read as something that failed)."""
        return (gr.update(**(chart or {"value": None, "caption": None}), visible=chart is not None),
                gr.update(value=frame, visible=frame is not None, alt_text=alt_text))

    def page_video(clip: Optional[str], request: gr.Request) -> tuple:
        """What the page shows: the answer, or the reason in the verdict box (no toast, no error
        marks); nothing when another clip (or none) is on the page by the time it is ready."""
        if clip is None:
            return (_box(ERROR, "No video yet", '<p style="margin:6px 0 0 0">Upload a clip first, then check it.</p>',
                         element_id="video-verdict-box"), *_shown(None, None), None, "", "", None)
        try:
            box, chart, frame, row = predict_video(clip)
            answer = (box, *_shown(page_timeline(row) if chart is not None else None, frame,
                                   describe_deciding_frame(row, detector.config.calibration) if frame else None), row,
                      row.get("answer_id", ""), "", gr.update(value=None, choices=choices_against(row["label"])))
        except gr.Error as error:
            answer = (error_box(str(error.message), "video",
                                "Try an MP4, WebM, MOV, MKV or AVI clip of at most 5 minutes that shows a face.",
                                "video-verdict-box"), *_shown(None, None),
                      error_row(error), "", "", None)
        return answer if LATEST_CLIP.is_latest(request, clip) else tuple(gr.skip() for _ in answer)

    with gr.Accordion(CHECK_A_VIDEO, open=True, elem_id="video-check"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                section_heading(CHECK_A_VIDEO)
                clip = VideoFile(sources=["upload"], format=None, include_audio=True,
                                label="Video with a face", height=300, elem_id="video-input")
                gr.Markdown("MP4, WebM, MOV, MKV or AVI; at most 5 minutes and 200 MB. The button is ready once "
                            "the upload has finished.", elem_id="video-limits")
                check = gr.Button(CHECK_VIDEO, variant="primary", interactive=False,  # until a clip is in
                                  elem_id="video-check-button")
            with gr.Column(scale=1):
                section_heading("The video's answer")
                summary = VideoSummary(AWAITING_CLIP, label="summary", elem_id="video-verdict",
                                       html_template=LIVE_REGION)
                timeline = Timeline(None, x="time (s)", y="fake probability", color="face", visible=False,
                                    y_lim=[-0.03, 1.03], label="timeline", elem_id="video-timeline")
                # a little beyond 0 and 1: a line at 100 % fake was drawn on the plot's border, out of sight
                deciding = DecidingFrame(type="filepath", label="deciding frame", elem_id="video-frame",
                                         buttons=PICTURE_BUTTONS, visible=False)  # both until an answer
                with gr.Accordion("The video's answer as data (JSON)", open=False, elem_id="video-result-data"):
                    result = VideoResultJSON(label="video result")
                report = report_controls("video-", "video")
                gr.Markdown(VIDEO_PRIVACY, elem_id="video-privacy")
    outputs = [summary, timeline, deciding, result]
    page_outputs = outputs + [report.answer_id, report.status, report.should_be]
    # A new or removed clip takes the old answer with it, at once, timeline and frame hidden until the next answer;
    # the button waits for a whole clip (a click while one was still uploading used to answer "No video yet").
    clip.change(lambda new: (AWAITING_CLIP, *_shown(None, None), None, "", "", None,
                             gr.Button(CHECK_VIDEO, interactive=new is not None), answer_shown("")), clip,
                [*page_outputs, check, report.box],
                queue=False, api_visibility="private", show_progress="hidden")
    clip.change(LATEST_CLIP.record, clip, None, queue=False, api_visibility="private", show_progress="hidden")
    clip.change(None, clip, None, js="(clip) => { if (clip) { " + FORGET_REFUSAL.format(input="video-input")
                + CLOSE_MESSAGES + " } }", queue=False, api_visibility="private")  # a refused file empties the input
    clip.upload(None, js=FOCUS_CHECK_VIDEO, queue=False, api_visibility="private")
    # While it is checked: the button says so and cannot be pressed again, and the answer's place is in view.
    check.click(None, js=VIDEO_CHECK_STARTED_JS, queue=False, api_visibility="private")
    check.click(lambda: (gr.Button(CHECKING_VIDEO, interactive=False), CHECKING_CLIP), None, [check, summary],
                queue=False, api_visibility="private", show_progress="hidden") \
        .then(page_video, clip, page_outputs, **CHECKS, api_visibility="private") \
        .then(lambda answer_id, now: (answer_shown(answer_id), gr.Button(CHECK_VIDEO, interactive=now is not None),
                                      *report_ready("video")),
              [report.answer_id, clip], [report.box, check, report.button, report.should_be], queue=False,
              api_visibility="private",
              show_progress="hidden") \
        .then(None, js=scroll_into_view("video-verdict-box"))
    report.connect(flag, "clip")
    api_video = gr.Button(visible=False)  # the API: the same answer, with errors raised for programs
    api_video.click(predict_video, clip, outputs, api_name="predict_video", **CHECKS)


def build_demo(detector: Detector, store: FeedbackStore) -> gr.Blocks:
    answers = Answers()
    predict = make_predict(detector, answers)
    page_check = make_page_check(detector, answers)
    flag = make_flag(store, answers)
    with CheckedBlocks(title="Deforgify: real or fake face?", analytics_enabled=False,
                       delete_cache=CACHE_LIFETIME) as demo:
        gr.Markdown(header(detector))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                section_heading("Check a photo")
                image = ImageFile(type="filepath", sources=["upload", "webcam", "clipboard"],
                                  image_mode=None, label="Photo of a face", height=300, elem_id="photo")
                check_again = gr.Button(CHECK_AGAIN, variant="secondary", interactive=False, elem_id="check-again")
                paths, labels = example_files(detector)
                if paths:
                    gr.Examples(paths, inputs=image, example_labels=labels,
                                label="Examples: click one to check it", api_visibility="private")
                gr.Markdown(saved_another_way(metrics_in(detector.source.folder)), elem_id="saved-another-way")
            with gr.Column(scale=1, elem_id="photo-answer"):
                section_heading("The photo's answer")
                summary = Summary(AWAITING_PHOTO, label="summary", elem_id="verdict", html_template=LIVE_REGION)
                # The banner shows the confidences in a fixed order; the Label is the API's.
                verdict = Verdict(num_top_classes=2, label="verdict", visible=False)
                faces = FacesImage(type="filepath", label="faces", show_label=False, elem_id="faces",
                                   buttons=PICTURE_BUTTONS, visible=False)  # until an answer
                with gr.Row(equal_height=False):
                    heatmap = HeatmapImage(type="filepath", label="heatmap", visible=False, buttons=PICTURE_BUTTONS,
                                           show_label=False, elem_id="heatmap", scale=1)
                    legend = gr.HTML(visible=False, elem_id="heatmap-legend-box", min_width=160)
                with gr.Accordion("The photo's answer as data (JSON)", open=False, elem_id="result-data"):
                    result = ResultJSON(label="result")  # folded: for programs and the curious
                report = report_controls()
                gr.Markdown(PRIVACY.format(days=f"{store.keep_days:g}"))
        outputs = [verdict, summary, faces, heatmap, result]
        page_outputs = outputs + [legend, report.answer_id, report.status, report.should_be]
        video_tab(detector, answers, flag)
        gr.Markdown(LIMITS)
        with gr.Accordion("Model card", open=False, elem_id="model-card"):
            gr.Markdown(card_text(detector))

        # One photo, one answer: a new or cleared photo empties every answer at once (in the
        # browser), then the server checks it; the latest photo is always checked last.
        image.change(None, image, [*page_outputs, check_again, report.box], js=CLEAR_JS, queue=False,
                     api_visibility="private")
        image.change(LATEST_PHOTO.record, image, None, queue=False, api_visibility="private", show_progress="hidden")
        image.change(page_check, image, page_outputs, **CHECKS, trigger_mode="always_last",
                     api_visibility="private", show_progress="minimal", show_progress_on=summary) \
            .then(settled, report.answer_id, [check_again, report.box, report.button, report.should_be],
                  queue=False, api_visibility="private", show_progress="hidden") \
            .then(None, js=SCROLL_TO_VERDICT)
        check_again.click(None, None, summary, queue=False, api_visibility="private",
                          js=f"() => {{ {FORGET_REFUSAL.format(input='photo')} return {json.dumps(CHECKING_AGAIN)}; }}")
        check_again.click(make_page_check(detector, answers, again=True), image, page_outputs,
                          **CHECKS, api_visibility="private",
                          show_progress="minimal", show_progress_on=summary) \
            .then(settled, report.answer_id, [check_again, report.box, report.button, report.should_be],
                  queue=False, api_visibility="private", show_progress="hidden") \
            .then(None, js=SCROLL_TO_VERDICT)
        report.connect(flag)
        # The API: the same answer, with errors raised for programs (the page shows them in words).
        api_predict = gr.Button(visible=False)
        api_predict.click(predict, image, outputs, **CHECKS, api_name="predict")
        api_flag = gr.Button(visible=False)  # its own inputs: named for any answer, the photo's or a video's
        flag_inputs = [AnswerId(label="answer id", visible=False),
                       ShouldBe(list(SHOULD_BE), label="should be", visible=False)]
        api_flag.click(flag, flag_inputs, ReportStatus(label="report status", visible=False), api_name="flag",
                       **REPORTS)
    # Every call through the queue: Gradio leaves its direct routes (/gradio_api/run/...) open off
    # a Space, and there they bypassed the concurrency groups (4 checks of large photos at once).
    return demo.queue(max_size=QUEUE_SIZE, api_open=False)


BODY_LIMIT = 32_000_000
"""The largest request body but an upload's (which ``max_file_size`` bounds): a photo sent inline
as a ``data:`` URL of up to about 24 MB. Gradio reads a body whole, in several copies, before the
app sees it, and keeps them: eight 60 MB inline photos took the app from 434 to 1,297 MB."""
UPLOAD_PATH = "/gradio_api/upload"


class BodyLimit:
    """ASGI middleware refusing a request whose body is over ``limit`` bytes (413, in words) before
    Gradio reads it; a body of unstated length is cut off there (the request ends as if its client
    had gone). Uploads are exempt: Gradio streams them to disk and bounds them itself."""

    def __init__(self, app: Any, limit: int = BODY_LIMIT) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UPLOAD_PATH):
            return await self.app(scope, receive, send)
        stated = dict(scope["headers"]).get(b"content-length", b"")
        if stated.isdigit() and int(stated) > self.limit:
            return await self._refuse(send)
        read = 0

        async def counted() -> dict:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b"")) if message["type"] == "http.request" else 0
            return {"type": "http.disconnect"} if read > self.limit else message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Any) -> None:
        await send_error(send, 413, f"the request is over {self.limit // 1_000_000} MB: send a large photo as a "
                                    "file (gradio_client's handle_file uploads it), not inline")


async def send_error(send: Any, status: int, message: str, title: Optional[str] = None) -> None:
    """An ASGI response of ``status`` with ``{"error": message}`` (and the error's code as
    ``title``, as a call's errors carry it)."""
    body = json.dumps({"error": message, **({"title": title} if title else {})}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Uploads:
    """ASGI middleware refusing an upload that carried no file in words (422): Gradio answered a
    form whose field was not named ``files`` (``curl -F file=@photo.jpg``) with ``[]``, and the
    caller's ``[0]`` failed with an IndexError of their own. An upload its sender gave up (a page
    closed, a file removed while it was sent) ends quietly: it logged a ClientDisconnect traceback."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != UPLOAD_PATH:
            return await self.app(scope, receive, send)
        held: list[dict] = []

        async def checked(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                held.append(message)  # sent with its body, once that is known
            elif held and message["type"] == "http.response.body":
                if message.get("body", b"").strip() == b"[]" and not message.get("more_body"):
                    return await send_error(send, 422, "no file arrived: send each file in a form field named "
                                                       "files (curl -F files=@photo.jpg)")
                await send(held.pop())
                await send(message)
            else:
                await send(message)

        from starlette.requests import ClientDisconnect

        try:
            await self.app(scope, receive, checked)
        except ClientDisconnect:
            pass  # no one to answer


CALL_START = re.compile(r"/gradio_api/call/(v2/)?([^/]+)/?")
"""Where a call is started (``POST``): by its values in order, or by name under ``v2/``."""
CALL_RESULT = re.compile(r"/gradio_api/call/(?:v2/)?([^/]+)/([^/]+)")
"""Where a call's result is read (``GET``, by the event id its ``POST`` gave)."""


def public_endpoints(app: Any) -> list[Any]:
    """The endpoints the API offers (not the page's own: Gradio ran those too when called by name)."""
    return [fn for fn in app.get_blocks().fns.values() if fn.api_name and fn.api_visibility == "public"]


def public_endpoint(app: Any, name: str) -> Any:
    """The endpoint of the API named ``name``; None for a name it has not, or one of the page's."""
    return next((fn for fn in public_endpoints(app) if fn.api_name == name), None)


def keyword_problem(block_fn: Any, given: dict[str, Any]) -> Optional[str]:
    """What is wrong with an endpoint's values given by name (``/gradio_api/call/v2/NAME``), in
    words; None when nothing is. Gradio answered a misspelt, missing or extra name with 500
    "Internal Server Error" and a traceback in the log."""
    signature = inspect.signature(block_fn.fn).parameters
    names = parameter_names(block_fn)
    unknown = [key for key in given if key not in names and key != "oauth_token"]  # Gradio's own, dropped
    missing = [name for name in names if name not in given and signature[name].default is inspect.Parameter.empty]
    if not unknown and not missing:
        return None
    wrong = [f"{', '.join(unknown)} {'is not one of them' if len(unknown) == 1 else 'are not among them'}"
             ] if unknown else []
    wrong += [f"{', '.join(missing)} did not arrive"] if missing else []
    return f"{takes(block_fn)}; {' and '.join(wrong)}"


class NamedCalls:
    """ASGI middleware checking a call's start (``POST /gradio_api/call/...``) before Gradio
    does: a name the API has not (a page's own endpoint among them) is 404, naming those it has;
    values given by name (``v2/``) are checked against the endpoint's parameters (422 in words,
    ``wrong_arguments``). The request's body is read here and handed on unchanged."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        called = (CALL_START.fullmatch(scope["path"])
                  if scope["type"] == "http" and scope["method"] == "POST" else None)
        if not called:
            return await self.app(scope, receive, send)
        endpoint = public_endpoint(scope["app"], called[2])
        if endpoint is None:
            return await send_error(send, 404, not_an_endpoint(scope["app"], called[2]))
        if not called[1]:
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # gone, or cut off by BodyLimit
                return await self.app(scope, _replayed([message], receive), send)
            body, more = body + message.get("body", b""), message.get("more_body", False)
        try:
            given = json.loads(body)
        except ValueError:
            given = None  # Gradio's own 422 says what it expected
        problem = keyword_problem(endpoint, given) if isinstance(given, dict) else None
        if problem:
            return await send_error(send, 422, problem, WRONG_ARGUMENTS)
        await self.app(scope, _replayed([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _replayed(messages: list[dict], receive: Any) -> Any:
    """An ASGI ``receive`` giving ``messages`` first, then the request's own."""
    async def replay() -> dict:
        return messages.pop(0) if messages else await receive()
    return replay


class ResultReads:
    """ASGI middleware for reading a call's result (``GET /gradio_api/call/NAME/EVENT_ID``)
    where Gradio's route would never answer or would fail inside its event stream, logging a
    traceback: an event id this app does not hold (never given, or a result already read) is
    404; a result already being read by another request is 409 (that one got heartbeats until
    it gave up); a call whose reader went away before its result (a client's read timeout
    shorter than the check) is 410, said to be cancelled, which Gradio does to such a call (a
    read again got "404: Not Found" inside an event stream, for ever; one whose reader went away
    while it waited in the queue is no longer held: 404, which says that too)."""

    def __init__(self, app: Any, remembered: int = 10_000) -> None:
        self.app, self.remembered = app, remembered
        self.reading: set[str] = set()
        self.abandoned: dict[str, None] = {}  # in order, the oldest forgotten first

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        called = (CALL_RESULT.fullmatch(scope["path"])
                  if scope["type"] == "http" and scope["method"] == "GET" else None)
        if not called:
            return await self.app(scope, receive, send)
        name, event_id = called[1], called[2]
        refusal = self._refusal(scope["app"], name, event_id)
        if refusal:
            return await send_error(send, *refusal)
        self.reading.add(event_id)
        try:
            await self.app(scope, receive, send)
        finally:
            self.reading.discard(event_id)
            if _held(scope["app"].get_blocks()._queue, event_id):  # read to its end, a result leaves the queue
                self._forget_oldest()
                self.abandoned[event_id] = None

    def _refusal(self, app: Any, name: str, event_id: str) -> Optional[tuple[int, str]]:
        shown = f"/{name} with event id {event_id[:100]!r}"
        if event_id in self.abandoned:
            return 410, (f"the call of {shown} was cancelled: its result was being read and the reader went away "
                         "before it came (a read timeout shorter than the check?); start the call again and read "
                         "its result until 'event: complete' (a clip can take a minute)")
        if event_id in self.reading:
            return 409, f"the result of {shown} is being read by another request: a result is read once"
        if not _held(app.get_blocks()._queue, event_id):
            return 404, (f"no call of {shown} is waiting to be read here: a result is read once, from the id its "
                         "POST gave, and a call is cancelled when its reader goes away before its result")
        return None

    def _forget_oldest(self) -> None:
        while len(self.abandoned) >= self.remembered:
            del self.abandoned[next(iter(self.abandoned))]


def _held(queue: Any, event_id: str) -> bool:
    """Whether Gradio's ``queue`` holds the event: waiting, running, or done and not yet read (its
    id leaves the session's pending ids as its result is sent; a done event stays a moment longer
    among the queue's events, where a second read found it and waited forever)."""
    return any(event_id in ids for ids in queue.pending_event_ids_session.values())


def not_an_endpoint(app: Any, asked: str) -> str:
    names = [f"/{fn.api_name}" for fn in public_endpoints(app)]
    return (f"/{asked} is not an endpoint of this app; its endpoints are {', '.join(names)} "
            "(described at /gradio_api/info)")


def unknown_endpoint(request: Any, error: Exception) -> Any:
    """A call to an API name this app has not (Gradio answered 500 "Internal Server Error" and
    logged a traceback): 404, naming the endpoints it has."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": not_an_endpoint(request.app, request.path_params.get("api_name", ""))},
                        status_code=404)


def launch_options() -> dict[str, Any]:
    """Serve MCP tools too when ``gradio[mcp]`` is installed (the base install has no MCP), unless
    GRADIO_MCP_SERVER says otherwise; give the message of every error, Gradio's own included: a
    path it refuses, a link it cannot fetch or an argument missing came as ``{"error": null}``;
    refuse an upload larger than any file the page checks (Gradio kept any size, for two hours),
    and any other request over :data:`BODY_LIMIT`; refuse in words a call to an endpoint it has
    not (or one of the page's own), values by name that do not fit its parameters
    (:class:`NamedCalls`), and a read of a result it does not hold, being read, or cancelled
    (:class:`ResultReads`)."""
    from importlib.util import find_spec

    from gradio.route_utils import FnIndexInferError
    from starlette.middleware import Middleware

    mcp = {} if "GRADIO_MCP_SERVER" in os.environ else {"mcp_server": find_spec("mcp") is not None}
    return {**mcp, "show_error": True, "css": CSS, "head": PAGE_JS,
            "max_file_size": max(MAX_FILE_BYTES, VIDEO_MAX_BYTES),
            "app_kwargs": {"middleware": [Middleware(BodyLimit), Middleware(Uploads), Middleware(NamedCalls),
                                          Middleware(ResultReads)],
                           "exception_handlers": {FnIndexInferError: unknown_endpoint}}}


def _expire_reports(store: FeedbackStore) -> None:
    """Delete reports past their time at start and every hour (a server that got no new report
    kept them past the days the privacy note promises)."""
    while True:
        try:
            store.expire()
        except Exception as error:  # noqa: BLE001  told, and tried again the next hour
            print(f"warning: old reports could not be deleted: {type(error).__name__}: {error}", flush=True)
        time.sleep(3600)


def feedback_store() -> FeedbackStore:
    """Where reports go, from the environment; a setting out of range stops the app in one line.
    On a Space with neither a dataset nor a folder named for them, the log says that reports stay
    on the Space's own disk, which its owner cannot reach and which a restart clears."""
    try:
        store = FeedbackStore.from_environment()
    except FeedbackError as error:
        raise SystemExit(f"error: {error}") from None
    threading.Thread(target=_expire_reports, args=(store,), daemon=True, name="report-expiry").start()
    if os.environ.get("SPACE_ID") and not store.dataset and not os.environ.get("DEFORGIFY_FLAGS"):
        print("warning: reports are kept in flagged/ on this Space's own disk, which a restart clears and its "
              "owner cannot read: set DEFORGIFY_FLAG_DATASET (a private dataset, with an HF_TOKEN secret), or "
              "DEFORGIFY_FLAGS to a folder of attached storage", flush=True)
    return store


demo = build_demo(_detector.result(), feedback_store())

if __name__ == "__main__":
    demo.launch(**launch_options())
