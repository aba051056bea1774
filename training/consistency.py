"""Consistency between two storings of one face: the training term that asks the network to
give the same answer whatever the file.

Each training batch holds every face twice (:class:`training.augment.AugmentedBatches` with
``views=2``): the same face, blend, crop and flip, but two independent draws of the re-encoding
chain (size, blur, noise, colour, storage). Besides the cross-entropy of both, the loss adds
``weight`` times the squared gap between the two views' fake logits. With cross-entropy alone,
the same test face saved at half size or as WebP moved its logit by 0.96 and 0.80 (standard
deviation) and 29.5 % of test faces changed verdict across seven storings, 18.2 % leaving out
copies too small to judge (``benchmarks/format_parity.py``, with the size rule of the time,
64 px). Weight 0.1 at the same compute
(half as many faces a step): 25.9 % and test ROC-AUC 0.908 against 0.927; the control on the
same faces without the term: 25.9 % and 0.900. The term did not steady the verdicts; the bundled
model is trained without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
from keras import ops

from deforgify.model.folder import LABELS

if TYPE_CHECKING:
    import numpy as np
    import tensorflow as tf

LOGIT_LIMIT = 9.0
"""Logits are clipped to +-9 (probabilities 1e-4 from 0 and 1): two views that are both sure
need not agree on how sure."""


def pair_gap(probabilities: tf.Tensor | np.ndarray) -> tf.Tensor:
    """Mean squared gap between the fake logits of the first and second half of a batch of
    two-class probabilities (the two views of each face)."""
    fake, real = probabilities[:, LABELS.index("fake")], probabilities[:, LABELS.index("real")]
    logits = ops.clip(ops.log(fake + 1e-7) - ops.log(real + 1e-7), -LOGIT_LIMIT, LOGIT_LIMIT)
    half = ops.shape(logits)[0] // 2
    return ops.mean(ops.square(logits[:half] - logits[half:]))


class PairedViews(keras.Model):
    """Trains ``network`` on batches of view pairs with the consistency term added to the
    compiled loss while training (validation sees single views and the plain loss). Save
    ``network``, not this wrapper."""

    def __init__(self, network: keras.Model, weight: float) -> None:
        super().__init__()
        self.network = network
        self.weight = weight

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        return self.network(inputs, training=training)

    def compute_loss(self, x: tf.Tensor | None = None, y: tf.Tensor | None = None,
                     y_pred: tf.Tensor | None = None, sample_weight: tf.Tensor | None = None,
                     training: bool = True) -> tf.Tensor:
        loss = super().compute_loss(x, y, y_pred, sample_weight, training)
        return loss + self.weight * pair_gap(y_pred) if training else loss
