"""Transparency: how the verdicts of the test split's faces move when a photo is made partly
see-through and shown over white, and what is served instead.

    python benchmarks/transparency.py [--model REF] [--data SRC ...] [--seed 0] [--per-source N]

A visitor's real face, saved half see-through, went from fake 20 % to 78 % without a word. For
faces judged in the photo as it is (neither too small nor without colour), each way of making it
see-through (uniform alpha, or the face cut out of its background) prints the face middle's median
transparency, the share of verdicts that change when judged over white as shown (the rule off),
the share served "unsure" as partly transparent (:mod:`deforgify.faces.transparency`), and among the
faces still judged, the share whose verdict changed (what the rule leaves).
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np
from test_split import argument_parser, load_test_split

from deforgify.cli.argtypes import first_paragraph, run_command
from deforgify.decode.images import load_image
from deforgify.detector import Detector
from deforgify.faces.finding import Box, face_middle
from deforgify.faces.transparency import see_through
from deforgify.faces.unjudged import SEE_THROUGH
from deforgify.prediction import Prediction

Alpha = Callable[[np.ndarray, Box], np.ndarray]


def uniform(alpha: int) -> Alpha:
    return lambda rgb, face: np.full(rgb.shape[:2], alpha, np.uint8)


def cut_out(rgb: np.ndarray, face: Box) -> np.ndarray:
    """The head kept (an ellipse a little larger than the face box, feathered), the rest see-through."""
    x, y, width, height = face
    alpha = np.zeros(rgb.shape[:2], np.uint8)
    cv2.ellipse(alpha, (x + width // 2, y + height // 2), (int(width * 0.75), int(height * 0.95)), 0, 0, 360, 255, -1)
    return cv2.GaussianBlur(alpha, (0, 0), 2)


WAYS: dict[str, Alpha] = {**{f"alpha {a}": uniform(a) for a in (252, 250, 240, 220, 192, 128)}, "cut out": cut_out}


def judged(detector: Detector, rgb: np.ndarray, alpha: np.ndarray) -> tuple[Prediction, Prediction]:
    """The verdict as shown over white with the rule off, and as served."""
    decoded = load_image(np.dstack([rgb, alpha]))
    return detector.predict_rgb([decoded.rgb])[0], detector.predict(np.dstack([rgb, alpha]))


def main() -> None:
    parser = argument_parser(first_paragraph(__doc__), per_source=True)
    detector, test = load_test_split(parser.parse_args())
    originals = [(rgb, p) for rgb, p in zip(test.images, detector.predict_rgb(test.images)) if p.face and not p.caution]
    print(f"{len(originals)} faces judged as they are")
    print(f"{'made':10} {'see-through':>11} {'changed':>8} {'served unsure, transparent':>27} "
          f"{'changed, still judged':>22}")
    for name, way in WAYS.items():
        rows = []
        for rgb, original in originals:
            assert original.face is not None and original.region is not None  # judged faces have both
            alpha = way(rgb, original.face)
            shown, served = judged(detector, rgb, alpha)
            rows.append((see_through(alpha, face_middle(original.face)), shown.label != original.label,
                         bool(served.caution and served.caution.startswith(SEE_THROUGH)),
                         served.caution is None, served.label != original.label))
        seen, changed, unsure, still, moved = np.array(rows).T
        left = f"{moved[still == 1].mean():.1%} of {int(still.sum())}" if still.any() else "-"
        print(f"{name:10} {np.median(seen):>11.2%} {changed.mean():>8.1%} {unsure.mean():>27.1%} {left:>22}",
              flush=True)


if __name__ == "__main__":
    run_command(main)
