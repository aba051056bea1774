"""Real faces by group: does the served model clear and accuse people of some groups more than others?

    python benchmarks/demographics.py [--model REF] [--data ../shared/data/utkface-real] [--split test]

UTKFace's real photos carry age, gender and race in ``files.csv`` (400 per race code, ages 16-70,
see its SOURCE.md). The photos of the model's ``--split`` (its ``splits.json``; ``all`` takes every
photo, trained on or not) are answered as served, and for each group it prints how many there
are and the shares answered "real" (cleared), "unsure", "fake" (accused: all are real) and "no
face", and among them the share "unsure" because the face has no colour (``deforgify.colour``:
a rule that must not fall on some skins more than others), with the widest gap between groups
of each kind. A share rests on a few dozen photos per
group on the test split: about +-7 points (one standard error at 50 %, 50 photos).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.argtypes import first_paragraph, run_command
from deforgify.detector import Detector, lacks_colour  # noqa: E402
from deforgify.model.folder import ModelLoadError  # noqa: E402
from training.leave_one_out import DATA  # noqa: E402

ANSWERS = ("real", "unsure", "fake", "no_face")
NO_COLOUR = "no colour"
"""The column of the "unsure" answers given because the face has no colour."""
COLUMNS = (*ANSWERS, NO_COLOUR)
GENDERS = {"0": "man", "1": "woman"}
RACES = {"0": "white", "1": "black", "2": "asian", "3": "indian", "4": "other"}
AGE_BANDS = ((16, 29), (30, 44), (45, 70))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--model", default=None, help="model folder or Hub id (default: the bundled model)")
    parser.add_argument("--data", type=Path, default=DATA / "utkface-real", help="UTKFace folder with files.csv")
    parser.add_argument("--split", default="test", choices=("train", "val", "test", "all"),
                        help="the model's split to answer (default test: photos it never trained on)")
    return parser.parse_args()


def groups_of(row: dict[str, str]) -> dict[str, str]:
    """A photo's group of each kind, from its files.csv row (columns named by their codes)."""
    codes = {key.split("(")[0]: value for key, value in row.items()}
    age = int(codes["age"])
    band = next((f"{low}-{high}" for low, high in AGE_BANDS if low <= age <= high), "other ages")
    return {"race": RACES.get(codes["race"], codes["race"]), "gender": GENDERS.get(codes["gender"], codes["gender"]),
            "age": band}


def chosen_files(detector: Detector, data: Path, split: str) -> Optional[set[str]]:
    """The file names of ``data`` in the model's ``split``; None for every file."""
    if split == "all":
        return None
    splits = json.loads((detector.source.folder / "splits.json").read_text())
    return {Path(e["file"]).name for e in splits[split] if Path(e["source"]).name == data.name}


def main() -> None:
    args = parse_arguments()
    try:
        detector = Detector.load(args.model)
        rows = list(csv.DictReader(open(args.data / "files.csv", newline="")))
        chosen = chosen_files(detector, args.data, args.split)
    except (ModelLoadError, OSError, KeyError) as error:
        sys.exit(f"error: {error}")
    rows = [row for row in rows if chosen is None or row["file"] in chosen]
    if not rows:
        sys.exit(f"error: no photo of {args.data} is in the model's {args.split} split")
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for row in rows:
        prediction = detector.predict(args.data / "real" / row["file"])
        for kind, group in [("all", "all"), *groups_of(row).items()]:
            counts[kind, group][prediction.label] += 1
            counts[kind, group][NO_COLOUR] += lacks_colour(prediction.caution)
    print(f"{detector.source.describe()}, {len(rows)} real photos of {args.data.name} ({args.split} split)")
    print(f"{'group':22} {'photos':>6} " + " ".join(f"{a:>9}" for a in COLUMNS))
    for kind in ("all", "race", "gender", "age"):
        totals = {group: sum(c[a] for a in ANSWERS) for (k, group), c in counts.items() if k == kind}
        shares = {group: {a: c[a] / totals[group] for a in COLUMNS} for (k, group), c in sorted(counts.items())
                  if k == kind}
        for group, share in shares.items():
            print(f"{kind + ': ' + group:22} {totals[group]:6d} " + " ".join(f"{share[a]:9.1%}" for a in COLUMNS))
        if len(shares) > 1:
            gaps = {a: max(s[a] for s in shares.values()) - min(s[a] for s in shares.values()) for a in COLUMNS}
            print(f"{'  widest gap':22} {'':6} " + " ".join(f"{gaps[a]:9.1%}" for a in COLUMNS))


if __name__ == "__main__":
    run_command(main)
