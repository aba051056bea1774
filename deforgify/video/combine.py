"""How the scores of one face's frames combine into that face track's score.

The rule takes the calibrated fake probabilities of a track's frames and returns one probability,
so the track is labelled by the model's own threshold and unsure band like a photo.
``benchmarks/video_combine.py`` compares candidate rules on pseudo-tracks (the frames of one
FaceForensics++ video each) with the model in use; :data:`COMBINE_NAME` names the one chosen by
that measurement, which :func:`combine` applies unless a run of frames looked fake
(:data:`SUSTAINED_RUN`; figures in docs/videos.md).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from deforgify.model.calibration import UNSURE, Calibration

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


def sustained(scores: Sequence[float]) -> float:
    """The highest score that :data:`SUSTAINED_RUN` consecutive frames all reach (0 for fewer frames)."""
    values = np.asarray(scores, dtype=np.float64)
    if len(values) < SUSTAINED_RUN:
        return 0.0
    return float(np.lib.stride_tricks.sliding_window_view(values, SUSTAINED_RUN).min(axis=1).max())


def combine(scores: Sequence[float], fake_edge: float) -> tuple[float, bool]:
    """A track's fake probability from its frames' (in time order), and whether a run decided:
    the median of its frames, unless :data:`SUSTAINED_RUN` consecutive frames all reach
    ``fake_edge`` (where "fake" starts: the model's unsure band's upper edge); then the score that
    run reaches, so a face swapped for part of a shot is not outvoted by its untouched frames,
    while a few odd frames (motion blur, a turned head) still are."""
    run = sustained(scores)
    if run >= fake_edge:
        return run, True
    return float(np.median(scores)), False


class TrackScore(NamedTuple):
    """A track's verdict from its frames' scores (:func:`judge_track`)."""

    label: str
    fake: float
    """The track's fake probability (:func:`combine`)."""
    sustained_run: bool
    fake_frames: int
    """Frames that reached the fake edge (the unsure band's upper edge)."""


def judge_track(scores: Sequence[float], calibration: Calibration) -> TrackScore:
    """A track's label and score from its frames' (in time order): the model's threshold and band
    applied to :func:`combine`'s score, except that a track with frames at the fake edge is never
    "real" ("no sign of the fakes it knows"), even when too few of them came in a row to call it
    fake: a face swapped for about a second (two frames at two a second) in a real clip was
    answered "Real" while its timeline showed it 100 % fake (a visitor's walk). It is "unsure"."""
    edge = calibration.unsure_high
    fake, by_run = combine(scores, edge)
    at_edge = int(np.sum(np.asarray(scores, dtype=np.float64) >= edge))
    label = calibration.label(fake)
    return TrackScore(UNSURE if label == "real" and at_edge else label, fake, by_run, at_edge)
