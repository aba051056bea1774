"""Cross-identity composites: one real person's face put onto another real photo.

The crude face swap or Photoshop paste the model is meant to catch. Training makes them from
training people (:mod:`training.augment`, beside the self-blends of :mod:`training.self_blend`);
evaluation from test people (:mod:`training.manipulated`).
"""

from __future__ import annotations

import cv2
import numpy as np

from deforgify.faces.finding import Box
from training.self_blend import soft_mask


def face_swap(target: np.ndarray, target_face: Box, donor: np.ndarray, donor_face: Box,
              rng: np.random.Generator, match_colour: bool = True, feather: bool = True) -> np.ndarray:
    """``target`` with the face of ``donor`` scaled and moved onto its face box.

    ``match_colour`` moves the pasted face's colour statistics to the target's (as swap tools
    do); ``feather`` blends it through a soft mask, otherwise its edge is hard (a careless paste).
    """
    height, width = target.shape[:2]
    aligned = _aligned_donor(donor, donor_face, target_face, (width, height))
    x, y, w, h = target_face
    mask = soft_mask((height, width), (x + w / 2, y + h / 2), (w, h), rng)
    if not feather:
        mask = (mask > 0.5).astype(np.float32)
    if match_colour:
        aligned = _match_colour(aligned, target, mask > 0.5)
    mask = mask[:, :, None]
    return np.clip(aligned * mask + target * (1 - mask), 0, 255).astype(np.uint8)


def _aligned_donor(donor: np.ndarray, donor_face: Box, target_face: Box,
                   size: tuple[int, int]) -> np.ndarray:
    """The donor warped so that its face box lands on the target's."""
    dx, dy, dw, dh = donor_face
    tx, ty, tw, th = target_face
    scale = tw / dw
    matrix = np.array([[scale, 0, tx + tw / 2 - scale * (dx + dw / 2)],
                       [0, scale, ty + th / 2 - scale * (dy + dh / 2)]], np.float32)
    return cv2.warpAffine(donor, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _match_colour(source: np.ndarray, reference: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Per-channel mean and spread of ``source`` moved to those of ``reference`` in ``region``
    (in Lab, where this colour transfer is usually done)."""
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    ref = cv2.cvtColor(reference, cv2.COLOR_RGB2LAB).astype(np.float32)
    mean_src, std_src = src[region].mean(0), src[region].std(0) + 1e-3
    mean_ref, std_ref = ref[region].mean(0), ref[region].std(0) + 1e-3
    moved = np.clip((src - mean_src) * (std_ref / std_src) + mean_ref, 0, 255).astype(np.uint8)
    return cv2.cvtColor(moved, cv2.COLOR_LAB2RGB)
