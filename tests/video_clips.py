"""Clips the video tests make for themselves: OpenCV's writer (MPEG-4 Part 2 in MP4 and MOV, VP8 in
WebM: what it can encode here) and PyAV (H.264, audio-only files, variable frame rate), from face
photos; nothing is downloaded."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import cv2
import numpy as np

from helpers import ROOT, require_shared_data

if TYPE_CHECKING:
    import av

FOURCC = {".mp4": "mp4v", ".mov": "mp4v", ".webm": "VP80", ".avi": "MJPG"}


def canvas(face: np.ndarray, size: tuple[int, int] = (640, 480), at: tuple[int, int] = (0, 0),
           height: int = 300) -> np.ndarray:
    """``face`` (RGB) scaled to ``height`` pixels high and pasted at ``at`` on a grey frame."""
    width, full_height = size
    frame = np.full((full_height, width, 3), 90, np.uint8)
    scale = height / face.shape[0]
    small = cv2.resize(face, (max(1, round(face.shape[1] * scale)), height), interpolation=cv2.INTER_AREA)
    x, y = at
    small = small[: full_height - y, : width - x]
    frame[y : y + small.shape[0], x : x + small.shape[1]] = small
    return frame


def write_opencv(path: Path, frame_at: Callable[[int], np.ndarray], count: int, fps: float = 25) -> Path:
    """A clip of ``count`` frames (``frame_at(i)`` gives each, RGB) through OpenCV's writer."""
    first = frame_at(0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC[path.suffix]), fps,
                             (first.shape[1], first.shape[0]))
    assert writer.isOpened(), f"OpenCV cannot write {path.suffix} here"
    for index in range(count):
        writer.write(cv2.cvtColor(frame_at(index), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_h264(path: Path, frame_at: Callable[[int], np.ndarray], count: int, fps: int = 25,
               times: Sequence[float] | None = None, faststart: bool = False) -> Path:
    """An H.264 MP4 through PyAV (libx264); ``times`` (seconds) gives each frame its own timestamp
    for a variable frame rate; ``faststart`` puts the index first (as streaming sites do)."""
    import av

    first = frame_at(0)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = first.shape[1], first.shape[0], "yuv420p"
        # no B-frames with a variable rate: the MP4 muxer then writes the duration shorter
        stream.options = {"preset": "veryfast", "crf": "18", **({"bf": "0"} if times else {})}
        if times is not None:
            stream.codec_context.time_base = stream.time_base = Fraction(1, 1000)
        stamps = times if times is not None else [None] * count
        _encode_all(container, stream, (_video_frame(frame_at(i), stamps[i]) for i in range(count)))
    return path


def _video_frame(rgb: np.ndarray, seconds: float | None) -> "av.VideoFrame":
    import av

    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    if seconds is not None:
        frame.pts, frame.time_base = round(seconds * 1000), Fraction(1, 1000)
    return frame


def _encode_all(container: "av.container.OutputContainer", stream: "av.stream.Stream", frames: Iterable) -> None:
    """Encode and mux every frame, then flush the encoder's remaining packets."""
    for frame in frames:
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An MP4 (or M4A) holding one AAC audio stream and no video."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        blocks = int(seconds * 44100 / 1024)
        _encode_all(container, stream, (_silence(index * 1024) for index in range(blocks)))
    return path


def _silence(pts: int) -> "av.AudioFrame":
    """1,024 samples of mono silence at 44.1 kHz, starting at sample ``pts``."""
    import av

    frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
    frame.sample_rate, frame.pts = 44100, pts
    return frame


def tag_rotation(path: Path, degrees: int = 90) -> Path:
    """Write a rotation into the MP4's track header matrix (what phones write; players turn the
    picture by it), in place. Only 90 (clockwise) is needed here."""
    assert degrees == 90
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    version = data[at + 4]
    matrix = at + 4 + 4 + (20 if version == 0 else 32) + 8 + 8
    assert struct.unpack(">9i", data[matrix : matrix + 36])[0] == 0x10000, "unexpected track header"
    data[matrix : matrix + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(data)
    return path


def real_and_fake_faces(detector) -> tuple[np.ndarray, np.ndarray, float, float]:
    """A real face photo and a fake one that the model in use tells apart: among the example
    photos and the first photos of ``ffhq-vs-stylegan2`` (real FFHQ / StyleGAN2 faces), the real
    one it finds least fake and the fake one it finds most fake, with their fake probabilities.
    Chosen by asking the model, so a retrained model picks its own pair."""
    from deforgify.decode.images import load_rgb

    folder = require_shared_data("ffhq-vs-stylegan2")
    candidates = {"real": [ROOT / "examples/real-astronaut.jpg"],  # in colour: a greyscale face is never judged
                  "fake": [ROOT / "examples/gan-stylegan2.jpg", ROOT / "examples/face-swap.jpg"]}
    for label in candidates:
        candidates[label] += sorted((folder / label).glob("*.jpg"))[:25]
    chosen = {}
    for label, paths in candidates.items():
        images = [load_rgb(p) for p in paths if p.is_file()]
        predictions = detector.predict_rgb(images)
        scored = [(p.confidences["fake"], image) for p, image in zip(predictions, images)
                  if p.confidences and len(p.scores) == 1]
        chosen[label] = (min if label == "real" else max)(scored, key=lambda s: s[0])
    return chosen["real"][1], chosen["fake"][1], chosen["real"][0], chosen["fake"][0]


def write_webm_without_duration(path: Path, frame_at: Callable[[int], np.ndarray], count: int, fps: int = 25) -> Path:
    """A VP8 WebM written as a live stream: no duration and no frame count in its header (what a
    browser's MediaRecorder makes)."""
    import av

    first = frame_at(0)
    with av.open(str(path), "w", options={"live": "1"}) as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = first.shape[1], first.shape[0], "yuv420p"
        for index in range(count):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame_at(index), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
