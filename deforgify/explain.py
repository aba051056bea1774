"""What a person is shown beside a verdict: the faces boxed and captioned, and plain words.

One word for each verdict everywhere (app, CLI, JSON, model card): ``real``, ``fake``,
``unsure`` (too close to call) and ``no face`` (``no_face`` in JSON); percentages always real
first.
"""

from __future__ import annotations

import cv2
import numpy as np

from deforgify.calibration import NO_FACE, UNSURE
from deforgify.detector import Prediction
from deforgify.faces import Box

WORDS = {"real": "real", "fake": "fake", UNSURE: "unsure", NO_FACE: "no face"}
COLOURS = {"real": (30, 140, 60), "fake": (200, 30, 30), UNSURE: (200, 130, 0)}
"""RGB colour of each verdict: green, red, amber."""
CAUTIONS = {
    "real": "No sign of generation or manipulation was found; that is not proof the photo is genuine.",
    "fake": "Evidence to weigh, not proof: never use this alone to accuse anyone.",
    UNSURE: "The evidence points neither way clearly enough: treat the photo as unverified.",
    NO_FACE: "Nothing was judged: Deforgify only judges faces.",
}


def percentages(confidences: dict[str, float]) -> str:
    return f"real {confidences['real']:.0%}, fake {confidences['fake']:.0%}"


def explain(prediction: Prediction) -> str:
    """One sentence on what the verdict is based on."""
    if prediction.label == NO_FACE:
        return ("No face was found in this photo, so there is no verdict. Try a photo where one "
                "face is clearly visible, facing the camera and not too small.")
    judged = ("judged on the one face found" if len(prediction.scores) == 1 else
              f"{len(prediction.scores)} faces judged; the most suspicious one (thick box) decides")
    close = ", too close to call" if prediction.label == UNSURE else ""
    return f"{WORDS[prediction.label].capitalize()} ({percentages(prediction.confidences)}{close}): {judged}."


def caption(label: str, confidences: dict[str, float]) -> str:
    """A face's verdict with the confidence of that verdict ("fake 78%"); for "unsure", the
    fake share it could not decide on."""
    if label == UNSURE:
        return f"unsure (fake {confidences['fake']:.0%})"
    return f"{WORDS[label]} {confidences[label]:.0%}"


def draw_faces(rgb: np.ndarray, prediction: Prediction) -> np.ndarray:
    """A copy of ``rgb`` with every judged face boxed in its own verdict's colour and captioned
    with its verdict, the deciding face thickest; captions stay inside the image. Without a
    face nothing is drawn: nothing was judged."""
    canvas = rgb.copy()
    thickness = max(2, round(max(rgb.shape[:2]) / 250))
    for score in prediction.scores:
        if score.face is None:
            continue
        colour = COLOURS[score.label]
        deciding = score.face == prediction.face
        _rectangle(canvas, score.face, colour, thickness * (2 if deciding else 1))
        _caption(canvas, score.face, caption(score.label, score.confidences), colour)
    return canvas


def _rectangle(canvas: np.ndarray, box: Box, colour, thickness: int) -> None:
    x, y, w, h = box
    cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)


def _caption(canvas: np.ndarray, box: Box, text: str, colour) -> None:
    """A filled label above the box, or inside its top edge where there is no room above,
    sized to the face and never wider than the image."""
    x, y, w, _ = box
    scale = float(np.clip(w / 200, 0.4, 1.2))
    thickness = max(1, round(scale * 2))
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = max(2, round(4 * scale))
    label_height = height + 2 * pad
    top = y - label_height if y >= label_height else y
    left = min(max(0, x), max(0, canvas.shape[1] - width - 2 * pad))
    cv2.rectangle(canvas, (left, top), (left + width + 2 * pad, top + label_height), colour, -1)
    cv2.putText(canvas, text, (left + pad, top + height + pad // 2), cv2.FONT_HERSHEY_SIMPLEX,
                scale, (255, 255, 255), thickness, cv2.LINE_AA)
