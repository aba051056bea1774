"""Examples decoded and face-detected once, then cropped as often as training needs.

Face detection is most of the cost of preparing a split, and its answer for a file never
changes, so the boxes found are kept in a cache folder (``DEFORGIFY_CACHE``, by default
``~/.cache/deforgify``) keyed by the file's content and by the detector's settings: the
second run over the same data decodes only, even when the data was copied anew.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from deforgify.batch.streams import closing_pool
from deforgify.decode.images import InvalidImageError, load_rgb
from deforgify.faces import finding as face_detection
from deforgify.faces.finding import Box, detect_faces
from deforgify.faces.preprocess import Jitter, PreprocessConfig, preprocess
from training.data import DataError, Example, is_local


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

    @classmethod
    def join(cls, parts: list["PreparedSet"]) -> "PreparedSet":
        return cls([e for p in parts for e in p.examples], [i for p in parts for i in p.images],
                   [f for p in parts for f in p.faces])

    def subset(self, rows: Sequence[int] | np.ndarray) -> "PreparedSet":
        """The examples at ``rows`` (indices), in that order."""
        return PreparedSet([self.examples[i] for i in rows], [self.images[i] for i in rows],
                           [self.faces[i] for i in rows])

    def pixels(self, config: PreprocessConfig, jitters: list[Jitter] | None = None) -> np.ndarray:
        """Model input for every image, through the one shared :func:`preprocess`."""
        jitters = jitters or [Jitter()] * len(self.images)
        return np.stack(
            [
                preprocess(rgb, config, faces, jitter).pixels
                for rgb, faces, jitter in zip(self.images, self.faces, jitters)
            ]
        )


def _decode_and_detect(example: Example, faces: Optional[list[Box]] = None
                       ) -> tuple[np.ndarray, list[Box]] | str:
    """The image and its faces, or why it cannot be read."""
    try:
        rgb = load_rgb(example.data)
    except InvalidImageError as error:
        local = isinstance(example.data, str) and is_local(example.source)  # a Hub file's path is the cache's
        return f"{example.data if local else f'{example.source}/{example.key}'}: {error}"  # the path as given
    return rgb, detect_faces(rgb) if faces is None else faces


def _decode_cached(item: tuple[Example, Optional[list[Box]]]) -> tuple[np.ndarray, list[Box]] | str:
    return _decode_and_detect(*item)


SHOWN_UNREADABLE = 10
"""How many unreadable images a refusal names (it counts the rest)."""


def prepare(examples: list[Example], workers: int = 2, cache: Optional[Path] = None
            ) -> PreparedSet:
    """Decode and detect faces in ``examples`` (in ``workers`` processes), reusing the face
    boxes that ``cache`` (default: :func:`cache_folder`) holds for unchanged files. Unreadable
    images are refused together (DataError): one at a time, a developer needed a run per bad file."""
    store = FaceCache(cache or cache_folder())
    items = [(example, store.get(example)) for example in examples]
    if workers > 1 and len(examples) > 64:
        # spawn, not fork: forking a process that has TensorFlow loaded can deadlock.
        context = multiprocessing.get_context("spawn")
        with closing_pool(ProcessPoolExecutor(workers, mp_context=context)) as pool:
            results = list(pool.map(_decode_cached, items, chunksize=32))
    else:
        results = [_decode_cached(item) for item in items]
    read = [(example, result) for example, result in zip(examples, results) if not isinstance(result, str)]
    store.put([example for example, _ in read], [faces for _, (_, faces) in read])  # kept for the run after a fix
    unreadable = [result for result in results if isinstance(result, str)]
    if unreadable:
        more = len(unreadable) - SHOWN_UNREADABLE
        named = "; ".join(unreadable[:SHOWN_UNREADABLE]) + (f"; and {more} more" if more > 0 else "")
        raise DataError(f"{len(unreadable)} image{'s' * (len(unreadable) > 1)} cannot be read (fix or remove "
                        f"them): {named}")
    return PreparedSet(examples, [rgb for _, (rgb, _) in read], [faces for _, (_, faces) in read])


def prepare_parts(parts: dict[str, list[Example]], workers: int = 2) -> dict[str, PreparedSet]:
    """:func:`prepare` for every part (the splits) in one pass: every unreadable image of the
    data refused at once, not a split's at a time."""
    prepared = prepare([example for part in parts.values() for example in part], workers)
    rows, start = {}, 0
    for name, part in parts.items():
        rows[name], start = range(start, start + len(part)), start + len(part)
    return {name: prepared.subset(rows[name]) for name in parts}


def cache_folder() -> Path:
    return Path(os.environ.get("DEFORGIFY_CACHE") or Path.home() / ".cache" / "deforgify")


class FaceCache:
    """Face boxes of files already seen, one JSON file per detector setting.

    Only examples read from files are cached, keyed by a hash of their bytes (a copied or
    re-downloaded folder keeps its boxes; a changed file does not); images given as bytes are
    detected every time.
    """

    def __init__(self, folder: Path) -> None:
        settings = {"models": [m.file for m in (face_detection.SHORT_RANGE, face_detection.FULL_RANGE)],
                    "min_score": face_detection.MIN_SCORE, "overlap": face_detection.OVERLAP,
                    "retry_pad": face_detection.RETRY_PAD_FRACTION,
                    "full_range_below": face_detection.FULL_RANGE_BELOW,
                    "search_side": face_detection.SEARCH_SIDE, "suppression": "weighted, canonical orientation",
                    "key": "sha256 of the file"}
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
        self.path = folder / f"faces-{digest}.json"
        try:
            self.entries: dict[str, list] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.entries = {}

    @staticmethod
    def _key(example: Example) -> Optional[str]:
        if not isinstance(example.data, str):
            return None
        try:
            return hashlib.sha256(Path(example.data).read_bytes()).hexdigest()
        except OSError:
            return None

    def get(self, example: Example) -> Optional[list[Box]]:
        key = self._key(example)
        found = self.entries.get(key) if key else None
        return [tuple(box) for box in found] if found is not None else None

    def put(self, examples: list[Example], faces: list[list[Box]]) -> None:
        """Record the faces of ``examples`` and save, atomically; a cache that cannot be
        written is only a slower next run."""
        before = len(self.entries)
        for example, boxes in zip(examples, faces):
            key = self._key(example)
            if key:
                self.entries[key] = [list(box) for box in boxes]
        if len(self.entries) == before:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            partial.write_text(json.dumps(self.entries))
            partial.replace(self.path)
        except OSError:
            pass
