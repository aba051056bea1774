"""Image degradations: the training augmentations, and the perturbations of the robustness
benchmark. Each takes and returns an RGB uint8 array."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from deforgify.decode.images import load_rgb


def blur(rgb: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(rgb, (0, 0), sigmaX=sigma) if sigma > 0 else rgb


def adjust(rgb: np.ndarray, brightness: float = 1.0, contrast: float = 1.0,
           saturation: float = 1.0) -> np.ndarray:
    values = rgb.astype(np.float32)
    grey = values.mean(axis=2, keepdims=True)
    values = grey + (values - grey) * saturation
    values = values.mean() + (values - values.mean()) * contrast
    return np.clip(values * brightness, 0, 255).astype(np.uint8)


def encode(rgb: np.ndarray, extension: str, quality: int | None = None) -> np.ndarray:
    """``rgb`` saved as ``.png``, ``.jpg`` or ``.webp`` (at ``quality``) and read back."""
    flags = {".jpg": [cv2.IMWRITE_JPEG_QUALITY, int(quality or 95)],
             ".webp": [cv2.IMWRITE_WEBP_QUALITY, int(quality or 80)], ".png": []}[extension]
    ok, encoded = cv2.imencode(extension, rgb[:, :, ::-1], flags)
    assert ok, f"OpenCV could not encode {extension}"
    return np.ascontiguousarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[:, :, ::-1])


def saved_as(rgb: np.ndarray, pillow_format: str, quality: int) -> np.ndarray:
    """``rgb`` saved by Pillow as ``pillow_format`` ("HEIF" for HEIC, "AVIF") and read back as a
    user's file of it is."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, pillow_format, quality=quality)
    return load_rgb(buffer.getvalue())


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    return encode(rgb, ".jpg", quality)


def greyscale(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` with its colour removed (luma in all three channels)."""
    return cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


SEPIA = (1.07, 0.95, 0.82)
"""The per-channel factors of a sepia tint over greyscale."""


def tinted(rgb: np.ndarray, tint: tuple[float, float, float] = SEPIA) -> np.ndarray:
    """``rgb`` made greyscale and tinted: each channel its luma times its ``tint`` factor."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.clip(grey[..., None] * np.array(tint, np.float32), 0, 255).astype(np.uint8)


def noise(rgb: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    noisy = rgb.astype(np.float32) + rng.normal(0.0, sigma, rgb.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def resize_by(rgb: np.ndarray, factor: float, upscale_interpolation: int = cv2.INTER_CUBIC) -> np.ndarray:
    """``rgb`` resized by ``factor`` (area-averaged when shrinking)."""
    height, width = rgb.shape[:2]
    size = (max(8, round(width * factor)), max(8, round(height * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if factor < 1 else upscale_interpolation)


RESCALE_RANGE = (0.5, 2.0)
"""The photo's size is multiplied by a log-uniform factor in this range before cropping: no
source's resolution, and so no resampling trace, is a label."""
STORAGE = ((".png", 0.3), (".jpg", 0.5), (".webp", 0.2))
"""How the photo is stored after the other steps: lossless, JPEG or WebP, at these odds."""
QUALITY_RANGE = (60, 100)


def random_storage(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rgb`` stored lossless, as JPEG or as WebP at a random quality, and read back."""
    extension = str(rng.choice([e for e, _ in STORAGE], p=[p for _, p in STORAGE]))
    quality = int(rng.integers(QUALITY_RANGE[0], QUALITY_RANGE[1] + 1))
    return rgb if extension == ".png" else encode(rgb, extension, quality)


def random_reencoding(rgb: np.ndarray, faces: list, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """The chain every training image goes through, whatever its class and source: rescaled
    (its face boxes with it), maybe blurred, noisy or recoloured, then stored in a random format
    and quality. Every source here is JPEG; without this, a lossless or resized photo looked
    "fake" to the model, because storage and size told the sources apart."""
    low, high = np.log(RESCALE_RANGE)
    factor = float(np.exp(rng.uniform(low, high)))
    upscale = cv2.INTER_CUBIC if rng.random() < 0.5 else cv2.INTER_LINEAR
    rgb = resize_by(rgb, factor, upscale)
    faces = [tuple(int(round(v * factor)) for v in box) for box in faces]
    if rng.random() < 0.2:
        rgb = blur(rgb, rng.uniform(0.3, 1.2))
    if rng.random() < 0.2:
        rgb = noise(rgb, rng.uniform(1.0, 4.0), rng)
    if rng.random() < 0.5:
        rgb = adjust(rgb, *rng.uniform(0.85, 1.15, size=3))
    return random_storage(rgb, rng), faces


def centre_crop(rgb: np.ndarray, fraction: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    h, w = round(height * fraction), round(width * fraction)
    top, left = (height - h) // 2, (width - w) // 2
    return np.ascontiguousarray(rgb[top : top + h, left : left + w])


def zoom_out(rgb: np.ndarray, fraction: float, grey: int = 128) -> np.ndarray:
    """The image shrunk to ``fraction`` of its size in the middle of a grey canvas."""
    height, width = rgb.shape[:2]
    canvas = np.full_like(rgb, grey)
    small = resize_by(rgb, fraction)
    top, left = (height - small.shape[0]) // 2, (width - small.shape[1]) // 2
    canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
    return canvas
