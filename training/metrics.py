"""Classification metrics with "fake" as the positive class."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

from deforgify.model.folder import LABELS

FAKE = LABELS.index("fake")


def classification_metrics(
    labels: np.ndarray, fake_scores: np.ndarray, threshold: float = 0.5
) -> dict[str, Any]:
    """Metrics for true label indices and predicted fake probabilities, "fake" at ``threshold``
    and above."""
    labels = np.asarray(labels)
    fake_scores = np.asarray(fake_scores, dtype=np.float64)
    predicted = np.where(fake_scores >= threshold, FAKE, 1 - FAKE)
    indices = list(range(len(LABELS)))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=indices, zero_division=0
    )
    both_present = len(np.unique(labels)) == 2
    return {
        "count": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "balanced_accuracy": float(balanced_accuracy_score(labels, predicted)) if both_present else None,
        "roc_auc": float(roc_auc_score(labels == FAKE, fake_scores)) if both_present else None,
        "confusion_matrix": {
            "labels": list(LABELS),
            "rows": "true label",
            "columns": "predicted label",
            "matrix": confusion_matrix(labels, predicted, labels=indices).tolist(),
        },
        "per_class": {  # of one class alone, only its recall means anything (null, not 0 or 1, otherwise)
            label: {
                "precision": float(precision[i]) if both_present else None,
                "recall": float(recall[i]) if support[i] else None,
                "f1": float(f1[i]) if both_present else None,
                "support": int(support[i]),
            }
            for i, label in enumerate(LABELS)
        },
        "predicted_fake_share": float(np.mean(predicted == FAKE)),
        "threshold": threshold,
    }


def metrics_by_source(
    labels: np.ndarray, fake_scores: np.ndarray, sources: list[str], threshold: float = 0.5
) -> dict[str, Any]:
    """Overall metrics plus the same per data source when there is more than one."""
    result = classification_metrics(labels, fake_scores, threshold)
    names = sorted(set(sources))
    if len(names) > 1:
        chosen = {name: np.array(sources) == name for name in names}
        result["per_source"] = {
            name: classification_metrics(labels[rows], fake_scores[rows], threshold)
            for name, rows in chosen.items()
        }
    return result


def collapse_reason(metrics: dict[str, Any]) -> str | None:
    """Why a model counts as collapsed to (nearly) one class, or None if it does not."""
    recalls = {label: m["recall"] for label, m in metrics["per_class"].items()}
    weakest = min(recalls, key=recalls.get)
    if recalls[weakest] < 0.1 or metrics["balanced_accuracy"] < 0.6:
        return (
            f"the model answers almost only one class (recall of {weakest}: "
            f"{recalls[weakest]:.0%}, balanced accuracy {metrics['balanced_accuracy']:.0%})"
        )
    return None
