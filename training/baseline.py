"""The framing baseline: logistic regression on 16x16 grey thumbnails of the model's inputs.

Whatever accuracy this trivial model reaches is explained by coarse layout (framing, colour,
brightness), not by generation artefacts; reported beside every trained model's figures.
"""

from __future__ import annotations

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from training.metrics import FAKE

THUMBNAIL_SIDE = 16


def thumbnails(pixels: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) floats in [0, 1] -> (N, 256) grey 16x16 thumbnails."""
    return np.stack(
        [
            cv2.resize(
                cv2.cvtColor(image, cv2.COLOR_RGB2GRAY),
                (THUMBNAIL_SIDE, THUMBNAIL_SIDE),
                interpolation=cv2.INTER_AREA,
            ).ravel()
            for image in pixels.astype(np.float32)
        ]
    )


def thumbnail_fake_scores(
    train_pixels: np.ndarray, train_labels: np.ndarray, test_pixels: np.ndarray
) -> np.ndarray:
    """Fit the baseline on the training inputs; return its fake probabilities for the test inputs."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    model.fit(thumbnails(train_pixels), train_labels)
    column = list(model.classes_).index(FAKE)
    return model.predict_proba(thumbnails(test_pixels))[:, column]
