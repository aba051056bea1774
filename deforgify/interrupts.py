"""How the command line stops when asked to: Ctrl-C, or SIGTERM (what ``timeout``, systemd, Docker
and CI cancellations send).

The first request raises KeyboardInterrupt in the main thread, so the run ends as after Ctrl-C:
the rows written are kept, the worker processes shut down, exit status 130. While that is under
way a second request ends the process at once, its workers with it. Before, a second Ctrl-C
during the shutdown (``timeout -s INT`` sends two: one to the process, one to its group) left it
waiting on a worker for good, and SIGTERM ended the main process alone, its workers left running.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
from types import FrameType
from typing import Iterator, Optional

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT)."""


def stop_on_signals() -> None:
    """Handle SIGINT and SIGTERM in this (the main) process as the module says."""
    stopping = False

    def handle(signum: int, frame: Optional[FrameType]) -> None:
        nonlocal stopping
        if stopping:
            _end_now()
        stopping = True
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)


def _end_now() -> None:
    """The second request: workers killed, no clean-up that could wait on them again."""
    for child in multiprocessing.active_children():
        child.kill()
    print("interrupted", file=sys.stderr, flush=True)
    os._exit(INTERRUPTED)


def die_with_parent() -> None:
    """In a worker process: end when the process that started it ends, however it ended (a kill
    the main process cannot handle left its workers running, 140 MB each). Linux only; elsewhere
    nothing changes."""
    parent = multiprocessing.parent_process()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent.pid:  # it ended before the request was made
        os._exit(1)


class _BornIgnoringInterrupts(multiprocessing.context.SpawnProcess):
    def start(self) -> None:
        with _children_ignore_interrupts():
            super().start()


class QuietSpawnContext(multiprocessing.context.SpawnContext):
    """The spawn context, its processes ignoring Ctrl-C from birth: Ctrl-C is the main process's
    to handle. A worker sets this itself once started, but the terminal's Ctrl-C reaches every
    process of the group, and one that came while a worker was still importing (about a second)
    printed that worker's traceback."""

    Process = _BornIgnoringInterrupts


@contextlib.contextmanager
def _children_ignore_interrupts() -> Iterator[None]:
    """SIGINT ignored while a child is started, which it keeps: Python leaves a SIGINT ignored
    by its parent ignored. Blocked meanwhile, so that a Ctrl-C meant for this process in those
    milliseconds waits for its handler instead of being lost (Linux keeps a blocked signal
    pending even while it is ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
