"""Behaviour of the bundled model on real faces from ../shared/data (its test split): a
confident verdict must not flip under everyday changes of the file."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.detector import Detector
from helpers import require_shared_data
from training import degrade
from training.data import load_examples, split_examples
from training.prepared import prepare

CONFIDENT = 0.9
MAX_FLIPS = 0.05


@pytest.fixture(scope="module")
def test_images() -> list[np.ndarray]:
    folders = [require_shared_data(n) for n in ("hardfakevsrealfaces", "ffhq-vs-stylegan2")]
    test = split_examples(load_examples([str(f) for f in folders]), seed=0)["test"]
    return prepare(test[::3], workers=1).images  # every third: about 180 images


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


@pytest.mark.parametrize(
    "change",
    [lambda rgb: degrade.jpeg(rgb, 75), lambda rgb: degrade.downscale(rgb, 0.75),
     lambda rgb: np.ascontiguousarray(rgb[:, ::-1])],
    ids=["jpeg q75", "resize 0.75", "h-flip"],
)
def test_confident_verdicts_do_not_flip(detector, test_images, change) -> None:
    before = detector.predict_rgb(test_images)
    after = detector.predict_rgb([change(rgb) for rgb in test_images])
    confident = [i for i, p in enumerate(before) if max(p.confidences.values()) >= CONFIDENT]
    assert len(confident) >= 30, "too few confident verdicts to judge"
    flips = [i for i in confident if after[i].label not in (before[i].label, "unsure")]
    assert len(flips) <= MAX_FLIPS * len(confident), f"{len(flips)} of {len(confident)} flipped"
