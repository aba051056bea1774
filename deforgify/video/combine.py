"""How the scores of one face's frames combine into that face track's score.

Every rule takes the calibrated fake probabilities of a track's frames and returns one
probability, so the track is labelled by the model's own threshold and unsure band like a photo.
``benchmarks/video_combine.py`` compares them on pseudo-tracks (the frames of one FaceForensics++
video each) with the model in use; :data:`COMBINE` names the rule chosen by that measurement
(figures in README.md, "Video").
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

EPSILON = 1e-6


def mean(scores: Sequence[float]) -> float:
    return float(np.mean(scores))


def median(scores: Sequence[float]) -> float:
    return float(np.median(scores))


def top_quarter_mean(scores: Sequence[float]) -> float:
    """Mean of the most suspicious quarter of the frames (at least one)."""
    ordered = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    return float(ordered[: max(1, int(np.ceil(len(ordered) / 4)))].mean())


def top3_mean(scores: Sequence[float]) -> float:
    ordered = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    return float(ordered[:3].mean())


def logit_mean(scores: Sequence[float]) -> float:
    """The probability whose logit is the mean of the frames' logits (evidence adds up: a run of
    confident frames moves it further than their plain mean)."""
    p = np.clip(np.asarray(scores, dtype=np.float64), EPSILON, 1 - EPSILON)
    logit = float(np.mean(np.log(p) - np.log1p(-p)))
    return float(1.0 / (1.0 + np.exp(-logit)))


def maximum(scores: Sequence[float]) -> float:
    return float(np.max(scores))


WINDOW = 8
"""Frames in one window of :func:`windowed_median` (4 s at the default 2 frames a second)."""


def windowed_median(scores: Sequence[float]) -> float:
    """The highest median of :data:`WINDOW` consecutive frames (the plain median for a shorter
    track): a face swapped in only part of a shot is not outvoted by its untouched frames."""
    values = np.asarray(scores, dtype=np.float64)
    if len(values) <= WINDOW:
        return float(np.median(values))
    windows = np.lib.stride_tricks.sliding_window_view(values, WINDOW)
    return float(np.median(windows, axis=1).max())


RULES: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": mean, "median": median, "top-25% mean": top_quarter_mean, "top-3 mean": top3_mean,
    "logit mean": logit_mean, "max": maximum, "windowed median": windowed_median,
}

COMBINE_NAME = "median"
"""The rule in use (see the module's docstring for how it was chosen)."""


def combine(scores: Sequence[float]) -> float:
    """A track's fake probability from its frames' fake probabilities."""
    return RULES[COMBINE_NAME](scores)
