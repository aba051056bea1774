"""Colour removed: how the served verdicts of the test split's faces change when a photo is made
greyscale (or sepia, a tint over greyscale; greyscale beside colour), or faded (a filter's washed-out
look: its colour kept in part, over the "no colour" line), per source.

    python benchmarks/greyscale.py [--model REF] [--data SRC ...] [--seed 0] [--per-source N]

A visitor found that greyscale copies of fakes were cleared as "real" (9 of 30), and another
that colour beside a greyscale face (a red border, a caption bar) got them judged again. For each
way a photo is shown, and each source, it prints the ROC-AUC and the shares of fakes called "real"
and "fake" and of reals called "real" and "fake", as served (the unsure band applied).
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np
from test_split import argument_parser, load_test_split

from deforgify.cli.argtypes import first_paragraph, run_command
from deforgify.faces.finding import detect_faces
from training.degrade import greyscale, tinted
from training.format_parity import VariantResult, judge_variant


def in_red_border(rgb: np.ndarray) -> np.ndarray:
    """Greyscale in a 20 px red border: colour beside a face without any (a visitor's find)."""
    return cv2.copyMakeBorder(greyscale(rgb), 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=(200, 30, 30))


def under_caption_bar(rgb: np.ndarray) -> np.ndarray:
    """Greyscale above a blue caption bar a quarter of its height, as a social-media post."""
    bar = np.full((max(1, rgb.shape[0] // 4), rgb.shape[1], 3), (40, 90, 220), np.uint8)
    return np.concatenate([greyscale(rgb), bar])


def with_sticker(rgb: np.ndarray) -> np.ndarray:
    """Greyscale with a yellow sticker on the cheek of its largest face (a visitor's find)."""
    shown = greyscale(rgb).copy()
    faces = detect_faces(rgb)
    if faces:
        x, y, w, h = faces[0]
        cv2.circle(shown, (x + w // 3, y + int(h * 0.6)), max(4, w // 8), (240, 210, 20), -1)
    return shown


def faded(share: float) -> Callable[[np.ndarray], np.ndarray]:
    """The photo with ``share`` of its colour kept (0: greyscale; a visitor's "fade" filter at 25 %
    took the face-swap example from "fake" to "unsure" and the astronaut to "real")."""

    def fade(rgb: np.ndarray) -> np.ndarray:
        grey = greyscale(rgb).astype(np.float32)
        return np.clip(grey + share * (rgb.astype(np.float32) - grey) + 0.5, 0, 255).astype(np.uint8)

    return fade


WAYS = {"colour": lambda rgb: rgb, "greyscale": greyscale, "sepia": tinted, "grey+border": in_red_border,
        "grey+bar": under_caption_bar, "grey+sticker": with_sticker, "faded 50%": faded(0.5),
        "faded 25%": faded(0.25)}


def shares(result: VariantResult) -> str:
    fakes, reals = result.verdicts[result.is_fake], result.verdicts[~result.is_fake]
    auc = result.roc_auc
    cells = [(fakes, "real"), (fakes, "fake"), (reals, "real"), (reals, "fake")]  # a source of reals alone has no fakes
    return f"{'-' if auc is None else f'{auc:.3f}':>6} " + " ".join(
        f"{np.mean(verdicts == label):>11.1%}" if len(verdicts) else f"{'-':>11}" for verdicts, label in cells)


def main() -> None:
    parser = argument_parser(first_paragraph(__doc__), per_source=True)
    detector, test = load_test_split(parser.parse_args())
    sources = np.array(test.sources)
    print(f"{'source':24} {'shown':12} {'AUC':>6} {'fakes real':>11} {'fakes fake':>11} {'reals real':>11} "
          f"{'reals fake':>11}")
    results = {way: judge_variant(detector, way, test.images, test.labels, WAYS) for way in WAYS}
    for source in ["all", *sorted(set(test.sources))]:
        rows = np.ones(len(sources), bool) if source == "all" else sources == source
        for way, result in results.items():
            print(f"{source.rstrip('/').split('/')[-1][:24]:24} {way:12} {shares(result.subset(rows))}", flush=True)


if __name__ == "__main__":
    run_command(main)
