"""The model folder: ``model.keras`` plus ``config.json`` with everything needed to use it.

Like timm and Keras on the Hub, labels and preprocessing settings travel with the weights, so
no caller can feed a model inputs prepared differently from how it was trained.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from deforgify import __version__
from deforgify.faces.preprocess import PreprocessConfig
from deforgify.model.calibration import Calibration

MODEL_FILE = "model.keras"
LITERT_FILE = "model.tflite"
"""The serving graph for LiteRT, exported beside the weights (optional: Keras can run MODEL_FILE)."""
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "README.md"
SPLITS_FILE = "splits.json"
FORMAT = "deforgify-model"
FORMAT_VERSION = 1
LABELS = ("real", "fake")
"""The two classes, in the order of the model's outputs."""
DEFAULT_MIN_FACE_WIDTH = 64
"""The least face width (photo pixels) judged by a model whose config does not say: the rule from
before the bundled model's was measured (``benchmarks/face_size.py``, 40 px); an unmeasured model
is not trusted on smaller faces."""


class ModelLoadError(RuntimeError):
    """A model reference cannot be turned into a working model; the message says why."""


@dataclass(frozen=True)
class ModelConfig:
    """The contents of ``config.json``."""

    architecture: str
    labels: tuple[str, ...] = LABELS
    preprocessing: PreprocessConfig = field(default_factory=PreprocessConfig)
    calibration: Calibration = field(default_factory=Calibration)
    min_face_width: int = DEFAULT_MIN_FACE_WIDTH
    """Faces narrower than this (photo pixels) are answered "unsure", never real or fake: how small
    a face this model still judges reliably, measured by ``benchmarks/face_size.py``."""
    library_version: str = __version__
    unstated: tuple[str, ...] = field(default=(), compare=False)
    """The settings of :data:`UNSTATED` that ``config.json`` does not name (older or hand-made
    folders): their defaults are used, and said."""

    @property
    def warning(self) -> Optional[str]:
        """What a user of this model should be told about its config, if anything."""
        return "; ".join(UNSTATED[name].format(config=self) for name in self.unstated) or None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "architecture": self.architecture,
            "labels": list(self.labels),
            "preprocessing": self.preprocessing.to_dict(),
            "calibration": self.calibration.to_dict(),
            "min_face_width": self.min_face_width,
            "library_version": self.library_version,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "ModelConfig":
        if not isinstance(values, dict):
            raise ValueError(f"it must hold a JSON object, not {type(values).__name__}")
        if values.get("format") != FORMAT or values.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"not a {FORMAT} v{FORMAT_VERSION} config "
                f"(format={values.get('format')!r}, version={values.get('format_version')!r})"
            )
        lacking = [name for name in ("architecture", "preprocessing") if name not in values]
        if lacking:
            raise ValueError(f"it does not name the model's {' nor its '.join(lacking)}")
        labels = tuple(values.get("labels", ()))
        if sorted(labels) != sorted(LABELS):
            raise ValueError(f"labels must be {list(LABELS)} in some order, got {list(labels)}")
        return cls(
            architecture=str(values["architecture"]),
            labels=labels,
            preprocessing=PreprocessConfig.from_dict(values["preprocessing"]),
            calibration=Calibration.from_dict(values["calibration"]) if "calibration" in values else Calibration(),
            min_face_width=_face_width(values.get("min_face_width", DEFAULT_MIN_FACE_WIDTH)),
            library_version=str(values.get("library_version", "unknown")),
            unstated=tuple(name for name in UNSTATED if name not in values),
        )


UNSTATED = {
    "calibration": "the model's config.json has no calibration: its raw probabilities are answered at a "
                   "threshold of {config.calibration.threshold:g}, with no unsure band (fit one with python -m "
                   "training.recalibrate)",
    "min_face_width": "the model's config.json does not say the least face width it judges (min_face_width): "
                      "faces under {config.min_face_width} px are answered unsure (measure it with "
                      "benchmarks/face_size.py)",
}
"""What is said of a model whose ``config.json`` leaves a setting out."""


def _face_width(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"min_face_width must be a whole number of pixels >= 1, got {value!r}")
    return value


def write_config(folder: Path, config: ModelConfig) -> None:
    (folder / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2) + "\n")


def read_config(folder: Path) -> ModelConfig:
    """Read and validate ``config.json``; raise :class:`ModelLoadError` naming what is wrong."""
    path = folder / CONFIG_FILE
    if not path.is_file():
        raise ModelLoadError(f"{folder} has no {CONFIG_FILE}: not a Deforgify model folder")
    try:
        return ModelConfig.from_dict(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as error:
        raise ModelLoadError(f"{path} is invalid: {error}") from None


def load_keras_model(folder: Path) -> Any:
    """Load ``model.keras`` with ``safe_mode=True``: a model folder is untrusted input."""
    path = folder / MODEL_FILE
    if not path.is_file():
        raise ModelLoadError(f"{folder} has no {MODEL_FILE}")
    if not zipfile.is_zipfile(path):  # Keras said "File not found" of it, after seconds of TensorFlow's import
        raise ModelLoadError(f"cannot load {path}: not a Keras model file (a .keras file is a zip archive)")
    from deforgify.quiet import import_tensorflow

    import_tensorflow()  # deferred: importing TensorFlow costs seconds
    import keras

    import deforgify.model.layers  # noqa: F401  (registers the custom layers models may use)

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a bad file
        raise ModelLoadError(f"cannot load {path}: {error}") from None
