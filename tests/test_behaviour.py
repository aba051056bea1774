"""Behaviour of the bundled model on real faces from ../shared/data (its test split, which it
never saw): the same face must get the same verdict however its file was stored, and a verdict
it commits to (real or fake) must not flip under everyday changes of the file."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.detector import Detector
from helpers import require_shared_data
from training import degrade
from training.data import load_examples, per_source, split_examples
from training.format_parity import CUT_VARIANTS, PHONE_VARIANTS, ParityReport, VariantResult, format_parity
from training.leave_one_out import SOURCES
from training.prepared import PreparedSet, prepare

MAX_FLIPS = 0.05
PER_SOURCE = 20
"""Test images of each source in the small format-parity run (the benchmark takes all)."""


@pytest.fixture(scope="module")
def test_split() -> PreparedSet:
    folders = [require_shared_data(name) for name in SOURCES]
    test = split_examples(load_examples([str(f) for f in folders]), seed=0)["test"]
    return prepare(per_source(test, PER_SOURCE), workers=1)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


def test_the_same_faces_stored_seven_ways_get_the_same_verdicts(detector, test_split) -> None:
    """A small run of benchmarks/format_parity.py: PNG, JPEG 95 and 75, WebP 80, half and
    double size, mirrored. Met on the whole split and held here: a mirrored file gets exactly
    the same verdicts, reals called fake <= 5 % in every variant, the AUC barely moves, and no
    face goes from "real" in one file to "fake" in another. Not met: the goal of <= 5 % of
    verdicts changing at all (25 % on the whole split, between an answer and "unsure", 20 %
    leaving out copies whose face is too small to judge); this bound only keeps it from getting
    worse."""
    report = format_parity(detector, test_split.images, test_split.labels)
    by_name = {v.name: v for v in report.variants}
    assert list(by_name["mirrored"].verdicts) == list(by_name["png"].verdicts)  # exactly
    assert max(v.reals_called_fake for v in report.variants) <= 0.05, report.table()
    assert report.auc_spread <= 0.05, report.table()
    assert report.crossed_share <= 0.01, report.table()
    assert report.changed_share <= 0.35, report.table()


def test_changes_the_size_rule_makes_are_told_apart_from_the_scores() -> None:
    """Three images in three variants: the first changes only because its half-size copy is
    too small to judge, the second because its score moved, the third not at all."""
    def variant(name: str, verdicts: list[str], too_small: list[bool]) -> VariantResult:
        return VariantResult(name, np.array(verdicts), np.array([0.9, 0.1, 0.5]), np.array([True, False, True]),
                             np.array(too_small))

    report = ParityReport([variant("png", ["fake", "real", "unsure"], [False] * 3),
                           variant("half size", ["unsure", "real", "unsure"], [True, False, True]),
                           variant("webp q80", ["fake", "unsure", "unsure"], [False] * 3)])
    assert report.changed_share == pytest.approx(2 / 3)
    assert report.changed_by_score_share == pytest.approx(1 / 3)
    assert "33.3% leaving out faces too small" in report.table()
    assert report.crossed_share == 0 and '0.0% between "real" and "fake"' in report.table()
    crossed = ParityReport(report.variants[:1] + [variant("mirrored", ["real", "real", "fake"], [False] * 3)])
    assert crossed.crossed_share == pytest.approx(1 / 3)  # fake -> real crosses; unsure -> fake does not


def test_the_median_move_of_the_scores_is_told_whatever_the_verdicts() -> None:
    """Verdicts depend on a model's band; how far its scores move does not (models with other
    bands are compared on it)."""
    def variant(name: str, fake: list[float]) -> VariantResult:
        return VariantResult(name, np.array(["unsure"] * 3), np.array(fake), np.array([True, False, True]),
                             np.zeros(3, bool))

    report = ParityReport([variant("png", [0.5, 0.5, 0.5]), variant("jpeg q95", [0.5, 0.5, 0.5]),
                           variant("webp q80", [0.5, 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(2.0))])])
    assert [report.moved_from_first(v) for v in report.variants] == pytest.approx([0, 0, 1])  # |0|, |1|, |-2|
    assert report.changed_share == 0 and report.table().splitlines()[3].endswith("1.000")
    assert report.to_dict()["variants"]["webp q80"]["median_logit_move"] == pytest.approx(1)


@pytest.mark.parametrize(
    "change",
    [lambda rgb: degrade.jpeg(rgb, 75), lambda rgb: degrade.resize_by(rgb, 0.75),
     lambda rgb: np.ascontiguousarray(rgb[:, ::-1]), *PHONE_VARIANTS.values(), *CUT_VARIANTS.values()],
    ids=["jpeg q75", "resize 0.75", "h-flip", *PHONE_VARIANTS, *CUT_VARIANTS],
)
def test_confident_verdicts_do_not_flip(detector, test_split, change) -> None:
    images = test_split.images
    before = detector.predict_rgb(images)
    after = detector.predict_rgb([change(rgb) for rgb in images])
    confident = [i for i, p in enumerate(before) if p.label in ("real", "fake")]
    assert len(confident) >= 20, f"too few committed verdicts ({len(confident)} of {len(images)})"
    flips = [i for i in confident if after[i].label not in (before[i].label, "unsure", "no_face")]
    assert len(flips) <= MAX_FLIPS * len(confident), f"{len(flips)} of {len(confident)} flipped"
