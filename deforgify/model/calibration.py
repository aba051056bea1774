"""Turning the model's raw fake probability into a calibrated one and a label.

Fitted on the validation split at training time (``training/calibrate.py``) and saved in
``config.json``: a temperature that makes the probabilities honest, the decision threshold,
and an "unsure" band around it where the validation data showed the model cannot be trusted.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

UNSURE = "unsure"
NO_FACE = "no_face"
"""The verdict when no face was found: nothing was judged."""


def logit(probability: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with ``p`` clipped to 1e-7 .. 1 - 1e-7 (a certain 0 or 1 has no logit)."""
    clipped = np.clip(np.asarray(probability, dtype=np.float64), 1e-7, 1 - 1e-7)
    return np.log(clipped) - np.log1p(-clipped)


@dataclass(frozen=True)
class Calibration:
    temperature: float = 1.0
    threshold: float = 0.5
    unsure_low: float = 0.5
    """Calibrated fake probabilities strictly between ``unsure_low`` and ``unsure_high`` are
    answered "unsure"; equal bounds mean no band."""
    unsure_high: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Calibration":
        """Read a calibration block; a block that names only some settings is refused, naming
        the others, rather than filled in with defaults that belong to no model."""
        names = [f.name for f in fields(cls)]
        if not isinstance(values, dict):
            raise ValueError(f"calibration must be an object of numbers, got {values!r}")
        if not values:
            raise ValueError("an empty calibration block: leave it out to serve the raw probabilities, "
                             "or fit one with python -m training.recalibrate")
        missing, unknown = [n for n in names if n not in values], sorted(map(str, set(values) - set(names)))
        if missing or unknown:
            raise ValueError(f"calibration must give {', '.join(names)}: "
                             + "; ".join(f"{what} {', '.join(keys)}" for what, keys in
                                         (("missing", missing), ("unknown", unknown)) if keys))
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"calibration {name} must be a finite number, got {value!r}")
        calibration = cls(**{k: float(v) for k, v in values.items()})
        if not (calibration.temperature > 0
                and 0 <= calibration.unsure_low <= calibration.threshold
                <= calibration.unsure_high <= 1):
            raise ValueError(f"calibration settings out of range: {values}")
        return calibration

    def fake_probability(self, raw_fake: np.ndarray) -> np.ndarray:
        """Temperature-scaled fake probability from the model's softmax output for "fake"."""
        return 1.0 / (1.0 + np.exp(-logit(raw_fake) / self.temperature))

    def label(self, fake: float) -> str:
        if self.unsure_low < fake < self.unsure_high:
            return UNSURE
        return "fake" if fake >= self.threshold else "real"
