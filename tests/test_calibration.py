"""Calibration: temperature, threshold and the unsure band, fitted on validation scores."""

from __future__ import annotations

import numpy as np
import pytest

from deforgify.model.calibration import UNSURE, Calibration
from training.calibrate import expected_calibration_error, fit_calibration, unsure_summary
from training.metrics import FAKE

REAL = 1 - FAKE


def overconfident_scores(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores of a model that is right 80 % of the time but says 97 %."""
    rng = np.random.default_rng(seed)
    labels = rng.choice([REAL, FAKE], size=n)
    right = rng.random(n) < 0.8
    says_fake = np.where(right, labels == FAKE, labels != FAKE)
    confidence = rng.uniform(0.94, 0.995, size=n)
    return labels, np.where(says_fake, confidence, 1 - confidence)


def test_identity_calibration_changes_nothing() -> None:
    scores = np.array([0.01, 0.3, 0.5, 0.7, 0.99])
    np.testing.assert_allclose(Calibration().fake_probability(scores), scores, atol=1e-9)
    assert [Calibration().label(p) for p in scores] == ["real", "real", "fake", "fake", "fake"]


def test_temperature_above_one_softens_and_keeps_the_order() -> None:
    scores = np.array([0.02, 0.4, 0.6, 0.98])
    softened = Calibration(temperature=3.0).fake_probability(scores)
    assert np.all(np.diff(softened) > 0)
    assert np.all(np.abs(softened - 0.5) < np.abs(scores - 0.5))


def test_overconfident_model_gets_a_temperature_above_one_and_a_lower_ece() -> None:
    labels, raw = overconfident_scores()
    calibration = fit_calibration(labels, raw)
    assert calibration.temperature > 1.5
    calibrated = calibration.fake_probability(raw)
    assert expected_calibration_error(labels, calibrated) < expected_calibration_error(labels, raw) / 3
    held_out_labels, held_out_raw = overconfident_scores(seed=1)  # and it holds on new data
    held_out = calibration.fake_probability(held_out_raw)
    assert expected_calibration_error(held_out_labels, held_out) < 0.05


def test_threshold_follows_a_shifted_model() -> None:
    rng = np.random.default_rng(2)
    labels = rng.choice([REAL, FAKE], size=1000)
    raw = np.where(labels == FAKE, rng.uniform(0.3, 0.5, 1000), rng.uniform(0.05, 0.25, 1000))
    calibration = fit_calibration(labels, raw)
    calibrated = calibration.fake_probability(raw)
    assert np.mean((calibrated >= calibration.threshold) == (labels == FAKE)) == 1.0


def test_the_threshold_is_searched_between_neighbouring_scores_in_order() -> None:
    """Midpoints of the scores as they came (0.65, 0.75, 0.775 here) held no threshold between the
    reals' 0.65 and the fakes' 0.7: the best found got half the reals or fakes wrong."""
    from training.calibrate import _best_threshold

    is_fake = np.array([True, False, True, False])
    threshold = _best_threshold(is_fake, np.array([0.7, 0.6, 0.9, 0.65]))
    assert 0.65 < threshold <= 0.7, threshold


def test_unsure_band_covers_the_ambiguous_images_and_keeps_the_rest_reliable() -> None:
    rng = np.random.default_rng(3)
    clear_labels = rng.choice([REAL, FAKE], size=1000)
    clear = np.where(clear_labels == FAKE, rng.uniform(0.75, 0.99, 1000), rng.uniform(0.01, 0.25, 1000))
    ambiguous_labels = rng.choice([REAL, FAKE], size=300)  # a coin toss near the middle
    labels = np.r_[clear_labels, ambiguous_labels]
    raw = np.r_[clear, rng.uniform(0.42, 0.58, 300)]
    calibration = fit_calibration(labels, raw)
    assert calibration.unsure_low < calibration.threshold < calibration.unsure_high
    assert calibration.label(calibration.threshold) == UNSURE
    calibrated = calibration.fake_probability(raw)
    summary = unsure_summary(labels, calibrated, calibration)
    assert summary["accuracy_when_sure"] >= 0.95
    # Only ambiguous images are set aside: each edge reaches 95 % without needing all of them,
    # and takes none of the clear ones.
    assert 0.05 < summary["unsure_share"] <= 300 / 1300
    assert not any(calibration.label(p) == UNSURE for p in calibrated[:1000])


def test_each_side_of_the_band_is_fitted_on_its_own_answers() -> None:
    """Reals the model is sure of are cleared even when its fakes overlap with some reals: the
    lower edge is set by the "real" answers alone, the upper by the "fake" answers alone, each
    right at least 95 % of the time."""
    rng = np.random.default_rng(4)
    reals = np.r_[rng.uniform(0.01, 0.2, 800), rng.uniform(0.3, 0.6, 200)]
    fakes = rng.uniform(0.3, 0.99, 1000)
    labels = np.r_[np.full(1000, REAL), np.full(1000, FAKE)]
    calibration = fit_calibration(labels, np.r_[reals, fakes])
    calibrated = calibration.fake_probability(np.r_[reals, fakes])
    answers = np.array([calibration.label(p) for p in calibrated])
    is_fake = labels == FAKE
    assert np.mean(answers[~is_fake] == "real") >= 0.75  # the clear reals, at least
    assert np.mean(~is_fake[answers == "real"]) >= 0.95
    assert np.mean(is_fake[answers == "fake"]) >= 0.95
    assert calibration.threshold < calibration.unsure_high  # the overlapping reals are set aside
    assert np.mean(answers[~is_fake][800:] == "fake") < 0.3


def test_at_least_half_of_the_reals_are_cleared_while_real_answers_stay_mostly_right() -> None:
    """Reals spread over the low scores with a few fakes among them: the 95 % rule alone would
    clear few reals; the band clears half of them, its "real" answers still right >= 90 %."""
    rng = np.random.default_rng(5)
    reals = rng.uniform(0.0, 0.6, 1000)
    fakes = np.r_[rng.uniform(0.0, 0.6, 70), rng.uniform(0.6, 1.0, 930)]
    labels = np.r_[np.full(1000, REAL), np.full(1000, FAKE)]
    raw = np.r_[reals, fakes]
    calibration = fit_calibration(labels, raw)
    calibrated = calibration.fake_probability(raw)
    answers = np.array([calibration.label(p) for p in calibrated])
    assert np.mean(answers[:1000] == "real") >= 0.5
    assert np.mean(labels[answers == "real"] == REAL) >= 0.9
    # Where clearing half the reals would make "real" wrong too often, the band does not.
    mixed = np.r_[reals, rng.uniform(0.0, 0.6, 400), rng.uniform(0.6, 1.0, 600)]
    strict = fit_calibration(labels, mixed)
    strict_answers = np.array([strict.label(p) for p in strict.fake_probability(mixed)])
    assert np.mean(labels[strict_answers == "real"] == REAL) >= 0.9 or not np.any(strict_answers == "real")


def test_settings_round_trip_and_are_validated() -> None:
    calibration = Calibration(1.7, 0.45, 0.3, 0.6)
    assert Calibration.from_dict(calibration.to_dict()) == calibration
    with pytest.raises(ValueError, match="an empty calibration block"):
        Calibration.from_dict({})
    with pytest.raises(ValueError, match="out of range"):
        Calibration.from_dict({"temperature": 1.0, "threshold": 0.5, "unsure_low": 0.6, "unsure_high": 0.7})
    with pytest.raises(ValueError, match="out of range"):
        Calibration.from_dict({"temperature": 0.0, "threshold": 0.5, "unsure_low": 0.5, "unsure_high": 0.5})
    with pytest.raises(ValueError, match="calibration temperature must be a finite number, got inf"):
        Calibration.from_dict({"temperature": float("inf"), "threshold": 0.5, "unsure_low": 0.5, "unsure_high": 0.5})


def test_held_out_reals_set_the_upper_edge_of_the_unsure_band() -> None:
    """Unseen reals of one source score like the top 10 % of a unit's own validation reals:
    the band's upper edge moves up to where the final model's validation reals rank the same."""
    from training.calibrate import held_out_real_rank

    val_reals = np.linspace(0.0, 0.5, 101)  # ranks 0 .. 1 in steps of 0.01
    unit = {"unit": "other-source", "val_scores": [*val_reals, 0.9], "val_labels": [0] * 101 + [1],
            "scores": list(np.linspace(0.0, 0.45, 95)) + [0.49] * 5, "labels": [0] * 100}
    method_part = {**unit, "unit": "source:method", "scores": [0.99] * 100}  # never counted
    rank = held_out_real_rank([unit, method_part])
    assert rank == pytest.approx(0.91, abs=0.011)

    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(500, int), np.ones(500, int)]
    raw = np.r_[rng.beta(2, 8, 500), rng.beta(8, 2, 500)]
    plain = fit_calibration(labels, raw)
    widened = fit_calibration(labels, raw, real_rank=0.999)
    assert (widened.temperature, widened.threshold, widened.unsure_low) == (
        plain.temperature, plain.threshold, plain.unsure_low)
    reals = plain.fake_probability(raw[:500])
    assert widened.unsure_high == pytest.approx(min(0.98, np.quantile(reals, 0.999)))
    assert widened.unsure_high >= plain.unsure_high


def test_a_temperature_at_an_end_of_its_search_is_said_so_in_the_card() -> None:
    """A smoke test's model, under-confident, got 0.50, the search's lower end, which the card
    gave as "fitted" (a developer's walk)."""
    from training.calibrate import at_temperature_bound
    from training.card import _at_bound

    labels = np.array([0] * 50 + [1] * 50)
    raw = np.r_[np.full(50, 0.49), np.full(50, 0.51)]  # perfectly apart, barely leaning: under-confident
    temperature = fit_calibration(labels, raw).temperature
    assert at_temperature_bound(temperature) and temperature == pytest.approx(0.5, abs=1e-3)
    assert _at_bound(temperature) == (", at an end of its search (0.5 to 20): the raw answers needed more "
                                      "correction than it gives")
    assert _at_bound(1.23) == "" and not at_temperature_bound(1.23)
