"""What a person is shown of a video's result (the app uses it): one sentence on what the
verdict is based on, the timeline as chart rows (with the unsure band's edges, breaks where a
face was not seen, and a caption in words), and the deciding frame's faces to draw."""

from __future__ import annotations

import math
from collections import Counter
from typing import Optional

from deforgify.decode.images import WORKING_MAX_SIDE
from deforgify.explain.words import (CROWD_NOT_JUDGED, WORDS, band_reason, beside_an_edge, caption, counted,
                                     decimals_apart, describe_faces, faces_not_judged, left_out_why, not_judged,
                                     not_judged_short, percentages, share_text, shown_places, try_instead, withheld)
from deforgify.faces.finding import Box
from deforgify.faces.unjudged import UNJUDGED, UNJUDGED_TOO_SMALL, unjudged
from deforgify.model.calibration import NO_FACE, UNSURE, Calibration
from deforgify.prediction import FaceScore, Prediction
from deforgify.video.combine import SUSTAINED_RUN
from deforgify.video.tracks import MAX_MISSED

APPEARING = "(numbered as they appear)"
"""How a video's faces are numbered, said where there are several."""


def deciding_track(row: dict) -> Optional[dict]:
    """The face track that decided a video row's verdict (None without a face)."""
    deciding = row["deciding_frame"]
    return next((t for t in row["faces"] if t["track"] == deciding["track"]), None) if deciding else None


def withheld_by_crowd(row: dict) -> bool:
    """Whether a video row is "unsure" only because faces beyond a frame's largest were not
    judged: its deciding track looks real (:attr:`deforgify.video.timeline.VideoResult.label`)."""
    track = deciding_track(row)
    return row["label"] == UNSURE and track is not None and track["label"] == "real"


def explain_video(row: dict, calibration: Optional[Calibration] = None) -> str:
    """A video row's verdict in words (see :meth:`VideoResult.to_json`); an "unsure" says where
    the model's unsure band lies (``calibration``), as a photo's does."""
    seen = f"{counted(row['sampling']['read'], 'frame')} read from the {row['duration']:.1f} s clip"
    # Said after the verdict, whatever it is: faces left out, and a clip read only in part.
    footnotes = _left_out(row) + (f" Only part of the clip was read: {row['note']}." if row["note"] else "")
    if row["label"] == NO_FACE:
        return (f"No face was found in any of the {seen}, so there is no verdict. Try a clip "
                f"where a face is clearly visible.{footnotes}")
    tracks = row["faces"]
    deciding, track = row["deciding_frame"], deciding_track(row)
    unjudged_tracks = {t["track"] + 1: t["caution"] for t in tracks if t["caution"]}
    why = not_judged_short(unjudged_tracks)
    assert track is not None  # a verdict has its deciding track
    span = _seen_in(row, track, seen)
    if track["caution"]:  # its scores are not used: no percentages to read as an answer
        advice = try_instead(track["caution"], max(row["width"], row["height"]) > WORKING_MAX_SIDE, "clip")
        if len(unjudged_tracks) < len(tracks):  # those judged look real; this one withholds that
            kept_back = withheld(len(tracks), unjudged_tracks, track["track"] + 1, "",
                                 " in every frame where it could be judged")
            return (f"Unsure: {len(tracks)} faces followed {APPEARING} in {seen}, {kept_back}, so the clip is not "
                    f"cleared as real. {advice}{footnotes}")
        if len(tracks) > 1:
            small = why == UNJUDGED_TOO_SMALL.short
            none = "none wide enough to judge in any frame" if small else f"none judged ({why})"
            return (f"Unsure: {len(tracks)} faces followed {APPEARING} in {seen}, {none}: the widest, face "
                    f"{track['track'] + 1}, {not_judged(track['caution'])}, so they get no real or fake "
                    f"answer. {advice}{footnotes}")
        # the headline says "too small", "no colour" or "partly transparent": these words say how so (as a photo's)
        return (f"Unsure: the one face followed, {span}, {not_judged(track['caution'])} in every frame where it "
                f"could be judged, so it gets no real or fake answer. {advice}{footnotes}")
    if len(tracks) == 1:
        who = "the one face followed"
    elif unjudged_tracks:
        judged_count = len(tracks) - len(unjudged_tracks)
        one = "the one judged" if judged_count == 1 else "the most suspicious judged one"
        who = (f"{len(tracks)} faces followed {APPEARING}, {judged_count} judged "
               f"({faces_not_judged(unjudged_tracks)} in every frame); {one} (face {track['track'] + 1}) decides")
    else:
        who = f"{len(tracks)} faces followed {APPEARING}; the most suspicious one (face {track['track'] + 1}) decides"
    judged = f"{who}, {span}, judged on {_judged_on(row, track)}"
    fake = row["confidences"]["fake"]
    reason: Optional[str]
    if withheld_by_crowd(row):
        reason = (f"Those judged all look real, but in some frames {CROWD_NOT_JUDGED}, so the clip is not cleared "
                  "as real.")
    else:
        reason = (_unsure_reason(track, fake, calibration) if row["label"] == UNSURE
                  else beside_an_edge(row["label"], fake, calibration))
    if reason:  # then a new sentence
        judged = f"{reason} {judged[0].upper()}{judged[1:]}"
    shares = percentages(row["confidences"], calibration)
    return (f"{WORDS[row['label']].capitalize()} ({shares}): {judged}; it looked most "
            f"fake at {deciding['t']:.1f} s: the frame pictured, with each face's verdict over the whole "
            f"clip.{footnotes}")  # not "the deciding frame": the median decides a "real" (a visitor's find)


def _unsure_reason(track: dict, fake: float, calibration: Optional[Calibration]) -> str:
    """Why the deciding track is "unsure": where the band lies, or frames of it that looked fake
    (too few in a row to call it fake, see :func:`deforgify.video.combine.judge_track`)."""
    frames = track.get("fake_frames", 0)
    edge = f" (fake {calibration.unsure_high:.0%} or more)" if calibration is not None else ""
    if not frames or (calibration is not None and calibration.label(fake) != "real"):  # as judge_track decides
        reason = band_reason(fake, calibration, "the deciding face's")
        if not frames:
            return reason
        return (f"{reason} {frames} of its frames looked fake{edge}, but not {SUSTAINED_RUN} in a row, which a "
                "\"fake\" answer needs.")  # a visitor found half its frames over the edge, unsaid
    return (f"{counted(frames, 'frame')} of the deciding face looked fake{edge}: too few in a row to call it fake "
            f"({SUSTAINED_RUN} are needed), too many to clear it, although its median looks real.")


def _judged_on(row: dict, track: dict) -> str:
    """What a track's score was taken from (see :func:`deforgify.video.combine.combine`): its
    frames, or those where it was wide enough to judge and in colour ("the median of the 7 frames
    where it was wide enough to judge (in 1 it was too small)")."""
    judged = len(_judged_scores(row, track))
    if track.get("sustained_run"):
        return _judged_on_a_run(track, judged)
    cautions = [face["caution"] for frame in row["frames"] for face in frame["faces"]
                if face["track"] == track["track"] and face["caution"]]
    left_out = Counter(map(unjudged, cautions))
    if not left_out:
        return "that frame" if judged == 1 else "the median of those frames"
    which = "the one frame" if judged == 1 else f"the median of the {judged} frames"
    where = "where it was wide enough to judge" if set(left_out) == {UNJUDGED_TOO_SMALL} else "where it could be judged"
    reasons = [f"in {left_out[reason]} {reason.in_frames}" for reason in UNJUDGED if left_out[reason]]
    return f"{which} {where} ({', '.join(reasons)})"


def _judged_on_a_run(track: dict, judged: int) -> str:
    """What a track made "fake" by a run of frames was judged on, with how many of its judged
    frames looked fake: "3 frames in a row" alone read as if only 3 did when all 10 had (a walk)."""
    least = math.floor(track["confidences"]["fake"] * 100)  # rounded down: "100 % or more" read as a slip
    run = f"{SUSTAINED_RUN} frames in a row that all looked fake (fake {least}% or more in each)"
    frames = track.get("fake_frames", SUSTAINED_RUN)
    if frames >= judged:
        return f"{run}; all {judged} of its judged frames looked fake"
    if frames > SUSTAINED_RUN:
        run += f"; {frames} of its {judged} judged frames looked fake"
    return f"{run}, which its other frames do not outvote"


def _judged_scores(row: dict, track: dict) -> list[float]:
    """The fake probability of a track's face in each frame where it was judged (wide enough)."""
    return [face["confidences"]["fake"] for frame in row["frames"] for face in frame["faces"]
            if face["track"] == track["track"] and not face["caution"]]


def _left_out(row: dict) -> str:
    """" In 3 of the 20 frames read, another face was found and not judged (...)." when any
    frame had faces it did not judge (a photo's answer says so too), else nothing."""
    counts = [frame["left_out"] for frame in row["frames"]]
    frames = sum(1 for count in counts if count)
    if not frames:
        return ""
    faces = "another face was" if max(counts) == 1 else "more faces were"
    where = "In the one frame read" if len(counts) == 1 else f"In {frames} of the {len(counts)} frames read"
    beyond = sum(frame["beyond_largest"] for frame in row["frames"])
    why = left_out_why(sum(counts) - beyond, beyond, "that frame's largest", "its", count=False)
    return f" {where}, {faces} found and not judged ({why})."


def _seen_in(row: dict, track: dict, seen: str) -> str:
    """Where a face track was seen: "seen in 5 of the 10 frames read from the 20.0 s clip (2.0 s
    to 8.0 s)", "in all ...", "in both ...", "in the 1 frame ... (at 0.0 s)"; with the times it
    was away (see :func:`_when`)."""
    read = row["sampling"]["read"]
    if track["frames"] == read:
        share = f"the {seen}" if read == 1 else f"both {seen.removeprefix('2 ')}" if read == 2 else f"all {seen}"
    else:
        share = f"{track['frames']} of the {seen}"
    return f"seen in {share} ({_when(row, track)})"


AWAY = MAX_MISSED + 1
"""Frames read in a row without a face, between two with it, that are said in words: a face away
so long was gone (turned away, out of the shot), not missed by the face finder for a moment."""


def _when(row: dict, track: dict) -> str:
    """A track's first and last time, and the times it was away: "0.2 s to 11.8 s, away from 4.2 s
    to 7.8 s"; "at 0.0 s" for one frame."""
    start, end = track["start"], track["end"]
    if start == end:
        return f"at {start:.1f} s"
    present = {frame["t"] for frame in row["frames"] for face in frame["faces"] if face["track"] == track["track"]}
    away = [f"{run[0]:.1f} s to {run[-1]:.1f} s" for run in _absences(row, present) if len(run) >= AWAY]
    return f"{start:.1f} s to {end:.1f} s" + (f", away from {' and from '.join(away)}" if away else "")


def chart_rows(row: dict) -> list[dict]:
    """The timeline as rows for a line chart: time, fake probability and face, per face per frame
    where it was judged (a face too small, without colour or partly transparent has a score
    that is not used: none drawn). Scores to three decimals, as a point's tooltip reads them, and
    never 0 or 1 (a tooltip's "1" read as a certainty the model never has, a walk's find; the
    words say ">99.9%")."""
    return [{"time (s)": frame["t"], "fake probability": min(0.999, max(0.001, round(face["confidences"]["fake"], 3))),
             "face": f"face {face['track'] + 1}"}
            for frame in row["frames"] for face in frame["faces"] if not face["caution"]]


def gap_rows(row: dict) -> list[dict]:
    """A row without a score where a face's line must break: the first frame read between two of
    its judged frames that it was not judged in (off screen, or too small), so the chart does not
    draw it straight across seconds it was not seen."""
    judged: dict[int, set[float]] = {}
    for frame in row["frames"]:
        for face in frame["faces"]:
            if not face["caution"]:
                judged.setdefault(face["track"], set()).add(frame["t"])
    return [{"time (s)": run[0], "fake probability": None, "face": f"face {track + 1}"}
            for track, seen in judged.items() for run in _absences(row, seen) if run]


def _absences(row: dict, seen: set[float]) -> list[list[float]]:
    """The times of the frames read between each two of ``seen`` (a face's times) without it."""
    runs: list[list[float]] = [[]]
    for t in (frame["t"] for frame in row["frames"] if min(seen) < frame["t"] < max(seen)):
        if t in seen:
            runs.append([])
        else:
            runs[-1].append(t)
    return runs


DASH = 0.04
"""A score seen alone (no judged frame of its face just before or after) is drawn as a dash this
share of the clip wide: a line of one point is not drawn at all (a 0.2 s clip's chart looked empty)."""


def dash_rows(row: dict) -> list[dict]:
    """Rows that draw each lone score of :func:`chart_rows` as a short flat dash, within a quarter
    of the time between frames read, so that it never reaches a neighbouring frame (its ends to
    the millisecond: a tooltip gave nine decimals)."""
    times = [frame["t"] for frame in row["frames"]]
    steps = [b - a for a, b in zip(times, times[1:])]
    half = min([DASH * max(row["duration"], times[-1]) / 2] + [step / 4 for step in steps])
    points = chart_rows(row)
    judged = {(p["face"], p["time (s)"]) for p in points}
    rows = []
    for point in points:
        at = times.index(point["time (s)"])
        neighbours = [times[i] for i in (at - 1, at + 1) if 0 <= i < len(times)]
        if not any((point["face"], t) in judged for t in neighbours):
            t = point["time (s)"]
            rows += [{**point, "time (s)": round(max(0.0, t - half), 3)}, {**point, "time (s)": round(t + half, 3)}]
    return rows


def band_guides(row: dict, calibration: Calibration) -> list[dict]:
    """The unsure band's edges as chart rows of two flat lines across the clip (named in the
    chart's data: '"fake" from 97.1%', '"real" up to 19.2%'; one line where there is no band), so
    a face's line reads against the answers it leads to."""
    low, high = calibration.unsure_low, calibration.unsure_high
    if low == high:
        edges = {f'"fake" from {high:.1%}, "real" below': high}
    else:
        edges = {f'"fake" from {high:.1%}': high, **({f'"real" up to {low:.1%}': low} if low > 0 else {})}
    end = max([row["duration"]] + [frame["t"] for frame in row["frames"]])
    return [{"time (s)": t, "fake probability": round(edge, 3), "face": name}  # as a face's, for its tooltip
            for name, edge in edges.items() for t in (0.0, end)]


def timeline_caption(row: dict, calibration: Calibration) -> str:
    """What the timeline shows, in words, for those who cannot see the chart: each face's verdict
    over the clip and its lowest and highest frame, and where the grey lines lie (a face judged in
    one frame only is a single point the chart draws only when pointed at: its score is told)."""
    low, high = calibration.unsure_low, calibration.unsure_high
    places = max([1] + [decimals_apart(track["confidences"]["fake"], (low, high)) for track in row["faces"]
                        if track["label"] == UNSURE and not track["caution"]])  # at least one decimal
    faces = "; ".join(_face_over_time(row, track, places, calibration) for track in row["faces"])
    if low == high:
        guides = f'A grey line marks where "fake" starts ({high:.{places}%}); "real" below it'
    else:
        real = (f' and "real" ends ({low:.{places}%}); "unsure" between them' if low > 0
                else '; "unsure" below it')
        guides = f'Grey lines mark where "fake" starts ({high:.{places}%}){real}'
    return f"Fake probability per frame read: {faces}. {guides}."


def _face_over_time(row: dict, track: dict, places: int, calibration: Calibration) -> str:
    """"face 1, real (fake 8%), from 8 frames (0.2 s to 3.8 s), fake 5% to 11%"; "face 2, real (fake
    8%) in its one frame judged (at 0.2 s)"; "face 3, unsure: too small" (its scores are not used);
    an "unsure" face's fake share to ``places`` decimals, as the band's edges are written, another's
    with those that tell it from an edge it rounds to (:func:`deforgify.explain.words.shown_places`:
    "real (fake 20%)" beside "real" ending at 19.6%). ("fake 100% over 8 frames" read as a
    probability over the frames.)"""
    fake = track["confidences"]["fake"]
    shown = places if track["label"] == UNSURE else shown_places(fake, calibration)
    name = f"face {track['track'] + 1}, {caption(track['label'], track['confidences'], track['caution'], shown)}"
    scores = _judged_scores(row, track)
    if not scores:
        return name
    if len(scores) == 1:
        return f"{name} in its one frame judged (at {track['peak_t']:.1f} s)"
    lowest, highest = share_text(min(scores), shown), share_text(max(scores), shown)
    spread = f"fake {lowest} in each" if lowest == highest else f"fake {lowest} to {highest}"
    return f"{name}, from {len(scores)} frames ({_when(row, track)}), {spread}"


def _deciding_frame(row: dict) -> dict:
    """The timeline's entry of the deciding frame."""
    return min(row["frames"], key=lambda f: abs(f["t"] - row["deciding_frame"]["t"]))


def deciding_frame_numbers(row: dict) -> Optional[list[int]]:
    """The deciding frame's faces' numbers, to caption them with (see
    :func:`deforgify.explain.words.captions`): their face tracks', as the words and the timeline name
    them (None for a clip of one face: nothing to tell apart)."""
    if len(row["faces"]) < 2:
        return None
    return [face["track"] + 1 for face in _deciding_frame(row)["faces"]]


def deciding_frame_prediction(row: dict, scale: float = 1.0) -> Prediction:
    """The deciding frame's faces as a photo's prediction, to draw with
    :func:`deforgify.explain.drawing.draw_faces` on the frame as read (``scale``: its ``Frame.scale``; a
    frame larger than WORKING_MAX_SIDE is read reduced, while the row's boxes are in the video's
    own pixels); the deciding track's face is the deciding box. Each face carries its track's
    verdict over the clip, not that frame's own score: the frame where a face looked most fake
    would otherwise read "fake 100%" under an "unsure" answer (the timeline has the frames' scores)."""
    deciding, frame = row["deciding_frame"], _deciding_frame(row)
    tracks = {track["track"]: track for track in row["faces"]}

    def drawn(box: list[int]) -> Box:
        x, y, width, height = (round(v * scale) for v in box)
        return x, y, width, height

    def verdict(face: dict) -> FaceScore:
        track, box = tracks[face["track"]], drawn(face["box"])
        return FaceScore(box, box, track["confidences"], track["label"], caution=track["caution"])

    scores = [verdict(face) for face in frame["faces"]]
    face = drawn(deciding["box"])
    decisive = next(s for s in scores if s.face == face)
    return Prediction(decisive.label, decisive.confidences, face, face, scores)


def describe_deciding_frame(row: dict, calibration: Optional[Calibration] = None) -> str:
    """Alt text for the deciding frame as drawn (its faces numbered by :func:`deciding_frame_numbers`)."""
    return describe_faces(deciding_frame_prediction(row), numbers=deciding_frame_numbers(row), picture="video frame",
                          calibration=calibration)
