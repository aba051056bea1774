"""The whole page and how it is served: header, the photo's and the video's sections, limits
and model card, the API's endpoints, and the options ``launch`` takes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from deforgify.app.about_model import HOW_OFTEN_RIGHT, LIMITS, card_text, header, how_often_right
from deforgify.app.api_guards import BodyLimit, CheckedBlocks, NamedCalls, ResultReads, Uploads, unknown_endpoint
from deforgify.app.browser import PAGE_CSS, PAGE_HEAD
from deforgify.app.checks import CHECKS, VIDEO_MAX_BYTES, make_predict
from deforgify.app.components import AnswerId, FaceNumber, ReportStatus, ShouldBe
from deforgify.app.photo_section import photo_section
from deforgify.app.reports import REPORTS, make_flag, worded
from deforgify.app.video_section import video_section
from deforgify.decode.images import MAX_FILE_BYTES
from deforgify.detector import Detector
from deforgify.feedback import ANSWER_LIFETIME, SHOULD_BE, Answers, FeedbackStore

CACHE_LIFETIME = (ANSWER_LIFETIME, ANSWER_LIFETIME)
"""Every hour, delete cached uploads and outputs older than an hour; an answer can be reported
for that hour (:data:`deforgify.feedback.ANSWER_LIFETIME`), while its photo is still here."""

QUEUE_SIZE = 64


def build_demo(detector: Detector, store: FeedbackStore, examples: Optional[Path] = None) -> gr.Blocks:
    """The page and the API answering with ``detector``, reports kept in ``store``, the example
    photos from the folder ``examples`` (none without one)."""
    answers = Answers()
    flag = make_flag(store, answers)
    with CheckedBlocks(title="Deforgify: real or fake face?", analytics_enabled=False,
                       delete_cache=CACHE_LIFETIME) as demo:
        gr.Markdown(header(detector))
        image, outputs = photo_section(detector, answers, flag, store, examples)
        gr.Markdown(how_often_right(detector), elem_id=HOW_OFTEN_RIGHT)
        video_section(detector, answers, flag)
        gr.Markdown(LIMITS)
        with gr.Accordion("Model card", open=False, elem_id="model-card"):
            gr.Markdown(card_text(detector))
        # The API: the same answer, with errors raised for programs (the page shows them in words).
        api_predict = gr.Button(visible=False)
        api_predict.click(make_predict(detector, answers), image, outputs, **CHECKS, api_name="predict")
        api_flag = gr.Button(visible=False)  # its own inputs: named for any answer, the photo's or a video's
        flag_inputs = [AnswerId(label="answer id", visible=False),
                       ShouldBe(worded(SHOULD_BE), label="should be", visible=False),
                       FaceNumber(None, precision=0, label="face", visible=False)]
        api_flag.click(flag, flag_inputs, ReportStatus(label="report status", visible=False), api_name="flag",
                       **REPORTS)
    # Every call through the queue: Gradio leaves its direct routes (/gradio_api/run/...) open off
    # a Space, and there they bypassed the concurrency groups (4 checks of large photos at once).
    return demo.queue(max_size=QUEUE_SIZE, api_open=False)


THEME = gr.themes.Default(font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif",
                                 "system-ui", "sans-serif"])
"""Gradio's theme, its bold text in Source Sans Pro Bold: the semi-bold file Gradio ships (5 KB)
holds hardly more than "A" and "B", so a bold "Fake: its file declares it made by AI" was drawn
in a fallback font but for its "A" (a visitor's find)."""


def launch_options() -> dict[str, Any]:
    """Serve MCP tools too when ``gradio[mcp]`` is installed (the base install has no MCP), unless
    GRADIO_MCP_SERVER says otherwise; give the message of every error, Gradio's own included: a
    path it refuses, a link it cannot fetch or an argument missing came as ``{"error": null}``;
    refuse an upload larger than any file the page checks (Gradio kept any size, for two hours),
    and any other request over :data:`deforgify.app.api_guards.BODY_LIMIT`; refuse in words a call to an endpoint it has
    not (or one of the page's own), values by name that do not fit its parameters
    (:class:`NamedCalls`), and a read of a result it does not hold, being read, or cancelled
    (:class:`ResultReads`)."""
    from importlib.util import find_spec

    from gradio.route_utils import FnIndexInferError
    from starlette.middleware import Middleware

    mcp = {} if "GRADIO_MCP_SERVER" in os.environ else {"mcp_server": find_spec("mcp") is not None}
    return {**mcp, "show_error": True, "css": PAGE_CSS, "head": PAGE_HEAD, "theme": THEME,
            "max_file_size": max(MAX_FILE_BYTES, VIDEO_MAX_BYTES),
            "app_kwargs": {"middleware": [Middleware(BodyLimit), Middleware(Uploads), Middleware(NamedCalls),
                                          Middleware(ResultReads)],
                           "exception_handlers": {FnIndexInferError: unknown_endpoint}}}
