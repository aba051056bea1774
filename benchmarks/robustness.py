"""Test-split metrics under perturbations, per source, beside the thumbnail baseline.

    python benchmarks/robustness.py [--model REF] [--data SRC ...] [--seed 0]

Makes the training split (same seed, same 80/10/10), perturbs every test image, and scores
it through the full serving path (faces detected again on the perturbed image). The
16x16-thumbnail logistic regression is fitted on the clean train split and scored on the same
perturbed inputs. Goal: every perturbation within 2 points of clean.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.detector import Detector  # noqa: E402
from deforgify.preprocess import preprocess  # noqa: E402
from training import degrade  # noqa: E402
from training.baseline import thumbnail_fake_scores  # noqa: E402
from training.data import load_examples, split_examples  # noqa: E402
from training.metrics import metrics_by_source  # noqa: E402
from training.prepared import prepare  # noqa: E402

DATA = ROOT.parent / "shared/data"
DEFAULT_DATA = [str(DATA / "hardfakevsrealfaces"), str(DATA / "ffhq-vs-stylegan2")]
PERTURBATIONS = {
    "clean": lambda rgb: rgb,
    "jpeg q75": lambda rgb: degrade.jpeg(rgb, 75),
    "jpeg q50": lambda rgb: degrade.jpeg(rgb, 50),
    "downscale 2x": lambda rgb: degrade.downscale(rgb, 0.5),
    "blur sigma 1": lambda rgb: degrade.blur(rgb, 1.0),
    "centre crop 60%": lambda rgb: degrade.centre_crop(rgb, 0.6),
    "zoom out (pad)": lambda rgb: degrade.zoom_out(rgb, 0.6),
    "h-flip": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
    "brightness +20%": lambda rgb: degrade.adjust(rgb, brightness=1.2),
    "brightness -20%": lambda rgb: degrade.adjust(rgb, brightness=0.8),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", action="append", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    detector = Detector.load(args.model)
    settings = detector.config.preprocessing
    splits = split_examples(load_examples(args.data or DEFAULT_DATA), args.seed)
    train, test = (prepare(splits[name], os.cpu_count() or 1) for name in ("train", "test"))
    train_pixels = train.pixels(settings)
    sources = sorted(set(test.sources))
    columns = ["all", *sources] if len(sources) > 1 else ["all"]
    print(f"model: {detector.source.describe()}; {len(test.images)} test images, seed {args.seed}")
    print(f"{'perturbation':16}" + "".join(f" | {Path(c).name[:31]:^31}" for c in columns))
    print(f"{'':16}" + " | model: acc  AUC / baseline: acc AUC" * len(columns))
    for name, perturb in PERTURBATIONS.items():
        images = [perturb(rgb) for rgb in test.images]
        model = np.array([p.confidences["fake"] for p in detector.predict_rgb(images)])
        pixels = np.stack([preprocess(rgb, settings).pixels for rgb in images])
        baseline = thumbnail_fake_scores(train_pixels, train.labels, pixels)
        ours = metrics_by_source(test.labels, model, test.sources, detector.config.calibration.threshold)
        theirs = metrics_by_source(test.labels, baseline, test.sources)
        cells = [(ours, theirs)] + [(ours["per_source"][s], theirs["per_source"][s])
                                    for s in columns[1:]]
        print(f"{name:16}" + "".join(
            f" |  {a['accuracy']:.3f} {a['roc_auc']:.3f}   /   {b['accuracy']:.3f} {b['roc_auc']:.3f} "
            for a, b in cells), flush=True)


if __name__ == "__main__":
    main()
