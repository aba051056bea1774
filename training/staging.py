"""Write a run into a temporary folder, or a file beside its place, and move it into place only
when it succeeded.

The swap leaves a model at the target path at every instant: on Linux the two folders are
exchanged in one atomic step (``renameat2`` with ``RENAME_EXCHANGE``); elsewhere the old folder
is renamed aside and the new one into place with interrupts held back between the two renames.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target``; on success it replaces ``target``.

    On any exception (KeyboardInterrupt included) the staging folder is deleted and ``target``,
    if it existed, is left exactly as it was.
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_left_behind(target)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_folder(staging, target)


def _remove_left_behind(target: Path) -> None:
    """Delete the staging (and retired) folders beside ``target`` of runs that are no longer
    running, this process's own id among them: a run killed (SIGKILL, a power cut) cannot clean
    up, and its half-written folder stayed beside the model for good. A folder of a run still
    going (another process training into the same place) is left to it."""
    for left in target.parent.glob(f".{target.name}.*-*"):
        kind, _, pid = left.name[len(target.name) + 2:].rpartition("-")
        if kind in ("partial", "old") and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(left, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # its own id: left by an earlier process that had it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a file beside it, then renamed over it
    (the old file stays whole until it is replaced; a failed write leaves nothing behind)."""
    written = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        written.write_bytes(data)
        os.replace(written, path)
    finally:
        written.unlink(missing_ok=True)


def replace_folder(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; the folder that was there is deleted afterwards."""
    if not target.exists():
        new.rename(target)
        return
    if not _exchange(new, target):
        retired = target.parent / f".{target.name}.old-{os.getpid()}"
        with _interrupts_held():
            target.rename(retired)
            new.rename(target)
        new = retired
    shutil.rmtree(new, ignore_errors=True)  # now holds the old model


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return result == 0


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Delay SIGINT and SIGTERM until the block is done (main thread only)."""
    signals = {signal.SIGINT, signal.SIGTERM}
    try:
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
