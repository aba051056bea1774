"""Latency the Grad-CAM heatmap adds to a verdict, in the library (no web server in between).

    python benchmarks/heatmap_latency.py [--repeats 50] [--image FACE.jpg]

Times, on one decoded face image, a verdict alone and a verdict followed by its heatmap, each
the median of ``--repeats`` calls after a warm-up (which also builds the Grad-CAM graph), and
prints both, their difference and their ratio.
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

from deforgify.decode import load_rgb  # noqa: E402
from deforgify.detector import Detector  # noqa: E402

DEFAULT_IMAGE = ROOT.parent / "shared/data/hardfakevsrealfaces/fake/fake_1.jpg"


def median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up: traces the compiled model calls
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("--model", default=None, help="model folder or Hub id; default: bundled")
    args = parser.parse_args()
    detector = Detector.load(args.model)
    rgb = load_rgb(args.image)

    def verdict_and_heatmap() -> None:
        detector.heatmap(rgb, detector.predict_rgb([rgb])[0])

    alone = median_ms(lambda: detector.predict_rgb([rgb]), args.repeats)
    with_heatmap = median_ms(verdict_and_heatmap, args.repeats)
    print(f"{args.image.name} ({rgb.shape[1]}x{rgb.shape[0]}), median of {args.repeats}:")
    print(f"verdict alone        {alone:7.1f} ms")
    print(f"verdict + heatmap    {with_heatmap:7.1f} ms")
    print(f"heatmap adds         {with_heatmap - alone:7.1f} ms ({with_heatmap / alone:.2f}x)")


if __name__ == "__main__":
    main()
