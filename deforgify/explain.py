"""What a person is shown beside a verdict: the faces boxed, and a plain explanation."""

from __future__ import annotations

import cv2
import numpy as np

from deforgify.calibration import NO_FACE, UNSURE
from deforgify.detector import Prediction
from deforgify.faces import Box

VERDICTS = {"real": "real", "fake": "fake", UNSURE: "can't tell", NO_FACE: "no face found"}
DECIDING = (230, 40, 40)
OTHER = (250, 200, 30)
CENTRE = (120, 120, 120)


def draw_faces(rgb: np.ndarray, prediction: Prediction) -> np.ndarray:
    """A copy of ``rgb`` with every scored face boxed; the face that decided drawn thickest.
    Without a face, nothing is drawn: nothing was judged."""
    canvas = rgb.copy()
    thickness = max(2, round(max(rgb.shape[:2]) / 250))
    for score in prediction.scores:
        deciding = score.face == prediction.face
        box = score.face or score.region
        colour = CENTRE if score.face is None else DECIDING if deciding else OTHER
        _rectangle(canvas, box, colour, thickness * (2 if deciding else 1))
        _caption(canvas, box, f"fake {score.confidences['fake']:.0%}", colour, thickness)
    return canvas


def explain(prediction: Prediction) -> str:
    """One short Markdown paragraph on what the verdict is based on."""
    if prediction.label == NO_FACE:
        return (
            "**No face found**: Deforgify judges faces, and it found none it could judge in this "
            "photo, so it gives no verdict. Try a photo where one face is clearly visible, "
            "facing the camera and not too small."
        )
    fake = prediction.confidences["fake"]
    verdict = f"**{VERDICTS[prediction.label]}** (fake {fake:.0%}, real {1 - fake:.0%})"
    if prediction.label == UNSURE:
        verdict += ": too close to call, treat it as unknown"
    faces = len(prediction.scores)
    if faces == 1:
        return f"{verdict}, judged on the one face found (boxed)."
    return (
        f"{verdict}. {faces} faces were judged; the verdict is that of the most suspicious "
        "one (thick box)."
    )


def _rectangle(canvas: np.ndarray, box: Box, colour, thickness: int) -> None:
    x, y, w, h = box
    cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)


def _caption(canvas: np.ndarray, box: Box, text: str, colour, thickness: int) -> None:
    x, y, _, _ = box
    scale = thickness / 3
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    top = max(0, y - height - 2 * thickness)
    cv2.rectangle(canvas, (x, top), (x + width + 2 * thickness, top + height + 2 * thickness), colour, -1)
    cv2.putText(canvas, text, (x + thickness, top + height + thickness // 2),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), max(1, thickness // 2), cv2.LINE_AA)
