"""Training stability over seeds: test ROC-AUC mean and standard deviation, per source.

    python benchmarks/seed_stability.py [--seeds 5] [--epochs 15] [--data SRC ...] [--output DIR]

Runs `python -m training.train` once per seed (each seed changes the split, the initial weights
and the augmentation), then prints every run's test figures and their mean ± sd. A run that
collapses to one class fails with its own message and is counted as a failure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from deforgify.cli.argtypes import first_paragraph, number, run_command

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data"
DEFAULT_DATA = [str(DATA / "hardfakevsrealfaces"), str(DATA / "ffhq-vs-stylegan2")]


def main() -> int:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--seeds", type=number(int, at_least=1), default=5)
    parser.add_argument("--epochs", type=number(int, at_least=1), default=15)
    parser.add_argument("--data", action="append", default=None)
    parser.add_argument("--output", type=Path, default=None,
                        help="folder for the seeds' models (default: a new temporary folder)")
    args = parser.parse_args()
    args.output = args.output or Path(tempfile.mkdtemp(prefix="seeds-"))  # made only for a run that needs it
    runs = {}
    for seed in range(args.seeds):
        folder = args.output / f"seed-{seed}"
        data = [part for source in args.data or DEFAULT_DATA for part in ("--data", source)]
        result = subprocess.run(
            [sys.executable, "-m", "training.train", *data, "--output", str(folder),
             "--seed", str(seed), "--epochs", str(args.epochs)],
            cwd=ROOT, capture_output=True, text=True,
        )
        if result.returncode != 0:
            print(f"seed {seed}: FAILED: {result.stderr.strip().splitlines()[-1]}", flush=True)
            continue
        runs[seed] = json.loads((folder / "metrics.json").read_text())
        test = runs[seed]["test"]
        per_source = " ".join(f"{Path(s).name} {m['roc_auc']:.3f}" for s, m in test.get("per_source", {}).items())
        print(f"seed {seed}: AUC {test['roc_auc']:.3f} acc {test['accuracy']:.3f} "
              f"({per_source}); {runs[seed]['training']['wall_time_seconds'] / 60:.1f} min", flush=True)
    for name, values in _auc_series(runs).items():
        if len(values) > 1:
            print(f"{name}: {statistics.mean(values):.3f} ± {statistics.stdev(values):.3f} "
                  f"({len(values)} of {args.seeds} seeds)")
    return 0 if len(runs) == args.seeds else 1  # a seed that failed is not a measurement


def _auc_series(runs: dict[int, dict]) -> dict[str, list[float]]:
    """Test ROC-AUC of every run: overall, per source, and per kind of manipulated test reals."""
    series: dict[str, list[float]] = {}
    for metrics in runs.values():
        test = metrics["test"]
        series.setdefault("test ROC-AUC", []).append(test["roc_auc"])
        for source, values in test.get("per_source", {}).items():
            series.setdefault(f"  {Path(source).name}", []).append(values["roc_auc"])
        for kind, values in metrics.get("test_manipulated", {}).items():
            series.setdefault(f"  test reals vs {kind}", []).append(values["roc_auc"])
    return series

if __name__ == "__main__":
    run_command(main)
