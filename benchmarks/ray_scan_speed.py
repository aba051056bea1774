"""What Ray Data would have given the scan, for the engine choice (Deforgify scans on Dask).

    pip install "ray[data]"        # not in any requirements file: 244 MB on top of the install
    python benchmarks/ray_scan_speed.py [--count 1200] [--workers 2] [--repeats 3]

The same 1200 photos as ``benchmarks/scan_speed.py``, scored with the same per-batch function a
Dask worker runs (:func:`deforgify.scan.run.score_rows`), by an actor per worker holding the model
(``map_batches`` with an actor class, 64 images a batch). Prints the steady rate (the run on all
images minus the run on the first 64, so start-up is left out) and the start-up, medians of
``--repeats``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scan_speed import WARM, images  # noqa: E402

from deforgify.cli.argtypes import first_paragraph, number, run_command


class Scorer:
    """A Ray actor: loads the model once, scores batches of paths."""

    def __init__(self):
        from deforgify.detector import Detector

        self.detector = Detector.load()

    def __call__(self, batch: dict) -> dict:
        from deforgify.scan.collection import Item
        from deforgify.scan.run import score_rows

        rows = list(score_rows(self.detector, [Item(p, p, p) for p in batch["path"]], "path"))
        return {"path": [r["path"] for r in rows], "label": [str(r["label"]) for r in rows]}


def run(files: list[str], workers: int) -> float:
    import ray

    start = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    try:
        dataset = ray.data.from_items([{"path": f} for f in files])
        scored = dataset.map_batches(Scorer, batch_size=64, concurrency=workers, num_cpus=1)
        count = sum(len(batch["path"]) for batch in scored.iter_batches(batch_size=256))
        assert count == len(files)
    finally:
        ray.shutdown()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--count", type=number(int, at_least=1), default=1200)
    parser.add_argument("--workers", type=number(int, at_least=1), default=2)
    parser.add_argument("--repeats", type=number(int, at_least=1), default=3)
    args = parser.parse_args()
    files = images(args.count)
    small = statistics.median(run(files[:WARM], args.workers) for _ in range(args.repeats))
    large = statistics.median(run(files, args.workers) for _ in range(args.repeats))
    rate = (len(files) - WARM) / (large - small)
    print(f"Ray Data, {args.workers} actors: steady {rate:.0f} images/s, start-up {small - WARM / rate:.1f} s, "
          f"end to end {len(files) / large:.0f} images/s")


if __name__ == "__main__":
    run_command(main)
