"""What the robustness and manipulation benchmarks share: the model, the test split made exactly
as training made it (same seed, same 80/10/10), the thumbnail baseline, and the printed table."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.cli.argtypes import number  # noqa: E402
from deforgify.detector import Detector  # noqa: E402
from deforgify.faces.preprocess import preprocess  # noqa: E402
from training.baseline import thumbnail_fake_scores  # noqa: E402
from training.data import Example, load_examples, per_source, split_examples  # noqa: E402
from training.leave_one_out import DATA, SOURCES  # noqa: E402
from training.metrics import metrics_by_source  # noqa: E402
from training.prepared import PreparedSet, prepare  # noqa: E402

DEFAULT_DATA = [str(DATA / source) for source in SOURCES]
"""The bundled model's training sources (their test split is what it never saw)."""


def parse_arguments(description: str) -> argparse.Namespace:
    return argument_parser(description).parse_args()


def argument_parser(description: str, per_source: bool = False) -> argparse.ArgumentParser:
    """The options every test-split benchmark takes (a benchmark may add its own)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", default=None, help="model folder or Hub id; default: bundled")
    parser.add_argument("--data", action="append", default=None,
                        help="default: the bundled model's training sources under " + str(DATA))
    parser.add_argument("--seed", type=number(int, at_least=0), default=0, help="the split seed the model was trained with")
    if per_source:
        parser.add_argument("--per-source", type=number(int, at_least=1), default=None, metavar="N",
                            help="at most N test images of each source (default: all)")
    return parser


def load_test_split(args: argparse.Namespace, splits: dict[str, list[Example]] | None = None
                    ) -> tuple[Detector, PreparedSet]:
    """The model and the test split of its training data (``args.per_source`` images of each
    source at most, when given), from ``splits`` when the caller made them already."""
    detector = Detector.load(args.model)
    test = (splits or model_splits(args))["test"]
    limit = getattr(args, "per_source", None)
    if limit:
        test = per_source(test, limit)
    print(f"model: {detector.source.describe()}; {len(test)} test images, seed {args.seed}", flush=True)
    return detector, prepare(test, os.cpu_count() or 1)


def model_splits(args: argparse.Namespace) -> dict[str, list[Example]]:
    """The splits of the model's training data, made as training made them (``args.data``, ``args.seed``)."""
    return split_examples(load_examples(args.data or DEFAULT_DATA), args.seed)


@dataclass
class TestSplit:
    """A model and the test split of its training data, with the baseline's training inputs."""

    detector: Detector
    train: PreparedSet
    test: PreparedSet
    train_pixels: np.ndarray

    @classmethod
    def load(cls, args: argparse.Namespace) -> "TestSplit":
        splits = model_splits(args)
        detector, test = load_test_split(args, splits)
        train = prepare(splits["train"], os.cpu_count() or 1)
        return cls(detector, train, test, train.pixels(detector.config.preprocessing))

    def print_header(self, first_column: str) -> None:
        columns = self._columns()
        print(f"{first_column:20}" + "".join(f" | {Path(c).name[:31]:^31}" for c in columns))
        print(f"{'':20}" + " | model: acc  AUC / baseline: acc AUC" * len(columns))

    def print_row(self, name: str, images: Sequence[np.ndarray], labels: np.ndarray,
                  sources: list[str]) -> None:
        """Score ``images`` with the model (the full serving path, faces detected again) and
        with the thumbnail baseline fitted on the clean training split; print one table row."""
        model = self.detector.fake_scores(images)
        settings = self.detector.config.preprocessing
        pixels = np.stack([preprocess(rgb, settings).pixels for rgb in images])
        baseline = thumbnail_fake_scores(self.train_pixels, self.train.labels, pixels)
        threshold = self.detector.config.calibration.threshold
        ours = metrics_by_source(labels, model, sources, threshold)
        theirs = metrics_by_source(labels, baseline, sources)
        cells = [(ours, theirs)] + [(ours["per_source"][s], theirs["per_source"][s])
                                    for s in self._columns()[1:]]
        print(f"{name:20}" + "".join(
            f" |  {a['accuracy']:.3f} {a['roc_auc']:.3f}   /   {b['accuracy']:.3f} {b['roc_auc']:.3f} "
            for a, b in cells), flush=True)

    def _columns(self) -> list[str]:
        sources = sorted(set(self.test.sources))
        return ["all", *sources] if len(sources) > 1 else ["all"]
