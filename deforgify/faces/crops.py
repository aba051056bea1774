"""The faces of a photo worth judging, as the model's input: found, stood upright, the largest
first and at most :data:`MAX_FACES`, stray small ones left out. It needs no model, so it runs in
worker processes too (:mod:`deforgify.batch.scoring`)."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple, Optional, Sequence

import numpy as np

from deforgify.faces.finding import Box, Face, face_middle, find_faces, upright
from deforgify.faces.preprocess import PreprocessConfig, Preprocessed, preprocess_face
from deforgify.faces.transparency import see_through

MAX_FACES = 32
"""At most this many faces per image are scored, largest first."""
MIN_FACE_RATIO = 0.33
"""Faces narrower than this fraction of the largest face, and than :data:`ALWAYS_JUDGED_FROM`,
are not scored (tiny background faces and stray detections would otherwise decide the verdict)."""
ALWAYS_JUDGED_FROM = 40
"""A face at least this wide (the bundled model's least judged width) is scored however much
wider the largest face is: a visitor's StyleGAN2 face, 56 px beside 200 px real ones, was left out
and the photo called "real" (the face alone: fake 97.5%). No test image of the seven sources has
such a face beside a larger one, so the model's figures are the same."""


def detected_face_crops(rgb: np.ndarray, config: PreprocessConfig, closer_look: bool = False,
                        beside_found: bool = False) -> tuple[list[Preprocessed], list[float]]:
    """Model input for every face of ``rgb`` worth scoring (largest first, at most MAX_FACES,
    each stood upright and false faces left out: :func:`deforgify.faces.finding.upright`), and the face
    detector's score of each (``closer_look``, ``beside_found``: see :func:`find_faces`). Needs
    no model, so it can run in worker processes."""
    standing = [Standing(face, *stood) for face in find_faces(rgb, closer_look, beside_found)
                if (stood := upright(rgb, face)) is not None]  # false faces left out
    standing.sort(key=lambda s: s.box[2] * s.box[3], reverse=True)  # by the boxes stood upright
    least = least_width(standing[0].box) if standing else 0
    chosen = [s for s in standing if s.box[2] >= least][:MAX_FACES]
    boxes = [s.box for s in standing]
    return [preprocess_face(rgb, config, s.box, boxes, turns=s.turns) for s in chosen], [s.face.score for s in chosen]


def least_width(largest: Box) -> float:
    """The least width of a face judged beside the ``largest`` (see :data:`MIN_FACE_RATIO`)."""
    return min(MIN_FACE_RATIO * largest[2], ALWAYS_JUDGED_FROM)


def beyond_largest(boxes: Sequence[Box]) -> int:
    """How many of a photo's faces (``boxes``, the largest first, as crops carry them) are worth
    judging but were left out beyond the MAX_FACES largest."""
    least = least_width(boxes[0]) if boxes else 0
    return max(0, sum(box[2] >= least for box in boxes) - MAX_FACES)


class Standing(NamedTuple):
    """A face found, stood upright (:func:`deforgify.faces.finding.upright`): its turns and its box so."""

    face: Face
    turns: int
    box: Box


def face_crops(rgb: np.ndarray, config: PreprocessConfig, centre_fallback: bool = False,
               opacity: Optional[np.ndarray] = None) -> list[Preprocessed]:
    """The crops of :func:`detected_face_crops` for a photo, small faces in a large photo
    included (a closer look); none without a face. ``centre_fallback`` (for metrics) asks for
    the image centre then, and for the faces training found (no closer look). With the photo's
    ``opacity`` (:attr:`deforgify.decode.images.Decoded.opacity`), each crop says how see-through its
    face is (:func:`seen_through`)."""
    crops, _ = detected_face_crops(rgb, config, closer_look=not centre_fallback, beside_found=not centre_fallback)
    return seen_through(crops or ([preprocess_face(rgb, config, None, [])] if centre_fallback else []), opacity)


def seen_through(crops: list[Preprocessed], opacity: Optional[np.ndarray]) -> list[Preprocessed]:
    """``crops`` of a picture with each one's ``see_through`` (:mod:`deforgify.faces.transparency`)
    read from its ``opacity`` (None: opaque, the crops as they are) on its face's middle, or on
    the centre's whole square."""
    if opacity is None:
        return crops
    return [replace(crop, see_through=see_through(opacity, face_middle(crop.face) if crop.face else crop.region))
            for crop in crops]
