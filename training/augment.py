"""Training batches: every image freshly augmented, both classes alike.

Per image: a blended pseudo-fake is made from some of the real faces (an extra fake source:
mostly self-blends, some with another training person's face swapped in); then the random
re-encoding chain of :func:`training.degrade.random_reencoding` (rescale, blur, noise, colour,
lossless / JPEG / WebP storage), the same for every class and source; then the shared
:func:`deforgify.faces.preprocess.preprocess` with a random crop jitter, so that framing cannot carry
the label; then a random horizontal flip. With ``views=2`` each face comes twice, the second
time through its own draw of the re-encoding chain (see :mod:`training.consistency`).
"""

from __future__ import annotations

import keras
import numpy as np

from deforgify.faces.preprocess import Jitter, PreprocessConfig, preprocess
from deforgify.model.folder import LABELS
from training.degrade import random_reencoding
from training.face_swap import face_swap
from training.prepared import PreparedSet
from training.self_blend import self_blend

SCALE_RANGE = (0.9, 1.15)
"""Crop side relative to the preprocessing crop, log-uniform: the usual framing."""
WIDE_SCALE_RANGE = (0.65, 1.5)
"""The range of the other :data:`WIDE_SHARE` of crops: close-ups that fill the frame and faces
seen from further away. Using (0.6, 1.4) for every crop raised test ROC-AUC under a 60 % centre
crop from 0.55 to 0.81 but lowered clean AUC from 0.986 to 0.952 after 30 epochs; the mixture
keeps most crops near the framing served."""
WIDE_SHARE = 0.3
SHIFT_RANGE = 0.08
SWAP_SHARE = 0.3
"""Share of the blended fakes that get another real training face instead of their own (as in
Face X-ray, Li et al., CVPR 2020), colour-matched or not, feathered or pasted. With self-blends
alone, test faces with another test person's face pasted in were caught no better than
ROC-AUC 0.62 (``benchmarks/manipulations.py``)."""
FAKE, REAL = LABELS.index("fake"), LABELS.index("real")


def random_jitter(rng: np.random.Generator) -> Jitter:
    low, high = np.log(WIDE_SCALE_RANGE if rng.random() < WIDE_SHARE else SCALE_RANGE)
    return Jitter(
        scale=float(np.exp(rng.uniform(low, high))),
        shift_x=float(rng.uniform(-SHIFT_RANGE, SHIFT_RANGE)),
        shift_y=float(rng.uniform(-SHIFT_RANGE, SHIFT_RANGE)),
    )


def source_quotas(sources: list[str], labels: np.ndarray, per_source: int | None
                  ) -> dict[tuple[str, int], tuple[np.ndarray, int]]:
    """(source, label) -> (its rows, how many of them an epoch takes). A source larger than
    ``per_source`` (default: the median source size) is cut down to it, label ratio kept."""
    names = np.array(sources)
    sizes = {name: int(np.sum(names == name)) for name in sorted(set(sources))}
    cap = per_source or int(np.median(list(sizes.values())))
    quotas = {}
    for name, size in sizes.items():
        for label in range(len(LABELS)):
            rows = np.flatnonzero((names == name) & (labels == label))
            if len(rows):
                quotas[(name, label)] = (rows, max(1, int(round(len(rows) * min(1.0, cap / size)))))
    return quotas


class AugmentedBatches(keras.utils.PyDataset):
    """Augmented batches of a prepared split, reshuffled every epoch.

    Sources are balanced: an epoch takes at most ``per_source`` images of each source (default:
    the median source size), drawn anew each epoch with each source's label ratio kept, so that
    no source dominates. ``self_blend_share`` of the epoch's real images are added again as
    blended fakes (:data:`SWAP_SHARE` of them face swaps); :meth:`label_counts` says what an
    epoch holds, for class weights. With ``views=2`` a batch holds ``batch_size`` faces twice:
    first one view of each, then the other, in the same order.
    """

    def __init__(self, data: PreparedSet, config: PreprocessConfig, batch_size: int, seed: int,
                 self_blend_share: float = 0.0, per_source: int | None = None, views: int = 1) -> None:
        # Two threads prepare batches while TensorFlow trains (OpenCV releases the GIL).
        super().__init__(workers=2, use_multiprocessing=False)
        self.data = data
        self.config = config
        self.batch_size = batch_size
        self.seed = seed
        self.views = views
        self.epoch = -1
        self.rng = np.random.default_rng(seed)
        self.labels = data.labels
        self.donors = [i for i in np.flatnonzero(self.labels == REAL) if data.faces[i]]
        self.quotas = source_quotas(data.sources, self.labels, per_source)
        reals = sum(take for (_, label), (_, take) in self.quotas.items() if label == REAL)
        self.blended = int(round(self_blend_share * reals))
        self.on_epoch_end()

    def label_counts(self) -> np.ndarray:
        counts = np.zeros(len(LABELS), dtype=np.int64)
        for (_, label), (_, take) in self.quotas.items():
            counts[label] += take
        counts[FAKE] += self.blended
        return counts

    def __len__(self) -> int:
        return int(np.ceil(len(self.items) / self.batch_size))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        items = self.items[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng((self.seed, self.epoch, index))  # per batch: thread-safe
        views = [self._views(i, blend, rng) for i, blend in items]
        pixels = np.stack([face[view] for view in range(self.views) for face in views])
        labels = np.array([FAKE if blend else self.labels[i] for i, blend in items])
        return pixels, np.tile(labels, self.views)

    def on_epoch_end(self) -> None:
        self.epoch += 1
        chosen = np.concatenate([
            rows if take == len(rows) else self.rng.choice(rows, size=take, replace=False)
            for rows, take in self.quotas.values()
        ])
        reals = chosen[self.labels[chosen] == REAL]
        blended = self.rng.choice(reals, size=min(self.blended, len(reals)), replace=False)
        items = [(int(i), False) for i in chosen] + [(int(i), True) for i in blended]
        self.items = [items[k] for k in self.rng.permutation(len(items))]

    def _views(self, index: int, blend: bool, rng: np.random.Generator) -> list[np.ndarray]:
        """``self.views`` crops of one face: one blend, crop and flip, each its own storing."""
        rgb, faces = self._blended(index, blend, rng)
        jitter, flip = random_jitter(rng), rng.random() < 0.5
        crops = []
        for _ in range(self.views):
            stored, boxes = random_reencoding(rgb, faces, rng)
            pixels = preprocess(stored, self.config, boxes, jitter).pixels
            crops.append(pixels[:, ::-1] if flip else pixels)
        return crops

    def _blended(self, index: int, blend: bool, rng: np.random.Generator) -> tuple[np.ndarray, list]:
        """The image and its face boxes, made a blended fake when ``blend``."""
        rgb, faces = self.data.images[index], self.data.faces[index]
        donor = self.donors[rng.integers(len(self.donors))] if self.donors else index
        if blend and faces and donor != index and rng.random() < SWAP_SHARE:
            rgb = face_swap(rgb, faces[0], self.data.images[donor], self.data.faces[donor][0], rng,
                            match_colour=rng.random() < 0.6, feather=rng.random() < 0.75)
        elif blend:
            rgb = self_blend(rgb, faces[0] if faces else None, rng)
        return rgb, faces
