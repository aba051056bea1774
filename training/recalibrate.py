"""Fit a model folder's calibration again (temperature, threshold, unsure band) on its own
validation split, without retraining, and measure again everything that depends on it.

    python -m training.recalibrate FOLDER --data SRC [--data SRC ...] [--held-out LOSO.json]
        [--probe SRC] [--seed 0] [--min-face-width PX]

The sources and seed must be the ones the model was trained with (its metrics.json says which;
the seed is taken from there unless given), so that the validation and test splits are the same:
splits that differ from the folder's splits.json are refused (training images would be scored
as test images). The weights, the LiteRT graph, the split
lists and the training curves are kept, and so is the least face width judged unless
--min-face-width sets it (to what ``benchmarks/face_size.py`` suggests); config.json,
metrics.json, the plots that depend on the threshold and the card are rewritten, in a copy of
the folder that replaces it only when all of this succeeded. Exit status 0 on success, 1 when
the data cannot be used, 2 when the folder is not a usable model folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Optional, Sequence

from deforgify.cli.argtypes import DefaultsShown, first_paragraph, number, run_command
from deforgify.model.folder import (METRICS_FILE, SPLITS_FILE, ModelLoadError, load_keras_model, read_config,
                                    write_config)
from training.data import SPLITS, DataError, recorded_examples, split_examples
from training.prepared import prepare_parts
from training.staging import staged_copy
from training.train import TrainingFailed, evaluate_model, held_out_rank, write_evaluation


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.recalibrate", description=first_paragraph(__doc__),
                                     formatter_class=DefaultsShown)
    parser.add_argument("folder", type=Path, help="the model folder to recalibrate in place")
    parser.add_argument("--data", action="append", default=None, metavar="SRC",
                        help="the sources the model was trained on (repeatable; default: those its metrics.json "
                             "records, relative to the folder it was trained in)")
    parser.add_argument("--held-out", type=Path, default=None, metavar="FILE",
                        help="leave-one-source-out results for the band's upper edge (as training.train)")
    parser.add_argument("--probe", action="append", default=[], metavar="SRC",
                        help="a set of fakes of a kind never trained on, whose answer shares the card gives "
                             "(repeatable; as training.train)")
    parser.add_argument("--seed", type=number(int, at_least=0), default=None,
                        help="the seed the model was trained with (default: as its metrics.json says)")
    parser.add_argument("--min-face-width", type=number(int, at_least=1), default=None, metavar="PX",
                        help="faces narrower than this are answered unsure (default: as the folder says)")
    parser.add_argument("--workers", type=number(int, at_least=1), default=os.cpu_count() or 1,
                        help="processes decoding and detecting faces")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = read_config(args.folder)
        if args.min_face_width is not None:
            config = replace(config, min_face_width=args.min_face_width)
        model = load_keras_model(args.folder)
        training = json.loads((args.folder / METRICS_FILE).read_text())["training"]
    except (ModelLoadError, OSError, ValueError, KeyError) as error:
        print(f"error: {args.folder} is not a usable model folder ({error})", file=sys.stderr)
        return 2
    try:
        if args.held_out:
            held_out_rank(args.held_out)
        args.seed = training.get("seed", 0) if args.seed is None else args.seed
        args.data = args.data or training.get("data") or []  # a user had to type again what it records
        splits = split_examples(recorded_examples(args.data), args.seed)
        check_same_splits(args.folder, splits, training)
        prepared = prepare_parts({name: splits[name] for name in SPLITS}, args.workers)
        config, metrics, test_scores = evaluate_model(model, config, prepared, args)
    except (DataError, TrainingFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    metrics["training"] = training | {"recalibrated": time.strftime("%Y-%m-%d", time.gmtime())}
    with staged_copy(args.folder) as folder:
        write_config(folder, config)
        write_evaluation(folder, metrics, prepared["test"].labels, test_scores, args.folder)
    print(json.dumps({"output": str(args.folder), "calibration": config.calibration.to_dict(),
                      "test_unsure": {k: v for k, v in metrics["test"]["unsure"].items()
                                      if k not in ("per_source", "tradeoff")}}), flush=True)
    return 0


def check_same_splits(folder: Path, splits: dict, training: dict) -> None:
    """Refuse splits other than those the model was trained on (its splits.json), compared by
    source folder name, file and label (the same folder may be given by another path)."""
    try:
        recorded = json.loads((folder / SPLITS_FILE).read_text())
    except (OSError, ValueError) as error:
        raise DataError(f"{folder / SPLITS_FILE} cannot be read ({error}): without the split lists the model was "
                        "trained with, its test figures cannot be measured again") from None

    def keyed(rows: Iterable[dict[str, str]]) -> list[tuple[str, str, str]]:
        return sorted((Path(row["source"]).name, row["file"], row["label"]) for row in rows)

    for name in SPLITS:
        made, kept = keyed(e.describe() for e in splits[name]), keyed(recorded.get(name, []))
        if made != kept:
            raise DataError(
                f"--data and --seed do not give the {name} split {folder} was trained on ({SPLITS_FILE}: "
                f"{len(set(made) ^ set(kept))} images differ); it was trained with --seed {training.get('seed')} "
                f"on {' '.join(map(str, training.get('data', [])))}")


if __name__ == "__main__":
    run_command(main)
