"""Leave-one-source-out evaluation: how a recipe does on a source it has never seen.

    python -m training.leave_one_out [--data SRC ...] [--probe SRC] [--architecture NAME]
        [--epochs 6] [--per-source 600] [--output FILE]

For each source (and each FaceForensics++ method), a model is trained with the quick recipe on
the train splits of everything else and scored on every image of the held-out part: ROC-AUC,
accuracy and the false-accusation rate (reals answered "fake") at the threshold fitted on the
training sources' validation split, the share answered "unsure" and the share with no face.
For a FaceForensics++ method the held-out part is its fakes and the real frames of the same
target videos; nothing of those videos is trained on. Fakes-only probe sets (diffusion
portraits) are scored by every model: the share called fake / unsure / real / no face.

The matrix is printed, and written with every held-out score to ``--output`` (JSON), from which
training fits the unsure band on predictions for photos unlike the training data.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Sequence

import numpy as np

from deforgify.cli.argtypes import DefaultsShown, first_paragraph, run_command
from deforgify.faces.preprocess import PreprocessConfig
from deforgify.model.calibration import Calibration
from deforgify.model.folder import LABELS, ModelConfig
from training.data import Example, load_examples, split_examples
from training.prepared import PreparedSet, prepare, prepare_parts
from training.recipe import add_recipe_options, check_recipe
from training.staging import replace_file

if TYPE_CHECKING:
    from deforgify.detector import Detector

REAL, FAKE = LABELS.index("real"), LABELS.index("fake")
DATA = Path(os.environ.get("DEFORGIFY_DATA", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
SOURCES = ("hardfakevsrealfaces", "ffhq-vs-stylegan2", "dfdc-faceswap", "ffpp-c23-faces", "utkface-real",
           "diffusion-faces")
PROBES = ("diffusion-probe",)
FFPP = "ffpp-c23-faces"
FFPP_METHODS = ("Deepfakes", "Face2Face", "FaceSwap")


@dataclass(frozen=True)
class Unit:
    """One held-out part: ``held_out`` says which examples are not trained on, ``tested`` which
    of them are scored."""

    name: str
    held_out: Callable[[Example], bool]
    tested: Callable[[Example], bool]


def ffpp_method(example: Example) -> str:
    """The FaceForensics++ method of a crop, from its name (ffpp_<method>_..., orig = real)."""
    return Path(example.key).name.split("_")[1]


def units(examples: list[Example]) -> list[Unit]:
    found = sorted({e.source_name for e in examples})
    result = [Unit(name, lambda e, n=name: e.source_name == n, lambda e: True) for name in found]
    ffpp = [e for e in examples if e.source_name == FFPP]
    for method in FFPP_METHODS if ffpp else ():
        groups = {e.group_key for e in ffpp if ffpp_method(e) == method}
        result.append(Unit(
            f"{FFPP}:{method}",
            lambda e, g=groups, m=method: e.group_key in g or (e.source_name == FFPP and ffpp_method(e) == m),
            lambda e, m=method: e.label == REAL or ffpp_method(e) == m,
        ))
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.leave_one_out", description=first_paragraph(__doc__),
                                     formatter_class=DefaultsShown)
    parser.add_argument("--data", action="append", default=None, metavar="SRC",
                        help=f"labelled sources (default: {', '.join(SOURCES)} under {DATA})")
    parser.add_argument("--probe", action="append", default=None, metavar="SRC",
                        help=f"fakes-only evaluation sets (default: {', '.join(PROBES)})")
    parser.add_argument("--only", action="append", default=None, metavar="UNIT",
                        help="run only these held-out parts (repeatable)")
    add_recipe_options(parser, epochs=6, per_source=600)  # the quick recipe
    parser.add_argument("--output", type=Path, default=None,
                        help="JSON file for the matrix and scores, written again after each held-out part")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_recipe(parser, args)
    if args.output:
        check_output_file(parser, args.output)
    args.patience = args.epochs  # the quick recipe runs its whole schedule
    started = time.monotonic()
    examples = load_examples(args.data or [str(DATA / s) for s in SOURCES if (DATA / s).is_dir()])
    every = units(examples)
    chosen = [unit for unit in every if not args.only or unit.name in args.only]
    unknown = sorted(set(args.only or ()) - {unit.name for unit in chosen})
    if unknown:  # said before an hour of preparing, not as a matrix of nothing
        parser.error(f"--only {', '.join(unknown)}: no such held-out part; these data have "
                     f"{', '.join(unit.name for unit in every)}")
    probes = [prepare(load_examples([p]), args.workers)
              for p in (args.probe or [str(DATA / s) for s in PROBES if (DATA / s).is_dir()])]
    splits = split_examples(examples, args.seed)
    prepared = prepare_parts(splits, args.workers)
    everything = PreparedSet.join(list(prepared.values()))
    print(f"prepared {len(everything.examples)} images in {time.monotonic() - started:.0f} s", flush=True)
    config = ModelConfig(args.architecture, preprocessing=PreprocessConfig(args.input_size, native_resolution=args.native_resolution))
    results: list[dict] = []
    for unit in chosen:
        results.append(run_unit(unit, args, config, prepared, everything, probes))
        print(format_row(results[-1]), flush=True)
        if args.output:  # an interrupted matrix keeps the parts done
            write_report(args.output, args, results, started)
    if args.output and not results:  # no data, so no part to hold out: the file says so, empty
        write_report(args.output, args, results, started)
    print_matrix(results, args)
    return 0


def check_output_file(parser: argparse.ArgumentParser, path: Path) -> None:
    """Refuse an output that cannot be written, before the hours of training it would close."""
    if path.is_dir():
        parser.error(f"--output {path} is a folder: give a file name, such as {path / 'loso.json'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"--output {path}: its folder cannot be made ({error.strerror or error})")
    if not os.access(path.parent, os.W_OK):
        parser.error(f"--output {path}: its folder {path.parent} cannot be written to")


def write_report(path: Path, args: argparse.Namespace, results: list[dict], started: float) -> None:
    """The matrix so far, replacing the file whole (a run stopped while writing leaves the last)."""
    report = {"recipe": {k: v for k, v in vars(args).items() if k != "output"},
              "wall_time_seconds": round(time.monotonic() - started, 1), "units": results}
    replace_file(path, (json.dumps(report, indent=1, default=str) + "\n").encode())


def run_unit(unit: Unit, args: argparse.Namespace, config: ModelConfig, prepared: dict[str, PreparedSet],
             everything: PreparedSet, probes: list[PreparedSet]) -> dict:
    from training.calibrate import fit_calibration
    from training.train import fit, uncalibrated_detector

    started = time.monotonic()
    kept = {name: _rows(part, lambda e: not unit.held_out(e)) for name, part in prepared.items()}
    training = {name: prepared[name].subset(kept[name]) for name in ("train", "val")}
    model, _ = fit(args, config, training)
    detector = uncalibrated_detector(model, config)
    val_raw = _raw_scores(detector, training["val"])
    calibration = fit_calibration(training["val"].labels, val_raw)
    tested = everything.subset(_rows(everything, lambda e: unit.held_out(e) and unit.tested(e)))
    result = {"unit": unit.name, "calibration": calibration.to_dict(),
              **score_held_out(detector, calibration, tested),
              "probes": {Path(p.examples[0].source).name: answer_shares(detector, calibration, p)
                         for p in probes if p.examples},
              "val_scores": [round(float(p), 5) for p in calibration.fake_probability(val_raw)],
              "val_labels": training["val"].labels.tolist(),
              "seconds": round(time.monotonic() - started, 1)}
    return result


def _rows(data: PreparedSet, keep: Callable[[Example], bool]) -> list[int]:
    return [i for i, e in enumerate(data.examples) if keep(e)]


def _raw_scores(detector: Detector, data: PreparedSet) -> np.ndarray:
    """Uncalibrated fake probability of each image's largest face (centre if none), from the
    faces found when the data was prepared."""
    raw = detector.probabilities(data.pixels(detector.config.preprocessing))
    return raw[:, detector.labels.index("fake")]


def score_held_out(detector: Detector, calibration: Calibration, data: PreparedSet) -> dict:
    """Metrics of the held-out images with a face; the rest are answered "no face"."""
    from sklearn.metrics import roc_auc_score

    with_face = np.array([bool(f) for f in data.faces])
    labels = data.labels[with_face]
    fake = calibration.fake_probability(_raw_scores(detector, data.subset(np.flatnonzero(with_face))))
    answers = np.array([calibration.label(p) for p in fake])
    called_fake = fake >= calibration.threshold
    reals, fakes = labels == REAL, labels == FAKE
    return {
        "count": int(len(data.examples)),
        "no_face_share": float(1 - with_face.mean()),
        "roc_auc": float(roc_auc_score(fakes, fake)) if reals.any() and fakes.any() else None,
        "accuracy": float(np.mean(called_fake == fakes)),
        "false_accusation_rate": float(np.mean(called_fake[reals])) if reals.any() else None,
        "false_accusation_rate_with_band": float(np.mean(answers[reals] == "fake")) if reals.any() else None,
        "fakes_caught_with_band": float(np.mean(answers[fakes] == "fake")) if fakes.any() else None,
        "unsure_share": float(np.mean(answers == "unsure")),
        "scores": [round(float(p), 5) for p in fake],
        "labels": labels.tolist(),
    }


def answer_shares(detector: Detector, calibration: Calibration, data: PreparedSet) -> dict[str, float]:
    with_face = np.flatnonzero([bool(f) for f in data.faces])
    fake = calibration.fake_probability(_raw_scores(detector, data.subset(with_face)))
    answers = [calibration.label(p) for p in fake] + ["no face"] * (len(data.examples) - len(with_face))
    return {kind: answers.count(kind) / len(answers) for kind in ("fake", "unsure", "real", "no face")}


def format_row(result: dict) -> str:
    def cell(value: Optional[float]) -> str:
        return "   -  " if value is None else f"{value:6.3f}"

    probes = " ".join(f"{s['fake']:.2f}/{s['unsure']:.2f}/{s['real']:.2f}" for s in result["probes"].values())
    return (f"{result['unit']:28} {cell(result['roc_auc'])} {cell(result['accuracy'])} "
            f"{cell(result['false_accusation_rate'])} {cell(result['false_accusation_rate_with_band'])} "
            f"{cell(result['unsure_share'])} {cell(result['no_face_share'])}  {probes}  "
            f"({result['seconds']:.0f} s)")


def print_matrix(results: list[dict], args: argparse.Namespace) -> None:
    print(f"\nleave-one-source-out, {args.architecture} {args.input_size}px{' native' if args.native_resolution else ''}, {args.epochs} epochs x "
          f"{args.per_source} images per source, seed {args.seed}")
    print(f"{'held out':28} {'AUC':>6} {'acc':>6} {'FA':>6} {'FA+band':>7} {'unsure':>6} {'noface':>6}  "
          "probe fake/unsure/real")
    for result in results:
        print(format_row(result))
    aucs = [r["roc_auc"] for r in results if r["roc_auc"] is not None and ":" not in r["unit"]]
    fas = [r["false_accusation_rate"] for r in results if r["false_accusation_rate"] is not None]
    print(f"mean held-out-source AUC {np.mean(aucs):.3f} (sources only); "
          f"median false-accusation rate {np.median(fas):.3f}", flush=True)


if __name__ == "__main__":
    run_command(main)
