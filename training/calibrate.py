"""Fitting a :class:`deforgify.model.calibration.Calibration` on the validation split, and measuring
calibration (expected calibration error).

The validation split comes from the training sources, where the model is at its best. Photos
from elsewhere score differently, so the upper edge of the unsure band can also be set from
leave-one-source-out predictions (:mod:`training.leave_one_out`): high enough that at most
:data:`FALSE_ACCUSATION_TARGET` of the reals of sources a model never saw would be answered
"fake".
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import balanced_accuracy_score

from deforgify.model.calibration import Calibration
from training.metrics import FAKE

ECE_BINS = 10
RELIABLE_ACCURACY = 0.95
"""Outside the unsure band, validation images must be answered right this often."""
MIN_REALS_CLEARED = 0.5
MIN_REAL_ACCURACY = 0.9
"""The lower edge clears at least half of the validation reals when the "real" answers stay
this accurate: fitted on accuracy alone, the bundled model cleared 32 % of the test reals and
answered "unsure" for 66 % of all faces; clearing half of them it answers 45 % of the faces,
right 96 % of the time (the trade-off table of its card)."""
FALSE_ACCUSATION_TARGET = 0.05
MAX_UNSURE_HIGH = 0.98


def held_out_real_rank(units: list[dict], target: float = FALSE_ACCUSATION_TARGET) -> float:
    """The rank among a model's own validation reals (0 to 1) under which all but ``target`` of
    the reals of a source it never saw score, every held-out source weighing the same.

    A rank rather than a score, so that it carries over from the quick models of the
    leave-one-source-out runs to a model trained for longer: "unseen reals reach as high as the
    top 2 % of seen reals" holds for both, whatever their scores. ``units`` are the results of
    :func:`training.leave_one_out.main`; parts within a source (``source:method``) are left out
    so that no source counts twice.
    """
    ranks, weights = [], []
    for unit in units:
        labels, val_labels = np.asarray(unit["labels"]), np.asarray(unit["val_labels"])
        if ":" in unit["unit"] or not np.any(labels != FAKE):
            continue
        seen = np.sort(np.asarray(unit["val_scores"])[val_labels != FAKE])
        unseen = np.asarray(unit["scores"])[labels != FAKE]
        ranks.append(np.searchsorted(seen, unseen, side="right") / len(seen))
        weights.append(np.full(len(unseen), 1.0 / len(unseen)))
    if not ranks:
        raise ValueError("the leave-one-source-out results hold no real images")
    values, weight = np.concatenate(ranks), np.concatenate(weights)
    order = np.argsort(values)
    cumulative = np.cumsum(weight[order]) / weight.sum()
    return float(values[order][min(len(values) - 1, np.searchsorted(cumulative, 1 - target))])


def fit_calibration(labels: np.ndarray, raw_fake: np.ndarray, real_rank: float | None = None
                    ) -> Calibration:
    """Temperature by log-likelihood, threshold by balanced accuracy, then the unsure band: each
    edge as far in as validation answers on its side stay right :data:`RELIABLE_ACCURACY` of the
    time, the lower edge clearing at least :data:`MIN_REALS_CLEARED` of the reals where that
    keeps "real" right :data:`MIN_REAL_ACCURACY` of the time, and the upper edge no lower than the validation reals' score at ``real_rank`` when
    given (see :func:`held_out_real_rank`), so that reals of unseen sources are rarely "fake"."""
    is_fake = np.asarray(labels) == FAKE
    temperature = _fit_temperature(is_fake, raw_fake)
    fake = Calibration(temperature).fake_probability(raw_fake)
    threshold = _best_threshold(is_fake, fake)
    high = _edge(fake[fake >= threshold], is_fake[fake >= threshold], upper=True, default=threshold)
    if real_rank is not None:
        held_out_edge = float(np.quantile(fake[~is_fake], real_rank))
        high = max(high, min(MAX_UNSURE_HIGH, held_out_edge))
    low = _edge(fake[fake < threshold], ~is_fake[fake < threshold], upper=False, default=threshold)
    low = max(low, _clearing_edge(fake, is_fake, threshold))
    return Calibration(temperature, threshold, min(low, threshold), max(high, threshold))


def _clearing_edge(fake: np.ndarray, is_fake: np.ndarray, threshold: float) -> float:
    """The lower edge that clears MIN_REALS_CLEARED of the validation reals, as long as the
    "real" answers below it stay right MIN_REAL_ACCURACY of the time (else 0): "real" must be a
    reachable answer, not one the band almost never gives."""
    if not np.any(~is_fake):
        return 0.0
    edge = min(float(np.quantile(fake[~is_fake], MIN_REALS_CLEARED)), threshold)
    answered = fake <= edge
    return edge if np.mean(~is_fake[answered]) >= MIN_REAL_ACCURACY else 0.0


def _fit_temperature(is_fake: np.ndarray, raw_fake: np.ndarray) -> float:
    def loss(log_t: float) -> float:
        p = np.clip(Calibration(float(np.exp(log_t))).fake_probability(raw_fake), 1e-12, 1 - 1e-12)
        return -float(np.mean(np.where(is_fake, np.log(p), np.log1p(-p))))

    low, high = TEMPERATURE_BOUNDS
    return float(np.exp(minimize_scalar(loss, bounds=(np.log(low), np.log(high)), method="bounded").x))


TEMPERATURE_BOUNDS = (0.5, 20.0)
"""Where the temperature is searched: separable validation data would otherwise drive it to zero."""


def at_temperature_bound(temperature: float) -> bool:
    """Whether a fitted temperature is at an end of its search (a small model's, often): the
    answers needed more correction than it allows, and the card says so."""
    return any(abs(np.log(temperature / bound)) < 1e-3 for bound in TEMPERATURE_BOUNDS)


def _best_threshold(is_fake: np.ndarray, fake: np.ndarray) -> float:
    """The threshold of best balanced accuracy; among equals, the one nearest 0.5. Candidates lie
    midway between neighbouring scores in sorted order (the midpoints of the scores as they came
    missed the best threshold in a third of simulated splits)."""
    ordered = np.unique(fake)
    candidates = np.unique(np.r_[0.5, (ordered[:-1] + ordered[1:]) / 2])
    scores = [balanced_accuracy_score(is_fake, fake >= t) for t in candidates]
    best = max(scores)
    return float(min((abs(t - 0.5), t) for t, s in zip(candidates, scores) if s == best)[1])


def _edge(scores: np.ndarray, right: np.ndarray, upper: bool, default: float) -> float:
    """The edge nearest the threshold beyond which (above it for the upper edge, at or below it
    for the lower) the answers of ``scores`` are right at least RELIABLE_ACCURACY of the time,
    counting from the most confident answer inwards; ``default`` when every answer qualifies.
    Without a qualifying edge, the most confident score (almost nothing is answered)."""
    if not len(scores):
        return default
    order = np.argsort(-scores if upper else scores)
    accuracy = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    reliable = np.flatnonzero(accuracy >= RELIABLE_ACCURACY)
    if not len(reliable):
        return float(scores[order[0]])
    if reliable[-1] == len(order) - 1:
        return default
    return float(scores[order[reliable[-1]]])


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


def unsure_summary(labels: np.ndarray, fake: np.ndarray, calibration: Calibration,
                   sources: list[str] | None = None) -> dict:
    """:func:`answer_summary` plus the trade-off between answering and being right
    (:func:`tradeoff`)."""
    return {**answer_summary(labels, fake, calibration, sources), "tradeoff": tradeoff(labels, fake, calibration)}


def answer_summary(labels: np.ndarray, fake: np.ndarray, calibration: Calibration,
                   sources: list[str] | None = None) -> dict:
    """What the served answers are worth: overall and per source (given more than one), the
    share answered (real or fake, not unsure), their accuracy, and the shares of reals cleared
    ("real") and accused ("fake")."""
    answers = np.array([calibration.label(p) for p in fake])
    truth = np.where(np.asarray(labels) == FAKE, "fake", "real")
    summary = {"band": [calibration.unsure_low, calibration.unsure_high], **_answer_figures(answers, truth)}
    if sources is not None and len(set(sources)) > 1:
        names = np.array(sources)
        summary["per_source"] = {name: _answer_figures(answers[names == name], truth[names == name])
                                 for name in sorted(set(sources))}
    return summary


def _answer_figures(answers: np.ndarray, truth: np.ndarray) -> dict:
    """Share answered, accuracy of the answers, and the shares of reals cleared and accused
    (None where a share has nothing to count)."""
    sure = answers != "unsure"
    reals = truth == "real"
    return {
        "count": int(len(answers)),
        "unsure_share": float(np.mean(~sure)),
        "answered_share": float(np.mean(sure)),
        "accuracy_when_sure": float(np.mean(answers[sure] == truth[sure])) if sure.any() else None,
        "reals_cleared": float(np.mean(answers[reals] == "real")) if reals.any() else None,
        "reals_accused": float(np.mean(answers[reals] == "fake")) if reals.any() else None,
        "fakes_caught": float(np.mean(answers[~reals] == "fake")) if (~reals).any() else None,
    }


TRADEOFF_CLEARED = (0.5, 0.6, 0.7, 0.8, 0.9)
"""Shares of reals cleared at which :func:`tradeoff` reports the other figures."""


def tradeoff(labels: np.ndarray, fake: np.ndarray, calibration: Calibration) -> list[dict]:
    """Moving the band's lower edge: for each share of reals it would clear, where the edge
    would be, the share answered and the accuracy of the answers (upper edge as fitted)."""
    is_fake = np.asarray(labels) == FAKE
    rows = []
    for cleared in TRADEOFF_CLEARED:
        if not (~is_fake).any():
            break
        low = min(float(np.quantile(fake[~is_fake], cleared)), calibration.unsure_high)
        threshold = max(calibration.threshold, float(np.nextafter(low, 1.0)))
        moved = Calibration(calibration.temperature, threshold, low, max(calibration.unsure_high, threshold))
        answers = np.array([moved.label(p) for p in fake])
        figures = _answer_figures(answers, np.where(is_fake, "fake", "real"))
        rows.append({"reals_cleared": cleared, "unsure_low": low,
                     "answered_share": figures["answered_share"],
                     "accuracy_when_sure": figures["accuracy_when_sure"]})
    return rows
