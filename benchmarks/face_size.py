"""How well the model judges a face against the face's size in pixels.

    nice -n 19 python benchmarks/face_size.py [--model M] [--per-source N] [--widths 24,32,...]

Every test-split image (the split training made: same seed, same 80/10/10) whose largest face
was found is shrunk (area interpolation, as a camera or a resize would) so that the face box is
W pixels wide, for each W no larger than the face already is (a face is never enlarged), and
judged on the serving path (crop around the shrunk box, resize to the model input, the mirror
averaged). For each W it prints two tables against the same faces at their own size:

- the raw fake probability: accuracy at the model's threshold, ROC-AUC and the share of reals
  above the threshold (where the pixels stop carrying evidence);
- the verdict as served, with the unsure band: the share answered, the accuracy of those
  answers, and the share of reals answered "fake" (false accusations), overall and in the worst
  source.

The last line suggests the minimum face width to judge (``min_face_width`` in the model's
``config.json`` is the value in use; ``python -m training.recalibrate --min-face-width W`` sets
it) by the product's own promise: the smallest W from which, at every larger
width, the band's answers stay right at least --min-right of the time and no source has more
than --max-accused of its reals answered "fake". A smaller face carries less evidence, but the
band already answers it less often; the rule checks that the answers it still gives hold. A
width where nothing is answered, or where no real is left, fails the rule. The face
box is the one found at the image's own size, scaled down (the search is not run again: the face
detector still finds a 31 px face in the test's 169 px astronaut, tests/test_cli.py).
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
from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.faces.preprocess import preprocess_face  # noqa: E402
from training.calibrate import answer_summary  # noqa: E402

WIDTHS = (24, 32, 40, 48, 56, 64, 96, 128)
CHUNK = 128


def width_list(text: str) -> list[int]:
    """An argparse ``type``: face widths of 8 px or more, comma-separated."""
    try:
        return [number(int, at_least=8)(part) for part in text.split(",")]
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"each width {error}") from None


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=first_paragraph(__doc__))
    parser.add_argument("--model", default=None, help="model folder or Hub id; default: bundled")
    parser.add_argument("--data", action="append", default=None, help="default: " + ", ".join(DEFAULT_DATA))
    parser.add_argument("--seed", type=number(int, at_least=0), default=0, help="the split seed the model was trained with")
    parser.add_argument("--per-source", type=number(int, at_least=1), default=None, metavar="N",
                        help="at most N test images of each source (default: all)")
    parser.add_argument("--widths", type=width_list, default=WIDTHS,
                        help=f"face widths in pixels, comma-separated (default: {','.join(map(str, WIDTHS))})")
    parser.add_argument("--min-right", type=number(at_least=0, below=1.000001), default=0.95,
                        help="least accuracy of the answers (real or fake) at a judged width")
    parser.add_argument("--max-accused", type=number(at_least=0, below=1.000001), default=0.01,
                        help="largest share of any source's reals answered \"fake\" at a judged width")
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
            "over": float(np.mean(called[labels == 0])) if (labels == 0).any() else float("nan")}


def served(labels: np.ndarray, fake: np.ndarray, sources: np.ndarray, calibration) -> dict:
    """The verdicts with the unsure band: share answered, their accuracy, reals answered "fake"
    overall and in the source with the most (NaN where there is nothing to count)."""
    summary = answer_summary(labels, fake, calibration, list(sources))
    accused = {name: figures["reals_accused"]
               for name, figures in summary.get("per_source", {sources[0]: summary}).items()}
    worst = max(accused, key=lambda name: -1.0 if accused[name] is None else accused[name])
    return {"answered": summary["answered_share"], "right": _number(summary["accuracy_when_sure"]),
            "accused": _number(summary["reals_accused"]), "worst": _number(accused[worst]), "worst_source": worst}


def _number(value: float | None) -> float:
    return float("nan") if value is None else value


def print_face_widths(native_width: np.ndarray, sources: list[str]) -> None:
    print("median face width in pixels at the image's own size, by source:")
    for source in sorted(set(sources)):
        chosen = [w for w, s in zip(native_width, sources) if s == source]
        print(f"  {source:22} {len(chosen):5} faces  median {statistics.median(chosen):6.0f} px  "
              f"(10-90 %: {np.percentile(chosen, 10):.0f}-{np.percentile(chosen, 90):.0f})")


def print_tables(results: dict[int, dict]) -> None:
    print(f"\nraw fake probability, at the threshold\n{'width':>6} {'faces':>6} {'real':>5} {'fake':>5} | "
          f"{'accuracy':>8} {'own size':>8} | {'AUC':>6} {'own size':>8} | {'reals over':>10} {'own size':>8}")
    for width, r in results.items():
        at, own = r["raw"]
        print(f"{width:>6} {r['faces']:>6} {r['real']:>5} {r['faces'] - r['real']:>5} | {at['accuracy']:8.3f} "
              f"{own['accuracy']:8.3f} | {at['auc']:6.3f} {own['auc']:8.3f} | {at['over']:10.3f} "
              f"{own['over']:8.3f}")
    print(f"\nverdict as served, with the unsure band\n{'width':>6} | {'answered':>8} {'own size':>8} | "
          f"{'right':>6} {'own size':>8} | {'accused':>7} {'own size':>8} | worst source accused")
    for width, r in results.items():
        at, own = r["served"]
        print(f"{width:>6} | {at['answered']:8.3f} {own['answered']:8.3f} | {at['right']:6.3f} {own['right']:8.3f} | "
              f"{at['accused']:7.3f} {own['accused']:8.3f} | {at['worst']:.3f} {at['worst_source']}")


def suggestion(results: dict[int, dict], min_right: float, max_accused: float) -> int | None:
    """The smallest width from which every larger one keeps the band's promise."""
    holds = {w: bool(r["served"][0]["right"] >= min_right and r["served"][0]["worst"] <= max_accused)
             for w, r in results.items()}
    return next((w for w in sorted(holds) if all(holds[v] for v in holds if v >= w)), None)


def main() -> int:
    args = parse_arguments()
    widths = sorted(set(args.widths))
    started = time.monotonic()
    detector, test = load_test_split(args)
    fake_index = detector.labels.index("fake")
    calibration = detector.config.calibration
    rows = [i for i, found in enumerate(test.faces) if found]
    labels = np.array([int(test.examples[i].label == fake_index) for i in rows])
    faces = [tuple(test.faces[i][0]) for i in rows]
    images = [test.images[i] for i in rows]
    sources = np.array([Path(test.examples[i].source).name for i in rows])
    native_width = np.array([f[2] for f in faces])
    print(f"{len(rows)} of {len(test.examples)} test images have a face; threshold {calibration.threshold:.3f}, "
          f"band {calibration.unsure_low:.3f}-{calibration.unsure_high:.3f}")
    print_face_widths(native_width, list(sources))
    if missing := [w for w in widths if w > native_width.max()]:
        print(f"no face is as wide as {', '.join(map(str, missing))} px")
    native = fake_scores(detector, images, faces)
    results = {}
    for width in widths:
        chosen = np.flatnonzero(native_width >= width)
        if len(chosen) == 0:
            continue
        scaled = [shrunk(images[i], faces[i], width) for i in chosen]
        small = fake_scores(detector, [s[0] for s in scaled], [s[1] for s in scaled])
        part, names = labels[chosen], sources[chosen]
        results[width] = {
            "faces": len(chosen), "real": int((part == 0).sum()),
            "raw": (figures(part, small, calibration.threshold), figures(part, native[chosen], calibration.threshold)),
            "served": (served(part, small, names, calibration), served(part, native[chosen], names, calibration))}
    print_tables(results)
    print(f"\nsuggested minimum face width: {suggestion(results, args.min_right, args.max_accused)} px "
          f"(smallest width from which every larger one keeps the band's answers right at least "
          f"{args.min_right:.0%} of the time and at most {args.max_accused:.0%} of any source's reals "
          f"answered \"fake\"); in use: min_face_width = {detector.config.min_face_width} px; {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    run_command(main)
