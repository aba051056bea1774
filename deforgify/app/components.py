"""The components the page and the API are built of, each described in the product's words
for "Use via API" and ``view_api()``, and refusing in words what is not a file uploaded here."""

from __future__ import annotations

import re
from typing import Any, Literal, TypeVar

import gradio as gr
from pydantic import ConfigDict, model_validator

from deforgify.app.api_errors import BAD_CHOICE, not_a_file, not_uploaded, uploaded_here


ComponentClass = TypeVar("ComponentClass", bound=type[gr.components.Component])


def described(cls: ComponentClass) -> ComponentClass:
    """Class decorator: the component's "Use via API" description (and ``view_api()``'s) is its
    ``api_description``, in the product's words rather than Gradio's generic ones, and its type
    admits null where the class says ``api_nullable`` (Gradio typed a heatmap that is often None
    as a plain ``filepath``). Not a mixin base: Gradio names a template component's widget after
    its first base class. A class naming an ``api_example`` file has the "Use via API" page's
    snippet send that name, the caller's own file (not a URL of Gradio's on GitHub)."""
    inherited = cls.api_info

    def api_info(self: Any) -> dict[str, Any]:
        text = self.api_description
        info = inherited(self)
        if getattr(self, "api_nullable", False):
            definitions = {"$defs": info.pop("$defs")} if "$defs" in info else {}
            info = {"anyOf": [info, {"type": "null"}], **definitions}
        return {**info, "description": text, "additional_description": text}

    setattr(cls, "api_info", api_info)  # mypy refuses an assignment to a method
    example = getattr(cls, "api_example", None)
    if example:
        setattr(cls, "example_payload", lambda self: {"path": example, "meta": {"_type": "gradio.FileData"}})
        setattr(cls, "example_value", lambda self: example)
    return cls


def taking_text(model: type[Any], data_urls: bool = False) -> type[Any]:
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
                if not isinstance(path, str) or not uploaded_here(path):
                    return _refused(not_uploaded(str(path)))
                return {**value, "meta": {"_type": "gradio.FileData"}}
            if isinstance(url, str) and url.startswith("data:"):
                return value if data_urls else _refused(f"{url[:40]!r}… is a clip sent inline, which Gradio "
                                                        "cannot take for a video")
            return _refused(not_uploaded(str(url)) if url else "the file's data names no file")

    return Upload



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



def sent_as_text(payload: Any, kind: str) -> None:
    """Refuse what :func:`taking_text` turned into an upload with no file."""
    if payload is not None and not payload.path and not payload.url:
        raise not_a_file(kind, payload.orig_name)


BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
"""The characters of base64 data (with line breaks, as some encoders write it)."""


@described
class ImageFile(gr.Image):
    """``gr.Image`` (same widget) that hands the uploaded file to Deforgify undecoded, so that
    every unreadable, animated, oversized or tiny file gets Deforgify's own specific message
    instead of a decoding error raised inside Gradio."""

    is_template = True
    api_example = "photo.jpg"
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

        if not BASE64.fullmatch(url.partition(",")[2]):  # Gradio's decoder skips what is not: "!!!!" was an empty file
            raise not_a_file("file", "its data: URL holds characters that are not base64")
        try:
            path = save_base64_to_cache(url, self.GRADIO_CACHE)
        except ValueError:  # binascii.Error among them
            raise not_a_file("file", "its data: URL holds no base64 data") from None
        self.temp_files.add(path)
        return path



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
                       "as in result.faces when there are several, the deciding face's box thick), and a strip "
                       "under it giving the answer, when it was given and the model that gave it")


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
    api_example = "clip.mp4"
    api_description = ("the video to check, uploaded as a file (gradio_client: handle_file(path)): an MP4, "
                       "WebM, MOV, MKV or AVI clip, or an animated GIF, PNG, WebP or AVIF, of at most 5 minutes "
                       "and 200 MB")
    data_model = taking_text(gr.Video.data_model)

    def preprocess(self, payload):
        sent_as_text(payload, "video")
        return super().preprocess(payload)


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
                       "\"fake probability\" and \"face\" (face 1, 2, ...); null when no face was judged (none found, "
                       "or each too small, without colour or see-through in every frame)")

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
    api_description = ("the frame that decided, every face boxed with its verdict over the clip, and a strip "
                       "under it giving the answer, when and the model; null without a face")


@described
class VideoResultJSON(gr.JSON):
    is_template = True
    api_description = ("the answer as data: label, confidences, face, faces (one per face track: track, box, "
                       "label, confidences, frames, start, end, peak_t, caution, sustained_run, fake_frames), "
                       "decided_by and pixels (as in /predict's result), duration, width, height, rotation, frames "
                       "(the timeline: t, label, confidences, faces, left_out, beyond_largest), deciding_frame "
                       "(t, track, box), sampling, complete, note, provenance (claim \"none\": videos' metadata is "
                       "not read), model, checked_at and file_sha256 (as in /predict's result) and answer_id (to quote when "
                       "reporting the answer as wrong, /flag, for an hour)")

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
    "checked_at": {"type": "string"}, "file_sha256": {"type": "string"}, "answer_id": {"type": "string"}}

RESULT_FIELDS = {
    "kind": '"photo" (a video\'s result says "video")',
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
                "than a third of the largest, or beyond the 32 largest): the verdict does not cover them, but those "
                "beyond the largest keep the photo from real",
    "beyond_largest": "of left_out, how many were beyond the 32 largest",
    "pixels": "the pixel model's own label and confidences",
    "provenance": "what the file's metadata says of its origin: claim, evidence, valid, trusted",
    "model": "reference, revision (Hub commit, or sha256: and 12 hex digits over its config.json and weights "
             "files), architecture, library_version, trained (date), threshold and unsure_band [low, high] "
             "as used for this answer (a fake probability strictly inside the band is \"unsure\", leaning "
             "fake from the threshold; outside it, \"real\" below and \"fake\" above), min_face_width (the "
             "least face width in pixels it judges)",
    "checked_at": "when the answer was given, UTC (2026-12-05T14:23:05Z)",
    "file_sha256": "the SHA-256 of the file as it arrived: which file the answer is of, for anyone citing it",
    "answer_id": "the id to quote when reporting this answer as wrong (/flag), for an hour",
}

RESULT_TYPES: dict[str, dict[str, Any]] = {
    "kind": {"type": "string"}, "label": {"type": "string"}, "decided_by": {"type": "string"},
    "face_found": {"type": "boolean"},
    "face": BOX_OR_NULL, "deciding_face": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    "confidences": CONFIDENCES_OR_NULL, "width": {"type": "integer"}, "height": {"type": "integer"},
    "faces": {"type": "array", "items": {"type": "object"}}, "left_out": {"type": "integer"},
    "beyond_largest": {"type": "integer"},
    "checked_at": {"type": "string"}, "file_sha256": {"type": "string"}, "answer_id": {"type": "string"}}


class ResultJSON(gr.JSON):
    is_template = True

    def api_info(self) -> dict[str, Any]:
        return {"type": "object",
                "properties": {name: {**RESULT_TYPES.get(name, {"type": "object"}), "description": text}
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
class FaceNumber(gr.Number):
    is_template = True
    api_description = ("which face the report is about, numbered from 1 as the result's faces are listed (a "
                       "video's: its face tracks); null or left out: the answer as a whole")

    def preprocess(self, payload):
        """A face's number, whole, or None; anything else refused in words (2.5 was taken for face
        2, true for face 1, and "2" gave Gradio's "Could not preprocess input component")."""
        whole = isinstance(payload, int) or (isinstance(payload, float) and payload.is_integer())
        if payload is not None and (isinstance(payload, bool) or not whole):
            raise gr.Error(f"Say which face by its number (1, 2, ...), or none for the answer as a whole, not "
                           f"{payload!r}; nothing was stored.", title=BAD_CHOICE, print_exception=False)
        return None if payload is None else int(payload)


@described
class ReportStatus(gr.Markdown):
    is_template = True
    api_description = ("the saved report's id (quote it to have the report deleted); a refused report is an "
                       "error with the reason, and nothing is stored")


PICTURE_BUTTONS: list[Literal["download", "share", "fullscreen"] | gr.Button] = ["download", "fullscreen"]
"""The answer's pictures can be saved and enlarged, not shared: Gradio's share button posts a
picture of someone's face to the Space's public discussions."""

LIVE_REGION = '<div role="status" aria-live="polite" aria-atomic="true">${value}</div>'
"""The photo's and the video's verdict boxes sit in live regions that stay in the page, so each
new answer is read out."""


def section_heading(text: str) -> None:
    """A heading only screen readers see (the page's sections by name, for their heading list),
    where the layout already shows what the section is."""
    gr.Markdown(f"## {text}", elem_classes="visually-hidden", container=False)
