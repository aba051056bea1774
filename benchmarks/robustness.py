"""Test-split metrics under perturbations, per source, beside the thumbnail baseline.

    python benchmarks/robustness.py [--model REF] [--data SRC ...] [--seed 0]

Makes the training split (same seed, same 80/10/10), perturbs every test image, and scores
it through the full serving path (faces detected again on the perturbed image). The
16x16-thumbnail logistic regression is fitted on the clean train split and scored on the same
perturbed inputs. Goal: every perturbation within 2 points of clean.
"""

from __future__ import annotations

import numpy as np
from test_split import TestSplit, parse_arguments

from deforgify.cli.argtypes import first_paragraph, run_command
from training import degrade

PERTURBATIONS = {
    "clean": lambda rgb: rgb,
    "jpeg q75": lambda rgb: degrade.jpeg(rgb, 75),
    "jpeg q50": lambda rgb: degrade.jpeg(rgb, 50),
    "downscale 2x": lambda rgb: degrade.resize_by(rgb, 0.5),
    "blur sigma 1": lambda rgb: degrade.blur(rgb, 1.0),
    "centre crop 60%": lambda rgb: degrade.centre_crop(rgb, 0.6),
    "zoom out (pad)": lambda rgb: degrade.zoom_out(rgb, 0.6),
    "h-flip": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
    "brightness +20%": lambda rgb: degrade.adjust(rgb, brightness=1.2),
    "brightness -20%": lambda rgb: degrade.adjust(rgb, brightness=0.8),
}


def main() -> None:
    split = TestSplit.load(parse_arguments(first_paragraph(__doc__)))
    test = split.test
    split.print_header("perturbation")
    for name, perturb in PERTURBATIONS.items():
        split.print_row(name, [perturb(rgb) for rgb in test.images], test.labels, test.sources)


if __name__ == "__main__":
    run_command(main)
