"""Face-normalised preprocessing: the one function that turns a decoded image into model input.

Every face the model sees goes through :func:`preprocess_face`: in training through
:func:`preprocess` (the largest face, with a random :class:`Jitter` of the crop), when served
through :func:`deforgify.faces.crops.detected_face_crops` (each face worth judging, stood upright),
so the crop, its size and its pixels are made one way for both. The settings travel with the
weights in ``config.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Optional

import cv2
import numpy as np

from deforgify.faces.finding import Box, detect_faces, nearest_start
from deforgify.faces.turns import turned


@dataclass(frozen=True)
class PreprocessConfig:
    """How an image becomes model input; saved beside the weights."""

    input_size: int = 128
    crop_scale: float = 1.4
    """Side of the square crop relative to the side of the detected face box. 1.4 keeps the crop
    inside an FFHQ-style aligned portrait (face box about 2/3 of the side), so that its framing
    is the same whether the photo is tightly framed or the face is smaller in a larger scene."""
    native_resolution: bool = False
    """Feed the network the centre ``input_size`` square of that crop at the photo's own
    resolution instead of resizing the crop: no resampling smooths away pixel-level generation
    traces (a face smaller than ``input_size`` is still enlarged to it)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "PreprocessConfig":
        if not isinstance(values, dict):
            raise ValueError(f"preprocessing must be an object of settings, got {values!r}")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown preprocessing settings: {sorted(unknown)}")
        config = cls(**values)
        kinds_right = (type(config.input_size) is int and type(config.native_resolution) is bool
                       and isinstance(config.crop_scale, (int, float)) and not isinstance(config.crop_scale, bool))
        if not kinds_right or not (16 <= config.input_size <= 1024) or not (0.5 <= config.crop_scale <= 4.0):
            raise ValueError(f"preprocessing settings out of range or of the wrong kind: {values}")
        return config


@dataclass(frozen=True)
class Jitter:
    """A random change of the crop, used in training so that framing carries no label."""

    scale: float = 1.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    """Shifts are fractions of the crop side."""


@dataclass(frozen=True)
class Preprocessed:
    """Model input for one image plus what the caller should know about how it was made."""

    pixels: np.ndarray
    """(size, size, 3) float32 in [0, 1], RGB."""
    region: Box
    """The square region of the image that was fed to the model."""
    face: Optional[Box]
    """The face box used, or None when no face was found and the centre was used instead."""
    faces: list[Box]
    """Every face found (false ones left out), largest first; in served photos and frames, as
    stood upright (see :func:`deforgify.faces.finding.upright`)."""
    turns: int = 0
    """Quarter turns counter-clockwise given to the crop to stand its face upright (see
    :func:`deforgify.faces.finding.upright`)."""
    see_through: float = 0.0
    """The mean transparency of the face's middle in the photo (:mod:`deforgify.faces.transparency`): 0
    when opaque."""


def crop_region(
    image_shape: tuple[int, ...],
    face: Optional[Box],
    config: PreprocessConfig,
    jitter: Jitter = Jitter(),
) -> Box:
    """The square crop around ``face`` (or the image centre), kept inside the image.

    The crop is moved, then shrunk, to stay inside the image rather than padded, so that no
    border colour can become a cue.
    """
    height, width = image_shape[:2]
    side: float
    if face is None:
        side = min(height, width)
        centre_x, centre_y = width / 2, height / 2
    else:
        x, y, w, h = face
        side = max(w, h) * config.crop_scale
        centre_x, centre_y = x + w / 2, y + h / 2
    side *= jitter.scale
    centre_x += jitter.shift_x * side
    centre_y += jitter.shift_y * side
    if config.native_resolution and face is not None:
        side = min(side, config.input_size)
    side = int(round(min(side, height, width)))
    if 2 * centre_x == width and (width - side) % 2 and side > 1:
        side -= 1  # on the centre line, an odd margin could not be split alike for a photo and its mirror image
    left = nearest_start(min(max(centre_x - side / 2, 0), width - side), side, width)
    top = nearest_start(min(max(centre_y - side / 2, 0), height - side), side, height)
    return left, top, side, side


def crop_resize(rgb: np.ndarray, region: Box, size: int) -> np.ndarray:
    """Cut ``region`` out of ``rgb`` and resize it to ``size``x``size`` float32 in [0, 1]."""
    x, y, w, h = region
    crop = rgb[y : y + h, x : x + w]
    interpolation = cv2.INTER_AREA if w > size else cv2.INTER_CUBIC
    resized = cv2.resize(crop, (size, size), interpolation=interpolation)
    return resized.astype(np.float32) / 255.0


def preprocess(
    rgb: np.ndarray,
    config: PreprocessConfig,
    faces: Optional[list[Box]] = None,
    jitter: Jitter = Jitter(),
) -> Preprocessed:
    """Detect faces (unless given), crop the largest, and return model input for it."""
    faces = detect_faces(rgb) if faces is None else faces
    face = faces[0] if faces else None
    return preprocess_face(rgb, config, face, faces, jitter)


def preprocess_face(
    rgb: np.ndarray,
    config: PreprocessConfig,
    face: Optional[Box],
    faces: list[Box],
    jitter: Jitter = Jitter(),
    turns: int = 0,
) -> Preprocessed:
    """Model input for one chosen face of an image (or its centre when ``face`` is None), the
    crop given ``turns`` quarter turns counter-clockwise to stand the face upright (served
    photos and frames are checked, :func:`deforgify.faces.finding.upright`; training faces are
    upright)."""
    region = crop_region(rgb.shape, face, config, jitter)
    pixels = crop_resize(rgb, region, config.input_size)
    return Preprocessed(turned(pixels, turns), region, face, faces, turns)
