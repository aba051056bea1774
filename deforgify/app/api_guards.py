"""Checks of the API's calls where Gradio would answer a caller's mistake with a traceback, an
empty list or a stream that never ends: the blocks checking a call's values (``CheckedBlocks``),
and ASGI middleware for bodies too large, uploads without a file, calls to endpoints the app has
not or with values by name that do not fit, and reads of results it does not hold."""

from __future__ import annotations

import inspect
import itertools
import json
import re
from typing import Any, Optional

import gradio as gr

from deforgify.app.api_errors import WRONG_ARGUMENTS, not_a_file, not_uploaded, uploaded_here
from deforgify.app.components import VideoFile


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
        """Also fills in the optional values a call left out (null: /flag's ``face``), in place:
        Gradio would refuse them as missing."""
        least = len(block_fn.inputs) - optional_count(block_fn)
        if not least <= len(inputs) <= len(block_fn.inputs):
            raise gr.Error(f"{takes(block_fn)}; {len(inputs)} arrived", title=WRONG_ARGUMENTS, print_exception=False)
        inputs.extend([None] * (len(block_fn.inputs) - len(inputs)))
        for block, value in zip(block_fn.inputs, inputs):
            path = value.get("path") if isinstance(value, dict) else None
            if isinstance(path, str) and path and not uploaded_here(path):
                kind = "video" if isinstance(block, VideoFile) else "file"
                raise not_a_file(kind, not_uploaded(path))
        super().validate_inputs(block_fn, inputs)


def parameters(block_fn: Any) -> list[inspect.Parameter]:
    """The parameters an endpoint's values are given to, in order (its function's, as Gradio's API
    page shows them: not the request Gradio passes itself)."""
    listed = inspect.signature(block_fn.fn).parameters.values()
    return [p for p in listed if p.annotation not in (gr.Request, "gr.Request")][:len(block_fn.inputs)]


def parameter_names(block_fn: Any) -> list[str]:
    """The names an endpoint's values are given by."""
    return [p.name for p in parameters(block_fn)]


def optional_count(block_fn: Any) -> int:
    """How many of an endpoint's last values may be left out (those with a default)."""
    return len(list(itertools.takewhile(lambda p: p.default is not inspect.Parameter.empty,
                                        reversed(parameters(block_fn)))))


def takes(block_fn: Any) -> str:
    """"/flag takes 2 or 3 values (answer_id, should_be, face)"."""
    names, optional = parameter_names(block_fn), optional_count(block_fn)
    counted = f"{len(names) - optional} {'or' if optional == 1 else 'to'} {len(names)}" if optional else str(len(names))
    return f"/{block_fn.api_name} takes {counted} value{'s' * (len(names) > 1)} ({', '.join(names)})"


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
