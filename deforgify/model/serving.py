"""The serving graph: from preprocessed crops to their class probabilities and Grad-CAM maps, in
one forward pass (drawn over the face by :mod:`deforgify.explain.heatmap`).

Grad-CAM (Selvaraju et al., ICCV 2017) weights the channels of the last convolutional feature map
(of every tower of a two-tower network, taken as one map) by the average gradient of the
fake-class score over the map. In our networks that map reaches the classifier only through max
pooling and a global average pool, so that average equals the gradient with respect to the
pooled feature, up to a constant factor that the normalisation to the peak removes. Taking it
there needs no backward pass through the convolutions: the whole map is a few more operations at
the end of the forward graph, so verdicts and heatmaps come from one graph that exports to
LiteRT (:mod:`deforgify.model.runtime`). Networks without such a pool use the textbook gradient
over their last feature map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import keras


def last_feature_layer(model: keras.Model) -> str:
    """The last layer with a spatial (4-D) output before the classifier head, other than pooling."""
    for layer in reversed(model.layers):
        shape = getattr(layer.output, "shape", ())
        if len(shape) == 4 and "pool" not in type(layer).__name__.lower():
            return layer.name
    raise ValueError(f"{model.name} has no convolutional feature map for Grad-CAM")


@dataclass(frozen=True)
class Tower:
    """A feature map that reaches the classifier through pooling only, and where its pooled
    channels sit in the classifier's input."""

    feature_layer: str
    start: int
    end: int


def towers(model: keras.Model) -> tuple[keras.layers.Layer | None, list[Tower]]:
    """The classifier layer and the last feature map of every tower that feeds it through
    spatial pooling, a global average pool, joins and dropouts (none for other networks)."""
    searched = [_tower(model, layer) for layer in model.layers
                if len(getattr(layer.output, "shape", ())) == 4 and "pool" not in type(layer).__name__.lower()]
    found = [tower for tower in searched if tower is not None]
    return (found[0][0] if found else None), [tower for _, tower in found]


def _tower(model: keras.Model, feature: keras.layers.Layer) -> tuple[keras.layers.Layer, Tower] | None:
    layer, width, offset = feature, None, 0
    while True:
        consumers = [node.operation for node in layer._outbound_nodes if node.operation in model.layers]
        if len(consumers) != 1:
            return None
        consumer = consumers[0]
        kind = type(consumer).__name__
        if width is None and kind == "GlobalAveragePooling2D":
            width = consumer.output.shape[-1]
        elif width is None and kind in ("MaxPooling2D", "AveragePooling2D"):
            pass
        elif width is not None and kind == "Concatenate":
            inputs = [node.operation for node in consumer._inbound_nodes[0].parent_nodes]
            offset += sum(part.output.shape[-1] for part in inputs[: inputs.index(layer)])
        elif width is not None and kind == "Dense":
            return consumer, Tower(feature.name, offset, offset + width)
        elif not (width is not None and kind == "Dropout"):
            return None
        layer = consumer


def serving_function(model: keras.Model, class_index: int) -> Callable:
    """A ``tf.function`` from preprocessed crops (N, size, size, 3) to their class probabilities
    and their Grad-CAM maps for ``class_index`` (N, h, w), unnormalised: over the last feature
    maps of all towers of the map's size, taken as one map. Built only of operations that LiteRT
    has (no slicing gradients, no einsum)."""
    import keras
    import tensorflow as tf

    last = model.get_layer(last_feature_layer(model))
    head, parts = towers(model)
    parts = [t for t in parts if model.get_layer(t.feature_layer).output.shape == last.output.shape]
    maps = [model.get_layer(t.feature_layer).output for t in parts] or [last.output]
    watched = head.input if parts and head is not None else last.output  # towers come with their head
    graph = keras.Model(model.inputs, [maps, watched, model.output])
    size = model.input_shape[1]
    chosen = tf.one_hot(class_index, model.output_shape[-1])

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, name="pixels")])
    def serve(pixels: tf.Tensor) -> dict[str, tf.Tensor]:
        with tf.GradientTape() as tape:
            feature_maps, watched_value, probabilities = graph([pixels], training=False)
            score = tf.reduce_sum(probabilities * chosen)  # each image's own score
        gradients = tape.gradient(score, watched_value)
        if parts:
            weights = [gradients[:, t.start : t.end] for t in parts]
        else:
            weights = [tf.reduce_mean(gradients, axis=(1, 2))]
        evidence = [tf.reduce_sum(m * w[:, None, None, :], axis=-1) for m, w in zip(feature_maps, weights)]
        return {"probabilities": probabilities, "cam": tf.nn.relu(tf.add_n(evidence))}

    return serve
