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
import os
import signal
import sys
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
        if multiprocessing.active_children():  # they end their files first: seconds for a clip
            _say(STOPPING)
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handle)


STOPPING = "stopping once the workers end the files they are on (Ctrl-C again stops at once)"
"""Said at the first request while worker processes run: a clip in progress took seconds to finish,
in silence (a developer's find)."""


def _say(line: str) -> None:
    """``line`` on stderr, on a line of its own, written straight to its file: a signal handler
    must not re-enter the stream a progress line may be half-way through."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # a closed or missing stderr: nothing said
        start = "\n" if sys.stderr.isatty() else ""
        os.write(sys.stderr.fileno(), f"{start}{line}\n".encode())


def _end_now() -> None:
    """The second request: workers killed, no clean-up that could wait on them again. Only the
    worker pool's semaphores are released, or multiprocessing's resource tracker, outliving this
    process, warned of them as "leaked" (in 2 of 8 runs)."""
    for child in multiprocessing.active_children():
        child.kill()
    _release_semaphores()
    print("interrupted", file=sys.stderr, flush=True)
    os._exit(INTERRUPTED)


def _release_semaphores() -> None:
    """Run the finalizers that unlink this process's semaphores (``SemLock._cleanup``), and no
    other: they take no lock a worker could hold, nor join a thread. Best effort: one that fails
    (the tracker's lock held by the interrupted thread) leaves its semaphore to the tracker."""
    from multiprocessing import synchronize, util

    registry = getattr(util, "_finalizer_registry", {})
    for finalizer in list(registry.values()):
        if getattr(finalizer, "_callback", None) is getattr(synchronize.SemLock, "_cleanup", ()):
            with contextlib.suppress(Exception):
                finalizer()


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


@contextlib.contextmanager
def interrupts_held(signals: frozenset[int] = frozenset({signal.SIGINT})) -> Iterator[None]:
    """Ctrl-C (or ``signals``) held back, blocked in this thread and in the threads started
    meanwhile, while the block runs, and delivered after it: a KeyboardInterrupt inside a C
    extension's import (LiteRT's, NumPy's) comes out as an ImportError, which no caller takes for
    Ctrl-C; a folder being swapped must not be left half done. Where signals cannot be blocked
    (no ``pthread_sigmask``), the block runs unguarded."""
    try:
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
