"""Reading a clip: checks before decoding, then the sampled frames streamed one at a time.

Decoding is OpenCV's (its wheels bundle FFmpeg: MP4/H.264, MPEG-4, WebM/VP8/VP9, MOV, MKV, AVI
read here; PyAV was as fast but would add a second copy of FFmpeg to the Space, see docs/videos.md).
Only the frame being read is held: a long clip costs no more memory than a short one. Frames
are taken at evenly spread times over the whole clip (``rate`` a second, at most ``cap``), each
the first frame shown at or after its time (by the frame's own timestamp, so a variable frame
rate is followed); a far target is reached by seeking, a near one by reading on. Rotation
metadata is applied by OpenCV (``CAP_PROP_ORIENTATION_AUTO``), so frames come upright. An
animated picture (GIF, APNG, WebP, AVIF) is read by Pillow instead (:mod:`deforgify.video.pictures`).
"""

from __future__ import annotations

import math
import numbers
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, TypeGuard, Union

import numpy as np

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's own complaints: our messages say it
import cv2  # noqa: E402

from deforgify.decode.formats import image_format, media_container
from deforgify.decode.images import MIN_SIDE, WORKING_MAX_SIDE, regular_file_size
from deforgify.refusals import PICTURE_NOT_VIDEO, TIME_LIMIT, Coded
from deforgify.video.pictures import AnimatedPicture, StillPicture

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".mpg", ".mpeg",
                            ".3gp", ".ogv", ".wmv", ".flv", ".ts"})
"""Files taken as videos by their name (anything else is read as a photo)."""
AUDIO_SUFFIXES = frozenset({".m4a", ".mp3", ".wav", ".aac", ".ogg", ".oga", ".opus", ".flac"})
"""Audio files go to the video reader too, to be told plainly that they hold no video."""
DEFAULT_RATE = 2.0
"""Frames sampled per second of video by default."""
DEFAULT_CAP = 64
"""At most this many frames of one video are sampled by default (then spread over the clip)."""
FEWEST_SAMPLES = 4
"""A clip too short for this many samples at its rate gets them anyway (``cap`` allowing): at 2
a second, a 0.4 s animated picture of two frames got one sample, on its second frame, and its
first was never looked at (a visitor's find)."""
SEEK_AFTER = 4.0
"""A sample further than this many seconds ahead is reached by seeking; nearer ones by reading
on (seeking lands on the key frame before and decodes forward, which costs more than a short
read)."""
MAX_FRAME_PIXELS = 40_000_000
"""Videos with larger frames are refused before decoding (8K is 33 MP)."""


class InvalidVideoError(Coded, ValueError):
    """The file cannot be read as a video we can judge; the message is meant for the user, the
    ``code`` for programs."""


@dataclass(frozen=True)
class Sampling:
    """How many frames are taken: ``rate`` a second, at most ``cap`` in all."""

    rate: float = DEFAULT_RATE
    cap: int = DEFAULT_CAP

    def __post_init__(self) -> None:
        numeric = (isinstance(self.rate, numbers.Real) and isinstance(self.cap, numbers.Integral)
                   and not isinstance(self.rate, bool) and not isinstance(self.cap, bool))
        if not numeric:  # Sampling(rate="2") failed later, inside a comparison, as a TypeError
            raise TypeError(f"sampling takes a number of frames a second and a whole number of frames "
                            f"(got rate={self.rate!r}, cap={self.cap!r})")
        if not (self.rate > 0 and math.isfinite(self.rate)) or self.cap < 1:
            raise ValueError(f"sampling needs a positive rate and cap (got {self.rate}, {self.cap})")

    def times(self, duration: float) -> list[float]:
        """Sample times in seconds: the middles of ``n`` equal slices of the clip (at least
        FEWEST_SAMPLES, unless the cap is lower: the cap always wins)."""
        count = max(min(FEWEST_SAMPLES, self.cap), min(self.cap, int(math.floor(duration * self.rate))))
        return [(i + 0.5) * duration / count for i in range(count)]


@dataclass(frozen=True)
class Limits:
    """What a clip may be; past any of them the file gets a clear error (or, for the time bound,
    the frames read so far)."""

    max_seconds: float = 3 * 3600.0
    """Longest clip accepted (duration from its header)."""
    max_bytes: int = 20_000_000_000
    time_limit: float = 120.0
    """Seconds of decoding after which a file's sampling stops: the frames read so far are
    judged and the result says it is incomplete (none read: an error)."""

    def __post_init__(self) -> None:
        for name in ("max_seconds", "max_bytes", "time_limit"):  # Limits(max_seconds="60") failed in a comparison
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) > 0:
                raise ValueError(f"limits take positive numbers: {name}={value!r}")


@dataclass(frozen=True)
class VideoSettings:
    """How videos are sampled and what they may be: one value to hand to a worker process."""

    sampling: Sampling = Sampling()
    limits: Limits = Limits()


@dataclass(frozen=True)
class Info:
    width: int
    height: int
    fps: float
    frame_count: int
    duration: float
    """Seconds, from the header (frame count over average frame rate)."""
    rotation: int
    """Degrees of rotation metadata, already applied to the frames."""


@dataclass(frozen=True)
class Frame:
    t: float
    """Seconds from the start: the frame's own timestamp."""
    rgb: np.ndarray
    scale: float = 1.0
    """The frame's pixels per pixel of the video: under 1 for a frame reduced to WORKING_MAX_SIDE."""
    opacity: Optional[np.ndarray] = None
    """An animated picture's see-through frame: its alpha channel in ``rgb``'s pixels (see
    :attr:`deforgify.decode.images.Decoded.opacity`); None for an opaque one, and a video's."""


@dataclass
class Reading:
    """What reading a clip found besides its frames (filled in as the frames are taken)."""

    info: Info
    sampling: Sampling
    planned: int = 0
    stopped: Optional[str] = None
    """Why fewer frames than planned were read (the file ends early, the time bound), or None."""
    out_of_time: bool = False
    """Whether the time bound stopped it (then no frame read is the server's fault, not the file's)."""
    every_frame: bool = False
    """Whether every frame is planned (an animated picture of at most the cap: each frame a picture)."""
    decode_seconds: float = 0.0


def is_video(source: object) -> TypeGuard[Union[str, os.PathLike]]:
    """Whether ``source`` is a path that names a video (or audio) file by its suffix."""
    return (isinstance(source, (str, os.PathLike))
            and Path(source).suffix.lower() in VIDEO_SUFFIXES | AUDIO_SUFFIXES)


def check_file(path: Path, limits: Limits) -> bytes:
    """Refuse what is not a regular, non-empty file within the size limit, or is text; return its
    first bytes, which announce its container or picture format."""
    size = regular_file_size(path, InvalidVideoError, "a video")
    if size == 0:
        raise InvalidVideoError("the file is empty")
    if size > limits.max_bytes:
        raise InvalidVideoError(f"video too large: {_size(size)} (limit {_size(limits.max_bytes)})")
    with open(path, "rb") as file:
        head = file.read(512)
    if _looks_like_text(head):
        raise InvalidVideoError("not a video file (it is text)")
    return head


Capture = Union[cv2.VideoCapture, AnimatedPicture]
ANIMATABLE = ("GIF", "PNG", "WebP", "AVIF", "AVIF sequence")
"""Picture formats that may hold an animation, read by Pillow as a clip (any other is a still)."""


def _capture(path: Path, head: bytes, deadline: Optional[float] = None) -> Capture:
    """The frames of ``path``: an animated picture's by Pillow (its frames' times read by
    ``deadline``), anything else's by FFmpeg."""
    picture = image_format(head)
    if picture is None or picture == "HEIF sequence":  # FFmpeg plays a HEIF sequence; Pillow reads its first image
        return _ffmpeg_capture(path, media_container(head))
    if picture not in ANIMATABLE:  # a multi-page TIFF or a stereo MPO is no clip
        raise _still(picture)
    try:
        return AnimatedPicture(path, deadline)
    except StillPicture:
        raise _still(picture) from None
    except Exception as error:  # noqa: BLE001  Pillow's parsers raise many kinds on bad files
        raise InvalidVideoError(f"the {picture} picture's frames cannot be read (damaged file: {error})") from None


class StillPictureError(InvalidVideoError):
    """The file sent as a video is a still picture (named like a video, say): a photo to check."""


def _still(picture: str) -> StillPictureError:
    article = "an" if picture[0] in "AEIOU" else "a"
    return StillPictureError(f"not a video file: it is {article} {picture} picture (check it as a photo)",
                             code=PICTURE_NOT_VIDEO)


def _ffmpeg_capture(path: Path, kind: Optional[str]) -> cv2.VideoCapture:
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # a failed open warns too
    try:
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 15_000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 15_000])
    finally:
        cv2.utils.logging.setLogLevel(level)
    if not capture.isOpened():
        raise InvalidVideoError(_why_unopened(path, kind))
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # the default; said so that it stays so
    return capture


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t\f" for c in text[:-4])


MP4_HEADER_LIMIT = 64_000_000
"""An MP4's movie header larger than this is not read for :func:`_mp4_tracks` (headers of long
clips are a few MB)."""


def _mp4_tracks(path: Path) -> Optional[set[str]]:
    """The kinds of the tracks an MP4/MOV file declares ("vide", "soun", ...), read from its movie
    header only when the file cannot be opened, to say why; None when it has no whole header."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        at = 0
        while at + 8 <= size:
            file.seek(at)
            length, kind = struct.unpack(">I4s", file.read(8))
            if length == 1:  # a 64-bit size follows, if the file goes on so far
                wide = file.read(8)
                length = struct.unpack(">Q", wide)[0] if len(wide) == 8 else 0
            elif length == 0:  # the box runs to the end of the file
                length = size - at
            if length < 8 or at + length > size:
                return None
            if kind == b"moov":
                return set(_handlers(file.read(length - 8))) if length <= MP4_HEADER_LIMIT else None
            at += length
    return None


def _handlers(boxes: bytes) -> Iterator[str]:
    """The handler type of every track in a movie header's boxes (trak > mdia > hdlr)."""
    at = 0
    while at + 8 <= len(boxes):
        length, kind = struct.unpack(">I4s", boxes[at : at + 8])
        if length < 8:
            return
        body = boxes[at + 8 : at + length]
        if kind in (b"trak", b"mdia"):
            yield from _handlers(body)
        elif kind == b"hdlr" and len(body) >= 12:
            yield body[8:12].decode("latin-1")
        at += length


def _why_unopened(path: Path, kind: Optional[str]) -> str:
    """Why FFmpeg cannot open ``path``, whose first bytes announce the container ``kind``: an
    MP4/MOV's movie header is read (once) to tell audio alone from a file cut short."""
    tracks = _mp4_tracks(path) if kind == "MP4/MOV" else set()
    if kind == "audio" or tracks == {"soun"}:
        return "audio only: the file has no video stream"
    if tracks is None:
        return "no video stream can be read from this MP4/MOV file: it has no movie header (cut short or damaged)"
    if kind:
        return (f"no video stream can be read from this {kind} file (truncated or damaged, audio only, or a "
                "codec we cannot decode)")
    return "not a video file we can read (MP4, WebM, MOV, MKV and AVI are read)"


def open_video(path: Path, limits: Limits) -> tuple[Capture, Info]:
    """Open ``path`` and check it against ``limits`` from its header, before decoding."""
    capture = _capture(path, check_file(path, limits), time.monotonic() + limits.time_limit)
    width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if width * height > MAX_FRAME_PIXELS:
        capture.release()
        raise InvalidVideoError(f"video frames too large: {width}x{height} pixels "
                                f"(limit {MAX_FRAME_PIXELS // 1_000_000} megapixels)")
    if min(width, height) < 1:
        capture.release()
        raise InvalidVideoError(f"its frames cannot be read (their size reads as {width}x{height} pixels)")
    if min(width, height) < MIN_SIDE:
        capture.release()
        raise InvalidVideoError(f"video frames too small: {width}x{height} pixels (need at least {MIN_SIDE}x{MIN_SIDE})")
    try:
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)  # an animated picture's: its frames' times read now
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    except TimeoutError as error:
        capture.release()
        raise InvalidVideoError(f"{error} took longer than the time limit ({limits.time_limit:g} s)",
                                code=TIME_LIMIT) from None
    except (OSError, EOFError, ValueError) as error:  # an animated picture's first frame, damaged
        capture.release()
        raise InvalidVideoError(f"its frames cannot be read (damaged file: {error})") from None
    rotation = int(capture.get(cv2.CAP_PROP_ORIENTATION_META) or 0)
    duration = count / fps if fps > 0 and count > 0 else 0.0
    if not math.isfinite(duration) or duration <= 0:
        # No duration in the header (a browser's MediaRecorder WebM, a live stream's dump): read
        # through once to find it, within the time bound, then start again.
        capture.release()
        count, duration = _measure(path, limits)
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        fps = count / duration if duration > 0 else 0.0
        if count == 0 or duration <= 0 or not capture.isOpened():
            capture.release()
            raise InvalidVideoError("the video has no frames (zero length, or its header is damaged)")
    if duration > limits.max_seconds:
        capture.release()
        raise InvalidVideoError(f"video too long: {_clock(duration)} (limit {_clock(limits.max_seconds)})")
    return capture, Info(width, height, fps, count, duration, rotation)


def _measure(path: Path, limits: Limits) -> tuple[int, float]:
    """Frames and seconds of a clip whose header does not say, by reading it through (grabbing
    without converting); refused past the time bound or the duration limit."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    deadline = time.monotonic() + limits.time_limit
    count, first, last = 0, None, 0.0
    try:
        while capture.grab():
            t = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            first = t if first is None else first
            count, last = count + 1, t
            if time.monotonic() > deadline:
                raise InvalidVideoError("its header gives no duration, and reading it through to find "
                                        f"one took longer than the time limit ({limits.time_limit:g} s)",
                                        code=TIME_LIMIT)
            if last > limits.max_seconds:
                raise InvalidVideoError(f"video too long: over {_clock(limits.max_seconds)}")
    finally:
        capture.release()
    if count == 0:
        return 0, 0.0
    assert first is not None  # the first frame's time, taken when it was grabbed
    step = (last - first) / (count - 1) if count > 1 else 1 / 30
    return count, last + step


def sampled_frames(capture: Capture, reading: Reading, limits: Limits,
                   deadline: Optional[float] = None) -> Iterator[Frame]:
    """The sampled frames, in time order, as RGB (reduced to WORKING_MAX_SIDE on the longer
    side), one decoded at a time. ``reading`` records how many were read and why reading
    stopped early."""
    targets = reading.sampling.times(reading.info.duration)
    if isinstance(capture, AnimatedPicture):
        targets = capture.sampled(targets, reading.sampling.cap)
        reading.every_frame = capture.every_frame(reading.sampling.cap)
    else:
        targets = _one_per_frame(targets, reading.info)
    reading.planned = len(targets)
    deadline = deadline if deadline is not None else time.monotonic() + limits.time_limit
    grabbed = (_grabbed_shown(capture, reading, targets) if isinstance(capture, AnimatedPicture)
               else _grabbed_after(capture, reading, targets, deadline))
    started = time.perf_counter()
    try:
        for t in grabbed:
            if time.monotonic() > deadline:
                reading.stopped = f"time limit: stopped after {limits.time_limit:g} s of decoding"
                reading.out_of_time = True
                return
            ok, bgr = capture.retrieve()
            if not ok or bgr is None:
                reading.stopped = f"a frame at {t:.1f} s cannot be decoded (damaged file)"
                return
            reading.decode_seconds += time.perf_counter() - started
            rgb, scale = _rgb(bgr)
            yield Frame(t, rgb, scale, _opacity(capture, rgb.shape))
            started = time.perf_counter()
    finally:
        capture.release()


def _grabbed_after(capture: Capture, reading: Reading, targets: list[float], deadline: float) -> Iterator[float]:
    """A clip's frames grabbed (not yet decoded) for ``targets``: for each, the first frame shown
    at or after it (within half a frame), never one taken before; their times. A far target is
    reached by seeking, a near one by reading on (until ``deadline``: the caller then stops)."""
    half_frame = 0.5 / reading.info.fps
    spacing = reading.info.duration / max(len(targets), 1)
    last = -1.0
    for target in targets:
        if target - max(last, 0.0) > SEEK_AFTER:
            capture.set(cv2.CAP_PROP_POS_MSEC, max(0.0, target - half_frame) * 1000)
        while True:
            if not capture.grab():
                if target == targets[-1] and last >= target - 1.5 * spacing:
                    return  # the last frames end a little before the header said: not truncated
                reading.stopped = (f"the file ends early: frames decode up to {max(last, 0):.1f} s "
                                   f"of the {reading.info.duration:.1f} s its header announces "
                                   "(truncated or damaged)")
                return
            t = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if t > last and t >= target - half_frame or time.monotonic() > deadline:
                break
        last = t
        yield t


def _grabbed_shown(picture: Capture, reading: Reading, starts: list[float]) -> Iterator[float]:
    """An animated picture's frames grabbed at their ``starts``, each known exactly."""
    for start in starts:
        picture.set(cv2.CAP_PROP_POS_MSEC, start * 1000)  # the next frame grabbed starts there
        if not picture.grab():
            reading.stopped = f"a frame at {start:.1f} s cannot be decoded (damaged file)"
            return
        yield start


def _one_per_frame(targets: list[float], info: Info) -> list[float]:
    """The ``targets`` that each fall on a frame of their own (the one :func:`_grabbed_after`
    reads for them, within half a frame), none past the last frame: a clip of fewer frames than
    samples (a short one, or a slideshow of a frame a second) ran out of frames before its last
    targets and was said to be truncated."""
    kept: dict[int, float] = {}
    for target in targets:
        index = round(target * info.fps)
        if index not in kept and (info.frame_count <= 0 or index < info.frame_count):
            kept[index] = target
    return list(kept.values()) or targets[:1]


def _opacity(capture: Capture, shape: tuple[int, ...]) -> Optional[np.ndarray]:
    """The alpha channel of an animated picture's frame just retrieved, in the pixels of the frame
    as judged (``shape``: reduced as :func:`_rgb` reduces it); None when opaque, and for a video."""
    opacity = capture.opacity if isinstance(capture, AnimatedPicture) else None
    if opacity is None or opacity.shape == shape[:2]:
        return opacity
    return cv2.resize(opacity, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def _rgb(bgr: np.ndarray) -> tuple[np.ndarray, float]:
    """The frame as RGB, reduced to WORKING_MAX_SIDE on its longer side, and the scale applied."""
    if bgr.ndim == 2:
        bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    height, width = bgr.shape[:2]
    longest, scale = max(height, width), 1.0
    if longest > WORKING_MAX_SIDE:
        scale = WORKING_MAX_SIDE / longest
        bgr = cv2.resize(bgr, (max(1, round(width * scale)), max(1, round(height * scale))),
                         interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), scale


def frame_at(path: str | Path, t: float, time_limit: float = Limits.time_limit) -> Optional[Frame]:
    """The frame shown at ``t`` seconds (RGB, upright, reduced as judged; its ``t`` the time asked
    for), for showing the frame that decided; None when it cannot be read within ``time_limit``
    seconds (an animated WebP's frames are all decoded to find their times)."""
    try:
        with open(path, "rb") as file:
            capture = _capture(Path(path), file.read(512), time.monotonic() + time_limit)
    except (OSError, InvalidVideoError):
        return None
    try:
        capture.set(cv2.CAP_PROP_POS_MSEC, max(0.0, t - 0.001) * 1000)
        ok, bgr = capture.read()
        return Frame(t, *_rgb(bgr)) if ok and bgr is not None else None
    except (EOFError, OSError, ValueError):  # an animated picture's times (TimeoutError), or a damaged frame
        return None
    finally:
        capture.release()


def _size(size: float) -> str:
    """``250 MB``, or ``800 bytes`` below a megabyte (a limit of 0 MB said nothing)."""
    return f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size:.0f} bytes"


def _clock(seconds: float) -> str:
    """``45 s``, ``5:01 min``, ``3:00:00 h``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d} min"
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d} h"
