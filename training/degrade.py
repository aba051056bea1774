"""Image degradations: the training augmentations, and the perturbations of the robustness
benchmark. Each takes and returns an RGB uint8 array."""

from __future__ import annotations

import cv2
import numpy as np


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    assert ok, "OpenCV could not encode a JPEG"
    return np.ascontiguousarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[:, :, ::-1])


def blur(rgb: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(rgb, (0, 0), sigmaX=sigma) if sigma > 0 else rgb


def rescale(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Down-scale by ``factor`` (< 1) and back up: the detail lost by resizing on the way."""
    height, width = rgb.shape[:2]
    small = cv2.resize(rgb, (max(8, round(width * factor)), max(8, round(height * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def adjust(rgb: np.ndarray, brightness: float = 1.0, contrast: float = 1.0,
           saturation: float = 1.0) -> np.ndarray:
    values = rgb.astype(np.float32)
    grey = values.mean(axis=2, keepdims=True)
    values = grey + (values - grey) * saturation
    values = values.mean() + (values - values.mean()) * contrast
    return np.clip(values * brightness, 0, 255).astype(np.uint8)


def random_degradation(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur, resizing, colour change and JPEG re-encoding, each at random and at random
    strength: what a photo meets on its way through cameras, editors and the web."""
    if rng.random() < 0.25:
        rgb = blur(rgb, rng.uniform(0.3, 2.0))
    if rng.random() < 0.4:
        rgb = rescale(rgb, rng.uniform(0.35, 0.9))
    if rng.random() < 0.5:
        rgb = adjust(rgb, *rng.uniform(0.8, 1.2, size=3))
    if rng.random() < 0.5:
        rgb = jpeg(rgb, rng.integers(30, 96))
    return rgb


def downscale(rgb: np.ndarray, factor: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    return cv2.resize(rgb, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)


def centre_crop(rgb: np.ndarray, fraction: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    h, w = round(height * fraction), round(width * fraction)
    top, left = (height - h) // 2, (width - w) // 2
    return np.ascontiguousarray(rgb[top : top + h, left : left + w])


def zoom_out(rgb: np.ndarray, fraction: float, grey: int = 128) -> np.ndarray:
    """The image shrunk to ``fraction`` of its size in the middle of a grey canvas."""
    height, width = rgb.shape[:2]
    canvas = np.full_like(rgb, grey)
    small = downscale(rgb, fraction)
    top, left = (height - small.shape[0]) // 2, (width - small.shape[1]) // 2
    canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
    return canvas
