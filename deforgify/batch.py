"""Scoring many files: decoding, face detection and cropping run in worker processes while the
main process makes batched model calls; results come back in input order as they are ready.

Every file is isolated: whatever goes wrong with one (any exception, in a worker or in the
model call) becomes that file's error and the others are still scored.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from deforgify.decode import InvalidImageError, load_rgb
from deforgify.detector import Detector, Prediction, face_crops
from deforgify.preprocess import PreprocessConfig, Preprocessed

CHUNK = 32
"""Images judged in one batched model call; results are released a chunk at a time."""
INLINE_BELOW = 16
"""Fewer files than this are prepared in the main process: starting workers costs more."""


@dataclass
class Prepared:
    """One file made ready for the model, or the reason it could not be."""

    file: str
    crops: Optional[list[Preprocessed]] = None
    rgb: Optional[np.ndarray] = None
    error: Optional[str] = None


@dataclass
class Result:
    file: str
    prediction: Optional[Prediction] = None
    rgb: Optional[np.ndarray] = None
    """The decoded image, kept only when asked for (heatmaps)."""
    error: Optional[str] = None


def prepare_file(file: str, config: PreprocessConfig, keep_rgb: bool = False) -> Prepared:
    """Decode, find faces and crop one file; never raises."""
    try:
        rgb = load_rgb(file)
        return Prepared(file, face_crops(rgb, config), rgb if keep_rgb else None)
    except InvalidImageError as error:
        return Prepared(file, error=str(error))
    except Exception as error:  # noqa: BLE001  one file must never take the others down
        return Prepared(file, error=f"could not be read ({type(error).__name__}: {error})")


def _prepare_task(task: tuple[str, PreprocessConfig, bool]) -> Prepared:
    return prepare_file(*task)


def score_files(detector: Detector, files: Sequence[str], workers: int = 1,
                keep_rgb: bool = False) -> Iterator[Result]:
    """A :class:`Result` for every file, in order, streamed a chunk at a time."""
    tasks = [(str(f), detector.config.preprocessing, keep_rgb) for f in files]
    if workers <= 1 or len(files) < INLINE_BELOW:
        yield from _judge_chunks(detector, map(_prepare_task, tasks))
        return
    # spawn: forking a process that has TensorFlow loaded can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from _judge_chunks(detector, pool.map(_prepare_task, tasks, chunksize=4))


def _judge_chunks(detector: Detector, prepared: Iterable[Prepared]) -> Iterator[Result]:
    chunk: list[Prepared] = []
    for item in prepared:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield from _judge(detector, chunk)
            chunk = []
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
        return Result(item.file, error=item.error)
    if isinstance(verdict, str):
        return Result(item.file, error=verdict)
    return Result(item.file, verdict, item.rgb)
