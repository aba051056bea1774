"""Scoring many images: each worker process decodes, finds faces, crops and judges its share on
one thread (with a LiteRT model; a Keras model judges in the main process, the workers only
preparing); results come back in input order as they are ready.

Every image is isolated: whatever goes wrong with one (any exception, in a worker or in the
model call) becomes that image's error and the others are still scored. Inputs are taken lazily
and only a bounded number is in flight, so a collection of any length streams through.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Iterator, Optional, Sequence, TypeGuard, Union

import numpy as np

from deforgify.batch.streams import batches, bounded_map, closing_pool
from deforgify.cli.interrupts import die_with_parent
from deforgify.cli.warnings_shown import show_warnings
from deforgify.decode.formats import image_format, media_container
from deforgify.decode.images import AnimatedImageError, ImageInput, load_image, read_bytes
from deforgify.detector import Detector
from deforgify.faces.crops import face_crops
from deforgify.faces.preprocess import PreprocessConfig, Preprocessed
from deforgify.prediction import Prediction
from deforgify.provenance import NO_PROVENANCE, Provenance, apply_to_row, read_provenance
from deforgify.refusals import INTERNAL_ERROR, PICTURE_NOT_VIDEO, Coded
from deforgify.video.frames import VideoSettings, is_video
from deforgify.video.judge import SampledVideo, judge_video, sample_video
from deforgify.video.timeline import VideoResult

if TYPE_CHECKING:
    from pathlib import Path

    from deforgify.model.folder import ModelConfig
    from deforgify.model.source import ModelSource

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
    error_code: Optional[str] = None
    """The refusal's stable code beside ``error`` (:mod:`deforgify.refusals`)."""
    provenance: Provenance = NO_PROVENANCE
    video: Optional[SampledVideo] = None
    """A video's sampled frames as face crops (then ``crops`` is None)."""
    scale: float = 1.0
    """The decoded copy's pixels per pixel of the photo (see :attr:`Prediction.scale`)."""
    size: Optional[tuple[int, int]] = None
    """The photo's own width and height, upright (see :attr:`Prediction.size`)."""


@dataclass
class Result:
    name: str
    prediction: Optional[Prediction] = None
    rgb: Optional[np.ndarray] = None
    """The decoded image, kept only when asked for (heatmaps)."""
    error: Optional[str] = None
    error_code: Optional[str] = None
    """The refusal's stable code beside ``error`` (:mod:`deforgify.refusals`)."""
    provenance: Provenance = NO_PROVENANCE
    """What the file's own metadata says of its origin (read from its bytes as stored)."""
    video: Optional[VideoResult] = None
    """A video's verdict, tracks and timeline (then ``prediction`` is None)."""

    def to_json(self) -> dict:
        """The verdict row: the pixel model's answer with provenance merged in
        (:func:`deforgify.provenance.apply_to_row`); a video's row with its timeline
        (:meth:`VideoResult.to_json`); {"error": ..., "error_code": ...} for a file not judged."""
        if self.error is not None:
            return {"error": self.error, "error_code": self.error_code}
        if self.video is not None:
            return self.video.to_json()
        assert self.prediction is not None  # neither an error nor a video: a photo's verdict
        return apply_to_row(self.prediction.to_json(), self.provenance)


def prepare(name: str, image: ImageInput, config: PreprocessConfig, keep_rgb: bool = False,
            video: VideoSettings = VideoSettings()) -> Prepared:
    """Read, decode, find faces and crop one image, and read its provenance from the same
    bytes; a video file (by its suffix, or by its first bytes when named like a picture), or an
    animated picture's, is sampled into its frames' crops; a still picture named like a video is
    judged as a photo (the app's photo API judged it, while the command refused it); never raises."""
    if is_video(image) or _holds_a_clip(image):
        sampled = _prepare_video(name, image, config, video)
        if sampled.error_code != PICTURE_NOT_VIDEO:
            return sampled  # else judged below as the photo it is
    try:
        data = read_bytes(image)
        rgb, scale, size, opacity = load_image(image if data is None else data)
        provenance = read_provenance(data)
        return Prepared(name, face_crops(rgb, config, opacity=opacity), rgb if keep_rgb else None,
                        provenance=provenance, scale=scale, size=size)
    except Exception as error:  # noqa: BLE001  one image must never take the others down
        if isinstance(error, AnimatedImageError) and isinstance(image, (str, os.PathLike)):
            return _prepare_video(name, image, config, video)
        return _unread(name, error)


def _holds_a_clip(image: ImageInput) -> TypeGuard[Union[str, os.PathLike]]:
    """Whether ``image`` is the path of a regular file whose first bytes announce a video container,
    whatever its name (an MP4 named .jpg): sampled as a clip, not first read whole as a photo (over
    100 MB, the photo's limit, it was refused). A pipe is not opened here: reading it would wait."""
    if not isinstance(image, (str, os.PathLike)) or not os.path.isfile(image):
        return False
    try:
        with open(image, "rb") as file:
            head = file.read(512)
    except OSError:
        return False  # the photo's reading says why
    return image_format(head) is None and media_container(head) not in (None, "audio")


def _prepare_video(name: str, path: str | os.PathLike, config: PreprocessConfig, video: VideoSettings) -> Prepared:
    try:
        return Prepared(name, video=sample_video(path, config, video.sampling, video.limits))
    except Exception as error:  # noqa: BLE001  one file must never take the others down
        return _unread(name, error)


def _unread(name: str, error: Exception) -> Prepared:
    """A file that could not be read: the reason in words (a bug's kind named) and its code."""
    if isinstance(error, Coded):
        return Prepared(name, error=str(error), error_code=error.code)
    return Prepared(name, error=f"could not be read ({type(error).__name__}: {error})", error_code=INTERNAL_ERROR)


def _prepare_task(task: tuple[list[Named], PreprocessConfig, bool, VideoSettings]) -> list[Prepared]:
    named, config, keep_rgb, video = task
    return [prepare(name, image, config, keep_rgb, video) for name, image in named]


_worker_detector: Optional[Detector] = None
"""The model of a worker process that judges what it prepares (:func:`_judge_task`)."""


def _ignore_interrupts() -> None:
    """A worker's start: Ctrl-C is the main process's to handle. The terminal sends it to every
    process of the group; a worker it stopped printed a traceback of its own (an EOFError from
    its task queue, in about 1 run in 10 on a busy machine). It ends with the main process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    show_warnings()  # as the command that started it shows them


def _start_judging(recipe: tuple[Path, ModelConfig, ModelSource]) -> None:
    """A worker's start: its model on one thread, and OpenCV (face detection, resizing) on one."""
    import cv2

    global _worker_detector
    _ignore_interrupts()
    cv2.setNumThreads(1)
    _worker_detector = Detector.from_worker_recipe(recipe)


def _judge_task(task: tuple[list[Named], bool, VideoSettings]) -> list[Result]:
    """Prepare and judge a few images with this worker's model."""
    assert _worker_detector is not None  # loaded by _start_judging, this worker's initializer
    return _prepare_and_judge(_worker_detector, task)


def _prepare_and_judge(detector: Detector, task: tuple[list[Named], bool, VideoSettings]) -> list[Result]:
    named, keep_rgb, video = task
    return _judge(detector, _prepare_task((named, detector.config.preprocessing, keep_rgb, video)))


def score_files(detector: Detector, files: Sequence[str], workers: int = 1,
                keep_rgb: bool = False, video: VideoSettings = VideoSettings()) -> Iterator[Result]:
    """A :class:`Result` for every file (named by its path), in order, streamed a chunk at a time;
    video files (by suffix, or by their first bytes when named like a picture) are sampled as
    ``video`` says."""
    if isinstance(files, (str, bytes, os.PathLike)):  # a str is a sequence too: of one-letter names
        raise TypeError(f"score_files takes a list of paths, not one path: score_files(detector, [{files!r}])")
    return score_items(detector, ((str(f), str(f)) for f in files), workers, keep_rgb, video)


def score_items(detector: Detector, items: Iterable[Named], workers: int = 1,
                keep_rgb: bool = False, video: VideoSettings = VideoSettings()) -> Iterator[Result]:
    """A :class:`Result` for every named image or video, in order, streamed a chunk at a time.
    Raises TypeError, as the items are drawn, for one that is not a (name, image) pair."""
    items = map(_named, items)
    head = list(itertools.islice(items, INLINE_BELOW))
    named = _tasks(itertools.chain(head, items))
    tasks = ((batch, detector.config.preprocessing, keep_rgb, video) for batch in named)
    if workers <= 1 or len(head) < INLINE_BELOW:
        yield from _judge_inline(detector, tasks)
        return
    # spawn: forking a process that has TensorFlow loaded can deadlock.
    context = multiprocessing.get_context("spawn")
    ahead = workers * TASKS_AHEAD_PER_WORKER
    recipe = detector.worker_recipe()
    if recipe is None:  # a Keras model: workers prepare, this process judges
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)
        with closing_pool(pool):
            prepared = bounded_map(pool, _prepare_task, tasks, ahead, _prepare_task)
            yield from _judge_chunks(detector, itertools.chain.from_iterable(prepared))
        return
    # Each worker judges what it prepares, its model and OpenCV on one thread: a core each. A
    # model call on two threads here beside two preparing workers made the cores take turns:
    # 144 images/s end to end over 400 photos, against 163 now (benchmarks/batch_speed.py).
    # A task that cannot reach a worker (an open file among its images cannot be pickled) is done here.
    here = functools.partial(_prepare_and_judge, detector)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_judging, initargs=(recipe,))
    with closing_pool(pool):
        judged = bounded_map(pool, _judge_task, ((batch, keep_rgb, video) for batch in named), ahead, here)
        yield from itertools.chain.from_iterable(judged)


def _named(item: object) -> Named:
    """``item`` as a (name, image) pair: a tuple, or a list of two (as JSON gives one)."""
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return (item[0], item[1])
    raise TypeError(f"score_items takes (name, image) pairs, not {type(item).__name__}: "
                    "score_items(detector, [(\"photo 1\", image), ...])")


def _tasks(items: Iterable[Named]) -> Iterator[list[Named]]:
    """``items`` in tasks of up to TASK_SIZE, a video (by its name) in a task of its own: it takes
    seconds to read, and the photos of its task waited for it."""
    task: list[Named] = []
    for item in items:
        if is_video(item[1]):
            if task:
                yield task
            yield [item]
            task = []
            continue
        task.append(item)
        if len(task) == TASK_SIZE:
            yield task
            task = []
    if task:
        yield task


def _judge_inline(detector: Detector, tasks: Iterable[tuple[list[Named], PreprocessConfig, bool, VideoSettings]]
                  ) -> Iterator[Result]:
    """Prepare and judge here, a chunk at a time, a video alone: the photos ready are answered
    before it is read, and it before the photos after it are (a developer's photo came out only
    with the 12 s clip after it, and a Ctrl-C during the clip lost it): see :func:`_tasks`."""
    chunk: list[Prepared] = []
    for task in tasks:
        video = is_video(task[0][0][1])  # a task's first image: a video is a task of its own (_tasks)
        if chunk and video:
            yield from _judge(detector, chunk)
            chunk = []
        chunk.extend(_prepare_task(task))
        if video or len(chunk) >= CHUNK:
            yield from _judge(detector, chunk)
            chunk = []
    if chunk:
        yield from _judge(detector, chunk)


def _judge_chunks(detector: Detector, prepared: Iterable[Prepared]) -> Iterator[Result]:
    for chunk in batches(prepared, CHUNK):
        yield from _judge(detector, chunk)


def _judge(detector: Detector, chunk: list[Prepared]) -> list[Result]:
    ready = [item for item in chunk if item.error is None and item.video is None]
    verdicts: dict[int, Union[Prediction, VideoResult, str]]
    try:
        verdicts = dict(zip(map(id, ready), detector.judge([_crops(item) for item in ready])))
    except Exception:  # noqa: BLE001  find the one that fails, judge the rest
        verdicts = {id(item): _judge_one(detector, item) for item in ready}
    verdicts.update((id(item), _judge_video(detector, item.video)) for item in chunk if item.video is not None)
    return [_result(item, verdicts.get(id(item))) for item in chunk]


def _crops(item: Prepared) -> list[Preprocessed]:
    """A photo's crops (an item prepared without an error, and not a video, has them)."""
    assert item.crops is not None
    return item.crops


def _judge_one(detector: Detector, item: Prepared) -> Union[Prediction, str]:
    try:
        return detector.judge([_crops(item)])[0]
    except Exception as error:  # noqa: BLE001
        return f"could not be judged ({type(error).__name__}: {error})"


def _judge_video(detector: Detector, video: SampledVideo) -> Union[VideoResult, str]:
    try:
        return judge_video(detector, video)
    except Exception as error:  # noqa: BLE001
        return f"could not be judged ({type(error).__name__}: {error})"


def _result(item: Prepared, verdict: Union[Prediction, VideoResult, str, None]) -> Result:
    if item.error is not None:
        return Result(item.name, error=item.error, error_code=item.error_code)
    if isinstance(verdict, str):
        return Result(item.name, error=verdict, error_code=INTERNAL_ERROR)
    if isinstance(verdict, VideoResult):
        return Result(item.name, video=verdict)
    assert verdict is not None  # every item without an error was judged
    return Result(item.name, replace(verdict, scale=item.scale, size=item.size), item.rgb, provenance=item.provenance)
