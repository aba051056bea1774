"""Faces without colour: greyscale, or one tint over greyscale (sepia, a duotone), or faded
(a filter that keeps a little of the colour).

The model cannot judge them. Every greyscale photo among its training sources is a real one (21
of 879 test faces, none fake: old portraits in hardfakevsrealfaces, UTKFace, the Pixabay photos
of diffusion-faces), so it learned that a face without colour is real: made greyscale, 22.8 % of
the test split's fakes were called "real" (2.4 % in colour), 38 % of StyleGAN2's; made sepia,
26 % of FaceForensics++'s reals were called "fake" (``benchmarks/greyscale.py``). Such a face is
"unsure", with the reason, until a model is trained on colourless copies of both classes.

A face crop is colourless when its chroma (blue and red minus luma) is, but for a little noise,
one straight-line function of its luma: constant for greyscale (all chroma zero), proportional
for a tint, which keeps black black. Compared at 32 px, where JPEG's and video's coarser chroma
(stored at half the resolution) matches the luma. Measured on 879 test faces' crops (150 of each
source): in colour, 3.2 % are colourless (the greyscale ones, 2.4 %, and some all but grey);
made greyscale, all of them, saved as JPEG q75 too; made sepia, 97 %, and 95 % and 76 % of sepia
copies saved as JPEG q75 and q50 (compared at 128 px: 66 % and 32 %). A looser rule (a fit of
0.8, black not required to stay black) flagged 3.8 % of colour faces, among them a warm-lit colour
portrait in UTKFace (one skin hue over a dark background: fit 0.82, 3.2/255 from black, found by a
reviewer); a sepia clip through H.264 is 2.3/255 from black with a fit of 0.91.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from deforgify.faces.finding import face_middle
from deforgify.faces.turns import turned

if TYPE_CHECKING:
    from deforgify.faces.preprocess import Preprocessed

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
GREY_NOISE = 1.0 / 255
"""Chroma left unexplained by luma (its standard deviation) below which a face is colourless
whatever the fit: greyscale, or near it."""
COMPARED_SIDE = 32
"""The crop is reduced to this side before its chroma is compared with its luma."""
TINT_FIT, TINT_NOISE, TINT_AT_BLACK = 0.85, 5.0 / 255, 3.0 / 255
"""A tint: luma explains this share of the chroma's variance, leaves less than this much, and
the line is within this much of no chroma at black."""
GREY_CHROMA = 5.0 / 255
"""A pixel whose chroma (the length of its B - Y and R - Y) is under this is grey."""
MOSTLY_GREY = 0.6
"""A face's middle with at least this share of grey pixels has no colour of its own, whatever
covers the rest: a visitor's greyscale fakes with a coloured sticker on the cheek, or a caption
bar across the chin, were judged as faces in colour, and some called "real".
``benchmarks/greyscale.py --per-source 100``: greyscale with a sticker on the cheek, fakes
called "real" 23.6 % before, 0 % with it; the faces in colour as before (reals cleared 54.3 %).
Over all 1,992 UTKFace photos it adds 8 to the faces without colour, each a black-and-white
photo (looked at one by one)."""
FAINT_SATURATION = 0.08
"""A face's middle whose median saturation (each pixel's chroma over its luma, the luma at least
FAINT_LUMA) is under this has too little colour to judge: faded. A visitor's "fade" filter,
keeping a quarter of the colour, took the face-swap example from "fake" to "unsure" and the
astronaut to "real". Over the faces of 150 test images per source: in colour, a median of 0.354
(1st percentile 0.115; 0.4 % under 0.08); a quarter of the colour kept, 0.088 (40.9 % under
0.08), half 0.176 (3.5 %); darkened to 0.6 or 0.35 of its brightness, a face keeps its
saturation (0.2 % under 0.08). ``benchmarks/greyscale.py --per-source 150``, without / with it:
faded to a quarter, fakes called "real" 8.1 % / 3.2 % (1.9 % in colour); in colour, reals
cleared 56.0 % / 55.4 %. 0.10 called 2.4 % "real" faded to a quarter but cleared 54.8 % in colour.
Chroma alone (under 12/255, the rule's first form) flagged an underexposed face in colour: a
reviewer's find. Over all 1,992 UTKFace photos it adds 14 faces without colour: 3 of 394 Asian,
3 of 396 Black, 1 of 399 Indian, 2 of 396 other, 5 of 400 White."""
FAINT_LUMA = 0.05
"""The least luma a pixel's saturation is taken over: near black, chroma over luma is noise."""


def colourless(pixels: np.ndarray) -> bool:
    """Whether a face crop (H, W, 3 RGB: floats in [0, 1], or uint8) has no colour of its own:
    greyscale, or one tint over greyscale."""
    if pixels.dtype == np.uint8:
        pixels = pixels.astype(np.float32) / 255
    small = cv2.resize(pixels, (COMPARED_SIDE, COMPARED_SIDE), interpolation=cv2.INTER_AREA)
    rgb = small.reshape(-1, 3).astype(np.float64)
    luma = rgb @ LUMA
    centred = luma - luma.mean()
    spread = float(centred @ centred)
    for chroma in (rgb[:, 2] - luma, rgb[:, 0] - luma):  # blue and red differences (Cb, Cr up to scale)
        mean = float(chroma.mean())
        slope = float(centred @ (chroma - mean)) / spread if spread > 0 else 0.0
        left = chroma - mean - slope * centred
        noise, variance = float(left.std()), float(chroma.var())
        if noise < GREY_NOISE:  # one exact line: greyscale, or a tone map of it (a duotone)
            continue
        at_black = mean - slope * float(luma.mean())
        if noise >= TINT_NOISE or 1 - noise**2 / variance < TINT_FIT or abs(at_black) >= TINT_AT_BLACK:
            return False
    return True


def face_colourless(crop: Preprocessed) -> bool:
    """Whether the face of a model crop has no colour of its own: the whole crop has none, or the
    face's middle (:func:`deforgify.faces.finding.face_middle`) has none: mostly grey pixels, or a
    median saturation under :data:`FAINT_SATURATION`. Read on the crop alone, colour
    beside a greyscale face (a caption bar, a coloured frame, a sticker) made it a face in colour:
    a visitor's greyscale fakes in a red border were "real" 16 times in 40. Read on the middle
    alone, a sepia face through H.264 kept colour: its narrow range of brightness leaves the
    codec's chroma noise unexplained (a fit of 0.55, where the crop's is 0.93). Either:
    ``benchmarks/greyscale.py --per-source 100`` calls no fake "real" made greyscale in a red
    border or above a caption bar (14.4 % and 14.0 % with the crop alone read), and the faces in
    colour get the same verdicts as with the crop alone (reals cleared 54.3 % both ways)."""
    if colourless(crop.pixels):
        return True
    if crop.face is None:
        return False
    pixels = turned(crop.pixels, -crop.turns)  # as cut from the photo: the region's axes
    side, (x, y, width, _) = pixels.shape[0], crop.region
    scale = side / width  # the region is a square
    left, top, inner_width, inner_height = face_middle(crop.face)
    rows = slice(max(0, round((top - y) * scale)), min(side, round((top + inner_height - y) * scale)))
    columns = slice(max(0, round((left - x) * scale)), min(side, round((left + inner_width - x) * scale)))
    middle = pixels[rows, columns]
    if min(middle.shape[:2]) == 0:
        return False
    chroma, luma = _chroma_and_luma(middle)
    saturation = chroma / np.maximum(luma, FAINT_LUMA)
    return colourless(middle) or bool(np.mean(chroma < GREY_CHROMA) >= MOSTLY_GREY
                                      or np.median(saturation) < FAINT_SATURATION)


def _chroma_and_luma(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's chroma (the length of its B - Y and R - Y) and luma, of ``pixels`` (floats in [0, 1])."""
    rgb = pixels.reshape(-1, 3).astype(np.float64)
    luma = rgb @ LUMA
    return np.hypot(rgb[:, 2] - luma, rgb[:, 0] - luma), luma
