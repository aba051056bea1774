"""Custom Keras layers of Deforgify's architectures, registered so that ``model.keras`` files
using them load with ``safe_mode=True``. Importing this module imports Keras."""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
from keras import ops

if TYPE_CHECKING:
    import tensorflow as tf


@keras.saving.register_keras_serializable(package="deforgify")
class NeighbourResidual(keras.layers.Layer):
    """The image minus its nearest-neighbour 2x down-and-up-sampled copy (the neighbouring-pixel
    residual of NPR, Tan et al., CVPR 2024). Generators upsample, and upsampling leaves
    correlations between neighbouring pixels that the residual keeps while it discards most of
    the content. Takes an even-sized (N, H, W, C) batch."""

    def call(self, images: tf.Tensor) -> tf.Tensor:
        coarse = images[:, ::2, ::2, :]
        return images - ops.repeat(ops.repeat(coarse, 2, axis=1), 2, axis=2)
