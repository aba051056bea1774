"""Fitting a :class:`deforgify.calibration.Calibration` on the validation split, and measuring
calibration (expected calibration error)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import balanced_accuracy_score

from deforgify.calibration import Calibration
from training.metrics import FAKE

ECE_BINS = 10
RELIABLE_ACCURACY = 0.95
"""Outside the unsure band, validation images must be answered right this often."""
MIN_HALF_BAND = 0.1
MAX_HALF_BAND = 0.4


def fit_calibration(labels: np.ndarray, raw_fake: np.ndarray) -> Calibration:
    """Temperature by log-likelihood, threshold by balanced accuracy, then the unsure band."""
    is_fake = np.asarray(labels) == FAKE
    temperature = _fit_temperature(is_fake, raw_fake)
    fake = Calibration(temperature).fake_probability(raw_fake)
    threshold = _best_threshold(is_fake, fake)
    half = _half_band(is_fake, fake, threshold)
    return Calibration(temperature, threshold, max(0.0, threshold - half), min(1.0, threshold + half))


def _fit_temperature(is_fake: np.ndarray, raw_fake: np.ndarray) -> float:
    def loss(log_t: float) -> float:
        p = np.clip(Calibration(float(np.exp(log_t))).fake_probability(raw_fake), 1e-12, 1 - 1e-12)
        return -float(np.mean(np.where(is_fake, np.log(p), np.log1p(-p))))

    # Bounded to [0.5, 20]: separable validation data would otherwise drive it to zero.
    return float(np.exp(minimize_scalar(loss, bounds=(np.log(0.5), np.log(20)), method="bounded").x))


def _best_threshold(is_fake: np.ndarray, fake: np.ndarray) -> float:
    """The threshold of best balanced accuracy; among equals, the one nearest 0.5."""
    candidates = np.unique(np.r_[0.5, (fake[:-1] + fake[1:]) / 2 if len(fake) > 1 else []])
    scores = [balanced_accuracy_score(is_fake, fake >= t) for t in candidates]
    best = max(scores)
    return float(min((abs(t - 0.5), t) for t, s in zip(candidates, scores) if s == best)[1])


def _half_band(is_fake: np.ndarray, fake: np.ndarray, threshold: float) -> float:
    """The narrowest band (at least MIN_HALF_BAND each side) outside which validation accuracy
    reaches RELIABLE_ACCURACY."""
    correct = (fake >= threshold) == is_fake
    for half in np.arange(MIN_HALF_BAND, MAX_HALF_BAND + 1e-9, 0.01):
        outside = np.abs(fake - threshold) >= half
        if not outside.any() or correct[outside].mean() >= RELIABLE_ACCURACY:
            return float(half)
    return MAX_HALF_BAND


def expected_calibration_error(labels: np.ndarray, fake: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE of the predicted class's confidence, in equal-width confidence bins."""
    fake = np.asarray(fake, dtype=np.float64)
    predicted_fake = fake >= 0.5
    confidence = np.where(predicted_fake, fake, 1 - fake)
    correct = predicted_fake == (np.asarray(labels) == FAKE)
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    return float(sum(
        abs(correct[which == b].mean() - confidence[which == b].mean()) * np.mean(which == b)
        for b in range(bins) if np.any(which == b)
    ))


def unsure_summary(labels: np.ndarray, fake: np.ndarray, calibration: Calibration) -> dict:
    """How many images fall in the unsure band, and how accurate the rest are."""
    answers = np.array([calibration.label(p) for p in fake])
    sure = answers != "unsure"
    truth = np.where(np.asarray(labels) == FAKE, "fake", "real")
    return {
        "band": [calibration.unsure_low, calibration.unsure_high],
        "unsure_share": float(np.mean(~sure)),
        "accuracy_when_sure": float(np.mean(answers[sure] == truth[sure])) if sure.any() else None,
    }
