"""A video judged: frames sampled and cut into face crops (no model needed: can run in a worker
process), then one batched model call for every crop, faces followed as tracks, each track
scored from its frames, and the verdict given by the most suspicious track."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from deforgify.decode.images import URL
from deforgify.detector import Detector
from deforgify.faces.crops import detected_face_crops, seen_through
from deforgify.faces.finding import Box
from deforgify.faces.preprocess import PreprocessConfig, Preprocessed
from deforgify.faces.unjudged import face_label, unjudged
from deforgify.model.calibration import UNSURE
from deforgify.model.folder import ModelConfig
from deforgify.refusals import TIME_LIMIT
from deforgify.video.combine import judge_track
from deforgify.video.frames import Info, InvalidVideoError, Limits, Reading, Sampling, open_video, sampled_frames
from deforgify.video.timeline import FrameFace, FrameResult, Timings, Track, VideoResult
from deforgify.video.tracks import Tracker, signature

TRACK_MIN_SCORE = 0.78
"""A face track takes part in the verdict when the face detector was this sure of it in at least
one frame, or when it is seen in at least 60 % of the sampled frames (TRACK_MIN_SHARE); other
tracks are glimpses, left out (counted in ``sampling.glimpses_dropped``). Measured on face-free
clips made from scikit-image photos (coffee, cat, rocket, text, coins, Hubble deep field, colour
wheel; 40 frames each): false faces appear in 1 to 9 frames, scored 0.60-0.67 and once 0.706
(the colour wheel, a false face in 40 of 40 frames as in its photo, is the one kept); faces in
FaceForensics++ and DFDC frames score 0.82 (median), 71 % of frames at 0.75 or more. Without
this, a face-free clip got a verdict from a false face seen in a single frame. When faces were
found both ways (on each frame and its mirror image), a coin scored up to 0.759 and was seen in
24 of 42 frames: hence 0.78 and 60 %, kept now that each frame is searched once, the canonical
way round (the face-free clips of the tests still get no face). Not for an animated picture
judged frame by frame: a fake face shown in one of its three frames (detector score 0.68; 13 % of
240 fake faces of four sources score 0.60-0.76) was dropped, and the GIF said "no face in any"
of a face answered "fake" 99 % as a photo."""
TRACK_MIN_SHARE = 0.6
CLOSER_LOOK_GIVE_UP = 4
"""A frame without a face is searched again closer, as a photo is (small faces in a wide shot:
under about 7.5 % of the frame's longer side the first search misses them), until this many
frames in a row show no face even so; from then on, frames get the first search only, but for
one in :data:`CLOSER_LOOK_AGAIN`. So a face-free clip pays for four closer looks (about 0.2 s each
for a 1080p frame) and one in ten frames after, not one per frame. Frames with a face are
searched closer beside it too, as a photo is, until this many in a row show no second face: a
visitor's 49 px StyleGAN2 face beside a 200 px real one was never found, and the clip called
"real" (found so: "fake 97.4%"). ``benchmarks/video_speed.py`` (one face, 40 frames), median of 3
in one session: 1.13 -> 1.23 s a clip (1.09x), 49.4 -> 45.4 frames/s in process; searching every
frame so took 1.92 s (1.75x)."""
CLOSER_LOOK_AGAIN = 10
"""Every this many frames the closer look is taken again, whatever the frames before showed: a
small face that came into a clip later, beside a lone face or into a wide shot without one, was
never found (a second person walking in). One frame read in ten (every 5 s at the default 2 a
second in a clip up to 32 s; a longer clip is read in 64 frames at most, spread over it, so a
tenth of its length apart, and six looks again at most), and a face that comes is found within
that; when it finds one, looking closer goes on. ``benchmarks/video_closer_look.py``,
median of 3 in one session, 10 s 1080p clips read in 20 frames (one look again): a face-free scene
1.09 -> 1.31 s (1.20x), a 180 px face 1.14 -> 1.29 s (1.13x); ``benchmarks/video_speed.py`` 1.27 ->
1.32 s (1.04x)."""


@dataclass
class SampledVideo:
    """A video's sampled frames as face crops, ready for the model (no pixels of whole frames)."""

    info: Info
    sampling: Sampling
    times: list[float]
    crops: list[list[Preprocessed]]
    planned: int
    note: Optional[str] = None
    timings: Timings = field(default_factory=Timings)
    detection_scores: list[list[float]] = field(default_factory=list)
    """The face detector's score of each crop, frame by frame."""
    scale: float = 1.0
    """From the video's own pixels to the frames' as judged (reduced over WORKING_MAX_SIDE), as
    the first frame was: a clip whose frames change size across that limit mid-stream would have
    the later frames' boxes told at the first one's scale."""
    every_frame: bool = False
    """Whether every frame was planned (an animated picture of at most the cap): then each is a
    picture of its own, and no face in one of them is dropped as a glimpse."""


def sample_video(path: str | os.PathLike, config: PreprocessConfig, sampling: Sampling = Sampling(),
                 limits: Limits = Limits()) -> SampledVideo:
    """Open, check, sample and crop a video (raises :class:`InvalidVideoError` for bad input)."""
    if not isinstance(path, (str, os.PathLike)):  # pathlib's TypeError for bytes or a file object
        raise InvalidVideoError(f"a video is read from its file: give its path, not {type(path).__name__} "
                                "(write the bytes to a file first)")
    if isinstance(path, str) and URL.match(path):  # Path() would make it "https:/..." and say "no such file"
        raise InvalidVideoError(f"{path} is a URL: nothing is fetched; download the clip and give its path")
    started = time.monotonic()
    capture, info = open_video(Path(path), limits)
    reading = Reading(info, sampling)
    times, crops, scores, detect, misses, lone, scale = [], [], [], 0.0, 0, 0, None
    for index, frame in enumerate(sampled_frames(capture, reading, limits, started + limits.time_limit)):
        begun = time.perf_counter()
        scale = frame.scale if scale is None else scale  # the first frame's: a clip keeps its size
        again = index > 0 and index % CLOSER_LOOK_AGAIN == 0
        looking_closer = misses < CLOSER_LOOK_GIVE_UP or again
        looking_beside = looking_closer and (lone < CLOSER_LOOK_GIVE_UP or again)
        frame_crops, frame_scores = detected_face_crops(frame.rgb, config, closer_look=looking_closer,
                                                        beside_found=looking_beside)
        frame_crops = seen_through(frame_crops, frame.opacity)
        if looking_closer:
            misses = 0 if frame_crops else misses + 1
        if looking_beside:
            lone = 0 if len(frame_crops) > 1 else lone + 1
        crops.append(frame_crops)
        scores.append(frame_scores)
        detect += time.perf_counter() - begun
        times.append(frame.t)
    if not times:
        raise InvalidVideoError(f"no frame could be decoded ({reading.stopped or 'damaged file'})",
                                code=TIME_LIMIT if reading.out_of_time else None)
    assert scale is not None  # the first frame's
    return SampledVideo(info, sampling, times, crops, reading.planned, reading.stopped,
                        Timings(decode=reading.decode_seconds, detect=detect), scores, scale, reading.every_frame)


def judge_video(detector: Detector, video: SampledVideo) -> VideoResult:
    """Score every crop in one batched call, follow the faces, combine each track's frames."""
    begun = time.perf_counter()
    predictions = detector.judge(video.crops)
    tracker, assigned = Tracker(), []
    best_score: dict[int, float] = {}
    for index, (crops, prediction) in enumerate(zip(video.crops, predictions)):
        ids = tracker.assign(index, [_found(crop.face) for crop in crops], [signature(crop.pixels) for crop in crops])
        assigned.append(ids)
        for track, score in zip(ids, video.detection_scores[index] if video.detection_scores else []):
            best_score[track] = max(best_score.get(track, 0.0), score)
    seen_in = {track: sum(track in ids for ids in assigned) for track in {t for ids in assigned for t in ids}}
    kept = [track for track in sorted(seen_in) if video.every_frame  # each frame a picture, judged as a photo
            or best_score.get(track, 1.0) >= TRACK_MIN_SCORE or seen_in[track] >= TRACK_MIN_SHARE * len(assigned)]
    number = {track: new for new, track in enumerate(kept)}
    frames: list[FrameResult] = []
    per_track: dict[int, list[tuple[float, FrameFace]]] = {}
    for t, ids, prediction in zip(video.times, assigned, predictions):
        faces = [FrameFace(number[track], _found(score.face), score.label, score.confidences, score.caution,
                           score.turned)
                 for track, score in zip(ids, prediction.scores) if track in number]
        frames.append(FrameResult(t, faces, prediction.left_out, prediction.beyond_largest))
        for face in faces:
            per_track.setdefault(face.track, []).append((t, face))
    tracks = [track_verdict(detector.config, track, per_track[track]) for track in sorted(per_track)]
    timings = Timings(video.timings.decode, video.timings.detect, time.perf_counter() - begun)
    return VideoResult(video.info, video.sampling, frames, tracks, video.planned, video.note, timings=timings,
                       dropped=len(seen_in) - len(kept), scale=video.scale, every_frame=video.every_frame,
                       model=detector.facts)  # each result its own copy, as each photo's answer


def _found(face: Optional[Box]) -> Box:
    """A video's face box: its crops are all of faces found (none is a frame's centre)."""
    assert face is not None
    return face


def track_verdict(config: ModelConfig, track: int, seen: list[tuple[float, FrameFace]]) -> Track:
    """A track's verdict from the frames where its face is wide enough for the model to judge
    (``min_face_width``), in colour and not see-through, as a photo's face is; from all of them,
    as "unsure" with the reason, when it is never wide enough, or never judged where it is (the
    reason of most of those frames). Frames combine by :func:`deforgify.video.combine.judge_track`."""
    least = config.min_face_width
    wide = [(t, face) for t, face in seen if face.box[2] >= least] or seen
    # Frames without colour are cleared by the model (see deforgify.faces.colour), see-through ones judged
    # on a mix of face and white (deforgify.faces.transparency): left out while any frame is judged.
    clear = [(t, face) for t, face in wide if not face.caution]
    judged = clear or wide
    scored = judge_track([face.confidences["fake"] for _, face in judged], config.calibration)
    peak_t, peak = max(judged, key=lambda s: s[1].confidences["fake"])
    widest = max((face.box for _, face in seen), key=lambda box: box[2])
    label, caution = face_label(scored.label, widest, least)
    if caution is None and not clear:
        label, caution = UNSURE, _most_given([face.caution for _, face in wide if face.caution])
    return Track(track, label, {"real": 1.0 - scored.fake, "fake": scored.fake}, [t for t, _ in seen], peak_t,
                 peak.box, caution, sustained_run=scored.sustained_run and not caution,
                 fake_frames=0 if caution else scored.fake_frames)


def _most_given(cautions: list[str]) -> str:
    """The caution of the reason given most often among ``cautions``, in the words most of them
    give it (a see-through share differs from frame to frame: the first was said for all)."""
    most = Counter(map(unjudged, cautions)).most_common(1)[0][0]
    return Counter(caution for caution in cautions if unjudged(caution) is most).most_common(1)[0][0]


def score_video(detector: Detector, path: str | Path, sampling: Sampling = Sampling(),
                limits: Limits = Limits()) -> VideoResult:
    """The verdict and timeline of one video file (raises :class:`InvalidVideoError`)."""
    return judge_video(detector, sample_video(path, detector.config.preprocessing, sampling, limits))
