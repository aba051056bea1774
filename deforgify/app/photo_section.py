"""The photo's section of the page: the photo input (upload, webcam, clipboard) and its
examples beside its answer (verdict box, faces, heatmap, the answer as data, a report)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import gradio as gr

from deforgify.app.about_model import example_files, model_line, saved_another_way, trained_on_note
from deforgify.app.api_errors import error_row
from deforgify.app.browser import CLEAR_JS, FORGET_REFUSAL, SCROLL_TO_VERDICT
from deforgify.app.checks import CHECKS, faults_said, make_check, make_judge_clip
from deforgify.app.components import (LIVE_REGION, PICTURE_BUTTONS, FacesImage, HeatmapImage, ImageFile, ResultJSON,
                                      Summary, Verdict, section_heading)
from deforgify.app.latest_upload import LATEST_PHOTO
from deforgify.app.log import log
from deforgify.app.reports import Flag, answer_shown, make_report_ready, report_controls, unchosen
from deforgify.app.verdict_box import (AWAITING_PHOTO, CHECKING_AGAIN, close_up_alt, close_up_note, error_box,
                                       heatmap_alt, heatmap_legend, overruled, video_banner, which_decides)
from deforgify.detector import Detector
from deforgify.explain.words import WORDS, describe_faces
from deforgify.feedback import Answers, FeedbackStore
from deforgify.model.facts import metrics_in
from deforgify.refusals import ANIMATED_IMAGE

PRIVACY = (
    "**Privacy.** Photos and videos are kept for at most two hours to show you the answer, then deleted. "
    "Nothing is kept longer unless you report an answer as wrong: then the photo's pixels (of a video, "
    "one frame: the one that decided, or the first of a clip without a face; metadata, such as camera "
    "details and GPS location, removed), the answer, the model version "
    "and what you said it should have been are kept for up to {days} days to improve the model, "
    "then deleted. The report's id is shown when it is saved: to have a report deleted sooner, "
    "write to the maintainers of this app (on a Hugging Face Space: its Community tab) quoting the id."
)

CHECK_AGAIN = "Check this photo again"


HIDDEN_PICTURE: dict[str, Any] = {"value": None, "visible": False}
"""An answer's picture place with nothing in it, out of the layout (an empty box read as a
picture that failed to load)."""
HIDDEN_NOTE: dict[str, Any] = {"value": "", "visible": False}
"""The note under that picture (the heatmap's legend, the close-up's words), emptied with it."""


class PhotoOutputs(NamedTuple):
    """What the page's photo check fills, in the order of its outputs (:func:`photo_section`)."""

    verdict: Any
    summary: Any
    faces: Any
    heatmap: Any
    """The heatmap, or the close-up of a small deciding face, in its place."""
    result: Any
    legend: Any
    """How to read the heatmap, or what the close-up is."""
    answer_id: Any
    status: Any
    should_be: Any

    @classmethod
    def unchanged(cls) -> "PhotoOutputs":
        return cls(*(gr.skip() for _ in cls._fields))


def make_page_check(detector: Detector, answers: Answers, again: bool = False
                    ) -> Callable[[Optional[str], gr.Request], PhotoOutputs]:
    """What the page runs when a photo arrives or is checked again: the answer, or the reason in
    the verdict box (no toast, no error marks; no empty picture box under it, which read as a
    picture that failed to load); the result images with alt text; the heatmap
    and its legend only when the heatmap explains something, or else, in their place, a small
    deciding face close up with a note; the answer id for a report.
    ``again``: for the re-check button, which checks even a photo already answered."""
    check = make_check(detector, answers)
    as_clip = make_page_clip(detector, answers)
    unchanged = PhotoOutputs.unchanged()

    def page_check(image: Optional[str], request: gr.Request) -> PhotoOutputs:
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
            return PhotoOutputs(None, error_box(str(answer.message)), gr.update(**HIDDEN_PICTURE, alt_text=None),
                                gr.update(**HIDDEN_PICTURE), error_row(answer),  # as the CLI's rows
                                gr.update(**HIDDEN_NOTE), answer_id="", status="", should_be=None)
        with faults_said("photo"):  # the words and pictures' texts too: a fault there is ours as well
            verdict, summary, faces, heatmap, row, prediction, close_up = answer
            calibration = detector.config.calibration
            fake = prediction.confidences["fake"] if prediction.confidences else 0.0
            shown = heatmap or close_up
            note = (heatmap_legend(fake, calibration, which_decides(prediction)) if heatmap
                    else close_up_note(prediction, calibration) if close_up else "")
            return PhotoOutputs(
                verdict, summary,
                faces=gr.update(value=faces, visible=True,
                                alt_text=describe_faces(prediction, overruled(row), calibration=calibration)),
                heatmap=gr.update(value=shown, visible=shown is not None,
                                  alt_text=(heatmap_alt(prediction, calibration) if heatmap
                                            else close_up_alt(prediction, calibration) if close_up else None)),
                result=row, legend=gr.update(value=note, visible=shown is not None),
                answer_id=row["answer_id"], status="",
                should_be=unchosen(row["label"]),
            )

    return page_check


def make_page_clip(detector: Detector, answers: Answers) -> Callable[[str], Optional[PhotoOutputs]]:
    """The photo's outputs (as :func:`make_page_check` gives them) for an animated picture sent
    as a photo, checked as a clip: the video's verdict box, saying so first, its deciding frame
    in the faces' place, its answer as data and a report; None when the clip cannot be checked
    either (the photo's refusal stands). The video uploader refuses such a file in the browser
    (Gradio takes video types only there), so the page had told a visitor to convert it."""
    from deforgify.video.present import deciding_track, describe_deciding_frame

    judge_clip, line = make_judge_clip(detector, answers), model_line(detector)

    def as_clip(image: str) -> Optional[PhotoOutputs]:
        try:
            row, frame = judge_clip(image)
        except gr.Error:
            return None
        with faults_said("video"):
            log("checked as a clip instead: an animated picture sent as a photo")
            lead = "An animated picture, so it was checked as a clip, frame by frame."
            box = video_banner(row, detector.config.calibration, line, lead=lead, element_id="verdict-box",
                               picture="animated picture")
            unused = (deciding_track(row) or {}).get("caution")  # a face not judged: its scores are not the answer
            return PhotoOutputs(
                (WORDS[row["label"]], None if unused else row["confidences"]), box,
                faces=gr.update(value=frame, visible=frame is not None,
                                alt_text=describe_deciding_frame(row, detector.config.calibration) if frame else None),
                heatmap=gr.update(**HIDDEN_PICTURE), result=row, legend=gr.update(**HIDDEN_NOTE),
                answer_id=row.get("answer_id", ""), status="",
                should_be=unchosen(row["label"]))

    return as_clip


def cleared() -> PhotoOutputs:
    """Every output of a check emptied: nothing of an earlier answer stays on the page, and no
    empty picture box either (the faces picture comes back with the next answer). The report's
    choice and status are left alone: the browser emptied them at once (CLEAR_JS), and this reply
    may come after the user chose again or tried to report."""
    return PhotoOutputs(None, AWAITING_PHOTO, gr.update(**HIDDEN_PICTURE, alt_text=None), gr.update(**HIDDEN_PICTURE),
                        None, gr.update(**HIDDEN_NOTE), answer_id="", status=gr.skip(), should_be=gr.skip())


def make_settled(answers: Answers) -> Callable[[str, Optional[dict], gr.Request], tuple[Any, ...]]:
    """The re-check button and the report controls once the page has settled: shown for a photo
    with an answer; not for a file that cannot be checked (it would only fail again) or an empty
    photo. The button is left in the page, taking no room, until then: shown greyed before any
    photo, it puzzled two visitors (what is "again" before a first check?)."""
    ready = make_report_ready(answers)

    def settled(answer_id: str, row: Optional[dict], request: gr.Request) -> tuple[Any, ...]:
        return (gr.Button(visible=True if answer_id else "hidden"), answer_shown(answer_id),
                *ready(answer_id, row, request))

    return settled


def photo_section(detector: Detector, answers: Answers, flag: Flag, store: FeedbackStore,
                  examples: Optional[Path]) -> tuple[ImageFile, list[Any]]:
    """The photo's section, laid out and wired: the photo input, its re-check button and the
    examples in ``examples``; beside them its answer and a report. Gives the input and the
    answer's outputs, for the API's ``/predict``."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=1):
            section_heading("Check a photo")
            image = ImageFile(type="filepath", sources=["upload", "webcam", "clipboard"],
                              image_mode=None, label="Photo of a face", height=300, elem_id="photo")
            check_again = gr.Button(CHECK_AGAIN, variant="secondary", visible="hidden", elem_id="check-again")
            paths, labels = example_files(detector, examples) if examples else ([], [])
            if paths:
                gr.Examples(paths, inputs=image, example_labels=labels,
                            label="Examples: click one to check it", api_visibility="private")
            gr.Markdown(saved_another_way(metrics_in(detector.source.folder)) + trained_on_note(detector, paths),
                        elem_id="saved-another-way")
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
    settled = make_settled(answers)
    outputs = [verdict, summary, faces, heatmap, result]
    page_outputs = outputs + [legend, report.answer_id, report.status, report.should_be]  # as PhotoOutputs
    settle = [check_again, report.box, *report.ready]
    # One photo, one answer: a new or cleared photo empties every answer at once (in the
    # browser), then the server checks it; the latest photo is always checked last.
    image.change(None, image, [*page_outputs, check_again, report.box], js=CLEAR_JS, queue=False,
                 api_visibility="private")
    image.change(LATEST_PHOTO.record, image, None, queue=False, api_visibility="private", show_progress="hidden")
    image.change(make_page_check(detector, answers), image, page_outputs, **CHECKS, trigger_mode="always_last",
                 api_visibility="private", show_progress="minimal", show_progress_on=summary) \
        .then(settled, [report.answer_id, result], settle, queue=False, api_visibility="private",
              show_progress="hidden") \
        .then(None, js=SCROLL_TO_VERDICT)
    check_again.click(None, None, summary, queue=False, api_visibility="private",
                      js=f"() => {{ {FORGET_REFUSAL.format(input='photo')} return {json.dumps(CHECKING_AGAIN)}; }}")
    check_again.click(make_page_check(detector, answers, again=True), image, page_outputs,
                      **CHECKS, api_visibility="private", show_progress="minimal", show_progress_on=summary) \
        .then(settled, [report.answer_id, result], settle, queue=False, api_visibility="private",
              show_progress="hidden") \
        .then(None, js=SCROLL_TO_VERDICT)
    report.connect(flag, result)
    return image, outputs
