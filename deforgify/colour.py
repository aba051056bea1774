"""Faces without colour: greyscale, or one tint over greyscale (sepia, a duotone).

The model cannot judge them. Every greyscale photo among its training sources is a real one (21
of 879 test faces, none fake: old portraits in hardfakevsrealfaces, UTKFace, the Pixabay photos
of diffusion-faces), so it learned that a face without colour is real: made greyscale, 22.8 % of
the test split's fakes were called "real" (2.4 % in colour), 38 % of StyleGAN2's; made sepia,
26 % of FaceForensics++'s reals were called "fake" (``benchmarks/greyscale.py``). Such a face is
"unsure", with the reason, until a model is trained on colourless copies of both classes.

A face crop is colourless when its chroma (blue and red minus luma) is, but for a little noise,
one straight-line function of its luma: constant for greyscale (all chroma zero), proportional
for a tint. Compared at 32 px, where JPEG's and video's coarser chroma (stored at half the
resolution) matches the luma. Measured on 879 test faces' crops (150 of each source): in colour,
3.8 % are colourless (the greyscale ones, 2.4 %, and some all but grey); made greyscale, all of
them, saved as JPEG q75 too; made sepia, 98 %, and 96 % and 89 % of sepia copies saved as JPEG
q75 and q50 (compared at 128 px: 66 % and 32 %; trusting a weaker fit, 0.7, flagged 4.4 % of
colour faces, and 18 % of those washed out to 30 % of their colour).
"""

from __future__ import annotations

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
GREY_NOISE = 1.0 / 255
"""Chroma left unexplained by luma (its standard deviation) below which a face is colourless
whatever the fit: greyscale, or near it."""
COMPARED_SIDE = 32
"""The crop is reduced to this side before its chroma is compared with its luma."""
TINT_FIT, TINT_NOISE = 0.8, 5.0 / 255
"""A tint: luma explains this share of the chroma's variance, and leaves less than this much."""


def colourless(pixels: np.ndarray) -> bool:
    """Whether a face crop (H, W, 3 RGB, floats in [0, 1]) has no colour of its own: greyscale,
    or one tint over greyscale."""
    small = cv2.resize(pixels, (COMPARED_SIDE, COMPARED_SIDE), interpolation=cv2.INTER_AREA)
    rgb = small.reshape(-1, 3).astype(np.float64)
    luma = rgb @ LUMA
    centred = luma - luma.mean()
    spread = float(centred @ centred)
    for chroma in (rgb[:, 2] - luma, rgb[:, 0] - luma):  # blue and red differences (Cb, Cr up to scale)
        chroma = chroma - chroma.mean()
        slope = float(centred @ chroma) / spread if spread > 0 else 0.0
        left = chroma - slope * centred
        noise, variance = float(left.std()), float(chroma.var())
        if noise >= GREY_NOISE and (noise >= TINT_NOISE or variance == 0 or 1 - noise**2 / variance < TINT_FIT):
            return False
    return True
