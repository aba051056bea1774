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
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from deforgify.cli.interrupts import interrupts_held

try:
    import fcntl
except ImportError:  # Windows: no flock, no clean-up of killed runs' folders
    fcntl = None  # type: ignore[assignment]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target``; on success it replaces ``target``.

    On any exception (KeyboardInterrupt included) the staging folder is deleted and ``target``,
    if it existed, is left exactly as it was. The folder is named for this host and process and
    locked while the run goes (a lock file beside it), so that a later run can tell the folder
    of a run killed outright (SIGKILL, a power cut: it cannot clean up) from one still going, in
    another container or on another node sharing the disk, and delete it
    (:func:`_remove_left_behind`).
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_left_behind(target)
    staging = target.parent / f".{target.name}.partial-{socket.gethostname()}-{os.getpid()}"
    with _locked(staging):
        shutil.rmtree(staging, ignore_errors=True)  # an earlier process's of this name (its lock is ours now)
        staging.mkdir()
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        replace_folder(staging, target)


@contextmanager
def staged_copy(target: Path) -> Iterator[Path]:
    """:func:`staged_folder` holding a copy of ``target`` to change: a model folder rewritten in
    part (its calibration, its metrics and card) replaces the old one only when all of it is done."""
    with staged_folder(target) as staging:
        shutil.copytree(target, staging, dirs_exist_ok=True)
        yield staging


@contextmanager
def _locked(staging: Path) -> Iterator[None]:
    """Hold the lock of a staging folder (``NAME.lock`` beside it) while the block runs; the lock
    file goes with it. Where the system has no ``flock`` (not Linux or macOS), nothing is held."""
    if fcntl is None:
        yield
        return
    lock = staging.with_name(staging.name + ".lock")
    handle = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(handle)


def _remove_left_behind(target: Path) -> None:
    """Delete the staging folders beside ``target`` whose lock no run holds: a run killed
    outright left its half-written folder there for good. One still going (another process
    training into the same place, here or on another machine) holds its lock and keeps it."""
    if fcntl is None:
        return
    prefix = f".{target.name}.partial-"
    for lock in [p for p in target.parent.iterdir() if p.name.startswith(prefix) and p.name.endswith(".lock")]:
        try:
            handle = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            continue  # its run just ended
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue
        try:
            staging = lock.with_name(lock.name[: -len(".lock")])
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(staging.with_name(staging.name.replace(".partial-", ".old-", 1)), ignore_errors=True)
            lock.unlink(missing_ok=True)
        finally:
            os.close(handle)


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
        retired = new.with_name(new.name.replace(".partial-", ".old-", 1))  # under the staging folder's lock
        with interrupts_held(frozenset({signal.SIGINT, signal.SIGTERM})):
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


