"""Training-time augmentation, applied to both classes alike.

The crop jitter moves and rescales the face crop so that framing cannot carry the label; the
flip doubles the poses. Pixels are produced by the shared :func:`deforgify.preprocess.preprocess`.
"""

from __future__ import annotations

import numpy as np
import keras

from deforgify.preprocess import Jitter, PreprocessConfig
from training.prepared import PreparedSet

SCALE_RANGE = (0.8, 1.25)
SHIFT_RANGE = 0.08


def random_jitter(rng: np.random.Generator) -> Jitter:
    low, high = np.log(SCALE_RANGE)
    return Jitter(
        scale=float(np.exp(rng.uniform(low, high))),
        shift_x=float(rng.uniform(-SHIFT_RANGE, SHIFT_RANGE)),
        shift_y=float(rng.uniform(-SHIFT_RANGE, SHIFT_RANGE)),
    )


class AugmentedBatches(keras.utils.PyDataset):
    """Freshly jittered and flipped batches of a prepared split, reshuffled every epoch."""

    def __init__(self, data: PreparedSet, config: PreprocessConfig, batch_size: int, seed: int):
        super().__init__()
        self.data = data
        self.config = config
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.labels = data.labels
        self.order = self.rng.permutation(len(self.labels))

    def __len__(self) -> int:
        return int(np.ceil(len(self.order) / self.batch_size))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        chosen = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        subset = PreparedSet(
            [self.data.examples[i] for i in chosen],
            [self.data.images[i] for i in chosen],
            [self.data.faces[i] for i in chosen],
        )
        pixels = subset.pixels(self.config, [random_jitter(self.rng) for _ in chosen])
        flip = self.rng.random(len(chosen)) < 0.5
        pixels[flip] = pixels[flip, :, ::-1]
        return pixels, self.labels[chosen]

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.labels))
