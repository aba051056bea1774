"""Faces turned on their side or upside down: does the verdict stay, with and without standing
each face upright first (``deforgify.faces.finding.upright``)?

    nice -n 19 python benchmarks/orientation.py [--per-source 15] [--model REF]

Photos of every source under ``../shared/data`` (``--per-source`` of each, drawn with seed 0;
both classes of a source with two), each turned 0, 90, 180 and 270 degrees without an EXIF
orientation tag (a phone photo that lost it, a scan fed in sideways). For each turn it prints how
many photos still have a face found and how often the turn that stands the face upright was found
(for the largest face), both as served (a closer look included); and, among photos with a face
found both ways, how many verdicts differ from the unturned photo's and how many of those swap
"real" and "fake": as served, and with every face judged as found, not stood upright. Then the
face-free scikit-image photos of ``benchmarks/small_faces.py``, turned the same ways: how many get
a verdict (a false face) each way.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.small_faces import backgrounds  # noqa: E402
from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.detector import Detector  # noqa: E402
from deforgify.faces import crops as crops_module  # noqa: E402
from deforgify.faces.crops import face_crops  # noqa: E402
from training.leave_one_out import DATA  # noqa: E402

SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def photos(per_source: int) -> list[Path]:
    """``per_source`` photos of each source folder (of each class folder where it has them)."""
    rng, chosen = random.Random(0), []
    for source in sorted(p for p in DATA.iterdir() if p.is_dir()):
        classes = [c for c in (source / "real", source / "fake") if c.is_dir()] or [source]
        for folder in classes:
            files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
            chosen += rng.sample(files, min(per_source, len(files)))
    return chosen


def turned(rgb: np.ndarray, quarters: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(rgb, quarters))


def changes(labels: list[str], unturned: list[str]) -> str:
    """Among photos with a face both ways: verdicts that differ, and those that swap real and fake."""
    both = [(a, b) for a, b in zip(labels, unturned) if "no_face" not in (a, b)]
    swapped = sum({a, b} == {"real", "fake"} for a, b in both)
    return f"{sum(a != b for a, b in both):>4} of {len(both):<3}{swapped:>9}   "


def as_found(rgb: np.ndarray, face) -> tuple[int, tuple]:
    """Every face judged the way it was found: no turn, no false face left out."""
    return 0, face.box


def main() -> int:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--per-source", type=number(int, at_least=1), default=15)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no {DATA}: this benchmark needs the shared face photos")
        return 2
    detector, files = Detector.load(args.model), photos(args.per_source)
    images = [load_rgb(path) for path in files]
    upright_labels = [p.label for p in detector.predict_rgb(images)]
    print(f"{len(files)} photos from {DATA}; model {detector.source.describe()}")
    print(f"{'turned':>7}{'face found':>12}{'turn right':>12}{'changed':>10}{'real<->fake':>13}"
          f"{'not stood upright: changed':>28}{'real<->fake':>13}")
    for quarters in range(4):
        crops = [face_crops(turned(rgb, quarters), detector.config.preprocessing) for rgb in images]
        found = [faces[0] for faces in crops if faces]
        right = sum(crop.turns == (4 - quarters) % 4 for crop in found)
        served = [p.label for p in detector.predict_rgb([turned(rgb, quarters) for rgb in images])]
        with mock.patch.object(crops_module, "upright", as_found):
            plain = [p.label for p in detector.predict_rgb([turned(rgb, quarters) for rgb in images])]
        print(f"{quarters * 90:>6}°{len(found):>12}{right:>12}{changes(served, upright_labels)}"
              f"{'':>18}{changes(plain, upright_labels)}")
    print("\nface-free photos with a verdict (a false face), turned 0/90/180/270 degrees:")
    free = backgrounds(800)
    for label, patch in (("as served", None), ("not stood upright", as_found)):
        counts = []
        for quarters in range(4):
            batch = [turned(rgb, quarters) for rgb in free.values()]
            if patch:
                with mock.patch.object(crops_module, "upright", patch):
                    predictions = detector.predict_rgb(batch)
            else:
                predictions = detector.predict_rgb(batch)
            counts.append(sum(p.label != "no_face" for p in predictions))
        print(f"  {label:<18} {' / '.join(map(str, counts))} of {len(free)}")
    return 0


if __name__ == "__main__":
    run_command(main)
