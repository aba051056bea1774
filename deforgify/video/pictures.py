"""Animated pictures (GIF, APNG, animated WebP and AVIF) read as clips, frame by frame, with Pillow.

FFmpeg as OpenCV bundles it reads an animated GIF, but an animated WebP as 0x0 pixels, an AVIF
sequence as its first frame and an APNG not at all; Pillow reads all four, with each frame's own
display time. :class:`AnimatedPicture` offers the part of ``cv2.VideoCapture`` that reading a
clip uses, so that a picture's frames are sampled, limited and timed as a video's are.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import time
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from PIL import Image

from deforgify.decode.images import shown_over_white
from deforgify.quiet import pillow_warnings_ignored

SHORTEST_FRAME_MS = 20
"""A frame said to be shown for less (often 0 in GIFs) is shown for DEFAULT_FRAME_MS, as browsers do."""
DEFAULT_FRAME_MS = 100


class StillPicture(ValueError):
    """The picture has one frame (or is a HEIF, whose other images are not frames)."""


class AnimatedPicture:
    """An animated picture's frames, through ``grab``, ``retrieve``, ``get``, ``set`` and
    ``release`` as ``cv2.VideoCapture`` has them (times in milliseconds, frames in BGR)."""

    def __init__(self, path: Path, deadline: Optional[float] = None) -> None:
        """Open ``path`` (its header only; raises :class:`StillPicture` for one frame); its
        frames' display times are read when first needed, by ``deadline`` (``time.monotonic()``)
        or TimeoutError."""
        with pillow_warnings_ignored():
            self.image = Image.open(path)
        self.frames = getattr(self.image, "n_frames", 1)
        """The frames its header declares (:attr:`starts` has those that can be read)."""
        if self.frames <= 1 or self.image.format == "HEIF":
            self.image.close()
            raise StillPicture(self.image.format)
        self.deadline = deadline
        self.index = -1
        self.opacity: Optional[np.ndarray] = None
        """The alpha channel of the frame last retrieved, None where it is opaque."""

    @functools.cached_property
    def starts(self) -> list[float]:
        """Each frame's start in seconds, and the end of the last."""
        return [ms / 1000 for ms in itertools.accumulate(self._durations(), initial=0)]

    @property
    def readable(self) -> int:
        """The frames that can be read (those :attr:`starts` begins)."""
        return len(self.starts) - 1

    def _durations(self) -> list[int]:
        """Each frame's display time in milliseconds (whole, so that they add up exactly); WebP
        and AVIF tell a frame's only once it is decoded (300 frames of 640x480 WebP: 3 s). A file
        cut short ends with its last frame that can be read."""
        decode = self.image.format in ("WEBP", "AVIF")
        shown: list[int] = []
        for frame in range(self.frames):
            if self.deadline is not None and time.monotonic() > self.deadline:
                raise TimeoutError(f"reading the display times of its {self.frames} frames")
            try:
                with pillow_warnings_ignored():
                    self.image.seek(frame)
                    if decode:
                        self.image.load()
            except (OSError, EOFError, ValueError):
                if not shown:
                    raise
                break
            milliseconds = int(self.image.info.get("duration") or 0)
            shown.append(milliseconds if milliseconds >= SHORTEST_FRAME_MS else DEFAULT_FRAME_MS)
        return shown

    def every_frame(self, cap: int) -> bool:
        """Whether every frame is judged: where there are at most ``cap`` (a visitor's GIF held a
        fake face for 0.2 s of its 1 s, between two samples that each fell on a real one: "frame
        by frame" should mean it)."""
        return self.readable <= cap

    def sampled(self, times: list[float], cap: int) -> list[float]:
        """The starts of the frames to judge: every frame (:meth:`every_frame`), else the frames
        on screen at ``times``."""
        return self.starts[: self.readable] if self.every_frame(cap) else self.shown_at(times)

    def shown_at(self, times: list[float]) -> list[float]:
        """The start of each frame on screen at one of ``times`` (seconds), each once, in order:
        a frame held longer than the times' spacing is one sample, not several."""
        last = self.readable - 1
        shown = {min(bisect.bisect_right(self.starts, t) - 1, last) for t in times}
        return [self.starts[index] for index in sorted(shown) if index >= 0]

    def grab(self) -> bool:
        if self.index + 1 >= self.readable:
            return False
        try:
            with pillow_warnings_ignored():
                self.image.seek(self.index + 1)
        except (OSError, EOFError, ValueError):
            return False
        self.index += 1
        return True

    def retrieve(self) -> tuple[bool, Optional[np.ndarray]]:
        """The grabbed frame in BGR, shown over white where it is see-through (its alpha channel
        then in :attr:`opacity`)."""
        try:
            with pillow_warnings_ignored():
                rgb, self.opacity = shown_over_white(self.image)
        except (OSError, ValueError):
            return False, None
        return True, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)

    def read(self) -> tuple[bool, Optional[np.ndarray]]:
        return self.retrieve() if self.grab() else (False, None)

    def get(self, prop: int) -> float:
        """The clip's size, frame rate, frame count and orientation (none), and the grabbed
        frame's time; 0 for anything else."""
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            return self.image.width
        if prop == cv2.CAP_PROP_FRAME_HEIGHT:
            return self.image.height
        if prop == cv2.CAP_PROP_FRAME_COUNT:
            return self.readable
        if prop == cv2.CAP_PROP_FPS:
            return self.readable / self.starts[-1]
        if prop == cv2.CAP_PROP_POS_MSEC:
            return self.starts[max(self.index, 0)] * 1000
        return 0.0

    def set(self, prop: int, value: float) -> bool:
        """Seeking by time, as FFmpeg seeks: the next frame grabbed is the first to start at or
        after ``value`` milliseconds."""
        if prop != cv2.CAP_PROP_POS_MSEC:
            return False
        self.index = bisect.bisect_left(self.starts[:-1], value / 1000) - 1
        return True

    def release(self) -> None:
        self.image.close()
