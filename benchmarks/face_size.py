"""How well the model judges a face against the face's size in pixels.

    nice -n 19 python benchmarks/face_size.py [--model M] [--per-source N] [--widths 24,32,...]

Every test-split image (the split training made: same seed, same 80/10/10) whose largest face
was found is shrunk (area interpolation, as a camera or a resize would) so that the face box is
W pixels wide, for each W no larger than the face already is (a face is never enlarged), and
judged on the serving path (crop around the shrunk box, resize to the model input, the mirror
averaged). For each W the table compares those faces at W with the same faces at their own
size: accuracy at the model's threshold, ROC-AUC and the share of reals answered "fake"
(false accusations). The verdict's own "unsure" answers are not counted: the raw fake
probability is scored, so the figures say where the pixels stop carrying evidence.

The last line suggests the minimum face width to judge: the smallest W from which every larger
width keeps its AUC (the model's ability to rank fakes above reals, whatever the threshold)
within --tolerance of the same faces at their own size (``deforgify.detector.MIN_JUDGED_FACE``
is the value in use). Accuracy and false accusations are printed beside it: any resize costs
some of both (the model is sensitive to resampling), so they fall even at 128 px.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.test_split import DEFAULT_DATA, load_test_split  # noqa: E402
from deforgify.detector import MIN_JUDGED_FACE  # noqa: E402
from deforgify.preprocess import preprocess_face  # noqa: E402

WIDTHS = (24, 32, 40, 48, 64, 96, 128)
CHUNK = 128


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="model folder or Hub id; default: bundled")
    parser.add_argument("--data", action="append", default=None, help="default: " + ", ".join(DEFAULT_DATA))
    parser.add_argument("--seed", type=int, default=0, help="the split seed the model was trained with")
    parser.add_argument("--per-source", type=int, default=None, metavar="N",
                        help="at most N test images of each source (default: all)")
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)),
                        help="face widths in pixels, comma-separated (default: %(default)s)")
    parser.add_argument("--tolerance", type=float, default=0.02,
                        help="largest drop of AUC accepted for the suggestion")
    return parser.parse_args()


def shrunk(rgb: np.ndarray, face: tuple[int, int, int, int], width: int):
    """The image scaled so that ``face`` is ``width`` pixels wide, and the face's box in it."""
    scale = width / face[2]
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    x, y, w, h = face
    box = (round(x * scale), round(y * scale), width, max(1, round(h * scale)))
    return small, box


def fake_scores(detector, images: list[np.ndarray], faces: list[tuple]) -> np.ndarray:
    """The calibrated fake probability of each image's given face, on the serving path."""
    settings = detector.config.preprocessing
    scores = []
    for start in range(0, len(images), CHUNK):
        crops = [[preprocess_face(rgb, settings, face, [face])] for rgb, face in
                 zip(images[start : start + CHUNK], faces[start : start + CHUNK])]
        scores += [p.confidences["fake"] for p in detector.judge(crops)]
    return np.array(scores)


def figures(labels: np.ndarray, fake: np.ndarray, threshold: float) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    called = fake >= threshold
    both = 0 < labels.sum() < len(labels)
    return {"accuracy": float(np.mean(called == (labels == 1))),
            "auc": float(roc_auc_score(labels == 1, fake)) if both else float("nan"),
            "accused": float(np.mean(called[labels == 0])) if (labels == 0).any() else float("nan")}


def main() -> int:
    args = parse_arguments()
    widths = sorted(int(w) for w in args.widths.split(","))
    started = time.monotonic()
    detector, test = load_test_split(args)
    fake_index = detector.labels.index("fake")
    threshold = detector.config.calibration.threshold
    rows = [i for i, found in enumerate(test.faces) if found]
    labels = np.array([int(test.examples[i].label == fake_index) for i in rows])
    faces = [tuple(test.faces[i][0]) for i in rows]
    images = [test.images[i] for i in rows]
    sources = [Path(test.examples[i].source).name for i in rows]
    native_width = np.array([f[2] for f in faces])
    print(f"{len(rows)} of {len(test.examples)} test images have a face; threshold {threshold:.3f}")
    print("median face width in pixels at the image's own size, by source:")
    for source in sorted(set(sources)):
        chosen = [w for w, s in zip(native_width, sources) if s == source]
        print(f"  {source:22} {len(chosen):5} faces  median {statistics.median(chosen):6.0f} px  "
              f"(10-90 %: {np.percentile(chosen, 10):.0f}-{np.percentile(chosen, 90):.0f})")
    native = fake_scores(detector, images, faces)
    print(f"\n{'width':>6} {'faces':>6} {'real':>5} {'fake':>5} | {'accuracy':>8} {'own size':>8} | "
          f"{'AUC':>6} {'own size':>8} | {'accused':>7} {'own size':>8}")
    results = {}
    for width in widths:
        chosen = np.flatnonzero(native_width >= width)
        if len(chosen) == 0:
            print(f"{width:>6} no face is this wide")
            continue
        scaled = [shrunk(images[i], faces[i], width) for i in chosen]
        small = fake_scores(detector, [s[0] for s in scaled], [s[1] for s in scaled])
        at, own = figures(labels[chosen], small, threshold), figures(labels[chosen], native[chosen], threshold)
        results[width] = (at, own)
        real = int((labels[chosen] == 0).sum())
        print(f"{width:>6} {len(chosen):>6} {real:>5} {len(chosen) - real:>5} | {at['accuracy']:8.3f} "
              f"{own['accuracy']:8.3f} | {at['auc']:6.3f} {own['auc']:8.3f} | {at['accused']:7.3f} "
              f"{own['accused']:8.3f}", flush=True)
    good = [w for w, (at, own) in results.items() if own["auc"] - at["auc"] <= args.tolerance]
    suggestion = next((w for w in sorted(results) if all(v in good for v in sorted(results) if v >= w)), None)
    print(f"\nsuggested minimum face width: {suggestion} px (smallest width from which every larger one "
          f"loses at most {args.tolerance:.2f} of AUC against the same faces at their own size); "
          f"in use: MIN_JUDGED_FACE = "
          f"{MIN_JUDGED_FACE} px; {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
