"""The app's own log lines: one per event, on stdout, each led by its time (UTC, to the second),
so that a line can be matched with a visitor's report, an answer's ``checked_at`` or a restart
(they came without one)."""

from __future__ import annotations

from datetime import datetime, timezone


def log(message: str) -> None:
    """Print ``message`` as one log line, after its time: "2026-12-05T16:50:01Z refused as a photo: ..."."""
    print(f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ} {message}", flush=True)
