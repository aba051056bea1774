"""A video judged: frames sampled and cut into face crops (no model needed: can run in a worker
process), then one batched model call for every crop, faces followed as tracks, each track
scored from its frames, and the verdict given by the most suspicious track."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from deforgify.detector import Detector, face_crops
from deforgify.preprocess import PreprocessConfig, Preprocessed
from deforgify.video.combine import combine
from deforgify.video.frames import Info, InvalidVideoError, Limits, Reading, Sampling, open_video, sampled_frames
from deforgify.video.timeline import FrameFace, FrameResult, Timings, Track, VideoResult
from deforgify.video.tracks import Tracker, signature


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


def sample_video(path, config: PreprocessConfig, sampling: Sampling = Sampling(),
                 limits: Limits = Limits()) -> SampledVideo:
    """Open, check, sample and crop a video (raises :class:`InvalidVideoError` for bad input)."""
    started = time.monotonic()
    capture, info = open_video(Path(path), limits)
    reading = Reading(info, sampling)
    times, crops, detect = [], [], 0.0
    for frame in sampled_frames(capture, reading, limits, started + limits.time_limit):
        begun = time.perf_counter()
        crops.append(face_crops(frame.rgb, config))
        detect += time.perf_counter() - begun
        times.append(frame.t)
    if not times:
        raise InvalidVideoError(f"no frame could be decoded ({reading.stopped or 'damaged file'})")
    return SampledVideo(info, sampling, times, crops, reading.planned, reading.stopped,
                        Timings(decode=reading.decode_seconds, detect=detect))


def judge_video(detector: Detector, video: SampledVideo) -> VideoResult:
    """Score every crop in one batched call, follow the faces, combine each track's frames."""
    begun = time.perf_counter()
    predictions = detector.judge(video.crops)
    tracker, frames = Tracker(), []
    per_track: dict[int, list[tuple[float, FrameFace]]] = {}
    for index, (t, crops, prediction) in enumerate(zip(video.times, video.crops, predictions)):
        boxes = [crop.face for crop in crops]
        ids = tracker.assign(index, boxes, [signature(crop.pixels) for crop in crops])
        faces = [FrameFace(track, score.face, score.label, score.confidences)
                 for track, score in zip(ids, prediction.scores)]
        frames.append(FrameResult(t, faces))
        for face in faces:
            per_track.setdefault(face.track, []).append((t, face))
    calibration = detector.config.calibration
    tracks = []
    for number in sorted(per_track):
        seen = per_track[number]
        fake = combine([face.confidences["fake"] for _, face in seen])
        peak_t, peak = max(seen, key=lambda s: s[1].confidences["fake"])
        tracks.append(Track(number, calibration.label(fake), {"real": 1.0 - fake, "fake": fake},
                            [t for t, _ in seen], peak_t, peak.box))
    timings = Timings(video.timings.decode, video.timings.detect, time.perf_counter() - begun)
    return VideoResult(video.info, video.sampling, frames, tracks, video.planned, video.note, timings=timings)


def score_video(detector: Detector, path, sampling: Sampling = Sampling(),
                limits: Limits = Limits()) -> VideoResult:
    """The verdict and timeline of one video file (raises :class:`InvalidVideoError`)."""
    return judge_video(detector, sample_video(path, detector.config.preprocessing, sampling, limits))
