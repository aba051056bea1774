"""Which photo or clip each browser session shows now, so that a late answer never lands
beside a newer upload."""

from __future__ import annotations

from typing import Optional

import gradio as gr


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
            entry = self._sessions.setdefault(_session(request), [None, 0, -1])
            if entry[0] != image or image is None:  # a repeated event for the same photo changes nothing
                entry[0], entry[1] = image, entry[1] + 1
            self._sessions.move_to_end(_session(request))
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)

    def is_latest(self, request: gr.Request, image: str) -> bool:
        with self._lock:
            entry = self._sessions.get(_session(request))
            return entry is None or entry[0] == image

    def answered(self, request: gr.Request, image: str) -> bool:
        """Whether ``image`` was answered since the page last changed (its answer is on the page)."""
        with self._lock:
            entry = self._sessions.get(_session(request))
            return entry is not None and entry[0] == image and entry[2] == entry[1]

    def mark_answered(self, request: gr.Request, image: str) -> None:
        with self._lock:
            entry = self._sessions.get(_session(request))
            if entry is not None and entry[0] == image:
                entry[2] = entry[1]


LATEST_PHOTO = LatestUpload()

LATEST_CLIP = LatestUpload()


def _session(request: gr.Request) -> str:
    """The browser session ``request`` comes from (Gradio's page always names one)."""
    return request.session_hash or ""
