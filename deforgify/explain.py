"""What a person is shown beside a verdict: the faces boxed and captioned, and plain words.

One word for each verdict everywhere (app, CLI, JSON, model card): ``real``, ``fake``,
``unsure`` and ``no face`` (``no_face`` in JSON), each with what it means (:data:`MEANINGS`:
"real" says no sign of the fakes the model knows was found, never that the photo is genuine);
percentages always real first.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Optional, Sequence

import cv2
import numpy as np

from deforgify.decode import WORKING_MAX_SIDE
from deforgify.detector import (ALWAYS_JUDGED_FROM, MAX_FACES, NO_COLOUR_WHAT, NO_COLOUR_WHY, UNJUDGED_NO_COLOUR,
                                UNJUDGED_SEE_THROUGH, Prediction, Unjudged, unjudged)
from deforgify.faces import Box, face_middle
from deforgify.model.calibration import NO_FACE, UNSURE, Calibration

WORDS = {"real": "real", "fake": "fake", UNSURE: "unsure", NO_FACE: "no face"}
MEANINGS = {
    "real": "no sign of the fakes it knows",
    "fake": "signs of a generated or manipulated face",
    UNSURE: "the evidence is not clear enough either way",
    NO_FACE: "no face to judge",
}
"""What each verdict means, in the words shown with it (app and CLI)."""
COLOURS = {"real": (23, 105, 45), "fake": (176, 26, 26), UNSURE: (138, 83, 0), NO_FACE: (74, 74, 74)}
"""RGB colour of each verdict (dark green, red, amber, grey): white text on each, and each on
its light background (:data:`BACKGROUNDS`), has a contrast of at least 4.5:1 (WCAG AA)."""
BACKGROUNDS = {"real": (232, 246, 236), "fake": (253, 236, 236), UNSURE: (255, 246, 224), NO_FACE: (240, 240, 240)}
CAUTIONS = {
    "real": ("No sign of the kinds of fakes it was trained on was found. That does not show the photo "
             "is genuine: other kinds of fakes and edits can pass unseen."),
    "fake": "Evidence to weigh, not proof: never use this alone to accuse anyone.",
    UNSURE: "Treat the photo as unverified: \"unsure\" neither accuses nor clears it.",
    NO_FACE: "Nothing was judged: Deforgify only judges faces.",
}


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (1 to 21)."""
    def luminance(rgb: tuple[int, int, int]) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def percentages(confidences: dict[str, float], calibration: Optional[Calibration] = None) -> str:
    """"real 81%, fake 19%", to the decimals the bars show (:func:`shown_places`)."""
    places = shown_places(confidences["fake"], calibration)
    return f"real {share_text(confidences['real'], places)}, fake {share_text(confidences['fake'], places)}"


NUMBERED = "(numbered from the largest)"
"""How a photo's faces are numbered, said where there are several (left to right is what a
reader would otherwise assume: the two-faces example's face 1 is on the right)."""


def headline(label: str, caution: Optional[str] = None, beside_judged: bool = False) -> str:
    """The verdict with its meaning: "Real: no sign of the fakes it knows"; an "unsure" for a
    face not judged (its ``caution``) says why instead ("Unsure: the face is too small to
    judge", "Unsure: the face has no colour to judge", "Unsure: the face is partly transparent"),
    "one face" where others were judged (it kept them from "real": a visitor read "the face" of
    two as the one judged)."""
    if caution and label == UNSURE:
        return f"{WORDS[label].capitalize()}: {'one' if beside_judged else 'the'} {unjudged(caution).caution}"
    return f"{WORDS[label].capitalize()}: {MEANINGS[label]}"


def not_judged(caution: str) -> str:
    """Why a face was not judged, to follow its name: "is 30 px wide; at least 40 px needed", "is
    greyscale or a single tint (the model ...)", "is 12% see-through (...)";
    the headline says "too small", "no colour", "partly transparent"."""
    reason = unjudged(caution)
    if reason is UNJUDGED_NO_COLOUR:
        return f"is {NO_COLOUR_WHAT} ({NO_COLOUR_WHY})"
    detail = caution.removeprefix(f"{reason.caution} (").removesuffix(")")
    if reason is UNJUDGED_SEE_THROUGH:
        seen, why = detail.split(": ", 1)
        return f"is {seen} ({why})"
    return f"is {detail}"


def not_judged_short(unjudged_faces: dict[int, str]) -> str:
    """Why these faces (by number, with their cautions) were not judged, in a few words: "too
    small to judge" when all are so; "face 1 without colour, face 3 too small to judge" when
    their reasons differ."""
    reasons = _by_reason(unjudged_faces)
    return next(iter(reasons)).short if len(reasons) == 1 else _named(reasons)


def faces_not_judged(unjudged_faces: dict[int, str]) -> str:
    """Which faces (by number, with their cautions) were not judged and why: "face 2 too small
    to judge"; "faces 2 and 3 without colour"; "face 2 without colour, face 3 too small to judge"."""
    return _named(_by_reason(unjudged_faces))


def _named(reasons: dict[Unjudged, list[int]]) -> str:
    """"face 2 without colour, faces 3 and 4 too small to judge": each reason after its faces."""
    return ", ".join(f"{faces_named(numbers)} {reason.short}" for reason, numbers in reasons.items())


def _by_reason(unjudged_faces: dict[int, str]) -> dict[Unjudged, list[int]]:
    """The faces' numbers by the reason they were not judged, in the order they come."""
    numbers: dict[Unjudged, list[int]] = {}
    for number, caution in unjudged_faces.items():
        numbers.setdefault(unjudged(caution), []).append(number)
    return numbers


def try_instead(caution: str, reduced: bool, picture: str = "photo") -> str:
    """What to try instead of a ``picture`` whose deciding face was not judged for ``caution``."""
    reason = unjudged(caution)
    if reason is UNJUDGED_NO_COLOUR:
        return f"Try a copy of the {picture} in colour, if there is one."
    if reason is UNJUDGED_SEE_THROUGH:
        return f"Try the {picture} without transparency, as it was taken, if there is one."
    return closer_advice(reduced, picture)


def closer_advice(reduced: bool, picture: str = "photo") -> str:
    """What to try when no face was wide enough to judge (as "no face" says what to try): a
    ``picture`` (or "clip") taken closer; one cropped around the face when it was ``reduced`` to
    be judged, where a higher resolution would be reduced alike."""
    if reduced:
        return (f"Try a {picture} cropped around the face ({picture}s larger than {WORKING_MAX_SIDE} px are reduced "
                "to that to be judged, as this one was).")
    return f"Try a {picture} taken closer or at a higher resolution (an enlarged copy adds no detail to judge)."


def explain(prediction: Prediction, calibration: Optional[Calibration] = None, advise: bool = True) -> str:
    """What the verdict is based on, in words that never contradict its percentages: an
    "unsure" says why (a face too small, without colour or partly transparent, or where the
    model's unsure band lies), and what to try unless not to ``advise`` (the file's own
    provenance decided the verdict: no other copy of the photo would change it)."""
    if prediction.label == NO_FACE:
        return ("No face was found in this photo, so there is no verdict. Try a photo where one "
                "face is clearly visible, facing the camera and not too small.")
    boxed = [s for s in prediction.scores if s.face]
    count = len(boxed) or 1
    unjudged_faces = {number: s.caution for number, s in enumerate(boxed, 1) if s.caution}
    if count == 1:
        one = "the largest face found" if prediction.left_out else "the one face found"
        judged = f"{one} {not_judged(prediction.caution)}" if prediction.caution else f"judged on {one}"
    elif prediction.caution and len(unjudged_faces) == count:  # no face judged; the widest stands for them
        judged = (f"{count} faces found {NUMBERED}, none judged ({not_judged_short(unjudged_faces)}): the widest, "
                  f"face {deciding_number(prediction)}, {not_judged(prediction.caution)}")
    elif prediction.caution:  # those judged look real; a face not judged withholds that (detector.deciding)
        judged = f"{count} faces found {NUMBERED}, " + withheld(
            count, unjudged_faces, deciding_number(prediction), " (thick box, marked \"decides\")", "")
    elif unjudged_faces:
        left = count - len(unjudged_faces)
        one = "the one judged" if left == 1 else "the most suspicious judged"
        judged = (f"{count} faces found {NUMBERED}, {left} judged ({faces_not_judged(unjudged_faces)}); {one}, "
                  f"face {deciding_number(prediction)} (thick box, marked \"decides\"), decides")
    else:
        judged = (f"{count} faces judged {NUMBERED}; the most suspicious, face {deciding_number(prediction)} "
                  "(thick box, marked \"decides\"), decides")
    judged += _turned_upright(prediction)
    if prediction.left_out:  # said, not silent
        judged += f"; {_left_out(prediction)}"
    confidences = prediction.confidences
    assert confidences is not None  # every verdict but no_face has them
    shares = percentages(confidences, calibration)
    if prediction.label != UNSURE:
        fake = confidences["fake"]
        against = confidences[prediction.label] < 0.5
        if against and calibration is not None:  # say why, so that the words never contradict the bars
            side = "below" if prediction.label == "real" else "at or above"
            return (f"{WORDS[prediction.label].capitalize()} ({shares}): fake {fake:.1%} is {side} this "
                    f"model's threshold of {calibration.threshold:.1%}. {judged[0].upper()}{judged[1:]}.")
        edge = beside_an_edge(prediction.label, fake, calibration)
        if edge:
            return f"{WORDS[prediction.label].capitalize()} ({shares}): {edge} {judged[0].upper()}{judged[1:]}."
        return f"{WORDS[prediction.label].capitalize()} ({shares}): {judged}."
    if prediction.caution:  # its scores are not used: no percentages to read as an answer
        advice = f" {try_instead(prediction.caution, prediction.scale < 1)}" if advise else ""
        outcome = ("the photo is not cleared as real" if len(unjudged_faces) < count
                   else "it gets no real or fake answer" if count == 1 else "they get no real or fake answer")
        return f"Unsure: {judged}, so {outcome}.{advice}"
    return f"Unsure ({shares}): {band_reason(confidences['fake'], calibration)} {judged[0].upper()}{judged[1:]}."


def withheld(count: int, unjudged_faces: dict[int, str], number: int, marked: str, where: str) -> str:
    """Why face ``number`` (not judged, of ``count``; all faces not judged by number, with their
    cautions) keeps a photo or clip from "real" (:func:`deforgify.detector.deciding`): "1 judged
    and it looks real, but face 2{marked} is greyscale or a single tint (...){where} (not judged
    either: face 3 too small to judge)"."""
    judged = count - len(unjudged_faces)
    look = "it looks real" if judged == 1 else f"{'both' if judged == 2 else 'all'} look real"
    others = {n: caution for n, caution in unjudged_faces.items() if n != number}
    return (f"{judged} judged and {look}, but face {number}{marked} {not_judged(unjudged_faces[number])}{where}"
            + (f" (not judged either: {faces_not_judged(others)})" if others else ""))


def left_out_why(largest: str = "the largest") -> str:
    """Why a face found was left out (not beyond the MAX_FACES largest): "under 40 px and narrower
    than a third of the largest" (``largest``: "that frame's largest" in a clip)."""
    return f"under {ALWAYS_JUDGED_FROM} px and narrower than a third of {largest}"


def _left_out(prediction: Prediction) -> str:
    """The faces found and left out, and why: under ALWAYS_JUDGED_FROM px and narrower than a
    third of the largest, or (when the MAX_FACES largest were judged) that or beyond them. A
    visitor read "2 faces found ..., 1 more face was found and not judged (narrower than a third
    of the largest, or beyond the 8 largest)" of 3 faces as a miscount, and looked for the third
    on the picture."""
    why = left_out_why()
    if len(prediction.scores) >= MAX_FACES:
        why += f", or beyond the {MAX_FACES} largest"
    were = "was" if prediction.left_out == 1 else "were"
    return f"{counted(prediction.left_out, 'more face')} {were} found and not judged ({why}: not boxed)"


def deciding_number(prediction: Prediction) -> int:
    """The deciding face's number among a photo's several boxed faces (one of them decides)."""
    index = prediction.deciding_index
    assert index is not None  # several boxed faces: the deciding face is one of them
    return index + 1


def _turned_upright(prediction: Prediction) -> str:
    """" (it lay on its side: judged turned upright)" when the deciding face was not upright
    (see :func:`deforgify.faces.upright`), else nothing; nothing for a face not judged (too
    small, whose turn is a guess: a visitor's 60 px copy of the upright astronaut, her face 19 px
    wide, was said to lie on its side; without colour or partly transparent, which was not judged
    at all)."""
    decisive = prediction.deciding_score
    if decisive is None or not decisive.turns or decisive.caution:
        return ""
    return f" ({turned_words(decisive.turned)})"


def turned_words(turned: int) -> str:
    """How a face ``turned`` (degrees) to stand upright was judged: "it lay on its side: judged
    turned upright"."""
    return f"it {'was upside down' if turned == 180 else 'lay on its side'}: judged turned upright"


def beside_an_edge(label: str, fake: float, calibration: Optional[Calibration]) -> Optional[str]:
    """For a "real" or "fake" answer whose fake share rounds to the same whole percent as the edge
    of the unsure band beside it, the sentence that tells them apart (fake 18.9 % "real" and
    19.4 % "unsure" both read "fake 19%" beside an edge of 19.2 %); None otherwise."""
    if calibration is None or label not in ("real", "fake"):
        return None
    edge = calibration.unsure_low if label == "real" else calibration.unsure_high
    if round(fake * 100) != round(edge * 100):
        return None
    side, places = "at most" if label == "real" else "at least", decimals_apart(fake, (edge,))
    return f"fake {fake:.{places}%} is {side} the {edge:.{places}%} this model answers \"{WORDS[label]}\" at."


def faces_named(numbers: list[int]) -> str:
    """``face 2``, ``faces 2 and 3``, ``faces 2, 3 and 5``."""
    if len(numbers) == 1:
        return f"face {numbers[0]}"
    return f"faces {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def band_reason(fake: float, calibration: Optional[Calibration], judged: str = "this face's") -> str:
    """Why ``fake`` is "unsure": where the model's unsure band lies (for the ``judged`` one)."""
    if calibration is None:
        return "the answer falls in the model's unsure band."
    low, high = calibration.unsure_low, calibration.unsure_high
    places = decimals_apart(fake, (low, high))
    real_rule = ("when it sees no sign of a fake at all (fake 0%)" if low <= 0
                 else f"when fake is at most {low:.{places}%}")
    return (f"this model answers \"real\" only {real_rule} and \"fake\" only when fake is at least "
            f"{high:.{places}%}; {judged} fake {share_text(fake, places)} lies between.")


def shown_places(fake: float, calibration: Optional[Calibration]) -> int:
    """Decimals to show a fake share with beside bars: none, unless it rounds to the same whole
    percent as an edge of the unsure band, where "fake 19%" read alike for a "real" (18.7 %) and
    an "unsure" (19.3 %) beside an edge of 19.2 % (a visitor's find), or to 0 % or 100 % without
    being it ("fake 100%" of 99.8 %, a certainty the model never has: another visitor's find); then
    as many as tell them apart."""
    band = (calibration.unsure_low, calibration.unsure_high) if calibration is not None else ()
    edges = [edge for edge in (*band, 0.0, 1.0) if round(fake * 100) == round(edge * 100) and fake != edge]
    return decimals_apart(fake, edges) if edges else 0


def share_text(share: float, places: int) -> str:
    """A share to ``places`` decimals, never near-certainty spelt out: one that would read 100 % or
    0 % at those decimals gets one ("99.6%"), and one that would read 100.0 % is ">99.9%", 0.0 %
    "<0.1%" (a model's probability of 1.0 is the end of a float's range, not a certainty). "fake
    99.997%" (the decimals that kept it from reading 100 %) was read as a precise figure to quote,
    where the model's calibration is good to a few points."""
    if f"{share:.1%}" == "100.0%":  # 1.0 itself too: a float's end, not a certainty
        return ">99.9%"
    if f"{share:.1%}" == "0.0%":
        return "<0.1%"
    if 0 < float(f"{share * 100:.{places}f}") < 100:  # neither 0 % nor 100 % at these decimals
        return f"{share:.{places}%}"
    return f"{share:.1%}"  # "99.6%", not "100%" at no decimals (a clip's timeline said so)


def decimals_apart(value: float, edges: Sequence[float]) -> int:
    """Decimal places (1 to 3) at which ``value`` is written unlike every edge: a fake share of
    0.19239 beside a band edge of 0.19223 read "19.2%" for both, and an "unsure" beside the edge
    where "real" ends looked like a mistake."""
    for places in range(1, 4):
        if all(f"{value:.{places}%}" != f"{edge:.{places}%}" for edge in edges):
            return places
    return 3


def counted(number: int, noun: str) -> str:
    """``1 frame``, ``2 frames``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def caption(label: str, confidences: dict[str, float], caution: Optional[str] = None, places: int = 0) -> str:
    """A face's verdict with its fake share: "fake 98%", "real (fake 3%)", "unsure (fake 78%)",
    or why it was not judged (shares to ``places`` decimals). Every caption gives the same
    number, so that a group's captions compare: "real 86%" beside "unsure (fake 22%)" measured two
    things, and "real 99%" on an AI portrait read as a certainty it was real (two walks' finds)."""
    if caution:
        return f"unsure: {unjudged(caution).caption}"
    fake = f"fake {share_text(confidences['fake'], places)}"
    return fake if label == "fake" else f"{WORDS[label]} ({fake})"


def captions(prediction: Prediction, overruled: bool = False, numbers: Optional[Sequence[int]] = None,
             calibration: Optional[Calibration] = None) -> list[tuple[Box, str, tuple[int, int, int], bool]]:
    """(box, caption, colour, deciding) of every boxed face, numbered as in the JSON's faces
    when there are several, the deciding one marked; ``overruled`` (the file's provenance
    decided the verdict) names the pixel model as the captions' source ("pixel model: real 99%"
    under a red "Fake" read as a contradiction). ``numbers``: each boxed face's own number, always
    shown (a video frame's faces are the clip's face tracks, numbered as its words and timeline
    name them, whichever of them the frame shows). Shares beside an edge of the ``calibration``'s
    unsure band get the decimals the bars and words give them (:func:`shown_places`)."""
    boxed = [s for s in prediction.scores if s.face]
    numbered = numbers is not None or len(boxed) > 1
    found = []
    for number, score in zip(numbers or range(1, len(boxed) + 1), boxed):
        assert score.face is not None  # boxed faces only
        deciding = score.face == prediction.face
        places = shown_places(score.confidences["fake"], calibration)
        text = ("pixel model: " if overruled else "") + caption(score.label, score.confidences, score.caution, places)
        if numbered:
            text = f"{number}: {text}" + (" - decides" if deciding else "")
        found.append((score.face, text, COLOURS[score.label], deciding))
    return found


def describe_faces(prediction: Prediction, overruled: bool = False, numbers: Optional[Sequence[int]] = None,
                   picture: str = "photo", calibration: Optional[Calibration] = None) -> str:
    """Alt text for the boxed photo (or video frame: ``picture``): what its boxes and captions say
    (``overruled``, ``numbers``, ``calibration``: see :func:`captions`)."""
    found = captions(prediction, overruled, numbers, calibration)
    if not found:
        return f"The {picture} as uploaded: no face was found, so nothing is marked."
    if len(found) == 1 and numbers is None:
        return f"The {picture} with the face boxed, captioned: {found[0][1]}."
    parts = [f"face {text.replace(' - decides', ', thick box, decides')}" for _, text, _, _ in found]
    boxed = "the face boxed and numbered" if len(found) == 1 else f"{len(found)} faces boxed and numbered"
    return f"The {picture} with {boxed}, captioned: " + "; ".join(parts) + "."


FONT = cv2.FONT_HERSHEY_SIMPLEX


SMALLEST_DRAWN = 200
"""A picture whose shorter side is under this is drawn enlarged (by a whole factor, each pixel a
block) before its faces are boxed: a 50 px picture's caption did not fit ("unsure: too s")."""
CAPTION_SIDE = 500
"""A caption's font scale is the photo's shorter side over this (its letters about 4 % of that
side), so that it reads alike on any photo once the page fits it to the frame: capped at 1.0, a
2048 px photo's captions were 1 % of its height, a few pixels tall on the page."""
CAPTION_WIDTH = 640
"""Nor is it under the photo's width over this: a wide photo is shown shrunk to the page's width
(about 330 px on a phone), where captions scaled by its shorter side alone were 7 px tall (the
640x320 two-faces example); so they are about 11 px there."""
CAPTION_HEIGHT = 250
"""But never over the photo's height over this (letters about 9 % of it): a strip 2000x100 px
(enlarged to 4000x200 to be drawn) got captions two thirds of its height, over its faces."""


CROWDED = (1.0, 0.8, 0.64, 0.5)
"""The font scales tried for a crowded photo's captions, as shares of the legible one, until each
caption fits beside its own face clear of the others: at the legible scale, captions as tall
as the faces of a party photo landed far from them, under other faces, with lines to them that
crossed other captions (a phone walk)."""


def caption_layout(shape: tuple[int, ...], boxes: list[Box], texts: list[str], order: list[int]
                   ) -> tuple[list[tuple[int, int, int, int]], float, int]:
    """Where each caption goes, as (left, top, right, bottom) in pixels, with the font scale
    and thickness: every caption inside the image, placed in ``order`` (the deciding face first,
    so it gets the place nearest its box), at the place nearest its own box that covers, in this
    order of what matters most, no other caption, no other face's eyes, nose and mouth
    (:func:`deforgify.faces.face_middle`), no other face at all, not its own face's middle, and
    nothing just above or below another face (where its own caption would be read as its).
    Visitors found a long caption ("1: unsure (fake 82%) - decides") across the foreheads of the
    faces beside its own, read as theirs, the Two faces example's across the other face's eyes,
    and a small face hidden under its own; one placed away from its box gets a line to it
    (:func:`draw_faces`), whose line keeps out of other captions and off other faces' boxes (see
    ``cost`` in :func:`_placed`). Where the captions do not all fit so beside their faces, they are
    made smaller (:data:`CROWDED`), and only at the smallest placed anywhere."""
    height, width = shape[:2]
    wide = min(width / CAPTION_WIDTH, height / CAPTION_HEIGHT)
    legible = float(np.clip(max(min(height, width) / CAPTION_SIDE, wide), 0.35, 4.0))
    while True:
        widest = max(cv2.getTextSize(t, FONT, legible, stroke(legible))[0][0] for t in texts)
        if legible <= 0.25 or widest + 2 * caption_pad(legible) <= width:
            break
        legible *= 0.9
    scales = list(dict.fromkeys(max(min(legible, 0.35), legible * share) for share in CROWDED))  # never below 0.35
    for scale in scales:
        placed = _placed(shape, boxes, texts, order, scale, anywhere=scale == scales[-1])
        if placed is not None:
            break
    assert placed is not None  # at the last scale, anywhere
    return placed, scale, stroke(scale)


def _placed(shape: tuple[int, ...], boxes: list[Box], texts: list[str], order: list[int], scale: float,
            anywhere: bool) -> Optional[list[tuple[int, int, int, int]]]:
    """The captions' places at ``scale`` (see :func:`caption_layout`); None, unless ``anywhere``,
    when one has no place beside its face that is clear of the rest."""
    height, width = shape[:2]
    thickness, pad = stroke(scale), caption_pad(scale)
    placed: dict[int, tuple[int, int, int, int]] = {}
    lines_to: list[Segment] = []  # the lines drawn from captions placed away from their faces
    middles = [(x, y, x + w, y + h) for x, y, w, h in map(face_middle, boxes)]
    faces = [(x, y, x + w, y + h) for x, y, w, h in boxes]
    clear = line_height(scale, thickness) // 2  # a line nearer a box than this read as part of it (a walk)
    margins = [(x0 - clear, y0 - clear, x1 + clear, y1 + clear) for x0, y0, x1, y1 in faces]
    for index in order:
        lines = caption_lines(texts[index], boxes[index][2], scale, thickness, shape)
        text_width = max(cv2.getTextSize(line, FONT, scale, thickness)[0][0] for line in lines)
        size = (text_width + 2 * pad, len(lines) * (line_height(scale, thickness) + pad) + pad)
        others = [other for other in range(len(boxes)) if other != index]
        zones = [(x0, y0 - size[1], x1, y1 + size[1]) for x0, y0, x1, y1 in (faces[o] for o in others)]

        def cost(rect: tuple[int, int, int, int]) -> tuple[bool, bool, bool, bool, bool, bool, bool, float]:
            """What a place covers, most harmful first (another caption, or a line to one; then
            its own line through another caption; then other faces; then its line across or
            along another face's box; its own face's middle: a small face's caption hid it; then
            another face's zone, just above or below it, where its own caption would be), then
            how far it is from its face."""
            line = leader(rect, boxes[index]) if led(rect, boxes[index], scale) else None
            return (any(_overlap(rect, c) for c in placed.values()) or any(_crosses(other, rect) for other in lines_to),
                    line is not None and any(_crosses(line, c) for c in placed.values()),
                    any(_overlap(rect, middles[o]) for o in others), any(_overlap(rect, faces[o]) for o in others),
                    line is not None and any(_crosses(line, margins[o]) for o in others),
                    _overlap(rect, middles[index]), any(_overlap(rect, zone) for zone in zones),
                    _gap(rect, faces[index]))

        best = min(_caption_places(boxes[index], size, width, height, near=True), key=cost)
        if any(cost(best)[:7]):  # no good place beside the face: smaller captions, or the nearest good one anywhere
            if not anywhere:
                return None
            best = min([best, *_caption_places(boxes[index], size, width, height, near=False)], key=cost)
        placed[index] = best
        if led(best, boxes[index], scale):
            lines_to.append(leader(best, boxes[index]))
    return [placed[i] for i in range(len(boxes))]


Segment = tuple[tuple[int, int], tuple[int, int]]


def leader(rect: tuple[int, int, int, int], box: Box) -> Segment:
    """The line from a caption's place (left, top, right, bottom) to its face's box: from the
    caption's edge nearest the box to the box's edge nearest the caption's centre (a point where
    the caption touches its box)."""
    left, top, right, bottom = rect
    x, y, w, h = box
    centre = ((left + right) // 2, (top + bottom) // 2)
    at_box = (min(max(centre[0], x), x + w), min(max(centre[1], y), y + h))
    return (min(max(at_box[0], left), right - 1), min(max(at_box[1], top), bottom - 1)), at_box


def _crosses(segment: Segment, rect: tuple[int, int, int, int]) -> bool:
    """Whether ``segment`` passes through the inside of ``rect`` (Liang-Barsky clipping)."""
    (x0, y0), (x1, y1) = segment
    left, top, right, bottom = rect
    dx, dy = x1 - x0, y1 - y0
    start, end = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            start = max(start, t)
        else:
            end = min(end, t)
    return start < end


def stroke(scale: float) -> int:
    """A caption's letters' thickness at ``scale``."""
    return max(1, round(scale * 2))


def caption_pad(scale: float) -> int:
    """The room between a caption's edge and its words at ``scale``."""
    return max(2, round(4 * scale))


def led(rect: tuple[int, int, int, int], box: Box, scale: float) -> bool:
    """Whether a caption at ``rect`` is far enough from its face's ``box`` to be joined to it by a
    line (:func:`leader`): one rule for the layout that keeps lines clear and the drawing."""
    x, y, w, h = box
    return _gap(rect, (x, y, x + w, y + h)) > caption_pad(scale)


def line_height(scale: float, thickness: int) -> int:
    """A caption line's height, its letters' and the room under them."""
    return cv2.getTextSize("Ag", FONT, scale, thickness)[0][1] + max(1, round(3 * scale))


STRIP = 5.0
"""A picture this many times wider than tall is a strip: its captions keep one line (in lines,
they covered its faces)."""


def caption_lines(text: str, face_width: int, scale: float, thickness: int, shape: tuple[int, ...]) -> list[str]:
    """A caption broken at its spaces into at most three lines, each no wider than its face
    where it can be (the face's number kept with the word after it, " - decides", a bracket and
    why a face was not judged kept whole; one line on a strip, :data:`STRIP`): in one line, a long
    caption reached over the faces beside its own, and was read as theirs."""
    most = 1 if shape[1] >= STRIP * shape[0] else 3
    kept = re.sub(r"\([^)]*\)|(?<=unsure: )[^-]*[^ -]", lambda group: group[0].replace(" ", "\u00a0"),
                  text.replace(" - ", " -\u00a0"))  # "no colour" broke into "no" / "colour" (a walk)
    words = re.sub(r"^(\d+:) ", "\\1\u00a0", kept).split(" ")

    def widest(lines: list[str]) -> int:
        return max(cv2.getTextSize(line, FONT, scale, thickness)[0][0] for line in lines)

    lines: list[str] = []
    for count in range(1, min(most, len(words)) + 1):  # the fewest lines that fit, else the narrowest of three
        splits = [[" ".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, len(words)))]
                  for cuts in itertools.combinations(range(1, len(words)), count - 1)]
        lines = min(splits, key=widest)
        if widest(lines) <= face_width:
            break
    return [line.replace("\u00a0", " ") for line in lines]


def _caption_places(box: Box, size: tuple[int, int], width: int, height: int, near: bool
                    ) -> list[tuple[int, int, int, int]]:
    """Where a caption of ``size`` may go for a face's ``box``, inside the picture: ``near`` it,
    the most natural first (above the face, below it, inside its top and bottom edges, beside
    it), or else in any row, at the face's edges, or any column, above, below or at its top."""
    x, y, w, h = box
    box_width, box_height = size
    lefts = [x, x + w - box_width, x + (w - box_width) // 2]
    if near:
        places = [(left, top) for top in (y - box_height, y + h, y, y + h - box_height) for left in lefts]
        places += [(x - box_width, y), (x + w, y), (x - box_width, y + h - box_height), (x + w, y + h - box_height)]
    else:
        step = max(2, box_height // 4)  # not every other row: a crowded photo's captions took a second
        places = [(left, top) for top in range(0, max(1, height - box_height + 1), step) for left in lefts]
        places += [(left, top) for left in range(0, max(1, width - box_width + 1), max(2, box_width // 4))
                   for top in (y - box_height, y + h, y)]
    inside = [(int(min(max(0, left), max(0, width - box_width))), int(min(max(0, top), max(0, height - box_height))))
              for left, top in places]
    return list(dict.fromkeys((left, top, left + box_width, top + box_height) for left, top in inside))


def _gap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """The distance between two rectangles (0 when they touch or overlap)."""
    dx, dy = max(0, b[0] - a[2], a[0] - b[2]), max(0, b[1] - a[3], a[1] - b[3])
    return math.hypot(dx, dy)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def draw_faces(rgb: np.ndarray, prediction: Prediction, overruled: bool = False,
               numbers: Optional[Sequence[int]] = None, calibration: Optional[Calibration] = None) -> np.ndarray:
    """A copy of ``rgb`` with every judged face boxed in its own verdict's colour and captioned
    with its verdict (``overruled``, ``numbers``, ``calibration``: see :func:`captions`); with
    several faces each is numbered, the deciding one has a thick double box and "decides" in its
    caption. Captions stay inside the image and keep off each other and off other faces where
    there is room (:func:`caption_layout`). Without a face nothing is drawn:
    nothing was judged."""
    found = captions(prediction, overruled, numbers, calibration)
    if not found:
        return rgb.copy()
    factor = max(1, math.ceil(SMALLEST_DRAWN / min(rgb.shape[:2])))
    canvas = rgb.copy() if factor == 1 else cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    found = [(tuple(v * factor for v in box), text, colour, deciding) for box, text, colour, deciding in found]
    thin = max(2, round(max(canvas.shape[:2]) / 300))
    for box, _, colour, deciding in found:
        if not deciding:
            _rectangle(canvas, box, colour, thin)
    for box, _, colour, deciding in found:  # drawn last, on top: the thick white-edged box
        if deciding:
            x, y, w, h = box
            edge = thin * 2 if len(found) > 1 else thin
            _rectangle(canvas, (x - edge, y - edge, w + 2 * edge, h + 2 * edge), (255, 255, 255), max(1, thin // 2))
            _rectangle(canvas, box, colour, edge)
    order = sorted(range(len(found)), key=lambda i: not found[i][3])
    rects, scale, thickness = caption_layout(canvas.shape, [f[0] for f in found], [f[1] for f in found], order)
    text_height = cv2.getTextSize("Ag", FONT, scale, thickness)[0][1]
    pad = caption_pad(scale)
    below = line_height(scale, thickness) + pad
    for (box, text, colour, _), (left, top, right, bottom) in zip(found, rects):
        if led((left, top, right, bottom), box, scale):  # away from its face: a line to it,
            start, end = leader((left, top, right, bottom), box)  # ending in a dot on its box (a line along
            cv2.line(canvas, start, end, colour, thin, cv2.LINE_AA)  # another box read as that box's edge)
            cv2.circle(canvas, end, thin * 2, colour, -1, cv2.LINE_AA)
        cv2.rectangle(canvas, (left, top), (right - 1, bottom - 1), colour, -1)
        for number, line in enumerate(caption_lines(text, box[2], scale, thickness, canvas.shape)):  # as laid out
            cv2.putText(canvas, line, (left + pad, top + pad + text_height + number * below), FONT,
                        scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return canvas


FOOTER_INK = (64, 64, 64)
"""The footer's words, dark grey on white (10:1)."""


def with_footer(rgb: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """``rgb`` with a white strip under it holding ``lines`` (letters a fiftieth of the picture's
    width tall, at least 8 px; smaller only if the longest line would not fit in three): a saved
    answer picture says which model gave it and when (one downloaded, stamped "fake 99.8%", said
    neither). A line wider than the picture goes on in the next. Scaled with the picture, the
    words stay legible as the page shows it, shrunk (capped at 20 px, a 2048 px picture's were
    about 5 px on a laptop's screen)."""
    width = rgb.shape[1]
    pad = max(3, width // 150)
    scale = max(8, width / 50) / cv2.getTextSize("Ag", FONT, 1.0, 1)[0][1]
    longest = max(cv2.getTextSize(line, FONT, scale, 1)[0][0] for line in lines)
    scale *= min(1.0, 3 * (width - 2 * pad) / longest)
    wrapped = [part for line in lines for part in _wrapped(line, width - 2 * pad, scale)]
    weight = max(1, round(scale * 1.5))  # strokes as thick as the letters are large
    (_, height), descent = cv2.getTextSize("Ag", FONT, scale, weight)
    below = height + descent + max(2, height // 3)  # a "g" touched the next line's letters (a walk)
    strip = np.full((2 * pad + below * len(wrapped), width, 3), 255, np.uint8)
    for number, line in enumerate(wrapped):
        cv2.putText(strip, line, (pad, pad + height + number * below), FONT, scale, FOOTER_INK, weight, cv2.LINE_AA)
    return np.vstack([rgb, strip])


def _wrapped(line: str, room: int, scale: float) -> list[str]:
    """``line`` broken between words into lines no wider than ``room`` pixels (a word wider than
    that stands alone)."""
    parts: list[str] = []
    for word in line.split(" "):
        joined = f"{parts[-1]} {word}" if parts else word
        if parts and cv2.getTextSize(joined, FONT, scale, 1)[0][0] <= room:
            parts[-1] = joined
        else:
            parts.append(word)
    return parts


def _rectangle(canvas: np.ndarray, box: Box, colour: tuple[int, int, int], thickness: int) -> None:
    x, y, w, h = box
    cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
