"""Grad-CAM heatmaps drawn over the face crop: where the evidence for "fake" lies. The maps come
from the serving graph, in the same forward pass as the verdict (:mod:`deforgify.model.serving`
says how they are computed); this module scales them and lays them over the face, with a legend."""

from __future__ import annotations

import cv2
import numpy as np

from deforgify.explain.words import hex_colour

OVERLAY_SIDE = 384
OVERLAY_WEIGHT = 0.45
LEGEND_HEIGHT = 44


def normalised(cam: np.ndarray) -> np.ndarray:
    """A map scaled to [0, 1] by its peak (all zero without evidence)."""
    peak = cam.max()
    return cam / peak if peak > 0 else cam


def scaled(cam: np.ndarray, fake: float) -> np.ndarray:
    """A map whose peak is the face's fake probability: where the evidence lies, as bright as
    the model is sure (a face judged 5 % fake stays dark; it is never scaled to its own peak)."""
    return normalised(cam) * float(np.clip(fake, 0, 1))


HOT = 0.5
"""Where a map reaches half its peak or more is where the evidence lies (for words about it)."""
CLOSE = 0.8
"""A third holding at least this share of the strongest third's evidence is named with it."""
ROWS = ("top", "middle", "bottom")
ACROSS = {(False, True, False): "in the middle", (True, False, True): "at both sides",
          (True, False, False): "on the left", (False, False, True): "on the right",
          (True, True, False): "in the middle and on the left", (False, True, True): "in the middle and on the right",
          (True, True, True): "across its whole width"}
"""Which of the left, middle and right thirds hold the evidence, in words."""


def where(cam: np.ndarray) -> str:
    """Where a map puts the evidence, in words about the picture it is laid over (its alt text):
    the third (or thirds) from top to bottom holding the most, and where across them."""
    if cam.max() <= 0:
        return "nothing in the picture points to 'fake'"
    heat = np.clip(cv2.resize(normalised(cam).astype(np.float32), (90, 90), interpolation=cv2.INTER_CUBIC), 0, 1)
    heat = heat * (heat >= HOT)
    rows = _strongest(np.array([third.sum() for third in np.split(heat, 3, axis=0)]), CLOSE)
    chosen = np.concatenate([third for third, on in zip(np.split(heat, 3, axis=0), rows) if on])
    across = _strongest(np.array([third.sum() for third in np.split(chosen, 3, axis=1)]), HOT)
    if all(rows) and all(across):
        return "spread over the whole picture"
    named = [name for name, on in zip(ROWS, rows) if on]
    down = ("from top to bottom of the picture" if all(rows)
            else f"in the {' and '.join(named)} third{'s' * (len(named) > 1)} of the picture")
    return f"strongest {down}, {ACROSS[across]}"


def _strongest(sums: np.ndarray, share: float) -> tuple[bool, bool, bool]:
    """Which of three parts hold at least ``share`` of the most any of them holds."""
    first, second, third = (bool(value >= share * sums.max()) for value in sums)
    return first, second, third


COLOUR_MAP = cv2.COLORMAP_INFERNO
"""Perceptually uniform, and readable in greyscale and by colour-blind people: black (nothing
points to "fake") through purple and orange to pale yellow (all evidence, certain)."""
LEGEND = ("Laid over the face: dark where nothing points to 'fake', through purple and orange to pale "
          "yellow where the evidence for 'fake' lies; the whole is as bright as the face's fake "
          "probability, so weak suspicion stays dim.")


def enlarged(pixels: np.ndarray) -> np.ndarray:
    """A model crop (float RGB in [0, 1]) as a uint8 picture of OVERLAY_SIDE px."""
    return cv2.resize((pixels * 255).astype(np.uint8), (OVERLAY_SIDE, OVERLAY_SIDE), interpolation=cv2.INTER_CUBIC)


def overlay(pixels: np.ndarray, cam: np.ndarray, legend: bool = True) -> np.ndarray:
    """The crop (float RGB in [0, 1]) with the map (values in [0, 1]) drawn over it in the
    colour scale, and (``legend``) a legend strip below for files that are read on their own."""
    crop = enlarged(pixels)
    heat = cv2.resize(cam.astype(np.float32), (OVERLAY_SIDE, OVERLAY_SIDE), interpolation=cv2.INTER_CUBIC)
    blended = cv2.addWeighted(crop, 1 - OVERLAY_WEIGHT, _colours(heat), OVERLAY_WEIGHT, 0)
    return np.concatenate([blended, _legend()], axis=0) if legend else blended


def colour_stops(count: int = 6) -> list[str]:
    """``count`` colours of the scale, from no evidence to all, as CSS hex (for a legend)."""
    ramp = _colours(np.linspace(0, 1, count, dtype=np.float32)[None, :])[0]
    return [hex_colour((int(red), int(green), int(blue))) for red, green, blue in ramp]


def _colours(values: np.ndarray) -> np.ndarray:
    return cv2.applyColorMap((np.clip(values, 0, 1) * 255).astype(np.uint8), COLOUR_MAP)[..., ::-1]


def _legend() -> np.ndarray:
    strip = np.full((LEGEND_HEIGHT, OVERLAY_SIDE, 3), 255, np.uint8)
    margin, bar = 8, 12
    ramp = np.linspace(0, 1, OVERLAY_SIDE - 2 * margin, dtype=np.float32)[None, :].repeat(bar, 0)
    strip[4 : 4 + bar, margin : OVERLAY_SIDE - margin] = _colours(ramp)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.42
    cv2.putText(strip, "no evidence", (margin, 36), font, scale, (40, 40, 40), 1, cv2.LINE_AA)
    text = "evidence for 'fake', x fake prob."
    (width, _), _ = cv2.getTextSize(text, font, scale, 1)
    cv2.putText(strip, text, (OVERLAY_SIDE - margin - width, 36), font, scale, (40, 40, 40), 1, cv2.LINE_AA)
    return strip
