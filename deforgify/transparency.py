"""Faces seen through transparency: a PNG or WebP whose face is partly see-through.

What such a face looks like depends on the background put behind it; Deforgify shows it over
white, and the model would judge that mix of face and white. Judged so (the rule off), the
verdicts of 284 test faces (``benchmarks/transparency.py --per-source 50``) changed 3.2 % and
3.9 % of the time at 1.2 % and 2.0 % transparency (alpha 252 and 250), then 7.7 % at 6 % (alpha
240), 11.6 % at 14 %, 37.3 % at half (alpha 128: a visitor's real face went from fake 20 % to
78 % so), and 10.2 % when the face was cut out of its background (its crop 6 % see-through, the
median). So a face whose crop is on average at least :data:`SEE_THROUGH_LEAST` see-through is
"unsure", with the reason, like a face too small or without colour; below it, the face is judged
as shown. Served, 99 % of the faces from alpha 240 down are so, and 58 % of the cut-out ones (the others'
crops hold little but the face).
"""

from __future__ import annotations

import numpy as np

from deforgify.faces import Box

SEE_THROUGH_LEAST = 0.02
"""The mean transparency (1 - alpha / 255) of a face's crop from which it is not judged."""


def see_through(opacity: np.ndarray, region: Box) -> float:
    """The mean transparency of ``region`` (x, y, w, h) of an alpha channel (uint8, 255 opaque)."""
    x, y, width, height = region
    return float(1 - opacity[y : y + height, x : x + width].mean() / 255)
