"""The Detector on the bundled model: batching, several faces, the verdict."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deforgify.detector import Detector
from deforgify.faces.preprocess import PreprocessConfig, crop_region
from deforgify.faces.unjudged import face_label
from deforgify.model.source import BUNDLED_MODEL
from deforgify.prediction import FaceScore

from helpers import ROOT, bundled_model_with, run_module, small_face_in_a_large_photo, two_faces


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


def test_bundled_model_is_used_by_default(detector: Detector) -> None:
    assert detector.source.folder == BUNDLED_MODEL
    assert detector.source.reference == "bundled" and detector.source.warning is None
    assert detector.labels == ("real", "fake")


def test_one_model_call_for_a_batch_of_images(detector: Detector, astronaut, monkeypatch) -> None:
    calls = []
    run = detector.runtime.run
    monkeypatch.setattr(detector.runtime, "run", lambda x: calls.append(len(x)) or run(x))
    images = [astronaut, astronaut[::2, ::2].copy(), np.zeros((100, 100, 3), np.uint8)]
    predictions = detector.predict_rgb(images)
    assert calls == [4]  # both faces and their mirror images in one call; the black image has none
    assert [p.face_found for p in predictions] == [True, True, False]
    np.testing.assert_allclose(
        predictions[0].confidences["fake"], detector.predict(astronaut).confidences["fake"], atol=1e-5
    )


class LeftHalfRuntime:
    """A stand-in network whose fake score is the brightness of the crop's left half and whose
    map is the crop's first channel, to see what the Detector does with a crop and its mirror."""

    def run(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        side = pixels.shape[2]
        fake = pixels[:, :, : side // 2, 0].mean(axis=(1, 2))
        return np.stack([1 - fake, fake], axis=1), pixels[..., 0].copy()


def test_each_crop_is_averaged_with_its_mirror_image(detector: Detector) -> None:
    crops = np.zeros((3, 8, 8, 3), np.float32)
    crops[0, :, :4] = 1.0  # bright on the left: 1 as it is, 0 mirrored
    crops[1, :, 2:6] = 1.0  # symmetric: the same both ways
    crops[2, :, 7] = 1.0  # one bright column on the right edge
    mirrored = Detector(LeftHalfRuntime(), detector.config, detector.source)
    probabilities, cams = mirrored._outputs(crops)
    np.testing.assert_allclose(probabilities[:, 1], [0.5, 0.5, 0.125])
    np.testing.assert_allclose(cams, crops[..., 0])  # each map flipped back before averaging


@pytest.mark.parametrize("quarters", [0, 1, 2, 3])
def test_a_mirrored_photo_gets_the_same_answer(detector: Detector, astronaut, quarters) -> None:
    """Turned too: a face stood upright is checked the same way round for a photo and its mirror
    image (checked as found, a turned astronaut was "real" and its mirror image "unsure")."""
    turned = np.ascontiguousarray(np.rot90(astronaut, quarters))
    photo, mirrored = detector.predict(turned), detector.predict(np.ascontiguousarray(turned[:, ::-1]))
    assert mirrored.label == photo.label
    assert mirrored.confidences["fake"] == pytest.approx(photo.confidences["fake"], abs=0.01)
    width = turned.shape[1]
    assert [(width - s.face[0] - s.face[2], *s.face[1:]) for s in mirrored.scores] == [s.face for s in photo.scores]
    assert [s.turned for s in mirrored.scores] == [(360 - s.turned) % 360 for s in photo.scores]


def test_a_face_centred_with_an_odd_margin_is_cropped_alike_for_a_photo_and_its_mirror_image() -> None:
    """A face on the photo's centre line whose crop leaves an odd margin: the crop is a pixel
    narrower, so that both sides get the same margin (one pixel off, its verdict changed now and then)."""
    config = PreprocessConfig(input_size=128, crop_scale=1.4)
    region = crop_region((128, 128, 3), (30, 44, 68, 67), config)  # centre 64 = 128 / 2; side 95 left 33
    x, _, side, _ = region
    assert side == 94 and x == 128 - x - side


def test_every_face_is_scored_and_the_most_suspicious_decides(detector: Detector, astronaut) -> None:
    prediction = detector.predict(two_faces(astronaut))
    assert len(prediction.scores) == 2
    decisive = max(prediction.scores, key=lambda s: s.confidences["fake"])
    assert prediction.face == decisive.face and prediction.confidences == decisive.confidences
    faces = prediction.to_json()["faces"]
    assert [f["box"] for f in faces] == [list(s.face) for s in prediction.scores]
    assert [f["label"] for f in faces] == [face_label(detector.config.calibration.label(s.confidences["fake"]), s.face,
                                                     detector.config.min_face_width)[0]
                                          for s in prediction.scores]
    deciding = prediction.to_json()["deciding_face"]
    assert faces[deciding]["box"] == list(prediction.face)


def small_face_crop(detector: Detector, astronaut, width: int):
    """The astronaut's photo shrunk so that its face box is ``width`` pixels wide, cut as the
    detector cuts a face."""
    import cv2

    from deforgify.faces.finding import detect_faces
    from deforgify.faces.preprocess import preprocess_face

    x, y, w, h = detect_faces(astronaut)[0]
    scale = width / w
    small = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    box = (round(x * scale), round(y * scale), width, round(h * scale))
    return preprocess_face(small, detector.config.preprocessing, box, [box])


def test_a_face_too_small_to_judge_is_unsure_with_the_reason(detector: Detector, astronaut) -> None:
    from deforgify.faces.unjudged import TOO_SMALL

    least = detector.config.min_face_width
    assert least == 40  # the bundled model's config.json, as benchmarks/face_size.py measured
    small, large = detector.judge([[small_face_crop(detector, astronaut, least - 1)],
                                   [small_face_crop(detector, astronaut, least)]])
    assert small.label == "unsure" and small.scores[0].label == "unsure"
    assert TOO_SMALL in small.scores[0].caution and f"{least - 1} px wide; at least {least} px" in small.scores[0].caution
    assert small.to_json()["faces"][0]["caution"] == small.scores[0].caution
    assert small.confidences["fake"] + small.confidences["real"] == pytest.approx(1.0)  # still reported
    # From the least judged width on, the model's own answer, without a caution.
    assert large.label == detector.config.calibration.label(large.confidences["fake"])
    assert large.scores[0].caution is None


def test_a_face_too_small_to_judge_never_decides_beside_a_judged_one() -> None:
    """Its score is not used: beside a judged face the judged one decides, however suspicious
    the small one's unused score (it made a clear photo "unsure"); when none is wide enough, the
    widest stands for them, not the one its unused score picks."""
    from deforgify.explain.words import explain
    from deforgify.model.calibration import Calibration
    from deforgify.prediction import Prediction, deciding

    def score(box, fake):
        label, caution = face_label(Calibration().label(fake), box, 40)
        return FaceScore(box, box, {"real": 1 - fake, "fake": fake}, label, caution=caution)

    def verdict(*scores):
        decisive = deciding(scores, lambda s: s.face[2])
        return Prediction(decisive.label, decisive.confidences, decisive.face, decisive.region, list(scores))

    large, small, smaller = score((0, 0, 120, 120), 0.1), score((200, 0, 30, 30), 0.98), score((300, 0, 20, 20), 0.99)
    both = verdict(large, small)
    assert both.face == large.face and both.label == "real"
    assert "2 faces found (numbered from the largest), 1 judged (face 2 too small to judge); the one judged, face 1 (thick box" in explain(both)
    three = verdict(large, score((400, 0, 100, 100), 0.2), small)
    assert three.face == (400, 0, 100, 100) and "the most suspicious judged, face 2" in explain(three)
    none = verdict(small, smaller)
    assert none.face == small.face and none.label == "unsure"  # the widest, not the most suspicious
    assert explain(none).startswith("Unsure: 2 faces found (numbered from the largest), none judged (too small to "
                                    "judge): "
                                    "the widest, face 1, is 30 px wide; at least 40 px needed, so they get no real "
                                    "or fake answer.")
    alone = verdict(small)
    assert explain(alone) == ("Unsure: the one face found is 30 px wide; at least 40 px needed, so it gets no real or "
                              "fake answer. Try a photo taken closer or at a higher resolution (an enlarged copy adds "
                              "no detail to judge).")
    from dataclasses import replace as replaced  # a photo reduced to be judged: a higher resolution is reduced alike

    assert explain(replaced(alone, scale=0.5)).endswith(
        "Try a photo cropped around the face (photos larger than 2048 px are reduced to that to be judged, as this "
        "one was).")


@pytest.mark.parametrize("kind", ["no colour", "see-through"])
def test_a_face_without_colour_or_seen_through_withholds_real_beside_faces_judged_real(kind: str) -> None:
    """A visitor's find: a greyscale fake beside a real face in colour made the photo "real" on
    the other face alone (so did the two-faces example). Such a face is there at full size and
    could be any fake: beside faces that look real it decides, "unsure", and the words say the
    photo is not cleared; beside a fake, the fake decides; a face too small still never does."""
    from deforgify.explain.words import explain
    from deforgify.model.calibration import Calibration
    from deforgify.prediction import Prediction, deciding

    def score(box, fake, unjudged=False):
        label, caution = face_label(Calibration().label(fake), box, 40, no_colour=unjudged and kind == "no colour",
                                    transparent=0.5 if unjudged and kind == "see-through" else 0.0)
        return FaceScore(box, box, {"real": 1 - fake, "fake": fake}, label, caution=caution)

    def verdict(*scores):
        decisive = deciding(scores, lambda s: s.face[2])
        return Prediction(decisive.label, decisive.confidences, decisive.face, decisive.region, list(scores))

    real, withheld = score((0, 0, 120, 120), 0.05), score((200, 0, 100, 100), 0.02, unjudged=True)
    small = score((400, 0, 30, 30), 0.5)
    photo = verdict(real, withheld, small)
    assert photo.label == "unsure" and photo.face == withheld.face and photo.caution == withheld.caution
    words = explain(photo)
    assert words.startswith("Unsure: 3 faces found (numbered from the largest), 1 judged and it looks real, but face 2 "
                            '(thick box, marked "decides") is '), words
    assert words.split(") is ", 1)[1].split(" (not judged either: face 3 too small to judge), so the photo is not "
                                            "cleared as real. Try ")[0] in (
        "greyscale, a single tint or faded (the model misses fakes without colour)",
        "50% see-through (shown over white, the model would judge a mix of face and white)"), words
    fake = score((500, 0, 90, 90), 0.99)
    assert verdict(real, withheld, fake).face == fake.face and verdict(real, withheld, fake).label == "fake"
    assert verdict(real, small).label == "real"  # a face too small withholds nothing


def test_a_fake_among_a_dozen_faces_is_judged(detector: Detector, astronaut) -> None:
    """A visitor's group photo: eleven copies of a real face and, smallest of twelve, a face swap
    (fake on its own): the eight largest were judged, the swap left out, and the photo "unsure"
    decided by a real face. A team photo's faces are all judged."""
    import cv2

    def sized(rgb: np.ndarray, width: int) -> np.ndarray:
        return cv2.resize(rgb, (width, round(width * rgb.shape[0] / rgb.shape[1])), interpolation=cv2.INTER_AREA)

    swap = np.asarray(Image.open(ROOT / "examples" / "face-swap.jpg").convert("RGB"))
    assert detector.predict(swap).label == "fake"
    tiles = [sized(astronaut[20:280, 100:350], 210)] * 11 + [sized(swap, 70)]
    photo = np.full((3 * 260, 4 * 230, 3), 230, np.uint8)
    for i, tile in enumerate(tiles):
        row, column = divmod(i, 4)
        photo[row * 260 : row * 260 + tile.shape[0], column * 230 : column * 230 + tile.shape[1]] = tile
    prediction = detector.predict(photo)
    assert (len(prediction.scores), prediction.left_out) == (12, 0)
    assert prediction.label == "fake" and prediction.face == min((s.face for s in prediction.scores),
                                                                 key=lambda box: box[2])  # the smallest decides


def test_faces_left_out_beyond_the_largest_keep_a_photo_from_real(detector: Detector) -> None:
    """A crowd of more faces than are judged, those judged all real: a fake among the faces left
    out would never have been looked at, so the photo is "unsure", and every place says why."""
    from dataclasses import replace as replaced

    from deforgify.app.verdict_box import banner
    from deforgify.cli.plain_line import plain_line
    from deforgify.explain.words import explain
    from deforgify.faces.crops import MAX_FACES, face_crops
    from deforgify.provenance.contract import NO_PROVENANCE

    rgb = np.asarray(Image.open(ROOT / "examples" / "two-faces.jpg").convert("RGB"))
    crops = face_crops(rgb, detector.config.preprocessing)
    real = next(crop for crop, score in zip(crops, detector.judge([crops])[0].scores) if score.label == "real")
    boxes = [real.face] + [(600 + 10 * i, 10, real.face[2], real.face[3]) for i in range(MAX_FACES)]
    all_judged, = detector.judge([[replaced(real, faces=boxes[:MAX_FACES])] * MAX_FACES])
    assert (all_judged.label, all_judged.beyond_largest) == ("real", 0)
    crowd, = detector.judge([[replaced(real, faces=boxes)] * MAX_FACES])
    assert (crowd.label, crowd.beyond_largest, crowd.left_out, crowd.withheld_by_crowd) == ("unsure", 1, 1, True)
    assert (crowd.to_json()["beyond_largest"], all_judged.to_json()["beyond_largest"]) == (1, 0)  # for programs
    assert crowd.deciding_score is not None and crowd.deciding_score.label == "real"
    said = "faces beyond the 32 largest were not judged"
    assert f"Those judged all look real, but {said}, so the photo is not cleared as real" in explain(crowd)
    assert f"Unsure: {said}" in banner(crowd, NO_PROVENANCE, detector.config.calibration)
    row = {"file": "crowd.jpg", "decided_by": "pixels", **crowd.to_json()}
    assert plain_line(row, NO_PROVENANCE).startswith(f"crowd.jpg: unsure (those judged all look real, but {said}")


def test_faces_found_but_not_judged_are_counted_and_said(detector: Detector, astronaut) -> None:
    """A face under a third of the largest one's width, or beyond the 32 largest, is not judged:
    the answer says how many (a visitor's walk: a second person was left out silently)."""
    from dataclasses import replace as replaced

    from deforgify.explain.words import explain
    from deforgify.faces.crops import MAX_FACES

    large = small_face_crop(detector, astronaut, 120)
    found = [large.face, (300, 10, 30, 30), (400, 10, 25, 25)]  # two under a third of 120 px
    one, = detector.judge([[replaced(large, faces=found)]])
    assert one.left_out == 2 and len(one.scores) == 1
    text = explain(one, detector.config.calibration)
    assert "judged on the largest face found; 2 more faces were found and not judged (under 40 px and narrower " \
           "than a third of the largest: not boxed)" in text
    crowd = [large.face] + [(200 + 10 * i, 10, 110, 110) for i in range(MAX_FACES)]  # one beyond the largest
    crowded, = detector.judge([[replaced(large, faces=crowd)] * MAX_FACES])
    assert crowded.left_out == 1 and f"1 more face was found and not judged (beyond the {MAX_FACES} largest: " \
           "not boxed)" in explain(crowded)  # not both reasons, of faces all alike (a visitor's find)
    both, = detector.judge([[replaced(large, faces=crowd + [(300, 10, 30, 30)])] * MAX_FACES])
    assert "2 more faces were found and not judged (1 under 40 px and narrower than a third of the largest, " \
           f"1 beyond the {MAX_FACES} largest: not boxed)" in explain(both)
    alone, = detector.judge([[large]])
    assert alone.left_out == 0 and "judged on the one face found." in explain(alone).lower()
    assert "not judged" not in explain(alone)
    assert (one.to_json()["left_out"], alone.to_json()["left_out"]) == (2, 0)  # for programs too (a visitor's find)


def test_a_face_40_px_wide_or_more_is_judged_beside_a_much_larger_one(detector: Detector, astronaut) -> None:
    """A visitor's find: a StyleGAN2 face 56 px wide beside 200 px real faces was left out (under
    a third of the largest) and the photo called "real"; that face alone is fake 97.5%. From
    ALWAYS_JUDGED_FROM on, a face is judged and boxed whatever the largest's width."""
    import cv2

    face = astronaut[20:280, 100:350]
    big, small = (cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for scale in (2.2, 0.6))
    photo = np.full((big.shape[0], big.shape[1] + 300, 3), 200, np.uint8)
    photo[:, : big.shape[1]] = big
    photo[100 : 100 + small.shape[0], big.shape[1] + 50 : big.shape[1] + 50 + small.shape[1]] = small
    prediction = detector.predict_rgb([photo])[0]
    widths = [score.face[2] for score in prediction.scores if score.face]
    assert len(widths) == 2 and widths[1] >= 40 and widths[1] < widths[0] / 3, widths
    assert prediction.left_out == 0 and prediction.scores[1].caution is None  # judged, not "too small"


def test_a_photos_faces_are_judged_by_that_rule(detector: Detector, astronaut) -> None:
    large, small = small_face_crop(detector, astronaut, 120), small_face_crop(detector, astronaut, 30)
    both, = detector.judge([[large, small]])
    assert both.face == large.face and both.scores[1].caution and not both.scores[0].caution
    assert both.label == detector.config.calibration.label(both.confidences["fake"])


def test_the_least_judged_face_width_travels_with_the_model(tmp_path: Path, detector: Detector, astronaut) -> None:
    from PIL import Image

    Image.fromarray(astronaut).save(tmp_path / "face.jpg")
    folder = bundled_model_with(tmp_path / "strict", min_face_width=100)
    strict = Detector.load(str(folder))
    assert strict.config.min_face_width == 100
    face, = strict.judge([[small_face_crop(strict, astronaut, 80)]])
    assert detector.judge([[small_face_crop(detector, astronaut, 80)]])[0].scores[0].caution is None  # bundled: judged
    assert face.label == "unsure" and "80 px wide; at least 100 px needed" in face.scores[0].caution
    config = json.loads((folder / "config.json").read_text())
    del config["min_face_width"]  # a folder from before the rule travelled: the 64 px it was served with
    (folder / "config.json").write_text(json.dumps(config))
    old = Detector.load(str(folder))
    assert old.config.min_face_width == 64 and detector.warnings == [] and strict.warnings == []
    assert old.warnings == ["the model's config.json does not say the least face width it judges (min_face_width): "
                            "faces under 64 px are answered unsure (measure it with benchmarks/face_size.py)"]
    line = run_module("deforgify", "predict", "--model", str(folder), str(tmp_path / "face.jpg"))
    assert f"warning: {old.warnings[0]}" in line.stderr  # said, not silent


def test_a_model_named_by_a_file_or_a_number_is_refused_in_words(tmp_path: Path) -> None:
    """A developer's walk: a file that is there was "no such model folder", and a number raised
    os.fspath's TypeError."""
    from deforgify.model.folder import ModelLoadError

    notes = tmp_path / "notes.txt"
    notes.write_text("a model?")
    with pytest.raises(ModelLoadError, match=re.escape(f"{notes} is a file: give the model's folder (the one "
                                                       "holding config.json)")):
        Detector.load(str(notes))
    with pytest.raises(ModelLoadError, match=r"named by a folder's path or a Hub repo id .*, not int 5$"):
        Detector.load(5)


@pytest.mark.parametrize("width", [0, -5, "40", 40.5, True])
def test_a_config_with_a_meaningless_face_width_is_refused(tmp_path: Path, width) -> None:
    from deforgify.model.folder import ModelLoadError, read_config

    folder = bundled_model_with(tmp_path / "m", weights=False, min_face_width=width)
    with pytest.raises(ModelLoadError, match=r"config.json is invalid: min_face_width must be a whole number"):
        read_config(folder)


@pytest.mark.parametrize("config, said", [
    ([], "it must hold a JSON object, not list"),
    ({"calibration": [0.5]}, "calibration must be an object of numbers"),
    ({"calibration": {"temperature": "1.2", "threshold": 0.5, "unsure_low": 0.2, "unsure_high": 0.9}},
     "calibration temperature must be a finite number, got '1.2'"),
    # a partial block was filled in with defaults without a word
    ({"calibration": {"temperature": 1.2}},
     "calibration must give temperature, threshold, unsure_low, unsure_high: missing threshold, unsure_low, unsure_high"),
    ({"calibration": {"temperature": 1.2, "threshold": 0.5, "unsure_low": 0.2, "unsure_high": 0.9, "band": 1}},
     "calibration must give temperature, threshold, unsure_low, unsure_high: unknown band"),
    ({"preprocessing": "128 px"}, "preprocessing must be an object of settings"),
    ({"preprocessing": {"input_size": 128.5, "crop_scale": 1.4}}, "out of range or of the wrong kind"),
    ({"preprocessing": {"input_size": 128, "crop_scale": "wide"}}, "out of range or of the wrong kind"),
])
def test_a_config_of_the_wrong_shape_is_refused_in_words(tmp_path: Path, config, said: str) -> None:
    """Each was an AttributeError's traceback, or a float input size taken."""
    import json

    from deforgify.model.folder import ModelLoadError, read_config

    folder = bundled_model_with(tmp_path / "m", weights=False)
    whole = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(config if isinstance(config, list) else whole | config))
    with pytest.raises(ModelLoadError, match=r"config.json is invalid: (.* )?" + re.escape(said)):
        read_config(folder)


@pytest.mark.parametrize("left_out, said", [
    (["preprocessing"], "it does not name the model's preprocessing"),  # it was said as 'preprocessing' alone
    (["architecture", "preprocessing"], "it does not name the model's architecture nor its preprocessing"),
])
def test_a_config_without_a_needed_setting_names_it(tmp_path: Path, left_out, said) -> None:
    import json

    from deforgify.model.folder import ModelLoadError, read_config

    folder = bundled_model_with(tmp_path / "m", weights=False)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({k: v for k, v in config.items() if k not in left_out}))
    with pytest.raises(ModelLoadError, match=re.escape(f"config.json is invalid: {said}")):
        read_config(folder)


def test_a_config_without_calibration_is_served_uncalibrated_and_says_so(tmp_path: Path) -> None:
    """It loaded without a word: no unsure band, threshold 0.5, verdicts changed from "unsure" to "fake"."""
    import json

    from deforgify.model.folder import read_config

    folder = bundled_model_with(tmp_path / "m", weights=False)
    config = json.loads((folder / "config.json").read_text())
    del config["calibration"], config["min_face_width"]
    (folder / "config.json").write_text(json.dumps(config))
    loaded = read_config(folder)
    assert loaded.calibration.threshold == 0.5 and loaded.calibration.unsure_low == loaded.calibration.unsure_high
    assert loaded.warning == ("the model's config.json has no calibration: its raw probabilities are answered at a "
                              "threshold of 0.5, with no unsure band (fit one with python -m training.recalibrate); "
                              "the model's config.json does not say the least face width it judges "
                              "(min_face_width): faces under 64 px are answered unsure (measure it with "
                              "benchmarks/face_size.py)")
    assert read_config(bundled_model_with(tmp_path / "whole", weights=False)).warning is None


def test_a_keras_file_that_is_no_keras_file_is_named_so(tmp_path: Path) -> None:
    """Keras said "File not found" of a file that was there."""
    from deforgify.model.folder import ModelLoadError, load_keras_model

    folder = bundled_model_with(tmp_path / "m", weights=False)
    (folder / "model.keras").write_bytes(b"not a zip archive")
    with pytest.raises(ModelLoadError, match=re.escape(f"cannot load {folder / 'model.keras'}: not a Keras model "
                                                       "file (a .keras file is a zip archive)")):
        load_keras_model(folder)


def test_a_config_that_is_not_its_networks_is_refused(tmp_path: Path) -> None:
    """A config saying 224 px beside the 128 px graph loaded, and LiteRT quietly ran the graph on
    224 px crops: other answers, no error. A folder without weights failed after seconds of
    TensorFlow's import, naming model.keras alone (now refused before it)."""
    from deforgify.model.folder import ModelLoadError

    resized = bundled_model_with(tmp_path / "resized", preprocessing={"input_size": 224, "crop_scale": 1.4})
    with pytest.raises(ModelLoadError, match=re.escape("config.json says the network takes 224 px crops, and its "
                                                       "network takes 128 px: the config is not the network's (its "
                                                       "preprocessing.input_size would be 128)")):
        Detector.load(str(resized))
    with pytest.raises(ModelLoadError, match="has neither model.tflite nor model.keras: it holds no network"):
        Detector.load(str(bundled_model_with(tmp_path / "empty", weights=False)))
    for threads in (0, -1, "2", True, 1.5):  # LiteRT's own "num_threads should >= 1" read as a model's fault
        with pytest.raises(ValueError, match=re.escape(f"threads must be a whole number of 1 or more, not "
                                                       f"{threads!r}")):
            Detector.load("no-such-owner/refused-before-the-hub-is-asked", threads=threads)
    assert Detector.load(threads=np.int64(1)).runtime.threads == 1


def test_without_a_face_there_is_no_verdict(detector: Detector) -> None:
    from skimage import data

    prediction = detector.predict(data.coffee())
    assert prediction.label == "no_face" and not prediction.face_found
    assert prediction.confidences is None and prediction.scores == []
    assert prediction.to_json() == {"kind": "photo", "label": "no_face", "confidences": None, "face_found": False,
                                    "face": None, "deciding_face": None, "faces": [], "left_out": 0,
                                    "beyond_largest": 0, "width": 600, "height": 400}
    # Metrics need a score for every image: there, the centre is judged.
    assert 0.0 <= detector.fake_scores([data.coffee()])[0] <= 1.0


def test_no_images_no_predictions(detector: Detector) -> None:
    assert detector.predict_rgb([]) == []


def test_serving_needs_no_tensorflow(astronaut_jpeg) -> None:
    """The bundled model answers through LiteRT: TensorFlow is never imported to serve."""
    import subprocess
    import sys

    from helpers import ROOT

    code = ("import sys; from deforgify import Detector, load_rgb; d = Detector.load(); "
            f"p = d.predict({str(astronaut_jpeg)!r}); d.heatmap(load_rgb({str(astronaut_jpeg)!r}), p); "
            "print(p.label, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    label, tensorflow, keras = result.stdout.split()
    assert label in ("real", "fake", "unsure") and (tensorflow, keras) == ("False", "False")
    assert result.stderr == ""


def test_a_reduced_photos_boxes_are_given_in_its_own_pixels(detector: Detector, astronaut: np.ndarray,
                                                             tmp_path: Path) -> None:
    """A photo over 2048 px is judged on a reduced copy; its answer's boxes are the photo's (the
    library's, the batch's and so the CLI's and the app's)."""
    import cv2
    from PIL import Image

    from deforgify.batch.scoring import score_files

    large = cv2.resize(astronaut, (4096, 4096), interpolation=cv2.INTER_CUBIC)
    small = cv2.resize(astronaut, (2048, 2048), interpolation=cv2.INTER_AREA)
    reduced, as_is = detector.predict(large), detector.predict(small)
    assert (reduced.scale, as_is.scale) == (0.5, 1.0)
    assert reduced.to_json()["face"] == pytest.approx([2 * v for v in as_is.to_json()["face"]], abs=6)
    assert reduced.to_json()["faces"][0]["box"] == reduced.to_json()["face"]
    Image.fromarray(large).save(tmp_path / "large.png")
    from_file = next(score_files(detector, [tmp_path / "large.png"])).to_json()["face"]
    assert from_file == pytest.approx(reduced.to_json()["face"], abs=6)  # reduced by Pillow as it decodes
    photo, expected = small_face_in_a_large_photo(astronaut, 76, size=(4096, 3072), at=(2600, 1800))
    row = detector.predict(photo).to_json()
    assert row["face"] == pytest.approx(expected, abs=8)  # where it is in the photo, not in the copy
    assert row["label"] == "unsure" and ("px wide in the copy judged, the photo reduced to 50%; at least 40 px"
                                         in row["faces"][0]["caution"])
    # the heatmap of the photo itself, not of the copy judged, mapped a patch of background
    with pytest.raises(ValueError, match="reduced to 2048 px, and these pixels are 4096x4096: pass the pixels it "
                                         r"was made in \(answer_and_pixels\(\) gives both"):
        detector.heatmap(large, reduced)
    wide, pixels = detector.answer_and_pixels(np.ascontiguousarray(large[:3072]))  # judged as 2048x1536
    with pytest.raises(ValueError, match="reduced to 2048 px, and these pixels are 1536x2048"):  # a reviewer's find
        detector.heatmap(np.ascontiguousarray(np.rot90(pixels)), wide.prediction)  # its long side alone was checked
    answer, copy = detector.answer_and_pixels(large)
    mapped, expected = detector.heatmap(copy, answer.prediction), detector.heatmap(small, as_is)
    assert mapped.shape == expected.shape and np.abs(mapped.astype(int) - expected).mean() < 8


@pytest.mark.parametrize("image, kind", [
    (np.zeros((64, 64, 3), np.float32), "a float32 array of shape (64, 64, 3)"),
    (np.zeros((64, 64, 4), np.uint8), "a uint8 array of shape (64, 64, 4)"),
    (np.zeros((64, 64), np.uint8), "a uint8 array of shape (64, 64)"),
    ("photo.jpg", "str"),
    (np.zeros((0, 0, 3), np.uint8), "an empty image (0x0 pixels)"),  # ZeroDivisionError before
    (np.zeros((10, 10, 3), np.uint8), "image too small: 10x10 pixels"),  # "no face", where predict() refuses
    (np.zeros((40, 2000, 3), np.uint8), "wrong aspect ratio: 2000x40 pixels is a strip"),
])
def test_predict_rgb_refuses_anything_but_decoded_rgb_by_name(detector: Detector, image, kind) -> None:
    """A float or 16-bit array judged as it is would look black ("no_face", a silent wrong answer)."""
    from deforgify.decode.images import InvalidImageError

    said = kind if "empty" in kind or "pixels" in kind else f"not {kind}: predict() takes it"
    with pytest.raises(InvalidImageError, match=re.escape(said)):
        detector.predict_rgb([np.zeros((64, 64, 3), np.uint8), image])


def test_metrics_score_an_image_too_small_for_a_photo(detector: Detector) -> None:
    """The refusal of a 10x10 photo is predict_rgb's: metrics (fake_scores, the format-parity
    variants at half size) score every image, or one small image ended a whole evaluation."""
    scores = detector.fake_scores([np.full((20, 20, 3), 120, np.uint8), np.full((64, 64, 3), 120, np.uint8)])
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_predict_rgb_given_one_array_for_the_list_says_so(detector: Detector, astronaut) -> None:
    """Its rows were taken for images: "not a uint8 array of shape (512, 3)" named no mistake. A
    stack of images (N, H, W, 3) is a sequence of them, as before."""
    with pytest.raises(TypeError, match=re.escape("not one array of shape (512, 512, 3): predict_rgb([rgb])")):
        detector.predict_rgb(astronaut)
    assert detector.predict_rgb(np.stack([astronaut, astronaut])) == detector.predict_rgb([astronaut, astronaut])


def test_a_model_folder_can_be_given_as_a_path(tmp_path: Path) -> None:
    """Typed as a str only; a Path to a folder that does not exist failed with AttributeError."""
    from deforgify.model.folder import ModelLoadError

    assert Detector.load(BUNDLED_MODEL).config == Detector.load().config
    with pytest.raises(ModelLoadError, match="no such model folder"):
        Detector.load(tmp_path / "no" / "such" / "model")


def test_the_whole_answer_adds_what_the_file_declares_and_the_model(detector: Detector, astronaut) -> None:
    """`answer` is what the app and the command line answer: a PNG carrying a generator's settings
    is "fake" by its metadata, whatever the pixels say, and the model is named by its revision."""
    import provenance_files as pf

    declared = pf.png(astronaut, {"parameters": pf.A1111_PARAMETERS})
    answer = detector.answer(declared)
    assert (answer.label, answer.decided_by) == ("fake", "provenance")
    assert answer.prediction == detector.predict(declared) and answer.confidences == answer.prediction.confidences
    row = answer.to_json()
    assert row["pixels"] == {"label": answer.prediction.label, "confidences": answer.prediction.confidences}
    assert row["model"]["revision"] == detector.source.fingerprint() and row["model"]["reference"] == "bundled"
    plain = detector.answer(astronaut)  # a decoded image has no metadata: the pixels decide
    assert (plain.label, plain.decided_by) == (plain.prediction.label, "pixels")
    assert plain.to_json()["provenance"]["claim"] == "none"


def test_a_pil_image_opened_from_a_file_keeps_what_the_file_declares(detector: Detector, astronaut,
                                                                     tmp_path: Path) -> None:
    """A Stable Diffusion PNG handed over as ``Image.open(path)`` was answered by its pixels
    alone; the file it came from declares its origin as long as it still holds that picture."""
    import provenance_files as pf

    path = tmp_path / "generated.png"
    path.write_bytes(pf.png(astronaut, {"parameters": pf.A1111_PARAMETERS}))
    opened = Image.open(path)
    assert (detector.answer(opened).label, detector.answer(opened).decided_by) == ("fake", "provenance")
    assert detector.answer(opened.convert("RGB")).decided_by == "pixels"  # made in memory: nothing declared
    with open(path, "rb") as file:  # a file object leaves no name to read again
        assert detector.answer(Image.open(file)).decided_by == "pixels"
    Image.fromarray(astronaut[:256]).save(path)  # the file now holds another picture
    assert detector.answer(opened).to_json()["provenance"]["claim"] == "none"
    plain = tmp_path / "plain.png"  # opened plain, then overwritten by a generator's file of the same size
    Image.fromarray(astronaut).save(plain)
    stale = Image.open(plain)
    stale.load()  # its pixels read before the file was replaced
    plain.write_bytes(pf.png(astronaut[::-1], {"parameters": pf.A1111_PARAMETERS}))
    assert detector.answer(stale).decided_by == "pixels"  # that file's claim is not this picture's
    plain.write_bytes(pf.png(astronaut, {"parameters": pf.A1111_PARAMETERS})[:5000])  # now a torn file
    assert detector.answer(stale).decided_by == "pixels"  # answered all the same (it raised before)


def test_a_large_jpeg_opened_as_a_pil_image_keeps_what_its_file_declares(detector: Detector, astronaut,
                                                                         tmp_path: Path) -> None:
    """Decoding a JPEG of 4096 px or more shrinks its PIL image in place (draft): read after,
    the file no longer matched the image, and its claim was lost."""
    import provenance_files as pf

    path = tmp_path / "large.jpg"
    large = np.asarray(Image.fromarray(astronaut).resize((4200, 4200)))
    path.write_bytes(pf.jpeg(large, xmp=pf.xmp_packet("trainedAlgorithmicMedia", "Test Imagine Bot")))
    assert detector.answer(path).decided_by == "provenance"
    assert detector.answer(Image.open(path)).decided_by == "provenance"


def test_the_revision_changes_with_the_band_as_with_the_weights(tmp_path: Path, detector: Detector) -> None:
    refitted = Detector.load(str(bundled_model_with(tmp_path / "refitted", calibration={
        **json.loads((BUNDLED_MODEL / "config.json").read_text())["calibration"], "unsure_low": 0.3})))
    assert refitted.source.fingerprint() != detector.source.fingerprint()
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", refitted.source.fingerprint())


def test_threads_answering_at_once_leave_the_process_stderr_alone(tmp_path: Path, astronaut: np.ndarray) -> None:
    """Each thread loads its face detectors on its first photo, with descriptor 2 captured to keep
    LiteRT's start-up line out: two at once put back each other's capture, and the process's stderr
    went to a deleted file for good (every later traceback and log line lost)."""
    photo = tmp_path / "face.jpg"
    Image.fromarray(astronaut).save(photo, quality=92)
    code = ("import os, sys\nfrom concurrent.futures import ThreadPoolExecutor\nfrom deforgify import Detector\n"
            "detector, before = Detector.load(), os.readlink('/proc/self/fd/2')\n"
            "for _ in range(5):  # new threads each round: each loads its face detectors anew\n"
            "    with ThreadPoolExecutor(8) as pool:\n"
            f"        labels = set(pool.map(lambda _: detector.answer({str(photo)!r}).label, range(16)))\n"
            "print(len(labels), os.readlink('/proc/self/fd/2') == before)\n"
            "print('still here', file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            cwd=ROOT, stdin=subprocess.DEVNULL)
    assert result.stdout.split() == ["1", "True"], result.stderr[-2000:]
    assert "still here" in result.stderr


def test_threads_answering_at_once_leave_the_programs_warnings_alone(detector: Detector) -> None:
    """Decoding ignored Pillow's warnings inside ``warnings.catch_warnings``, which saves and puts
    back the process's one filter list: threads sharing a Detector left "ignore" in place for
    good (in 3 runs of 3 on 180 photos), and the program never saw a warning again."""
    import io
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(0)
    photos = []
    for _ in range(60):
        data = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)).save(data, "JPEG")
        photos.append(data.getvalue())
    before = list(warnings.filters)
    with ThreadPoolExecutor(4) as pool:
        assert {answer.label for answer in pool.map(detector.answer, photos * 3)} == {"no_face"}
    assert warnings.filters == before


def test_an_answers_model_is_its_own(astronaut: np.ndarray) -> None:
    """Every answer was given the detector's own dict: changing one answer's changed every later one's."""
    detector = Detector.load()
    first = detector.answer(astronaut)
    first.model["revision"] = "changed"
    assert detector.answer(astronaut).model["revision"] == detector.facts["revision"] != "changed"
    facts = detector.facts  # nor the detector's facts, changed by a caller (a developer's find)
    facts["unsure_band"][0], facts["revision"] = 0.9, "changed too"
    assert detector.answer(astronaut).model == detector.facts != facts


def test_a_row_is_the_callers_to_change(detector: Detector, astronaut: np.ndarray, tmp_path) -> None:
    """A developer rounded a row's confidences and named another revision in it: the answer's own
    confidences, its deciding face's and the model it cites changed with them (``to_json`` gave
    the answer's own dicts), as did the row's other parts that shared them (``pixels``)."""
    from deforgify.video.judge import score_video

    answer = detector.answer(astronaut)
    before = answer.to_json()
    row = answer.to_json()
    row["confidences"]["fake"], row["model"]["revision"], row["model"]["unsure_band"][0] = 1.0, "X", 0.9
    row["faces"][0]["box"][0] = -1
    assert answer.to_json() == before and answer.model["revision"] != "X"
    assert row["pixels"]["confidences"] == before["confidences"]  # the row's own parts are apart too
    from deforgify.batch.scoring import Result

    scored = Result("photo", answer.prediction).to_json()  # as predict --json and the scan write it
    scored["confidences"]["fake"] = 1.0
    assert scored["pixels"]["confidences"] == before["confidences"]
    photo = answer.prediction.to_json()
    photo["faces"][0]["confidences"]["fake"] = 1.0
    assert answer.prediction.scores[0].confidences == before["faces"][0]["confidences"]
    clip = tmp_path / "clip.gif"
    Image.fromarray(astronaut).save(clip, save_all=True, append_images=[Image.fromarray(astronaut[:, ::-1])])
    result = score_video(detector, clip)
    first = result.to_json()
    changed = result.to_json()
    changed["model"]["revision"], changed["faces"][0]["confidences"]["fake"] = "X", 1.0
    changed["frames"][0]["confidences"]["fake"] = 1.0
    assert result.to_json() == first and result.model is not None and result.model["revision"] != "X"


@pytest.mark.parametrize("picture", ["heatmap", "close_up"])
def test_a_heatmap_or_close_up_of_a_prediction_without_a_face_is_refused_in_words(picture: str) -> None:
    """It raised TypeError ('NoneType' object is not subscriptable)."""
    from skimage import data

    detector = Detector.load()
    coffee = data.coffee()
    with pytest.raises(ValueError, match="a no_face prediction has no face to map"):
        getattr(detector, picture)(coffee, detector.predict(coffee))
    with pytest.raises(TypeError, match=f"{picture} takes a Prediction, not Answer: pass answer.prediction"):
        getattr(detector, picture)(coffee, detector.answer(coffee))


def test_a_heatmap_of_anything_but_the_pixels_and_the_prediction_is_refused_by_name(astronaut) -> None:
    """A float copy gave a map over a black face; an Answer or a path raised AttributeError."""
    from deforgify.decode.images import InvalidImageError

    detector = Detector.load()
    answer, rgb = detector.answer_and_pixels(astronaut)
    with pytest.raises(InvalidImageError, match=r"heatmap takes decoded RGB images .*, not a float64 array"):
        detector.heatmap(rgb / 255.0, answer.prediction)
    with pytest.raises(TypeError, match="heatmap takes a Prediction, not Answer: pass answer.prediction"):
        detector.heatmap(rgb, answer)  # type: ignore[arg-type]
    with pytest.raises(InvalidImageError, match=r"heatmap takes decoded RGB images .*, not str: pass the pixels the "
                                                 r"prediction was made in \(answer_and_pixels\(\) gives both\)"):
        detector.heatmap("photo.jpg", answer.prediction)  # type: ignore[arg-type]
    assert detector.heatmap(rgb, answer.prediction).ndim == 3  # as given, a map
    # A developer's find: another photo's pixels, or the photo not turned by its EXIF orientation,
    # got a map of whatever lay where the face had been (a glow on a cup of coffee).
    with pytest.raises(ValueError, match=r"this prediction was made in a 512x512 photo, and these pixels are "
                                         r"512x300: pass the pixels it was made in"):
        detector.heatmap(np.ascontiguousarray(rgb[:300]), answer.prediction)
    # Nor another photo of the same size (a developer's walk: drawn on it, no error).
    other = np.ascontiguousarray(rgb[:, ::-1])
    with pytest.raises(ValueError, match=r"these pixels are not those this prediction was made in: its face looks "
                                         r"otherwise there \(another photo of the same size\?\)"):
        detector.heatmap(other, answer.prediction)


def test_a_file_object_is_read_as_its_bytes(tmp_path: Path, astronaut: np.ndarray) -> None:
    """What a web framework hands over (an upload's file object), io.BytesIO, an open file: they were
    refused ("cannot read an image from a BytesIO")."""
    import io

    from deforgify.decode.images import InvalidImageError

    photo = tmp_path / "face.jpg"
    Image.fromarray(astronaut).save(photo, quality=92)
    detector = Detector.load()
    expected = detector.answer(photo).to_json()
    assert detector.answer(io.BytesIO(photo.read_bytes())).to_json() == expected
    with open(photo, "rb") as file:
        assert detector.predict(file).to_json() == detector.predict(photo).to_json()
        with pytest.raises(InvalidImageError, match=r"the file object is at its end \(read before\?\): seek\(0\)"):
            detector.predict(file)  # "the file is empty", of a file that is not
    with pytest.raises(InvalidImageError, match="^the file is empty$"):
        detector.predict(io.BytesIO())
    with open(photo, encoding="latin-1") as text, pytest.raises(InvalidImageError, match="open the file in binary"):
        detector.answer(text)


def test_streams_are_read_to_their_end_and_odd_ones_refused_in_words(astronaut_jpeg: Path, detector) -> None:
    """An unbuffered pipe gave only its first read ("truncated or corrupt"); an async upload's
    read() was taken for text; a file object read past its start was "not an image file"."""
    import asyncio
    import subprocess

    from deforgify.decode.images import InvalidImageError

    expected = detector.predict(astronaut_jpeg).to_json()
    with subprocess.Popen(["cat", str(astronaut_jpeg)], stdout=subprocess.PIPE, bufsize=0) as cat:
        assert cat.stdout is not None
        assert detector.predict(cat.stdout).to_json() == expected

    class Upload:  # what Starlette's UploadFile offers: an async read
        async def read(self, size: int = -1) -> bytes:
            await asyncio.sleep(0)
            return astronaut_jpeg.read_bytes()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine was never awaited" would be an error
        with pytest.raises(InvalidImageError, match=r"reads asynchronously \(a Starlette or FastAPI UploadFile\?\): "
                                                    r"give its .file, or the bytes of await upload.read\(\)"):
            detector.predict(Upload())
    with open(astronaut_jpeg, "rb") as file:
        file.read(4)
        with pytest.raises(InvalidImageError, match="the file object was read from byte 4, not from its start"):
            detector.predict(file)
    for text in (open(astronaut_jpeg, encoding="utf-8"), io.StringIO("not a photo")):  # "'utf-8' codec can't decode"
        with text, pytest.raises(InvalidImageError, match=r"gives text: open the file in binary mode \('rb'\)"):
            detector.predict(text)


def test_a_pil_image_is_left_as_given_and_answered_alike_every_time(detector: Detector, astronaut,
                                                                    tmp_path: Path) -> None:
    """Decoding a caller's large PIL JPEG drafted it in place: it shrank to half, and the next
    answer's boxes were given in the shrunk image's pixels."""
    path = tmp_path / "large.jpg"
    Image.fromarray(astronaut).resize((4200, 4200)).save(path, quality=90)
    image = Image.open(path)
    first = detector.predict(image).to_json()
    assert image.size == (4200, 4200)
    assert detector.predict(image).to_json() == first
    assert first["face"] == pytest.approx(detector.predict(path).to_json()["face"], abs=25)


def test_threads_sharing_one_unread_pil_image_each_get_its_answer(detector: Detector, astronaut,
                                                                  tmp_path: Path) -> None:
    """Four threads decoding one lazily opened image read its one file at once: "truncated or
    corrupt", or a picture without a face."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "face.png"
    Image.fromarray(astronaut).resize((3000, 3000)).save(path)
    expected = detector.predict(path).to_json()
    for _ in range(3):
        image = Image.open(path)
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: detector.predict(image).to_json(), range(4)))
        assert answers == [expected] * 4


def test_a_float_pil_image_is_read_as_the_same_array_is_and_a_closed_one_refused(detector: Detector, astronaut,
                                                                                 astronaut_jpeg: Path) -> None:
    from deforgify.decode.images import InvalidImageError, load_rgb

    grey = np.asarray(Image.fromarray(astronaut).convert("L"), np.float32) / 255  # mode F, from 0 to 1
    assert np.array_equal(load_rgb(Image.fromarray(grey)), load_rgb(grey))  # it was black: "no face"
    assert detector.predict(Image.fromarray(grey)).label != "no_face"
    with Image.open(astronaut_jpeg) as closed_by_with:
        pass
    closed = Image.open(astronaut_jpeg)
    closed.close()
    with open(astronaut_jpeg, "rb") as file:
        file_closed = Image.open(file)
    for image in (closed_by_with, closed, file_closed):  # they were "truncated or corrupt", or a ValueError
        with pytest.raises(InvalidImageError, match=r"the PIL image's file was closed before its pixels were read: "
                                                    r"call image.load\(\) before closing it"):
            detector.predict(image)


def test_a_detector_goes_to_other_processes_and_answers_there_as_here(astronaut_jpeg: Path, tmp_path: Path) -> None:
    """A library user's process pool (multiprocessing, joblib, Dask) pickles the detector it is
    given: it was refused ("cannot pickle ... InterpreterWrapper"). It travels as where its model
    comes from, with its thread count, and is loaded again there."""
    import multiprocessing
    import pickle

    detector = Detector.load(str(bundled_model_with(tmp_path / "model", calibration={
        "temperature": 1.0, "threshold": 0.4, "unsure_low": 0.1, "unsure_high": 0.9})), threads=1)
    again = pickle.loads(pickle.dumps(detector))
    assert (again.source, again.config, again.runtime.threads) == (detector.source, detector.config, 1)
    assert pickle.loads(pickle.dumps(detector)).runtime is again.runtime  # loaded once in a process
    changed = Detector(detector.runtime, replace(detector.config, min_face_width=99), detector.source)
    assert pickle.loads(pickle.dumps(changed)).config.min_face_width == 99  # the config as it is, not as saved
    keras = Detector(object(), detector.config, detector.source)  # a training run's network (not LiteRT)
    with pytest.raises(TypeError, match="only a detector whose network runs in LiteRT"):
        pickle.dumps(keras)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        there = pool.apply(detector.predict, (str(astronaut_jpeg),))
    here = detector.predict(str(astronaut_jpeg))
    assert there.to_json() == here.to_json() and there.label == here.label


def test_the_readmes_library_example_runs_as_written(tmp_path: Path, astronaut: np.ndarray) -> None:
    """The Python block of "Predict from the command line or Python", with real photos for its
    names: it named arrays it never made."""
    section = (ROOT / "README.md").read_text().split("## Predict from the command line or Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    for name in ("photo.jpg", "a.jpg", "b.jpg"):
        Image.fromarray(astronaut).save(tmp_path / name)
    shown = code.rstrip().splitlines()[-1].split("#")[0].strip()
    ran = subprocess.run([sys.executable, "-c", f"{code}\nprint(repr({shown}.shape))"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip().startswith("(") and ran.stdout.strip().endswith(", 3)")  # the last line's picture, RGB


def by_the_cards_steps_4_to_6(pixels: np.ndarray) -> tuple[float, str]:
    """A crop's calibrated fake probability and verdict as the model card's steps 4 to 6 say,
    with NumPy and LiteRT alone, from config.json (a face wide enough)."""
    from ai_edge_litert.interpreter import Interpreter

    config = json.loads((BUNDLED_MODEL / "config.json").read_text())
    serve = Interpreter(model_path=str(BUNDLED_MODEL / "model.tflite")).get_signature_runner("serve")
    outputs = serve(pixels=np.stack([pixels, pixels[:, ::-1]]).astype(np.float32))
    p = float(np.clip(outputs["probabilities"][:, config["labels"].index("fake")].astype(np.float64).mean(),
                      1e-7, 1 - 1e-7))
    calibration = config["calibration"]
    fake = 1 / (1 + np.exp(-np.log(p / (1 - p)) / calibration["temperature"]))
    return fake, ("unsure" if calibration["unsure_low"] < fake < calibration["unsure_high"] or colourless(pixels)
                  else "fake" if fake >= calibration["threshold"] else "real")


def colourless(pixels: np.ndarray) -> bool:
    """The card's step 6 for a crop without colour, from its words."""
    import cv2

    small = cv2.resize(pixels, (32, 32), interpolation=cv2.INTER_AREA)
    r, g, b = (small[..., i].ravel().astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    for chroma in (b - y, r - y):
        slope, intercept = np.polyfit(y, chroma, 1) if np.ptp(y) > 0 else (0.0, chroma.mean())
        left = chroma - (slope * y + intercept)
        explained = 1 - left.var() / chroma.var() if chroma.var() > 0 else 0.0
        if not (left.std() < 1 / 255 or (left.std() < 5 / 255 and explained >= 0.85 and abs(intercept) < 3 / 255)):
            return False
    return True


@pytest.mark.parametrize("example", ["real-astronaut.jpg", "gan-stylegan2.jpg", "face-swap.jpg",
                                     "real-photographer.jpg"])
def test_the_cards_steps_followed_by_hand_give_the_librarys_answer(example: str) -> None:
    """The model card's "Using the network without Deforgify", done with OpenCV, NumPy and LiteRT
    alone from its words and config.json: the library's fake probability and verdict."""
    card = (BUNDLED_MODEL / "README.md").read_text()
    for words in ("`max(w, h) * crop_scale`", "moved, never padded", "`INTER_AREA` when shrinking",
                  "on its mirror image", "`sigmoid(log(p / (1 - p)) / temperature)`", "signature `serve`",
                  "`Y = 0.299 R + 0.587 G + 0.114 B`"):
        assert words in card, words
    rgb = np.asarray(Image.open(ROOT / "examples" / example).convert("RGB"))
    pixels, _ = by_the_cards_steps_1_to_3(rgb)
    fake, label = by_the_cards_steps_4_to_6(pixels)
    answer = Detector.load().answer(ROOT / "examples" / example)
    assert answer.prediction.confidences["fake"] == pytest.approx(fake, abs=1e-5)
    assert answer.prediction.label == label


def by_the_cards_steps_1_to_3(rgb: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The model input of a photo's one upright face as the card's steps 1 to 3 say, with OpenCV
    and NumPy, and the face's box (x, y, w, h)."""
    import cv2

    from deforgify.faces.finding import detect_faces

    config = json.loads((BUNDLED_MODEL / "config.json").read_text())
    size, scale = config["preprocessing"]["input_size"], config["preprocessing"]["crop_scale"]
    height, width = rgb.shape[:2]
    x, y, w, h = detect_faces(rgb)[0]  # step 1 (an upright face)
    side = round(min(max(w, h) * scale, height, width))  # step 2

    def start(centre: float, length: int) -> int:
        inside = min(max(centre - side / 2, 0), length - side)
        if inside % 1 != 0.5:
            return round(inside)
        return int(inside + 0.5) if inside + side / 2 < length / 2 else int(inside - 0.5)  # towards the centre line

    left, top = start(x + w / 2, width), start(y + h / 2, height)
    crop = rgb[top : top + side, left : left + side]
    pixels = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if side > size else cv2.INTER_CUBIC)
    return pixels.astype(np.float32) / 255, (x, y, w, h)  # step 3


def test_the_cards_step_for_a_see_through_face_gives_the_librarys_answer(astronaut_jpeg, tmp_path) -> None:
    """Step 6 for a PNG with an alpha channel, from the card's words: shown over white, a face
    whose box is on average 2 % see-through or more is "unsure"; below, judged as shown."""
    card = " ".join((BUNDLED_MODEL / "README.md").read_text().split())  # as read, not as wrapped
    for words in ("shown over white", "a face whose box's middle (step 1's box, its central 60 % across and down)",
                  "2 % see-through", "`1 - alpha / 255`"):
        assert words in card, words
    photo = Image.open(astronaut_jpeg).convert("RGB")
    for alpha, expected in ((250, False), (240, True)):
        path = tmp_path / f"alpha-{alpha}.png"
        rgba = photo.convert("RGBA")
        rgba.putalpha(alpha)
        rgba.save(path)
        opened = Image.open(path)
        white = Image.alpha_composite(Image.new("RGBA", opened.size, (255, 255, 255, 255)), opened.convert("RGBA"))
        pixels, (x, y, w, h) = by_the_cards_steps_1_to_3(np.asarray(white.convert("RGB")))
        x, y, w, h = x + (w - round(w * 0.6)) // 2, y + (h - round(h * 0.6)) // 2, round(w * 0.6), round(h * 0.6)
        seen = 1 - np.asarray(opened.getchannel("A"), np.float64)[y : y + h, x : x + w].mean() / 255
        fake, label = by_the_cards_steps_4_to_6(pixels)
        label = "unsure" if seen >= 0.02 else label
        assert bool(seen >= 0.02) == expected
        answer = Detector.load().answer(path)
        assert answer.prediction.confidences["fake"] == pytest.approx(fake, abs=1e-5)
        assert answer.prediction.label == label and (answer.prediction.caution is not None) == expected


def test_the_cards_pointer_for_a_turned_face_gives_the_librarys_answer(astronaut: np.ndarray) -> None:
    """Step 1 of the card for a face lying on its side: the crops of detected_face_crops."""
    from deforgify.faces.crops import detected_face_crops

    turned = np.ascontiguousarray(np.rot90(astronaut))
    crops, _ = detected_face_crops(turned, PreprocessConfig(**json.loads(
        (BUNDLED_MODEL / "config.json").read_text())["preprocessing"]))
    assert crops[0].turns != 0  # stood upright
    fake, label = by_the_cards_steps_4_to_6(crops[0].pixels)
    answer = Detector.load().predict_rgb([turned])[0]
    assert answer.confidences["fake"] == pytest.approx(fake, abs=1e-5) and answer.label == label


def test_a_centre_judged_for_metrics_keeps_its_caution() -> None:
    """A reviewer's find: a greyscale image without a face, judged on its centre for metrics, was
    "unsure" with no caution to say why (the verdict looked for a boxed face's score)."""
    from skimage import data

    from deforgify.faces.unjudged import NO_COLOUR
    from training.degrade import greyscale

    centre = Detector.load().predict_rgb([greyscale(data.coffee())], centre_fallback=True)[0]
    assert centre.face is None and centre.label == "unsure" and centre.caution.startswith(NO_COLOUR)
    assert centre.deciding_score is centre.scores[0]
