"""Quantised LiteRT graphs of a model against its float graph, on the test split: speed, size,
ROC-AUC and how many verdicts change (needs TensorFlow: requirements-train.txt).

    python benchmarks/quantisation.py [--model REF] [--data SRC ...] [--seed 0] [--per-source 150]
                                      [--representative 50] [--repeats 60]

Exports the model's serving graph three ways: float (as shipped), dynamic-range (int8 weights,
float activations) and full integer (int8 weights and activations, the activations' ranges
measured on --representative training faces per source, each with its mirror image; float in and
out). Each is timed on one thread for one model call of 8 test faces and their mirror images
(median of --repeats), and judges the test faces through the model's own calibration and band.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np
from test_split import argument_parser, load_test_split, model_splits

from deforgify.cli.argtypes import first_paragraph, number, run_command
from deforgify.model.folder import load_keras_model
from deforgify.model.runtime import LiteRtRuntime
from training.data import per_source
from training.export import litert_graph
from training.metrics import metrics_by_source
from training.prepared import PreparedSet, prepare

if TYPE_CHECKING:
    import tensorflow as tf

FACES_PER_CALL = 8
"""Faces per timed model call, each with its mirror image (twice the detector's BATCH_SIZE)."""


def dynamic_range(converter: tf.lite.TFLiteConverter) -> None:
    import tensorflow as tf

    converter.optimizations = [tf.lite.Optimize.DEFAULT]


def full_integer(representative: np.ndarray) -> Callable[[tf.lite.TFLiteConverter], None]:
    def configure(converter: tf.lite.TFLiteConverter) -> None:
        dynamic_range(converter)
        converter.representative_dataset = lambda: _calls(representative)

    return configure


def _calls(pixels: np.ndarray) -> Iterator[dict[str, np.ndarray]]:
    for start in range(0, len(pixels), FACES_PER_CALL):
        faces = pixels[start : start + FACES_PER_CALL]
        yield {"pixels": np.concatenate([faces, faces[:, :, ::-1]]).astype(np.float32)}


def fake_probabilities(runtime: LiteRtRuntime, pixels: np.ndarray, fake: int) -> np.ndarray:
    """The raw fake probability of each face, the mean over it and its mirror image."""
    means = []
    for call in _calls(pixels):
        probabilities, _ = runtime.run(call["pixels"])
        count = len(probabilities) // 2
        means.append((probabilities[:count, fake] + probabilities[count:, fake]) / 2)
    return np.concatenate(means)


def call_time(runtime: LiteRtRuntime, pixels: np.ndarray, repeats: int) -> float:
    call = next(_calls(pixels))["pixels"]
    for _ in range(5):
        runtime.run(call)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        runtime.run(call)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argument_parser(first_paragraph(__doc__), per_source=True)
    parser.add_argument("--representative", type=number(int, at_least=1), default=50,
                        help="training faces per source that set the full-integer graph's activation ranges")
    parser.add_argument("--repeats", type=number(int, at_least=1), default=60)
    parser.set_defaults(per_source=150)
    args = parser.parse_args()
    splits = model_splits(args)
    detector, test = load_test_split(args, splits)
    settings, calibration = detector.config.preprocessing, detector.config.calibration
    representative = prepare(per_source(splits["train"], args.representative), 2).pixels(settings)
    pixels = test.pixels(settings)
    model, fake = load_keras_model(detector.source.folder), detector.labels.index("fake")
    graphs = {"float": None, "dynamic-range": dynamic_range, "full integer": full_integer(representative)}
    baseline: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, configure in graphs.items():
            path = Path(scratch) / f"{name}.tflite"
            path.write_bytes(litert_graph(model, fake, configure))
            runtime = LiteRtRuntime(path, threads=1)
            shares = np.array([calibration.fake_probability(p) for p in fake_probabilities(runtime, pixels, fake)])
            verdicts = np.array([calibration.label(share) for share in shares])
            seconds = call_time(runtime, pixels, args.repeats)
            baseline = baseline or {"seconds": seconds, "shares": shares, "verdicts": verdicts}
            report(name, path.stat().st_size, seconds, baseline, shares, verdicts, test, calibration.threshold)


def report(name: str, size: int, seconds: float, baseline: dict, shares: np.ndarray, verdicts: np.ndarray,
           test: PreparedSet, threshold: float) -> None:
    metrics = metrics_by_source(test.labels, shares, test.sources, threshold)
    moved = np.abs(shares - baseline["shares"])
    print(f"{name:14} {size / 1e6:5.1f} MB, a call of {2 * FACES_PER_CALL} crops {seconds * 1000:6.1f} ms "
          f"({seconds / baseline['seconds']:.2f}x float), ROC-AUC {metrics['roc_auc']:.4f}; verdicts as float's "
          f"{np.mean(verdicts == baseline['verdicts']):.1%}, fake share moved median {np.median(moved):.4f} "
          f"p99 {np.percentile(moved, 99):.4f}", flush=True)
    print("    " + ", ".join(f"{Path(source).name} {m['roc_auc']:.4f}" for source, m in metrics["per_source"].items()
                            if m.get("roc_auc") is not None))


if __name__ == "__main__":
    run_command(main)
