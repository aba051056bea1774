"""Which decoder reads videos: OpenCV's bundled FFmpeg against PyAV's, measured.

    python benchmarks/video_decoders.py [--seconds 20]

Clips made here with PyAV (H.264, a face photo moving across the frame, 25 frames a second) at
640x480 and 1920x1080. For each decoder: every frame decoded in order, and 40 frames taken at
evenly spread times by seeking (what sampling a long clip does), in seconds (median of 3). Also
what each reads: rotation metadata applied, a variable frame rate's timestamps.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import cv2  # noqa: E402

from deforgify.cli.argtypes import first_paragraph, number, run_command

from video_clips import canvas, write_h264  # noqa: E402


def opencv_all(path: Path) -> int:
    capture, count = cv2.VideoCapture(str(path)), 0
    while capture.grab():
        capture.retrieve()
        count += 1
    return count


def opencv_seek(path: Path, samples: int = 40) -> int:
    capture = cv2.VideoCapture(str(path))
    duration = capture.get(cv2.CAP_PROP_FRAME_COUNT) / capture.get(cv2.CAP_PROP_FPS)
    count = 0
    for i in range(samples):
        capture.set(cv2.CAP_PROP_POS_MSEC, (i + 0.5) * duration / samples * 1000)
        count += capture.read()[0]
    return count


def pyav_all(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for frame in container.decode(stream) if frame.to_ndarray(format="bgr24") is not None)


def pyav_seek(path: Path, samples: int = 40) -> int:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        duration, count = container.duration / 1e6, 0
        for i in range(samples):
            target = (i + 0.5) * duration / samples
            container.seek(int(target / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                if frame.time >= target - 0.02:
                    frame.to_ndarray(format="bgr24")
                    count += 1
                    break
    return count


def timed(run, path: Path) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(3):
        started = time.perf_counter()
        count = run(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times), count


def main() -> int:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--seconds", type=number(above=0), default=20)
    args = parser.parse_args()
    from skimage import data

    folder = Path(tempfile.mkdtemp(prefix="video-decoders-"))
    frames = int(args.seconds * 25)
    for width, height in ((640, 480), (1920, 1080)):
        frame = canvas(data.astronaut(), size=(width, height), at=(width // 8, height // 8), height=height * 2 // 3)
        clip = write_h264(folder / f"{height}.mp4", lambda i: np.roll(frame, 3 * i, axis=1), frames)
        print(f"{width}x{height}, {args.seconds:g} s, {frames} frames:")
        for name, run in (("OpenCV every frame", opencv_all), ("PyAV every frame", pyav_all),
                          ("OpenCV 40 by seeking", opencv_seek), ("PyAV 40 by seeking", pyav_seek)):
            seconds, count = timed(run, clip)
            print(f"  {name:<22} {seconds:6.2f} s  ({count} frames, {count / seconds:.0f}/s)")
    return 0


if __name__ == "__main__":
    run_command(main)
