"""Grad-CAM over the deciding face, from the full classifier's fake score."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.detector import Detector
from deforgify.heatmap import GradCam, last_feature_layer, overlay
from deforgify.preprocess import preprocess


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


def test_the_map_comes_from_the_last_feature_map(detector: Detector) -> None:
    # The last conv block's output (of the last tower, for a two-tower model).
    assert last_feature_layer(detector.model).endswith("block5_relu")


def test_map_is_normalised_and_points_at_the_evidence(detector: Detector, astronaut) -> None:
    crop = preprocess(astronaut, detector.config.preprocessing).pixels
    fake = GradCam(detector.model, detector.labels.index("fake"))(crop)
    real = GradCam(detector.model, detector.labels.index("real"))(crop)
    assert fake.shape == (8, 8) and fake.min() >= 0 and fake.max() == pytest.approx(1.0)
    # With two classes the evidence for one is evidence against the other: the maps differ.
    assert not np.allclose(fake, real)


def test_heatmap_of_a_prediction_is_an_image_over_the_crop(detector: Detector, astronaut) -> None:
    prediction = detector.predict(astronaut)
    image = detector.heatmap(astronaut, prediction)
    assert image.shape == (384 + 44, 384, 3) and image.dtype == np.uint8
    crop = preprocess(astronaut, detector.config.preprocessing).pixels
    blank = overlay(crop, np.zeros((8, 8)))  # no evidence: only the colour scale's floor
    assert np.abs(image.astype(int) - blank.astype(int)).mean() > 1
