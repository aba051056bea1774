"""Faces without colour (deforgify.faces.colour): greyscale and tinted faces are told from colour ones,
and a face without colour is "unsure" with the reason, never cleared or accused."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from deforgify.detector import Detector
from deforgify.faces.colour import colourless
from deforgify.faces.unjudged import NO_COLOUR
from training.degrade import SEPIA, greyscale, jpeg, tinted

from helpers import ROOT


def crop(rgb: np.ndarray) -> np.ndarray:
    return cv2.resize(rgb, (128, 128), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def test_greyscale_and_tinted_faces_have_no_colour_and_colour_ones_do(astronaut) -> None:
    face = astronaut[60:220, 160:300]  # her face, skin and hair: colours that follow brightness closely
    assert not colourless(crop(face)) and not colourless(crop(jpeg(face, 50)))
    for copy in (greyscale(face), jpeg(greyscale(face), 75), tinted(face, SEPIA),
                 tinted(face, (0.8, 0.9, 1.1))):  # a cold blue tint
        assert colourless(crop(copy))
    half = (0.5 * face + 0.5 * greyscale(face)).astype(np.uint8)  # washed out, but in colour
    assert not colourless(crop(half))
    assert colourless(np.full((128, 128, 3), 0.5, np.float32))  # one flat grey: nothing to fit, still no colour
    assert colourless(greyscale(face)) and not colourless(face)  # uint8 crops as well as floats in [0, 1]


def test_one_skin_hue_under_warm_light_is_colour_not_a_tint(astronaut) -> None:
    """A reviewer's find: a warm-lit colour portrait in UTKFace (one skin hue over a dark
    background, chroma B - Y about -15/255 throughout) passed for a tint. A tint over greyscale
    keeps black black; a constant hue does not."""
    grey = cv2.cvtColor(astronaut[60:220, 160:300], cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    warm = np.clip(np.stack([grey + 0.045, grey, grey - 0.06], -1), 0, 1)  # the same hue at every brightness
    assert not colourless(crop((warm * 255).astype(np.uint8)))


def test_a_greyscale_copy_of_a_fake_is_unsure_for_its_lack_of_colour_never_real() -> None:
    """A visitor's find: greyscale copies of fakes were cleared as "real" (every greyscale photo
    the model learned from is real); benchmarks/greyscale.py measured 22.8 % of the test split's
    fakes so. The face swap example, "fake" in colour, is "unsure" in greyscale, with the reason."""
    from deforgify.decode.images import load_rgb
    from deforgify.explain.words import captions, explain, headline

    detector = Detector.load()
    swap = load_rgb(ROOT / "examples" / "face-swap.jpg")
    assert detector.predict_rgb([swap])[0].label == "fake"
    prediction = detector.predict_rgb([greyscale(swap)])[0]
    assert prediction.label == "unsure" and prediction.caution.startswith(NO_COLOUR)
    assert prediction.to_json()["faces"][0]["caution"] == ("face has no colour to judge (greyscale, a single tint or "
                                                            "faded: the model misses fakes without colour)")
    assert headline(prediction.label, prediction.caution) == "Unsure: the face has no colour to judge"
    text = explain(prediction, detector.config.calibration)
    assert text == ("Unsure: the one face found is greyscale, a single tint or faded (the model misses fakes without "
                    "colour), so it gets no real or fake answer. Try a copy of the photo in colour, if there is one.")
    assert captions(prediction)[0][1] == "unsure: no colour"


def test_a_face_faded_to_a_little_colour_is_unsure_for_it_and_one_faded_less_is_judged() -> None:
    """A visitor's "fade" filter, a quarter of the colour kept, took the face swap example from
    "fake" to "unsure" (fake 96.9 %, under the band's edge) and the astronaut to "real": faded so
    far, a face has too little colour to judge (benchmarks/greyscale.py: 8.1 % of fakes so faded
    were called "real", 1.9 % in colour); faded to half, or darkened, it is judged as before."""
    from deforgify.decode.images import load_rgb

    detector = Detector.load()
    swap = load_rgb(ROOT / "examples" / "face-swap.jpg")

    def faded(share: float) -> np.ndarray:
        grey = greyscale(swap).astype(np.float32)
        return jpeg(np.clip(grey + share * (swap - grey) + 0.5, 0, 255).astype(np.uint8), 92)

    dim = jpeg(np.clip(swap * 0.35 + 0.5, 0, 255).astype(np.uint8), 92)  # underexposed, in colour
    quarter, half, underexposed = detector.predict_rgb([faded(0.25), faded(0.5), dim])
    assert quarter.label == "unsure" and quarter.caution is not None and quarter.caution.startswith(NO_COLOUR)
    assert half.label == "fake" and half.caution is None
    assert underexposed.label == "fake" and underexposed.caution is None  # chroma alone called it colourless


@pytest.mark.parametrize("dressed", ["red border", "blue caption bar", "yellow sticker", "sticker on the cheek",
                                     "bar across the chin"])
def test_colour_beside_a_greyscale_face_does_not_make_it_a_face_in_colour(dressed: str) -> None:
    """A visitor's find: a greyscale fake in a red border, under a coloured caption bar or with a
    sticker beside its face was judged (and often "real"): the rule read the model's whole square.
    It reads the face's middle, and a middle mostly grey has no colour whatever covers the rest
    (a sticker on the cheek, a bar across the chin); the photo in colour is still judged."""
    from deforgify.decode.images import load_rgb

    detector = Detector.load()
    swap = load_rgb(ROOT / "examples" / "face-swap.jpg")
    grey = greyscale(swap)
    face = detector.predict_rgb([swap])[0].face
    assert face is not None
    if dressed == "red border":
        shown = cv2.copyMakeBorder(grey, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=(200, 30, 30))
    elif dressed == "blue caption bar":
        shown = np.concatenate([grey, np.full((120, grey.shape[1], 3), (40, 90, 220), np.uint8)])
    elif dressed == "yellow sticker":
        x, y, width, height = face
        shown = grey.copy()
        shown[y + height // 2 : y + height // 2 + 30, max(0, x - 60) : x + 5] = (240, 210, 20)
    elif dressed == "sticker on the cheek":  # a third visitor's: the face's middle itself partly in colour
        x, y, width, height = face
        shown = cv2.circle(grey.copy(), (x + width // 3, y + int(height * 0.6)), width // 8, (240, 210, 20), -1)
    else:
        x, y, width, height = face
        shown = grey.copy()
        shown[y + int(height * 0.72) :, :] = (200, 30, 30)
    prediction = detector.predict_rgb([shown])[0]
    assert prediction.face_found and prediction.label == "unsure", prediction
    assert prediction.caution is not None and prediction.caution.startswith(NO_COLOUR), prediction.caution
    in_colour = cv2.copyMakeBorder(swap, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=(200, 30, 30))
    assert detector.predict_rgb([in_colour])[0].caution is None


@pytest.mark.parametrize("kind", ["greyscale", "sepia"])
def test_a_black_and_white_clip_is_unsure_for_its_lack_of_colour(astronaut, tmp_path, kind) -> None:
    from deforgify.video.frames import Sampling
    from deforgify.video.judge import score_video
    from deforgify.video.present import explain_video

    from video_clips import canvas, write_h264

    photo = greyscale(astronaut) if kind == "greyscale" else tinted(astronaut, SEPIA)
    clip = write_h264(tmp_path / f"{kind}.mp4", lambda i: canvas(photo, at=(100 + i, 60)), 25)
    row = score_video(Detector.load(), clip, Sampling(rate=4.0)).to_json()
    assert row["label"] == "unsure" and len(row["faces"]) == 1
    assert row["faces"][0]["caution"].startswith(NO_COLOUR)
    assert "Try a copy of the clip in colour, if there is one." in explain_video(row)


def test_a_face_without_colour_beside_one_that_looks_real_keeps_a_clip_from_being_cleared(astronaut, tmp_path) -> None:
    """As in a photo (prediction.deciding): the greyscale face may be any fake the model cannot
    see, so the clip is "unsure", not "real" on the face in colour alone."""
    from deforgify.video.frames import Sampling
    from deforgify.video.judge import score_video
    from deforgify.video.present import explain_video

    from video_clips import canvas, write_h264

    half = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)
    pair = np.concatenate([half, greyscale(half)], axis=1)
    clip = write_h264(tmp_path / "pair.mp4", lambda i: canvas(pair, at=(40 + i, 60)), 25)
    row = score_video(Detector.load(), clip, Sampling(rate=4.0)).to_json()
    assert sorted((track["label"], bool(track["caution"])) for track in row["faces"]) == [("real", False),
                                                                                           ("unsure", True)]
    assert row["label"] == "unsure"
    words = explain_video(row)
    assert "2 faces followed (numbered as they appear)" in words and "1 judged and it looks real, but face " in words
    assert "is greyscale, a single tint or faded (the model misses fakes without colour) in every frame where it could be " \
           "judged, so the clip is not cleared as real. Try a copy of the clip in colour" in words, words


def test_a_tracks_frames_without_colour_are_left_out_while_any_has_colour() -> None:
    """The reviewer's clip: 3 greyscale frames (fake 0.03, cleared by the model) and 2 in colour
    (fake 0.6). The track was "real" on the median of all five, and its words called the
    greyscale frames too small."""
    from deforgify.faces.unjudged import NO_COLOUR_WHAT, NO_COLOUR_WHY, face_label
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import _judged_on
    from deforgify.video.timeline import FrameFace

    config = ModelConfig("deforgify-lite0", min_face_width=40)
    grey = f"{NO_COLOUR} ({NO_COLOUR_WHAT}: {NO_COLOUR_WHY})"
    seen = [(t, FrameFace(0, (0, 0, 80, 80), "unsure" if caution else "x", {"real": 1 - fake, "fake": fake}, caution))
            for t, fake, caution in ((0.0, 0.03, grey), (0.5, 0.6, None), (1.0, 0.03, grey), (1.5, 0.6, None),
                                     (2.0, 0.03, grey))]
    track = track_verdict(config, 0, seen)
    assert track.confidences["fake"] == pytest.approx(0.6) and track.peak_t in (0.5, 1.5)
    assert track.caution is None and track.label == face_label(config.calibration.label(0.6), (0, 0, 80, 80), 40)[0]
    row = {"frames": [{"faces": [face.to_json() | {"track": 0}]} for _, face in seen]}
    said = _judged_on(row, track.to_json() | {"track": 0, "frames": 5, "sustained_run": False})
    assert said == "the median of the 2 frames where it could be judged (in 3 it had no colour)"
    none = track_verdict(config, 0, [s for s in seen if s[1].caution])  # no colour in any frame: unsure, so said
    assert none.label == "unsure" and none.caution == grey
