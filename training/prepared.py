"""Examples decoded and face-detected once, then cropped as often as training needs."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from deforgify.decode import InvalidImageError, load_rgb
from deforgify.faces import Box, detect_faces
from deforgify.preprocess import Jitter, PreprocessConfig, preprocess
from training.data import DataError, Example


@dataclass
class PreparedSet:
    """Decoded images of one split with their faces, labels and sources."""

    examples: list[Example]
    images: list[np.ndarray]
    faces: list[list[Box]]

    @property
    def labels(self) -> np.ndarray:
        return np.array([e.label for e in self.examples], dtype=np.int64)

    @property
    def sources(self) -> list[str]:
        return [e.source for e in self.examples]

    def pixels(self, config: PreprocessConfig, jitters: list[Jitter] | None = None) -> np.ndarray:
        """Model input for every image, through the one shared :func:`preprocess`."""
        jitters = jitters or [Jitter()] * len(self.images)
        return np.stack(
            [
                preprocess(rgb, config, faces, jitter).pixels
                for rgb, faces, jitter in zip(self.images, self.faces, jitters)
            ]
        )


def _decode_and_detect(example: Example) -> tuple[np.ndarray, list[Box]]:
    try:
        rgb = load_rgb(example.data)
    except InvalidImageError as error:
        raise DataError(f"{example.source}/{example.key}: {error}") from None
    return rgb, detect_faces(rgb)


def prepare(examples: list[Example], workers: int = 2) -> PreparedSet:
    """Decode and detect faces in ``examples`` (in ``workers`` processes)."""
    if workers > 1 and len(examples) > 64:
        # spawn, not fork: forking a process that has TensorFlow loaded can deadlock.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = list(pool.map(_decode_and_detect, examples, chunksize=32))
    else:
        results = [_decode_and_detect(example) for example in examples]
    return PreparedSet(examples, [r[0] for r in results], [r[1] for r in results])
