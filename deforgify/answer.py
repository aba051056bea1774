"""One photo's whole answer, as the app, the command line and the library give it: the pixel
model's verdict, what the file itself declares of its origin (a declared AI origin decides), and
the model that answered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from deforgify.prediction import Prediction, fresh
from deforgify.provenance import Provenance, apply_to_row
from deforgify.provenance.rules import decided_by_provenance


@dataclass(frozen=True)
class Answer:
    """What :meth:`Detector.answer` gives: the verdict and what it rests on."""

    prediction: Prediction
    """The pixel model's verdict, with every face it judged."""
    provenance: Provenance
    """What the file's own metadata says of its origin (nothing for a decoded image)."""
    model: dict[str, Any]
    """The model that answered (:attr:`Detector.facts`): ``revision`` names it."""

    @property
    def decided_by(self) -> str:
        """"provenance" when the file declares an AI origin (then the verdict is "fake"), else "pixels"."""
        return "provenance" if decided_by_provenance(self.provenance) else "pixels"

    @property
    def label(self) -> str:
        """The verdict: "real", "fake", "unsure" or "no_face"."""
        return "fake" if self.decided_by == "provenance" else self.prediction.label

    @property
    def confidences(self) -> Optional[dict[str, float]]:
        """The pixel model's calibrated probabilities of "real" and "fake" (None without a face)."""
        return self.prediction.confidences

    def to_json(self) -> dict[str, Any]:
        """As data: the row of ``deforgify predict --json`` without ``file`` (the app's result
        without ``answer_id``)."""
        return {**apply_to_row(self.prediction.to_json(), self.provenance), "model": fresh(self.model)}
