"""How the scores of one face's frames combine into that face track's score.

Every rule takes the calibrated fake probabilities of a track's frames and returns one
probability, so the track is labelled by the model's own threshold and unsure band like a photo.
``benchmarks/video_combine.py`` compares them on pseudo-tracks (the frames of one FaceForensics++
video each) with the model in use; :data:`COMBINE_NAME` names the rule chosen by that measurement,
which :func:`combine` applies unless a run of frames looked fake (:data:`SUSTAINED_RUN`; figures in
README.md, "Videos").
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
"""The rule in use (see the module's docstring for how it was chosen), unless a run of frames
looked fake (:func:`combine`)."""

SUSTAINED_RUN = 3
"""Consecutive judged frames (1.5 s at the default 2 frames a second) that all reaching the fake
edge make a track "fake" whatever its median (:func:`combine`). Measured on the FaceForensics++
pseudo-tracks of ``benchmarks/video_combine.py`` with the bundled model (47 real and 47
manipulated videos, 12 frames each; most were in its training split): no real track has such a
run (1 has one frame at the edge, 0 have two in a row), while the median alone labelled 37 of 47
tracks swapped for their last third "real"; with the run, 25 of those 47 are "fake". A clip
with a 3 s face swap in the middle of 12 s was answered "Real 91 %" (a visitor's walk)."""


COMBINE_RULE = f"{COMBINE_NAME}, or {SUSTAINED_RUN} frames in a row at the fake edge"
"""The rule in use, as a video row's ``sampling.combine`` names it."""


def sustained(scores: Sequence[float], run: int = SUSTAINED_RUN) -> float:
    """The highest score that ``run`` consecutive frames all reach (0 for fewer frames)."""
    values = np.asarray(scores, dtype=np.float64)
    if len(values) < run:
        return 0.0
    return float(np.lib.stride_tricks.sliding_window_view(values, run).min(axis=1).max())


def combine(scores: Sequence[float], fake_edge: float) -> tuple[float, bool]:
    """A track's fake probability from its frames' (in time order), and whether a run decided:
    the median of its frames, unless :data:`SUSTAINED_RUN` consecutive frames all reach
    ``fake_edge`` (where "fake" starts: the model's unsure band's upper edge); then the score that
    run reaches, so a face swapped for part of a shot is not outvoted by its untouched frames,
    while a few odd frames (motion blur, a turned head) still are."""
    run = sustained(scores)
    if run >= fake_edge:
        return run, True
    return RULES[COMBINE_NAME](scores), False
