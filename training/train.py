"""Train, evaluate and save a Deforgify model folder.

    python -m training.train --data SRC [--data SRC ...] --output DIR [--seed N] [--epochs N]

Exit status 0 on success; 1 when the data cannot be used or the run fails (for instance the
model collapsed to one class); 130 when interrupted. A failed run leaves DIR as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np

from deforgify.cli.argtypes import DefaultsShown, first_paragraph, number, run_command
from deforgify.faces.preprocess import PreprocessConfig
from deforgify.model.architectures import PRETRAINED
from deforgify.model.calibration import Calibration
from deforgify.model.facts import training_facts as saved_training_facts
from deforgify.model.folder import (CARD_FILE, CONFIG_FILE, DEFAULT_MIN_FACE_WIDTH, LABELS, LITERT_FILE, METRICS_FILE,
                                    MODEL_FILE, SPLITS_FILE, ModelConfig, ModelLoadError, read_config, write_config)
from training.data import (SPLITS, DataError, load_examples, recorded_examples, recorded_source, require_both_labels,
                           split_examples)
from training.export import export_litert
from training.prepared import PreparedSet, prepare, prepare_parts
from training.push import PushFailed, add_hub_options, check_can_push, push_model, repo_id, report
from training.recipe import add_recipe_options, check_recipe
from training.staging import staged_folder

if TYPE_CHECKING:
    import keras

    from deforgify.detector import Detector
    from training.augment import AugmentedBatches
    from training.data import Example


class TrainingFailed(RuntimeError):
    """The run finished but its model must not be used; the message says why."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=first_paragraph(__doc__),
                                     formatter_class=DefaultsShown)
    parser.add_argument("--data", action="append", required=True, metavar="SRC",
                        help="imagefolder folder (real/, fake/) or Hub dataset id; repeatable")
    parser.add_argument("--output", required=True, type=Path, metavar="DIR",
                        help="model folder to write (replaced only when the run succeeds)")
    add_recipe_options(parser)
    parser.add_argument("--patience", type=number(int, at_least=0), default=10, help="early-stopping patience")
    parser.add_argument("--min-face-width", type=number(int, at_least=1), default=DEFAULT_MIN_FACE_WIDTH,
                        metavar="PX", help="faces narrower than this are answered unsure by the saved "
                        "model (its config.json); measure it with benchmarks/face_size.py "
                        "(default: %(default)s)")
    parser.add_argument("--held-out", type=Path, default=None, metavar="FILE",
                        help="leave-one-source-out results (the --output of benchmarks/leave_one_out.py) to "
                             "set the unsure band so that reals of unseen sources are rarely called fake")
    parser.add_argument("--probe", action="append", default=[], metavar="SRC",
                        help="fakes-only evaluation set (never trained on): the card reports the "
                             "share answered fake / unsure / real / no face; repeatable")
    parser.add_argument("--license", default="other",
                        help="licence id for the model card; must respect the training data's terms")
    parser.add_argument("--push-to-hub", type=repo_id, metavar="OWNER/NAME",
                        help="after a successful run, publish the model folder to this Hub repo")
    add_hub_options(parser)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_recipe(parser, args)
    try:
        replacing = check_output(args.output)
        if args.held_out:
            held_out_rank(args.held_out)  # a bad file fails now, not after training
        if args.push_to_hub:
            check_can_push(args.push_to_hub, args.private)  # said now, not after the run
    except PushFailed as error:
        print(f"error: {error}: nothing was trained (train without --push-to-hub, and push later with "
              "training.push)", file=sys.stderr)
        return 1
    except (DataError, TrainingFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if replacing:
        print(replacing, file=sys.stderr)
    try:
        train(args)
        if args.push_to_hub:
            report(push_model(args.output, args.push_to_hub, args.private, args.revision))
    except PushFailed as error:
        options = (" --private" if args.private else "") + (
            f" --revision {shlex.quote(args.revision)}" if args.revision != "main" else "")
        print(f"error: the model was saved to {args.output}, but {error}; retry with python -m training.push "
              f"{shlex.quote(str(args.output))} {args.push_to_hub}{options}", file=sys.stderr)
        return 1
    except (DataError, TrainingFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted: {args.output} was left as it was", file=sys.stderr, flush=True)
        # The staging folder is already gone. Exit at once: a normal shutdown with Keras'
        # batch-preparing threads still alive aborts inside TensorFlow (SIGABRT, not 130).
        sys.stdout.flush()
        os._exit(130)
    return 0


def run_files() -> set[str]:
    """Everything a run writes into its model folder (and so may replace)."""
    from training.plots import CONFUSION_FILE, CURVES_FILE, ROC_FILE  # matplotlib: imported when needed

    return {MODEL_FILE, LITERT_FILE, CONFIG_FILE, METRICS_FILE, CARD_FILE, SPLITS_FILE, CURVES_FILE, CONFUSION_FILE,
            ROC_FILE}


def check_output(output: Path) -> Optional[str]:
    """Refuse to replace anything but an empty folder or a Deforgify model folder holding only
    what a run writes: another model's folder with a config.json of its own, or a file a user
    put beside the model, would be lost. Returns the note to give when a model is to be
    replaced (it was replaced without a word)."""
    if not output.exists():
        return None
    if not output.is_dir():
        raise TrainingFailed(f"{output} exists and is not a folder; refusing to replace it")
    names = {path.name for path in output.iterdir()}
    if not names:
        return None
    try:
        read_config(output)
    except ModelLoadError as error:
        said = str(error)  # "... has no config.json: not a Deforgify model folder" was said twice
        why = (f"and {said.removeprefix(f'{output} ')}" if said.startswith(f"{output} has ")
               else f"is not a Deforgify model folder ({said})")
        raise TrainingFailed(f"{output} exists {why}; refusing to replace it: give another --output") from None
    others = sorted(names - run_files())
    if others:
        raise TrainingFailed(f"{output} holds files a training run does not write ({', '.join(others)}), which "
                             "replacing it would lose; move them, or give another --output")
    trained = saved_training_facts(output).get("date")
    return (f"note: {output} holds a model{f' trained {trained}' if trained else ''}: this run replaces it "
            "when it succeeds (an interrupted or failed run leaves it as it is)")


def train(args: argparse.Namespace) -> dict[str, Any]:
    from training.plots import CURVES_FILE, plot_history

    started = time.monotonic()
    examples = recorded_examples(args.data)
    require_both_labels(examples)
    splits = split_examples(examples, args.seed)
    print(_split_summary(splits), flush=True)
    prepared = prepare_parts({name: splits[name] for name in SPLITS}, args.workers)
    config = ModelConfig(args.architecture, preprocessing=PreprocessConfig(args.input_size, native_resolution=args.native_resolution),
                         min_face_width=args.min_face_width)
    with staged_folder(args.output) as folder:
        model, history = fit(args, config, prepared)
        config, metrics, test_scores = evaluate_model(model, config, prepared, args)
        metrics["training"] = training_facts(history, args, config, prepared, started)
        save_for_inference(model, folder / MODEL_FILE)
        export_litert(model, config.labels.index("fake"), folder)
        write_config(folder, config)
        (folder / SPLITS_FILE).write_text(
            json.dumps({name: [e.describe() for e in splits[name]] for name in SPLITS}, indent=1) + "\n")
        plot_history(history, folder / CURVES_FILE)
        write_evaluation(folder, metrics, prepared["test"].labels, test_scores, args.output)
    print(json.dumps({"output": str(args.output), "test": _headline(metrics["test"])}), flush=True)
    return metrics


def fit(args: argparse.Namespace, config: ModelConfig, prepared: dict[str, PreparedSet]
        ) -> tuple[keras.Model, dict[str, list[float]]]:
    import keras

    from deforgify.model.architectures import build_model
    from training.augment import AugmentedBatches
    from training.consistency import PairedViews

    keras.utils.set_random_seed(args.seed)
    model = build_model(config.architecture, config.preprocessing.input_size, len(LABELS), args.drop_path)
    if config.architecture in PRETRAINED:
        from training.pretrained import load_imagenet_weights

        load_imagenet_weights(model, PRETRAINED[config.architecture])
    views = 2 if args.consistency > 0 else 1
    batches = AugmentedBatches(prepared["train"], config.preprocessing, max(1, args.batch_size // views),
                               args.seed, args.self_blend, args.per_source, views)
    trained = model if views == 1 else PairedViews(model, args.consistency)
    counts = batches.label_counts()
    # Balanced class weights: the minority class must cost as much as the majority.
    class_weight = {i: counts.sum() / (len(LABELS) * max(c, 1)) for i, c in enumerate(counts)}
    val = prepared["val"]
    validation = (val.pixels(config.preprocessing), val.labels)
    probed = args.linear_probe_epochs
    history = linear_probe(model, trained, batches, validation, class_weight, probed) if probed else {}
    trained.compile(
        optimizer=optimizer(args, config.architecture, steps=(args.epochs - probed) * len(batches)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    tuned = trained.fit(batches, validation_data=validation, initial_epoch=probed, epochs=args.epochs,
                        class_weight=class_weight, callbacks=fit_callbacks(args), verbose=2).history
    return model, {key: history.get(key, []) + values for key, values in tuned.items()}


def linear_probe(model: keras.Model, trained: keras.Model, batches: AugmentedBatches,
                 validation: tuple[np.ndarray, np.ndarray], class_weight: dict, epochs: int) -> dict:
    """LP-FT (Kumar et al., ICLR 2022): the new classifier trained alone on the frozen pretrained
    network first (Adam at 1e-3), so that fine-tuning starts from a head that fits the pretrained
    features instead of distorting them to fit a random one. Returns the epochs' history."""
    import keras

    for layer in model.layers:
        layer.trainable = layer.name == "probabilities"
    trained.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    history = trained.fit(batches, validation_data=validation, epochs=epochs, class_weight=class_weight,
                          verbose=2).history
    for layer in model.layers:
        layer.trainable = True
    return history


def optimizer(args: argparse.Namespace, architecture: str, steps: int) -> keras.optimizers.Adam:
    """Adam with the learning rate cosine-decayed to 5 % over ``steps`` (the noisy validation
    loss of a constant rate settles in the last epochs instead of needing many more), keeping a
    moving average of the weights when ``--ema`` asks for one."""
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(learning_rate(args, architecture), steps, alpha=0.05)
    return keras.optimizers.Adam(schedule, use_ema=args.ema > 0, ema_momentum=args.ema)


def fit_callbacks(args: argparse.Namespace) -> list:
    """Early stopping that restores the best epoch's weights; with ``--ema``, preceded by the
    swap that puts the averaged weights in the model for validation and at each epoch's end,
    so that the best weights kept are averaged ones. Keras then writes the optimizer's slot into
    the model when a run stops early, which holds the unaveraged weights after the swap: the
    restore that follows is what leaves the averaged ones (Keras 3.15)."""
    import keras

    stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience,
                                             restore_best_weights=True, verbose=1)
    if not args.ema:
        return [stopping]
    return [keras.callbacks.SwapEMAWeights(swap_on_epoch=True), stopping]


def learning_rate(args: argparse.Namespace, architecture: str) -> float:
    """The rate asked for, or by default 1e-3 from scratch and 3e-4 from ImageNet weights (a
    larger step would wash out what the pretrained layers know in the first epoch)."""
    if args.learning_rate is not None:
        return args.learning_rate
    return 3e-4 if architecture in PRETRAINED else 1e-3


def save_for_inference(model: keras.Model, path: Path) -> None:
    """Save the weights without optimizer state: a third of the size, all that serving needs."""
    import keras

    copy = keras.Model.from_config(model.get_config())  # clone_model would keep the optimizer
    copy.set_weights(model.get_weights())
    copy.save(path)


def training_detector(model: keras.Model, config: ModelConfig) -> Detector:
    """The serving path (a Detector) for the model being trained, run by Keras."""
    from deforgify.detector import Detector
    from deforgify.model.runtime import KerasRuntime
    from deforgify.model.source import ModelSource

    return Detector(KerasRuntime(model, config.labels.index("fake")), config, ModelSource(Path("."), "in training"))


def uncalibrated_detector(model: keras.Model, config: ModelConfig) -> Detector:
    """The model being trained without calibration: its scores are what calibration is fitted on."""
    return training_detector(model, replace(config, calibration=Calibration()))


def manipulation_metrics(detector: Detector, calibration: Calibration, test: PreparedSet, seed: int
                         ) -> dict[str, Any]:
    """Metrics of the test reals against manipulated copies of themselves, per kind."""
    from training.manipulated import KINDS, manipulated_pairs
    from training.metrics import metrics_by_source

    results = {}
    for kind in KINDS:
        images, labels, sources = manipulated_pairs(test, kind, seed)
        if len(images):
            scores = calibration.fake_probability(detector.fake_scores(images))
            results[kind] = metrics_by_source(labels, scores, sources, calibration.threshold)
    return results


def evaluate_model(model: keras.Model, config: ModelConfig, prepared: dict[str, PreparedSet],
                   args: argparse.Namespace) -> tuple[ModelConfig, dict[str, Any], np.ndarray]:
    """Fit the calibration on val; metrics of val and test with the served threshold and band (on
    the faces training found, an image's centre square where none was), the baseline, the
    manipulations, probes and format parity. Returns the calibrated config, the metrics and the
    test scores."""
    from training.baseline import thumbnail_fake_scores
    from training.calibrate import expected_calibration_error, fit_calibration, unsure_summary
    from training.demographics import real_faces_by_group
    from training.format_parity import format_parity
    from training.metrics import classification_metrics, collapse_reason, metrics_by_source

    detector = uncalibrated_detector(model, config)  # one Detector: its model call is traced once
    raw = {name: detector.fake_scores(prepared[name].images) for name in ("val", "test")}
    reason = collapse_reason(classification_metrics(prepared["val"].labels, raw["val"]))
    if reason:
        raise TrainingFailed(f"training collapsed: {reason}; no model was saved{too_few(prepared['val'].labels)}")
    rank = held_out_rank(args.held_out) if args.held_out else None
    calibration = fit_calibration(prepared["val"].labels, raw["val"], rank)
    config = replace(config, calibration=calibration)
    results: dict[str, Any] = {}
    scores = {name: calibration.fake_probability(raw[name]) for name in raw}
    for name, data in ((n, prepared[n]) for n in raw):
        results[name] = metrics_by_source(data.labels, scores[name], data.sources, calibration.threshold)
        results[name]["unsure"] = unsure_summary(data.labels, scores[name], calibration, data.sources)
        results[name]["ece"] = {
            "uncalibrated": expected_calibration_error(data.labels, raw[name]),
            "calibrated": expected_calibration_error(data.labels, scores[name]),
        }
    test = prepared["test"]
    baseline = thumbnail_fake_scores(
        prepared["train"].pixels(config.preprocessing),
        prepared["train"].labels,
        test.pixels(config.preprocessing),
    )
    results["test_thumbnail_baseline"] = metrics_by_source(test.labels, baseline, test.sources)
    results["test_manipulated"] = manipulation_metrics(detector, calibration, test, args.seed)
    served = training_detector(model, config)
    results["probes"] = probe_shares(served, args.probe, args.workers)
    results["real_faces_by_group"] = real_faces_by_group(served, test.examples, test.images)
    parity = format_parity(served, test.images, test.labels)
    results["format_parity"] = parity.to_dict() | {"per_source": parity.by_source(test.sources)}
    if args.held_out:
        results["leave_one_out"] = held_out_summary(args.held_out)
    results["calibration"] = calibration.to_dict() | {
        "band_from_held_out": None if rank is None else {"file": args.held_out.name, "real_rank": rank}}
    results["face_found_rate"] = {
        name: {label: _face_rate(prepared[name], i) for i, label in enumerate(LABELS)}
        for name in SPLITS
    }
    return config, results, scores["test"]


FEW_TO_VALIDATE = 30
"""Fewer validation images of a class than this, and a collapse says how few there were (a
smoke run on 40 real and 40 fake images collapsed after 3 epochs, unexplained)."""


def too_few(labels: np.ndarray) -> str:
    """" (from 4 real and 4 fake validation images: ...)" when a class has fewer than
    FEW_TO_VALIDATE, what a collapse then says; "" otherwise."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(LABELS))
    return (f" (from {counts[0]} real and {counts[1]} fake validation images: with so few, train more epochs or "
            "on more images)" if counts.min() < FEW_TO_VALIDATE else "")


def machine() -> dict[str, int]:
    """What trained the model, for its wall time to mean something: CPU cores and GPUs."""
    import tensorflow as tf

    return {"cpus": os.cpu_count() or 1, "gpus": len(tf.config.list_physical_devices("GPU"))}


def training_facts(history: dict, args: argparse.Namespace, config: ModelConfig,
                   prepared: dict[str, PreparedSet], started: float) -> dict[str, Any]:
    from training.augment import SWAP_SHARE

    return {
        "data": [recorded_source(source) for source in args.data],
        "seed": args.seed,
        "license": args.license,
        "architecture": config.architecture,
        "pretrained": PRETRAINED.get(config.architecture),
        "epochs_run": len(history["loss"]),
        "best_epoch": int(np.argmin(history["val_loss"])) + 1,
        "history": {key: [round(float(value), 4) for value in values] for key, values in history.items()},
        "max_epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": learning_rate(args, config.architecture),
        "learning_rate_schedule": "cosine decay to 5 % over the epoch budget",
        "self_blend_share": args.self_blend,
        "consistency_weight": args.consistency,
        "drop_path": args.drop_path,
        "weight_ema": args.ema,
        "linear_probe_epochs": args.linear_probe_epochs,
        "per_source_per_epoch": args.per_source,
        "swap_share": SWAP_SHARE,
        "wall_time_seconds": round(time.monotonic() - started, 1),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "split_sizes": {name: len(prepared[name].examples) for name in SPLITS},
    }


def probe_shares(detector: Detector, probes: list[str], workers: int) -> dict:
    """For each fakes-only probe set, the share of its images answered each way by the served
    model (calibrated, faces detected again, no centre fallback)."""
    shares = {}
    for probe in probes:
        answers = [p.label for p in detector.predict_rgb(prepare(load_examples([probe]), workers).images)]
        shares[Path(probe).name] = {"count": len(answers), **{label: answers.count(label) / len(answers)
                                                             for label in ("fake", "unsure", "real", "no_face")}}
    return shares


def held_out_summary(path: Path) -> dict:
    """The leave-one-source-out matrix of a results file, without the per-image scores."""
    report = json.loads(path.read_text())
    per_image = ("scores", "labels", "val_scores", "val_labels")
    units = [{k: v for k, v in unit.items() if k not in per_image} for unit in report["units"]]
    return {"recipe": report["recipe"], "units": units}


def held_out_rank(path: Path) -> float:
    """The held-out real rank (:func:`training.calibrate.held_out_real_rank`) of a
    leave-one-source-out results file."""
    from training.calibrate import held_out_real_rank

    try:
        return held_out_real_rank(json.loads(path.read_text())["units"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path}: not usable leave-one-source-out results ({error})") from None


def _face_rate(data: PreparedSet, label: int) -> float:
    faces = [bool(f) for f, e in zip(data.faces, data.examples) if e.label == label]
    return float(np.mean(faces)) if faces else 0.0


def write_evaluation(folder: Path, metrics: dict, test_labels: np.ndarray, test_scores: np.ndarray,
                     home: Path) -> None:
    """``metrics.json``, the confusion matrix and ROC plots, and the model card (of the model
    whose place is ``home``: ``folder`` may be its staging copy)."""
    from training.card import write_card
    from training.plots import CONFUSION_FILE, ROC_FILE, plot_confusion, plot_roc

    (folder / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
    test = metrics["test"]
    plot_confusion(test["confusion_matrix"]["matrix"], list(LABELS), folder / CONFUSION_FILE)
    plot_roc(test_labels, test_scores, test["roc_auc"], folder / ROC_FILE)
    write_card(folder, home=home)


def _split_summary(splits: dict[str, list[Example]]) -> str:
    parts = []
    for name in SPLITS:
        counts = np.bincount([e.label for e in splits[name]], minlength=len(LABELS))
        parts.append(f"{name}: " + ", ".join(f"{n} {label}" for label, n in zip(LABELS, counts)))
    return "split " + "; ".join(parts)


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics[key] for key in ("accuracy", "balanced_accuracy", "roc_auc")}


if __name__ == "__main__":
    run_command(main)
