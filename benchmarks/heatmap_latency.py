"""Latency the Grad-CAM heatmap adds to a verdict, in the library (no web server in between).

    python benchmarks/heatmap_latency.py [--repeats 50] [--image FACE.jpg]

Times, on one decoded face image, a verdict alone and a verdict followed by its heatmap,
alternating the two in every repeat (so that the machine's load drifts over both alike) after a
warm-up that also builds the Grad-CAM graph; prints the medians, the median of the per-repeat
differences, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.detector import Detector  # noqa: E402

DEFAULT_IMAGE = ROOT.parent / "shared/data/hardfakevsrealfaces/fake/fake_1.jpg"


def seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--repeats", type=number(int, at_least=1), default=50)
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("--model", default=None, help="model folder or Hub id; default: bundled")
    args = parser.parse_args()
    detector = Detector.load(args.model)
    rgb = load_rgb(args.image)

    def verdict_and_heatmap() -> None:
        detector.heatmap(rgb, detector.predict_rgb([rgb])[0])

    verdict_and_heatmap()  # warm-up: traces the compiled model calls
    pairs = [(seconds(lambda: detector.predict_rgb([rgb])), seconds(verdict_and_heatmap))
             for _ in range(args.repeats)]
    alone = statistics.median(a for a, _ in pairs) * 1000
    with_heatmap = statistics.median(b for _, b in pairs) * 1000
    added = statistics.median(b - a for a, b in pairs) * 1000
    print(f"{args.image.name} ({rgb.shape[1]}x{rgb.shape[0]}), median of {args.repeats} alternating repeats:")
    print(f"verdict alone        {alone:7.1f} ms")
    print(f"verdict + heatmap    {with_heatmap:7.1f} ms")
    print(f"heatmap adds         {added:7.1f} ms (median of differences; {with_heatmap / alone:.2f}x)")


if __name__ == "__main__":
    run_command(main)
