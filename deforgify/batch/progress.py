"""Progress on stderr while many files are scored: done/total, files a second and the time left, live
on a terminal and every half minute in a log; a summary line at the end."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Optional

from deforgify.refusals import UNREADABLE

NOT_JUDGED = "not_judged"
"""The count of files refused (a row with an ``error``), whatever the reason: the summary says the
reasons by their codes (:mod:`deforgify.refusals`, as rows give them), ``3 not judged (2
too_small, 1 unreadable)``."""
SUMMARY_ORDER = ("real", "fake", "unsure", "no_face", NOT_JUDGED)
LOG_EVERY_SECONDS = 30.0
"""How often a line is printed when stderr is not a terminal (a batch job's log)."""


class Progress:
    def __init__(self, total: Optional[int], enabled: bool = True, unit: str = "files") -> None:
        self.total, self.enabled, self.unit = total, enabled, unit
        self.live = enabled and total != 1 and sys.stderr.isatty()
        self.counts: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        """Files not judged, by the code of the reason."""
        self.started = self.logged = time.monotonic()

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def count_row(self, row: dict) -> None:
        """Counts a file's row (of ``deforgify predict --json`` or a scan): its label, or when it
        was not judged, the code of why."""
        label = row.get("label")
        if label is None:
            self.refusals[row.get("error_code") or UNREADABLE] += 1
        self._count(label or NOT_JUDGED)

    def _count(self, label: str) -> None:
        self.counts[label] += 1
        now = time.monotonic()
        if self.live:
            print(f"\r{self.status(now)}\033[K", end="", file=sys.stderr, flush=True)
        elif self.enabled and self.total != 1 and now - self.logged >= LOG_EVERY_SECONDS:
            self.logged = now
            print(self.status(now), file=sys.stderr, flush=True)

    def clear(self) -> None:
        """Erase the live status, so that a row written next to the same terminal (stdout) starts
        its own line; the next count draws the status again under it. A row printed after the
        status began with it ("1/3 files, 8 files/s, 0 s left{"file": ...})."""
        if self.live:
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    def note(self, text: str) -> None:
        """A line of its own, above the live status (drawn again under it)."""
        if not self.enabled:
            return
        print(f"\r\033[K{text}" if self.live else text, file=sys.stderr, flush=True)
        if self.live:
            print(f"\r{self.status(time.monotonic())}\033[K", end="", file=sys.stderr, flush=True)

    def status(self, now: float) -> str:
        """``1200/5000 files, 230 files/s, 17 s left`` (no estimate without a total)."""
        rate = self.done / max(now - self.started, 1e-9)
        total = f"/{self.total}" if self.total else ""
        text = f"{self.done}{total} {self.unit}, {rate:.0f} {self.unit}/s"
        if self.total and rate > 0:
            text += f", {_duration((self.total - self.done) / rate)} left"
        return text

    def _why(self, key: str) -> str:
        """`` (2 too_small, 1 unreadable)`` after the files not judged, when there are any."""
        if key != NOT_JUDGED or not self.refusals:
            return ""
        return " (" + ", ".join(f"{n} {code}" for code, n in self.refusals.most_common()) + ")"

    def finish(self, extra: str = "") -> None:
        if self.live:
            print(file=sys.stderr)
        if self.enabled:
            parts = ", ".join(f"{self.counts[k]} {k.replace('_', ' ')}{self._why(k)}" for k in SUMMARY_ORDER)
            seconds = time.monotonic() - self.started
            unit = self.unit.removesuffix("s") if self.done == 1 else self.unit
            print(f"{self.done} {unit} in {seconds:.1f} s: {parts}{extra}", file=sys.stderr)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
