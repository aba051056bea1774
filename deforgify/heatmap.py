"""Grad-CAM: where in the face crop the evidence for "fake" lies.

The map is the gradient of the full classifier's fake-class score with respect to the last
convolutional feature map, averaged per channel and used to weight that map (Selvaraju et al.,
ICCV 2017): one forward and one backward pass through the whole model.
"""

from __future__ import annotations

import cv2
import numpy as np

OVERLAY_SIDE = 384
OVERLAY_WEIGHT = 0.45
LEGEND_HEIGHT = 44


def last_feature_layer(model) -> str:
    """The last layer with a spatial (4-D) output before the classifier head, other than pooling."""
    for layer in reversed(model.layers):
        shape = getattr(layer.output, "shape", ())
        if len(shape) == 4 and "pool" not in type(layer).__name__.lower():
            return layer.name
    raise ValueError(f"{model.name} has no convolutional feature map for Grad-CAM")


class GradCam:
    """Compiled Grad-CAM for one model and one output class."""

    def __init__(self, model, class_index: int):
        import keras
        import tensorflow as tf

        features = model.get_layer(last_feature_layer(model)).output
        both = keras.Model(model.inputs, [features, model.output])
        size = model.input_shape[1]

        @tf.function(input_signature=[tf.TensorSpec([1, size, size, 3], tf.float32)])
        def compute(pixels):
            with tf.GradientTape() as tape:
                feature_map, probabilities = both(pixels, training=False)
                score = probabilities[:, class_index]
            gradients = tape.gradient(score, feature_map)
            weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
            return tf.nn.relu(tf.reduce_sum(weights * feature_map, axis=-1))[0]

        self._compute = compute

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        """The map for one preprocessed crop, scaled to [0, 1] (all zero without evidence)."""
        cam = self._compute(pixels[None].astype(np.float32)).numpy()
        peak = cam.max()
        return cam / peak if peak > 0 else cam


def overlay(pixels: np.ndarray, cam: np.ndarray) -> np.ndarray:
    """The crop (float RGB in [0, 1]) with the map drawn over it in a heat colour scale, and a
    legend strip below: blue where nothing points to "fake", red where most evidence lies."""
    crop = cv2.resize((pixels * 255).astype(np.uint8), (OVERLAY_SIDE, OVERLAY_SIDE),
                      interpolation=cv2.INTER_CUBIC)
    heat = cv2.resize(cam.astype(np.float32), (OVERLAY_SIDE, OVERLAY_SIDE), interpolation=cv2.INTER_CUBIC)
    blended = cv2.addWeighted(crop, 1 - OVERLAY_WEIGHT, _colours(heat), OVERLAY_WEIGHT, 0)
    return np.concatenate([blended, _legend()], axis=0)


def _colours(values: np.ndarray) -> np.ndarray:
    return cv2.applyColorMap((np.clip(values, 0, 1) * 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]


def _legend() -> np.ndarray:
    strip = np.full((LEGEND_HEIGHT, OVERLAY_SIDE, 3), 255, np.uint8)
    margin, bar = 8, 12
    ramp = np.linspace(0, 1, OVERLAY_SIDE - 2 * margin, dtype=np.float32)[None, :].repeat(bar, 0)
    strip[4 : 4 + bar, margin : OVERLAY_SIDE - margin] = _colours(ramp)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.42
    cv2.putText(strip, "no evidence", (margin, 36), font, scale, (40, 40, 40), 1, cv2.LINE_AA)
    text = "most evidence for 'fake'"
    (width, _), _ = cv2.getTextSize(text, font, scale, 1)
    cv2.putText(strip, text, (OVERLAY_SIDE - margin - width, 36), font, scale, (40, 40, 40), 1, cv2.LINE_AA)
    return strip
