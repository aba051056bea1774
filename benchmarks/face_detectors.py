"""Faces found per source and class, false faces on face-free photos, and time per image:
the BlazeFace detectors Deforgify uses against OpenCV's Haar cascade it used before.

    python benchmarks/face_detectors.py [--per-class 100]

The Haar cascade is run here as the old code ran it (frontal-face default cascade on a copy
reduced to 160 px, faces at least 15 % of the shorter side, scale step 1.05, 5 neighbours,
retried on an edge-padded copy). Face-free photos: those shipped with scikit-image.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.decode.images import load_rgb  # noqa: E402
from deforgify.faces.finding import detect_faces  # noqa: E402

DATA = ROOT.parent / "shared/data"
SETS = [("hardfakevsrealfaces", "real"), ("hardfakevsrealfaces", "fake"), ("ffhq-vs-stylegan2", "real"),
        ("ffhq-vs-stylegan2", "fake"), ("dfdc-faceswap", "real"), ("dfdc-faceswap", "fake"),
        ("ffpp-c23-faces", "real"), ("ffpp-c23-faces", "fake"), ("utkface-real", "real"),
        ("diffusion-probe", "fake")]
FACE_FREE = ["coffee", "chelsea", "rocket", "colorwheel", "clock", "horse", "coins", "logo", "brick",
             "page", "hubble_deep_field", "immunohistochemistry", "retina", "grass", "gravel", "moon",
             "text", "cell", "microaneurysms", "motorcycle_left"]


class Haar:
    def __init__(self):
        self.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def __call__(self, rgb: np.ndarray) -> list:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        scale = min(1.0, 160 / max(grey.shape))
        if scale < 1:
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        side = max(20, int(0.15 * min(grey.shape)))
        for pad in (0, int(round(0.25 * max(grey.shape)))):
            padded = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else grey
            found = self.cascade.detectMultiScale(padded, scaleFactor=1.05, minNeighbors=5, minSize=(side, side))
            if len(found):
                return list(found)
        return []


def measure(detector, images: list[np.ndarray]) -> tuple[float, float]:
    """Share of images with a face, and median milliseconds per image."""
    found, times = [], []
    for rgb in images:
        start = time.perf_counter()
        found.append(bool(detector(rgb)))
        times.append(time.perf_counter() - start)
    return float(np.mean(found)), statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--per-class", type=number(int, at_least=1), default=100)
    args = parser.parse_args()
    from skimage import data

    detectors = {"Haar": Haar(), "BlazeFace": detect_faces}
    rng = random.Random(0)
    rows = []
    for source, label in SETS:
        files = sorted((DATA / source / label).glob("*"))
        if files:
            rows.append((f"{source} {label}", [load_rgb(f) for f in rng.sample(files, min(args.per_class, len(files)))]))
    rows.append(("face-free photos", [load_rgb(getattr(data, name)()) for name in FACE_FREE if hasattr(data, name)]))
    print(f"{'images':32} {'n':>4} " + " ".join(f"{name + ' found':>16} {'ms':>6}" for name in detectors))
    for name, images in rows:
        cells = [measure(detector, images) for detector in detectors.values()]
        print(f"{name:32} {len(images):4} " + " ".join(f"{share:16.0%} {ms:6.1f}" for share, ms in cells), flush=True)


if __name__ == "__main__":
    run_command(main)
