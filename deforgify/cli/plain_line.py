"""A row of ``deforgify predict`` as one line of words: the file, its verdict and what it means,
the shares, the deciding face and where it is, the faces left out, the file's provenance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from deforgify.provenance.rules import phrase

if TYPE_CHECKING:
    from deforgify.provenance.contract import Provenance


def plain_line(row: dict, provenance_read: Provenance) -> str:
    """A row of ``predict`` as one line of words."""
    if not row["file"].isprintable():  # a newline in a name must not break one line per file
        row = {**row, "file": repr(row["file"])}
        row.update({"error": repr(row["error"])[1:-1]} if "error" in row else {})
    if "error" in row:
        return f"{row['file']}: error: {row['error']}"
    if row.get("kind") == "video":
        return _human_video(row)
    provenance = phrase(provenance_read)
    if row["decided_by"] == "provenance":
        pixels = row["pixels"]
        said = f"pixels said {pixels['label']}" if pixels["label"] != "no_face" else "no face found by the pixel model"
        return f"{row['file']}: {row['label']} (decided by provenance: {provenance}; {said}{_pixel_details(row)})"
    note = f"; provenance: {provenance}" if provenance else ""
    if not row["face"]:
        return f"{row['file']}: no_face (no face found: nothing to judge{note})"
    from deforgify.explain.words import CROWD_NOT_JUDGED, MEANINGS

    deciding = row["faces"][row["deciding_face"]] if row.get("deciding_face") is not None else {}
    crowd = row["label"] == "unsure" and deciding.get("label") == "real"  # Prediction.withheld_by_crowd
    meaning = deciding.get("caution") or (f"those judged all look real, but {CROWD_NOT_JUDGED}" if crowd
                                          else MEANINGS[row["label"]])
    return f"{row['file']}: {row['label']} ({meaning}{_pixel_details(row)}{note})"


def _human_video(row: dict) -> str:
    """``clip.mp4: fake (video 20.0 s, 40 frames, 2 face tracks; real 3%, fake 97%, face 2 from
    10.2 s to 19.8 s, most suspicious at 14.8 s)``: faces numbered from 1, as on the app's chart
    (the JSON's track ids count from 0); no percentages when the deciding track was not judged,
    as for a photo's face."""
    from deforgify.explain.words import counted

    sampling = row["sampling"]
    seen = f"video {row['duration']:.1f} s, {counted(sampling['read'], 'frame')}"
    note = f"; incomplete: {row['note']}" if row["note"] else ""
    if not row["faces"]:
        return f"{row['file']}: no_face ({seen}, no face in any: nothing to judge{note})"
    from deforgify.video.present import deciding_track

    deciding, track = row["deciding_frame"], deciding_track(row)
    assert track is not None  # a row with faces has its deciding track
    confidences = _shares(row, track["caution"])
    return (f"{row['file']}: {row['label']} ({seen}, {len(row['faces'])} face track"
            f"{'s' if len(row['faces']) > 1 else ''}{confidences}; face {track['track'] + 1} from "
            f"{track['start']:.1f} s to {track['end']:.1f} s, {_peak_or_not_judged(row, track)} "
            f"{deciding['t']:.1f} s"
            f"{'; ' + track['caution'] if track.get('caution') else ''}{_crowd(row)}{note})")


def _crowd(row: dict) -> str:
    """Why a video whose faces all look real is "unsure": faces beyond a frame's largest."""
    from deforgify.explain.words import CROWD_NOT_JUDGED
    from deforgify.video.present import withheld_by_crowd

    return f"; those judged all look real, but in some frames {CROWD_NOT_JUDGED}" if withheld_by_crowd(row) else ""


def _peak_or_not_judged(row: dict, track: dict) -> str:
    """How the deciding track's frame is named: "most suspicious at", or for a track not judged
    beside tracks that look real (:func:`deforgify.prediction.deciding`) "not judged (the 1 judged
    looks real), pictured at": it was never the most suspicious of anything."""
    judged = sum(not other["caution"] for other in row["faces"])
    if track["caution"] and judged:
        return f"not judged (the {judged} judged {_look_real(judged)}), pictured at"
    return "most suspicious at"


def _look_real(judged: int) -> str:
    """"looks real" of one face, "look real" of several."""
    return "looks real" if judged == 1 else "look real"


def _pixel_details(row: dict) -> str:
    """``; real 3.0%, fake 97.0%; face at 1,2 3x4 ...`` (empty without a face). A face not judged
    (its caution says why) gets no percentages, as on the page: its scores are not used, and "fake
    98.8%" beside "too small to judge" read as an answer (a developer's find)."""
    if not row["face"]:
        return ""
    from deforgify.explain.words import counted, left_out_why, turned_words

    deciding = row["faces"][row["deciding_face"]]
    confidences = _shares(row, deciding["caution"])
    where = "face at {},{} {}x{}".format(*row["face"]) + _among(row["faces"], deciding)
    if deciding["turned"] and not deciding["caution"]:
        where += f" ({turned_words(deciding['turned'])})"
    if row.get("left_out"):  # said, as on the page (a visitor found it in the JSON alone)
        why = left_out_why(row["left_out"] - row["beyond_largest"], row["beyond_largest"])
        where += f"; {counted(row['left_out'], 'more face')} found and not judged ({why})"
    heatmap = f"; heatmap {row['heatmap']}" if row.get("heatmap") else ""
    heatmap += f"; heatmap not written: {row['heatmap_error']}" if "heatmap_error" in row else ""
    return f"{confidences}; {where}{heatmap}"


def _shares(row: dict, caution: Optional[str]) -> str:
    """``; real 3.0%, fake 97.0%`` (``fake >99.9%``, not ``100.0%``: :func:`deforgify.explain.words.share_text`),
    or nothing for a face or track not judged (its ``caution``)."""
    from deforgify.explain.words import share_text, shown_places

    if caution:
        return ""
    places = max(1, shown_places(row["confidences"]["fake"], None))
    return "; " + ", ".join(f"{k} {share_text(v, places)}" for k, v in row["confidences"].items())


def _among(faces: list[dict], deciding: dict) -> str:
    """Which of several faces decided: `` (most suspicious of 3 faces)``, `` (most suspicious of
    the 1 judged of 2 faces)`` (it said "of 2 faces" when one had no colour), `` (the widest of 2
    faces, none judged)``, `` (not judged; the 1 judged of 2 faces looks real)`` (a face without
    colour beside faces that look real: :func:`deforgify.prediction.deciding`)."""
    judged = sum(not face["caution"] for face in faces)
    if len(faces) == 1:
        return ""
    if deciding["caution"] and judged:
        return f" (not judged; the {judged} judged of {len(faces)} faces {_look_real(judged)})"
    if deciding["caution"]:
        return f" (the widest of {len(faces)} faces, none judged)"
    if judged == len(faces):
        return f" (most suspicious of {len(faces)} faces)"
    return f" (most suspicious of the {judged} judged of {len(faces)} faces)"
