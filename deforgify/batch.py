"""Scoring many images: decoding, face detection and cropping run in worker processes while the
main process makes batched model calls; results come back in input order as they are ready.

Every image is isolated: whatever goes wrong with one (any exception, in a worker or in the
model call) becomes that image's error and the others are still scored. Inputs are taken lazily
and only a bounded number is in flight, so a collection of any length streams through.
"""

from __future__ import annotations

import itertools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from deforgify.decode import ImageInput, InvalidImageError, load_rgb, read_bytes
from deforgify.detector import Detector, Prediction, face_crops
from deforgify.preprocess import PreprocessConfig, Preprocessed
from deforgify.provenance import NO_PROVENANCE, Provenance, apply_to_row, read_provenance
from deforgify.streams import batches, bounded_map

CHUNK = 32
"""Images judged in one batched model call; results are released a chunk at a time."""
INLINE_BELOW = 16
"""Fewer images than this are prepared in the main process: starting workers costs more."""
TASK_SIZE = 4
"""Images a worker prepares per task: fewer round trips than one at a time."""
TASKS_AHEAD_PER_WORKER = 8
"""Tasks submitted ahead of the one awaited, per worker: enough to keep workers busy, few enough
that a long collection is never held in memory."""

Named = tuple[str, ImageInput]
"""An image to score and the name its result carries (a path, a dataset row's key)."""


@dataclass
class Prepared:
    """One image made ready for the model, or the reason it could not be."""

    name: str
    crops: Optional[list[Preprocessed]] = None
    rgb: Optional[np.ndarray] = None
    error: Optional[str] = None
    provenance: Provenance = NO_PROVENANCE


@dataclass
class Result:
    name: str
    prediction: Optional[Prediction] = None
    rgb: Optional[np.ndarray] = None
    """The decoded image, kept only when asked for (heatmaps)."""
    error: Optional[str] = None
    provenance: Provenance = NO_PROVENANCE
    """What the file's own metadata says of its origin (read from its bytes as stored)."""

    def to_json(self) -> dict:
        """The verdict row: the pixel model's answer with provenance merged in
        (:func:`deforgify.provenance.apply_to_row`); {"error": ...} for a file not judged."""
        if self.error is not None:
            return {"error": self.error}
        return apply_to_row(self.prediction.to_json(), self.provenance)


def prepare(name: str, image: ImageInput, config: PreprocessConfig, keep_rgb: bool = False) -> Prepared:
    """Read, decode, find faces and crop one image, and read its provenance from the same
    bytes; never raises."""
    try:
        data = read_bytes(image)
        rgb = load_rgb(image if data is None else data)
        provenance = read_provenance(data)
        return Prepared(name, face_crops(rgb, config), rgb if keep_rgb else None, provenance=provenance)
    except InvalidImageError as error:
        return Prepared(name, error=str(error))
    except Exception as error:  # noqa: BLE001  one image must never take the others down
        return Prepared(name, error=f"could not be read ({type(error).__name__}: {error})")


def _prepare_task(task: tuple[list[Named], PreprocessConfig, bool]) -> list[Prepared]:
    named, config, keep_rgb = task
    return [prepare(name, image, config, keep_rgb) for name, image in named]


def score_files(detector: Detector, files: Sequence[str], workers: int = 1,
                keep_rgb: bool = False) -> Iterator[Result]:
    """A :class:`Result` for every file (named by its path), in order, streamed a chunk at a time."""
    return score_items(detector, ((str(f), str(f)) for f in files), workers, keep_rgb)


def score_items(detector: Detector, items: Iterable[Named], workers: int = 1,
                keep_rgb: bool = False) -> Iterator[Result]:
    """A :class:`Result` for every named image, in order, streamed a chunk at a time."""
    items = iter(items)
    head = list(itertools.islice(items, INLINE_BELOW))
    tasks = ((batch, detector.config.preprocessing, keep_rgb)
             for batch in batches(itertools.chain(head, items), TASK_SIZE))
    if workers <= 1 or len(head) < INLINE_BELOW:
        yield from _judge_chunks(detector, itertools.chain.from_iterable(map(_prepare_task, tasks)))
        return
    # spawn: forking a process that has TensorFlow loaded can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        prepared = bounded_map(pool, _prepare_task, tasks, workers * TASKS_AHEAD_PER_WORKER)
        yield from _judge_chunks(detector, itertools.chain.from_iterable(prepared))


def _judge_chunks(detector: Detector, prepared: Iterable[Prepared]) -> Iterator[Result]:
    for chunk in batches(prepared, CHUNK):
        yield from _judge(detector, chunk)


def _judge(detector: Detector, chunk: list[Prepared]) -> list[Result]:
    ready = [item for item in chunk if item.error is None]
    try:
        verdicts = dict(zip(map(id, ready), detector.judge([item.crops for item in ready])))
    except Exception:  # noqa: BLE001  find the one that fails, judge the rest
        verdicts = {id(item): _judge_one(detector, item) for item in ready}
    return [_result(item, verdicts.get(id(item))) for item in chunk]


def _judge_one(detector: Detector, item: Prepared) -> Union[Prediction, str]:
    try:
        return detector.judge([item.crops])[0]
    except Exception as error:  # noqa: BLE001
        return f"could not be judged ({type(error).__name__}: {error})"


def _result(item: Prepared, verdict: Union[Prediction, str, None]) -> Result:
    if item.error is not None:
        return Result(item.name, error=item.error)
    if isinstance(verdict, str):
        return Result(item.name, error=verdict)
    return Result(item.name, verdict, item.rgb, provenance=item.provenance)
