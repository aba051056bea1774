"""Evaluate any model on any labelled data and print the metrics as JSON.

    python -m training.evaluate --model REF --data SRC [--data SRC ...] [--split test] [--seed 0]

``--split`` picks one part of the same seeded 80/10/10 split that training makes (so the test
split of a model trained with that seed is the data it never saw), or ``all`` for every image.
The model is measured with its own threshold ("fake" at it) and, under ``unsure``, the share its
unsure band answers, how often those answers are right, and the reals it clears and accuses (the
figures of its card's test split, for the model's own seed and sources). Faces are found as
training found them (no closer look); an image with none found is judged on its centre square,
counted apart as the face-found rate (the app would answer it "no face").
Exit status 0 on success, 1 when the data cannot be used, 2 when the model cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional, Sequence

from deforgify.cli.argtypes import DefaultsShown, first_paragraph, model_reference, number, run_command
from deforgify.model.facts import training_facts
from deforgify.model.folder import ModelLoadError
from training.calibrate import answer_summary
from training.data import SPLITS, DataError, load_examples, source_name, split_examples
from training.metrics import metrics_by_source
from training.prepared import prepare


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate", description=first_paragraph(__doc__),
                                     formatter_class=DefaultsShown)
    parser.add_argument("--model", type=model_reference, default=None,
                        help="model folder or Hub repo id; default: bundled")
    parser.add_argument("--data", action="append", required=True, metavar="SRC",
                        help="imagefolder folder (real/, fake/) or Hub dataset id; repeatable")
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="test",
                        help="which part of each source to score, as the model's seed splits it; all: every image "
                             "(a source the model never saw)")
    parser.add_argument("--seed", type=number(int, at_least=0), default=None,
                        help="the seed the split was made with (default: the model's own, as its metrics.json says)")
    parser.add_argument("--workers", type=number(int, at_least=1), default=os.cpu_count() or 1,
                        help="processes decoding and detecting faces")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    from deforgify.detector import Detector

    try:
        detector = Detector.load(args.model)
        examples = load_examples(args.data)
        facts = training_facts(detector.source.folder)
        seed = facts.get("seed", 0) if args.seed is None else args.seed
        if args.split != "all" and "seed" in facts and seed != facts["seed"]:
            print(f"note: the model was trained with seed {facts['seed']}: with seed {seed} the {args.split} split "
                  "holds images it was trained on, so these figures are not held-out ones", file=sys.stderr)
        if args.split != "all":
            examples = split_examples(examples, seed)[args.split]
            _note_unseen(args.data, facts.get("data", []), args.split)
        data = prepare(examples, args.workers)
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    calibration = detector.config.calibration  # measured as served: its threshold and unsure band
    scores = detector.fake_scores(data.images)
    metrics = metrics_by_source(data.labels, scores, data.sources, calibration.threshold)
    metrics["unsure"] = answer_summary(data.labels, scores, calibration, data.sources)
    print(json.dumps({"model": detector.source.describe(), "split": args.split, "seed": seed, **metrics}, indent=2))
    return 0


def _note_unseen(sources: list[str], trained: list[str], split: str) -> None:
    """A source the model never trained on is its own held-out test: its ``split`` share (10 %
    for test) is then a small sample of it, and was scored as if it were the card's test split."""
    known = {source_name(s) for s in trained}
    unseen = [s for s in sources if source_name(s) not in known]
    if trained and unseen:
        print(f"note: the model was not trained on {', '.join(map(str, unseen))}: --split {split} scores only "
              "that part of it; --split all scores every image", file=sys.stderr)


if __name__ == "__main__":
    run_command(main)
