"""What runs the network: one call from preprocessed crops to their class probabilities and their
Grad-CAM maps (:func:`deforgify.model.serving.serving_function`), by either of two engines.

- LiteRT runs ``model.tflite``, the serving graph exported beside the weights at training time:
  a runtime of about 60 MB installed (TensorFlow takes over 1 GB) that starts in a tenth of a
  second, so serving needs no TensorFlow at all.
- Keras runs ``model.keras`` through the same serving function, for training and evaluation,
  and for a model folder that has no ``model.tflite`` (needs TensorFlow).

Both compute the same graph; the tests hold their answers equal.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from deforgify.model.folder import LITERT_FILE, MODEL_FILE, ModelLoadError, load_keras_model
from deforgify.quiet import native_stderr_filtered

if TYPE_CHECKING:
    import keras

SIGNATURE = "serve"
THREADS = 2
"""LiteRT threads per model call by default: the two cores of a small machine or Space."""


class Runtime(Protocol):
    input_size: int
    """The side of the square crops the network takes."""

    def run(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities (N, classes), Grad-CAM maps (N, h, w)) for crops (N, size, size, 3)."""
        ...


class LiteRtRuntime:
    """The exported serving graph in the LiteRT interpreter (one call at a time)."""

    def __init__(self, path: Path, threads: int = THREADS) -> None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            interpreter = Interpreter(model_path=str(path), num_threads=threads)
            self._serve = interpreter.get_signature_runner(SIGNATURE)
            shape = self._serve.get_input_details()["pixels"]["shape"]
            self.input_size = int(shape[1])
            with native_stderr_filtered():  # the first call announces its CPU delegate
                self._serve(pixels=np.zeros((1, *shape[1:]), np.float32))
        except (ValueError, RuntimeError, KeyError) as error:
            raise ModelLoadError(f"cannot load {path}: {error}") from None
        self._interpreter = interpreter  # the runner needs it alive
        self._lock = threading.Lock()
        self.path, self.threads = path, threads

    def run(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            outputs = self._serve(pixels=np.ascontiguousarray(pixels, np.float32))
            return outputs["probabilities"].copy(), outputs["cam"].copy()


class KerasRuntime:
    """A Keras model through the serving function, compiled once."""

    def __init__(self, model: keras.Model, class_index: int) -> None:
        from deforgify.model.serving import serving_function

        self._serve = serving_function(model, class_index)
        self.input_size = model.input_shape[1]

    def run(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        outputs = self._serve(np.asarray(pixels, np.float32))
        return outputs["probabilities"].numpy(), outputs["cam"].numpy()


def load_runtime(folder: Path, class_index: int, threads: int = THREADS) -> Runtime:
    """LiteRT for a folder with ``model.tflite`` (when LiteRT is installed), Keras otherwise."""
    if not (folder / LITERT_FILE).is_file() and not (folder / MODEL_FILE).is_file():  # before seconds of TensorFlow
        raise ModelLoadError(f"{folder} has neither {LITERT_FILE} nor {MODEL_FILE}: it holds no network")
    if (folder / LITERT_FILE).is_file() and litert_installed():
        return LiteRtRuntime(folder / LITERT_FILE, threads)
    if importlib.util.find_spec("tensorflow") is None:
        missing = "ai-edge-litert is not installed" if (folder / LITERT_FILE).is_file() else f"it has no {LITERT_FILE}"
        raise ModelLoadError(f"cannot run the model in {folder}: {missing}, and TensorFlow (needed for "
                             "model.keras) is not installed either: pip install -r requirements-train.txt")
    return KerasRuntime(load_keras_model(folder), class_index)


def litert_installed() -> bool:
    """Whether LiteRT can run ``model.tflite`` here (the serving install has it; TensorFlow is then not needed)."""
    return importlib.util.find_spec("ai_edge_litert") is not None
