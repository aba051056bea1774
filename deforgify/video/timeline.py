"""A video's result: its face tracks, its verdict (the most suspicious track's) and the timeline of
sampled frames, as the JSON row every output shares (see docs/videos.md, "Video rows")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from deforgify.faces.finding import Box
from deforgify.faces.unjudged import caution_in_photo
from deforgify.model.calibration import NO_FACE, UNSURE
from deforgify.prediction import deciding, fresh, in_photo
from deforgify.provenance import NO_PROVENANCE, Provenance, apply_to_row
from deforgify.video.combine import COMBINE_RULE
from deforgify.video.frames import Info, Sampling


@dataclass(frozen=True)
class FrameFace:
    track: int
    box: Box
    label: str
    confidences: dict[str, float]
    caution: Optional[str] = None
    """Why this face is "unsure" in this frame whatever its confidences (too small to judge,
    partly transparent, or without colour)."""
    turned: int = 0
    """Degrees it was turned clockwise to stand upright before it was judged (as a photo's face)."""

    def to_json(self, scale: float = 1.0) -> dict:
        """As data, the box in the video's own pixels (``scale``: see :attr:`VideoResult.scale`)."""
        return {"track": self.track, "box": in_photo(self.box, scale), "label": self.label,
                "confidences": self.confidences, "caution": caution_in_photo(self.caution, scale, "frame"),
                "turned": self.turned}


@dataclass(frozen=True)
class FrameResult:
    t: float
    faces: list[FrameFace]
    """Every face scored in this frame, largest first."""
    left_out: int = 0
    """Faces found in this frame and not judged: under 40 px and narrower than a third of its
    largest, or beyond its 32 largest (as a photo's; told in the video's words, so that none is
    left out silently)."""
    beyond_largest: int = 0
    """Of ``left_out``, the faces as worth judging as those judged, beyond its 32 largest: they
    keep the clip from "real" (:attr:`VideoResult.label`), as a photo's do."""

    @property
    def decisive(self) -> Optional[FrameFace]:
        return deciding(self.faces, lambda f: f.box[2])

    def to_json(self, scale: float = 1.0) -> dict:
        decisive = self.decisive
        return {"t": round(self.t, 3), "label": decisive.label if decisive else NO_FACE,
                "confidences": decisive.confidences if decisive else None,
                "faces": [face.to_json(scale) for face in self.faces], "left_out": self.left_out,
                "beyond_largest": self.beyond_largest}


@dataclass(frozen=True)
class Track:
    """One face followed across frames, scored from all of them."""

    id: int
    label: str
    confidences: dict[str, float]
    """The track's fake probability (its frames' combined by :mod:`.combine`) and its complement."""
    times: list[float]
    """When it was seen (the sampled frames it is in)."""
    peak_t: float
    """The frame where it looked most fake."""
    peak_box: Box
    caution: Optional[str] = None
    """Why this face is "unsure" whatever its confidences (too small to judge in every frame, or
    without colour or partly transparent in every frame wide enough: the reason most give)."""
    sustained_run: bool = False
    """Whether a run of frames that all looked fake gave its score rather than the median of its
    frames (see :func:`deforgify.video.combine.combine`)."""
    fake_frames: int = 0
    """Judged frames that reached the fake edge: with any, the track is never "real"
    (:func:`deforgify.video.combine.judge_track`)."""

    def to_json(self, scale: float = 1.0) -> dict:
        """As data, the box in the video's own pixels (``scale``: see :attr:`VideoResult.scale`)."""
        return {"track": self.id, "box": in_photo(self.peak_box, scale), "label": self.label,
                "confidences": self.confidences, "frames": len(self.times),
                "start": round(self.times[0], 3), "end": round(self.times[-1], 3),
                "peak_t": round(self.peak_t, 3), "caution": caution_in_photo(self.caution, scale, "frame"),
                "sustained_run": self.sustained_run, "fake_frames": self.fake_frames}


@dataclass
class Timings:
    """Seconds spent per stage on one video (for the speed benchmark)."""

    decode: float = 0.0
    detect: float = 0.0
    score: float = 0.0


@dataclass
class VideoResult:
    info: Info
    sampling: Sampling
    frames: list[FrameResult]
    tracks: list[Track]
    planned: int
    """Frames the sampling planned; fewer were read when ``note`` says why."""
    note: Optional[str] = None
    provenance: Provenance = NO_PROVENANCE
    timings: Timings = field(default_factory=Timings)
    dropped: int = 0
    """Faces glimpsed too briefly and too faintly to be a face (see ``judge.TRACK_MIN_SCORE``):
    left out of the tracks, the timeline and the verdict."""
    scale: float = 1.0
    """From the video's own pixels to the frames' as judged: 1.0 unless its frames were reduced
    (longer side over WORKING_MAX_SIDE). Boxes are found in the frames judged and told in the
    video's own pixels."""
    every_frame: bool = False
    """Whether every frame was planned (an animated picture of at most ``sampling.cap`` frames;
    ``note`` says why fewer were read): ``sampling.rate`` then played no part."""
    model: Optional[dict[str, Any]] = None
    """The model that answered (:attr:`Detector.facts`: ``revision`` names it); set by
    :func:`deforgify.video.judge.judge_video`."""

    @property
    def deciding(self) -> Optional[Track]:
        """The most suspicious track: it decides the video's verdict; a track too small to judge
        only when no track could be judged, one without colour or seen through when all those
        judged are "real" (as a photo's face: :func:`deforgify.prediction.deciding`)."""
        return deciding(self.tracks, lambda t: t.peak_box[2])

    @property
    def label(self) -> str:
        """The deciding track's label; "unsure" for a "real" one while faces were left out of
        some frame beyond its largest (never followed, nor judged: a fake among them unseen)."""
        deciding = self.deciding
        if deciding is None:
            return NO_FACE
        crowded = any(frame.beyond_largest for frame in self.frames)
        return UNSURE if crowded and deciding.label == "real" else deciding.label

    @property
    def confidences(self) -> Optional[dict[str, float]]:
        deciding = self.deciding
        return deciding.confidences if deciding else None

    def to_json(self) -> dict[str, Any]:
        deciding = self.deciding
        row: dict[str, Any] = {
            "kind": "video",
            "label": self.label,
            "confidences": self.confidences,
            "face_found": deciding is not None,
            "face": in_photo(deciding.peak_box, self.scale) if deciding else None,
            "faces": [track.to_json(self.scale) for track in self.tracks],
        }
        row = apply_to_row(row, self.provenance)
        row.update({
            "duration": round(self.info.duration, 3),
            "width": self.info.width, "height": self.info.height, "rotation": self.info.rotation,
            "deciding_frame": {"t": round(deciding.peak_t, 3), "track": deciding.id,
                               "box": in_photo(deciding.peak_box, self.scale)} if deciding else None,
            "frames": [frame.to_json(self.scale) for frame in self.frames],
            "sampling": {"rate": self.sampling.rate, "cap": self.sampling.cap, "every_frame": self.every_frame,
                         "planned": self.planned, "read": len(self.frames),
                         "combine": COMBINE_RULE, "glimpses_dropped": self.dropped},
            "complete": self.note is None,
            "note": self.note,
        })
        return fresh(row if self.model is None else {**row, "model": self.model})
