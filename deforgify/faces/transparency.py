"""Faces seen through transparency: a PNG or WebP whose face is partly see-through.

What such a face looks like depends on the background put behind it; Deforgify shows it over
white, and the model would judge that mix of face and white. Judged so (the rule off), the
verdicts of 284 test faces (``benchmarks/transparency.py --per-source 50``) changed 3.2 % and
3.9 % of the time at 1.18 % and 1.96 % transparency (alpha 252 and 250: about as much as saving
the photo again), then 7.7 % at 5.9 % (alpha 240), 11.6 % at 14 %, 37.3 % at half (alpha 128: a
visitor's real face went from fake 20 % to 78 % so). So a face whose middle
(:func:`deforgify.faces.finding.face_middle`) is on average at least :data:`SEE_THROUGH_LEAST`
see-through (a uniform alpha of 249 or less) is "unsure", with the reason, like a face too small
or without colour; below it, the face is judged as shown (99 % of the faces from alpha 240 down
are "unsure" so). The face's middle is read, not
the wider square the model sees: around an opaque face, a see-through background shown over white
is the same picture as a white border, and a visitor found a portrait with see-through bars
"partly transparent" while its white-padded copy was "real 97%". A head cut out of its background
is judged so; 10.2 % of its verdicts move from the photo's with its own background.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from deforgify.faces.finding import Box

SEE_THROUGH_LEAST = 0.02
"""The mean transparency (1 - alpha / 255) of a face's middle from which it is not judged."""


def see_through(opacity: np.ndarray, region: Box) -> float:
    """The mean transparency of ``region`` (x, y, w, h; the part inside the picture) of an alpha
    channel (uint8, 255 opaque)."""
    x, y, width, height = region
    inside = opacity[max(y, 0) : max(y + height, 0), max(x, 0) : max(x + width, 0)]
    return float(1 - inside.mean() / 255) if inside.size else 0.0
