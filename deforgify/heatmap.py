"""Grad-CAM: where in the face crop the evidence for "fake" lies, computed in the same forward
pass as the verdict.

Grad-CAM (Selvaraju et al., ICCV 2017) weights the channels of the last convolutional feature map
by the average gradient of the fake-class score over the map. In our networks that map reaches
the classifier only through max pooling and a global average pool, so that average equals the
gradient with respect to the pooled feature, up to a constant factor that the normalisation to
the peak removes. Taking it there needs no backward pass through the convolutions: the whole
map is a few more operations at the end of the forward graph, so verdicts and heatmaps come from
one graph that exports to LiteRT (:mod:`deforgify.runtime`). Networks without such a pool use the
textbook gradient over the map.
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


def _pooled_slice(model, feature_layer: str) -> tuple[object, int, int] | None:
    """Where the feature map's pooled channels enter the classifier: the classifier layer and
    their first and last position in its input, if the map reaches it through spatial pooling,
    a global average pool, and joins and dropouts only."""
    layer, width = model.get_layer(feature_layer), None
    offset = 0
    while True:
        consumers = [node.operation for node in layer._outbound_nodes if node.operation in model.layers]
        if len(consumers) != 1:
            return None
        consumer = consumers[0]
        kind = type(consumer).__name__
        if kind == "GlobalAveragePooling2D":
            width = consumer.output.shape[-1]
        elif kind == "Concatenate" and width is not None:
            inputs = [node.operation for node in consumer._inbound_nodes[0].parent_nodes]
            offset += sum(part.output.shape[-1] for part in inputs[: inputs.index(layer)])
        elif kind == "Dense" and width is not None:
            return consumer, offset, offset + width
        elif kind != "Dropout" and (width is not None or len(consumer.output.shape) != 4):
            return None
        layer = consumer


def serving_function(model, class_index: int):
    """A ``tf.function`` from preprocessed crops (N, size, size, 3) to their class probabilities
    and their Grad-CAM maps for ``class_index`` (N, h, w), unnormalised. Built only of operations
    that LiteRT has (no slicing gradients, no einsum)."""
    import keras
    import tensorflow as tf

    feature_layer = last_feature_layer(model)
    features = model.get_layer(feature_layer).output
    head = _pooled_slice(model, feature_layer)
    watched = head[0].input if head else features
    graph = keras.Model(model.inputs, [features, watched, model.output])
    size = model.input_shape[1]
    chosen = tf.one_hot(class_index, model.output_shape[-1])

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, name="pixels")])
    def serve(pixels):
        with tf.GradientTape() as tape:
            feature_map, watched_value, probabilities = graph([pixels], training=False)
            score = tf.reduce_sum(probabilities * chosen)  # each image's own score
        gradients = tape.gradient(score, watched_value)
        if head:
            gradients = gradients[:, head[1] : head[2]]
        else:
            gradients = tf.reduce_mean(gradients, axis=(1, 2))
        cam = tf.nn.relu(tf.reduce_sum(feature_map * gradients[:, None, None, :], axis=-1))
        return {"probabilities": probabilities, "cam": cam}

    return serve


def normalised(cam: np.ndarray) -> np.ndarray:
    """A map scaled to [0, 1] by its peak (all zero without evidence)."""
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
