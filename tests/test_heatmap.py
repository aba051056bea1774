"""Grad-CAM over the deciding face, computed in the serving graph, and the two engines that run
that graph (LiteRT for serving, Keras for training) giving the same answers."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.detector import Detector
from deforgify.explain.heatmap import colour_stops, normalised, overlay, scaled, where
from deforgify.faces.preprocess import preprocess
from deforgify.model.folder import load_keras_model
from deforgify.model.runtime import KerasRuntime, LiteRtRuntime
from deforgify.model.serving import last_feature_layer, serving_function, towers
from deforgify.model.source import BUNDLED_MODEL


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


@pytest.fixture(scope="module")
def keras_model():
    return load_keras_model(BUNDLED_MODEL)


@pytest.fixture(scope="module")
def crops(detector: Detector, astronaut: np.ndarray) -> np.ndarray:
    face = preprocess(astronaut, detector.config.preprocessing).pixels
    noise = np.random.default_rng(0).uniform(0, 1, (3, *face.shape)).astype(np.float32)
    return np.concatenate([face[None], face[None, :, ::-1], noise])


def test_the_bundled_model_is_served_by_litert_without_tensorflow(detector: Detector) -> None:
    assert isinstance(detector.runtime, LiteRtRuntime)


def feature_map_side(model) -> int:
    return model.get_layer(last_feature_layer(model)).output.shape[1]


def test_the_map_comes_from_the_last_feature_map(keras_model) -> None:
    """The last activation before pooling of every tower (one per tower of a two-tower model),
    all of the same size."""
    _, parts = towers(keras_model)
    names = [t.feature_layer for t in parts]
    assert last_feature_layer(keras_model) in names
    assert all(name.endswith("relu") for name in names)
    assert {keras_model.get_layer(n).output.shape[1:3] for n in names} == {(feature_map_side(keras_model),) * 2}


def test_the_serving_map_is_textbook_grad_cam_over_all_towers(keras_model, crops: np.ndarray) -> None:
    """The gradient taken at the pooled features equals the gradient averaged over each tower's
    last feature map; the towers' maps count as one."""
    import keras
    import tensorflow as tf

    _, parts = towers(keras_model)
    assert parts
    served = serving_function(keras_model, 1)(crops)["cam"].numpy()
    maps = [keras_model.get_layer(t.feature_layer).output for t in parts]
    both = keras.Model(keras_model.inputs, [maps, keras_model.output])
    for crop, cam in zip(crops, served):
        with tf.GradientTape() as tape:
            feature_maps, probabilities = both([crop[None]], training=False)
            score = probabilities[:, 1]
        evidence = [tf.reduce_sum(tf.reduce_mean(g, axis=(1, 2), keepdims=True) * m, axis=-1)
                    for g, m in zip(tape.gradient(score, feature_maps), feature_maps)]
        textbook = tf.nn.relu(tf.add_n(evidence))[0].numpy()
        assert normalised(cam) == pytest.approx(normalised(textbook), abs=1e-4)


def test_litert_and_keras_give_the_same_answers(detector: Detector, keras_model, crops: np.ndarray) -> None:
    litert = detector.runtime.run(crops)
    keras_answers = KerasRuntime(keras_model, detector.labels.index("fake")).run(crops)
    for mine, theirs in zip(litert, keras_answers):
        assert mine.shape == theirs.shape
        assert mine == pytest.approx(theirs, abs=1e-5)


def test_map_is_normalised_and_points_at_the_evidence(detector: Detector, keras_model, crops) -> None:
    fake = normalised(detector.runtime.run(crops[:1])[1][0])
    real = normalised(KerasRuntime(keras_model, detector.labels.index("real")).run(crops[:1])[1][0])
    side = feature_map_side(keras_model)
    assert fake.shape == (side, side) and fake.min() >= 0 and fake.max() == pytest.approx(1.0)
    # With two classes the evidence for one is evidence against the other: the maps differ.
    assert not np.allclose(fake, real)


def test_heatmap_of_a_prediction_is_an_image_over_the_crop(detector: Detector, astronaut) -> None:
    prediction = detector.predict(astronaut)
    image = detector.heatmap(astronaut, prediction)
    assert image.shape == (384 + 44, 384, 3) and image.dtype == np.uint8
    assert detector.heatmap(astronaut, prediction, legend=False).shape == (384, 384, 3)  # the app's
    crop = preprocess(astronaut, detector.config.preprocessing).pixels
    cam = next(s.cam for s in prediction.scores if s.face == prediction.face)
    expected = overlay(crop, scaled(cam, prediction.confidences["fake"]))
    assert np.abs(image.astype(int) - expected.astype(int)).max() <= 1


def test_the_heatmap_is_as_bright_as_the_face_is_fake_never_scaled_to_its_own_peak(detector: Detector,
                                                                                      astronaut) -> None:
    import dataclasses

    prediction = detector.predict(astronaut)
    cam = next(s.cam for s in prediction.scores if s.face == prediction.face)
    assert scaled(cam, 0.05).max() == pytest.approx(0.05) and scaled(cam, 0.95).max() == pytest.approx(0.95)

    def brightness(fake: float) -> float:
        made = dataclasses.replace(prediction, confidences={"real": 1 - fake, "fake": fake})
        return float(detector.heatmap(astronaut, made, legend=False).mean())

    assert brightness(0.05) < brightness(0.5) < brightness(0.95)


def test_the_colour_scale_is_perceptually_uniform_not_a_rainbow() -> None:
    """Lightness (CIE L*) rises steadily from no evidence to all, as in inferno; jet goes up
    and down again (its yellow is lighter than its red)."""
    import cv2

    stops = colour_stops(12)
    rgb = np.array([[[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in stops]], np.uint8)
    lightness = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[0, :, 0].astype(int)
    steps = np.diff(lightness)
    assert (steps > 0).all() and steps.max() < 3 * steps.min() + 10


def _bump(row: float, column: float, width: float = 0.12) -> np.ndarray:
    """A 4x4-cell-like map (here 16x16) with one bump at (row, column) in [0, 1] of the picture."""
    ys, xs = np.mgrid[0:16, 0:16] / 15
    return np.exp(-((ys - row) ** 2 + (xs - column) ** 2) / (2 * width**2))


@pytest.mark.parametrize(("cam", "words"), [
    (_bump(0.1, 0.5), "top third of the picture, in the middle"),
    (_bump(0.9, 0.5), "bottom third of the picture, in the middle"),
    (_bump(0.2, 0.1) + _bump(0.2, 0.9), "top third of the picture, at both sides"),
    (_bump(0.5, 0.5), "middle third of the picture, in the middle"),
    (_bump(0.5, 0.9), "middle third of the picture, on the right"),
    (np.ones((4, 4)), "spread over the whole picture"),
    (_bump(0.1, 0.1) + 0.6 * _bump(0.9, 0.9), "top third of the picture, on the left"),  # not "at both sides"
    (np.tile(_bump(0.5, 0.1)[8:9], (16, 1)), "from top to bottom of the picture, on the left"),  # not "top third"
    (_bump(0.1, 0.5) + _bump(0.5, 0.5), "top and middle thirds of the picture, in the middle"),
    (np.zeros((4, 4)), "nothing in the picture points to 'fake'"),
])
def test_the_heatmap_s_words_say_where_its_evidence_lies(cam: np.ndarray, words: str) -> None:
    """The heatmap's alt text: a screen-reader user is told where the bright part is, not only
    that there is a heatmap."""
    assert words in where(cam)
