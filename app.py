"""Deforgify's Gradio app: is the face in this photo real or fake?

    python app.py            # http://127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT to change)

Space variables: DEFORGIFY_MODEL (Hub repo OWNER/NAME[@REVISION] or a folder; default: the
bundled model), HF_TOKEN (secret: a private model repo, and a flag dataset), DEFORGIFY_EXAMPLES
(a folder of example photos; default: examples/), DEFORGIFY_FLAGS (folder for "wrong verdict"
reports; default: flagged/), DEFORGIFY_FLAG_DATASET (Hub dataset OWNER/NAME to send them to
instead).
"""

from __future__ import annotations

import html
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported


def load_detector(reference: Optional[str]):
    """The detector for ``reference``, ready to answer at once (run once on a blank image); the
    bundled model, with the reason logged, if it fails."""
    from deforgify.detector import Detector
    from deforgify.model_folder import ModelLoadError
    from deforgify.model_source import bundled_source

    try:
        detector = Detector.load(reference)
    except ModelLoadError as error:  # the reason goes to the log; visitors see no server paths
        print(f"warning: {error}; using the bundled model", flush=True)
        detector = Detector.from_source(bundled_source(
            "the configured model could not be loaded: the bundled model answers instead"))
    detector.warm_up()
    return detector


# The model loads (LiteRT: a fraction of a second; a Hub model may need a download, or Keras and
# TensorFlow for a folder without model.tflite) in a thread while Gradio imports and the page is
# built: a cold start costs about the longer of the two, not their sum.
_detector = ThreadPoolExecutor(1).submit(load_detector, os.environ.get("DEFORGIFY_MODEL") or None)

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from deforgify.calibration import NO_FACE, UNSURE  # noqa: E402
from deforgify.decode import InvalidImageError, load_rgb, read_bytes  # noqa: E402
from deforgify.detector import Detector, Prediction  # noqa: E402
from deforgify.explain import CAUTIONS, WORDS, draw_faces, explain  # noqa: E402
from deforgify.feedback import FeedbackStore, FeedbackError  # noqa: E402
from deforgify.model_source import card_url  # noqa: E402
from deforgify.provenance import NO_PROVENANCE, Provenance, apply_to_row, headline, read_provenance  # noqa: E402

OUTPUT_FOLDER = Path(gr.utils.get_upload_folder()) / "deforgify"
CACHE_LIFETIME = (3600, 3600)
"""Every hour, delete cached uploads and outputs older than an hour."""
QUEUE_SIZE = 64
CONCURRENCY = 2
"""One request per CPU core: one decodes and finds faces while the other's model call (two
LiteRT threads) runs."""
EXAMPLES = {
    "real-astronaut.jpg": "Real portrait",
    "real-photographer.jpg": "Real photo (greyscale)",
    "gan-stylegan2.jpg": "GAN face (StyleGAN2)",
    "face-swap.jpg": "Face swap",
    "no-face-coffee.jpg": "No face",
    "two-faces.jpg": "Two faces",
}
BANNER_COLOURS = {"real": ("#1e8c3c", "#e8f6ec"), "fake": ("#c81e1e", "#fdecec"),
                  UNSURE: ("#c88200", "#fff6e0"), NO_FACE: ("#5a5a5a", "#f0f0f0")}
"""Edge and background colour of the verdict box: green, red, amber, grey."""
PRIVACY = ("Privacy: photos are kept for at most an hour to show you the result, then deleted. "
           "Nothing is stored for longer unless you click **Wrong verdict?**, which keeps the "
           "photo, the answer and the model version so that the model can be improved.")


class ImageFile(gr.Image):
    """``gr.Image`` (same widget) that hands the uploaded file to Deforgify undecoded, so that
    every unreadable, animated, oversized or tiny file gets Deforgify's own specific message
    instead of a decoding error raised inside Gradio."""

    is_template = True

    def preprocess(self, payload):
        if payload is None or (payload.url or "").startswith("data:"):
            return super().preprocess(payload)
        return payload.path

    def example_payload(self) -> Any:
        """What the "Use via API" page's snippet sends: the caller's own photo."""
        return {"path": "photo.jpg", "meta": {"_type": "gradio.FileData"}}

    def example_value(self) -> Any:
        return "photo.jpg"


class Verdict(gr.Label):
    """``gr.Label`` (same widget) whose headline is Deforgify's verdict, "unsure" and "no face"
    included, rather than whichever class has the higher confidence."""

    is_template = True

    def postprocess(self, value):
        if not value:
            return super().postprocess(value)
        verdict, confidences = value
        data = super().postprocess(confidences if confidences else verdict)
        data.label = verdict
        return data


PROVENANCE_CAUTION = ("The file's own metadata declares this. Metadata is easily removed, so a photo "
                      "without it is not shown to be real.")


def banner(prediction: Prediction, provenance: Provenance = NO_PROVENANCE) -> str:
    """The verdict box: the verdict in its colour, the pixel model's two percentages (real
    first), what the verdict is based on, what the file says of its origin, and a caution."""
    row = apply_to_row(prediction.to_json(), provenance)
    label, by_provenance = row["label"], row["decided_by"] == "provenance"
    edge, background = BANNER_COLOURS[label]
    pixels = explain(prediction)
    if by_provenance:
        pixels = f"The pixel model alone says: {pixels[0].lower()}{pixels[1:]}"
    return (
        f'<div id="verdict-box" data-verdict="{label}" data-decided-by="{row["decided_by"]}" '
        f'style="border-left:10px solid {edge};background:{background};color:#1a1a1a;padding:12px 16px;'
        f'border-radius:8px"><div style="font-size:2em;font-weight:700;color:{edge};line-height:1.2">'
        f"{html.escape(WORDS[label].capitalize())}</div>"
        f"{_bars(prediction.confidences) if prediction.confidences else ''}"
        f'<p style="margin:6px 0 4px 0">{html.escape(pixels)}</p>'
        f'<p class="provenance" data-claim="{provenance.claim}" style="margin:0 0 4px 0">'
        f"{html.escape(headline(provenance))}</p>"
        f'<p style="margin:0;font-size:0.9em;opacity:0.85">'
        f"{html.escape(PROVENANCE_CAUTION if by_provenance else CAUTIONS[label])}</p>"
        "</div>"
    )


def _bars(confidences: dict[str, float]) -> str:
    rows = []
    for name in ("real", "fake"):
        share = confidences[name]
        colour = BANNER_COLOURS[name][0]
        rows.append(
            f'<div class="share" data-label="{name}" style="display:flex;align-items:center;gap:8px;margin:2px 0">'
            f'<span style="width:3em">{name}</span><span style="flex:1;background:#fff;border-radius:4px;'
            f'height:10px"><span style="display:block;width:{share:.1%};height:10px;background:{colour};'
            f'border-radius:4px"></span></span><b class="percent" style="width:3em;text-align:right">'
            f"{share:.0%}</b></div>"
        )
    return f'<div style="margin:6px 0;max-width:28em">{"".join(rows)}</div>'


SCROLL_TO_VERDICT = """() => {
  const box = document.getElementById('verdict-box');
  if (!box) return;
  const rect = box.getBoundingClientRect();
  if (rect.top < 0 || rect.bottom > window.innerHeight) box.scrollIntoView({block: 'start'});
}"""


def make_predict(detector: Detector):
    def predict(image: Optional[str]) -> tuple[tuple[str, Optional[dict[str, float]]], str, str,
                                                Any, dict]:
        """Tell whether the face in a photo is real or fake (generated by AI, or manipulated).

        Every face found is scored; the most suspicious one decides. Works best on one clear,
        frontal face; without a face there is no verdict ("no face"). The file's own metadata
        is read too (C2PA Content Credentials, XMP, PNG generator settings, camera EXIF): a
        declared AI origin makes the verdict "fake", decided by provenance.

        Args:
            image: the photo to check: a JPEG, PNG or WebP image file showing a face.

        Returns:
            verdict: "real", "fake", "unsure" (too close to call) or "no face", with the pixel
                model's calibrated confidences of "real" and "fake" (summing to 1; none without
                a face).
            summary: the verdict box (HTML): verdict, what it is based on, and a caution.
            faces: the photo with every face boxed and captioned with its own verdict.
            heatmap: Grad-CAM of where in the deciding face the evidence for "fake" lies, shown
                for "fake" and "unsure" verdicts only.
            result: the answer as data: label, decided_by ("provenance" or "pixels"),
                confidences, face_found, every face's box, label and confidences, pixels (the
                pixel model's own label and confidences), provenance (claim, evidence, valid,
                trusted), and the model that answered.
        """
        if image is None:
            raise gr.Error("Upload a photo, take one with the webcam, or paste one first.", duration=None)
        try:
            data = read_bytes(image)  # the upload as sent: its metadata intact
            rgb = load_rgb(data)
        except InvalidImageError as error:
            print(f"rejected upload: {error}", flush=True)
            raise gr.Error(f"This file can't be checked: {error}.", duration=None, print_exception=False) from None
        prediction = detector.predict_rgb([rgb])[0]
        provenance = read_provenance(data)
        row = apply_to_row(prediction.to_json(), provenance)
        explains = prediction.label in ("fake", UNSURE)
        heatmap = save_output(detector.heatmap(rgb, prediction)) if explains else None
        return (
            (WORDS[row["label"]], prediction.confidences),
            banner(prediction, provenance),
            save_output(draw_faces(rgb, prediction)),
            heatmap,
            {**row, "model": model_facts(detector)},
        )

    return predict


def show_heatmap(result: Optional[dict]):
    """Show the heatmap panel only when it explains something: a "fake" or "unsure" verdict of
    the pixel model (a verdict decided by provenance alone has no heatmap)."""
    return gr.update(visible=bool(result) and (result.get("pixels") or {}).get("label") in ("fake", UNSURE))


def model_facts(detector: Detector) -> dict[str, Optional[str]]:
    source = detector.source
    return {"reference": source.reference, "revision": source.revision,
            "architecture": detector.config.architecture,
            "library_version": detector.config.library_version}


def save_output(rgb: np.ndarray) -> str:
    """Write an output image under a name of its own inside Gradio's cache.

    Returning an array would make Gradio write it to a path derived from its content, in place:
    two users sent the same picture would rewrite a file while the other is downloading it.
    """
    OUTPUT_FOLDER.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_FOLDER / f"{uuid.uuid4().hex}.jpg"
    Image.fromarray(rgb).save(path, quality=90)
    return str(path)


def make_flag(store: FeedbackStore):
    def flag(image: Optional[str], result: Optional[dict]) -> str:
        """Report a wrong verdict: keeps the photo, the answer and the model version."""
        if image is None or not result:
            raise gr.Error("Check a photo first; then you can report its verdict as wrong.")
        try:
            where = store.save(image, result)
        except FeedbackError as error:
            raise gr.Error(f"The report could not be saved: {error}") from None
        return f"Thank you: the report was saved ({where})."

    return flag


def header(detector: Detector) -> str:
    """Title, one line on what it does, and which model answers with a link to its card."""
    source = detector.source
    lines = [
        "# Deforgify: real or fake face?",
        "Upload, paste or take a photo of a face: Deforgify tells whether it looks like a real "
        "photograph or a generated or manipulated face (GAN faces, face swaps).",
        f"**Model:** `{source.name}` · [model card]({model_card_link(detector)})",
    ]
    if source.warning:
        lines.append(f"> ⚠️ {source.warning}.")
    return "\n\n".join(lines)


def model_card_link(detector: Detector) -> str:
    """The Hub page of a Hub model; for the bundled model, its card in this Space's files, or
    (run elsewhere) the card shown at the foot of this page."""
    hub = card_url(detector.source)
    if hub:
        return hub
    space = os.environ.get("SPACE_ID")
    if space and detector.source.reference == "bundled":
        return f"https://huggingface.co/spaces/{space}/blob/main/deforgify/bundled_model/README.md"
    return "#model-card"


def card_text(detector: Detector) -> str:
    """The model card without its metadata block, for the page's foot."""
    path = detector.source.folder / "README.md"
    text = path.read_text() if path.is_file() else "No model card."
    return text.split("\n---\n", 1)[-1] if text.startswith("---\n") else text


LIMITS = """**What it cannot do.** It was trained on a limited set of real and fake faces and can be
wrong on other cameras, heavy filters or compression, and on kinds of fakes it never saw (most
diffusion images, Photoshop edits). "Unsure" and "no face" are honest answers, not errors."""


def example_files() -> tuple[list[str], list[str]]:
    folder = Path(os.environ.get("DEFORGIFY_EXAMPLES", Path(__file__).parent / "examples"))
    found = [(folder / name, label) for name, label in EXAMPLES.items() if (folder / name).is_file()]
    return [str(path) for path, _ in found], [label for _, label in found]


def video_tab(detector: Detector) -> None:
    """The video input beside the photo one: a clip in; the verdict box as for photos, a chart of
    each face track's fake probability over time, the frame that decided with its faces boxed,
    and the answer as data (``/predict_video``). Frames are sampled 2 a second, at most 64; clips
    over 5 minutes or 200 MB are refused with a message, and decoding stops after 60 s."""
    import pandas as pd

    from deforgify.video.frames import InvalidVideoError, Limits, Sampling, frame_at
    from deforgify.video.judge import score_video
    from deforgify.video.present import chart_rows, deciding_frame_prediction, explain_video

    limits = Limits(max_seconds=300, max_bytes=200_000_000, time_limit=60)
    empty_chart = pd.DataFrame({"time (s)": [], "fake probability": [], "face": []})

    def predict_video(clip: Optional[str]) -> tuple[str, Any, Optional[str], dict]:
        """Tell whether the faces in a video are real or fake: frames are sampled evenly over the
        clip (2 a second, at most 64), faces followed across frames, each face scored from all of
        its frames; the most suspicious face decides.

        Args:
            clip: the video to check: an MP4, WebM or MOV file of at most 5 minutes and 200 MB.

        Returns:
            summary: the verdict box (HTML): verdict, what it is based on, and a caution.
            timeline: each face's fake probability over time (seconds).
            deciding_frame: the frame that decided, every face boxed with its own verdict.
            result: the answer as data: label, confidences, faces (one per face track),
                duration, frames (the timeline: t, label, confidences, faces), deciding_frame,
                provenance (videos' metadata is not read: claim "none"), and the model.
        """
        if clip is None:
            raise gr.Error("Upload a video first.", duration=None)
        try:
            video = score_video(detector, clip, Sampling(), limits)
        except InvalidVideoError as error:
            print(f"rejected video: {error}", flush=True)
            raise gr.Error(f"This video can't be checked: {error}.", duration=None, print_exception=False) from None
        row = {**video.to_json(), "model": model_facts(detector)}
        label = row["label"]
        edge, background = BANNER_COLOURS[label]
        box = (f'<div id="video-verdict-box" data-verdict="{label}" style="border-left:10px solid {edge};'
               f'background:{background};color:#1a1a1a;padding:12px 16px;border-radius:8px">'
               f'<div style="font-size:2em;font-weight:700;color:{edge};line-height:1.2">'
               f"{html.escape(WORDS[label].capitalize())}</div>"
               f"{_bars(row['confidences']) if row['confidences'] else ''}"
               f'<p style="margin:6px 0 4px 0">{html.escape(explain_video(row))}</p>'
               f'<p style="margin:0;font-size:0.9em;opacity:0.85">{html.escape(CAUTIONS[label].replace("photo", "video"))}</p></div>')
        rows = chart_rows(row)
        frame = None
        if row["deciding_frame"]:
            rgb = frame_at(clip, row["deciding_frame"]["t"])
            frame = save_output(draw_faces(rgb, deciding_frame_prediction(row))) if rgb is not None else None
        return box, pd.DataFrame(rows) if rows else empty_chart, frame, row

    with gr.Accordion("Check a video", open=True, elem_id="video-check"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                clip = gr.Video(sources=["upload"], format=None, include_audio=True,
                                label="Video with a face (MP4, WebM, MOV; at most 5 min, 200 MB)", height=300,
                                elem_id="video-input")
                check = gr.Button("Check the video", variant="primary")
            with gr.Column(scale=1):
                summary = gr.HTML(label="summary", elem_id="video-verdict")
                timeline = gr.LinePlot(empty_chart, x="time (s)", y="fake probability", color="face",
                                       y_lim=[0, 1], label="timeline", elem_id="video-timeline")
                deciding = gr.Image(type="filepath", label="deciding frame", elem_id="video-frame")
                result = gr.JSON(label="video result")
    check.click(predict_video, clip, [summary, timeline, deciding, result], api_name="predict_video",
                concurrency_limit=CONCURRENCY)


def build_demo(detector: Detector, store: FeedbackStore) -> gr.Blocks:
    predict = make_predict(detector)
    with gr.Blocks(title="Deforgify: real or fake face?", analytics_enabled=False,
                   delete_cache=CACHE_LIFETIME) as demo:
        gr.Markdown(header(detector))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                image = ImageFile(type="filepath", sources=["upload", "webcam", "clipboard"],
                                  image_mode=None, label="Photo of a face", height=300)
                submit = gr.Button("Submit", variant="primary")
                paths, labels = example_files()
                examples = gr.Examples(paths, inputs=image, example_labels=labels,
                                       label="Examples: click one to check it",
                                       api_visibility="private") if paths else None
            with gr.Column(scale=1):
                summary = gr.HTML(label="summary", elem_id="verdict")
                # The banner shows the confidences in a fixed order; the Label is the API's.
                verdict = Verdict(num_top_classes=2, label="verdict", visible=False)
                faces = gr.Image(type="filepath", label="faces", show_label=False)
                heatmap = gr.Image(type="filepath", label="heatmap", visible=False,
                                   show_label=False)
                result = gr.JSON(label="result")
                with gr.Row():
                    flag_button = gr.Button("Wrong verdict?", size="sm", variant="secondary")
                    flag_status = gr.Markdown()
                gr.Markdown(PRIVACY)
        outputs = [verdict, summary, faces, heatmap, result]
        video_tab(detector)
        gr.Markdown(LIMITS)
        with gr.Accordion("Model card", open=False, elem_id="model-card"):
            gr.Markdown(card_text(detector))

        def answer(trigger, **options) -> None:
            """Predict, then show the heatmap if it explains something, then bring the verdict
            into view (on a phone it sits below the input)."""
            trigger(predict, image, outputs, concurrency_limit=CONCURRENCY, **options) \
                .success(show_heatmap, result, heatmap, api_visibility="private") \
                .then(None, js=SCROLL_TO_VERDICT)

        answer(submit.click, api_name="predict")
        if examples:
            answer(examples.load_input_event.then, api_visibility="private")
        flag_button.click(make_flag(store), [image, result], flag_status, api_name="flag")
    return demo.queue(max_size=QUEUE_SIZE)


def launch_options() -> dict[str, Any]:
    """Serve an MCP tool too when ``gradio[mcp]`` is installed; the base install has no MCP."""
    from importlib.util import find_spec

    return {"mcp_server": find_spec("mcp") is not None}


demo = build_demo(_detector.result(), FeedbackStore.from_environment())

if __name__ == "__main__":
    demo.launch(**launch_options())
