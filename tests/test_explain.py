"""What a person reads beside a verdict: words that match the numbers, readable colours, and
captions that never overlap or leave the picture. Verdicts here are built by hand: these tests
are about the words and the drawing, not about the model."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from deforgify.explain.drawing import FONT, caption_layout, caption_lines, draw_faces
from deforgify.explain.words import BACKGROUNDS, COLOURS, MEANINGS, captions, describe_faces, explain, headline
from deforgify.faces.unjudged import face_label
from deforgify.model.calibration import NO_FACE, UNSURE, Calibration
from deforgify.prediction import FaceScore, Prediction


def prediction(*faces: tuple[tuple[int, int, int, int], float, str], deciding: int = 0) -> Prediction:
    scores = []
    for box, fake, label in faces:
        label, caution = face_label(label, box, 40)
        scores.append(FaceScore(box, box, {"real": 1 - fake, "fake": fake}, label, caution=caution))
    chosen = scores[deciding]
    return Prediction(chosen.label, chosen.confidences, chosen.face, chosen.region, scores)


def contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (1 to 21)."""
    def luminance(rgb: tuple[int, int, int]) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("label", ["real", "fake", UNSURE, NO_FACE])
def test_every_verdict_colour_reaches_wcag_aa_as_text_and_behind_white_text(label) -> None:
    assert contrast(COLOURS[label], BACKGROUNDS[label]) >= 4.5  # the verdict word in its box
    assert contrast((255, 255, 255), COLOURS[label]) >= 4.5  # a caption on a photo


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((0xc8, 0x82, 0x00), (0xff, 0xf6, 0xe0)) == pytest.approx(2.93, abs=0.01)  # the old amber


def test_real_says_what_it_means_never_that_the_photo_is_genuine() -> None:
    text = headline("real") + " " + explain(prediction(((10, 10, 100, 100), 0.02, "real")))
    assert MEANINGS["real"] == "no sign of the fakes it knows" and MEANINGS["real"] in text
    assert "genuine" not in text.lower() and "authentic" not in text.lower()


def test_an_unsure_answer_says_why_from_the_band_in_use_and_never_contradicts_its_bars() -> None:
    band = Calibration(threshold=0.35, unsure_low=0.0, unsure_high=0.875)  # asymmetric
    text = explain(prediction(((10, 10, 100, 100), 0.05, UNSURE)), band)
    assert text.startswith("Unsure (real 95%, fake 5%)")
    assert "too close to call" not in text
    assert '"real" only when it sees no sign of a fake at all' in text and "at least 87.5%" in text
    assert "fake 5.0% lies between" in text
    other = explain(prediction(((10, 10, 100, 100), 0.5, UNSURE)), Calibration(0.9, 0.5, 0.2, 0.8))
    assert "at most 20.0%" in other and "at least 80.0%" in other


def test_a_verdict_against_the_larger_share_says_why() -> None:
    real = explain(prediction(((10, 10, 100, 100), 0.52, "real")), Calibration(threshold=0.6, unsure_low=0.6,
                                                                             unsure_high=0.6))
    assert real.startswith("Real (real 48%, fake 52%): fake 52.0% is below this model's threshold of 60.0%")
    fake = explain(prediction(((10, 10, 100, 100), 0.4, "fake")), Calibration(threshold=0.3, unsure_low=0.3,
                                                                            unsure_high=0.3))
    assert "fake 40.0% is at or above this model's threshold of 30.0%" in fake


def test_an_answer_beside_an_edge_of_the_band_gives_the_share_that_decided() -> None:
    """fake 18.9 % is "real" and 19.4 % "unsure" beside a lower edge of 19.2 %: both read
    "fake 19%", so the answer says the share and the edge (a visitor's walk)."""
    band = Calibration(threshold=0.49, unsure_low=0.192, unsure_high=0.971)
    real = explain(prediction(((10, 10, 100, 100), 0.189, "real")), band)
    assert real.startswith('Real (real 81.1%, fake 18.9%): fake 18.9% is at most the 19.2% this model answers "real" '
                           'at.')  # the shares to the decimal, as the bars above show them
    unsure = explain(prediction(((10, 10, 100, 100), 0.194, UNSURE)), band)
    assert "fake 19.4% lies between" in unsure
    fake = explain(prediction(((10, 10, 100, 100), 0.972, "fake")), band)
    assert 'fake 97.2% is at least the 97.1% this model answers "fake" at.' in fake
    clear = explain(prediction(((10, 10, 100, 100), 0.05, "real")), band)
    assert clear == "Real (real 95%, fake 5%): judged on the one face found."  # far from the edge: as before
    # An "unsure" whose share and edge read alike at one decimal ("fake 19.2% lies between" beside "at most
    # 19.2%") gets the decimals that tell them apart, the edges too.
    close = explain(prediction(((10, 10, 100, 100), 0.19239, UNSURE)), Calibration(threshold=0.49, unsure_low=0.19223, unsure_high=0.971))
    assert "when fake is at most 19.22%" in close and "at least 97.10%" in close
    assert "fake 19.24% lies between" in close


def test_a_face_too_small_says_so_instead_of_a_verdict() -> None:
    small = prediction(((10, 10, 30, 30), 0.99, "fake"))  # narrower than the 40 px judged
    assert small.label == UNSURE
    text = explain(small, Calibration())
    assert "30 px wide; at least 40 px needed" in text and "no real or fake answer" in text
    assert "%," not in text  # no percentages to misread
    # The headline above it says "too small to judge": the words under it did too, word for word.
    assert text.startswith("Unsure: the one face found is 30 px wide") and "too small" not in text
    assert captions(small)[0][1] == "unsure: too small"
    assert small.caution.startswith("face is too small to judge (30 px wide")
    assert headline(small.label, small.caution) == "Unsure: the face is too small to judge"
    judged = prediction(((10, 10, 60, 60), 0.5, UNSURE))  # unsure by the band: its own meaning
    assert judged.caution is None and headline(judged.label, judged.caution) == f"Unsure: {MEANINGS[UNSURE]}"
    assert headline("fake", small.caution) == f"Fake: {MEANINGS['fake']}"  # decided otherwise (provenance)


def test_a_face_not_judged_is_not_said_to_lie_on_its_side_and_be_judged_turned_upright() -> None:
    """A small face's turn is a guess: the upright astronaut shrunk to 60 px was said to lie on
    its side; a face without colour or partly transparent was said to be "judged turned
    upright", and it was not judged at all (a reviewer's find)."""
    from dataclasses import replace

    small, large = prediction(((10, 10, 19, 19), 0.99, "fake")), prediction(((10, 10, 90, 90), 0.5, UNSURE))
    grey, seen = prediction(((10, 10, 90, 90), 0.5, UNSURE)), prediction(((10, 10, 90, 90), 0.5, UNSURE))
    grey.scores[0] = replace(grey.scores[0], caution=face_label("real", (10, 10, 90, 90), 40, no_colour=True)[1])
    seen.scores[0] = replace(seen.scores[0], caution=face_label("real", (10, 10, 90, 90), 40, transparent=0.5)[1])
    for judged in (small, large, grey, seen):
        judged.scores[0] = replace(judged.scores[0], turns=1)
    for unjudged in (small, grey, seen):
        assert "lay on its side" not in explain(unjudged, Calibration())
    assert "(it lay on its side: judged turned upright)" in explain(large, Calibration())


def test_a_verdict_the_files_provenance_decided_gives_no_advice_on_a_face_too_small() -> None:
    """A file that declares itself made by AI is "fake" whatever its faces: the pixel model's
    words under it told the reader to try a photo taken closer, which would change nothing."""
    from deforgify.app import verdict_box
    from deforgify.provenance.contract import AI_GENERATED, Evidence, Provenance

    small = prediction(((10, 10, 30, 30), 0.99, "fake"))
    declared = Provenance((Evidence("xmp", "The file's XMP says it was made by AI.", AI_GENERATED),))
    assert "Try a photo taken closer" in verdict_box.banner(small, calibration=Calibration())  # the pixels decide
    box = verdict_box.banner(small, declared, Calibration())
    assert 'data-decided-by="provenance"' in box and "The pixel model alone says: unsure: the one face found" in box
    assert "30 px wide; at least 40 px needed, so it gets no real or fake answer.</p>" in box and "Try" not in box
    band = Calibration(temperature=1.0, threshold=0.5, unsure_low=0.2, unsure_high=0.95)
    looks_real = verdict_box.banner(prediction(((10, 10, 120, 120), 0.05, "real")), declared, band)
    assert "Only the pixel model's own bar is in colour." in looks_real  # a green bar under a red "Fake"
    assert "Only the answer's own bar" not in looks_real


def two_face_prediction() -> tuple[np.ndarray, Prediction]:
    """Two faces side by side, close together at the top of the picture, the right one deciding."""
    canvas = np.full((300, 480, 3), 200, np.uint8)
    return canvas, prediction(((20, 4, 200, 200), 0.30, "real"), ((200, 10, 180, 180), 0.92, "fake"), deciding=1)


def test_captions_of_two_faces_neither_overlap_nor_leave_the_picture_and_name_the_deciding_face() -> None:
    canvas, made = two_face_prediction()
    found = captions(made)
    assert [text for _, text, _, _ in found] == ["1: real (fake 30%)", "2: fake 92% - decides"]
    rects, _, _ = caption_layout(canvas.shape, [f[0] for f in found], [f[1] for f in found], [1, 0])
    (a, b) = rects
    assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    for left, top, right, bottom in rects:
        assert 0 <= left < right <= canvas.shape[1] and 0 <= top < bottom <= canvas.shape[0]
    assert "face 2: fake 92%, thick box, decides" in describe_faces(made)
    overruled = [text for _, text, _, _ in captions(made, overruled=True)]  # the file's provenance decided
    assert overruled == ["1: pixel model: real (fake 30%)", "2: pixel model: fake 92% - decides"]


@pytest.mark.parametrize("shape, side", [((300, 600, 3), 180), ((2048, 2048, 3), 500), ((300, 960, 3), 180)])
def test_a_long_caption_keeps_to_its_own_face_in_a_row_of_faces(shape: tuple[int, int, int], side: int) -> None:
    """A visitor's group photo: "1: unsure (fake 82%) - decides", in one line, ran across the
    foreheads of the two faces beside its own and was read as theirs. It is broken into lines no
    wider than its face where it can be, and no caption covers another face."""
    gap = (shape[1] - 3 * side) // 4
    boxes = [(gap + i * (side + gap), shape[0] // 5, side, side) for i in range(3)]
    made = prediction((boxes[0], 0.824, UNSURE), (boxes[1], 0.09, "real"), (boxes[2], 0.12, "real"), deciding=0)
    found = captions(made)
    assert found[0][1].startswith("1: unsure (fake 82") and found[0][1].endswith(" - decides")
    rects, scale, thickness = caption_layout(shape, boxes, [f[1] for f in found], [0, 1, 2])
    assert caption_lines(found[0][1], side, scale, thickness, shape) == ["1: unsure", "(fake 82%)", "- decides"]
    for index, (left, top, right, bottom) in enumerate(rects):
        x, y, w, h = boxes[index]
        assert x - gap < (left + right) / 2 < x + w + gap  # over its own face's column
        for other, (ox, oy, ow, oh) in enumerate(boxes):
            assert other == index or not (left < ox + ow and ox < right and top < oy + oh and oy < bottom)


def test_a_crowded_photos_captions_are_made_smaller_to_sit_beside_their_own_faces() -> None:
    """A phone walk's party photo (six faces of about 120-160 px in 4032x3024): captions as tall
    as the faces landed far from them, under other faces, joined to theirs by lines that crossed
    other captions ("which face is 3, which is 6?"). They are made smaller until each touches its
    own face's box and covers no other face."""
    boxes = [(89, 562, 163, 163), (1559, 674, 158, 158), (1274, 622, 136, 136), (410, 704, 119, 120),
             (707, 598, 118, 118), (996, 702, 116, 116)]
    made = prediction(*[(box, fake, label) for box, fake, label in zip(
        boxes, (0.23, 0.5, 0.32, 0.02, 0.54, 0.22), (UNSURE, UNSURE, UNSURE, "real", UNSURE, UNSURE))], deciding=4)
    found = captions(made)
    order = sorted(range(len(found)), key=lambda i: not found[i][3])
    shape = (3024, 4032, 3)
    rects, scale, _ = caption_layout(shape, boxes, [f[1] for f in found], order)
    _, legible, _ = caption_layout(shape, boxes[:1], [found[0][1]], [0])  # one face: the legible scale
    assert 0.5 * legible <= scale < legible
    for index, (left, top, right, bottom) in enumerate(rects):
        x, y, w, h = boxes[index]
        gap = math.hypot(max(0, x - right, left - x - w), max(0, y - bottom, top - y - h))
        assert gap <= 2, (index, rects[index], boxes[index])  # touching its own face
        for other, (ox, oy, ow, oh) in enumerate(boxes):
            assert other == index or not (left < ox + ow and ox < right and top < oy + oh and oy < bottom)


@pytest.mark.parametrize("boxes", [
    [(1057, 603, 113, 114), (821, 722, 109, 109), (949, 728, 107, 107), (713, 732, 106, 106), (719, 615, 104, 104),
     (948, 612, 103, 103), (1184, 739, 98, 98), (1081, 741, 95, 95)],  # two rows of tiles, touching
    [(724, 677, 148, 148), (555, 680, 142, 142), (898, 534, 130, 130), (570, 527, 127, 127), (904, 374, 121, 121),
     (741, 527, 119, 119), (744, 373, 115, 115), (912, 689, 99, 99)]])  # a 3x3 block: face 6 in the middle
def test_in_a_packed_cluster_no_line_to_a_face_runs_through_another_caption(boxes) -> None:
    """A verification walk's packed clusters of faces (1600x1200): caption 3's line ran up
    through caption 2 ("(fake 12%)" read "12/%"), and caption 6's ran along face 3's box, read as
    its edge. Where a caption cannot sit beside its face, its line avoids the other captions (and
    ends in a dot on its own box, see draw_faces)."""
    from deforgify.explain.drawing import leader, led

    fakes = (0.25, 0.12, 0.53, 0.31, 0.48, 0.28, 0.31, 0.65)
    made = prediction(*[(box, fake, UNSURE) for box, fake in zip(boxes, fakes)], deciding=7)
    found = captions(made)
    order = sorted(range(len(found)), key=lambda i: not found[i][3])
    rects, scale, _ = caption_layout((1200, 1600, 3), boxes, [f[1] for f in found], order)
    for index, rect in enumerate(rects):
        (x0, y0), (x1, y1) = leader(rect, boxes[index])
        points = [(x0 + (x1 - x0) * t / 50, y0 + (y1 - y0) * t / 50) for t in range(51)]
        for other, (left, top, right, bottom) in enumerate(rects):
            assert other == index or not (left < rect[2] and rect[0] < right and top < rect[3] and rect[1] < bottom)
            crossed = [p for p in points if left < p[0] < right and top < p[1] < bottom]
            assert other == index or not crossed, (index, other, rect, rects[other])
        if led(rect, boxes[index], scale):  # a line is drawn: it runs through no other face's box
            for other, (x, y, w, h) in enumerate(boxes):
                inside = [p for p in points if x < p[0] < x + w and y < p[1] < y + h]
                assert other == index or not inside, (index, other)


def test_why_a_face_was_not_judged_is_kept_on_one_line_of_its_caption() -> None:
    """"2: unsure: no colour" was broken into "2: unsure:" / "no" / "colour" (a verification walk)."""
    assert caption_lines("2: unsure: no colour - decides", 60, 1.0, 2, (1000, 1000, 3)) == [
        "2: unsure:", "no colour", "- decides"]
    assert caption_lines("3: unsure: partly transparent", 60, 1.0, 2, (1000, 1000, 3))[-1] == "partly transparent"


def test_a_small_face_in_a_corner_is_not_hidden_by_its_own_caption() -> None:
    """A visitor's 56 px fake face in the corner of a 2048 px photo vanished under its own
    caption, "2: fake 98% - decides", scaled for the photo."""
    from deforgify.faces.finding import face_middle

    shape, small, large = (1365, 2048, 3), (1948, 50, 56, 57), (802, 571, 374, 373)
    made = prediction((large, 0.54, UNSURE), (small, 0.98, "fake"), deciding=1)
    found = captions(made)
    rects, _, _ = caption_layout(shape, [f[0] for f in found], [f[1] for f in found], [1, 0])
    x, y, w, h = face_middle(small)
    left, top, right, bottom = rects[1]
    assert not (left < x + w and x < right and top < y + h and y < bottom), rects[1]  # the face shows
    assert top <= small[1] + small[3] + 2 and bottom >= small[1] - 2  # beside it, not across the picture


def test_a_caption_fits_a_200_pixel_picture() -> None:
    made = prediction(((150, 0, 50, 60), 0.5, UNSURE), ((0, 100, 120, 90), 0.6, UNSURE), deciding=1)
    found = captions(made)
    rects, _, _ = caption_layout((200, 200, 3), [f[0] for f in found], [f[1] for f in found], [1, 0])
    for left, top, right, bottom in rects:
        assert 0 <= left and right <= 200 and 0 <= top and bottom <= 200
    drawn = draw_faces(np.full((200, 200, 3), 128, np.uint8), made)
    assert drawn.shape == (200, 200, 3)


def test_a_tiny_picture_is_drawn_enlarged_so_that_its_caption_fits() -> None:
    """A 50 px picture's caption was cut at its edge ("unsure: too s"): it is drawn 4x, each
    pixel a block, with its box and a whole caption."""
    made = prediction(((10, 12, 10, 10), 0.5, "fake"))  # 10 px wide: too small to judge
    text, = [t for _, t, _, _ in captions(made)]
    assert text == "unsure: too small"
    canvas = np.random.default_rng(0).integers(0, 255, (50, 50, 3), dtype=np.uint8)
    drawn = draw_faces(canvas, made)
    assert drawn.shape == (200, 200, 3)
    assert (drawn[160::4, 160::4] == canvas[40:, 40:]).all()  # far from the face: the pixels, enlarged
    (rect,), scale, thickness = caption_layout(drawn.shape, [(40, 48, 40, 40)], [text], [0])
    lines = caption_lines(text, 40, scale, thickness, drawn.shape)
    assert " ".join(lines) == text and rect[2] - rect[0] <= 200  # whole, in lines no wider than its place
    assert all(cv2.getTextSize(line, FONT, scale, thickness)[0][0] < rect[2] - rect[0] for line in lines)


@pytest.mark.parametrize("side", [300, 1000, 2048])
def test_captions_read_alike_on_a_small_and_a_large_photo(side: int) -> None:
    """Fitted to the page's frame, a caption is about as tall on a 2048 px photo as on a 300 px
    one (capped, it shrank to 1 % of a large photo's height)."""
    made = prediction(((side // 4, side // 4, side // 3, side // 3), 0.9, "fake"))
    found = captions(made)
    (rect,), _, _ = caption_layout((side, side, 3), [f[0] for f in found], [f[1] for f in found], [0])
    assert 0.03 <= (rect[3] - rect[1]) / side <= 0.08


@pytest.mark.parametrize("width", [640, 1280, 2048])
def test_captions_of_a_wide_photo_stay_legible_once_it_is_fitted_to_a_phone(width: int) -> None:
    """A wide photo is shown shrunk to the page's width, about 330 px on a phone: scaled by its
    shorter side alone, the 640x320 two-faces example's captions were 7 px tall there."""
    height = width // 2
    made = prediction(((width // 4, height // 3, width // 10, width // 10), 0.9, "fake"))
    found = captions(made)
    (rect,), _, _ = caption_layout((height, width, 3), [f[0] for f in found], [f[1] for f in found], [0])
    assert (rect[3] - rect[1]) * 330 / width >= 11  # its band's height on the phone, in pixels


@pytest.mark.parametrize("shape", [(400, 2048), (200, 4000), (100, 1000)])
def test_captions_of_a_strip_stay_a_small_part_of_its_height(shape: tuple[int, int]) -> None:
    """Scaled by the width alone, a 2000x100 strip (drawn enlarged, 4000x200) got captions two
    thirds of its height, over its faces."""
    height, width = shape
    made = prediction(((width // 4, height // 4, height // 2, height // 2), 0.9, "fake"))
    found = captions(made)
    (rect,), _, _ = caption_layout((height, width, 3), [f[0] for f in found], [f[1] for f in found], [0])
    assert (rect[3] - rect[1]) / height <= 0.16


def test_the_deciding_face_has_the_thickest_box() -> None:
    canvas, made = two_face_prediction()
    drawn = draw_faces(canvas, made)
    changed = np.any(drawn != canvas, axis=2)

    def edge_width(box) -> int:  # how many columns left of the box's right edge are painted, mid-height
        x, y, w, h = box
        row = changed[y + h // 2, x + w - 12 : x + w + 12]
        return int(row.sum())

    assert edge_width(made.scores[1].face) > edge_width(made.scores[0].face)


def test_no_face_draws_nothing_and_says_so() -> None:
    empty = Prediction(NO_FACE, None, None, None, [])
    canvas = np.zeros((50, 50, 3), np.uint8)
    assert (draw_faces(canvas, empty) == canvas).all()
    assert "no face was found" in describe_faces(empty)


def test_bars_beside_a_band_edge_show_the_decimals_that_tell_the_share_from_it() -> None:
    """A visitor saw "real 81% / fake 19%" above "Unsure" for one photo and above "Real" for
    another (fake 19.3 % and 18.7 % beside the band's lower edge, 19.2 %)."""
    import re

    from deforgify.app import verdict_box

    band = Calibration(threshold=0.49, unsure_low=0.192, unsure_high=0.971)
    shown = {}
    for fake, label in ((0.187, "real"), (0.193, UNSURE), (0.30, UNSURE), (0.05, "real")):
        box = verdict_box.banner(prediction(((10, 10, 90, 90), fake, label)), calibration=band)
        shown[fake] = re.findall(r'<b class="percent"[^>]*>([^<]+)</b>', box)
        assert f"(real {shown[fake][0]}, fake {shown[fake][1]})" in box  # the words say what the bars say
    assert shown == {0.187: ["81.3%", "18.7%"], 0.193: ["80.7%", "19.3%"], 0.30: ["70%", "30%"], 0.05: ["95%", "5%"]}


def test_the_page_says_beside_the_examples_that_a_face_saved_another_way_can_get_another_answer() -> None:
    """A visitor's rotated copy of the real portrait was "real 87%" just above the example saying
    the model answers it "unsure": said beside them, with the model's own figure."""
    from deforgify.app import about_model
    from deforgify.model.facts import metrics_in
    from deforgify.model.source import BUNDLED_MODEL

    parity = metrics_in(BUNDLED_MODEL)["format_parity"]
    said = about_model.saved_another_way(metrics_in(BUNDLED_MODEL))
    assert said.endswith(f'between "unsure" and a firm answer: {parity["changed_share"]:.0%} of its test faces did, '
                         "across 7 ways of saving them.")
    assert about_model.saved_another_way({}).endswith('between "unsure" and a firm answer.')  # unmeasured: no figure


def test_each_bar_marks_where_its_answer_starts() -> None:
    """A visitor read "fake 89%", a long red bar under "Unsure", as a firm answer: each bar has a
    mark where its answer starts ("real" from 1 minus the band's lower edge, "fake" from its upper
    edge), said in a key under the bars."""
    import re

    from deforgify.app import verdict_box

    band = Calibration(threshold=0.49, unsure_low=0.192, unsure_high=0.971)
    box = verdict_box.banner(prediction(((10, 10, 90, 90), 0.888, UNSURE)), calibration=band)
    marks = re.findall(r'data-label="(\w+)".*?class="starts" style="position:absolute;left:([\d.]+)%', box)
    assert marks == [("real", "80.8"), ("fake", "97.1")]
    # said as a rule (under a "Real" answer, "neither reaches it" contradicted the bar that did)
    assert ('where each answer starts: "real" at real 80.8% (fake at most 19.2%), "fake" at fake 97.1%; short of '
            'both marks, the answer is "unsure". Only the answer\'s own bar is in colour.') in box  # as words say
    unbanded = verdict_box.banner(prediction(((10, 10, 90, 90), 0.888, "fake")), calibration=None)
    assert 'class="starts"' not in unbanded and "where each answer starts" not in unbanded


def test_only_the_answers_own_bar_is_in_colour() -> None:
    """A red bar filled to 83 % under "Unsure" read as a "fake" (a phone walk): a bar is in its
    colour only where it is the answer's, even past its mark (a clip's "unsure" track whose median
    looks real); without a band, both are, as before."""
    import re

    from deforgify.app import verdict_box
    from deforgify.explain.words import hex_colour

    band = Calibration(threshold=0.49, unsure_low=0.192, unsure_high=0.971)
    red, green, grey = hex_colour(COLOURS["fake"]), hex_colour(COLOURS["real"]), verdict_box.NOT_THE_ANSWER

    def fills(fake, label, calibration=band):
        box = verdict_box.banner(prediction(((10, 10, 90, 90), fake, label)), calibration=calibration)
        return re.findall(r'data-label="(\w+)".*?height:10px;background:(#[0-9a-f]{6})', box)

    assert fills(0.83, UNSURE) == [("real", grey), ("fake", grey)]
    assert fills(0.05, UNSURE) == [("real", grey), ("fake", grey)]  # past the real mark, but not the answer
    assert fills(0.99, "fake") == [("real", grey), ("fake", red)]
    assert fills(0.05, "real") == [("real", green), ("fake", grey)]
    assert fills(0.83, "fake", None) == [("real", green), ("fake", red)]


def test_the_page_says_how_often_the_model_is_right_from_its_own_metrics(tmp_path) -> None:
    """A visitor found the model's served figures only in the collapsed card: the page gives them
    under the photo's answer (in the header they pushed the photo input off a phone's first
    screen), linked from the header, read from the model folder's metrics.json; nothing where it
    has none."""
    import json
    import re

    from deforgify.app import about_model
    from deforgify.detector import Detector
    from deforgify.model.source import BUNDLED_MODEL

    from helpers import bundled_model_with

    metrics = json.loads((BUNDLED_MODEL / "metrics.json").read_text())
    served = metrics["test"]["unsure"]
    figures = about_model.how_often_right(Detector.load())
    assert "[how often it is right](#how-often-right)" in about_model.header(Detector.load())
    assert ('**How often it is right**, measured on photos like those it learned from, kept apart when it was '
            'trained (its test split: a best case):\n\n') in figures
    # each answer on a line of its own (one long sentence on a phone), agreeing with the shares
    answers = re.search(r'\n- of fake faces, it calls ([\d.]+)% "fake"; when it says "fake", it is right (\d+) of '
                        r'(\d+) times\n- of real faces, it calls ([\d.]+)% "real"; when it says "real", it is right '
                        r'(\d+) of (\d+) times\n- of all faces, it says "unsure" for ([\d.]+)%: it cannot tell\n'
                        r'- so it answers [\d.]+% of faces "real" or "fake", and those answers are right '
                        rf'{served["accuracy_when_sure"]:.1%} of the time\n', figures)  # last: quoted alone
    assert answers, figures
    fakes_share, caught, said_fake, reals_share, cleared, said_real, unsure_share = map(float, answers.groups())
    assert (fakes_share, reals_share, unsure_share) == pytest.approx(
        (100 * served["fakes_caught"], 100 * served["reals_cleared"], 100 * served["unsure_share"]), abs=0.05)
    reals, fakes = (sum(row) for row in metrics["test"]["confusion_matrix"]["matrix"])
    assert (cleared / reals, caught / fakes) == pytest.approx((served["reals_cleared"], served["fakes_caught"]))
    assert (cleared + caught) / (said_real + said_fake) == pytest.approx(served["accuracy_when_sure"])
    assert said_fake - caught == pytest.approx(served["reals_accused"] * reals)
    assert "\n\nThese figures flatter it: where \"unsure\" starts and ends was set after looking at these same " \
           "photos.\n\n" in figures  # the band's rule was chosen seeing this test split
    units = [unit for unit in metrics["leave_one_out"]["units"] if ":" not in unit["unit"]]
    worst = max(unit["false_accusation_rate_with_band"] for unit in units)
    caught_held_out = [unit["fakes_caught_with_band"] for unit in units if unit["fakes_caught_with_band"] is not None]
    probe = metrics["probes"]["diffusion-probe"]
    said = [round(probe[label] * probe["count"]) for label in ("fake", "unsure", "real")]
    # in plain words (a visitor), misses too; the probe's every answer (a visitor's AI portrait got a green
    # "Real"; another read "4 real" alone as the rest caught)
    assert (f'\n\nOn a kind of photo it was not trained on, a "fake" is far less sure: in quick models each '
            f'trained without one source (not this model), up to {worst:.1%} of that source\'s real faces were '
            f'called "fake", and only {min(caught_held_out):.0%} to {max(caught_held_out):.0%} of its fakes caught; of {probe["count"]} fakes of a kind it '
            f'was never trained on (diffusion-probe), it called {said[0]} "fake", {said[1]} "unsure" and {said[2]} '
            '"real": expect it to do worse') in figures
    bare = bundled_model_with(tmp_path / "model")
    (bare / "metrics.json").unlink()
    assert about_model.how_often_right(Detector.load(str(bare))) == ""
    assert "how often it is right" not in about_model.header(Detector.load(str(bare)))
    other = bundled_model_with(tmp_path / "other")  # another split (seed): its test split was not seen for the band
    changed = json.loads((other / "metrics.json").read_text())
    changed["training"]["seed"] += 1
    (other / "metrics.json").write_text(json.dumps(changed))
    theirs = about_model.how_often_right(Detector.load(str(other)))
    assert "(its test split: a best case):" in theirs and "flatter" not in theirs
    assert "held-out figures" in theirs
    del changed["leave_one_out"]  # trained without held-out runs: its card has no such figures to link to
    (other / "metrics.json").write_text(json.dumps(changed))
    unmeasured = about_model.how_often_right(Detector.load(str(other)))
    assert unmeasured.endswith("expect it to do worse on photos unlike those it learned from (how much was not "
                               "measured for this model).") and "held-out figures" not in unmeasured


def test_faces_not_judged_for_different_reasons_are_each_named_with_their_own() -> None:
    """A reviewer's find: "faces 2 and 3 without colour or too small to judge" did not say which was which."""
    from deforgify.faces.unjudged import SEE_THROUGH

    judged, grey, small = (200, 10, 100, 100), (10, 10, 90, 90), (120, 10, 30, 30)

    def score(box: tuple[int, int, int, int], fake: float, **why: object) -> FaceScore:
        label, caution = face_label("real", box, 40, **why)
        return FaceScore(box, box, {"real": 1 - fake, "fake": fake}, label, caution=caution)

    scores = [score(judged, 0.01), score(grey, 0.1, no_colour=True), score(small, 0.1)]
    mixed = Prediction("real", scores[0].confidences, judged, judged, scores)
    assert ("3 faces found (numbered from the largest), 1 judged (face 2 without colour, face 3 too small to "
            "judge); the one judged, face 1") in explain(mixed)
    seen = score(grey, 0.1, transparent=0.3)
    none = Prediction(seen.label, seen.confidences, grey, grey, [seen, scores[2]])
    assert seen.caution.startswith(SEE_THROUGH) and explain(none).startswith(
        "Unsure: 2 faces found (numbered from the largest), none judged (face 1 partly transparent, face 2 too "
        "small to judge): the widest, face 1, is 30% see-through")
    alike = Prediction("real", scores[0].confidences, judged, judged, [scores[0], scores[2], scores[2]])
    assert "1 judged (faces 2 and 3 too small to judge)" in explain(alike)


def test_captions_beside_an_edge_of_the_band_give_the_decimals_the_bars_give() -> None:
    """A reviewer's find: a photo's caption read "unsure (fake 97%)" beside an edge of 97.1 %,
    where the bars and words gave 96.9 %; "fake 97%" for 97.2 % read the same."""
    band = Calibration(threshold=0.5, unsure_low=0.192, unsure_high=0.971)
    near = [((10, 10, 100, 100), 0.9688, UNSURE), ((150, 10, 90, 90), 0.9724, "fake"),
            ((260, 10, 80, 80), 0.187, "real"), ((360, 10, 70, 70), 0.5, UNSURE)]
    texts = [text for _, text, _, _ in captions(prediction(*near, deciding=1), calibration=band)]
    assert texts == ["1: unsure (fake 96.9%)", "2: fake 97.2% - decides", "3: real (fake 18.7%)",
                     "4: unsure (fake 50%)"]
    assert [text for _, text, _, _ in captions(prediction(*near, deciding=1))][:3] == [
        "1: unsure (fake 97%)", "2: fake 97% - decides", "3: real (fake 19%)"]  # no band given: whole percents
    assert "face 3: real (fake 18.7%)" in describe_faces(prediction(*near, deciding=1), calibration=band)


def test_a_link_to_a_card_section_goes_to_its_heading_on_the_hub_and_on_the_page(monkeypatch) -> None:
    """The anchor is the one the Hub makes from the heading's words; the page's own card is
    opened at it by the page's script (tested in a browser in test_app)."""
    from deforgify.app import about_model
    from deforgify.detector import Detector
    from deforgify.model.facts import HELD_OUT_HEADING
    from deforgify.model.source import BUNDLED_MODEL

    detector = Detector.load()
    assert about_model.model_card_link(detector) == "#model-card"
    assert about_model.model_card_link(detector, HELD_OUT_HEADING) == "#model-card--sources-never-seen-leave-one-source-out"
    monkeypatch.setenv("SPACE_ID", "owner/deforgify")
    assert about_model.model_card_link(detector, HELD_OUT_HEADING) == (
        "https://huggingface.co/spaces/owner/deforgify/blob/main/deforgify/bundled_model/README.md"
        "#sources-never-seen-leave-one-source-out")
    card = (BUNDLED_MODEL / "README.md").read_text()
    assert f"\n## {HELD_OUT_HEADING}\n" in card  # the heading it points at


def test_a_caption_covers_no_other_faces_eyes_nose_or_mouth_where_a_place_allows() -> None:
    """A visitor's find: the Two faces example's "1: unsure: no colour - decides" ran across the
    other face's eyes (captions avoided each other, not the faces)."""
    import math

    from deforgify.decode.images import load_rgb
    from deforgify.detector import Detector
    from deforgify.explain.drawing import SMALLEST_DRAWN, caption_layout
    from deforgify.explain.words import captions
    from deforgify.faces.finding import face_middle

    from helpers import ROOT

    rgb = load_rgb(ROOT / "examples" / "two-faces.jpg")
    found = captions(Detector.load().predict_rgb([rgb])[0])
    factor = max(1, math.ceil(SMALLEST_DRAWN / min(rgb.shape[:2])))  # as draw_faces enlarges a small photo
    boxes = [tuple(v * factor for v in box) for box, _, _, _ in found]
    order = sorted(range(len(found)), key=lambda i: not found[i][3])
    rects, _, _ = caption_layout((rgb.shape[0] * factor, rgb.shape[1] * factor), boxes, [f[1] for f in found], order)
    assert len(rects) == 2
    for index, (left, top, right, bottom) in enumerate(rects):
        for other, box in enumerate(boxes):
            x, y, w, h = face_middle(box)
            assert other == index or not (left < x + w and x < right and top < y + h and y < bottom), (index, other)


def test_a_share_that_rounds_to_0_or_100_percent_gets_the_decimals_that_say_it_is_not() -> None:
    """A visitor's find: a fake 99.8 % read "fake 100%", a certainty the model never has; a later
    one quoted "fake 99.997%" as a precise figure: beyond 99.9 % it is ">99.9%", 1.0 itself too (a
    float's end, not a certainty). A share far from 0 and 100 stays as it was."""
    from deforgify.explain.words import percentages
    from deforgify.model.calibration import Calibration

    calibration = Calibration(temperature=1.0, threshold=0.5, unsure_low=0.2, unsure_high=0.95)
    assert percentages({"real": 0.002, "fake": 0.998}, calibration) == "real 0.2%, fake 99.8%"
    assert percentages({"real": 0.9992, "fake": 0.0008}) == "real 99.9%, fake 0.1%"
    # beyond 99.9 %, not spelt out: "fake 99.997%" was quoted as a precise figure
    assert percentages({"real": 0.9996, "fake": 0.0004}) == "real >99.9%, fake <0.1%"
    assert percentages({"real": 0.00003, "fake": 0.99997}, calibration) == "real <0.1%, fake >99.9%"
    from deforgify.explain.words import share_text  # at no decimals too (a clip's timeline said "fake 100%" of 99.6 %)

    assert [share_text(share, 0) for share in (0.9962, 0.004, 0.1, 0.5)] == ["99.6%", "0.4%", "10%", "50%"]
    assert percentages({"real": 0.0, "fake": 1.0}, calibration) == "real <0.1%, fake >99.9%"  # a float's end
    assert percentages({"real": 0.3, "fake": 0.7}, calibration) == "real 30%, fake 70%"


def test_with_several_faces_the_bars_say_they_are_the_deciding_faces() -> None:
    """The bars show the deciding face's shares; with several faces judged, a visitor read them as
    the photo's. Headed by the face's number, as the words and the boxes number it."""
    from deforgify.app import verdict_box

    band = Calibration(threshold=0.49, unsure_low=0.192, unsure_high=0.971)
    two = verdict_box.banner(prediction(((10, 10, 90, 90), 0.05, "real"), ((200, 10, 60, 60), 0.99, "fake"),
                                        deciding=1), calibration=band)
    assert '>Face 2, which decides:</div>' in two and "face 2 (thick box, marked &quot;decides&quot;)" in two
    assert two.index("Face 2, which decides:") < two.index('data-label="real"')  # above the bars it heads
    one = verdict_box.banner(prediction(((10, 10, 90, 90), 0.99, "fake")), calibration=band)
    assert 'class="bars-of"' not in one and 'data-label="fake"' in one


def test_beside_the_examples_the_page_says_which_come_from_the_bundled_models_training_data(tmp_path) -> None:
    """A visitor judged the tool by the face swap's "fake 99%" without knowing that the bundled
    model had learned from it; another model's training data is not known, and nothing is said."""
    from deforgify.app import about_model
    from deforgify.detector import Detector

    from helpers import ROOT, bundled_model_with

    shown = [str(ROOT / "examples" / name) for name in ("real-astronaut.jpg", "gan-stylegan2.jpg", "face-swap.jpg")]
    note = about_model.trained_on_note(Detector.load(), shown)
    assert note == (' "GAN face (StyleGAN2)" and "Face swap" come from this model\'s training data: their answers show '
                    "the tool at work, not how it does on photos it never saw.")
    assert about_model.trained_on_note(Detector.load(), shown[:1]) == ""
    assert "comes from this model's training data: its answer shows" in about_model.trained_on_note(Detector.load(),
                                                                                                     shown[1:2])
    other = Detector.load(str(bundled_model_with(tmp_path / "other")))
    assert about_model.trained_on_note(other, shown) == ""


def test_the_heatmaps_note_gives_the_fake_share_as_the_bars_do() -> None:
    """The heatmap's note said "This face: fake 100%" under bars saying 99.997 %."""
    from deforgify.app import verdict_box

    band = Calibration(threshold=0.49, unsure_low=0.192, unsure_high=0.971)
    assert "This face: fake &gt;99.9%." in verdict_box.heatmap_legend(0.99997, band)
    assert "This face: fake 97.2%." in verdict_box.heatmap_legend(0.9718, band)  # told apart from the 97.1 % edge
    group = prediction(((10, 10, 90, 90), 0.2, "real"), ((120, 10, 60, 60), 0.99, "fake"), deciding=1)
    assert verdict_box.which_decides(group) == "face 2, which decides"  # "This face" did not say which
    legend = verdict_box.heatmap_legend(0.99, band, verdict_box.which_decides(group))
    assert "Face 2, which decides: fake 99%." in legend
    assert verdict_box.which_decides(prediction(((10, 10, 90, 90), 0.99, "fake"))) == ""
    box = verdict_box.banner(prediction(((10, 10, 90, 90), 0.99997, "fake")), calibration=band)
    assert '>&gt;99.9%</b>' in box and "fake &gt;99.9%" in box and "99.997" not in box


def test_a_footer_goes_under_the_picture_its_words_within_the_width() -> None:
    """An answer's picture, downloaded, said "fake 99.8%" on a face and nothing of the model or
    the time: a strip under it says so, its words fitted to the picture's width."""
    from deforgify.explain.drawing import with_footer

    for width in (200, 640, 3000):
        picture = np.full((120, width, 3), 30, np.uint8)
        lines = ["Deforgify's answer: fake, 2026-12-05 14:23:05 UTC. Evidence to weigh, not proof.",
                 "Answered by deforgify-lite0 (bundled), Deforgify 0.1.0, trained 2026-12-01 "
                 "(revision sha256:eca9087f7af8)"]
        footed = with_footer(picture, lines)
        assert footed.shape[1] == width and (footed[:120] == picture).all()  # the picture untouched, above
        strip = footed[120:]
        letters = max(8, width / 50)  # as the picture is shown shrunk on the page, still legible
        assert 2 * letters <= strip.shape[0] <= 8 * letters + 40 and (strip < 128).any()  # two lines or more
        inked = np.nonzero((strip < 200).any(axis=(0, 2)))[0]
        assert inked.min() > 0 and inked.max() < width - 1, width  # within the width, margins kept
        rows = (strip < 200).any(axis=(1, 2))
        starts = np.count_nonzero(rows[1:] & ~rows[:-1]) + rows[0]
        assert starts >= 2, width  # blank rows between the lines: a "g" touched the letters under it


def test_an_answer_pictures_strip_says_what_real_means() -> None:
    """A picture stamped "Deforgify: real" was read as proof that the person was real (a phone
    walk, on an AI portrait answered "real"): the strip says what "real" means."""
    from deforgify.app.checks import footer_lines

    row = {"label": "real", "checked_at": "2026-12-05T17:02:03Z"}
    assert footer_lines(row, "deforgify-lite0 (bundled)") == [
        "Deforgify: real (no sign of the fakes it knows), 2026-12-05 17:02:03 UTC. Evidence to weigh, not proof.",
        "Answered by deforgify-lite0 (bundled)"]
    assert footer_lines(row | {"label": "fake"}, "m")[0].startswith("Deforgify: fake, 2026-12-05 17:02:03 UTC.")
    assert footer_lines(row | {"label": "fake"}, "m", "heatmap")[0].startswith(  # a downloaded heatmap said nothing
        "Deforgify heatmap of the deciding face; the photo's answer: fake, 2026-12-05 17:02:03 UTC.")
    assert footer_lines(row | {"label": "no_face"}, "m")[0] == (  # it said "Evidence to weigh" of nothing judged
        "Deforgify: no face, 2026-12-05 17:02:03 UTC. Nothing was judged.")


def test_the_pages_first_lines_say_what_each_of_the_four_answers_means() -> None:
    """The header named "fake", "real" and "unsure"; a visitor met "no face" with no word of what it
    means until the limits at the page's foot."""
    from deforgify.app.about_model import header
    from deforgify.detector import Detector

    first = header(Detector.load()).split("\n\n")[1]
    for word, meaning in (("fake", "signs of the fakes it knows"), ("real", "no sign of them"),
                          ("unsure", "it cannot tell"), ("no face", "it found no face to judge")):
        assert f'"{word}" ({meaning}' in first
