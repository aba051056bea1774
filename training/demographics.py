"""Real faces by group: does the served model clear and accuse people of some groups more than others?

    python -m training.demographics MODEL_FOLDER --data ../shared/data/utkface-real [--split test] [--write]

A source whose ``files.csv`` gives each photo's age, gender and race (UTKFace's: 400 per race
code, ages 16-70, see its SOURCE.md) has the real photos of the model's split (its
``splits.json``; ``all`` takes every photo, trained on or not) answered as served, and for each
group it gives how many there are and the shares answered "real" (cleared), "unsure", "fake"
(accused: all are real) and "no face", and among them the share "unsure" because the face has no
colour (``deforgify.faces.colour``: a rule that must not fall on some skins more than others), with the
widest gap between groups of each kind. Training measures it on its test split when such a source
is among its data (``metrics.json``'s ``real_faces_by_group``, and the model card); ``--write``
records it so in a model folder trained before that. A share rests on a few dozen photos per group
on the test split: about +-7 points (one standard error at 50 %, 50 photos).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Optional, Sequence

from deforgify.cli.argtypes import DefaultsShown, first_paragraph, number, run_command
from deforgify.detector import Detector
from deforgify.faces.unjudged import lacks_colour
from deforgify.prediction import Prediction

GROUPS_FILE = "files.csv"
"""The file of a source naming each photo's people's groups (columns ``age``, ``gender(...)``,
``race(...)``, the codes explained in the brackets)."""
ANSWERS = ("real", "unsure", "fake", "no_face")
NO_COLOUR = "no_colour"
"""The "unsure" answers given because the face has no colour."""
COLUMNS = (*ANSWERS, NO_COLOUR)
KINDS = ("race", "gender", "age")
GENDERS = {"0": "man", "1": "woman"}
RACES = {"0": "white", "1": "black", "2": "asian", "3": "indian", "4": "other"}
AGE_BANDS = ((16, 29), (30, 44), (45, 70))


def groups_of(row: dict[str, str]) -> dict[str, str]:
    """A photo's group of each kind, from its files.csv row (columns named by their codes)."""
    codes = {key.split("(")[0]: value for key, value in row.items()}
    age = int(codes["age"])
    band = next((f"{low}-{high}" for low, high in AGE_BANDS if low <= age <= high), "other ages")
    return {"race": RACES.get(codes["race"], codes["race"]), "gender": GENDERS.get(codes["gender"], codes["gender"]),
            "age": band}


def people_groups(source: str) -> dict[str, dict[str, str]]:
    """Each photo's groups by its file name, for a source folder with a files.csv of age, gender
    and race; empty for any other source."""
    path = Path(source) / GROUPS_FILE
    if not path.is_file():
        return {}
    with open(path, newline="") as table:
        rows = list(csv.DictReader(table))
    if not rows or not {"age", "gender", "race"} <= {key.split("(")[0] for key in rows[0]}:
        return {}
    return {row["file"]: groups_of(row) for row in rows}


def tally(answered: Sequence[tuple[dict[str, str], Prediction]]) -> dict[str, Any]:
    """The shares of each answer, for all photos and per group of each kind, with the widest gap
    between the groups of a kind."""
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for groups, prediction in answered:
        for kind, group in [("all", "all"), *groups.items()]:
            counts[kind, group][prediction.label] += 1
            counts[kind, group][NO_COLOUR] += lacks_colour(prediction.caution)
    result: dict[str, Any] = {"photos": len(answered), "groups": {}, "widest_gap": {}}
    for kind in ("all", *KINDS):
        photos = {group: sum(c[a] for a in ANSWERS) for (k, group), c in counts.items() if k == kind}
        shares = {group: {"photos": photos[group], **{a: round(c[a] / photos[group], 4) for a in COLUMNS}}
                  for (k, group), c in sorted(counts.items()) if k == kind}
        result["groups"][kind] = shares
        if len(shares) > 1:
            result["widest_gap"][kind] = {a: round(max(s[a] for s in shares.values())
                                                   - min(s[a] for s in shares.values()), 4) for a in COLUMNS}
    return result


def real_faces_by_group(detector: Detector, examples: Sequence[Any], images: Sequence[Any]) -> dict[str, Any]:
    """:func:`tally` of the real photos among ``examples`` (training's, with their decoded
    ``images``) whose source names their groups, per such source (by its folder's name)."""
    from deforgify.model.folder import LABELS

    real, tables = LABELS.index("real"), {source: people_groups(source) for source in {e.source for e in examples}}
    by_source: dict[str, list[tuple[dict[str, str], Any]]] = defaultdict(list)
    for example, rgb in zip(examples, images):
        groups = tables[example.source].get(Path(example.key).name) if example.label == real else None
        if groups:
            by_source[Path(example.source).name].append((groups, rgb))
    return {name: tally(list(zip([g for g, _ in rows], detector.predict_rgb([rgb for _, rgb in rows]))))
            for name, rows in by_source.items()}


def table(result: dict[str, Any]) -> str:
    """The shares as a plain-text table, a row per group and the widest gap under each kind."""
    lines = [f"{'group':22} {'photos':>6} " + " ".join(f"{a:>9}" for a in COLUMNS)]
    for kind, shares in result["groups"].items():
        for group, share in shares.items():
            name = kind if kind == "all" else f"{kind}: {group}"
            lines.append(f"{name:22} {share['photos']:6d} "
                         + " ".join(f"{share[a]:9.1%}" for a in COLUMNS))
        if kind in result["widest_gap"]:
            gap = result["widest_gap"][kind]
            lines.append(f"{'  widest gap':22} {'':6} " + " ".join(f"{gap[a]:9.1%}" for a in COLUMNS))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.demographics", description=first_paragraph(__doc__),
                                     formatter_class=DefaultsShown)
    parser.add_argument("folder", type=Path, help="the model folder (with its splits.json)")
    parser.add_argument("--data", required=True, help="a source folder with files.csv (UTKFace)")
    parser.add_argument("--split", default="test", choices=("train", "val", "test", "all"),
                        help="the model's split to answer (test: photos it never trained on)")
    parser.add_argument("--write", action="store_true",
                        help="record the test split's figures in the folder's metrics.json and card")
    parser.add_argument("--workers", type=number(int, at_least=1), default=os.cpu_count() or 1,
                        help="processes decoding and detecting faces")
    return parser


def chosen(examples: list[Any], folder: Path, split: str) -> list[Any]:
    """The examples in the model's ``split`` (by source folder name and file), or all of them."""
    if split == "all":
        return examples
    from deforgify.model.folder import SPLITS_FILE

    listed = {(Path(e["source"]).name, e["file"]) for e in json.loads((folder / SPLITS_FILE).read_text())[split]}
    return [e for e in examples if (Path(e.source).name, e.key) in listed]


def main(argv: Optional[Sequence[str]] = None) -> int:
    from deforgify.model.folder import LABELS, ModelLoadError
    from training.data import DataError, load_examples
    from training.prepared import prepare

    args = build_parser().parse_args(argv)
    if args.write and args.split != "test":
        print("error: --write records the test split's figures: leave --split out", file=sys.stderr)
        return 2
    if not people_groups(args.data):
        print(f"error: {args.data} has no {GROUPS_FILE} giving each photo's age, gender and race", file=sys.stderr)
        return 2
    try:
        detector = Detector.load(str(args.folder))
        real = LABELS.index("real")
        examples = [e for e in chosen(load_examples([args.data]), args.folder, args.split) if e.label == real]
        if not examples:
            raise DataError(f"no real photo of {args.data} is in the model's {args.split} split")
        prepared = prepare(examples, args.workers)
    except (ModelLoadError, DataError, OSError, KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = real_faces_by_group(detector, prepared.examples, prepared.images)[Path(args.data).name]
    print(f"{detector.source.describe()}, {result['photos']} real photos of {Path(args.data).name} "
          f"({args.split} split)\n{table(result)}")
    if args.write:
        record(args.folder, {Path(args.data).name: result})
    return 0


def record(folder: Path, by_source: dict[str, Any]) -> None:
    """Replace the folder's ``real_faces_by_group`` figures and re-render its card, in one step."""
    from deforgify.model.folder import METRICS_FILE
    from training.card import write_card
    from training.staging import staged_copy

    with staged_copy(folder) as staging:
        metrics = json.loads((staging / METRICS_FILE).read_text())
        metrics["real_faces_by_group"] = by_source
        (staging / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
        write_card(staging, home=folder)
    print(f"recorded in {folder / METRICS_FILE} and its card", flush=True)


if __name__ == "__main__":
    run_command(main)
