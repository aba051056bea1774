"""The video's section of the page and its API, ``/predict_video``: a clip in; its verdict
box, each face's fake probability over time, the frame that decided, the answer as data, and a
report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from deforgify.app.about_model import model_line
from deforgify.app.api_errors import error_row
from deforgify.app.browser import (CLOSE_MESSAGES, FOCUS_CHECK_VIDEO, FORGET_REFUSAL, VIDEO_CHECK_STARTED_JS,
                                   scroll_into_view)
from deforgify.app.checks import CHECKS, VIDEO_LIMITS, faults_said, make_judge_clip, video_refused
from deforgify.app.components import (LIVE_REGION, PICTURE_BUTTONS, DecidingFrame, Timeline, VideoFile,
                                      VideoResultJSON, VideoSummary, section_heading)
from deforgify.app.latest_upload import LATEST_CLIP
from deforgify.app.log import log
from deforgify.app.reports import Flag, answer_shown, make_report_ready, report_controls, unchosen
from deforgify.app.verdict_box import (AWAITING_CLIP, CHECK_A_VIDEO, CHECKING_CLIP, error_box, no_clip_box,
                                       video_banner)
from deforgify.detector import Detector
from deforgify.feedback import Answers
from deforgify.model.calibration import Calibration
from deforgify.refusals import INTERNAL_ERROR, TIME_LIMIT
from deforgify.video.frames import InvalidVideoError, open_video


ARRIVAL_LIMITS = replace(VIDEO_LIMITS, time_limit=2.0)
"""A clip's header read as it arrives: a clip whose header gives no duration (a browser's WebM) is
read through to find one, which waits for its check."""
TRY_ANOTHER_CLIP = (f"Try an MP4, WebM, MOV, MKV or AVI clip of at most {VIDEO_LIMITS.max_seconds / 60:g} minutes "
                    "that shows a face.")


def refusal_box(message: str) -> str:
    """The video's verdict box for a refusal (``message``: "This video can't be checked: ...")."""
    return error_box(message, "video", TRY_ANOTHER_CLIP, "video-verdict-box")


VIDEO_PRIVACY = ("**Privacy of clips.** A clip is kept for at most two hours to show you the answer, then deleted. "
                 "A report keeps one frame of it (the one that decided, or the first of a clip without a face), "
                 "never the clip, as the privacy note under the photo says.")

FACE_COLOURS = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6"]
"""The video timeline's face lines (Vega's own category colours, which an incomplete colour map
would leave out); GUIDE_GREY draws the unsure band's edges, apart from any face."""

GUIDE_GREY = "#b4b9c2"

TIMELINE_LINE = " "
"""The column of the page's timeline naming each line (a face's, or a guide's), itself unnamed:
each point's tooltip heads its value with it and the legend its faces ("face" called a grey
guide a face; "line" stood above the legend's faces as a stray title: two walks' finds)."""

CHECK_VIDEO, CHECKING_VIDEO = "Check the video", "Checking the video…"


def page_timeline(row: dict, calibration: Calibration) -> dict:
    """The timeline as the page draws it: each face's line, broken where it was not seen,
    against grey lines at the unsure band's edges, across the whole clip, with a caption in
    words that also names the lines (the legend lists the faces only: the lines read as more
    faces there, and overflowed a phone's width); the API's is the faces' rows, with their
    "face" column (see :data:`TIMELINE_LINE` for the page's)."""
    import pandas as pd

    from deforgify.video.present import band_guides, chart_rows, dash_rows, gap_rows, timeline_caption

    guides = band_guides(row, calibration)
    points = chart_rows(row)
    faces = sorted({r["face"] for r in points}, key=lambda name: int(name.split()[-1]))
    colours = {name: FACE_COLOURS[i % len(FACE_COLOURS)] for i, name in enumerate(faces)}
    chart = pd.DataFrame(points + dash_rows(row) + gap_rows(row) + guides).rename(columns={"face": TIMELINE_LINE})
    return {"value": chart, "color": TIMELINE_LINE, "x_lim": [0, guides[-1]["time (s)"]],
            "color_map": {**colours, **{guide["face"]: GUIDE_GREY for guide in guides}},
            "colors_in_legend": faces, "caption": timeline_caption(row, calibration)}


def video_section(detector: Detector, answers: Answers, flag: Flag) -> None:
    """The video input beside the photo one: a clip in; the verdict box as for photos, a chart of
    each face track's fake probability over time, the frame that decided with its faces boxed,
    the answer as data (``/predict_video``), and a report of a wrong answer as for photos
    (``flag``: the frame that decided is kept, or the first frame of a clip without a face).
    Frames are sampled 2 a second, at most 64; clips over 5 minutes or 200 MB are refused with a
    message, and decoding stops after 60 s."""
    import pandas as pd

    from deforgify.video.present import chart_rows, describe_deciding_frame

    line = model_line(detector)
    judge_clip = make_judge_clip(detector, answers)
    report_state = make_report_ready(answers, "video")

    def answered(answer_id: str, now: Optional[str], row: Optional[dict], request: gr.Request) -> tuple[Any, ...]:
        """Once an answer is shown: its report controls, and the button ready for the clip on the page,
        but for a clip refused for what it is (too long, no video): checking it again could only
        refuse it again (a visitor's 6-minute clip was refused at each click). A fault of ours or
        the time limit on a busy server may pass: then it stays ready."""
        refused = row is not None and row.get("error_code") not in (None, INTERNAL_ERROR, TIME_LIMIT)
        return (answer_shown(answer_id), gr.Button(CHECK_VIDEO, interactive=now is not None and not refused),
                *report_state(answer_id, row, request))

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
            timeline: each face's fake probability over time (seconds), to three decimals and kept
                between 0.001 and 0.999, as the chart's tooltips read them (the result has them whole).
            deciding_frame: the frame that decided, every face boxed with its own verdict.
            result: the answer as data: label, confidences, faces (one per track), duration, frames, the model.
        """
        row, frame = judge_clip(clip)
        with faults_said("video"):
            rows = chart_rows(row)
            box = video_banner(row, detector.config.calibration, line)
        return box, pd.DataFrame(rows) if rows else None, frame, row  # no chart (nor legend) without a face judged

    def _shown(chart: Optional[dict], frame: Optional[str], alt_text: Optional[str] = None) -> tuple[dict, dict]:
        """The timeline (``chart``: see :func:`page_timeline`) and the deciding frame, each hidden
        when the answer leaves it empty (no face, or no answer yet: two blank boxes under "No face"
        read as something that failed)."""
        return (gr.update(**(chart or {"value": None, "caption": None}), visible=chart is not None),
                gr.update(value=frame, visible=frame is not None, alt_text=alt_text))

    def no_answer(box: str, row: Optional[dict] = None) -> tuple[Any, ...]:
        """The page's outputs without an answer: ``box`` in the verdict's place (the reason, or
        what is awaited), timeline and frame hidden, no answer id, no report status or choice."""
        return (box, *_shown(None, None), row, "", "", None)

    def page_video(clip: Optional[str], request: gr.Request) -> tuple:
        """What the page shows: the answer, or the reason in the verdict box (no toast, no error
        marks); nothing when another clip (or none) is on the page by the time it is ready."""
        if clip is None:
            return no_answer(no_clip_box())
        try:
            box, chart, frame, row = predict_video(clip)
            calibration = detector.config.calibration
            with faults_said("video"):
                drawn = page_timeline(row, calibration) if chart is not None else None
                alt_text = describe_deciding_frame(row, calibration) if frame else None
            answer: tuple[Any, ...] = (box, *_shown(drawn, frame, alt_text), row, row.get("answer_id", ""), "",
                                       unchosen(row["label"]))
        except gr.Error as error:
            answer = no_answer(refusal_box(str(error.message)), error_row(error))
        return answer if LATEST_CLIP.is_latest(request, clip) else tuple(gr.skip() for _ in answer)

    def checked_on_arrival(clip: Optional[str], request: gr.Request) -> tuple[Any, Any, Any]:
        """A clip its header refuses (too long, frames too large or small, no video), said as soon
        as it arrives, its button kept off (a visitor's 6-minute clip was refused only once
        checked); a clip whose header cannot tell within ARRIVAL_LIMITS waits for its check, and
        a refusal that comes once another clip (or none) is on the page is not shown."""
        unchanged = (gr.skip(), gr.skip(), gr.skip())
        if clip is None:
            return unchanged
        try:
            open_video(Path(clip), ARRIVAL_LIMITS)[0].release()
        except InvalidVideoError as error:
            if error.code != TIME_LIMIT and LATEST_CLIP.is_latest(request, clip):
                refused = video_refused(error, " on arrival")
                return refusal_box(str(refused.message)), gr.Button(interactive=False), error_row(refused)
        except Exception as error:  # noqa: BLE001  its check says what it is, in words
            log(f"a clip's header not read on arrival: {type(error).__name__}: {error}")
        return unchanged

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
    clip.change(lambda new: (*no_answer(AWAITING_CLIP), gr.Button(CHECK_VIDEO, interactive=new is not None),
                             answer_shown("")), clip,
                [*page_outputs, check, report.box],
                queue=False, api_visibility="private", show_progress="hidden")
    clip.change(LATEST_CLIP.record, clip, None, queue=False, api_visibility="private", show_progress="hidden") \
        .then(checked_on_arrival, clip, [summary, check, result], queue=False, api_visibility="private",
              show_progress="hidden", trigger_mode="always_last")  # once recorded: its refusal if still on the page
    clip.change(None, clip, None, js="(clip) => { if (clip) { " + FORGET_REFUSAL.format(input="video-input")
                + CLOSE_MESSAGES + " } }", queue=False, api_visibility="private")  # a refused file empties the input
    clip.upload(None, js=FOCUS_CHECK_VIDEO, queue=False, api_visibility="private")
    # While it is checked: the button says so and cannot be pressed again, and the answer's place is in view.
    check.click(None, js=VIDEO_CHECK_STARTED_JS, queue=False, api_visibility="private")
    check.click(lambda: (gr.Button(CHECKING_VIDEO, interactive=False), CHECKING_CLIP), None, [check, summary],
                queue=False, api_visibility="private", show_progress="hidden") \
        .then(page_video, clip, page_outputs, **CHECKS, api_visibility="private") \
        .then(answered, [report.answer_id, clip, result], [report.box, check, *report.ready], queue=False,
              api_visibility="private",
              show_progress="hidden") \
        .then(None, js=scroll_into_view("video-verdict-box"))
    report.connect(flag, result)
    api_video = gr.Button(visible=False)  # the API: the same answer, with errors raised for programs
    api_video.click(predict_video, clip, outputs, api_name="predict_video", **CHECKS)
