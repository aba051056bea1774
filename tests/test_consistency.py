"""Training on two storings of each face: paired batches and the consistency term."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.faces.preprocess import PreprocessConfig
from deforgify.model.folder import LABELS
from training.augment import AugmentedBatches
from training.data import Example
from training.prepared import PreparedSet

FAKE = LABELS.index("fake")


def prepared(astronaut: np.ndarray, count: int = 6) -> PreparedSet:
    """``count`` shifted copies of the astronaut, alternately real and fake, with a face box."""
    images = [np.ascontiguousarray(np.roll(astronaut, 7 * i, axis=1)) for i in range(count)]
    examples = [Example("test-source", f"{i}.png", i % 2, b"") for i in range(count)]
    return PreparedSet(examples, images, [[(150 + 7 * i, 30, 140, 170)] for i in range(count)])


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1])


def test_a_paired_batch_holds_each_face_twice_stored_two_ways(astronaut) -> None:
    batches = AugmentedBatches(prepared(astronaut), PreprocessConfig(64), 3, seed=0, views=2)
    pixels, labels = batches[0]
    assert pixels.shape == (6, 64, 64, 3)
    assert list(labels[:3]) == list(labels[3:])
    for face in range(3):
        first, second = pixels[face], pixels[face + 3]
        assert not np.array_equal(first, second)  # two draws of the storing chain
        assert correlation(first, second) > 0.9  # of the same crop of the same face
        assert correlation(first, second) > correlation(first, pixels[(face + 1) % 3 + 3])


def test_single_views_keep_one_crop_per_face(astronaut) -> None:
    pixels, labels = AugmentedBatches(prepared(astronaut), PreprocessConfig(64), 3, seed=0)[0]
    assert pixels.shape == (3, 64, 64, 3) and labels.shape == (3,)


def test_the_consistency_term_is_the_squared_logit_gap_and_only_in_training() -> None:
    import keras

    from training.consistency import PairedViews, pair_gap

    same = np.array([[0.8, 0.2], [0.3, 0.7], [0.8, 0.2], [0.3, 0.7]], dtype="float32")
    assert float(pair_gap(same)) == pytest.approx(0.0, abs=1e-6)
    apart = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [1 / (1 + np.e ** 2), 1 / (1 + np.e ** -2)]],
                     dtype="float32")  # logit 0 vs 0, and 0 vs 2
    assert float(pair_gap(apart)) == pytest.approx(2.0, rel=1e-4)

    inputs = keras.Input((2,))
    network = keras.Model(inputs, keras.layers.Softmax()(inputs))
    model = PairedViews(network, weight=0.5)
    model.compile(loss="sparse_categorical_crossentropy")
    labels = np.array([0, 1, 0, 1])
    trained = float(model.compute_loss(None, labels, apart, training=True))
    validated = float(model.compute_loss(None, labels, apart, training=False))
    assert trained - validated == pytest.approx(0.5 * 2.0, rel=1e-4)
