"""How much of a model's accuracy framing alone explains.

    python benchmarks/framing_baseline.py [--model REF] [--data SRC ...] [--seed 0]

Makes the training split (same seed, same 80/10/10), preprocesses every image with the model's
own settings, fits the 16x16 grey-thumbnail logistic regression on the train split, and prints
the test metrics of the model and of that baseline side by side.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deforgify.detector import Detector  # noqa: E402
from training.baseline import thumbnail_fake_scores  # noqa: E402
from training.data import load_examples, split_examples  # noqa: E402
from training.metrics import metrics_by_source  # noqa: E402
from training.prepared import prepare  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared/data/hardfakevsrealfaces"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", action="append", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    detector = Detector.load(args.model)
    splits = split_examples(load_examples(args.data or [str(DEFAULT_DATA)]), args.seed)
    train, test = (prepare(splits[name], os.cpu_count() or 1) for name in ("train", "test"))
    settings = detector.config.preprocessing
    model_scores = np.array([p.confidences["fake"] for p in detector.predict_rgb(test.images)])
    baseline_scores = thumbnail_fake_scores(train.pixels(settings), train.labels, test.pixels(settings))
    rows = {
        "model": metrics_by_source(test.labels, model_scores, test.sources),
        "thumbnail baseline": metrics_by_source(test.labels, baseline_scores, test.sources),
    }
    print(f"model: {detector.source.describe()}; test split of seed {args.seed}: {len(test.images)} images")
    print(f"{'':20} {'accuracy':>9} {'bal.acc':>8} {'ROC-AUC':>8}")
    for name, metrics in rows.items():
        for label, m in [(name, metrics), *((f"  {s}", v) for s, v in metrics.get("per_source", {}).items())]:
            print(f"{label:20} {m['accuracy']:9.3f} {m['balanced_accuracy']:8.3f} {m['roc_auc']:8.3f}")


if __name__ == "__main__":
    main()
