"""Scanning a collection: every image of a folder tree, a list of files or a Hub dataset scored
into a results file (Parquet or JSON Lines), resumably, on this machine or on a Dask cluster.

Rows are written in the collection's order, a batch at a time, each batch flushed to disk before
the next is taken: a scan that stops loses at most the batch in flight, and the next run with the
same output skips every image that already has a row (unless its file changed since, or, with
``retry_errors``, the row says it could not be read).
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol

from deforgify.batch.progress import NOT_JUDGED, Progress
from deforgify.batch.scoring import CHUNK, Named, Result, score_items
from deforgify.refusals import NOT_FOUND
from deforgify.scan.collection import Collection, Item, file_stamp
from deforgify.scan.results_file import COLUMNS, Held, JsonLines, ParquetResults, Sampled
from deforgify.video.frames import Sampling, VideoSettings

if TYPE_CHECKING:
    from deforgify.detector import Detector

ROWS_PER_WRITE = CHUNK
"""Rows flushed to disk together (a scan that stops, on Ctrl-C or a dead worker, writes those it
holds first; a kill of the scan itself loses them)."""
NOT_JUDGED_NAMED = 10
"""Files a run names on stderr as it finds them not judged (with the reason); the rest are
counted in the summary, and their rows say why."""


class Engine(Protocol):
    """Scores items and returns one row per item, in the items' order."""

    video: VideoSettings
    """How it samples videos."""

    def rows(self, items: Iterable[Item], key_field: str) -> Iterator[dict]: ...

    def close(self) -> None: ...


def result_row(item: Item, key_field: str, result: Result, model_revision: str) -> dict:
    """One row of the results: which image, its verdict (or why it has none) with the pixel
    model's answer and the file's provenance, which model."""
    verdict = result.to_json() if result.error is None else {}
    row = {column: verdict.get(column) for column in COLUMNS}
    row.update({"path": item.path, "index": item.key if key_field == "index" else None,
                "faces": verdict.get("faces", []),
                "kind": verdict.get("kind", "photo") if result.error is None else None,
                "error": result.error, "error_code": result.error_code,
                "model_revision": model_revision,
                "file_size": item.stamp[0] if item.stamp else None,
                "file_mtime_ns": item.stamp[1] if item.stamp else None})
    return row


def score_rows(detector: Detector, items: Iterable[Item], key_field: str, workers: int = 1,
               video: VideoSettings = VideoSettings()) -> Iterator[dict]:
    """Rows for ``items`` with ``detector`` in this process (``workers`` processes prepare the
    images): the single-machine path, and what each cluster worker runs on its share."""
    fed: deque[Item] = deque()

    def named() -> Iterator[Named]:
        for item in items:
            fed.append(item)
            yield str(item.key), item.image

    revision = detector.source.fingerprint()
    for result in score_items(detector, named(), workers, video=video):
        yield result_row(fed.popleft(), key_field, result, revision)


@dataclass
class LocalEngine:
    """This machine: the model in this process, ``workers`` processes decoding and finding faces."""

    detector: Detector
    workers: int
    video: VideoSettings = VideoSettings()

    def rows(self, items: Iterable[Item], key_field: str) -> Iterator[dict]:
        return score_rows(self.detector, items, key_field, self.workers, self.video)

    def close(self) -> None:
        """Nothing to release: worker processes end with each scan's rows."""


@dataclass
class ScanRun:
    """What one run did: rows already there when it started, and the counts of its own rows."""

    already_done: int
    progress: Progress
    decided_by_provenance: int = 0
    """Rows of this run whose verdict the file's own provenance decided."""
    failed_before: int = 0
    """Rows already there of this collection that say why their file could not be read: kept
    (without ``retry_errors``), and counted, so that the exit status says so."""
    retried: int = 0
    """Such rows removed before this run (``retry_errors``): their files are scored again."""
    changed: int = 0
    """Rows removed before this run because their file's size or modification time is no longer
    theirs: those files are scored again."""
    resampled: int = 0
    """Rows of videos removed before this run because they were sampled at another rate or cap
    (a scan run again with --max-frames 64 kept the verdicts of one frame): scored again."""
    other_rows: int = 0
    """Rows already there of no item of this collection (another collection's, or this one named
    another way: paths are matched as given)."""

    @property
    def rows_kept(self) -> int:
        return self.already_done + self.progress.done


class ScanStopped(Exception):
    """The scan ended before the collection did; every row written so far is kept."""

    def __init__(self, run: ScanRun, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.run, self.cause = run, cause


def _done(results: JsonLines | ParquetResults, key_field: str) -> dict[Any, Held]:
    """What the rows already there say of their files, by key; paths compared written alike
    (``./photos/a.jpg`` is ``photos/a.jpg``, as the collections name them)."""
    return {_written_alike(key, key_field): held for key, held in results.done(key_field).items()}


def _written_alike(key: Any, key_field: str) -> object:
    return os.path.normpath(key) if key_field == "path" else key


MTIME_SLACK_NS = 1_000
"""How far a row's modification time may be from the file's and still be the same: a row written
back by pandas holds it as a float (to 256 ns); a file written again moves it by far more."""


def sampled_otherwise(sampled: Sampled, now: Sampling) -> bool:
    """Whether ``now`` would take other frames of a video than its row's: for an animated picture
    of which every frame was judged, a cap under its frame count (the rate plays no part); else
    another count of sample times over the clip (a cap it never reached changes nothing: a scan
    run again with --max-frames 65 for 64 read its 2 s clips again, to take the same 4 frames)."""
    if sampled.every_frame:
        return now.cap < sampled.planned
    return len(now.times(sampled.duration)) != len(Sampling(sampled.rate, sampled.cap).times(sampled.duration))


def _changed(path: str, held: Held) -> bool:
    """Whether a file is no longer what its row judged: its size or modification time differ, or
    its row says it was not found and it is there now (an older scan's verdict, which kept
    neither, is taken as it is)."""
    now = file_stamp(path)
    if now is None:
        return False
    if held.stamp is None:
        return held.error_code == NOT_FOUND
    return now[0] != held.stamp[0] or abs(now[1] - held.stamp[1]) > MTIME_SLACK_NS


def _drop_rows(results: JsonLines | ParquetResults, key_field: str, done: dict[Any, Held], dropped: set[Any]) -> None:
    """Remove the rows of ``dropped`` keys from the file and from ``done``: their files are
    scored again."""
    if dropped:
        results.drop_rows(key_field, lambda key: _written_alike(key, key_field) in dropped)
    for key in dropped:
        del done[key]


def _name_not_judged(run: ScanRun, key: Any, error: str) -> None:
    """The first few files not judged by name (called after counting each), so that a user need
    not search the output for them."""
    found = run.progress.counts[NOT_JUDGED]
    if found <= NOT_JUDGED_NAMED:
        run.progress.note(f"not judged: {key}: {error}")
    elif found == NOT_JUDGED_NAMED + 1:
        run.progress.note("(more files not judged are not named here: their rows say why)")


def scan(collection: Collection, results: JsonLines | ParquetResults, engine: Engine,
         progress_enabled: bool = True, retry_errors: bool = False,
         starting: Callable[[ScanRun], None] = lambda run: None) -> ScanRun:
    """Score what ``results`` lacks of ``collection``, appending its rows a batch at a time;
    with ``retry_errors``, also the files whose rows say why they could not be read; and the
    videos the ``engine``'s sampling would take other frames of (of a collection whose keys are
    known before it is read: the others' rows are left alone).
    ``starting`` is told what is there already before anything is scored."""
    done, keys, by_path = _done(results, collection.key_field), collection.keys, collection.key_field == "path"
    ours = [key for key in done if key in keys] if keys is not None else []  # not other collections' rows
    changed = {key for key in ours if _changed(key, done[key])} if by_path else set()
    retried = {key for key in ours if done[key].error is not None} - changed if retry_errors else set()
    sampling = engine.video.sampling
    resampled = {key for key in ours if (sampled := done[key].sampled) and sampled_otherwise(sampled, sampling)}
    resampled -= changed | retried
    try:
        _drop_rows(results, collection.key_field, done, changed | retried | resampled)
    except BaseException as cause:  # noqa: BLE001  the file is replaced whole or not at all
        results.close()
        raise ScanStopped(ScanRun(len(ours), Progress(None, False)), cause) from cause
    ours = [key for key in ours if key in done]
    total = collection.total - len(ours) if collection.total is not None and keys is not None else None
    run = ScanRun(len(ours), Progress(total, progress_enabled, unit="files"),
                  failed_before=sum(done[key].error is not None for key in ours),
                  other_rows=len(done) - len(ours) if keys is not None else 0, retried=len(retried),
                  changed=len(changed), resampled=len(resampled))

    starting(run)

    def todo() -> Iterator[Item]:
        for item in collection.items():
            if item.key not in done:
                if by_path:
                    assert item.path is not None  # a collection keyed by path: each item is a file
                    item = replace(item, stamp=file_stamp(item.path))  # before it is read
                yield item
            elif keys is None:  # counted as they come
                run.already_done += 1
                run.failed_before += done[item.key].error is not None

    pending: list[dict] = []

    def write() -> None:
        rows = pending.copy()
        pending.clear()  # handed over: never written twice, even if a Ctrl-C cuts the write short
        results.append(rows)
        for row in rows:
            run.progress.count_row(row)
            run.decided_by_provenance += row.get("decided_by") == "provenance"
            if row["error"] is not None:
                _name_not_judged(run, row[collection.key_field], row["error"])

    try:
        for row in engine.rows(todo(), collection.key_field):
            pending.append(row | collection.origin)
            if len(pending) == ROWS_PER_WRITE:
                write()
        write()
        results.finish()
    except BaseException as cause:  # noqa: BLE001  Ctrl-C included: the caller says what is kept
        if pending:  # the rows scored are kept (Ctrl-C or a dead worker lost them); a failed write left none
            with contextlib.suppress(Exception):
                write()
        raise ScanStopped(run, cause) from cause
    finally:
        results.close()
    return run
