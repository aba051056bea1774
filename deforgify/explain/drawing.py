"""The picture beside a verdict: each face boxed and captioned (its words from
:mod:`deforgify.explain.words`), every caption beside its own face, clear of the others (smaller when
the photo is crowded) with a line to it where it must stand apart; and the strip under a saved
answer picture saying the answer, when, and which model."""

from __future__ import annotations

import itertools
import math
import re
from typing import Optional, Sequence

import cv2
import numpy as np

from deforgify.explain.words import captions
from deforgify.faces.finding import Box, face_middle
from deforgify.model.calibration import Calibration
from deforgify.prediction import Prediction

FONT = cv2.FONT_HERSHEY_SIMPLEX


SMALLEST_DRAWN = 200
"""A picture whose shorter side is under this is drawn enlarged (by a whole factor, each pixel a
block) before its faces are boxed: a 50 px picture's caption did not fit ("unsure: too s")."""
CAPTION_SIDE = 500
"""A caption's font scale is the photo's shorter side over this (its letters about 4 % of that
side), so that it reads alike on any photo once the page fits it to the frame: capped at 1.0, a
2048 px photo's captions were 1 % of its height, a few pixels tall on the page."""
CAPTION_WIDTH = 640
"""Nor is it under the photo's width over this: a wide photo is shown shrunk to the page's width
(about 330 px on a phone), where captions scaled by its shorter side alone were 7 px tall (the
640x320 two-faces example); so they are about 11 px there."""
CAPTION_HEIGHT = 250
"""But never over the photo's height over this (letters about 9 % of it): a strip 2000x100 px
(enlarged to 4000x200 to be drawn) got captions two thirds of its height, over its faces."""


CROWDED = (1.0, 0.8, 0.64, 0.5)
"""The font scales tried for a crowded photo's captions, as shares of the legible one, until each
caption fits beside its own face clear of the others: at the legible scale, captions as tall
as the faces of a party photo landed far from them, under other faces, with lines to them that
crossed other captions (a phone walk)."""


def caption_layout(shape: tuple[int, ...], boxes: list[Box], texts: list[str], order: list[int]
                   ) -> tuple[list[tuple[int, int, int, int]], float, int]:
    """Where each caption goes, as (left, top, right, bottom) in pixels, with the font scale
    and thickness: every caption inside the image, placed in ``order`` (the deciding face first,
    so it gets the place nearest its box), at the place nearest its own box that covers, in this
    order of what matters most, no other caption, no other face's eyes, nose and mouth
    (:func:`deforgify.faces.finding.face_middle`), no other face at all, not its own face's middle, and
    nothing just above or below another face (where its own caption would be read as its).
    Visitors found a long caption ("1: unsure (fake 82%) - decides") across the foreheads of the
    faces beside its own, read as theirs, the Two faces example's across the other face's eyes,
    and a small face hidden under its own; one placed away from its box gets a line to it
    (:func:`draw_faces`), whose line keeps out of other captions and off other faces' boxes (see
    ``cost`` in :func:`_placed`). Where the captions do not all fit so beside their faces, they are
    made smaller (:data:`CROWDED`), and only at the smallest placed anywhere."""
    height, width = shape[:2]
    wide = min(width / CAPTION_WIDTH, height / CAPTION_HEIGHT)
    legible = float(np.clip(max(min(height, width) / CAPTION_SIDE, wide), 0.35, 4.0))
    while True:
        widest = max(cv2.getTextSize(t, FONT, legible, stroke(legible))[0][0] for t in texts)
        if legible <= 0.25 or widest + 2 * caption_pad(legible) <= width:
            break
        legible *= 0.9
    scales = list(dict.fromkeys(max(min(legible, 0.35), legible * share) for share in CROWDED))  # never below 0.35
    for scale in scales:
        placed = _placed(shape, boxes, texts, order, scale, anywhere=scale == scales[-1])
        if placed is not None:
            break
    assert placed is not None  # at the last scale, anywhere
    return placed, scale, stroke(scale)


def _placed(shape: tuple[int, ...], boxes: list[Box], texts: list[str], order: list[int], scale: float,
            anywhere: bool) -> Optional[list[tuple[int, int, int, int]]]:
    """The captions' places at ``scale`` (see :func:`caption_layout`); None, unless ``anywhere``,
    when one has no place beside its face that is clear of the rest."""
    height, width = shape[:2]
    thickness, pad = stroke(scale), caption_pad(scale)
    placed: dict[int, tuple[int, int, int, int]] = {}
    lines_to: list[Segment] = []  # the lines drawn from captions placed away from their faces
    middles = [(x, y, x + w, y + h) for x, y, w, h in map(face_middle, boxes)]
    faces = [(x, y, x + w, y + h) for x, y, w, h in boxes]
    clear = line_height(scale, thickness) // 2  # a line nearer a box than this read as part of it (a walk)
    margins = [(x0 - clear, y0 - clear, x1 + clear, y1 + clear) for x0, y0, x1, y1 in faces]
    for index in order:
        lines = caption_lines(texts[index], boxes[index][2], scale, thickness, shape)
        text_width = max(cv2.getTextSize(line, FONT, scale, thickness)[0][0] for line in lines)
        size = (text_width + 2 * pad, len(lines) * (line_height(scale, thickness) + pad) + pad)
        others = [other for other in range(len(boxes)) if other != index]
        zones = [(x0, y0 - size[1], x1, y1 + size[1]) for x0, y0, x1, y1 in (faces[o] for o in others)]

        def cost(rect: tuple[int, int, int, int]) -> tuple[bool, bool, bool, bool, bool, bool, bool, float]:
            """What a place covers, most harmful first (another caption, or a line to one; then
            its own line through another caption; then other faces; then its line across or
            along another face's box; its own face's middle: a small face's caption hid it; then
            another face's zone, just above or below it, where its own caption would be), then
            how far it is from its face."""
            line = leader(rect, boxes[index]) if led(rect, boxes[index], scale) else None
            return (any(_overlap(rect, c) for c in placed.values()) or any(_crosses(other, rect) for other in lines_to),
                    line is not None and any(_crosses(line, c) for c in placed.values()),
                    any(_overlap(rect, middles[o]) for o in others), any(_overlap(rect, faces[o]) for o in others),
                    line is not None and any(_crosses(line, margins[o]) for o in others),
                    _overlap(rect, middles[index]), any(_overlap(rect, zone) for zone in zones),
                    _gap(rect, faces[index]))

        best = min(_caption_places(boxes[index], size, width, height, near=True), key=cost)
        if any(cost(best)[:7]):  # no good place beside the face: smaller captions, or the nearest good one anywhere
            if not anywhere:
                return None
            best = min([best, *_caption_places(boxes[index], size, width, height, near=False)], key=cost)
        placed[index] = best
        if led(best, boxes[index], scale):
            lines_to.append(leader(best, boxes[index]))
    return [placed[i] for i in range(len(boxes))]


Segment = tuple[tuple[int, int], tuple[int, int]]


def leader(rect: tuple[int, int, int, int], box: Box) -> Segment:
    """The line from a caption's place (left, top, right, bottom) to its face's box: from the
    caption's edge nearest the box to the box's edge nearest the caption's centre (a point where
    the caption touches its box)."""
    left, top, right, bottom = rect
    x, y, w, h = box
    centre = ((left + right) // 2, (top + bottom) // 2)
    at_box = (min(max(centre[0], x), x + w), min(max(centre[1], y), y + h))
    return (min(max(at_box[0], left), right - 1), min(max(at_box[1], top), bottom - 1)), at_box


def _crosses(segment: Segment, rect: tuple[int, int, int, int]) -> bool:
    """Whether ``segment`` passes through the inside of ``rect`` (Liang-Barsky clipping)."""
    (x0, y0), (x1, y1) = segment
    left, top, right, bottom = rect
    dx, dy = x1 - x0, y1 - y0
    start, end = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            start = max(start, t)
        else:
            end = min(end, t)
    return start < end


def stroke(scale: float) -> int:
    """A caption's letters' thickness at ``scale``."""
    return max(1, round(scale * 2))


def caption_pad(scale: float) -> int:
    """The room between a caption's edge and its words at ``scale``."""
    return max(2, round(4 * scale))


def led(rect: tuple[int, int, int, int], box: Box, scale: float) -> bool:
    """Whether a caption at ``rect`` is far enough from its face's ``box`` to be joined to it by a
    line (:func:`leader`): one rule for the layout that keeps lines clear and the drawing."""
    x, y, w, h = box
    return _gap(rect, (x, y, x + w, y + h)) > caption_pad(scale)


def line_height(scale: float, thickness: int) -> int:
    """A caption line's height, its letters' and the room under them."""
    return cv2.getTextSize("Ag", FONT, scale, thickness)[0][1] + max(1, round(3 * scale))


STRIP = 5.0
"""A picture this many times wider than tall is a strip: its captions keep one line (in lines,
they covered its faces)."""


def caption_lines(text: str, face_width: int, scale: float, thickness: int, shape: tuple[int, ...]) -> list[str]:
    """A caption broken at its spaces into at most three lines, each no wider than its face
    where it can be (the face's number kept with the word after it, " - decides", a bracket and
    why a face was not judged kept whole; one line on a strip, :data:`STRIP`): in one line, a long
    caption reached over the faces beside its own, and was read as theirs."""
    most = 1 if shape[1] >= STRIP * shape[0] else 3
    kept = re.sub(r"\([^)]*\)|(?<=unsure: )[^-]*[^ -]", lambda group: group[0].replace(" ", "\u00a0"),
                  text.replace(" - ", " -\u00a0"))  # "no colour" broke into "no" / "colour" (a walk)
    words = re.sub(r"^(\d+:) ", "\\1\u00a0", kept).split(" ")

    def widest(lines: list[str]) -> int:
        return max(cv2.getTextSize(line, FONT, scale, thickness)[0][0] for line in lines)

    lines: list[str] = []
    for count in range(1, min(most, len(words)) + 1):  # the fewest lines that fit, else the narrowest of three
        splits = [[" ".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, len(words)))]
                  for cuts in itertools.combinations(range(1, len(words)), count - 1)]
        lines = min(splits, key=widest)
        if widest(lines) <= face_width:
            break
    return [line.replace("\u00a0", " ") for line in lines]


def _caption_places(box: Box, size: tuple[int, int], width: int, height: int, near: bool
                    ) -> list[tuple[int, int, int, int]]:
    """Where a caption of ``size`` may go for a face's ``box``, inside the picture: ``near`` it,
    the most natural first (above the face, below it, inside its top and bottom edges, beside
    it), or else in any row, at the face's edges, or any column, above, below or at its top."""
    x, y, w, h = box
    box_width, box_height = size
    lefts = [x, x + w - box_width, x + (w - box_width) // 2]
    if near:
        places = [(left, top) for top in (y - box_height, y + h, y, y + h - box_height) for left in lefts]
        places += [(x - box_width, y), (x + w, y), (x - box_width, y + h - box_height), (x + w, y + h - box_height)]
    else:
        step = max(2, box_height // 4)  # not every other row: a crowded photo's captions took a second
        places = [(left, top) for top in range(0, max(1, height - box_height + 1), step) for left in lefts]
        places += [(left, top) for left in range(0, max(1, width - box_width + 1), max(2, box_width // 4))
                   for top in (y - box_height, y + h, y)]
    inside = [(int(min(max(0, left), max(0, width - box_width))), int(min(max(0, top), max(0, height - box_height))))
              for left, top in places]
    return list(dict.fromkeys((left, top, left + box_width, top + box_height) for left, top in inside))


def _gap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """The distance between two rectangles (0 when they touch or overlap)."""
    dx, dy = max(0, b[0] - a[2], a[0] - b[2]), max(0, b[1] - a[3], a[1] - b[3])
    return math.hypot(dx, dy)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def draw_faces(rgb: np.ndarray, prediction: Prediction, overruled: bool = False,
               numbers: Optional[Sequence[int]] = None, calibration: Optional[Calibration] = None) -> np.ndarray:
    """A copy of ``rgb`` with every judged face boxed in its own verdict's colour and captioned
    with its verdict (``overruled``, ``numbers``, ``calibration``: see :func:`captions`); with
    several faces each is numbered, the deciding one has a thick double box and "decides" in its
    caption. Captions stay inside the image and keep off each other and off other faces where
    there is room (:func:`caption_layout`). Without a face nothing is drawn:
    nothing was judged."""
    found = captions(prediction, overruled, numbers, calibration)
    if not found:
        return rgb.copy()
    factor = max(1, math.ceil(SMALLEST_DRAWN / min(rgb.shape[:2])))
    canvas = rgb.copy() if factor == 1 else cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    found = [(tuple(v * factor for v in box), text, colour, deciding) for box, text, colour, deciding in found]
    thin = max(2, round(max(canvas.shape[:2]) / 300))
    for box, _, colour, deciding in found:
        if not deciding:
            _rectangle(canvas, box, colour, thin)
    for box, _, colour, deciding in found:  # drawn last, on top: the thick white-edged box
        if deciding:
            x, y, w, h = box
            edge = thin * 2 if len(found) > 1 else thin
            _rectangle(canvas, (x - edge, y - edge, w + 2 * edge, h + 2 * edge), (255, 255, 255), max(1, thin // 2))
            _rectangle(canvas, box, colour, edge)
    order = sorted(range(len(found)), key=lambda i: not found[i][3])
    rects, scale, thickness = caption_layout(canvas.shape, [f[0] for f in found], [f[1] for f in found], order)
    text_height = cv2.getTextSize("Ag", FONT, scale, thickness)[0][1]
    pad = caption_pad(scale)
    below = line_height(scale, thickness) + pad
    for (box, text, colour, _), (left, top, right, bottom) in zip(found, rects):
        if led((left, top, right, bottom), box, scale):  # away from its face: a line to it,
            start, end = leader((left, top, right, bottom), box)  # ending in a dot on its box (a line along
            cv2.line(canvas, start, end, colour, thin, cv2.LINE_AA)  # another box read as that box's edge)
            cv2.circle(canvas, end, thin * 2, colour, -1, cv2.LINE_AA)
        cv2.rectangle(canvas, (left, top), (right - 1, bottom - 1), colour, -1)
        for number, line in enumerate(caption_lines(text, box[2], scale, thickness, canvas.shape)):  # as laid out
            cv2.putText(canvas, line, (left + pad, top + pad + text_height + number * below), FONT,
                        scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return canvas


FOOTER_INK = (64, 64, 64)
"""The footer's words, dark grey on white (10:1)."""


def with_footer(rgb: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """``rgb`` with a white strip under it holding ``lines`` (letters a fiftieth of the picture's
    width tall, at least 8 px; smaller only if the longest line would not fit in three): a saved
    answer picture says which model gave it and when (one downloaded, stamped "fake 99.8%", said
    neither). A line wider than the picture goes on in the next. Scaled with the picture, the
    words stay legible as the page shows it, shrunk (capped at 20 px, a 2048 px picture's were
    about 5 px on a laptop's screen)."""
    width = rgb.shape[1]
    pad = max(3, width // 150)
    scale = max(8, width / 50) / cv2.getTextSize("Ag", FONT, 1.0, 1)[0][1]
    longest = max(cv2.getTextSize(line, FONT, scale, 1)[0][0] for line in lines)
    scale *= min(1.0, 3 * (width - 2 * pad) / longest)
    wrapped = [part for line in lines for part in _wrapped(line, width - 2 * pad, scale)]
    weight = max(1, round(scale * 1.5))  # strokes as thick as the letters are large
    (_, height), descent = cv2.getTextSize("Ag", FONT, scale, weight)
    below = height + descent + max(2, height // 3)  # a "g" touched the next line's letters (a walk)
    strip = np.full((2 * pad + below * len(wrapped), width, 3), 255, np.uint8)
    for number, line in enumerate(wrapped):
        cv2.putText(strip, line, (pad, pad + height + number * below), FONT, scale, FOOTER_INK, weight, cv2.LINE_AA)
    return np.vstack([rgb, strip])


def _wrapped(line: str, room: int, scale: float) -> list[str]:
    """``line`` broken between words into lines no wider than ``room`` pixels (a word wider than
    that stands alone)."""
    parts: list[str] = []
    for word in line.split(" "):
        joined = f"{parts[-1]} {word}" if parts else word
        if parts and cv2.getTextSize(joined, FONT, scale, 1)[0][0] <= room:
            parts[-1] = joined
        else:
            parts.append(word)
    return parts


def _rectangle(canvas: np.ndarray, box: Box, colour: tuple[int, int, int], thickness: int) -> None:
    x, y, w, h = box
    cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
