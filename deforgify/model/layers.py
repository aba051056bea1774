"""Custom Keras layers of Deforgify's architectures, registered so that ``model.keras`` files
using them load with ``safe_mode=True``. Importing this module imports Keras."""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
import numpy as np
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


BINOMIAL_3 = (1.0, 2.0, 1.0)


@keras.saving.register_keras_serializable(package="deforgify")
class BlurPool(keras.layers.Layer):
    """A fixed [1, 2, 1] x [1, 2, 1] blur sampled at stride 2, per channel: anti-aliased
    downsampling (Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019).
    A strided convolution samples its output every other pixel, so a shift of one pixel can
    change what it sees; blurring before sampling lets the shift change it only a little. The
    border is zero-padded, as the network's convolutions pad theirs."""

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if input_shape[-1] is None:
            raise ValueError("BlurPool needs inputs whose channel count (the last axis) is known")
        taps = np.array(BINOMIAL_3)
        kernel = np.outer(taps, taps) / np.sum(taps) ** 2
        channels = int(input_shape[-1])
        self.kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1)).astype("float32")

    def call(self, images: tf.Tensor) -> tf.Tensor:
        return ops.depthwise_conv(images, ops.cast(self.kernel, images.dtype), strides=2, padding="same")
