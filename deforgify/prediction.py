"""A photo's verdict as data: each judged face's score (:class:`FaceScore`), and the
:class:`Prediction` decided by the most suspicious of them (:func:`deciding`, shared with videos'
frames and tracks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, Sequence, TypeVar

from deforgify.faces.unjudged import caution_in_photo, unjudged
from deforgify.model.calibration import UNSURE

if TYPE_CHECKING:  # for hints alone: importing this module does not load OpenCV and the face detectors
    import numpy as np

    from deforgify.faces.finding import Box


class Judgeable(Protocol):
    """What :func:`deciding` reads of a face: a photo's, a video frame's or track's."""

    @property
    def label(self) -> str: ...

    @property
    def confidences(self) -> dict[str, float]: ...

    @property
    def caution(self) -> Optional[str]: ...


Judged = TypeVar("Judged", bound=Judgeable)
SUSPICION = {"real": 0, UNSURE: 1, "fake": 2}
"""How suspicious each label is, for choosing the deciding face."""


def deciding(faces: Sequence[Judged], width: Callable[[Judged], int]) -> Optional[Judged]:
    """The face that decides (a photo's, a video frame's or track's: each has ``confidences`` and
    ``caution``): the most suspicious of those judged, unless all those are "real" and a face not
    judged withholds that (:attr:`~deforgify.faces.unjudged.Unjudged.withholds_real`: one without
    colour or seen through, the widest such decides, "unsure"). A face too small to judge never decides beside a judged
    one (its score is not used: beside a judged face it made a photo "unsure"); when none is
    judged, the widest stands for them, not the one its unused score picks."""
    judged = [face for face in faces if not face.caution]
    if not judged:
        return max(faces, key=width, default=None)
    # By label first: a video track with frames at the fake edge is "unsure" at any score.
    decisive = max(judged, key=lambda face: (SUSPICION[face.label], face.confidences["fake"]))
    if decisive.label != "real":
        return decisive
    withholding = [face for face in faces if face.caution and unjudged(face.caution).withholds_real]
    return max(withholding, key=width, default=decisive)


@dataclass(frozen=True)
class FaceScore:
    """One scored crop: the face box (None for the centre fallback), its confidences and its
    own verdict."""

    face: Optional[Box]
    region: Box
    confidences: dict[str, float]
    label: str
    cam: Optional[np.ndarray] = field(default=None, compare=False, repr=False)
    """The crop's Grad-CAM map, from the same model call as the confidences (for heatmaps)."""
    caution: Optional[str] = None
    """Why this face is "unsure" whatever its confidences (too small to judge, partly
    transparent, or without colour), if it is (:func:`unjudged` reads its kind)."""
    turns: int = 0
    """Quarter turns counter-clockwise its crop was given to stand it upright (see
    :func:`deforgify.faces.finding.upright`)."""
    crop_mean: Optional[tuple[float, ...]] = field(default=None, compare=False, repr=False)
    """The mean colour of its crop, by which :meth:`~deforgify.detector.Detector.heatmap` knows the pixels it was
    judged in from another photo of the same size."""

    @property
    def turned(self) -> int:
        """Degrees the face was turned clockwise to stand upright: 0, 90, 180 or 270."""
        return (4 - self.turns) % 4 * 90

    def to_json(self, scale: float = 1.0) -> dict[str, Any]:
        """As data, the box in the photo's own pixels (``scale``: see :attr:`Prediction.scale`)."""
        return {"box": in_photo(self.face, scale), "label": self.label, "confidences": self.confidences,
                "caution": caution_in_photo(self.caution, scale), "turned": self.turned}


def crop_mean(pixels: np.ndarray) -> tuple[float, ...]:
    """A crop's mean colour (:attr:`FaceScore.crop_mean`)."""
    return tuple(float(v) for v in pixels.reshape(-1, pixels.shape[-1]).mean(axis=0))


def fresh(data: Any) -> Any:
    """``data`` (dicts, lists and plain values) copied all the way down, each part on its own: a
    program that changes a row changes neither the answer it came from nor the row's other parts
    (a developer rounded a row's confidences, and the answer's own and its deciding face's
    changed with them, as did the model facts it cites)."""
    if isinstance(data, dict):
        return {key: fresh(value) for key, value in data.items()}
    if isinstance(data, list):
        return [fresh(value) for value in data]
    return data


def in_photo(box: Optional[Box], scale: float) -> Optional[list[int]]:
    """``box`` (in the decoded copy's pixels) in the photo's own pixels."""
    return [round(v / scale) for v in box] if box else None


@dataclass(frozen=True)
class Prediction:
    """The verdict for one image: decided by its most suspicious judged face (see :func:`deciding`)."""

    label: str
    """"real", "fake", "unsure" when the calibrated probability lies in the unsure band, or
    "no_face" when no face was found (then nothing was judged)."""
    confidences: Optional[dict[str, float]]
    """Calibrated probabilities of "real" and "fake", summing to 1; None without a face."""
    face: Optional[Box]
    """The face that decided the verdict, in the decoded copy's pixels (see :attr:`scale`;
    :meth:`to_json` gives every box in the photo's own); None when no face was found."""
    region: Optional[Box]
    scores: list[FaceScore]
    """Every scored face, largest first."""
    scale: float = 1.0
    """The decoded copy's pixels per pixel of the photo (under 1 for a photo reduced for the
    model): boxes are found and drawn in the copy, and given in the photo's pixels as data."""
    size: Optional[tuple[int, int]] = None
    """The photo's own width and height, upright (the frame of :meth:`to_json`'s boxes); None
    from :meth:`~deforgify.detector.Detector.judge` alone, which sees face crops, not the photo."""
    left_out: int = 0
    """Faces found but not judged (:mod:`deforgify.faces.crops`): narrower than MIN_FACE_RATIO of
    the largest and than ALWAYS_JUDGED_FROM, or beyond the MAX_FACES largest (told in the
    answer's words, so that none is left out silently)."""
    beyond_largest: int = 0
    """Of ``left_out``, the faces as worth judging as those judged, left out beyond the MAX_FACES
    largest: while they are not judged, the photo is never "real" (its label is then "unsure"
    while its deciding face's is "real")."""

    @property
    def deciding_score(self) -> Optional[FaceScore]:
        """The deciding face's score: the centre's for a metrics verdict judged on the image centre
        (no face found), whose caution it carries too; None when nothing was judged."""
        return next((s for s in self.scores if s.face == self.face), None)

    @property
    def deciding_index(self) -> Optional[int]:
        """The deciding face's index in ``to_json()["faces"]`` (the faces with a box); None
        without a face."""
        boxed = [score for score in self.scores if score.face]
        return next((i for i, s in enumerate(boxed) if s.face == self.face), None)

    @property
    def caution(self) -> Optional[str]:
        """The deciding face's caution (why it is "unsure" whatever its confidences), if any."""
        return self.deciding_score.caution if self.deciding_score else None

    @property
    def withheld_by_crowd(self) -> bool:
        """Whether the faces judged all look real, and faces left out beyond the largest keep the
        photo from "real" (:attr:`beyond_largest`)."""
        deciding = self.deciding_score
        return self.beyond_largest > 0 and self.label == UNSURE and deciding is not None and deciding.label == "real"

    @property
    def face_found(self) -> bool:
        return self.face is not None

    def to_json(self) -> dict[str, Any]:
        """The verdict as plain data: label, confidences (real first), the deciding face's
        box and its index in ``faces`` (``deciding_face``), every scored face with its own
        box, label, confidences and caution, and how many more were found and not judged
        (``left_out``: a program could not tell that a face was skipped), of them
        ``beyond_largest`` (which keep the photo from "real"); ``kind`` "photo", as a
        video's row has ``kind`` "video" (a program reading both could only tell a photo's by
        the key missing)."""
        boxed = [score for score in self.scores if score.face]
        return fresh({
            "kind": "photo",
            "label": self.label,
            "confidences": self.confidences,
            "face_found": self.face_found,
            "face": in_photo(self.face, self.scale),
            "deciding_face": self.deciding_index,
            "faces": [score.to_json(self.scale) for score in boxed],
            "left_out": self.left_out,
            "beyond_largest": self.beyond_largest,
            "width": self.size[0] if self.size else None,
            "height": self.size[1] if self.size else None,
        })
