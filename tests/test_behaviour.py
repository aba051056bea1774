"""Behaviour of the bundled model on real faces from ../shared/data (its test split): a
verdict it commits to (real or fake, outside its unsure band) must not flip under everyday
changes of the file."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.detector import Detector
from helpers import require_shared_data
from training import degrade
from training.data import load_examples, split_examples
from training.prepared import prepare

MAX_FLIPS = 0.05


@pytest.fixture(scope="module")
def test_images() -> list[np.ndarray]:
    folders = [require_shared_data(n) for n in ("hardfakevsrealfaces", "ffhq-vs-stylegan2")]
    test = split_examples(load_examples([str(f) for f in folders]), seed=0)["test"]
    return prepare(test, workers=1).images  # about 530 images


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
    confident = [i for i, p in enumerate(before) if p.label in ("real", "fake")]
    assert len(confident) >= 20, f"too few committed verdicts to judge ({len(confident)})"
    flips = [i for i in confident if after[i].label not in (before[i].label, "unsure", "no_face")]
    assert len(flips) <= MAX_FLIPS * len(confident), f"{len(flips)} of {len(confident)} flipped"
