"""The answer's place on the page, in HTML: the verdict box of a photo, a clip or a file that
cannot be checked (its colour, words, confidence bars and the model that answered), the
heatmap's legend, and what the place says while there is no answer."""

from __future__ import annotations

import html
from typing import Optional

from deforgify.explain.heatmap import LEGEND, colour_stops, where
from deforgify.explain.words import (BACKGROUNDS, CAUTIONS, COLOURS, WORDS, capitalised, caption, deciding_number,
                                     explain, headline, hex_colour, share_text, shown_places)
from deforgify.faces.unjudged import unjudged
from deforgify.model.calibration import UNSURE, Calibration
from deforgify.prediction import Prediction
from deforgify.provenance import NO_PROVENANCE, Provenance, apply_to_row, deciding_claim, headline as provenance_line

ERROR = "error"
"""The verdict box's state when a file could not be checked."""

VIDEO_ORIGIN = "Provenance: {picture}'s own metadata (such as Content Credentials) is not read yet."
"""Said of a clip's file (``picture``: "a video", "an animated picture")."""

PROVENANCE_CAUTION = ("Evidence to weigh, not proof: the file's own metadata declares this, and anyone can write "
                      "such metadata into a photo; never use this alone to accuse anyone. Metadata is easily "
                      "removed too, so a photo without it is not shown to be real.")

DECLARED = {"ai_generated": "its file declares it made by AI", "ai_edited": "its file declares it edited with AI"}
"""What a verdict decided by the file's provenance means: not signs found in the face (the pixel
model may have found none), but what the file says of itself."""


def overruled(row: dict) -> bool:
    """Whether the file's own provenance decided an answer's verdict: the pixel model's words,
    bars and captions then say they are its own."""
    return row["decided_by"] == "provenance"


def banner(prediction: Prediction, provenance: Provenance = NO_PROVENANCE,
           calibration: Optional[Calibration] = None, model: str = "") -> str:
    """The verdict box: the verdict in its colour with what it means, the pixel model's two
    percentages (real first; none for a face too small or without colour to judge, whose scores
    are not used), what the verdict is based on, what the file says of its origin, a caution, and
    the model that answered (``model``, a :func:`deforgify.app.about_model.model_line`)."""
    row = apply_to_row(prediction.to_json(), provenance)
    label, by_provenance = row["label"], overruled(row)
    pixels = explain(prediction, calibration, advise=not by_provenance)
    of = which_decides(prediction)
    bars = (_bars(prediction.confidences, prediction.label, calibration, of, by_provenance)
            if prediction.confidences and not prediction.caution else "")
    origin = (f'<p class="provenance" data-claim="{provenance.claim}" style="margin:6px 0 4px 0">'
              f"{html.escape(provenance_line(provenance))}</p>")
    if by_provenance:  # what decides comes first; the pixel model's bars follow, named as its own
        pixels = f"The pixel model alone says: {pixels[0].lower()}{pixels[1:]}"
        body = origin + f'<p style="margin:0 0 4px 0">{html.escape(pixels)}</p>' + bars
    else:
        body = bars + f'<p style="margin:6px 0 4px 0">{html.escape(pixels)}</p>' + origin
    title = (f"{WORDS[label].capitalize()}: {DECLARED[deciding_claim(provenance)]}" if by_provenance
             else headline(label, prediction.caution, any(not score.caution for score in prediction.scores),
                           prediction.withheld_by_crowd))
    return _box(
        label, title,
        body + f'<p style="margin:0;font-size:0.9em">'
        f"{html.escape(PROVENANCE_CAUTION if by_provenance else CAUTIONS[label])}</p>" + answered_by(model),
        f'data-decided-by="{row["decided_by"]}"',
    )


def video_banner(row: dict, calibration: Calibration, model: str, lead: str = "",
                 element_id: str = "video-verdict-box", picture: str = "video") -> str:
    """A video's verdict box, as :func:`banner` for a photo: the verdict, the deciding track's
    percentages (none for a face not judged), what it rests on (after ``lead``), that the clip's
    metadata is not read, a caution, and the model that answered; the clip named a ``picture``
    ("animated picture" for one sent as a photo: a visitor read "Treat the video as unverified"
    of the GIF they had uploaded as a photo)."""
    from deforgify.video.present import deciding_track, explain_video, withheld_by_crowd

    label, caution = row["label"], (deciding_track(row) or {}).get("caution")
    said = f"{lead} {explain_video(row, calibration)}" if lead else explain_video(row, calibration)
    return _box(label, headline(label, caution, any(not track["caution"] for track in row["faces"]),
                                withheld_by_crowd(row)),
                (_bars(row["confidences"], label, calibration, deciding_face(row))
                 if row["confidences"] and not caution else "")
                + f'<p style="margin:6px 0 4px 0">{html.escape(said)}</p>'
                f'<p class="provenance" data-claim="none" style="margin:0 0 4px 0">'
                f'{html.escape(VIDEO_ORIGIN.format(picture=("an " if picture[0] in "aeiou" else "a ") + picture))}</p>'
                f'<p style="margin:0;font-size:0.9em">{html.escape(CAUTIONS[label].replace("photo", picture))}</p>'
                + answered_by(model), element_id=element_id)


def which_decides(prediction: Prediction) -> str:
    """"face 2, which decides" for a photo of several faces boxed, whose deciding face's shares
    read as the whole photo's; "" for one."""
    several = sum(1 for score in prediction.scores if score.face) > 1
    return f"face {deciding_number(prediction)}, which decides" if several else ""


def deciding_face(row: dict) -> str:
    """"face 2, which decides" for a clip whose faces were followed as several tracks; "" for one."""
    deciding = row["deciding_frame"]
    return f"face {deciding['track'] + 1}, which decides" if len(row["faces"]) > 1 and deciding else ""


def answered_by(model: str) -> str:
    """The line naming the model that answered, so that a saved screenshot still says it."""
    return (f'<p class="answered-by" style="margin:4px 0 0 0;font-size:0.8em;color:#404040">'
            f"Answered by {html.escape(model)}</p>") if model else ""


def _box(label: str, title: str, body: str, attributes: str = "", element_id: str = "verdict-box") -> str:
    edge, background = (hex_colour(COLOURS[label]), hex_colour(BACKGROUNDS[label])) if label != ERROR \
        else (hex_colour(COLOURS["fake"]), "#ffffff")
    return (
        f'<div id="{element_id}" data-verdict="{label}" {attributes} '
        f'style="border-left:10px solid {edge};background:{background};color:#1a1a1a;padding:12px 16px;'
        f'border-radius:8px"><div class="verdict-word" style="font-size:1.6em;font-weight:700;color:{edge};'
        f'line-height:1.2">{html.escape(title)}</div>{body}</div>'
    )


CHECK_A_VIDEO = "Check a video"
"""The video section's heading, where a photo refused as a video or an animation is sent."""

SMALLER_COPY = "Try a smaller copy of the photo: fewer pixels, or saved as a JPEG."

PHOTO_ADVICE = (
    ("image too large", SMALLER_COPY),
    ("file too large", SMALLER_COPY),
    ("image too small", "Try a larger photo of the face."),
    ("wrong aspect ratio", "Try the whole photo, or a crop around the face."),
    ("not an image file: it is a video", f"Check it under \u201c{CHECK_A_VIDEO}\u201d, below."),
    ("animated image", f"Save it as an MP4 and check it under \u201c{CHECK_A_VIDEO}\u201d, below."),
)
"""What to do about a photo refused for these reasons (the reason's first words); any other
reason: try another photo (:func:`error_box`'s default)."""


def error_box(message: str, kind: str = "file", advice: Optional[str] = None,
              element_id: str = "verdict-box") -> str:
    """The verdict box for an error's message (the API's words, "This file can't be checked: the
    reason", become the title and the reason) with what to do about it."""
    title = f"This {kind} can't be checked"
    reason = message.removeprefix(f"{title}: ").removesuffix(".")
    advice = advice or next((tip for start, tip in PHOTO_ADVICE if reason.lower().startswith(start)),
                            "Try a JPEG, PNG, WebP or HEIC photo of a face.")
    return _box(ERROR, title,
                f'<p style="margin:6px 0 0 0">{html.escape(capitalised(reason))}.</p>'
                f'<p style="margin:4px 0 0 0;font-size:0.9em">{html.escape(advice)}</p>', element_id=element_id)


def no_clip_box() -> str:
    """The video's verdict box when its check is asked for without a clip."""
    return _box(ERROR, "No video yet", '<p style="margin:6px 0 0 0">Upload a clip first, then check it.</p>',
                element_id="video-verdict-box")


def _bars(confidences: dict[str, float], label: str, calibration: Optional[Calibration] = None,
          of: str = "", overruled: bool = False) -> str:
    """The two shares as bars, to the decimals that tell the fake share from a band edge beside it
    (:func:`deforgify.explain.words.shown_places`), each with a mark where its answer starts, and only
    the answer's (``label``) in its colour, the other grey (a visitor read "fake 89%" in a long red
    bar under "Unsure" as a firm answer; a clip's "unsure" track can have a median past the real
    mark); headed by whose shares they are (``of``: "face 2, which decides") where several faces
    were judged (they read as the photo's); ``overruled``: the file's provenance decided, and the
    colour is the pixel model's answer's (a green "real" bar under a red "Fake" headline was read
    against the key's "the answer's own bar")."""
    places = shown_places(confidences["fake"], calibration)
    starts = answer_starts(calibration)
    rows = [f'<div class="bars-of" style="font-size:0.85em;color:#404040">{html.escape(capitalised(of))}:'
            '</div>'] if of else []
    for name in ("real", "fake"):
        share = confidences[name]
        colour = hex_colour(COLOURS[name]) if name == label or not starts else NOT_THE_ANSWER
        mark = (f'<span class="starts" style="position:absolute;left:{starts[name]:.1%};top:-4px;width:3px;'
                f'height:18px;background:#1f1f1f"></span>' if name in starts else "")
        rows.append(
            f'<div class="share" data-label="{name}" style="display:flex;align-items:center;gap:8px;margin:2px 0">'
            f'<span style="width:3em">{name}</span><span style="flex:1;position:relative;background:#fff;'
            f'border:1px solid #767676;border-radius:4px;height:10px"><span style="display:block;width:{share:.1%};'
            f'height:10px;background:{colour};border-radius:4px"></span>{mark}</span><b class="percent" '
            f'style="width:{3 + places}em;text-align:right">{html.escape(share_text(share, places))}</b></div>'
        )
    if starts:  # the real mark with "fake at most 19.2%", as the words give it (a walk read 80.8 % against them)
        mark = ('<span style="display:inline-block;width:3px;height:0.9em;background:#1f1f1f;'
                'vertical-align:middle"></span>')
        rows.append(f'<div class="starts-key" style="font-size:0.85em;color:#404040">{mark} where each answer '
                    f'starts: "real" at real {starts["real"]:.1%} (fake at most {1 - starts["real"]:.1%}), "fake" '
                    f'at fake {starts["fake"]:.1%}; short of both marks, the answer is "unsure". Only '
                    f'{"the pixel model" if overruled else "the answer"}\'s own bar is in colour.</div>')
    # Hidden from screen readers: the sentence under the bars says both percentages again.
    return f'<div aria-hidden="true" style="margin:6px 0;max-width:28em">{"".join(rows)}</div>'


NOT_THE_ANSWER = "#8c8c8c"
"""The colour of a bar that is not the answer's (3.4:1 on white): a red bar filled to 83 % under
"Unsure" read as a "fake" (a phone walk)."""


def answer_starts(calibration: Optional[Calibration]) -> dict[str, float]:
    """The share at which each answer starts: "real" from 1 - the band's lower edge (80.8%),
    "fake" from its upper edge (97.1%); none without a band."""
    if calibration is None or calibration.unsure_high <= calibration.unsure_low:
        return {}
    return {"real": 1 - calibration.unsure_low, "fake": calibration.unsure_high}


def shows_heatmap(prediction: Prediction, threshold: float) -> bool:
    """A heatmap only where it explains a suspicion: the deciding face judged fake by the
    pixels, or unsure while leaning fake (at or above the threshold); never for a face too
    small to judge, nor without a face."""
    if prediction.face is None or prediction.caution:
        return False
    fake = (prediction.confidences or {}).get("fake", 0.0)  # a face found has them
    return prediction.label == "fake" or (prediction.label == UNSURE and fake >= threshold)


CLOSE_UP_BELOW = 1 / 6
"""Without a heatmap, the deciding face is shown close up when its box is narrower than this
share of the photo's longer side: a phone photo's 110 px face was a 10 px square on a laptop's
page and 6 px on a phone's (a visitor's find); a portrait's face (a third or more) needs none."""


def shows_close_up(prediction: Prediction, side: int, heatmap: bool) -> bool:
    """Whether the page shows the deciding face close up (in the heatmap's place): no heatmap,
    and a face small beside the photo's longer ``side`` (in the pixels its box counts)."""
    return not heatmap and prediction.face is not None and prediction.face[2] < CLOSE_UP_BELOW * side


def close_up_alt(prediction: Prediction, calibration: Optional[Calibration] = None) -> str:
    """What the close-up is: which face, as the model saw it, and its caption's words (its alt
    text, and the note beside it)."""
    decisive = prediction.deciding_score
    assert decisive is not None  # a close-up is only of a face, judged or not
    fake = (decisive.confidences or {}).get("fake", 0.0)
    face = which_decides(prediction) or "the face"
    if decisive.caution:  # "as the model saw it", of a face it did not judge, read as if it had
        return f"{capitalised(face)}, close up: not judged, {unjudged(decisive.caution).short}."
    words = caption(decisive.label, decisive.confidences or {}, None, shown_places(fake, calibration))
    return f"{capitalised(face)}, close up as the model saw it: {words}."


def close_up_note(prediction: Prediction, calibration: Optional[Calibration] = None) -> str:
    text = html.escape(close_up_alt(prediction, calibration))
    return f'<p id="close-up-note" style="margin:0;color:#1a1a1a">{text}</p>'


def heatmap_alt(prediction: Prediction, calibration: Optional[Calibration] = None) -> str:
    """The heatmap's alt text: where in the deciding face's picture the evidence for "fake" lies."""
    decisive, fake = prediction.deciding_score, (prediction.confidences or {}).get("fake", 0.0)
    place = f": {where(decisive.cam)}" if decisive and decisive.cam is not None else ""
    return (f"Heatmap of the deciding face, bright where the evidence for 'fake' lies{place}; as bright as "
            f"its fake probability ({fake_share(fake, calibration)})")


def fake_share(fake: float, calibration: Optional[Calibration]) -> str:
    """The fake share as the bars and the words give it (the heatmap's note said "fake 100%" under
    bars saying 99.997%)."""
    return share_text(fake, shown_places(fake, calibration))


def heatmap_legend(fake: float, calibration: Optional[Calibration] = None, of: str = "") -> str:
    """How to read the heatmap, and the fake share of the face it is of (``of``: "face 4, which
    decides" in a group photo, where "This face" did not say which: a phone walk)."""
    stops = ", ".join(colour_stops())
    face = capitalised(of) if of else "This face"
    return (
        '<div id="heatmap-legend" style="color:#1a1a1a;font-size:0.95em">'
        '<p style="margin:0 0 4px 0"><b>How to read the heatmap</b></p>'
        f'<div aria-hidden="true" style="height:12px;max-width:16em;border:1px solid #767676;'
        f'background:linear-gradient(to right, {stops})"></div>'
        '<div aria-hidden="true" style="display:flex;justify-content:space-between;max-width:16em;'
        'font-size:0.85em"><span>no evidence</span><span>strong evidence</span></div>'
        f'<p style="margin:4px 0 0 0">{html.escape(LEGEND)} {html.escape(face)}: fake '
        f'{html.escape(fake_share(fake, calibration))}.</p>'
        "<p style=\"margin:4px 0 0 0\">Where the model looked, not proof of what was changed.</p></div>"
    )


def place_says(words: str) -> str:
    """What an answer's place says while there is no answer in it (styled by ``p.awaiting``)."""
    return f'<p class="awaiting">{words}</p>'


AWAITING_PHOTO = place_says("The answer appears here once you choose a photo of a face, or click an example.")

AWAITING_CLIP = place_says("The answer appears here once you upload a clip of a face and check it.")
"""The answer's place before there is a photo (a clip): words, not empty picture boxes."""

CHECKING_AGAIN = place_says("Checking the photo again…")
"""The answer's place while a photo is checked again: the same answer coming back changed nothing
in the live region, so a screen reader said nothing of the check."""

CHECKING_CLIP = place_says("Checking the video…")
"""The answer's place while a clip is checked: said in its live region (it still said "The answer
appears here once you upload a clip" for the whole check)."""
