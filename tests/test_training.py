"""Train -> save -> load -> predict on a tiny dataset, through the real `datasets` path."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deforgify.decode.images import load_rgb
from deforgify.model.folder import LABELS, ModelConfig
from deforgify.model.source import BUNDLED_MODEL
from training.manipulated import KINDS
from training.metrics import classification_metrics, collapse_reason

from helpers import ROOT, run_module, train_tiny

EXPECTED_FILES = {
    "model.keras", "model.tflite", "config.json", "metrics.json", "splits.json", "README.md",
    "training_curves.png", "confusion_matrix.png", "roc_curve.png",
}


def folder_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_training_writes_a_complete_model_folder(tiny_model: Path) -> None:
    assert {p.name for p in tiny_model.iterdir()} == EXPECTED_FILES
    config = ModelConfig.from_dict(json.loads((tiny_model / "config.json").read_text()))
    assert config.labels == LABELS and config.architecture == "deforgify-compact"
    # Unmeasured, the conservative default, written out (--min-face-width sets it).
    assert json.loads((tiny_model / "config.json").read_text())["min_face_width"] == config.min_face_width == 64
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    test = metrics["test"]
    card = (tiny_model / "README.md").read_text()
    assert test["count"] == 6 and sum(map(sum, test["confusion_matrix"]["matrix"])) == 6
    assert set(test["per_class"]) == set(LABELS)
    assert 0.0 <= test["roc_auc"] <= 1.0
    assert metrics["test_thumbnail_baseline"]["count"] == 6
    assert tuple(metrics["test_manipulated"]) == KINDS
    for kind, pairs in metrics["test_manipulated"].items():  # reals with a face vs their copies
        assert pairs["count"] % 2 == 0 and pairs["confusion_matrix"]["matrix"][0][0] >= 0
        assert f"| {kind} | {pairs['count'] // 2} | {pairs['accuracy']:.3f} |" in card
    assert metrics["training"]["split_sizes"] == {"train": 48, "val": 6, "test": 6}
    assert metrics["training"]["machine"] == {"cpus": os.cpu_count(), "gpus": 0}  # what its wall time was on
    splits = json.loads((tiny_model / "splits.json").read_text())
    assert [len(splits[n]) for n in ("train", "val", "test")] == [48, 6, 6]
    # Not "keras": the Hub's Keras loader cannot read this folder, and the Hub would offer it.
    assert card.startswith("---\nlibrary_name: deforgify\npipeline_tag: image-classification\n")
    # Data of unknown terms: the weights follow them, and are not called research-only.
    assert "license_name: training-data-terms\n" in card and "`other` (`training-data-terms`)" in card
    assert f"From 6 test images, the accuracy {test['accuracy']:.3f} lies within " in card
    assert f"{test['accuracy']:.4f}" in card
    # Sources it does not know are not claimed; that no source was held out is said, not left out.
    assert "**fake** (of the kinds in its training data)" in card and "face swap" not in card.split("##")[0]
    assert "was not measured for this model" in " ".join(card.split()) and "## Sources never seen" not in card


def test_evaluate_reproduces_the_saved_test_metrics(tiny_model: Path, tiny_dataset: Path) -> None:
    result = run_module("training.evaluate", "--model", str(tiny_model), "--data", str(tiny_dataset))
    assert result.returncode == 0, result.stderr[-3000:]
    printed = json.loads(result.stdout)
    saved = json.loads((tiny_model / "metrics.json").read_text())["test"]
    assert printed["split"] == "test" and printed["count"] == saved["count"]
    assert printed["confusion_matrix"] == saved["confusion_matrix"]
    assert printed["roc_auc"] == pytest.approx(saved["roc_auc"])
    # Measured as served: the model's own threshold and unsure band, as on its card.
    assert printed["threshold"] == pytest.approx(saved["threshold"])
    assert printed["accuracy"] == pytest.approx(saved["accuracy"])
    assert printed["unsure"] == {k: v for k, v in saved["unsure"].items() if k != "tradeoff"}
    assert "note:" not in result.stderr  # its own source: its test split is the data it never saw


def test_evaluate_on_a_source_never_trained_on_says_the_split_is_a_sample(tiny_model: Path, tiny_dataset: Path,
                                                                         tmp_path: Path) -> None:
    """A new source's --split test is 10 % of it, scored as if it were the card's test split: a
    smoke model scored 4 diffusion-probe images "accuracy 1.0" without a word."""
    import shutil

    other = shutil.copytree(tiny_dataset, tmp_path / "other-source")
    result = run_module("training.evaluate", "--model", str(tiny_model), "--data", str(other))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"note: the model was not trained on {other}: --split test scores only that part of it; --split all " \
           "scores every image" in result.stderr
    assert "note:" not in run_module("training.evaluate", "--model", str(tiny_model), "--data", str(other),
                                     "--split", "all").stderr


def test_evaluate_answers_at_the_models_own_threshold_and_band(tiny_model: Path, tiny_dataset: Path,
                                                               tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "strict"
    shutil.copytree(tiny_model, folder)
    config = json.loads((folder / "config.json").read_text())
    config["calibration"].update(threshold=1e-6, unsure_low=1e-7, unsure_high=1e-6)  # all but certain reals: fake
    (folder / "config.json").write_text(json.dumps(config))
    result = run_module("training.evaluate", "--model", str(folder), "--data", str(tiny_dataset), "--split", "all")
    assert result.returncode == 0, result.stderr[-3000:]
    printed = json.loads(result.stdout)
    assert printed["threshold"] == 1e-6 and printed["unsure"]["band"] == [1e-7, 1e-6]
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics["training"]["seed"] = 7
    (folder / "metrics.json").write_text(json.dumps(metrics))
    result = run_module("training.evaluate", "--model", str(folder), "--data", str(tiny_dataset))
    assert result.returncode == 0 and json.loads(result.stdout)["seed"] == 7  # the model's own test split
    assert printed["predicted_fake_share"] > 0.6 and printed["unsure"]["reals_accused"] > 0.2  # half are real


def test_the_saved_model_predicts_through_the_library(tiny_model: Path, tiny_dataset: Path) -> None:
    from deforgify.detector import Detector

    detector = Detector.load(str(tiny_model))
    files = sorted((tiny_dataset / "real").iterdir())[:3] + sorted((tiny_dataset / "fake").iterdir())[:3]
    predictions = [detector.predict(path) for path in files]
    for prediction in predictions:
        assert prediction.label in LABELS
        assert sum(prediction.confidences.values()) == pytest.approx(1.0, abs=1e-5)
    batched = detector.predict_rgb([load_rgb(f) for f in files])
    for one, many in zip(predictions, batched):
        assert one.confidences["fake"] == pytest.approx(many.confidences["fake"], abs=1e-5)


def test_a_run_on_paired_views_saves_the_network_and_records_the_weight(tiny_dataset: Path, tmp_path: Path) -> None:
    output = tmp_path / "paired"
    result = train_tiny(tiny_dataset, output, "--consistency", "0.5", "--epochs", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["training"]["consistency_weight"] == 0.5
    assert "their logit gap penalised (weight 0.5)" in (output / "README.md").read_text()
    assert metrics["training"]["epochs_run"] == 2
    history = metrics["training"]["history"]  # the curves' numbers, epoch by epoch, to draw or compare again
    assert len(history["loss"]) == len(history["val_loss"]) == 2 and history["val_loss"][0] > 0
    card = (output / "README.md").read_text()  # the card says them too (its curves are a picture)
    assert f"validation loss by epoch, from 1: {history['val_loss'][0]:.3f}, {history['val_loss'][1]:.3f})" in card
    import keras

    network = keras.models.load_model(output / "model.keras", compile=False)
    assert network.__class__.__name__ != "PairedViews" and network.output_shape == (None, len(LABELS))


def test_a_negative_consistency_weight_is_refused_not_ignored(tiny_dataset: Path, tmp_path: Path) -> None:
    result = train_tiny(tiny_dataset, tmp_path / "model", "--consistency", "-0.5")
    assert result.returncode == 2
    assert "--consistency: must be 0 or more, not -0.5" in result.stderr
    assert not (tmp_path / "model").exists()


def test_stochastic_depth_drops_whole_branches_in_training_only() -> None:
    import keras

    from deforgify.model.architectures import build_model

    plain, dropping = build_model("deforgify-lite0", 32), build_model("deforgify-lite0", 32, drop_path=0.2)
    drops = [layer for layer in dropping.layers if layer.name.endswith("_drop_path")]
    # the nine residual blocks of the sixteen, by depth; a whole branch per face
    np.testing.assert_allclose([d.rate for d in drops], [0.2 * b / 16 for b in (2, 4, 6, 7, 9, 10, 12, 13, 14)])
    assert all(tuple(d.noise_shape) == (None, 1, 1, 1) for d in drops)
    dropping.set_weights(plain.get_weights())  # the same weights: the drops hold none
    keras.utils.set_random_seed(0)
    faces = np.random.default_rng(0).random((16, 32, 32, 3), dtype=np.float32)
    served = np.asarray(plain(faces, training=False))
    np.testing.assert_allclose(np.asarray(dropping(faces, training=False)), served, atol=1e-6)
    assert not np.allclose(np.asarray(dropping(faces, training=True)), np.asarray(dropping(faces, training=True)))
    with pytest.raises(ValueError, match="stochastic depth needs residual blocks"):
        build_model("deforgify-compact", 32, drop_path=0.2)


def test_a_run_with_drop_path_and_ema_keeps_the_averaged_weights(tiny_dataset: Path, tmp_path: Path) -> None:
    import keras

    from deforgify.model.architectures import build_model
    from training.pretrained import load_imagenet_weights

    output = tmp_path / "averaged"
    # A momentum this close to 1 keeps the average at the weights after the first step.
    result = train_tiny(tiny_dataset, output, "--architecture", "deforgify-lite0", "--input-size", "32",
                        "--drop-path", "0.2", "--ema", "0.999999", "--epochs", "2", "--patience", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    training = json.loads((output / "metrics.json").read_text())["training"]
    assert (training["drop_path"], training["weight_ema"], training["epochs_run"]) == (0.2, 0.999999, 2)
    card = (output / "README.md").read_text()
    assert "stochastic depth in the residual blocks rising with depth towards 0.2" in card
    assert "moving average (momentum 0.999999 a step)" in card
    saved = keras.models.load_model(output / "model.keras", compile=False)
    start = build_model("deforgify-lite0", 32)
    load_imagenet_weights(start)
    moved = np.abs(saved.get_layer("stem_conv").get_weights()[0] - start.get_layer("stem_conv").get_weights()[0])
    # Adam's first step moves a weight by about the learning rate (3e-4); 12 steps, much more.
    assert 1e-4 < moved.max() < 4.5e-4


def test_a_linear_probe_trains_the_classifier_alone_then_a_run_fine_tunes_everything(tiny_dataset: Path,
                                                                                   tmp_path: Path) -> None:
    import keras

    from deforgify.model.architectures import build_model
    from training.train import linear_probe

    class Faces(keras.utils.PyDataset):
        def __len__(self) -> int:
            return 3

        def __getitem__(self, index: int):
            rng = np.random.default_rng(index)
            return rng.random((8, 32, 32, 3), dtype=np.float32), rng.integers(0, 2, 8)

    model = build_model("deforgify-lite0", 32)
    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in model.layers}
    history = linear_probe(model, model, Faces(), Faces()[0], {0: 1.0, 1: 1.0}, 1)
    assert len(history["val_loss"]) == 1 and all(layer.trainable for layer in model.layers)
    for layer in model.layers:
        changed = any(not np.array_equal(a, b) for a, b in zip(before[layer.name], layer.get_weights()))
        assert changed == (layer.name == "probabilities"), layer.name  # batch-norm statistics too stay
    output = tmp_path / "lpft"
    # 64 px: at 32 the network's last feature map is one pixel, and this run collapsed to one class
    # on some machines (the run then fails, as it should, and saves nothing to check)
    result = train_tiny(tiny_dataset, output, "--architecture", "deforgify-lite0", "--input-size", "64",
                        "--epochs", "3", "--linear-probe-epochs", "1", "--patience", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    training = json.loads((output / "metrics.json").read_text())["training"]
    assert (training["linear_probe_epochs"], training["epochs_run"]) == (1, 3)
    assert "the first 1 epoch(s) training the classifier alone on the frozen pretrained network" in \
        (output / "README.md").read_text()


def test_a_run_stopped_early_keeps_the_averaged_weights_of_its_best_epoch() -> None:
    import argparse

    import keras

    from training.train import fit_callbacks, optimizer

    class Watch(keras.callbacks.Callback):
        """Each epoch's last trained weights, the weights the model holds at its end, its
        validation loss; and the run stopped after the second of three epochs."""

        def __init__(self) -> None:
            super().__init__()
            self.trained, self.held, self.losses = [], [], []

        def on_train_batch_end(self, batch, logs=None) -> None:
            if batch == 7:
                self.trained.append(self.model.get_weights())

        def on_epoch_end(self, epoch, logs=None) -> None:
            self.held.append(self.model.get_weights())
            self.losses.append(logs["val_loss"])
            self.model.stop_training = epoch == 1

    keras.utils.set_random_seed(0)
    args = argparse.Namespace(ema=0.9, patience=5, learning_rate=0.1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer(args, "any", steps=24), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4), dtype=np.float32), rng.integers(0, 2, 64)
    watch = Watch()
    model.fit(x, y, batch_size=8, epochs=3, validation_data=(x, y), verbose=0,
              callbacks=fit_callbacks(args) + [watch])
    best = int(np.argmin(watch.losses))
    assert len(watch.losses) == 2
    for kept, averaged, last in zip(model.get_weights(), watch.held[best], watch.trained[best]):
        np.testing.assert_array_equal(kept, averaged)
        assert not np.allclose(kept, last)  # the average, not the last step's weights


@pytest.mark.parametrize("options, message", [
    (["--drop-path", "0.2"], "--drop-path needs an architecture of residual blocks"),
    (["--ema", "1"], "--ema: must be under 1, not 1"),
    (["--architecture", "deforgify-lite0", "--drop-path", "-0.1"], "--drop-path: must be 0 or more"),
    (["--ema", "high"], "--ema: must be a number, not 'high'"),
    (["--linear-probe-epochs", "1"], "--linear-probe-epochs needs a pretrained architecture"),
    (["--architecture", "deforgify-lite0", "--epochs", "2", "--linear-probe-epochs", "2"],
     "and fewer than --epochs (2) epochs, not 2"),
    (["--epochs", "0"], "--epochs: must be 1 or more, not 0"),
    (["--self-blend", "-1"], "--self-blend: must be 0 or more, not -1"),
    (["--input-size", "7"], "--input-size: must be 32 or more, not 7"),
    (["--per-source", "0"], "--per-source: must be 1 or more, not 0"),
    (["--batch-size", "0"], "--batch-size: must be 1 or more, not 0"),
    (["--learning-rate", "0"], "--learning-rate: must be more than 0, not 0"),
])
def test_regulariser_settings_out_of_range_are_refused(tiny_dataset: Path, tmp_path: Path,
                                                       options: list[str], message: str) -> None:
    result = train_tiny(tiny_dataset, tmp_path / "model", *options)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "model").exists()


def test_every_unreadable_image_is_named_in_one_refusal(tiny_dataset: Path, tmp_path: Path) -> None:
    """One bad file a run: a developer needed three runs to find three."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(tiny_dataset, data)
    (data / "fake" / "text.jpg").write_text("not a photo")
    (data / "fake" / "cut.jpg").write_bytes(next((tiny_dataset / "fake").iterdir()).read_bytes()[:300])
    (data / "real" / "zero.jpg").write_bytes(b"")
    result = train_tiny(data, tmp_path / "model")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "error: 3 images cannot be read (fix or remove them): " in result.stderr
    for name, why in [("text.jpg", "not an image file"), ("cut.jpg", "truncated or corrupt"),
                      ("zero.jpg", "the file is empty")]:
        assert re.search(rf"{re.escape(str(data))}/\w+/{name}: [^;]*{why}", result.stderr), (name, result.stderr)
    assert not (tmp_path / "model").exists()


def test_a_folder_of_folders_without_images_is_named_so(tmp_path: Path) -> None:
    from training.data import DataError, load_examples

    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "sub" / "a.txt").write_text("notes")
    with pytest.raises(DataError, match=r"data: no real/ or fake/ folder of images in it \(imagefolder layout"):
        load_examples([str(tmp_path / "data")])


def test_the_training_commands_help_gives_each_default() -> None:
    train = run_module("training.train", "--help").stdout
    for option, default in [("--seed SEED", "0"), ("--patience PATIENCE", "10"), ("--batch-size", "32"),
                            ("--self-blend SHARE", "0.5"), ("--architecture", "deforgify-compact")]:
        assert re.search(rf"{re.escape(option)}(?:(?!\n  -).)*\(default: {re.escape(default)}\)", train,
                         re.DOTALL), option  # in the option's own help
    assert "(default: None)" not in train and "(default: False)" not in train
    evaluate = run_module("training.evaluate", "--help").stdout
    assert "which part of each source to score" in evaluate and "(default: test)" in evaluate


def test_a_run_with_unusable_data_fails_cleanly(tiny_model: Path, tmp_path: Path) -> None:
    before = folder_digest(tiny_model)
    result = train_tiny(tmp_path, tiny_model)  # an empty folder, by its absolute path: named so (not "../../tmp/...")
    assert result.returncode == 1
    assert f"error: {tmp_path}: no real/ or fake/ folder" in result.stderr and "Traceback" not in result.stderr
    assert folder_digest(tiny_model) == before


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_leaves_the_previous_model_untouched(
    tiny_model: Path, tiny_dataset: Path, stop: signal.Signals
) -> None:
    """Ctrl-C, or SIGTERM (what timeout, Docker and Slurm send: it ended a run silently, exit
    143, its half-written folder left beside the model for good)."""
    before = folder_digest(tiny_model)
    command = [sys.executable, "-u", "-m", "training.train", "--data", str(tiny_dataset),
               "--output", str(tiny_model), "--epochs", "50", "--patience", "50", "--workers", "1"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, stdin=subprocess.DEVNULL)
    for line in process.stdout:  # wait until it is training, then press Ctrl-C
        if line.startswith("Epoch 2/"):
            process.send_signal(stop)
            break
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr and "left as it was" in stderr
    assert folder_digest(tiny_model) == before
    assert not [p for p in tiny_model.parent.iterdir() if p.name.startswith(".")]  # no leftovers


@pytest.mark.parametrize("only", ["real", "fake"])
def test_data_of_one_class_is_refused_before_training(tiny_dataset: Path, tmp_path: Path, only: str) -> None:
    import shutil

    shutil.copytree(tiny_dataset / only, tmp_path / "data" / only)
    result = train_tiny(tmp_path / "data", tmp_path / "model")
    missing = "fake" if only == "real" else "real"
    assert result.returncode == 1 and f"the training data has no {missing} images" in result.stderr
    assert "Epoch" not in result.stdout and "Traceback" not in result.stderr and not (tmp_path / "model").exists()


def test_refuses_to_replace_a_folder_that_is_not_a_model(tiny_dataset: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("precious")
    result = train_tiny(tiny_dataset, tmp_path)
    assert result.returncode == 1 and (f"error: {tmp_path} exists and has no config.json: not a Deforgify model "
                                       "folder; refusing to replace it") in result.stderr, result.stderr[-2000:]
    assert (tmp_path / "notes.txt").read_text() == "precious"


def test_refuses_another_libraries_model_and_files_beside_a_model(tiny_model: Path, tiny_dataset: Path,
                                                                 tmp_path: Path) -> None:
    """A config.json alone does not make a Deforgify model folder (a transformers model has one),
    and a file a user put beside a model would be lost when the run replaces the folder."""
    import shutil

    other = tmp_path / "bert"
    other.mkdir()
    (other / "config.json").write_text('{"model_type": "bert"}')
    (other / "pytorch_model.bin").write_bytes(b"weights")
    result = train_tiny(tiny_dataset, other)
    assert result.returncode == 1 and "is not a Deforgify model folder" in result.stderr, result.stderr[-2000:]
    assert sorted(p.name for p in other.iterdir()) == ["config.json", "pytorch_model.bin"]
    annotated = tmp_path / "annotated"
    shutil.copytree(tiny_model, annotated)
    (annotated / "NOTES.txt").write_text("what I tried")
    result = train_tiny(tiny_dataset, annotated)
    assert result.returncode == 1 and "holds files a training run does not write (NOTES.txt)" in result.stderr
    assert (annotated / "NOTES.txt").read_text() == "what I tried" and (annotated / "model.keras").is_file()



def test_a_model_folder_to_be_replaced_is_said_before_training(tiny_model: Path) -> None:
    """Retraining into a model folder replaced its model without a word."""
    import json

    from training.train import check_output

    trained = json.loads((tiny_model / "metrics.json").read_text())["training"]["date"]
    assert check_output(tiny_model) == (f"note: {tiny_model} holds a model trained {trained}: this run replaces it "
                                        "when it succeeds (an interrupted or failed run leaves it as it is)")
    assert check_output(tiny_model / "absent") is None


def test_metrics_of_one_class_alone_leave_what_it_cannot_tell_null() -> None:
    """A fakes-only set gave balanced accuracy (just the fakes' recall), precision 1.0 and a
    "real" row of zeros."""
    fakes = classification_metrics(np.ones(10, int), np.r_[np.full(7, 0.9), np.full(3, 0.1)])
    assert fakes["balanced_accuracy"] is None and fakes["roc_auc"] is None
    assert fakes["per_class"]["fake"] == {"precision": None, "recall": 0.7, "f1": None, "support": 10}
    assert fakes["per_class"]["real"] == {"precision": None, "recall": None, "f1": None, "support": 0}


def test_a_model_answering_one_class_counts_as_collapsed() -> None:
    labels = np.array([0] * 50 + [1] * 60)
    all_fake = classification_metrics(labels, np.full(110, 0.9))
    assert all_fake["per_class"]["real"]["recall"] == 0.0
    assert "answers almost only one class" in collapse_reason(all_fake)
    good = classification_metrics(labels, np.r_[np.full(50, 0.2), np.full(60, 0.8)])
    assert good["accuracy"] == 1.0 and collapse_reason(good) is None


def test_neighbour_residual_is_zero_on_nearest_upsampled_images_and_survives_saving(tmp_path) -> None:
    import keras

    from deforgify.model.architectures import build_model
    from deforgify.model.folder import load_keras_model
    from deforgify.model.layers import NeighbourResidual

    rng = np.random.default_rng(0)
    coarse = rng.random((2, 8, 8, 3)).astype("float32")
    blocky = np.repeat(np.repeat(coarse, 2, axis=1), 2, axis=2)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(NeighbourResidual()(blocky)), 0.0)
    fine = rng.random((2, 16, 16, 3)).astype("float32")
    residual = keras.ops.convert_to_numpy(NeighbourResidual()(fine))
    np.testing.assert_allclose(residual[:, ::2, ::2], 0.0)  # each block's kept pixel
    np.testing.assert_allclose(residual[:, 1::2, 1::2], fine[:, 1::2, 1::2] - fine[:, ::2, ::2])

    model = build_model("deforgify-dual", 64)
    model.save(tmp_path / "model.keras")
    loaded = load_keras_model(tmp_path)  # safe_mode: the custom layer is registered
    pixels = rng.random((3, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(pixels, verbose=0), model.predict(pixels, verbose=0), atol=1e-6)


def test_face_boxes_are_cached_between_runs(tiny_dataset: Path, tmp_path: Path, monkeypatch) -> None:
    from training import prepared as prepared_module
    from training.data import load_examples

    examples = load_examples([str(tiny_dataset)])[:10]
    first = prepared_module.prepare(examples, workers=1, cache=tmp_path)
    monkeypatch.setattr(prepared_module, "detect_faces", lambda rgb: pytest.fail("detected again"))
    again = prepared_module.prepare(examples, workers=1, cache=tmp_path)
    assert again.faces == first.faces and any(again.faces)
    np.testing.assert_array_equal(again.images[3], first.images[3])


def test_the_faces_of_the_readable_images_are_cached_when_others_are_refused(tiny_dataset: Path, tmp_path: Path,
                                                                             monkeypatch) -> None:
    """A run refused for one bad file threw away the faces found in all the others: the run after
    the fix found them all again (a reviewer's find)."""
    import shutil

    from training import prepared as prepared_module
    from training.data import DataError, load_examples

    data = tmp_path / "data"
    shutil.copytree(tiny_dataset, data)
    (data / "fake" / "notes.jpg").write_text("not a photo")
    examples = load_examples([str(data)])
    with pytest.raises(DataError, match=r"1 image cannot be read \(fix or remove them\): .*notes\.jpg"):
        prepared_module.prepare(examples, workers=1, cache=tmp_path / "cache")
    (data / "fake" / "notes.jpg").unlink()
    monkeypatch.setattr(prepared_module, "detect_faces", lambda rgb: pytest.fail("detected again"))
    fixed = prepared_module.prepare(load_examples([str(data)]), workers=1, cache=tmp_path / "cache")
    assert len(fixed.examples) == len(examples) - 1 and any(fixed.faces)


def test_face_boxes_follow_the_content_not_the_path(tiny_dataset: Path, tmp_path: Path, monkeypatch) -> None:
    import shutil

    from training import prepared as prepared_module
    from training.data import load_examples

    prepared_module.prepare(load_examples([str(tiny_dataset)])[:4], workers=1, cache=tmp_path / "cache")
    copy = tmp_path / "copy"
    shutil.copytree(tiny_dataset, copy, copy_function=shutil.copy)  # new paths, new times
    examples = load_examples([str(copy)])[:4]
    changed = Path(examples[0].data)
    changed.write_bytes(changed.read_bytes() + b"\0")
    detected = []
    real_detect = prepared_module.detect_faces
    monkeypatch.setattr(prepared_module, "detect_faces", lambda rgb: detected.append(1) or real_detect(rgb))
    prepared_module.prepare(examples, workers=1, cache=tmp_path / "cache")
    assert len(detected) == 1  # only the file whose bytes changed


def test_a_finished_run_swaps_folders_so_a_model_is_always_in_place(tmp_path: Path, monkeypatch) -> None:
    from training import staging

    target = tmp_path / "model"
    target.mkdir()
    (target / "config.json").write_text("old")
    with staging.staged_folder(target) as folder:
        (folder / "config.json").write_text("new")
        assert (target / "config.json").read_text() == "old"  # untouched while the run goes on
    assert (target / "config.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no staging or retired folder left

    # Where the atomic exchange is unavailable, the two-rename fallback gives the same result.
    monkeypatch.setattr(staging, "_exchange", lambda first, second: False)
    with staging.staged_folder(target) as folder:
        (folder / "config.json").write_text("newer")
    assert (target / "config.json").read_text() == "newer"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_a_killed_runs_half_written_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    """A run killed outright (SIGKILL, a power cut) cannot clean up: the next run into the same
    place removes what such runs left (their lock free), not what a run still going is writing
    (its lock held, whatever its process id: another container's or node's run may share ours)."""
    import fcntl

    from training import staging

    target = tmp_path / "model"

    def left(tag: str) -> Path:
        folder = tmp_path / f".model.partial-{tag}"
        folder.mkdir()
        (folder / "model.keras").write_text("half")
        (tmp_path / f"{folder.name}.lock").touch()
        return folder

    killed, going = left("other-host-17"), left(f"another-node-{os.getpid()}")  # a process id like ours
    (tmp_path / ".model.old-other-host-17").mkdir()  # the killed run's retired folder, under the same lock
    beside = tmp_path / ".other.partial-x-1"  # beside another model: not this run's business
    beside.mkdir()
    held = os.open(tmp_path / f"{going.name}.lock", os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # the run still going
    try:
        with staging.staged_folder(target) as folder:  # a run's own lock and folder, gone with it
            assert (tmp_path / f"{folder.name}.lock").exists() and not killed.exists()
            (folder / "config.json").write_text("new")
    finally:
        os.close(held)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model", going.name, f"{going.name}.lock",
                                                                 beside.name])
    assert (target / "config.json").read_text() == "new"


def test_the_exchange_is_one_atomic_step(tmp_path: Path) -> None:
    from training.staging import _exchange

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    (first / "x").write_text("a"), (second / "x").write_text("b")
    if not _exchange(first, second):
        pytest.skip("this kernel or file system has no renameat2 RENAME_EXCHANGE")
    assert (first / "x").read_text() == "b" and (second / "x").read_text() == "a"


def test_held_out_results_set_the_band_and_probes_and_the_matrix_reach_the_card(
    tiny_dataset: Path, tmp_path: Path, astronaut: np.ndarray
) -> None:
    from PIL import Image

    probe = tmp_path / "probe" / "fake"
    probe.mkdir(parents=True)
    for i in range(4):
        Image.fromarray(np.ascontiguousarray(astronaut[:, :, ::-1])).save(probe / f"p{i}.jpg", quality=90 - i)
    unit = {"unit": "other-source", "roc_auc": 0.61, "accuracy": 0.55, "false_accusation_rate": 0.3,
            "false_accusation_rate_with_band": 0.04, "unsure_share": 0.5, "no_face_share": 0.01,
            "scores": [0.1, 0.2, 0.97], "labels": [0, 0, 0], "val_scores": [0.05, 0.1, 0.3, 0.9],
            "val_labels": [0, 0, 0, 1], "calibration": {"threshold": 0.5}, "probes": {}, "seconds": 1.0}
    held_out = tmp_path / "loso.json"
    held_out.write_text(json.dumps({"recipe": {"architecture": "deforgify-compact", "epochs": 5,
                                               "per_source": 500}, "units": [unit]}))
    output = tmp_path / "model"
    result = train_tiny(tiny_dataset, output, "--held-out", str(held_out), "--probe", str(probe.parent))
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["calibration"]["band_from_held_out"] == {"file": "loso.json", "real_rank": 1.0}
    config = ModelConfig.from_dict(json.loads((output / "config.json").read_text()))
    assert config.calibration.unsure_high >= 0.5
    shares = metrics["probes"]["probe"]
    assert shares.pop("count") == 4
    assert set(shares) == {"fake", "unsure", "real", "no_face"} and sum(shares.values()) == pytest.approx(1.0)
    assert "scores" not in metrics["leave_one_out"]["units"][0]
    card = (output / "README.md").read_text()
    assert "## Sources never seen (leave-one-source-out)" in card and "| other-source | 0.610 |" in card
    assert "## Fakes of kinds never trained on" in card and "| probe | 4 |" in card
    assert "fakes called \"fake\"" not in card  # no fakes caught among the held-out figures: no range claimed
    assert "(and each FaceForensics++ method" not in card  # no method was held out
    assert "OWNER" not in card and "NAME" not in card.replace("NAME]", "")
    # A local folder is no Hub dataset id: no datasets: key; the card is named and loaded by its folder.
    assert "datasets:" not in card and "Out of scope" in card
    assert f"model-index:\n- name: {output.name}\n" in card and f'Detector.load("path/to/{output.name}")' in card
    assert "by default" not in card and "(fakes:" not in card  # a folder of unknown kind: no kinds claimed


def test_a_held_out_file_that_is_not_usable_fails_before_training(tiny_dataset: Path, tmp_path: Path) -> None:
    bad = tmp_path / "loso.json"
    bad.write_text("{}")
    result = train_tiny(tiny_dataset, tmp_path / "model", "--held-out", str(bad))
    assert result.returncode == 1 and "not usable leave-one-source-out results" in result.stderr
    assert not (tmp_path / "model").exists()


def test_a_folder_without_litert_graph_runs_on_keras_until_exported(tiny_model: Path, tmp_path: Path) -> None:
    import shutil

    from deforgify.detector import Detector
    from deforgify.model.runtime import KerasRuntime, LiteRtRuntime

    older = tmp_path / "older-model"
    shutil.copytree(tiny_model, older, ignore=shutil.ignore_patterns("model.tflite"))
    crops = np.random.default_rng(3).uniform(0, 1, (5, 128, 128, 3)).astype(np.float32)
    before = Detector.load(str(older))
    assert isinstance(before.runtime, KerasRuntime)
    result = run_module("training.export", str(older))
    assert result.returncode == 0 and "wrote" in result.stdout, result.stderr[-2000:]
    after = Detector.load(str(older))
    assert isinstance(after.runtime, LiteRtRuntime)
    for theirs, mine in zip(before.runtime.run(crops), after.runtime.run(crops)):
        assert mine == pytest.approx(theirs, abs=1e-5)
    missing = run_module("training.export", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "error:" in missing.stderr


def test_an_export_that_fails_says_so_and_keeps_the_graph_there(tiny_model: Path, tmp_path: Path, monkeypatch,
                                                                capsys) -> None:
    """A conversion error was a traceback, and the graph was written in place (a failed write
    left a truncated one, which LiteRT refuses)."""
    import shutil

    import tensorflow as tf

    from training import export

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    before = (folder / "model.tflite").read_bytes()

    class Refusing:
        def convert(self):
            raise ValueError("op not supported")

    monkeypatch.setattr(tf.lite.TFLiteConverter, "from_saved_model", lambda *args, **kwargs: Refusing())
    assert export.main([str(folder)]) == 1
    said = capsys.readouterr().err
    assert "error: cannot export" in said and "ValueError: op not supported" in said and "unchanged" in said
    assert (folder / "model.tflite").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in tiny_model.iterdir())  # no leftovers


def test_recalibration_refits_the_band_and_keeps_the_weights(tiny_model: Path, tiny_dataset: Path,
                                                              tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    weights = (folder / "model.tflite").read_bytes()
    before = json.loads((folder / "metrics.json").read_text())
    held_out = tmp_path / "loso.json"  # unseen reals scoring like the top of the model's own
    held_out.write_text(json.dumps({"recipe": {"architecture": "deforgify-compact", "epochs": 1, "per_source": 1},
                                    "units": [{"unit": "other", "scores": [0.99] * 20, "labels": [0] * 20,
                                               "val_scores": [0.1, 0.2, 0.3, 0.9], "val_labels": [0, 0, 0, 1],
                                               "roc_auc": None, "accuracy": 0.5, "false_accusation_rate": 1.0,
                                               "false_accusation_rate_with_band": 1.0, "unsure_share": 0.0,
                                               "no_face_share": 0.0}]}))
    assert before["training"]["data"] == [os.path.relpath(tiny_dataset, ROOT)]  # recorded where it was trained
    result = run_module("training.recalibrate", str(folder),  # its sources as its metrics.json records them
                        "--held-out", str(held_out), "--min-face-width", "48", "--workers", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    after = json.loads((folder / "metrics.json").read_text())
    assert (folder / "model.tflite").read_bytes() == weights
    assert after["training"] == before["training"] | {"recalibrated": after["training"]["recalibrated"]}
    assert after["calibration"]["band_from_held_out"]["real_rank"] == 1.0
    config = ModelConfig.from_dict(json.loads((folder / "config.json").read_text()))
    assert config.min_face_width == 48
    assert "- A face narrower than 48 px in the photo is answered `unsure`" in (folder / "README.md").read_text()
    assert config.calibration.unsure_high == pytest.approx(after["calibration"]["unsure_high"])
    assert after["test"]["unsure"]["band"] == [config.calibration.unsure_low, config.calibration.unsure_high]


def test_recalibration_refuses_splits_other_than_those_trained_on(tiny_model: Path, tiny_dataset: Path,
                                                                  tmp_path: Path) -> None:
    """Another seed would score training images as test images: refused, the folder untouched."""
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    seed = json.loads((folder / "metrics.json").read_text())["training"]["seed"]
    result = run_module("training.recalibrate", str(folder), "--data", str(tiny_dataset), "--seed", str(seed + 5),
                        "--workers", "1")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "--data and --seed do not give the train split" in result.stderr
    recorded = os.path.relpath(tiny_dataset, ROOT)  # as its metrics.json records it: where the run was
    assert f"it was trained with --seed {seed} on {recorded}" in result.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_recalibration_without_the_split_lists_fails_clearly(tiny_model: Path, tiny_dataset: Path,
                                                            tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    (folder / "splits.json").unlink()
    result = run_module("training.recalibrate", str(folder), "--data", str(tiny_dataset), "--workers", "1")
    assert result.returncode == 1 and "splits.json cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


def test_recalibration_of_something_else_fails_clearly(tiny_dataset: Path, tmp_path: Path) -> None:
    result = run_module("training.recalibrate", str(tmp_path), "--data", str(tiny_dataset))
    assert result.returncode == 2 and "not a usable model folder" in result.stderr


@pytest.mark.parametrize("folder", ["trained here", "bundled"])
def test_a_model_folder_does_not_record_the_paths_of_the_machine_it_was_trained_on(folder, tiny_model,
                                                                                    tiny_dataset) -> None:
    """The bundled model's metrics.json and splits.json named every source /work/shared/data/..."""
    model = tiny_model if folder == "trained here" else BUNDLED_MODEL
    metrics = json.loads((model / "metrics.json").read_text())
    rows = [row for split in json.loads((model / "splits.json").read_text()).values() for row in split]
    recorded = set(metrics["training"]["data"]) | {row["source"] for row in rows}
    assert recorded and not any(Path(source).is_absolute() for source in recorded), recorded
    if folder == "trained here":  # given by its absolute path, recorded from where the run was
        assert recorded == {os.path.relpath(tiny_dataset, ROOT)}
        assert f"\"{tiny_dataset}" not in (model / "metrics.json").read_text()  # nor as a key


def test_the_card_says_what_its_split_keeps_whole_and_what_it_does_not() -> None:
    """It said "videos and identities kept whole": DFDC's actors recur across its videos, a
    FaceForensics++ swap's source person can have a video in another split (108 test crops)."""
    from training.card import render_card

    card = render_card(json.loads((BUNDLED_MODEL / "metrics.json").read_text()),
                       json.loads((BUNDLED_MODEL / "config.json").read_text()), "deforgify-lite0", None)
    assert "identities kept whole" not in card and "one person's face, or one prompt's, can be in training" in card
    assert "not a blind\nestimate" in card  # the band's rule was chosen after seeing this test split
    assert "this model's test images among them" in card  # the held-out runs behind its upper edge
    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    metrics["training"]["seed"] = 1  # another split: the rule was not chosen on its test images
    other = render_card(metrics, json.loads((BUNDLED_MODEL / "config.json").read_text()), "other", None)
    assert "not a blind" not in other and "bundled model answered" not in other


def test_the_card_says_how_many_groups_each_sources_test_figures_rest_on() -> None:
    """A card reviewer's find: FaceForensics++'s test figures rest on 5 target videos, and the
    card said only "80/10/10 within every source". From splits.json: images and groups apiece."""
    from training.card import render_card

    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    config = json.loads((BUNDLED_MODEL / "config.json").read_text())
    rows = ([{"source": "../shared/data/videos", "group": f"v{i % 2}"} for i in range(5)]
            + [{"source": "../shared/data/photos", "group": None} for _ in range(4)])
    card = " ".join(render_card(metrics, config, "m", None, {"test": rows}).split())
    assert ("Test images per source (and the groups kept whole among them): videos 5 (2 groups), photos 4. A "
            "source's test figures rest on its groups, not on its images: videos's on 2") in card
    assert "Test images per source" not in render_card(metrics, config, "m", None)  # no splits given


def test_a_card_never_publishes_an_undefined_roc_auc_as_zero() -> None:
    """A card reviewer's find: a test split of one class (no ROC-AUC) gave the Hub's model-index
    "roc_auc, value: 0.0000", a figure that reads as a model worse than chance."""
    import copy

    from training.card import render_card

    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    config = json.loads((BUNDLED_MODEL / "config.json").read_text())
    assert "{type: roc_auc, value: 0.9266, name: Test ROC-AUC}" in render_card(metrics, config, "m", None)
    one_class = copy.deepcopy(metrics)
    one_class["test"]["roc_auc"] = None
    front = render_card(one_class, config, "m", None).split("\n---\n", 1)[0]
    assert "roc_auc" not in front and "{type: accuracy, value:" in front


def test_every_table_of_the_card_names_each_column() -> None:
    """A screen reader reads a table's header cells before each value: two of them were empty."""
    from training.card import render_card

    card = render_card(json.loads((BUNDLED_MODEL / "metrics.json").read_text()),
                       json.loads((BUNDLED_MODEL / "config.json").read_text()), "deforgify-lite0", None)
    lines = card.splitlines()
    headers = [lines[i - 1] for i, line in enumerate(lines) if line.startswith("|---")]
    assert len(headers) >= 5
    for header in headers:
        assert all(cell.strip() for cell in header.strip().strip("|").split("|")), header


def test_the_card_says_why_calibration_made_the_test_split_worse_only_when_it_did() -> None:
    from training.card import _calibration_caveat

    metrics = {"calibration": {"temperature": 1.23},
               "val": {"roc_auc": 0.90, "ece": {"uncalibrated": 0.040, "calibrated": 0.032}},
               "test": {"roc_auc": 0.93, "ece": {"uncalibrated": 0.017, "calibrated": 0.041}}}
    caveat = _calibration_caveat(metrics)
    assert "on validation 0.040 before, 0.032 after" in caveat and "overconfident" in caveat
    assert "ROC-AUC 0.900 against 0.930 on test" in caveat
    metrics["test"]["ece"]["calibrated"] = 0.010  # the temperature helped the test split too: nothing to explain
    assert _calibration_caveat(metrics) == ""


@pytest.mark.parametrize("module", ["train", "evaluate", "push", "recalibrate", "leave_one_out"])
def test_each_training_commands_description_is_whole_sentences(module: str) -> None:
    """Its module docstring's first paragraph, not its first line: push's stopped at "in one
    commit: the files a training run"."""
    import importlib

    description = importlib.import_module(f"training.{module}").build_parser().description
    assert description.endswith((".", ")")) and "`" not in description and "\n" not in description, description


def test_the_card_says_how_far_its_test_accuracy_goes_and_when_framing_does_as_well() -> None:
    from training.card import _how_sure

    model = {"count": 129, "accuracy": 0.853, "roc_auc": 0.942}
    said = _how_sure(model, {"accuracy": 0.961, "roc_auc": 0.996})
    assert said.startswith("From 129 test images, the accuracy 0.853 lies within 0.782-0.904 (95 % interval, "
                           "counting every image as independent: frames of one video and the two faces of a pair "
                           "are not, so the true interval is wider).")
    assert "the framing baseline does as well as the model or better (ROC-AUC 0.996 against 0.942)" in said
    assert "framing" not in _how_sure({**model, "count": 1689}, {"accuracy": 0.64, "roc_auc": 0.714})



def test_the_leave_one_source_out_matrix_runs_and_its_file_sets_a_models_band(tmp_path: Path,
                                                                              astronaut: np.ndarray) -> None:
    """Every run of it crashed after preparing the data: its parser lacked the recipe options
    added to training.train since (drop_path, ema, ...); a held-out part that does not exist
    ran to a matrix of nothing, and the output was written only at the very end."""
    from helpers import make_tiny_dataset

    for name in ("camera-a", "camera-b"):
        make_tiny_dataset(tmp_path / name, astronaut, per_class=20)
    common = ["training.leave_one_out", "--data", str(tmp_path / "camera-a"), "--data", str(tmp_path / "camera-b"),
              "--architecture", "deforgify-compact", "--input-size", "64", "--epochs", "2", "--per-source", "20",
              "--batch-size", "8", "--workers", "1"]
    no_probes = {"DEFORGIFY_DATA": str(tmp_path / "no-shared-data")}
    refused = run_module(*common, "--only", "camera-c", env=no_probes)
    assert refused.returncode == 2
    assert "--only camera-c: no such held-out part; these data have camera-a, camera-b" in refused.stderr
    folder = run_module(*common, "--output", str(tmp_path), env=no_probes)
    assert folder.returncode == 2 and f"--output {tmp_path} is a folder: give a file name" in folder.stderr
    matrix = tmp_path / "loso" / "matrix.json"
    result = run_module(*common, "--only", "camera-a", "--output", str(matrix), env=no_probes)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(matrix.read_text())
    assert report["recipe"]["architecture"] == "deforgify-compact" and report["recipe"]["drop_path"] == 0.0
    (unit,) = report["units"]
    assert unit["unit"] == "camera-a" and len(unit["scores"]) == len(unit["labels"]) == 40
    assert 0.0 <= unit["roc_auc"] <= 1.0 and len(unit["val_scores"]) == len(unit["val_labels"])
    model = tmp_path / "model"
    trained = train_tiny(tmp_path / "camera-b", model, "--held-out", str(matrix))
    assert trained.returncode == 0, trained.stderr[-3000:]
    assert json.loads((model / "metrics.json").read_text())["calibration"]["band_from_held_out"]["file"] == "matrix.json"


def test_a_local_folder_is_loaded_without_download_progress_bars(tiny_dataset: Path, monkeypatch) -> None:
    """``datasets`` drew "Downloading data: 1289 files" on a terminal for photos read where they
    are; its bars are off while a local folder loads, and on again after."""
    import datasets

    from training.data import load_source

    states: list[bool] = []
    load = datasets.load_dataset

    def watched(*args, **kwargs):
        states.append(datasets.is_progress_bar_enabled())
        return load(*args, **kwargs)

    monkeypatch.setattr(datasets, "load_dataset", watched)
    datasets.enable_progress_bars()
    assert len(load_source(str(tiny_dataset))) == 60
    assert states == [False] and datasets.is_progress_bar_enabled()


def test_a_held_out_source_of_fakes_alone_leaves_the_card_and_the_page_their_other_figures() -> None:
    """A held-out source without real faces has no share of them called "fake" (null): the
    card's summary took the largest of all, None among them, and raised at the end of a run."""
    from deforgify.model.facts import held_out_accused
    from training.card import render_card

    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    units = metrics["leave_one_out"]["units"]
    units.append(dict(units[0], unit="fakes-only", false_accusation_rate_with_band=None, fakes_caught_with_band=0.5))
    card = render_card(metrics, json.loads((BUNDLED_MODEL / "config.json").read_text()), "deforgify-lite0", None)
    worst = max(u["false_accusation_rate_with_band"] for u in units[:-1])
    assert f'reals called "fake" up to {worst:.0%}.' in " ".join(card.split())
    assert f"up to {worst:.1%} of that source's real faces were called \"fake\"" in held_out_accused(metrics)


def test_the_card_gives_the_machine_its_wall_time_was_measured_on() -> None:
    """Every card said "Wall time on a 2-core CPU machine", whatever trained it."""
    from training.card import render_card

    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    config = json.loads((BUNDLED_MODEL / "config.json").read_text())
    metrics["training"]["machine"] = {"cpus": 16, "gpus": 1}
    assert "Wall time on 16 CPU cores, 1 GPU:\n" in render_card(metrics, config, "deforgify-lite0", None)
    del metrics["training"]["machine"]  # a run that did not record it
    card = render_card(metrics, config, "deforgify-lite0", None)
    assert "Wall time:\n" in card and "2-core" not in card


def test_a_collapse_on_few_validation_images_says_how_few_and_what_to_do() -> None:
    """A smoke run on 40 real and 40 fake images collapsed after 3 epochs, unexplained."""
    from training.train import too_few

    assert too_few(np.array([0] * 4 + [1] * 4)) == (" (from 4 real and 4 fake validation images: with so few, train "
                                                    "more epochs or on more images)")
    assert too_few(np.array([0] * 40 + [1] * 30)) == ""
