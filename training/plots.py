"""PNG plots of a training run: learning curves, confusion matrix, ROC curve."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from training.metrics import FAKE  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CURVES_FILE = "training_curves.png"
CONFUSION_FILE = "confusion_matrix.png"
ROC_FILE = "roc_curve.png"


def plot_history(history: dict[str, list[float]], path: Path) -> None:
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for axis, metric in zip(axes, ("loss", "accuracy")):
        for prefix in ("", "val_"):
            if prefix + metric in history:
                values = history[prefix + metric]
                axis.plot(range(1, len(values) + 1), values, marker=".", label=(prefix or "train_") + metric)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs counted from 1, as on the card
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.legend()
    _save(figure, path)


def plot_confusion(matrix: list[list[int]], labels: list[str], path: Path) -> None:
    figure, axis = plt.subplots(figsize=(4, 3.6))
    axis.imshow(np.array(matrix), cmap="Blues")
    for (row, column), value in np.ndenumerate(np.array(matrix)):
        axis.text(column, row, str(value), ha="center", va="center", fontsize=12)
    axis.set_xticks(range(len(labels)), labels)
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title("Test confusion matrix")
    _save(figure, path)


def plot_roc(labels: np.ndarray, fake_scores: np.ndarray, auc: float | None, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(4, 3.6))
    if auc is not None:
        false_positive, true_positive, _ = roc_curve(labels == FAKE, fake_scores)
        axis.plot(false_positive, true_positive, label=f"model (AUC {auc:.3f})")
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axis.set_xlabel("false positive rate (real called fake)")
    axis.set_ylabel("true positive rate")
    axis.set_title("Test ROC, fake = positive")
    axis.legend(loc="lower right")
    _save(figure, path)


def _save(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
