"""What the closer look costs and finds in video: 10 s 1080p clips (a face-free scene, a wide shot
with a 70 px face, the same scene with a 180 px face, and with an 80 px face beside it) judged
with the closer look on and off.

    python benchmarks/video_closer_look.py [--repeats 3]

Prints, per clip and way, the median seconds of ``score_video`` (sampling, detection, scoring;
the clips are written once beforehand) and the verdict with the number of faces followed, then
the ratio on / off.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.detector import Detector  # noqa: E402
from deforgify.video import judge  # noqa: E402

from helpers import small_face_in_a_large_photo  # noqa: E402
from video_clips import write_opencv  # noqa: E402


def clips(folder: Path) -> dict[str, Path]:
    from skimage import data

    astronaut = data.astronaut()
    scene, _ = small_face_in_a_large_photo(astronaut, 1, size=(1920, 1080), at=(0, 0))  # 1 px: no face
    wide, _ = small_face_in_a_large_photo(astronaut, 70, size=(1920, 1080), at=(1200, 600))
    close, _ = small_face_in_a_large_photo(astronaut, 180, size=(1920, 1080), at=(700, 100))
    both = close.copy()
    both[600:, 1400:] = small_face_in_a_large_photo(astronaut, 80, size=(1920, 1080), at=(1400, 600))[0][600:, 1400:]
    return {name: write_opencv(folder / f"{name}.mp4", lambda i, frame=frame: frame, 250)
            for name, frame in (("face-free", scene), ("70 px face", wide), ("180 px face", close),
                                ("180 + 80 px faces", both))}


def timed(detector: Detector, path: Path, give_up: int, again: int, repeats: int) -> tuple[float, str]:
    judge.CLOSER_LOOK_GIVE_UP, judge.CLOSER_LOOK_AGAIN = give_up, again
    seconds, label = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        result = judge.score_video(detector, path)
        label = f"{result.label}/{len(result.tracks)}"
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), label


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--repeats", type=number(int, at_least=1), default=3)
    args = parser.parse_args()
    detector, give_up, again = Detector.load(), judge.CLOSER_LOOK_GIVE_UP, judge.CLOSER_LOOK_AGAIN
    with tempfile.TemporaryDirectory() as folder:
        for name, path in clips(Path(folder)).items():
            off, off_label = timed(detector, path, 0, sys.maxsize, args.repeats)  # never, nor again
            on, on_label = timed(detector, path, give_up, again, args.repeats)
            print(f"{name:18} off {off:5.2f} s {off_label:10} on {on:5.2f} s {on_label:10} ratio {on / off:.2f}x",
                  flush=True)


if __name__ == "__main__":
    run_command(main)
