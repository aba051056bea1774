"""Faces seen through transparency (deforgify.faces.transparency): a PNG whose face is partly
see-through is "unsure" with the reason, never judged as the mix of face and white it shows."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from deforgify.decode.images import load_image
from deforgify.detector import Detector
from deforgify.faces.transparency import SEE_THROUGH_LEAST, see_through
from deforgify.faces.unjudged import SEE_THROUGH

from helpers import run_module


def png(rgb: np.ndarray, alpha: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([rgb, alpha])).save(buffer, "PNG")
    return buffer.getvalue()


def uniform(rgb: np.ndarray, alpha: int) -> np.ndarray:
    return np.full(rgb.shape[:2], alpha, np.uint8)


def test_a_photos_transparency_is_kept_beside_its_pixels_shown_over_white(astronaut) -> None:
    alpha = uniform(astronaut, 255)
    alpha[:, :100] = 0  # a see-through strip: white where it is shown
    decoded = load_image(png(astronaut, alpha))
    assert decoded.opacity is not None and np.array_equal(decoded.opacity, alpha)
    assert (decoded.rgb[:, :100] == 255).all() and np.array_equal(decoded.rgb[:, 100:], astronaut[:, 100:])
    half = load_image(png(np.zeros_like(astronaut), uniform(astronaut, 128)))
    assert abs(int(half.rgb[0, 0, 0]) - 127) <= 1  # black half see-through over white: mid grey
    assert load_image(png(astronaut, uniform(astronaut, 255))).opacity is None  # an alpha channel, all opaque
    assert load_image(astronaut).opacity is None  # RGB: nothing to see through
    large = np.repeat(np.repeat(astronaut, 9, 0), 9, 1)  # 4608 px: reduced to be judged
    reduced = load_image(np.dstack([large, np.repeat(np.repeat(alpha, 9, 0), 9, 1)]))
    assert reduced.scale < 1 and reduced.opacity.shape == reduced.rgb.shape[:2]
    assert see_through(reduced.opacity, (0, 0, 100, 100)) == pytest.approx(1.0)


def test_see_through_is_the_regions_mean_transparency() -> None:
    opacity = np.full((100, 100), 255, np.uint8)
    opacity[:, :50] = 0
    assert see_through(opacity, (0, 0, 100, 100)) == pytest.approx(0.5)
    assert see_through(opacity, (50, 0, 50, 50)) == 0.0 and see_through(opacity, (0, 10, 20, 20)) == 1.0


def test_a_half_transparent_face_is_unsure_for_it_never_judged_over_white(astronaut_jpeg) -> None:
    """A visitor's find: the astronaut saved half see-through went from fake 20 % to 78 %, judged
    on the mix of her face and the white it was shown over, without a word."""
    from deforgify.explain.words import captions, explain, headline

    detector = Detector.load()
    rgb = load_image(astronaut_jpeg).rgb
    answer = detector.answer(png(rgb, uniform(rgb, 128)))
    prediction = answer.prediction
    assert answer.label == "unsure" and prediction.caution.startswith(SEE_THROUGH)
    assert answer.to_json()["faces"][0]["caution"] == (
        "face is partly transparent (50% see-through: shown over white, the model would "
        "judge a mix of face and white)")
    assert headline(prediction.label, prediction.caution) == "Unsure: the face is partly transparent"
    assert explain(prediction, detector.config.calibration) == (
        "Unsure: the one face found is 50% see-through (shown over white, the model would "
        "judge a mix of face and white), so it gets no real or fake answer. Try the photo without transparency, "
        "as it was taken, if there is one.")
    assert captions(prediction)[0][1] == "unsure: transparent"


def test_an_opaque_face_beside_transparency_is_judged_as_it_is_shown_over_white(astronaut_jpeg,
                                                                                astronaut_face_centre) -> None:
    """A visitor's find: a portrait with see-through bars above and below, a rotated one with
    see-through corners and a face cut out of its background were all "partly transparent",
    while the same pixels padded with opaque white were "real 97%". Only the face's own
    transparency counts; around it, the picture shown over white is what is judged."""
    detector = Detector.load()
    rgb = load_image(astronaut_jpeg).rgb
    (x, y) = astronaut_face_centre
    cut = np.zeros(rgb.shape[:2], np.uint8)
    cv2.ellipse(cut, (x, y), (75, 100), 0, 0, 360, 255, -1)  # the head kept, the rest see-through
    bars = uniform(rgb, 255)
    bars[:40], bars[-40:] = 0, 0
    faint = uniform(rgb, 252)  # 1.2 % see-through: under SEE_THROUGH_LEAST, judged as shown
    assert 1 - 252 / 255 < SEE_THROUGH_LEAST
    for alpha in (cut, bars, faint):
        served = detector.predict(png(rgb, alpha))
        assert served.caution is None and served == detector.predict_rgb([load_image(png(rgb, alpha)).rgb])[0]
    holes = uniform(rgb, 255)
    holes[y - 30 : y - 5, x - 50 : x + 50] = 0  # see-through over her eyes
    assert detector.predict(png(rgb, holes)).caution.startswith(SEE_THROUGH)


def test_a_tight_face_crop_in_a_see_through_border_is_judged_as_in_a_white_one() -> None:
    """A developer's find: the detector's box of a tight crop reaches past the photo into a
    border, and a face swap with a 30 px see-through border was "partly transparent" (9 %), with
    a white one "fake 99.9%"."""
    from deforgify.decode.images import load_rgb

    from helpers import ROOT

    swap = load_rgb(ROOT / "examples" / "face-swap.jpg")
    bordered = np.pad(swap, ((30, 30), (30, 30), (0, 0)), constant_values=255)
    alpha = np.pad(uniform(swap, 255), 30)  # the border see-through, the photo opaque
    detector = Detector.load()
    served, white = detector.predict(png(bordered, alpha)), detector.predict_rgb([bordered])[0]
    assert served.caution is None and served == white and white.label == "fake"


def test_the_command_line_row_of_a_see_through_face_gives_the_reason(astronaut_jpeg, tmp_path) -> None:
    rgb = load_image(astronaut_jpeg).rgb
    path = tmp_path / "see-through.png"
    path.write_bytes(png(rgb, uniform(rgb, 128)))
    result = run_module("deforgify", "predict", str(path), "--json")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout.splitlines()[0])
    assert row["label"] == "unsure" and row["faces"][0]["caution"].startswith(SEE_THROUGH)


def test_a_colour_key_or_palette_marked_transparent_is_see_through_and_a_premultiplied_image_is_read() -> None:
    """A PNG's tRNS chunk marks one colour (RGB, greyscale) or palette entry transparent:
    browsers show those pixels see-through, and Deforgify showed the key colour instead."""
    keyed = Image.new("RGB", (64, 64), (10, 20, 30))
    keyed.paste((200, 0, 0), (0, 0, 32, 64))
    for image in (keyed, keyed.convert("L"), keyed.convert("P", palette=Image.Palette.ADAPTIVE, colors=2)):
        buffer = io.BytesIO()
        image.save(buffer, "PNG", transparency=image.getpixel((63, 63)))
        decoded = load_image(buffer.getvalue())
        assert decoded.opacity is not None and (decoded.opacity[:, 32:] == 0).all(), image.mode
        assert (decoded.rgb[:, 32:] == 255).all() and (decoded.opacity[:, :32] == 255).all()
    premultiplied = Image.new("LA", (64, 64), (100, 128)).convert("La")  # Pillow cannot take La to RGBA
    assert load_image(premultiplied).opacity is not None


def test_an_animated_pictures_frames_are_shown_over_white_as_a_photo_is(tmp_path) -> None:
    """Its frames dropped the alpha channel instead, and showed what lay under the see-through part."""
    from deforgify.video.pictures import AnimatedPicture

    frames = []
    for shade in (40, 80):
        frame = Image.new("RGBA", (64, 64), (shade, shade, shade, 255))
        frame.paste((shade, 0, 0, 0), (0, 0, 32, 64))  # see-through: red underneath
        frames.append(frame)
    path = tmp_path / "anim.png"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200, loop=0)
    picture = AnimatedPicture(path)
    read = [picture.read() for _ in range(2)]
    for (ok, bgr), shade in zip(read, (40, 80)):
        assert ok and (bgr[:, :32] == 255).all() and (bgr[:, 32:] == shade).all()


def test_an_animated_pictures_see_through_frames_are_left_out_and_a_face_see_through_in_all_is_unsure(
        astronaut, tmp_path) -> None:
    """As a photo's face: an animated sticker's see-through face is judged on its opaque frames
    while there are any, and is "unsure" with the reason when it is see-through in every frame."""
    from deforgify.video.judge import score_video
    from deforgify.video.present import explain_video

    from video_clips import canvas

    face = canvas(astronaut, size=(480, 400), at=(40, 10), height=380)

    def animated(name: str, alphas: list[int]) -> Path:
        """Frames of the same face (told apart by a corner the crop leaves out: alike ones are merged)."""
        frames = []
        for index, alpha in enumerate(alphas):
            marked = face.copy()
            marked[-4:, -4:] = 40 * index
            frames.append(Image.fromarray(np.dstack([marked, uniform(face, alpha)])))
        frames[0].save(tmp_path / name, save_all=True, append_images=frames[1:], duration=250, loop=0)
        return tmp_path / name

    detector = Detector.load()
    row = score_video(detector, animated("all.png", [128] * 4)).to_json()
    assert row["label"] == "unsure" and row["faces"][0]["caution"].startswith(SEE_THROUGH)
    assert "Try the clip without transparency, as it was taken, if there is one." in explain_video(row)
    mixed = score_video(detector, animated("some.png", [255, 230, 255, 230])).to_json()  # 10 %: one track
    assert mixed["faces"][0]["caution"] is None and mixed["faces"][0]["frames"] == 4
    opaque = score_video(detector, animated("none.png", [255] * 4)).to_json()
    assert mixed["confidences"] == pytest.approx(opaque["confidences"])  # judged on its opaque frames alone
    assert mixed["confidences"] != pytest.approx(row["confidences"])  # which the see-through ones are not
    assert "(in 2 it was partly transparent)" in explain_video(mixed)


def test_a_palette_photo_converted_to_rgb_in_memory_keeps_its_opaque_pixels_of_the_transparent_colour() -> None:
    """A reviewer's find: Pillow's P to RGB keeps the transparent entry's colour as a colour key,
    and every opaque pixel of that colour was then shown white as if see-through."""
    palette = Image.new("P", (64, 64), 1)
    palette.putpalette([0, 0, 0] * 2 + [200, 0, 0] * 254)  # entries 0 and 1 both black, 0 transparent
    palette.paste(0, (0, 0, 16, 64))
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=0)
    as_saved = load_image(buffer.getvalue())
    assert (as_saved.opacity[:, :16] == 0).all() and (as_saved.opacity[:, 16:] == 255).all()
    converted = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")  # what a caller often does
    decoded = load_image(converted)
    assert decoded.opacity is None and (decoded.rgb[:, 16:] == 0).all()  # the opaque black stays black
