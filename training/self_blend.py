"""Self-blended pseudo-fakes (after Shiohara & Yamasaki, "Detecting Deepfakes with
Self-Blended Images", CVPR 2022): a real face blended onto a slightly changed copy of itself
through a soft mask. The result has the seams, colour mismatch and resampling traces of a face
swap or a Photoshop composite without any identity change, so the model learns the traces."""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from deforgify.faces.finding import Box
from training.degrade import adjust, blur

HARD_EDGE_SHARE = 0.25
"""Share of pseudo-fakes pasted with a hard edge instead of a feathered one. With feathered
masks only, the model caught careless pastes of another person's face (hard edge, no colour
matching) no better than chance (ROC-AUC 0.56 in ``benchmarks/manipulations.py``)."""
STRONG_COLOUR_SHARE = 0.3
"""Share of pseudo-fakes with a strong colour mismatch, as a paste without colour matching has."""


def self_blend(rgb: np.ndarray, face: Optional[Box], rng: np.random.Generator) -> np.ndarray:
    """A pseudo-fake of ``rgb``: its face region (the centre without a face) replaced by a
    colour-shifted, slightly moved and rescaled copy, feathered in by a random soft mask or
    pasted with a hard edge."""
    height, width = rgb.shape[:2]
    x, y, w, h = face or (width // 4, height // 4, width // 2, height // 2)
    source = _changed_copy(rgb, rng)
    mask = soft_mask((height, width), (x + w / 2, y + h / 2), (w, h), rng)
    if rng.random() < HARD_EDGE_SHARE:
        mask = (mask > rng.uniform(0.3, 0.7)).astype(np.float32)
    mask = mask[:, :, None] * rng.choice([0.5, 0.75, 1.0, 1.0])
    return np.clip(source * mask + rgb * (1 - mask), 0, 255).astype(np.uint8)


def _changed_copy(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    strong = rng.random() < STRONG_COLOUR_SHARE
    copy = adjust(rgb, *rng.uniform(*((0.8, 1.2) if strong else (0.9, 1.1)), size=3))
    cast = 30 if strong else 12
    shift = rng.integers(-cast, cast + 1, size=3)  # a per-channel colour cast
    copy = np.clip(copy.astype(np.int16) + shift, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        copy = blur(copy, rng.uniform(0.5, 1.5))
    height, width = rgb.shape[:2]
    scale = rng.uniform(0.95, 1.05)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0, scale)
    matrix[:, 2] += rng.uniform(-0.02, 0.02, size=2) * (width, height)
    return cv2.warpAffine(copy, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def soft_mask(shape: tuple[int, int], centre: tuple[float, float], size: tuple[int, int],
               rng: np.random.Generator) -> np.ndarray:
    """An ellipse over the face, randomly sized and tilted, with blurred edges, in [0, 1]."""
    mask = np.zeros(shape, np.float32)
    axes = (max(2, int(size[0] * rng.uniform(0.35, 0.55))), max(2, int(size[1] * rng.uniform(0.45, 0.65))))
    cv2.ellipse(mask, (int(centre[0]), int(centre[1] + size[1] * 0.05)), axes,
                rng.uniform(-15, 15), 0, 360, 1.0, -1)
    feather = max(1.0, min(size) * rng.uniform(0.05, 0.2))
    # The mask is smooth: blur it at a quarter of the size, which is 16 times cheaper.
    small = cv2.resize(mask, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, feather / 4))
    return np.clip(cv2.resize(small, shape[::-1], interpolation=cv2.INTER_LINEAR), 0, 1)
