"""Turn anything a user can hand us into one RGB uint8 array.

Every entry point (training, CLI, app) decodes through :func:`load_rgb`, so colour order, EXIF
orientation and odd pixel formats are handled in exactly one place.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

ImageInput = Union[str, os.PathLike, bytes, Image.Image, np.ndarray]

MAX_PIXELS = 120_000_000
"""Images with more pixels than this are refused before decoding (decompression bombs)."""
MIN_SIDE = 32
"""Images smaller than this on either side carry too little detail to judge."""
WORKING_MAX_SIDE = 2048
"""Larger images are reduced to this on the longer side; the model looks at a small face crop."""


class InvalidImageError(ValueError):
    """The input cannot be read as a single still image we can judge."""


def load_rgb(source: ImageInput) -> np.ndarray:
    """Decode ``source`` to an RGB ``uint8`` array of shape (H, W, 3).

    Accepts a path, encoded bytes, a PIL image or a numpy array (arrays are taken as RGB or
    RGBA, grey if 2-D). Raises :class:`InvalidImageError` with a message meant for the user.
    """
    if isinstance(source, np.ndarray):
        rgb = _array_to_rgb(source)
    elif isinstance(source, Image.Image):
        rgb = _pil_to_rgb(source)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        rgb = _pil_to_rgb(_open_bytes(bytes(source)))
    elif isinstance(source, (str, os.PathLike)):
        rgb = _pil_to_rgb(_open_bytes(_read_file(Path(source))))
    else:
        raise InvalidImageError(f"cannot read an image from a {type(source).__name__}")
    return _limit_side(_check_size(rgb))


def _read_file(path: Path) -> bytes:
    if not path.exists():
        raise InvalidImageError(f"no such file: {path}")
    if path.is_dir():
        raise InvalidImageError(f"{path} is a folder, not an image file")
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidImageError(f"cannot read {path}: {error.strerror or error}") from None


def _open_bytes(data: bytes) -> Image.Image:
    if not data:
        raise InvalidImageError("the file is empty")
    try:
        with warnings.catch_warnings():
            # Our own MAX_PIXELS check below replaces Pillow's warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise InvalidImageError("not an image file (or an image format we cannot read)") from None
    except Image.DecompressionBombError as error:
        pixels = re.search(r"\d+", str(error))  # Pillow: "Image size (N pixels) exceeds ..."
        size = f"{int(pixels.group()) // 1_000_000} megapixels" if pixels else "too many pixels"
        raise InvalidImageError(
            f"image too large: {size} (limit {MAX_PIXELS // 1_000_000} megapixels)"
        ) from None


def _pil_to_rgb(image: Image.Image) -> np.ndarray:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise InvalidImageError(
            f"image too large: {width}x{height} pixels, {width * height // 1_000_000} megapixels "
            f"(limit {MAX_PIXELS // 1_000_000} megapixels)"
        )
    if getattr(image, "n_frames", 1) > 1:
        raise InvalidImageError(
            f"animated image with {image.n_frames} frames: upload a single still photo"
        )
    if image.format == "JPEG":
        # Decode large JPEGs at a reduced scale straight away: cheap, and all we use.
        image.draft("RGB", (WORKING_MAX_SIDE, WORKING_MAX_SIDE))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
        image = ImageOps.exif_transpose(image)
        return np.asarray(_to_rgb_mode(image), dtype=np.uint8)
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidImageError(f"the image file is truncated or corrupt ({error})") from None


def _to_rgb_mode(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to RGB: 16/32-bit scaled to 8-bit, transparency over white."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float64)
        scale = 257.0 if values.max(initial=0) > 255 else 1.0
        grey = np.clip(values / scale, 0, 255).round().astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "P", "RGBa", "La") and _has_alpha(image):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _has_alpha(image: Image.Image) -> bool:
    return image.mode != "P" or "transparency" in image.info


def _array_to_rgb(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidImageError(
            f"an image array must be HxW, HxWx3 or HxWx4; got shape {array.shape}"
        )
    if array.dtype == np.uint16:
        array = (array.astype(np.float64) / 257.0).round()
    elif np.issubdtype(array.dtype, np.floating):
        array = np.nan_to_num(array) * (255.0 if array.max(initial=0) <= 1.0 else 1.0)
    array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    if array.shape[2] == 4:
        return np.asarray(_to_rgb_mode(Image.fromarray(array, mode="RGBA")), dtype=np.uint8)
    return np.ascontiguousarray(array)


def _limit_side(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest <= WORKING_MAX_SIDE:
        return rgb
    scale = WORKING_MAX_SIDE / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX), dtype=np.uint8)


def _check_size(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise InvalidImageError(
            f"image too small: {width}x{height} pixels (need at least {MIN_SIDE}x{MIN_SIDE})"
        )
    return rgb
