"""Reporting an answer as wrong: the API's ``/flag``, the page's report controls under each
answer, and where reports are kept."""

from __future__ import annotations

import functools
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, Sequence

import gradio as gr

from deforgify.app.api_errors import BAD_CHOICE, REPORT_NOT_SAVED, REPORT_REFUSED, TRY_AGAIN_LATER
from deforgify.app.browser import scroll_into_view
from deforgify.app.components import AnswerId, ReportStatus, ShouldBe
from deforgify.app.log import log
from deforgify.explain.words import WORDS, caption, shown_places
from deforgify.feedback import (SHOULD_BE, Answers, ClientQuota, FeedbackError, FeedbackStore, IssuedAnswer, NotNow,
                                NotSaved, choices_against, reported_label, save_report)
from deforgify.model.calibration import NO_FACE, Calibration

REPORTS: dict[str, Any] = {"concurrency_id": "reports", "concurrency_limit": 1}
"""Reports, from either section's button or the API, saved one at a time."""


class Flag(Protocol):
    """Reporting an answer as wrong: (answer id, what it should have been, the request, which
    face) -> the report's status."""

    def __call__(self, answer_id: str, should_be: str, request: gr.Request, face: Optional[int] = None) -> str: ...


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

    def flag(answer_id: str, should_be: str, request: gr.Request, face: Optional[int] = None) -> str:
        """Report an answer as wrong, or one face's of several: keeps the photo's pixels (of a
        video, one frame; metadata removed), the answer, the model version, which face and what
        it should have been. Only answers this
        server gave in the last hour, once each (and one per photo or clip for a session that
        checked it again); a quota bounds reports per hour (one visitor gets
        half of them at most) and their total size.

        Args:
            answer_id: The answer_id from /predict's or /predict_video's result.
            should_be: What the answer should have been: "real", "fake", "unsure" or "no_face" (there
                is no face: none in the photo, or the chosen face's box is not one).
            face: Which face is wrong, numbered from 1 as the answer's faces are listed (a clip's:
                its face tracks); leave it out (null) for the answer as a whole.

        Returns:
            status: the report's id (quote it to have the report deleted), or why it was refused.
        """
        if should_be not in SHOULD_BE:
            raise gr.Error(f"Say what the answer should have been ({', '.join(SHOULD_BE)}); nothing was stored.",
                           title=BAD_CHOICE, print_exception=False)  # a refusal, not a fault: no traceback in the log
        answer_id = answer_id.strip() if isinstance(answer_id, str) else answer_id  # as copied from a page
        try:
            report_id = save_report(answers, quota, store, answer_id, should_be,
                                    reporter_of(request), client_of(request), face)
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
        said = (f"{f'face {face}' if face else 'it'} should be {WORDS[should_be]}" if should_be != NO_FACE
                else f"face {face} is no face" if face else "it has no face")  # what was chosen, to check
        return (f"Thank you: report {report_id} ({said}) was saved.{unsent} To have it deleted sooner, write to the "
                "maintainers of this app (on a Hugging Face Space: its Community tab) quoting this id.")

    return flag


SAVED, NOT_SAVED = "✓ ", "⚠ "
"""How the page's report status starts: a saved report and a refusal looked alike, in plain grey.
Text symbols, which common fonts have (DejaVu Sans): emoji showed as empty boxes without an emoji font."""

REPORTED = "Reported"


def worded(choices: Sequence[str]) -> list[tuple[str, str]]:
    """The report's choices as the page words them ("no face"), each sent as the result labels it
    ("no_face")."""
    return [(WORDS[choice], choice) for choice in choices]


CHOOSE_FIRST = "Choose what the answer should have been (one of the choices above), then report."


def chosen(status: str) -> Any:
    """The report's status once a choice is made: the request to choose first goes (a visitor saw
    it stay beside the choice made); any other status stays."""
    return "" if status.endswith(CHOOSE_FIRST) else gr.skip()


def report_label(picture: str = "photo", face: Optional[int] = None) -> str:
    return f"Report {f'face {face}' if face else f'the {picture}'}'s answer as wrong"


def report_ready(row: Optional[dict], picture: str = "photo", earlier: Optional[IssuedAnswer] = None
                 ) -> tuple[gr.Button, Any, Any, Any]:
    """The report button, the choice and which face, as they are before a report, as they come
    back beside each new answer ``row`` (updates: called inside the page's layout, it would draw a
    second button); and the report's status. Which face is asked only of an answer with several: a visitor could not say
    that face 2 of a video call, captioned "real", was the fake one. An answer about a file this
    session reported already (``earlier``, checked again) shows that report done: its button
    looked ready, then refused."""
    if earlier is not None:
        return (gr.Button(REPORTED, interactive=False), gr.update(interactive=False), gr.update(visible=False),
                f"{SAVED}This {picture} was reported in this session{earlier.told_reported}.")
    faces = (row or {}).get("faces") or []
    label = (row or {}).get("label") or ""
    model = (row or {}).get("model")
    choices = [(f"the {picture}'s answer: {WORDS.get(label, label)}", 0)] + [
        (f"face {number}: {face_words(face, model)}", number) for number, face in enumerate(faces, 1)]
    several = len(faces) > 1
    question = "It should have been:" if several else f"Is the {picture}'s answer wrong? It should have been:"
    return (gr.Button(report_label(picture), interactive=True), gr.update(interactive=True, label=question),
            gr.update(choices=choices, value=0, visible=several, interactive=True), gr.skip())


def unchosen(label: str) -> Any:
    """The choice of what an answer labelled ``label`` should have been, as it comes beside that
    answer: nothing chosen, any answer but its own offered."""
    return gr.update(value=None, choices=worded(choices_against(label)))


def make_report_ready(answers: Answers, picture: str = "photo"
                      ) -> Callable[[str, Optional[dict], gr.Request], tuple[Any, ...]]:
    """:func:`report_ready` for the answer on the page (``answer_id``, its ``row``), knowing
    whether the visitor's session reported its file before."""
    def ready(answer_id: str, row: Optional[dict], request: gr.Request) -> tuple[Any, ...]:
        earlier = answers.reported_before(answer_id, reporter_of(request)) if answer_id else None
        return report_ready(row if answer_id else None, picture, earlier)

    return ready


def face_words(face: dict, model: Optional[dict] = None) -> str:
    """A face's answer as its caption on the picture words it, share and all: "real (fake 16%)",
    "unsure: no colour" (a visitor could not tell five "unsure" faces apart by their words alone),
    the share to the decimals the caption gives it beside an edge of the ``model``'s unsure band
    (a visitor read "fake 19%" here beside "fake 18.9%" on the picture, by the band's 19.2%)."""
    confidences = face.get("confidences") or {}
    band = (model or {}).get("unsure_band")
    calibration = Calibration(unsure_low=band[0], unsure_high=band[1]) if band else None
    places = shown_places(confidences["fake"], calibration) if "fake" in confidences else 0
    return caption(face.get("label") or "", confidences, face.get("caution"), places)


def against(face: Optional[int], row: Optional[dict], should_be: Optional[str],
            picture: str = "photo") -> tuple[Any, gr.Button]:
    """The choices of what the answer (``row``, as on the page) should have been once a face (or
    the answer: 0) is chosen, any but its own label (:func:`~deforgify.feedback.reported_label`;
    a choice made that is still one of them stays), and the button naming what it reports."""
    try:
        chosen = face or None
        label = reported_label(row or {}, chosen)
    except FeedbackError:  # no such face (a stale choice): the answer's
        chosen, label = None, (row or {}).get("label")
    choices = choices_against(label)
    return (gr.update(choices=worded(choices), value=should_be if should_be in choices else None),
            gr.Button(report_label(picture, chosen)))


def make_page_flag(flag: Flag, picture: str = "photo") -> Callable[[str, Optional[str], Optional[int], gr.Request],
                                                                   tuple]:
    """The report button's answer on the page (``picture``: what the answer was of, "photo" or
    "video"): its status, and the button done with once the answer is reported (a second click
    replaced the thank-you, and the id to quote, with "already reported")."""
    def page_flag(answer_id: str, should_be: Optional[str], face: Optional[int],
                  request: gr.Request) -> tuple[str, Any, Any, Any]:
        if not answer_id:
            return (f"{NOT_SAVED}There is no answer on the page to report: check a {picture} first (a file that "
                    "can't be checked has no answer)."), gr.update(), gr.update(), gr.update()
        if not should_be:
            return f"{NOT_SAVED}{CHOOSE_FIRST}", gr.update(), gr.update(), gr.update()
        try:  # done with: the choices too (a visitor changed one after "Reported", which then said nothing)
            return (SAVED + flag(answer_id, should_be, request, face or None), gr.Button(REPORTED, interactive=False),
                    gr.update(interactive=False), gr.update(interactive=False))
        except gr.Error as error:
            return NOT_SAVED + str(error.message), gr.update(), gr.update(), gr.update()

    return page_flag


@dataclass(frozen=True)
class ReportControls:
    """Under an answer: its id (hidden), what it should have been, the report button and its
    status, all in ``box``, which shows only while an answer is on the page (a report needs one)."""
    box: gr.Column
    answer_id: "AnswerId"
    face: gr.Radio
    should_be: "ShouldBe"
    button: gr.Button
    status: "ReportStatus"
    picture: str = "photo"
    """What the answer is of, as the controls' words name it: "photo" or "video"."""

    @property
    def ready(self) -> list[Any]:
        """The outputs :func:`report_ready` fills, in its order."""
        return [self.button, self.should_be, self.face, self.status]

    def connect(self, flag: Flag, result: gr.JSON) -> None:
        """Wire the controls (inside the page's layout): a choice made takes the request to choose
        away; the button reports, and the keyboard's focus goes to the status (the button it was
        on is disabled once the answer is reported); a face chosen sets what it could have been from
        its answer in ``result`` (the answer as data on the page)."""
        self.should_be.change(chosen, self.status, self.status, queue=False, api_visibility="private",
                              show_progress="hidden")
        self.face.input(functools.partial(against, picture=self.picture), [self.face, result, self.should_be],
                        [self.should_be, self.button], queue=False, api_visibility="private", show_progress="hidden")
        self.button.click(make_page_flag(flag, self.picture), [self.answer_id, self.should_be, self.face],
                          [self.status, self.button, self.should_be, self.face], api_visibility="private", **REPORTS,
                          show_progress="hidden") \
            .then(None, js=scroll_into_view(self.status.elem_id or ""))


def report_controls(prefix: str = "", picture: str = "photo") -> ReportControls:
    """The report controls, hidden until there is an answer (:func:`answer_shown`); element ids
    start with ``prefix`` ("video-" for the video's answer), and the question and the button
    name its ``picture``'s answer (two of one name could not be told apart in a screen reader's
    list of controls)."""
    with gr.Column(visible=False, elem_id=f"{prefix}report-controls") as box:
        answer_id = AnswerId(label=f"{prefix.replace('-', ' ')}answer id", visible=False)
        with gr.Group():
            face = gr.Radio([], label="Which answer is wrong?", visible=False, elem_id=f"{prefix}report-face")
            should_be = ShouldBe(worded(SHOULD_BE), label=f"Is the {picture}'s answer wrong? It should have been:",
                                 elem_id=f"{prefix}should-be")
            button = gr.Button(report_label(picture), variant="secondary", elem_id=f"{prefix}report")
        status = ReportStatus(elem_id=f"{prefix}flag-status", label="report status")
    return ReportControls(box, answer_id, face, should_be, button, status, picture)


def answer_shown(answer_id: str) -> gr.Column:
    """The report controls once the page has settled: shown beside an answer, hidden without
    one (no photo or clip, or a file that could not be checked)."""
    return gr.Column(visible=bool(answer_id))


def _expire_reports(store: FeedbackStore) -> None:
    """Delete reports past their time at start and every hour (a server that got no new report
    kept them past the days the privacy note promises)."""
    while True:
        try:
            store.expire()
        except Exception as error:  # noqa: BLE001  told, and tried again the next hour
            log(f"warning: old reports could not be deleted: {type(error).__name__}: {error}")
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
        log("warning: reports are kept in flagged/ on this Space's own disk, which a restart clears and its "
            "owner cannot read: set DEFORGIFY_FLAG_DATASET (a private dataset, with an HF_TOKEN secret), or "
            "DEFORGIFY_FLAGS to a folder of attached storage")
    return store
