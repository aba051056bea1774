"""Format parity: does the verdict depend on how the same face was stored?

Every image is judged as seven files a user could have of it: lossless (PNG), JPEG at quality 95
and 75, WebP at 80, at half and at double size, and mirrored. For each variant: ROC-AUC and the
share of reals answered "fake"; over all of them, the spread of the AUCs and the share of images
whose verdict is not the same in every variant. Goals (the detector's, issue 16): verdict
changes <= 5 %, AUC spread <= 0.02, reals called "fake" <= 5 % in every variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from deforgify.model.calibration import NO_FACE, logit
from training.degrade import encode, resize_by, saved_as
from training.metrics import FAKE

if TYPE_CHECKING:
    from deforgify.detector import Detector

VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "png": lambda rgb: rgb,
    "jpeg q95": lambda rgb: encode(rgb, ".jpg", 95),
    "jpeg q75": lambda rgb: encode(rgb, ".jpg", 75),
    "webp q80": lambda rgb: encode(rgb, ".webp", 80),
    "half size": lambda rgb: resize_by(rgb, 0.5),
    "double size": lambda rgb: resize_by(rgb, 2.0),
    "mirrored": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
}
PHONE_VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "heic q80": lambda rgb: saved_as(rgb, "HEIF", 80),
    "avif q70": lambda rgb: saved_as(rgb, "AVIF", 70),
}
"""Formats phones and web pages save photos in, measured beside the lossless copy by the
benchmark (``--phone-formats``); not among the seven of the goals."""
CUT_VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "1 px cut": lambda rgb: np.ascontiguousarray(rgb[1:, 1:]),
    "3 px cut": lambda rgb: np.ascontiguousarray(rgb[3:, 3:]),
}
"""The lossless copy with one (three) rows and columns cut from its top and left: the same
pixels, not stored again; the verdict changes they cause are not the storing's (the benchmark's
``--cut-edges``; not among the seven of the goals)."""
GOALS = {"changed_share": 0.05, "auc_spread": 0.02, "reals_called_fake": 0.05}


@dataclass
class VariantResult:
    name: str
    verdicts: np.ndarray
    """The served verdict of each image ("no_face" where no face was found)."""
    fake: np.ndarray
    """The fake probability of each image (of its centre where no face was found)."""
    is_fake: np.ndarray
    not_judged: np.ndarray
    """Whether the deciding face is "unsure" by rule, whatever its score: too small to judge (a
    half-size copy of a small photo), or without colour (the same in every variant). An image
    judged on its centre (no face found) is not."""

    @property
    def roc_auc(self) -> float | None:
        from sklearn.metrics import roc_auc_score

        both = 0 < self.is_fake.sum() < len(self.is_fake)
        return float(roc_auc_score(self.is_fake, self.fake)) if both else None

    @property
    def reals_called_fake(self) -> float:
        reals = self.verdicts[~self.is_fake]
        return float(np.mean(reals == "fake")) if len(reals) else 0.0

    def subset(self, rows: np.ndarray) -> "VariantResult":
        return VariantResult(self.name, self.verdicts[rows], self.fake[rows], self.is_fake[rows],
                             self.not_judged[rows])


@dataclass
class ParityReport:
    variants: list[VariantResult]

    def subset(self, rows: np.ndarray) -> "ParityReport":
        """The report of the images at ``rows`` only (one source, say)."""
        return ParityReport([v.subset(rows) for v in self.variants])

    @property
    def changed_share(self) -> float:
        """Share of images whose verdict is not the same in every variant."""
        verdicts = np.array([v.verdicts for v in self.variants])
        return float(np.mean(np.any(verdicts != verdicts[0], axis=0)))

    @property
    def changed_by_score_share(self) -> float:
        """Share of images whose verdict changes between the variants where their face is
        judged (not "unsure" by rule): the changes the model's scores make, not the rules'."""
        verdicts = np.array([v.verdicts for v in self.variants])
        judged = ~np.array([v.not_judged for v in self.variants])
        first = verdicts[judged.argmax(axis=0), np.arange(verdicts.shape[1])]  # first judged variant
        return float(np.mean(np.any(judged & (verdicts != first), axis=0)))

    @property
    def crossed_share(self) -> float:
        """Share of images answered "real" in one variant and "fake" in another (the other
        changes are between "unsure" and a firm answer)."""
        verdicts = np.array([v.verdicts for v in self.variants])
        return float(np.mean(np.any(verdicts == "real", axis=0) & np.any(verdicts == "fake", axis=0)))

    @property
    def auc_spread(self) -> float:
        aucs = [v.roc_auc for v in self.variants if v.roc_auc is not None]
        return float(max(aucs) - min(aucs)) if aucs else 0.0

    def misses(self) -> list[str]:
        """The goals not met, in words (empty when all are)."""
        missed = []
        if self.changed_share > GOALS["changed_share"]:
            missed.append(f"{self.changed_share:.1%} of images change verdict")
        if self.auc_spread > GOALS["auc_spread"]:
            missed.append(f"AUC spread {self.auc_spread:.3f}")
        missed += [f"{v.name}: {v.reals_called_fake:.1%} of reals called fake" for v in self.variants
                   if v.reals_called_fake > GOALS["reals_called_fake"]]
        return missed

    def to_dict(self) -> dict:
        return {"variants": {v.name: {"roc_auc": v.roc_auc, "reals_called_fake": v.reals_called_fake,
                                      "changed_from_lossless": self.changed_from_first(v),
                                      "median_logit_move": self.moved_from_first(v)}
                             for v in self.variants},
                "changed_share": self.changed_share, "changed_by_score_share": self.changed_by_score_share,
                "crossed_share": self.crossed_share,
                "auc_spread": self.auc_spread, "goals": GOALS}

    def by_source(self, sources: list[str]) -> dict[str, dict]:
        """:meth:`to_dict` of each source's images."""
        names = np.array(sources)
        return {name: self.subset(np.flatnonzero(names == name)).to_dict() for name in sorted(set(sources))}

    def changed_from_first(self, variant: VariantResult) -> float:
        """Share of images whose verdict in ``variant`` differs from the first (lossless) one's."""
        return float(np.mean(variant.verdicts != self.variants[0].verdicts))

    def moved_from_first(self, variant: VariantResult) -> float:
        """The median move of an image's fake logit from the first (lossless) variant's: how far
        the scores move, whatever band turns them into verdicts (models with other bands compare
        on it)."""
        return float(np.median(np.abs(logit(variant.fake) - logit(self.variants[0].fake))))

    def table(self) -> str:
        lines = [f"{'variant':12} {'AUC':>6} {'reals called fake':>18} {'verdict not as lossless':>24} "
                 f"{'median logit move':>18}"]
        lines += [f"{v.name:12} {_cell(v.roc_auc)} {v.reals_called_fake:18.1%} {self.changed_from_first(v):24.1%} "
                  f"{self.moved_from_first(v):18.3f}" for v in self.variants]
        lines.append(f"verdict changes across variants: {self.changed_share:.1%} "
                     f"(goal <= {GOALS['changed_share']:.0%}; {self.changed_by_score_share:.1%} leaving out "
                     f"faces too small to judge; {self.crossed_share:.1%} between \"real\" and \"fake\"); "
                     f"AUC spread {self.auc_spread:.3f} (goal <= {GOALS['auc_spread']})")
        return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "     -" if value is None else f"{value:6.3f}"


def judge_variant(detector: Detector, name: str, images: Sequence[np.ndarray], labels: np.ndarray,
                  variants: dict[str, Callable[[np.ndarray], np.ndarray]] = VARIANTS) -> VariantResult:
    predictions = detector.predict_rgb([variants[name](rgb) for rgb in images], centre_fallback=True)
    return VariantResult(name, np.array([p.label if p.face_found else NO_FACE for p in predictions]),
                         np.array([p.confidences["fake"] for p in predictions]), np.asarray(labels) == FAKE,
                         np.array([p.face_found and bool(p.caution) for p in predictions]))  # a centre is no face


def format_parity(detector: Detector, images: Sequence[np.ndarray], labels: np.ndarray) -> ParityReport:
    """Judge ``images`` (decoded RGB) in every variant with ``detector`` (faces detected again in
    each variant as training detects them, the centre square judged where none is found)."""
    return ParityReport([judge_variant(detector, name, images, labels) for name in VARIANTS])
