"""Following faces from one sampled frame to the next, as tracks.

Greedy matching, nearest first: a face continues a track when its centre moved less than
:data:`MAX_SHIFT` face widths since the track's last box, its size changed less than
:data:`MAX_SIZE_RATIO` times, and it looks like the same face (the colour histogram of its crop is
within :data:`MAX_APPEARANCE_DISTANCE` of the track's last one). The appearance check splits a
track at a cut from one face to another in the same place (a clip that shows a real face, then a
fake one, gives two tracks, each judged on its own). A track not seen for more than
:data:`MAX_MISSED` sampled frames ends. A face that continues no track from where it was takes
up a track not seen in this frame (ended, or missed), anywhere in the frame, when it looks like it
within :data:`MAX_RETURN_DISTANCE` (a person who turned away or left the shot and came back
elsewhere is one face, not two).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, cast

import cv2
import numpy as np

from deforgify.faces.finding import Box

MAX_SHIFT = 1.0
"""Largest move of a face's centre between two sampled frames, in widths of the face."""
MAX_SIZE_RATIO = 1.6
MAX_APPEARANCE_DISTANCE = 0.4
"""Bhattacharyya distance between hue-saturation histograms of two crops above which they are
taken for different faces. Measured on FaceForensics++ crops (``benchmarks/video_tracks.py``, 3000
pairs each): two frames of one video are at 0.10 (median; 99th percentile 0.30, none above 0.4),
frames of two different people at 0.65 (median; 95 % above 0.40)."""
MAX_MISSED = 2
MAX_RETURN_DISTANCE = 0.25
"""Appearance distance within which a face that continues no track from where it was takes up
one not seen in its frame. Stricter than :data:`MAX_APPEARANCE_DISTANCE`, as nothing else (place,
size) vouches for the match: on FaceForensics++ crops (``benchmarks/video_tracks.py``) it joins 97 %
of pairs of frames of one video and none of 3,000 pairs of two people."""


def signature(pixels: np.ndarray) -> np.ndarray:
    """A face crop's appearance: its normalised hue-saturation histogram (crop as float RGB in
    [0, 1], the model input)."""
    hsv = cv2.cvtColor((np.clip(pixels, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
    histogram = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    # dst None (a new array) is what OpenCV takes, and its stubs do not say.
    return cv2.normalize(histogram, None, 1.0, 0.0, cv2.NORM_L1).astype(np.float32)  # type: ignore[call-overload]


def appearance_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA))


@dataclass(eq=False)  # a track is itself: compared by identity
class _Open:
    id: int
    box: Box
    look: np.ndarray
    last_frame: int


@dataclass
class Tracker:
    """Give each face of each frame, in frame order, the id of its track (0, 1, ...)."""

    _open: list[_Open] = field(default_factory=list)
    _ended: list[_Open] = field(default_factory=list)
    _next: int = 0

    def assign(self, frame: int, boxes: Sequence[Box], looks: Sequence[np.ndarray]) -> list[int]:
        gone = [t for t in self._open if frame - t.last_frame > MAX_MISSED + 1]
        self._open = [t for t in self._open if t not in gone]
        self._ended += gone
        pairs = []
        for i, (box, look) in enumerate(zip(boxes, looks)):
            for track in self._open:
                cost = _cost(track, box, look)
                if cost is not None:
                    pairs.append((cost, i, track))
        ids: list[Optional[int]] = [None] * len(boxes)
        taken = set()
        for cost, i, track in sorted(pairs, key=lambda p: p[0]):
            if ids[i] is None and track.id not in taken:
                ids[i] = track.id
                taken.add(track.id)
                track.box, track.look, track.last_frame = boxes[i], looks[i], frame
        self._take_up_unseen(frame, boxes, looks, ids)
        for i, box in enumerate(boxes):
            if ids[i] is None:
                ids[i] = self._next
                self._open.append(_Open(self._next, box, looks[i], frame))
                self._next += 1
        return cast(list[int], ids)  # every None was replaced just above

    def _take_up_unseen(self, frame: int, boxes: Sequence[Box], looks: Sequence[np.ndarray],
                        ids: list[Optional[int]]) -> None:
        """Give faces left without a track the track unseen in this frame (ended, or open and
        missed) each looks like, nearest first: a face back elsewhere is the face it was."""
        unseen = self._ended + [track for track in self._open if track.last_frame < frame]
        pairs = sorted(((appearance_distance(track.look, looks[i]), i, track)
                        for i in range(len(boxes)) if ids[i] is None for track in unseen),
                       key=lambda pair: pair[:2])
        for distance, i, track in pairs:
            if distance <= MAX_RETURN_DISTANCE and ids[i] is None and track.last_frame < frame:
                ids[i] = track.id
                track.box, track.look, track.last_frame = boxes[i], looks[i], frame
                if track in self._ended:
                    self._ended.remove(track)
                    self._open.append(track)


def _cost(track: _Open, box: Box, look: np.ndarray) -> Optional[float]:
    x, y, w, h = box
    tx, ty, tw, th = track.box
    width = max(w, tw, 1)
    shift = np.hypot((x + w / 2) - (tx + tw / 2), (y + h / 2) - (ty + th / 2)) / width
    ratio = max(w, tw) / max(min(w, tw), 1)
    if shift > MAX_SHIFT or ratio > MAX_SIZE_RATIO:
        return None
    distance = appearance_distance(track.look, look)
    if distance > MAX_APPEARANCE_DISTANCE:
        return None
    return shift + distance
