"""What a person is told beside a verdict, in plain words: its headline and explanation, each
face's caption, and the shares as the bars give them (:mod:`deforgify.explain.drawing` puts the captions
on the picture).

One word for each verdict everywhere (app, CLI, JSON, model card): ``real``, ``fake``,
``unsure`` and ``no face`` (``no_face`` in JSON), each with what it means (:data:`MEANINGS`:
"real" says no sign of the fakes the model knows was found, never that the photo is genuine);
percentages always real first.
"""

from __future__ import annotations

from typing import Optional, Sequence

from deforgify.decode.images import WORKING_MAX_SIDE
from deforgify.faces.crops import ALWAYS_JUDGED_FROM, MAX_FACES
from deforgify.faces.finding import Box
from deforgify.faces.unjudged import (NO_COLOUR_WHAT, NO_COLOUR_WHY, UNJUDGED_NO_COLOUR, UNJUDGED_SEE_THROUGH, Unjudged,
                                      unjudged)
from deforgify.model.calibration import NO_FACE, UNSURE, Calibration
from deforgify.prediction import Prediction

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


def percentages(confidences: dict[str, float], calibration: Optional[Calibration] = None) -> str:
    """"real 81%, fake 19%", to the decimals the bars show (:func:`shown_places`)."""
    places = shown_places(confidences["fake"], calibration)
    return f"real {share_text(confidences['real'], places)}, fake {share_text(confidences['fake'], places)}"


NUMBERED = "(numbered from the largest)"
"""How a photo's faces are numbered, said where there are several (left to right is what a
reader would otherwise assume: the two-faces example's face 1 is on the right)."""


CROWD_NOT_JUDGED = f"faces beyond the {MAX_FACES} largest were not judged"
"""Why a photo whose judged faces all look real is "unsure" when more faces were left out
(:attr:`deforgify.prediction.Prediction.withheld_by_crowd`)."""


def headline(label: str, caution: Optional[str] = None, beside_judged: bool = False, crowd: bool = False) -> str:
    """The verdict with its meaning: "Real: no sign of the fakes it knows"; an "unsure" for a
    face not judged (its ``caution``) says why instead ("Unsure: the face is too small to
    judge", "Unsure: the face has no colour to judge", "Unsure: the face is partly transparent"),
    "one face" where others were judged (it kept them from "real": a visitor read "the face" of
    two as the one judged); and for faces left out beyond the largest (``crowd``), that."""
    if caution and label == UNSURE:
        return f"{WORDS[label].capitalize()}: {'one' if beside_judged else 'the'} {unjudged(caution).caution}"
    if crowd:
        return f"{WORDS[label].capitalize()}: {CROWD_NOT_JUDGED}"
    return f"{WORDS[label].capitalize()}: {MEANINGS[label]}"


def not_judged(caution: str) -> str:
    """Why a face was not judged, to follow its name: "is 30 px wide; at least 40 px needed", "is
    greyscale, a single tint or faded (the model ...)", "is 12% see-through (...)";
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
    elif prediction.caution:  # those judged look real; a face not judged withholds that (prediction.deciding)
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
    if prediction.withheld_by_crowd:
        advice = " Check crops of the photo, a few faces at a time: those left out are not boxed." if advise else ""
        return (f"Unsure ({shares}): {judged}. Those judged all look real, but {CROWD_NOT_JUDGED}, so the photo is "
                f"not cleared as real (a fake among them would not have been seen).{advice}")
    if prediction.caution:  # its scores are not used: no percentages to read as an answer
        advice = f" {try_instead(prediction.caution, prediction.scale < 1)}" if advise else ""
        outcome = ("the photo is not cleared as real" if len(unjudged_faces) < count
                   else "it gets no real or fake answer" if count == 1 else "they get no real or fake answer")
        return f"Unsure: {judged}, so {outcome}.{advice}"
    return f"Unsure ({shares}): {band_reason(confidences['fake'], calibration)} {judged[0].upper()}{judged[1:]}."


def withheld(count: int, unjudged_faces: dict[int, str], number: int, marked: str, where: str) -> str:
    """Why face ``number`` (not judged, of ``count``; all faces not judged by number, with their
    cautions) keeps a photo or clip from "real" (:func:`deforgify.prediction.deciding`): "1 judged
    and it looks real, but face 2{marked} is greyscale, a single tint or faded (...){where} (not judged
    either: face 3 too small to judge)"."""
    judged = count - len(unjudged_faces)
    look = "it looks real" if judged == 1 else f"{'both' if judged == 2 else 'all'} look real"
    others = {n: caution for n, caution in unjudged_faces.items() if n != number}
    return (f"{judged} judged and {look}, but face {number}{marked} {not_judged(unjudged_faces[number])}{where}"
            + (f" (not judged either: {faces_not_judged(others)})" if others else ""))


def left_out_why(small: int, beyond: int, largest: str = "the largest", its: str = "the", count: bool = True) -> str:
    """Why faces found were left out: "under 40 px and narrower than a third of the largest"
    (``small`` of them), "beyond the 32 largest" (``beyond``), counted by reason when both apply
    ("1 under 40 px and ..., 1 beyond the 32 largest"; a visitor's crowd of 36 faces alike got
    both reasons for its 4, and one of 3 faces told "or beyond the 8 largest" looked for the
    third on the picture), or without ``count`` "..., or beyond ..." (a clip's frames, where
    the same face is left out again and again). ``largest``, ``its``: "that frame's largest",
    "its" in a clip."""
    small_why = f"under {ALWAYS_JUDGED_FROM} px and narrower than a third of {largest}"
    beyond_why = f"beyond {its} {MAX_FACES} largest"
    if small and beyond:
        return f"{small} {small_why}, {beyond} {beyond_why}" if count else f"{small_why}, or {beyond_why}"
    return small_why if small else beyond_why


def _left_out(prediction: Prediction) -> str:
    """The faces found and left out, and why."""
    beyond = prediction.beyond_largest
    why = left_out_why(prediction.left_out - beyond, beyond)
    were = "was" if prediction.left_out == 1 else "were"
    return f"{counted(prediction.left_out, 'more face')} {were} found and not judged ({why}: not boxed)"


def deciding_number(prediction: Prediction) -> int:
    """The deciding face's number among a photo's several boxed faces (one of them decides)."""
    index = prediction.deciding_index
    assert index is not None  # several boxed faces: the deciding face is one of them
    return index + 1


def _turned_upright(prediction: Prediction) -> str:
    """" (it lay on its side: judged turned upright)" when the deciding face was not upright
    (see :func:`deforgify.faces.finding.upright`), else nothing; nothing for a face not judged (too
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


def capitalised(text: str) -> str:
    """``text`` with its first letter upper case, the rest as it is ("face 2, which decides" ->
    "Face 2, which decides"; ``str.capitalize`` would lower "EXIF")."""
    return text[:1].upper() + text[1:]


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
