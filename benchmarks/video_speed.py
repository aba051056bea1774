"""Video speed and memory: a 20 s 640x480 clip through `deforgify predict` as a user runs it
(start-up included), frames per second and the share of time spent decoding, detecting faces
and scoring; optionally the peak memory of a long 1080p clip against a photo's.

    python benchmarks/video_speed.py [--repeats 3] [--memory-minutes 10]

The clips are made here with PyAV (H.264, ``pip install av``): a face photo (scikit-image's
astronaut) moving across the frame, 25 frames a second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from deforgify.cli.argtypes import first_paragraph, number, run_command  # noqa: E402

from video_clips import canvas, write_h264  # noqa: E402

MEASURE = """
import re, runpy, sys
sys.argv = ["deforgify"] + sys.argv[1:]
try:
    runpy.run_module("deforgify", run_name="__main__")
except SystemExit:
    pass
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec
status = open("/proc/self/status").read()
print("maxrss_kb", re.search(r"VmHWM:\s+(\d+) kB", status).group(1), file=sys.stderr)
"""


def run_predict(*args: str) -> tuple[float, int, list[dict]]:
    """Seconds, peak resident memory (kB) and rows of one `deforgify predict --json` run."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURE, "predict", "--json", "--quiet", *args],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    took = time.perf_counter() - started
    peak = int(result.stderr.split("maxrss_kb")[-1].split()[0])
    return took, peak, [json.loads(line) for line in result.stdout.splitlines()]


def main() -> int:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--repeats", type=number(int, at_least=1), default=3)
    parser.add_argument("--memory-minutes", type=number(at_least=0), default=0,
                        help="also compare the peak memory of a clip this long at 1920x1080 (0: skip)")
    args = parser.parse_args()
    from skimage import data

    face = data.astronaut()
    folder = Path(tempfile.mkdtemp(prefix="video-speed-"))
    frame = canvas(face, at=(60, 60))
    clip = write_h264(folder / "clip.mp4", lambda i: np.roll(frame, i, axis=1), 500, fps=25)
    photo = folder / "photo.jpg"
    from PIL import Image

    Image.fromarray(face).save(photo, quality=92)

    runs = [run_predict(str(clip)) for _ in range(args.repeats)]
    seconds = statistics.median(r[0] for r in runs)
    row = runs[0][2][0]
    print(f"20 s 640x480 H.264 clip, `deforgify predict --json clip.mp4` with start-up: "
          f"median {seconds:.2f} s of {args.repeats} (runs: {', '.join(f'{r[0]:.2f}' for r in runs)}); "
          f"{len(row['frames'])} frames sampled, verdict {row['label']}")

    from deforgify.detector import Detector
    from deforgify.video.judge import score_video

    detector = Detector.load()
    detector.warm_up()
    timings = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = score_video(detector, clip)
        timings.append((time.perf_counter() - started, result.timings, len(result.frames)))
    total, stages, count = sorted(timings, key=lambda t: t[0])[len(timings) // 2]
    print(f"in process (model loaded): {total:.2f} s for {count} frames = {count / total:.1f} frames/s; "
          f"decoding {stages.decode / total:.0%}, face detection and cropping {stages.detect / total:.0%}, "
          f"scoring and tracking {stages.score / total:.0%}")

    if args.memory_minutes:
        long_frame = canvas(face, size=(1920, 1080), at=(500, 200), height=700)
        count = int(args.memory_minutes * 60 * 25)
        started = time.perf_counter()
        long_clip = write_h264(folder / "long.mp4", lambda i: np.roll(long_frame, i % 1920, axis=1), count, fps=25)
        print(f"made a {args.memory_minutes:g} min 1920x1080 clip ({long_clip.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - started:.0f} s")
        took_photo, peak_photo, _ = run_predict(str(photo))
        took_long, peak_long, rows = run_predict(str(long_clip))
        print(f"peak memory: photo {peak_photo / 1024:.0f} MB ({took_photo:.1f} s), "
              f"{args.memory_minutes:g} min 1080p clip {peak_long / 1024:.0f} MB ({took_long:.1f} s, "
              f"{len(rows[0]['frames'])} frames): {(peak_long - peak_photo) / 1024:+.0f} MB")
    return 0


if __name__ == "__main__":
    run_command(main)
