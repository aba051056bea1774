"""Faces that get no "real" or "fake" answer whatever the model says, and why: too small to judge,
without colour (:mod:`deforgify.faces.colour`) or partly transparent
(:mod:`deforgify.faces.transparency`). Each reason is told in several places (a headline, a
caption, a clip's frames), so its words for each are kept together here."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional

from deforgify.faces.transparency import SEE_THROUGH_LEAST
from deforgify.model.calibration import UNSURE

if TYPE_CHECKING:
    from deforgify.faces.finding import Box

TOO_SMALL = "face is too small to judge"
NO_COLOUR, NO_COLOUR_WHAT, NO_COLOUR_WHY = ("face has no colour to judge", "greyscale, a single tint or faded",
                                            "the model misses fakes without colour")
"""Why a face without colour is "unsure" (see :mod:`deforgify.faces.colour`)."""
SEE_THROUGH, SEE_THROUGH_WHY = ("face is partly transparent",
                                "shown over white, the model would judge a mix of face and white")
"""Why a face seen through transparency is "unsure" (see :mod:`deforgify.faces.transparency`)."""


class Unjudged(NamedTuple):
    """A reason a face gets no real or fake answer, as each place tells it."""

    caution: str
    """How its caution starts, and what the headline says: "face is too small to judge"."""
    short: str
    """Beside the number of a face among several: "too small to judge"."""
    caption: str
    """On its box: "too small"."""
    in_frames: str
    """Of a clip's frames it was left out of: "in 3 it was too small"."""
    withholds_real: bool
    """Whether a photo (or clip) with such a face is never cleared as "real" while it is not
    judged: a face without colour or seen through is there at full size, and could be any fake (a
    visitor's greyscale fake beside a real face in colour made the photo "real"); a face too small
    is most often a background face, and made clear group photos "unsure"."""


UNJUDGED_TOO_SMALL = Unjudged(TOO_SMALL, "too small to judge", "too small", "it was too small", False)
UNJUDGED_NO_COLOUR = Unjudged(NO_COLOUR, "without colour", "no colour", "it had no colour", True)
UNJUDGED_SEE_THROUGH = Unjudged(SEE_THROUGH, "partly transparent", "transparent", "it was partly transparent",
                                True)
UNJUDGED = (UNJUDGED_TOO_SMALL, UNJUDGED_NO_COLOUR, UNJUDGED_SEE_THROUGH)


def unjudged(caution: str) -> Unjudged:
    """The reason a face's ``caution`` gives: the one place a caution's kind is read from its words."""
    return next((reason for reason in (UNJUDGED_NO_COLOUR, UNJUDGED_SEE_THROUGH) if caution.startswith(reason.caution)),
                UNJUDGED_TOO_SMALL)


def lacks_colour(caution: Optional[str]) -> bool:
    """Whether a face's caution is that it has no colour."""
    return caution is not None and unjudged(caution) is UNJUDGED_NO_COLOUR


def face_label(label: str, face: Optional[Box], min_width: int, no_colour: bool = False,
               transparent: float = 0.0) -> tuple[str, Optional[str]]:
    """A face's own verdict and its caution: a face narrower than ``min_width`` (the model's
    ``min_face_width``), one whose middle is at least SEE_THROUGH_LEAST ``transparent``
    (:mod:`deforgify.faces.transparency`), or one with ``no_colour`` (:func:`deforgify.faces.colour.face_colourless`),
    is "unsure", whatever the model said."""
    if face is not None and face[2] < min_width:
        return UNSURE, f"{TOO_SMALL} ({face[2]}{WIDE}at least {min_width} px needed)"
    if transparent >= SEE_THROUGH_LEAST:
        return UNSURE, f"{SEE_THROUGH} ({transparent:.0%} see-through: {SEE_THROUGH_WHY})"
    if no_colour:
        return UNSURE, f"{NO_COLOUR} ({NO_COLOUR_WHAT}: {NO_COLOUR_WHY})"
    return label, None


WIDE = " px wide; "


def caution_in_photo(caution: Optional[str], scale: float, picture: str = "photo") -> Optional[str]:
    """A face's caution as told for the photo (``scale``: see :attr:`~deforgify.prediction.Prediction.scale`; a video
    frame's ``picture`` is "frame"): its width is the reduced copy's, and says so."""
    if not caution or scale >= 1:
        return caution
    return caution.replace(WIDE, f" px wide in the copy judged, the {picture} reduced to {scale:.0%}; ")
