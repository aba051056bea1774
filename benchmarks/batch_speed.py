"""Images per second for scoring a folder of face photos, per stage and end to end.

    python benchmarks/batch_speed.py [--images DIR] [--count 400] [--workers 2] [--repeats 3]

Stages, each timed alone in this process on the same files: decoding (``load_rgb``), face
detection, detection + cropping, and the model on ready crops (batches of 32). End to end:
``deforgify.batch.scoring.score_files`` (decoding and detection in worker processes, batched model
calls) with 1 worker and with ``--workers``, and the CLI as a user runs it. Medians of
``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.batch.scoring import score_files  # noqa: E402
from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.detector import Detector  # noqa: E402
from deforgify.faces.crops import face_crops  # noqa: E402
from deforgify.faces.finding import detect_faces  # noqa: E402

DEFAULT_IMAGES = ROOT.parent / "shared/data/ffhq-vs-stylegan2/real"


def rate(count: int, run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return count / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES)
    parser.add_argument("--count", type=number(int, at_least=1), default=400)
    parser.add_argument("--workers", type=number(int, at_least=1), default=2)
    parser.add_argument("--repeats", type=number(int, at_least=1), default=3)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    files = sorted(str(p) for p in args.images.glob("*.jpg"))[: args.count]
    if not files:
        parser.error(f"--images {args.images}: no .jpg photos there")
    detector = Detector.load(args.model)
    settings = detector.config.preprocessing
    images = [load_rgb(f) for f in files]
    crops = [face_crops(rgb, settings) for rgb in images]
    detector.judge(crops[:32])  # warm-up: traces the model call
    n = len(files)
    figures = {
        "decode": rate(n, lambda: [load_rgb(f) for f in files], args.repeats),
        "detect faces": rate(n, lambda: [detect_faces(rgb) for rgb in images], args.repeats),
        "detect + crop": rate(n, lambda: [face_crops(rgb, settings) for rgb in images], args.repeats),
        "model (batches of 32)": rate(n, lambda: [detector.judge(crops[i : i + 32]) for i in range(0, n, 32)],
                                      args.repeats),
        "end to end, 1 process": rate(n, lambda: list(score_files(detector, files, 1)), args.repeats),
        f"end to end, {args.workers} workers": rate(n, lambda: list(score_files(detector, files, args.workers)),
                                                    args.repeats),
        f"CLI, {args.workers} workers (start-up included)": rate(n, lambda: subprocess.run(
            [sys.executable, "-m", "deforgify", "predict", "--quiet", "--json", "--workers", str(args.workers),
             *(["--model", args.model] if args.model else []), *files],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL), args.repeats),
    }
    print(f"{n} images from {args.images}, {detector.config.architecture}; median of {args.repeats} runs")
    for stage, images_per_second in figures.items():
        print(f"{stage:42} {images_per_second:8.1f} images/s")


if __name__ == "__main__":
    run_command(main)
