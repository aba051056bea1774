"""Median CLI time per image: `python -m deforgify predict` on 1 and on 100 images.

    python benchmarks/cli_speed.py [--images DIR] [--repeats 5]

Uses the first 100 JPEGs of DIR (default: ../shared/data/hardfakevsrealfaces/real) and prints
the median wall time of each run, the start-up share, and the marginal time per image.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from deforgify.cli.argtypes import first_paragraph, number, run_command

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_IMAGES = ROOT.parent / "shared/data/hardfakevsrealfaces/real"


def timed_run(files: list[Path]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "deforgify", "predict", "--json", *map(str, files)],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES)
    parser.add_argument("--repeats", type=number(int, at_least=1), default=5)
    args = parser.parse_args()
    files = sorted(args.images.glob("*.jpg"))[:100]
    if len(files) < 100:
        sys.exit(f"need 100 JPEGs in {args.images}, found {len(files)}")
    one = statistics.median(timed_run(files[:1]) for _ in range(args.repeats))
    hundred = statistics.median(timed_run(files) for _ in range(args.repeats))
    print(f"median of {args.repeats} runs: 1 image {one:.2f} s, 100 images {hundred:.2f} s")
    print(f"per image, all included: {hundred / 100 * 1000:.1f} ms")
    print(f"per image, start-up excluded: {(hundred - one) / 99 * 1000:.1f} ms")


if __name__ == "__main__":
    run_command(main)
