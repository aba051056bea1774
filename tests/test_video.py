"""Videos: clips made here from face photos, judged through the library and `deforgify predict`:
the timeline, tracks, formats, rotation, variable frame rate, sampling, limits and bad files."""

from __future__ import annotations

import json
import math
import pickle
import re
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from deforgify import AnimatedImageError, InvalidVideoError  # the public names: a library user catches these
from deforgify.detector import Detector
from deforgify.faces.finding import find_faces
from deforgify.video import frames as video_frames
from deforgify.video.frames import Limits, Sampling
from deforgify.video.judge import score_video
from deforgify.video.tracks import Tracker, signature

from helpers import ROOT, bundled_model_with, run_module, small_face_in_a_large_photo
from video_clips import (canvas, real_and_fake_faces, tag_rotation, write_audio_only, write_h264, write_opencv,
                         write_webm_without_duration)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, detector: Detector, astronaut: np.ndarray) -> dict:
    """The clips most tests share, made once: a 20 s 640x480 clip whose first half is a real face
    and second half a fake one (the pair the model itself tells apart), and a face-free clip."""
    folder = tmp_path_factory.mktemp("clips")
    real, fake, real_p, fake_p = real_and_fake_faces(detector)
    real_frame, fake_frame = canvas(real, at=(40, 60)), canvas(fake, at=(300, 120))
    mixed = write_opencv(folder / "mixed.mp4", lambda i: real_frame if i < 250 else fake_frame, 500)
    from skimage import data

    coffee = cv2.resize(data.coffee(), (640, 480))
    no_face = write_opencv(folder / "coffee.mp4", lambda i: np.roll(coffee, i * 2, axis=1), 100)
    return {"folder": folder, "mixed": mixed, "no_face": no_face, "real": real_frame,
            "fake": fake_frame, "real_p": real_p, "fake_p": fake_p}


def predict_json(*args: str, timeout: float = 300) -> tuple[int, list[dict], str, float]:
    started = time.monotonic()
    result = run_module("deforgify", "predict", "--json", "--quiet", *args, timeout=timeout)
    return (result.returncode, [json.loads(line) for line in result.stdout.splitlines()],
            result.stderr, time.monotonic() - started)


def test_sampling_refuses_what_is_not_a_number_when_it_is_made() -> None:
    """Sampling(rate="2") was taken, and failed inside a comparison as a bare TypeError."""
    assert Sampling(rate=np.float32(2.0), cap=np.int64(3)).times(3.0) == [0.5, 1.5, 2.5]  # NumPy numbers too
    for settings in ({"rate": "2"}, {"cap": 2.5}, {"rate": True}, {"cap": None}):
        with pytest.raises(TypeError, match="sampling takes a number of frames a second and a whole number"):
            Sampling(**settings)
    with pytest.raises(ValueError, match="positive rate and cap"):
        Sampling(rate=0)


def test_a_clip_of_a_real_then_a_fake_face_shows_both_on_its_timeline(clips, detector) -> None:
    assert clips["fake_p"] - clips["real_p"] >= 0.3, (
        f"the model no longer tells the chosen faces apart ({clips['real_p']:.2f} vs {clips['fake_p']:.2f})")
    status, rows, stderr, took = predict_json(str(clips["mixed"]))
    assert status == 0, stderr
    assert took < 15, f"a 20 s 640x480 clip took {took:.1f} s from the command line (start-up included)"
    row = rows[0]
    assert row["kind"] == "video" and row["file"] == str(clips["mixed"])
    assert abs(row["duration"] - 20.0) < 0.2
    times = [frame["t"] for frame in row["frames"]]
    assert len(times) >= 10 and times == sorted(times)
    assert times[0] < 2.0 and times[-1] > 18.0
    first = [f for f in row["frames"] if f["t"] < 9.9]
    second = [f for f in row["frames"] if f["t"] > 10.1]
    assert first and second and all(len(f["faces"]) == 1 for f in first + second)
    first_tracks = {f["faces"][0]["track"] for f in first}
    second_tracks = {f["faces"][0]["track"] for f in second}
    assert len(first_tracks) == 1 and len(second_tracks) == 1 and first_tracks != second_tracks
    # each half answered as the model answers one of its frames (decoded from the clip) as a photo
    capture = cv2.VideoCapture(str(clips["mixed"]))
    decoded = []
    for at in (5, 15):
        capture.set(cv2.CAP_PROP_POS_MSEC, at * 1000)
        decoded.append(cv2.cvtColor(capture.read()[1], cv2.COLOR_BGR2RGB))
    capture.release()
    real_answer, fake_answer = detector.predict_rgb(decoded)
    for frames, answer in ((first, real_answer), (second, fake_answer)):
        fakes = [f["confidences"]["fake"] for f in frames]
        assert max(abs(p - answer.confidences["fake"]) for p in fakes) < 0.15
    assert np.median([f["confidences"]["fake"] for f in second]) > \
        np.median([f["confidences"]["fake"] for f in first]) + 0.15
    # the verdict is the fake half's track, in the words photos get
    fake_track = next(t for t in row["faces"] if t["track"] in second_tracks)
    assert row["label"] == fake_track["label"] == fake_answer.label
    assert row["confidences"] == fake_track["confidences"]
    assert row["deciding_frame"]["t"] > 10.0 and row["deciding_frame"]["track"] == fake_track["track"]
    assert row["decided_by"] == "pixels" and row["provenance"]["claim"] == "none"
    assert row["complete"] is True and row["sampling"]["read"] == row["sampling"]["planned"] == len(times)


def test_a_face_back_after_leaving_the_shot_is_one_face_not_two(clips, detector) -> None:
    """The real face for 4 s, 4 s of empty frame, then the same face elsewhere in the frame: one
    person, followed as one face (it was "2 faces followed", the second deciding)."""
    empty = np.full_like(clips["real"], 90)
    elsewhere = np.roll(clips["real"], (60, 260), axis=(0, 1))
    clip = write_opencv(clips["folder"] / "back.mp4",
                        lambda i: clips["real"] if i < 100 else empty if i < 200 else elsewhere, 300)
    status, rows, stderr, _ = predict_json(str(clip))
    assert status == 0, stderr
    row = rows[0]
    seen = sorted({face["track"] for frame in row["frames"] for face in frame["faces"]})
    assert seen == [0] and len(row["faces"]) == 1, row["faces"]
    times = [frame["t"] for frame in row["frames"] if frame["faces"]]
    assert times[0] < 4 and times[-1] > 8 and not any(4.5 < t < 7.5 for t in times)  # seen before and after
    away = [frame["t"] for frame in row["frames"] if not frame["faces"] and times[0] < frame["t"] < times[-1]]
    from deforgify.video.present import explain_video, timeline_caption

    said = f"away from {away[0]:.1f} s to {away[-1]:.1f} s"  # in words too, not only as a break in the chart
    assert "the one face followed" in explain_video(row) and said in explain_video(row), explain_video(row)
    assert said in timeline_caption(row, detector.config.calibration)


def _look(colour: tuple[int, int, int]) -> np.ndarray:
    pixels = np.zeros((32, 32, 3), np.float32)
    pixels[:] = np.array(colour) / 255
    pixels[8:24, 8:24] = 0.8  # and a lighter middle, like a face on its background
    return signature(pixels)


def test_two_people_back_after_a_gap_each_take_up_their_own_track_and_a_stranger_gets_a_new_one() -> None:
    tracker, ann, bob, eve = Tracker(), _look((200, 120, 90)), _look((60, 90, 200)), _look((40, 200, 60))
    left, right = (40, 60, 100, 100), (400, 60, 100, 100)
    assert tracker.assign(0, [left, right], [ann, bob]) == [0, 1]
    assert tracker.assign(1, [], []) == [] and tracker.assign(5, [], []) == []  # both gone: their tracks end
    assert tracker.assign(9, [left, right], [bob, ann]) == [1, 0]  # back, each on the other's side
    assert tracker.assign(10, [left], [ann]) == [0]  # across the frame at once, her track still open: hers
    assert tracker.assign(20, [right], [eve]) == [2]  # someone else where one of them was, after a gap


def test_a_clip_without_a_face_is_no_face_and_a_photo_beside_it_is_judged(clips, astronaut_jpeg) -> None:
    status, rows, stderr, _ = predict_json(str(clips["no_face"]), str(astronaut_jpeg))
    assert status == 0, stderr
    video, photo = rows
    assert video["label"] == "no_face" and video["face_found"] is False and video["confidences"] is None
    assert video["faces"] == [] and video["deciding_frame"] is None
    assert len(video["frames"]) == 8 and all(f["label"] == "no_face" and f["confidences"] is None
                                              for f in video["frames"])
    assert photo["kind"] == "photo" and photo["face_found"] is True


@pytest.mark.parametrize("name", ["coffee", "hubble_deep_field", "coins"])
def test_false_faces_glimpsed_in_a_face_free_clip_do_not_decide(name, tmp_path, detector) -> None:
    """A slow zoom over a face-free photo: the face detector sees a false face in a few of its
    40 frames (coffee cup, galaxies, coins); the clip is still no_face."""
    from skimage import data

    image = getattr(data, name)()
    image = np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image[:, :, :3]
    if image.dtype != np.uint8:
        image = (np.clip(image, 0, 1) * 255).astype(np.uint8)
    image = cv2.resize(image, (640, 480))

    def frame(index: int) -> np.ndarray:
        zoom = np.float32([[1.05 - index * 1e-4, 0, -index * 0.1], [0, 1.05 - index * 1e-4, -index * 0.05]])
        return cv2.warpAffine(image, zoom, (640, 480), borderMode=cv2.BORDER_REFLECT)

    row = score_video(detector, write_opencv(tmp_path / f"{name}.mp4", frame, 500)).to_json()
    assert len(row["frames"]) == 40
    assert row["label"] == "no_face" and row["faces"] == [] and row["deciding_frame"] is None
    assert all(f["label"] == "no_face" for f in row["frames"])


def test_a_small_face_in_a_wide_shot_is_found_by_looking_closer(tmp_path, detector, astronaut) -> None:
    """A 1080p wide shot with a 70 px face (3.6 % of the frame's width): the first search of a
    frame misses it, the closer look a photo gets finds it."""
    frame, expected = small_face_in_a_large_photo(astronaut, 70, size=(1920, 1080), at=(1200, 600))
    row = score_video(detector, write_opencv(tmp_path / "wide.mp4", lambda i: frame, 50)).to_json()
    assert row["label"] != "no_face" and len(row["faces"]) == 1
    assert row["faces"][0]["box"] == pytest.approx(expected, abs=0.15 * 70)
    assert all(len(f["faces"]) == 1 for f in row["frames"])


def test_a_4k_clips_boxes_are_given_in_its_own_pixels(tmp_path, detector, astronaut) -> None:
    """A 3840x2160 clip's frames are judged reduced to 2048 px; its row's boxes are the video's
    (where the face is in the clip, not in the copy), a too-small face says its width is the
    copy's, and the deciding frame, read reduced, is drawn with its boxes brought back."""
    from deforgify.video.frames import frame_at
    from deforgify.video.present import deciding_frame_prediction

    frame, expected = small_face_in_a_large_photo(astronaut, 200, size=(3840, 2160), at=(2000, 900))
    clip = write_opencv(tmp_path / "uhd.mp4", lambda i: frame, 25)
    row = score_video(detector, clip).to_json()
    assert (row["width"], row["height"]) == (3840, 2160) and len(row["faces"]) == 1
    for box in (row["face"], row["faces"][0]["box"], row["deciding_frame"]["box"], row["frames"][0]["faces"][0]["box"]):
        assert box == pytest.approx(expected, abs=0.15 * 200)
    shown = frame_at(clip, row["deciding_frame"]["t"])
    assert shown.rgb.shape[:2] == (1152, 2048) and shown.scale == pytest.approx(2048 / 3840)
    drawn = deciding_frame_prediction(row, shown.scale).face
    assert drawn == pytest.approx([v * 2048 / 3840 for v in expected], abs=0.15 * 107)
    strict = score_video(Detector.load(str(bundled_model_with(tmp_path / "strict", min_face_width=1000))),
                         clip).to_json()
    assert "px wide in the copy judged, the frame reduced to 53%; at least 1000 px" in strict["faces"][0]["caution"]


def test_a_face_free_clip_stops_looking_closer_after_a_few_frames(clips, monkeypatch, detector) -> None:
    from deforgify.video import judge

    asked = []

    def recording(rgb, config, closer_look=False, beside_found=False):
        asked.append((closer_look, beside_found))
        return detected_face_crops(rgb, config, closer_look, beside_found)

    detected_face_crops = judge.detected_face_crops
    monkeypatch.setattr(judge, "detected_face_crops", recording)
    assert score_video(detector, clips["no_face"]).to_json()["label"] == "no_face"
    give_up = judge.CLOSER_LOOK_GIVE_UP
    assert asked == [(True, True)] * give_up + [(False, False)] * (8 - give_up)
    asked.clear()  # a lone face: searched beside for a few frames, then the first search alone
    assert len(score_video(detector, clips["mixed"], Sampling(rate=0.5)).to_json()["faces"]) == 2
    assert asked == [(True, True)] * give_up + [(True, False)] * (10 - give_up)


def test_a_small_face_beside_a_large_one_is_followed_in_a_clip(detector, astronaut, tmp_path) -> None:
    """A visitor's find: a 49 px StyleGAN2 face beside a 200 px real one was never found in a
    clip (its frames had the first search alone), and the clip was "real"; the photo's closer
    look beside found faces is a clip's too."""
    face = astronaut[20:280, 100:350]
    big, small = (cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for scale in (2.2, 0.6))
    photo = np.full((big.shape[0], big.shape[1] + 300, 3), 200, np.uint8)
    photo[:, : big.shape[1]] = big
    photo[100 : 100 + small.shape[0], big.shape[1] + 50 : big.shape[1] + 50 + small.shape[1]] = small
    clip = write_opencv(tmp_path / "pair.mp4", lambda i: np.roll(photo, i, axis=1), 50)
    row = score_video(detector, clip).to_json()
    widths = sorted(track["box"][2] for track in row["faces"])
    assert len(widths) == 2 and widths[0] >= 40 and widths[0] < widths[1] / 3, widths


def test_a_small_face_that_comes_later_beside_a_lone_one_is_found(detector, astronaut, tmp_path,
                                                                   monkeypatch) -> None:
    """A second person walking into a clip, small beside a large face, was never found once four
    frames in a row had shown the large face alone: the closer look is taken again every ten
    frames."""
    from deforgify.video import judge

    face = astronaut[20:280, 100:350]
    big, small = (cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for scale in (2.2, 0.6))
    alone = np.full((big.shape[0], big.shape[1] + 300, 3), 200, np.uint8)
    alone[:, : big.shape[1]] = big
    joined = alone.copy()
    joined[100 : 100 + small.shape[0], big.shape[1] + 50 : big.shape[1] + 50 + small.shape[1]] = small
    clip = write_opencv(tmp_path / "arrival.mp4", lambda i: np.roll(joined if i >= 100 else alone, i, axis=1), 250)
    asked = []

    def recording(rgb, config, closer_look=False, beside_found=False):
        asked.append(beside_found)
        return detected_face_crops(rgb, config, closer_look, beside_found)

    detected_face_crops = judge.detected_face_crops
    monkeypatch.setattr(judge, "detected_face_crops", recording)
    row = score_video(detector, clip).to_json()  # 20 frames read, 2 a second: the small face from the 9th
    give_up, again = judge.CLOSER_LOOK_GIVE_UP, judge.CLOSER_LOOK_AGAIN
    assert asked[:again + 1] == [True] * give_up + [False] * (again - give_up) + [True], asked
    widths = sorted(track["box"][2] for track in row["faces"])
    assert len(widths) == 2 and widths[0] >= 40 and widths[0] < widths[1] / 3, widths
    small_track = min(row["faces"], key=lambda track: track["box"][2])
    assert small_track["start"] == pytest.approx(again * 0.5, abs=0.3)  # found at the look again, followed on


def test_the_human_line_names_the_verdict_the_track_and_the_deciding_moment(clips) -> None:
    result = run_module("deforgify", "predict", "--quiet", str(clips["mixed"]), str(clips["no_face"]))
    assert result.returncode == 0, result.stderr
    mixed, coffee = result.stdout.splitlines()
    assert "video 20.0 s, 40 frames, 2 face tracks" in mixed and "most suspicious at 1" in mixed
    _, rows, _, _ = predict_json(str(clips["mixed"]))
    assert f"; face {rows[0]['deciding_frame']['track'] + 1} from " in mixed  # numbered from 1, as on the chart
    assert coffee.endswith("no_face (video 4.0 s, 8 frames, no face in any: nothing to judge)")


def test_a_face_too_small_in_every_frame_is_unsure_with_the_reason(clips, detector, tmp_path) -> None:
    judged = score_video(detector, clips["mixed"], Sampling(rate=0.5)).to_json()
    assert judged["label"] in ("real", "fake") and all(t["caution"] is None for t in judged["faces"])
    strict_folder = bundled_model_with(tmp_path / "strict", min_face_width=1000)
    row = score_video(Detector.load(str(strict_folder)), clips["mixed"], Sampling(rate=0.5)).to_json()
    assert row["label"] == "unsure" and len(row["faces"]) == len(judged["faces"])
    assert all(t["label"] == "unsure" and "too small to judge" in t["caution"] and "at least 1000 px" in t["caution"]
               for t in row["faces"])
    from deforgify.video.present import explain_video

    assert "get no real or fake answer. Try a clip taken closer or at a higher resolution" in explain_video(row)
    assert "px wide; at least 1000 px needed" in explain_video(row)  # how small (the headline says "too small")
    reduced = dict(row, width=3840, height=2160)  # its frames reduced to 2048 px: a higher resolution is reduced alike
    assert "Try a clip cropped around the face (clips larger than 2048 px are reduced to that to be judged, as this " \
        "one was)." in explain_video(reduced)
    assert "2 faces followed (numbered as they appear) in 10 frames read from the 20.0 s clip, none wide enough to judge in any frame: the widest, face " \
        in explain_video(row)
    assert explain_video(row).startswith("Unsure: ") and not re.search(r"(real|fake) \d", explain_video(row))

    status, rows, stderr, _ = predict_json("--model", str(strict_folder), "--fps", "0.5", str(clips["mixed"]))
    assert status == 0 and rows[0]["faces"][0]["caution"] == row["faces"][0]["caution"], stderr
    line = run_module("deforgify", "predict", "--quiet", "--model", str(strict_folder), "--fps", "0.5",
                      str(clips["mixed"])).stdout
    assert ": unsure (" in line and "too small to judge" in line


def test_a_videos_result_names_the_model_that_gave_it(clips, detector, tmp_path) -> None:
    """score_video's row names its model's revision, as a photo's answer does: two models
    (another unsure band is another revision) give rows that say which gave which."""
    bundled = score_video(detector, clips["no_face"]).to_json()
    other = Detector.load(str(bundled_model_with(tmp_path / "strict", min_face_width=1000)))
    strict = score_video(other, clips["no_face"]).to_json()
    assert bundled["model"] == detector.facts and strict["model"] == other.facts
    assert bundled["model"]["revision"] != strict["model"]["revision"]
    bundled["model"]["revision"] = "changed"
    assert detector.facts["revision"] != "changed"  # each result its own copy


def test_an_unsure_clip_says_where_the_unsure_band_lies_as_a_photo_does(clips, tmp_path) -> None:
    from deforgify.explain.words import decimals_apart, share_text
    from deforgify.video.present import explain_video

    undecided = Detector.load(str(bundled_model_with(tmp_path / "undecided", calibration={
        "temperature": 1.0, "threshold": 0.5, "unsure_low": 0.0, "unsure_high": 1.0})))
    row = score_video(undecided, clips["mixed"], Sampling(rate=0.5)).to_json()
    text = explain_video(row, undecided.config.calibration)
    assert row["label"] == "unsure" and "too close to call" not in text
    fake = row["confidences"]["fake"]
    places = decimals_apart(fake, (0.0, 1.0))  # a fake 99.97 % is not "100.0%" beside the edge of 100 %
    assert 'answers "real" only when it sees no sign of a fake at all (fake 0%) and "fake" only when fake is at ' \
           f'least {1.0:.{places}%}' in text
    assert f"the deciding face's fake {share_text(fake, places)} lies between. " in text
    assert share_text(fake, places) != "100.0%"
    assert re.search(r", seen in 5 of the 10 frames read from the 20\.0 s clip \(\d+\.\d s to \d+\.\d s\), judged on the "
                     r"median of those frames; it looked most fake at ", text), text


def test_a_track_is_judged_on_the_frames_where_its_face_is_wide_enough() -> None:
    from deforgify.model.folder import ModelConfig
    from deforgify.video.combine import combine
    from deforgify.video.judge import track_verdict
    from deforgify.video.timeline import FrameFace

    config = ModelConfig("deforgify-lite0", min_face_width=50)
    seen = [(t, FrameFace(0, (0, 0, width, width), "x", {"real": 1 - fake, "fake": fake}))
            for t, width, fake in ((0.0, 30, 0.99), (0.5, 60, 0.10), (1.0, 70, 0.20), (1.5, 40, 0.95))]
    track = track_verdict(config, 0, seen)
    assert track.confidences["fake"] == pytest.approx(combine([0.10, 0.20], 0.9)[0])  # the small frames left out
    assert track.caution is None and track.peak_t == 1.0 and track.times == [0.0, 0.5, 1.0, 1.5]
    assert track.label == config.calibration.label(track.confidences["fake"])


def test_a_face_on_its_side_in_a_clip_is_stood_upright_as_a_photos_is(astronaut, tmp_path) -> None:
    from deforgify.video.combine import COMBINE_RULE

    lying = np.ascontiguousarray(np.rot90(astronaut, 1))
    clip = write_opencv(tmp_path / "lying.mp4", lambda i: canvas(lying, at=(100, 60)), 25)
    row = score_video(Detector.load(), clip, Sampling(rate=2.0)).to_json()
    turned = [face["turned"] for frame in row["frames"] for face in frame["faces"]]
    assert turned and set(turned) == {90}, turned  # the false face the turned photo shows is left out
    assert len(row["faces"]) == 1 and row["label"] != "fake"
    assert row["sampling"]["combine"] == COMBINE_RULE


def test_a_face_swapped_for_part_of_a_shot_is_not_outvoted_by_its_untouched_frames() -> None:
    """A run of 3 frames in a row that all reach "fake" gives the track its score (a clip with a
    3 s deepfake in 12 s was answered "Real, fake 9 %" by the median alone); as many fake frames
    scattered among the others, or a run of 2, are still outvoted."""
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import explain_video
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50)
    edge = config.calibration.unsure_high

    def track_of(scores):
        seen = [(i / 2, FrameFace(0, (0, 0, 100, 100), config.calibration.label(f), {"real": 1 - f, "fake": f}))
                for i, f in enumerate(scores)]
        return seen, track_verdict(config, 0, seen)

    low, high = 0.05, min(0.999, edge + 0.02)
    seen, swapped = track_of([low] * 10 + [high, high + 0.001, high] + [low] * 11)
    assert swapped.label == "fake" and swapped.sustained_run and swapped.confidences["fake"] == pytest.approx(high)
    _, scattered = track_of([low, high, low, high, low, high] + [low] * 18)
    _, pair = track_of([low] * 10 + [high, high] + [low] * 12)
    for outvoted, count in ((scattered, 3), (pair, 2)):  # their score is the median, but they are not cleared
        assert not outvoted.sustained_run and outvoted.confidences["fake"] == pytest.approx(low)
        assert outvoted.label == "unsure" and outvoted.fake_frames == count
    _, untouched = track_of([low] * 24)
    assert untouched.label == "real" and untouched.fake_frames == 0
    frames = [FrameResult(t, [face]) for t, face in seen]
    row = VideoResult(video_frames.Info(640, 480, 25.0, 300, 12.0, 0), Sampling(), frames, [swapped],
                      planned=len(frames)).to_json()
    assert row["label"] == "fake" and row["faces"][0]["sustained_run"] is True
    least = math.floor(high * 100)
    assert f"judged on 3 frames in a row that all looked fake (fake {least}% or more in each)" in explain_video(
        row, config.calibration)
    certain = VideoResult(video_frames.Info(640, 480, 25.0, 300, 12.0, 0), Sampling(), frames,
                          [replace(swapped, confidences={"real": 0.0004, "fake": 0.9996})], planned=len(frames))
    assert "(fake 99% or more in each)" in explain_video(certain.to_json(), config.calibration)  # not "100% or more"
    assert row["deciding_frame"]["t"] == 5.5  # where it looked most fake


def test_a_clip_made_fake_by_a_run_says_how_many_of_its_frames_looked_fake() -> None:
    """"judged on 3 frames in a row that all looked fake" was said of a clip whose 10 frames all
    had (a visitor's walk): the words count the fake frames when more than the run did."""
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import explain_video
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50)
    high = min(0.999, config.calibration.unsure_high + 0.02)

    def words(scores):
        seen = [(i / 2, FrameFace(0, (0, 0, 100, 100), config.calibration.label(f), {"real": 1 - f, "fake": f}))
                for i, f in enumerate(scores)]
        track = track_verdict(config, 0, seen)
        assert track.label == "fake" and track.sustained_run
        row = VideoResult(video_frames.Info(640, 480, 25.0, 300, 12.0, 0), Sampling(),
                          [FrameResult(t, [face]) for t, face in seen], [track], planned=len(seen)).to_json()
        return explain_video(row, config.calibration)

    everywhere = words([high] * 10)
    assert "; all 10 of its judged frames looked fake" in everywhere and "do not outvote" not in everywhere
    most = words([0.05] * 4 + [high] * 5 + [0.05] * 3)
    assert "; 5 of its 12 judged frames looked fake, which its other frames do not outvote" in most
    just_the_run = words([0.05] * 4 + [high] * 3 + [0.05] * 3)
    assert "(fake" in just_the_run and "judged frames looked fake" not in just_the_run


def test_a_face_swapped_for_a_second_keeps_a_clip_from_being_cleared() -> None:
    """Two frames of a face swapped for about a second (at two frames a second), too few in a row
    to call it fake, were outvoted: "Real: no sign of the fakes it knows" beside a timeline at
    100 % fake. The track is "unsure" and decides the clip over a plain real face with a higher
    median, and the words say why."""
    from deforgify.model.calibration import Calibration
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import explain_video
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50,
                         calibration=Calibration(1.0, 0.5, unsure_low=0.2, unsure_high=0.95))

    def track_of(number, scores):
        seen = [(i / 2, FrameFace(number, (200 * number, 0, 100, 100), config.calibration.label(f),
                                  {"real": 1 - f, "fake": f})) for i, f in enumerate(scores)]
        return seen, track_verdict(config, number, seen)

    plain_seen, plain = track_of(0, [0.15] * 12)
    swap_seen, swapped = track_of(1, [0.05] * 5 + [0.99, 0.995] + [0.05] * 5)
    assert plain.label == "real" and swapped.label == "unsure" and swapped.fake_frames == 2
    frames = [FrameResult(t, [a, b]) for (t, a), (_, b) in zip(plain_seen, swap_seen)]
    row = VideoResult(video_frames.Info(640, 480, 25.0, 150, 6.0, 0), Sampling(), frames, [plain, swapped],
                      planned=len(frames)).to_json()
    assert row["label"] == "unsure" and row["deciding_frame"]["track"] == 1 and row["faces"][1]["fake_frames"] == 2
    said = explain_video(row, config.calibration)
    assert said.startswith("Unsure (real 95%, fake 5%): 2 frames of the deciding face looked fake (fake 95% or more): "
                           "too few in a row to call it fake (3 are needed), too many to clear it"), said
    assert "lies between" not in said  # its median is not in the band


def test_a_track_too_small_to_judge_never_decides_beside_a_judged_one() -> None:
    """As a photo's face: its score is not used, so a judged track decides however suspicious
    the small one's unused score."""
    from deforgify.faces.unjudged import face_label
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import chart_rows, deciding_frame_prediction, explain_video
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50)

    def face(track, box, fake):
        label, caution = face_label(config.calibration.label(fake), box, config.min_face_width)
        return FrameFace(track, box, label, {"real": 1 - fake, "fake": fake}, caution)

    def result(*faces):
        tracks = [track_verdict(config, f.track, [(0.0, f)]) for f in faces]
        return VideoResult(video_frames.Info(640, 480, 25.0, 25, 1.0, 0), Sampling(), [FrameResult(0.0, list(faces))],
                           tracks, planned=1)

    large, small, smaller = face(0, (0, 0, 120, 120), 0.1), face(1, (200, 0, 30, 30), 0.98), face(2, (300, 0, 20, 20), 0.99)
    row = result(large, small).to_json()
    assert row["deciding_frame"]["track"] == 0 and row["label"] == config.calibration.label(0.1)
    beside = result(face(0, (0, 0, 120, 120), 0.995 * config.calibration.unsure_low)).to_json()
    assert f'is at most the {config.calibration.unsure_low:.1%} this model answers "real" at. The one face' \
        in explain_video(beside, config.calibration)  # its rounded share alone reads as the edge's
    assert row["frames"][0]["label"] == row["label"]  # the frame's own verdict follows the same rule
    assert [f["caution"] is not None for f in row["frames"][0]["faces"]] == [False, True]
    assert "2 faces followed (numbered as they appear), 1 judged (face 2 too small to judge in every frame); the one judged (face 1) decides" \
        in explain_video(row)
    assert [r["face"] for r in chart_rows(row)] == ["face 1"]  # no line of unused scores on the timeline
    none = result(small, smaller).to_json()
    assert chart_rows(none) == []
    assert none["label"] == "unsure" and none["deciding_frame"]["track"] == 1  # the widest, not the most suspicious
    assert explain_video(none).startswith("Unsure: 2 faces followed (numbered as they appear) in 1 frame read from the 1.0 s clip, none wide enough to judge")
    drawn = deciding_frame_prediction(none)
    assert [s.caution is not None for s in drawn.scores] == [True, True]  # captioned "unsure: too small"


def test_the_words_say_when_a_face_was_too_small_in_some_of_its_frames() -> None:
    """A face seen in all 8 frames, 39 px in the last (under the model's 40): the words said
    "seen in all 8 frames ..., judged on the median of those frames" while the timeline said
    "from 7 frames" (a Chromium visitor's clip)."""
    from deforgify.faces.unjudged import face_label
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import explain_video, timeline_caption
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=40)

    def seen(widths):
        faces = []
        for i, width in enumerate(widths):
            label, caution = face_label(config.calibration.label(0.1), (100, 100, width, width), 40)
            faces.append((0.2 + i / 2, FrameFace(0, (100, 100, width, width), label, {"real": 0.9, "fake": 0.1}, caution)))
        track = track_verdict(config, 0, faces)
        return VideoResult(video_frames.Info(640, 480, 25.0, 100, 4.0, 0), Sampling(),
                           [FrameResult(t, [face]) for t, face in faces], [track], planned=len(faces)).to_json()

    row = seen([45] * 7 + [39])
    said = explain_video(row, config.calibration)
    assert "seen in all 8 frames read from the 4.0 s clip (0.2 s to 3.7 s), judged on the median of the 7 frames where it " \
        "was wide enough to judge (in 1 it was too small)" in said, said
    assert ", from 7 frames" in timeline_caption(row, config.calibration)
    one = explain_video(seen([39] * 3 + [45]), config.calibration)
    assert "judged on the one frame where it was wide enough to judge (in 3 it was too small)" in one, one
    assert "judged on the median of those frames" in explain_video(seen([45] * 8), config.calibration)


def test_the_deciding_frames_faces_are_numbered_as_the_words_and_the_timeline_name_them() -> None:
    """A frame shows some of the clip's faces, in its own order: each is captioned with its track's
    number (face 2 decided: the frame's one face reads "2: ..."), not its place in that frame."""
    from deforgify.explain.words import captions
    from deforgify.faces.unjudged import face_label
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import (chart_rows, deciding_frame_numbers, deciding_frame_prediction,
                                         describe_deciding_frame, explain_video)
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50)

    def face(track, box, fake):
        label, caution = face_label(config.calibration.label(fake), box, config.min_face_width)
        return FrameFace(track, box, label, {"real": 1 - fake, "fake": fake}, caution)

    first, second = face(0, (0, 0, 120, 120), 0.05), face(1, (300, 0, 200, 200), 0.999)
    frames = [FrameResult(0.0, [first]), FrameResult(1.0, [second, face(0, (0, 0, 100, 100), 0.05)])]
    tracks = [track_verdict(config, 0, [(0.0, first), (1.0, frames[1].faces[1])]),
              track_verdict(config, 1, [(1.0, second)])]
    row = VideoResult(video_frames.Info(640, 480, 25.0, 50, 2.0, 0), Sampling(), frames, tracks, planned=2).to_json()
    assert row["deciding_frame"]["track"] == 1 and "(face 2) decides, seen in 1 of the 2 frames read from the 2.0 s " \
        "clip (at 1.0 s), judged on that frame;" in explain_video(row)  # one frame: no median to speak of
    assert {r["face"] for r in chart_rows(row) if r["time (s)"] == 1.0} == {"face 1", "face 2"}
    numbers = deciding_frame_numbers(row)
    assert numbers == [2, 1]  # the frame lists the larger face, track 1, first
    texts = [text for _, text, _, _ in captions(deciding_frame_prediction(row), numbers=numbers)]
    assert texts[0].startswith("2: ") and texts[0].endswith(" - decides") and texts[1].startswith("1: ")
    assert describe_deciding_frame(row).startswith(
        "The video frame with 2 faces boxed and numbered, captioned: face 2: ")
    alone = VideoResult(video_frames.Info(640, 480, 25.0, 25, 1.0, 0), Sampling(), [FrameResult(0.0, [second])],
                        [track_verdict(config, 1, [(0.0, second)])], planned=1).to_json()
    assert deciding_frame_numbers(alone) is None  # one face: nothing to tell apart, as in a photo


def test_the_deciding_frame_shows_each_faces_verdict_over_the_clip_not_that_frames_score() -> None:
    """The deciding frame is where the face looked most fake; drawn with that frame's own score it
    read "fake 100%" under an answer the median of the frames makes something else."""
    from deforgify.explain.words import captions
    from deforgify.faces.unjudged import face_label
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import deciding_frame_prediction, describe_deciding_frame, explain_video
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50)

    def face(fake):
        label, caution = face_label(config.calibration.label(fake), (0, 0, 120, 120), config.min_face_width)
        return FrameFace(0, (0, 0, 120, 120), label, {"real": 1 - fake, "fake": fake}, caution)

    seen = [(0.0, face(0.3)), (1.0, face(0.999)), (2.0, face(0.35))]
    row = VideoResult(video_frames.Info(640, 480, 25.0, 75, 3.0, 0), Sampling(), [FrameResult(t, [f]) for t, f in seen],
                      [track_verdict(config, 0, seen)], planned=3).to_json()
    assert row["deciding_frame"]["t"] == 1.0 and row["frames"][1]["label"] == "fake"
    # its median, not cleared: one frame reached the fake edge (too few in a row to call it fake)
    assert row["label"] == "unsure" and row["confidences"]["fake"] == pytest.approx(0.35)
    drawn = deciding_frame_prediction(row)
    assert (drawn.label, drawn.confidences) == (row["label"], row["confidences"])
    [(_, text, _, _)] = captions(drawn)
    assert text == "unsure (fake 35%)"  # the track's verdict, not the frame's "fake 100%"
    assert describe_deciding_frame(row) == "The video frame with the face boxed, captioned: unsure (fake 35%)."
    assert "the frame pictured, with each face's verdict over the whole clip" in explain_video(row)


def test_the_timeline_marks_the_unsure_band_across_the_clip_and_tells_each_face_in_words() -> None:
    """The page's chart draws the band's edges as two flat grey lines from 0 s to the clip's end
    (a face's line reads against the answers it leads to); its caption tells each face's verdict
    and range of scores, for those who cannot see the chart, and what a face seen in one frame
    scored (the chart draws a lone point only when pointed at)."""
    from deforgify.faces.unjudged import face_label
    from deforgify.model.calibration import Calibration
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import band_guides, explain_video, timeline_caption
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50,
                         calibration=Calibration(1.0, 0.5, unsure_low=0.2, unsure_high=0.9))

    def face(track, fake):
        label, caution = face_label(config.calibration.label(fake), (0, 0, 120, 120), config.min_face_width)
        return FrameFace(track, (0, 0, 120, 120), label, {"real": 1 - fake, "fake": fake}, caution)

    steady = [(0.5, face(0, 0.1)), (1.5, face(0, 0.1))]
    frames = [FrameResult(0.5, [steady[0][1]]), FrameResult(1.5, [steady[1][1], face(1, 0.95)])]
    row = VideoResult(video_frames.Info(640, 480, 25.0, 75, 3.0, 0), Sampling(), frames,
                      [track_verdict(config, 0, steady), track_verdict(config, 1, [(1.5, frames[1].faces[1])])],
                      planned=2).to_json()
    guides = band_guides(row, config.calibration)
    assert [(g["face"], g["time (s)"], g["fake probability"]) for g in guides] == [
        ('"fake" from 90.0%', 0.0, 0.9), ('"fake" from 90.0%', 3.0, 0.9),
        ('"real" up to 20.0%', 0.0, 0.2), ('"real" up to 20.0%', 3.0, 0.2)]
    assert timeline_caption(row, config.calibration) == (  # what each face showed, then how to read the lines
        "Fake probability per frame read: face 1, real (fake 10%), from 2 frames (0.5 s to 1.5 s), fake 10% in each; "
        "face 2, fake 95% in its one frame judged (at 1.5 s). "  # a lone point, drawn only when pointed at
        'Grey lines mark where "fake" starts (90.0%) and "real" ends (20.0%); "unsure" between them.')
    no_band = Calibration(1.0, 0.6, unsure_low=0.6, unsure_high=0.6)
    assert [g["face"] for g in band_guides(row, no_band)] == ['"fake" from 60.0%, "real" below'] * 2
    assert timeline_caption(row, no_band).endswith('A grey line marks where "fake" starts (60.0%); "real" below it.')
    swinging = [(t, face(0, fake)) for t, fake in ((0.0, 0.05), (1.0, 0.5), (2.0, 0.3))]
    row = VideoResult(video_frames.Info(640, 480, 25.0, 75, 3.0, 0), Sampling(), [FrameResult(t, [f]) for t, f in swinging],
                      [track_verdict(config, 0, swinging)], planned=3).to_json()
    assert "face 1, unsure (fake 30.0%), from 3 frames (0.0 s to 2.0 s), fake 5.0% to 50.0%." in \
        timeline_caption(row, config.calibration)
    # An "unsure" just inside the band is written unlike its edge ("19.2%" beside "real" ends at 19.2% read as
    # a mistake), and the edges as precisely.
    edge = [(t, face(0, fake)) for t, fake in ((0.0, 0.20016), (1.0, 0.20016))]
    row = VideoResult(video_frames.Info(640, 480, 25.0, 75, 3.0, 0), Sampling(), [FrameResult(t, [f]) for t, f in edge],
                      [track_verdict(config, 0, edge)], planned=2).to_json()
    assert timeline_caption(row, config.calibration).endswith(
        'face 1, unsure (fake 20.02%), from 2 frames (0.0 s to 1.0 s), fake 20.02% in each. '
        'Grey lines mark where "fake" starts (90.00%) and "real" ends (20.00%); "unsure" between them.')
    assert "seen in both frames read from the 3.0 s clip (0.0 s to 1.0 s)" in explain_video(row, config.calibration)
    # A "real" face's share beside the edge it rounds to gets the decimals that tell them apart ("real (fake 20%)"
    # beside "real" ending at 19.6% read as a contradiction), as in a photo's caption.
    close = [(t, face(0, 0.1955)) for t in (0.0, 1.0)]
    near = Calibration(1.0, 0.5, unsure_low=0.196, unsure_high=0.9)
    row = VideoResult(video_frames.Info(640, 480, 25.0, 75, 3.0, 0), Sampling(), [FrameResult(t, [f]) for t, f in close],
                      [track_verdict(replace(config, calibration=near), 0, close)], planned=2).to_json()
    said = timeline_caption(row, near)
    assert "face 1, real (fake 19.55%), from 2 frames (0.0 s to 1.0 s), fake 19.55% in each." in said


def test_a_faces_line_breaks_where_it_was_not_judged() -> None:
    """A face seen at 0 s and 3 s, gone at 1 s and too small at 2 s: one row without a score at
    1 s breaks its line (drawn straight across, it read as seen all along); none before its first
    frame or after its last, and none for a face seen throughout. Its two lone scores are drawn
    as dashes."""
    from deforgify.faces.unjudged import face_label
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.present import dash_rows, gap_rows
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50)

    def face(track, width, fake=0.1):
        label, caution = face_label(config.calibration.label(fake), (0, 0, width, width), config.min_face_width)
        return FrameFace(track, (0, 0, width, width), label, {"real": 1 - fake, "fake": fake}, caution)

    steady = [face(1, 120) for _ in range(5)]
    frames = [FrameResult(0.0, [face(0, 120), steady[0]]), FrameResult(1.0, [steady[1]]),
              FrameResult(2.0, [face(0, 20), steady[2]]), FrameResult(3.0, [face(0, 120), steady[3]]),
              FrameResult(4.0, [steady[4]])]
    seen = {track: [(f.t, x) for f in frames for x in f.faces if x.track == track] for track in (0, 1)}
    row = VideoResult(video_frames.Info(640, 480, 25.0, 125, 5.0, 0), Sampling(), frames,
                      [track_verdict(config, track, seen[track]) for track in (0, 1)], planned=5).to_json()
    assert gap_rows(row) == [{"time (s)": 1.0, "fake probability": None, "face": "face 1"}]
    # each of its lone scores drawn as a short dash (a line of one point is not drawn at all)
    assert dash_rows(row) == [{"time (s)": t, "fake probability": 0.1, "face": "face 1"} for t in (0.0, 0.1, 2.9, 3.1)]


def test_the_timelines_tooltips_give_three_decimals_and_call_no_line_a_face() -> None:
    """A point's tooltip on the page's chart gave nine decimals (a dash's end at 2.966666667 s,
    the band's edge at 0.971464...) and called the grey guide a "face": the page's rows are
    rounded as a face's scores are, and their colour column has no name (named "line", it stood
    above the legend as a stray title)."""
    from deforgify.app.video_section import page_timeline
    from deforgify.faces.unjudged import face_label
    from deforgify.model.calibration import Calibration
    from deforgify.model.folder import ModelConfig
    from deforgify.video.judge import track_verdict
    from deforgify.video.timeline import FrameFace, FrameResult, VideoResult

    config = ModelConfig("deforgify-lite0", min_face_width=50,
                         calibration=Calibration(1.0, 0.5, unsure_low=0.1923456, unsure_high=0.9714612))
    label, caution = face_label("real", (0, 0, 120, 120), 50)
    alone = FrameFace(0, (0, 0, 120, 120), label, {"real": 0.9, "fake": 0.1}, caution)
    frames = [FrameResult(t, [alone] if t == 1.0 else []) for t in (0.0, 1.0, 2.0)]
    row = VideoResult(video_frames.Info(640, 480, 30.0, 91, 3.0333333, 0), Sampling(), frames,
                      [track_verdict(config, 0, [(1.0, alone)])], planned=3).to_json()
    chart = page_timeline(row, config.calibration)
    data = chart["value"]
    assert chart["color"] == " " and list(data.columns) == ["time (s)", "fake probability", " "]
    from deforgify.video.present import chart_rows

    certain = {**row, "frames": [{**frame, "faces": [{**face, "confidences": {"real": 0.0002, "fake": 0.9998}}
                                                     for face in frame["faces"]]} for frame in row["frames"]]}
    assert [point["fake probability"] for point in chart_rows(certain)] == [0.999]  # a tooltip's "1" read as certain
    numbers = [value for column in ("time (s)", "fake probability") for value in data[column].dropna()]
    assert len(numbers) > 6 and all(round(value, 3) == value for value in numbers), numbers
    assert {0.971, 0.192} <= set(data["fake probability"]) and '"fake" from 97.1%' in set(data[" "])
    assert chart["colors_in_legend"] == ["face 1"] and chart["color_map"]['"real" up to 19.2%'] == "#b4b9c2"


def test_faces_left_out_of_a_videos_frames_are_counted_and_said(detector, astronaut) -> None:
    """A face under a third of its frame's largest is not judged, in a clip as in a photo: each
    frame's row counts them and the words say so (a smaller person beside a larger face was left
    out silently)."""
    from dataclasses import replace as replaced

    from test_detector import small_face_crop

    from deforgify.video.judge import SampledVideo, judge_video
    from deforgify.video.present import explain_video

    large = small_face_crop(detector, astronaut, 120)
    beside = replaced(large, faces=[large.face, (300, 10, 30, 30)])  # under a third of 120 px: not judged
    video = SampledVideo(video_frames.Info(640, 480, 25.0, 75, 3.0, 0), Sampling(), [0.0, 1.0, 2.0],
                         [[beside], [large], [beside]], planned=3)
    row = judge_video(detector, video).to_json()
    assert [f["left_out"] for f in row["frames"]] == [1, 0, 1] and len(row["faces"]) == 1
    assert explain_video(row).endswith(" In 2 of the 3 frames read, another face was found and not judged "
                                       "(under 40 px and narrower than a third of that frame's largest).")  # not beyond 32
    alone = judge_video(detector, replaced(video, crops=[[large]] * 3)).to_json()
    assert [f["left_out"] for f in alone["frames"]] == [0, 0, 0] and "not judged" not in explain_video(alone)


def test_faces_beyond_a_frames_largest_keep_a_clip_from_real(detector) -> None:
    """As a photo's: a frame of more faces than are judged, those judged all real, makes the clip
    "unsure", and its words, headline and line say why."""
    from dataclasses import replace as replaced

    from deforgify.app.verdict_box import video_banner
    from deforgify.cli.plain_line import plain_line
    from deforgify.faces.crops import MAX_FACES, face_crops
    from deforgify.video.judge import SampledVideo, judge_video
    from deforgify.provenance.contract import NO_PROVENANCE
    from deforgify.video.present import explain_video

    rgb = np.asarray(Image.open(ROOT / "examples" / "two-faces.jpg").convert("RGB"))
    crops = face_crops(rgb, detector.config.preprocessing)
    real = next(crop for crop, score in zip(crops, detector.judge([crops])[0].scores) if score.label == "real")
    boxes = [real.face] + [(600 + 10 * i, 10, real.face[2], real.face[3]) for i in range(MAX_FACES)]
    crowded, alone = [replaced(real, faces=boxes)] * MAX_FACES, [replaced(real, faces=[real.face])]
    video = SampledVideo(video_frames.Info(1200, 480, 25.0, 75, 3.0, 0), Sampling(), [0.0, 1.0, 2.0],
                         [alone, crowded, alone], planned=3)
    row = {"file": "crowd.mp4", **judge_video(detector, video).to_json()}
    assert row["label"] == "unsure" and row["faces"][0]["label"] == "real"
    assert [(frame["left_out"], frame["beyond_largest"]) for frame in row["frames"]] == [(0, 0), (1, 1), (0, 0)]
    assert "In 1 of the 3 frames read, another face was found and not judged (beyond its 32 largest)." \
        in explain_video(row)  # not "under 40 px ..., or beyond": the row counts those beyond
    said = "faces beyond the 32 largest were not judged"
    assert f"Those judged all look real, but in some frames {said}, so the clip is not cleared" in explain_video(row)
    assert f"Unsure: {said}" in video_banner(row, detector.config.calibration, "m")
    assert f"; those judged all look real, but in some frames {said}" in plain_line(row, NO_PROVENANCE)
    cleared = judge_video(detector, replaced(video, crops=[alone] * 3)).to_json()
    assert cleared["label"] == "real"


def test_sampling_rate_and_cap_are_the_users_to_change(clips) -> None:
    status, rows, stderr, _ = predict_json("--fps", "1", "--max-frames", "5", str(clips["mixed"]))
    assert status == 0, stderr
    times = [f["t"] for f in rows[0]["frames"]]
    assert len(times) == 5 and rows[0]["sampling"]["cap"] == 5
    assert np.allclose(times, [2, 6, 10, 14, 18], atol=0.05)  # middles of five equal slices
    status, rows, _, _ = predict_json("--fps", "0.5", str(clips["mixed"]))
    assert len(rows[0]["frames"]) == 10
    assert Sampling().times(600.0)[:2] == pytest.approx([600 / 128, 3 * 600 / 128])  # cap 64


@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".mov", "h264.mp4"])
def test_common_formats_are_read_with_their_duration(suffix, tmp_path, detector, astronaut) -> None:
    frame = canvas(astronaut, at=(100, 80))
    path = tmp_path / f"face{suffix}"
    if suffix == "h264.mp4":
        write_h264(path, lambda i: frame, 50)
    else:
        write_opencv(path, lambda i: frame, 50)
    result = score_video(detector, path)
    row = result.to_json()
    assert abs(row["duration"] - 2.0) < 0.1 and len(row["frames"]) == 4
    assert row["label"] != "no_face" and len(row["faces"]) == 1 and row["faces"][0]["frames"] == 4


def test_rotation_metadata_is_honoured(tmp_path, detector, astronaut) -> None:
    upright = canvas(astronaut, size=(480, 640), at=(60, 120), height=320)
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # sideways as a phone stores it
    path = tag_rotation(write_h264(tmp_path / "phone.mp4", lambda i: stored, 25))
    capture, info = video_frames.open_video(path, Limits())
    assert info.rotation == 90 and (info.width, info.height) == (480, 640)
    reading = video_frames.Reading(info, Sampling())
    frame = next(video_frames.sampled_frames(capture, reading, Limits()))
    assert frame.rgb.shape == upright.shape
    assert np.abs(frame.rgb.astype(int) - upright).mean() < 6
    row = score_video(detector, path).to_json()
    assert row["rotation"] == 90 and row["face_found"]
    assert (row["width"], row["height"]) == (480, 640)  # upright, as a photo's: the frame of its boxes
    x, y, w, h = row["face"]
    ux, uy, uw, _ = find_faces(upright)[0].box
    assert abs(x - ux) < 0.2 * uw and abs(y - uy) < 0.2 * uw  # in the upright frame
    untagged = score_video(detector, write_h264(tmp_path / "sideways.mp4", lambda i: stored, 25)).to_json()
    assert untagged["rotation"] == 0 and untagged["width"] == 640


def test_variable_frame_rate_times_are_the_frames_own(tmp_path, detector) -> None:
    # 30 frames a second for 2 s, then one frame a second for 8 s: a brightness ramp tells
    # which frame was taken
    times = [i / 30 for i in range(60)] + [2.0 + i for i in range(8)]
    path = write_h264(tmp_path / "vfr.mp4", lambda i: np.full((96, 128, 3), 20 + 3 * i, np.uint8),
                      len(times), times=times)
    capture, info = video_frames.open_video(path, Limits())
    reading = video_frames.Reading(info, Sampling(rate=2, cap=64))
    taken = list(video_frames.sampled_frames(capture, reading, Limits()))
    assert 9.0 <= info.duration <= 10.5
    for frame in taken:
        index = int(round((frame.rgb.mean() - 20) / 3))
        assert frame.t == pytest.approx(times[index], abs=0.02)
    late = [f.t for f in taken if f.t >= 2.0]
    assert late and all(t == pytest.approx(round(t), abs=0.02) for t in late)
    assert len({f.t for f in taken}) == len(taken)


def test_a_webm_without_a_duration_in_its_header_is_measured_and_sampled_over_its_length(tmp_path, detector, astronaut) -> None:
    frame = canvas(astronaut, size=(320, 240), at=(40, 20), height=200)
    path = write_webm_without_duration(tmp_path / "recorded.webm", lambda i: np.roll(frame, i, axis=1), 150)
    capture = cv2.VideoCapture(str(path))
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) <= 0  # the header really says nothing
    capture.release()
    row = score_video(detector, path).to_json()
    assert row["duration"] == pytest.approx(6.0, abs=0.1)
    times = [f["t"] for f in row["frames"]]
    assert len(times) == 12 and times[0] < 0.5 and times[-1] > 5.5 and row["complete"]
    assert row["face_found"]


def test_a_truncated_clip_gives_a_shorter_timeline_or_an_error_and_never_hangs(tmp_path, clips, astronaut_jpeg) -> None:
    frame = canvas(np.asarray(Image.open(astronaut_jpeg)), at=(100, 80))
    # index first (as streaming sites write MP4s), the face moving: every frame costs bytes
    streamable = write_h264(tmp_path / "whole.mp4", lambda i: np.roll(frame, 2 * i, axis=1), 250, faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(streamable.read_bytes()[: streamable.stat().st_size // 2])
    indexed_last = tmp_path / "cut-index-last.mp4"
    indexed_last.write_bytes(clips["mixed"].read_bytes()[:30_000])
    status, rows, stderr, took = predict_json(str(cut), str(indexed_last), str(astronaut_jpeg), timeout=120)
    shorter, unreadable, photo = rows
    assert status == 1, stderr  # the index-last file cannot be read at all
    assert shorter["complete"] is False and "ends early" in shorter["note"]
    assert 0 < shorter["sampling"]["read"] < shorter["sampling"]["planned"] == 20
    assert max(f["t"] for f in shorter["frames"]) < 8.0
    assert "it has no movie header (cut short or damaged)" in unreadable["error"]
    assert photo["face_found"] and took < 60


@pytest.mark.parametrize("head", [b"\0\0\0\1ftypisom", b"\0\0\0\1ftypisom\0\0\0"])
def test_an_mp4_cut_inside_its_first_box_is_refused_in_words(detector, tmp_path, head: bytes) -> None:
    """A first box whose size says a 64-bit size follows, cut before it: reading the boxes to
    say why the file cannot be opened raised struct.error ("unpack requires a buffer of 8
    bytes"), an internal error in the command and Gradio's bare "Error" in the app."""
    clip = tmp_path / "cut.mp4"
    clip.write_bytes(head)
    with pytest.raises(InvalidVideoError, match=r"it has no movie header \(cut short or damaged\)") as refused:
        score_video(detector, clip)
    assert refused.value.code == "unreadable"


def _enormous(path: Path) -> None:
    """Two grey 8200x5000 frames (41 megapixels) in Motion JPEG: half a megabyte on disk."""
    write_opencv(path, lambda i: np.full((5000, 8200, 3), 128, np.uint8), 2, fps=1)


BAD_FILES = {
    "empty.mp4": (lambda p: p.write_bytes(b""), "the file is empty"),
    "notes.mp4": (lambda p: p.write_text("these are my notes, not a video\n" * 20), "not a video file (it is text)"),
    "song.m4a": (lambda p: write_audio_only(p), "audio only"),
    "voice.mp4": (lambda p: write_audio_only(p), "audio only: the file has no video stream"),  # its tracks read
    "huge.avi": (_enormous, "video frames too large: 8200x5000 pixels (limit 40 megapixels)"),
    "tiny.avi": (lambda p: write_opencv(p, lambda i: np.full((16, 24, 3), 128, np.uint8), 10),
                 "video frames too small: 24x16 pixels (need at least 32x32)"),
    "noise.webm": (lambda p: p.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes()),
                   "not a video file we can read"),
}

PICTURES_NAMED_AS_VIDEOS = {
    "photo.mp4": (lambda p: Image.new("RGB", (64, 48)).save(p, "JPEG"), "a JPEG picture"),  # FFmpeg: one frame
    "iphone.mov": (lambda p: Image.new("RGB", (64, 48)).save(p, "HEIF"), "a HEIC picture"),  # FFmpeg: a frame
    "still.mp4": (lambda p: Image.new("RGB", (64, 48)).save(p, "AVIF"), "an AVIF picture"),
    "still.webm": (lambda p: Image.new("RGB", (64, 48)).save(p, "WEBP"), "a WebP picture"),  # FFmpeg: 0x0 pixels
    "still-gif.mp4": (lambda p: Image.new("RGB", (64, 48)).save(p, "GIF"), "a GIF picture"),  # FFmpeg: one frame
    "pages.mov": (lambda p: Image.new("RGB", (64, 48)).save(p, "TIFF", save_all=True,
                                                           append_images=[Image.new("RGB", (64, 48), "red")]),
                  "a TIFF picture"),  # not a clip of its pages
}


def test_bad_files_each_get_a_clear_error_and_the_rest_of_the_batch_is_judged(tmp_path, clips, astronaut_jpeg) -> None:
    paths = []
    for name, (make, _) in BAD_FILES.items():
        make(tmp_path / name)
        paths.append(str(tmp_path / name))
    status, rows, stderr, took = predict_json(*paths, str(clips["no_face"]), str(astronaut_jpeg), timeout=120)
    assert status == 1, stderr
    assert [row["file"] for row in rows] == paths + [str(clips["no_face"]), str(astronaut_jpeg)]
    codes = {"empty.mp4": "empty_file", "huge.avi": "too_large", "tiny.avi": "too_small"}  # else see below
    for row, (name, (_, words)) in zip(rows, BAD_FILES.items()):
        assert words in row.get("error", ""), (name, row)
        assert row["error_code"] == codes.get(name, "unreadable"), (name, row)
    assert rows[-2]["label"] == "no_face" and rows[-1]["face_found"] and took < 60
    assert "Traceback" not in stderr


def test_a_still_picture_named_like_a_video_is_judged_as_the_photo_it_is(tmp_path, astronaut_jpeg) -> None:
    """The command refused a JPEG named .mp4 ("check it as a photo", with no way to) while the
    app's photo API judged it (a developer's walk): it is judged as a photo, and a clip named
    like a picture as a clip. Sent as a video to the library, a picture is still refused in words."""
    from deforgify.video.frames import StillPictureError

    detector, paths = Detector.load(), []
    for name, (make, kind) in PICTURES_NAMED_AS_VIDEOS.items():
        make(tmp_path / name)
        paths.append(tmp_path / name)
        with pytest.raises(StillPictureError, match=re.escape(f"not a video file: it is {kind} (check it as a photo)")):
            score_video(detector, tmp_path / name)
    named_mp4 = tmp_path / "face.mp4"
    named_mp4.write_bytes(astronaut_jpeg.read_bytes())
    clip_named_jpg = tmp_path / "clip.jpg"
    write_opencv(tmp_path / "clip.avi", lambda i: np.full((96, 128, 3), 90, np.uint8), 10).rename(clip_named_jpg)
    large_named_jpg = tmp_path / "large.jpg"  # over a photo's 100 MB: it was refused before its first bytes were read
    with open(large_named_jpg, "wb") as large:
        large.write(clip_named_jpg.read_bytes())
        large.truncate(101_000_000)
    status, rows, stderr, _ = predict_json(*map(str, paths), str(named_mp4), str(clip_named_jpg), str(large_named_jpg),
                                           timeout=120)
    assert status == 1 and "Traceback" not in stderr, stderr  # the TIFF's pages are refused as a photo's
    by_name = {Path(row["file"]).name: row for row in rows}
    assert {name for name, row in by_name.items() if "error" in row} == {"pages.mov"}
    assert by_name["pages.mov"]["error"].startswith("multi-page TIFF with 2 pages")
    assert all(row.get("label") == "no_face" and row["kind"] == "photo" for name, row in by_name.items()
               if name in PICTURES_NAMED_AS_VIDEOS and name != "pages.mov")  # blank: judged, no face
    assert by_name["face.mp4"]["face_found"] and by_name["face.mp4"]["label"] in ("real", "fake", "unsure")
    assert by_name["clip.jpg"]["kind"] == "video" and by_name["clip.jpg"]["label"] == "no_face"
    assert by_name["large.jpg"]["kind"] == "video" and by_name["large.jpg"]["label"] == "no_face", by_name["large.jpg"]


def _animated(path: Path, frames: list[np.ndarray], format: str) -> Path:
    """An animated picture of ``frames``, 200 ms each (5 a second)."""
    pictures = [Image.fromarray(frame) for frame in frames]
    pictures[0].save(path, format, save_all=True, append_images=pictures[1:], duration=200, loop=0)
    return path


def test_a_clip_too_short_for_its_rate_still_gets_a_few_samples_and_every_frame_of_a_short_picture_is_read(
        tmp_path, astronaut) -> None:
    """A visitor's 0.4 s GIF of two frames got one sample, at 0.2 s: its first frame, a face
    swap, was never looked at."""
    assert video_frames.Sampling().times(0.4) == pytest.approx([0.05, 0.15, 0.25, 0.35])
    assert video_frames.Sampling(cap=2).times(0.4) == pytest.approx([0.1, 0.3])  # the cap still holds
    assert len(video_frames.Sampling().times(10.0)) == 20  # longer clips as before: 2 a second
    face = canvas(astronaut, size=(320, 240), at=(60, 20), height=200)
    path = _animated(tmp_path / "two.gif", [face, face // 2], "GIF")
    capture, info = video_frames.open_video(path, Limits())
    frames = list(video_frames.sampled_frames(capture, video_frames.Reading(info, Sampling()), Limits()))
    assert [frame.t for frame in frames] == [0.0, 0.2]
    # A reviewer's find: a video of fewer frames than samples ran out of frames before the last
    # ones and was said to be truncated. Each frame is read once, and the clip is complete.
    for count, fps in ((1, 25), (2, 5), (2, 25), (3, 1)):
        clip = write_opencv(tmp_path / f"short-{count}-{fps}.avi", lambda i: face // (i + 1), count, fps)
        capture, info = video_frames.open_video(clip, Limits())
        reading = video_frames.Reading(info, Sampling())
        read = list(video_frames.sampled_frames(capture, reading, Limits()))
        assert len(read) == count and reading.stopped is None, (count, fps, reading.stopped)


@pytest.mark.parametrize("format", ["GIF", "PNG", "WEBP", "AVIF"])
def test_an_animated_picture_is_checked_as_a_clip_with_its_frames_own_times(format, tmp_path, detector, astronaut
                                                                            ) -> None:
    """FFmpeg read an animated WebP as 0x0 pixels, an AVIF sequence as one frame and an APNG not
    at all; each frame here is a brightness step, so that the frame read at each time is told."""
    face = canvas(astronaut, size=(320, 240), at=(60, 20), height=200)
    face = face // 2  # dim enough that no step is clipped at white
    steps = [face + np.uint8(10 * index) for index in range(10)]  # libwebp merged frames 4 levels apart
    path = _animated(tmp_path / f"face.{format.lower()}", steps, format)
    capture, info = video_frames.open_video(path, Limits())
    assert (info.width, info.height, info.frame_count, info.duration) == (320, 240, 10, 2.0)
    frames = list(video_frames.sampled_frames(capture, video_frames.Reading(info, Sampling()), Limits()))
    assert [frame.t for frame in frames] == pytest.approx([0.2 * index for index in range(10)])  # every frame
    brightness = [frame.rgb.astype(int).mean() - face.mean() for frame in frames]
    assert np.allclose(brightness, [10 * index for index in range(10)], atol=4), brightness
    capture, info = video_frames.open_video(path, Limits())  # more frames than the cap: those on screen at
    frames = list(video_frames.sampled_frames(capture, video_frames.Reading(info, Sampling(cap=4)), Limits()))
    assert [frame.t for frame in frames] == [0.2, 0.6, 1.2, 1.6]  # 0.25, 0.75, 1.25, 1.75 s
    shown = video_frames.frame_at(path, 1.2)
    assert shown is not None and abs(shown.rgb.astype(int).mean() - face.mean() - 60) < 4
    row = score_video(detector, path).to_json()
    assert row["face_found"] and row["faces"][0]["frames"] == 10 and row["duration"] == 2.0


@pytest.mark.parametrize("durations, shown", [
    ([1000, 1000, 1000], [0.0, 1.0, 2.0]),
    ([2000] * 4, [0.0, 2.0, 4.0, 6.0]),
    ([100, 100, 5000], [0.0, 0.1, 0.2]),  # the short frames too, on screen at no sampled time
    ([400, 200, 400], [0.0, 0.4, 0.6]),  # a visitor's fake face, shown 0.2 s between two samples
])
def test_an_animated_picture_holding_frames_long_is_sampled_whole(durations, shown, tmp_path, astronaut) -> None:
    """Taking the first frame at or after each time, as for a video, ran out of frames: intact
    GIFs were said to "end early" (truncated or damaged). Every frame of a picture of at most
    the cap's frames is judged: one shown between two sampled times was never looked at."""
    face = canvas(astronaut, size=(320, 240), at=(60, 20), height=200)
    pictures = [Image.fromarray(face // 2 + np.uint8(20 * index)) for index in range(len(durations))]
    path = tmp_path / "held.gif"
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=durations, loop=0)
    capture, info = video_frames.open_video(path, Limits())
    reading = video_frames.Reading(info, Sampling())
    assert [frame.t for frame in video_frames.sampled_frames(capture, reading, Limits())] == shown
    assert reading.stopped is None and reading.planned == len(shown)


def test_a_faint_face_in_one_frame_of_an_animated_picture_is_judged_as_a_photos_is(tmp_path, detector, astronaut
                                                                                     ) -> None:
    """A GIF of three frames showing a fake face in its middle one said "no face in any": the face
    (detector score 0.68) was dropped as a glimpse, a rule for a video's sampled frames, while the
    same picture as a photo was answered "fake" 99 %. Each frame of a picture judged frame by frame
    is a picture of its own; the row says so (sampling.every_frame)."""
    from deforgify.faces.crops import face_crops
    from deforgify.video.judge import TRACK_MIN_SCORE, SampledVideo, judge_video

    crops = face_crops(astronaut, detector.config.preprocessing)
    glimpse = SampledVideo(video_frames.Info(512, 512, 5.0, 3, 0.6, 0), Sampling(), [0.0, 0.2, 0.4],
                           [[], crops, []], planned=3, detection_scores=[[], [TRACK_MIN_SCORE - 0.1], []])
    dropped = judge_video(detector, glimpse).to_json()  # a video's sampled frames: a likely false face
    assert (dropped["label"], dropped["sampling"]["glimpses_dropped"]) == ("no_face", 1)
    judged = judge_video(detector, replace(glimpse, every_frame=True)).to_json()
    assert judged["face_found"] and [track["frames"] for track in judged["faces"]] == [1]
    assert judged["confidences"] == pytest.approx(detector.predict(astronaut).confidences, abs=1e-6)  # a photo's
    assert (judged["sampling"]["every_frame"], judged["sampling"]["glimpses_dropped"]) == (True, 0)
    grey = np.full_like(astronaut, 90)
    row = score_video(detector, _animated(tmp_path / "glimpse.gif", [grey, astronaut, grey], "GIF")).to_json()
    assert row["face_found"] and row["sampling"]["every_frame"]  # read frame by frame, and said so
    many = score_video(detector, _animated(tmp_path / "long.gif", [grey, astronaut, grey] * 3, "GIF"),
                       Sampling(cap=4)).to_json()
    assert not many["sampling"]["every_frame"]  # more frames than the cap: sampled as a video's are


def test_an_animated_pictures_frame_times_are_read_within_the_time_bound(tmp_path, astronaut) -> None:
    """A WebP tells a frame's display time only once it is decoded: all of them are read before
    sampling, within the time bound as the frames are."""
    path = _animated(tmp_path / "long.webp", [astronaut[:, :, ::-1].copy(), astronaut] * 5, "WEBP")
    with pytest.raises(InvalidVideoError, match=r"^reading the display times of its 10 frames took longer than "
                                                r"the time limit \(1e-09 s\)$"):
        video_frames.open_video(path, Limits(time_limit=1e-9))
    assert video_frames.open_video(path, Limits())[1].duration == 2.0


def test_the_command_checks_an_animated_picture_as_a_clip_and_the_library_says_so(tmp_path, detector, astronaut
                                                                                  ) -> None:
    face = canvas(astronaut, size=(320, 240), at=(60, 20), height=200)
    animated = _animated(tmp_path / "swap.gif", [face, face[:, ::-1].copy()] * 3, "GIF")
    still = _animated(tmp_path / "still.gif", [face], "GIF")
    status, rows, stderr, _ = predict_json(str(animated), str(still))
    assert status == 0, stderr
    assert rows[0]["kind"] == "video" and rows[0]["face_found"] and rows[0]["duration"] == 1.2
    assert rows[1].get("kind") != "video" and rows[1]["face_found"]
    with pytest.raises(AnimatedImageError, match="animated image with 6 frames: only a still photo can be checked "
                                                 "as a photo; check it as a video$") as raised:
        detector.answer(animated.read_bytes())
    again = pickle.loads(pickle.dumps(raised.value))  # as a process pool's worker sends it back
    assert str(again) == str(raised.value) and again.frames == 6


@pytest.mark.parametrize("given, kind", [(b"\x00\x00\x00\x18ftypmp42", "bytes"), (None, "NoneType")])
def test_a_video_given_as_anything_but_its_path_is_refused_in_words(detector, given, kind: str) -> None:
    """The bytes of a clip, or nothing, raised pathlib's TypeError (the library reads photos so)."""
    with pytest.raises(InvalidVideoError, match=f"a video is read from its file: give its path, not {kind}"):
        score_video(detector, given)


def test_enormous_frames_too_long_clips_and_the_time_bound(clips, detector, monkeypatch) -> None:
    monkeypatch.setattr(video_frames, "MAX_FRAME_PIXELS", 640 * 480 - 1)
    with pytest.raises(InvalidVideoError, match=r"frames too large: 640x480") as large_frames:
        score_video(detector, clips["mixed"])
    monkeypatch.undo()
    with pytest.raises(InvalidVideoError, match=r"video too long") as long:
        score_video(detector, clips["mixed"], limits=Limits(max_seconds=10))
    with pytest.raises(InvalidVideoError, match=r"video too large: \d+ bytes \(limit 1000 bytes\)$") as large:
        score_video(detector, clips["mixed"], limits=Limits(max_bytes=1000))  # it said "0 MB (limit 0 MB)"
    assert [raised.value.code for raised in (large_frames, long, large)] == \
        ["too_large", "too_long", "too_large"]  # the code a program reads beside the words
    started = time.monotonic()
    with pytest.raises(InvalidVideoError, match=r"time limit") as slow:
        score_video(detector, clips["mixed"], limits=Limits(time_limit=1e-9))
    assert time.monotonic() - started < 5
    assert slow.value.code == "time_limit"  # not "unreadable": the file may be fine
    for wrong in ({"time_limit": 0}, {"time_limit": -1}, {"max_seconds": "60"}, {"max_bytes": True}):
        with pytest.raises(ValueError, match=f"limits take positive numbers: {next(iter(wrong))}="):
            Limits(**wrong)  # a negative time limit ended reading at once, "60" raised TypeError in a comparison
    with pytest.raises(InvalidVideoError, match=r"^https://example.com/clip.mp4 is a URL: nothing is fetched"):
        score_video(detector, "https://example.com/clip.mp4")  # "no such file: https:/example.com/clip.mp4"


def test_the_time_bound_keeps_the_frames_read_so_far(clips, detector, monkeypatch) -> None:
    calls = {"n": 0}
    real_monotonic = time.monotonic

    def clock() -> float:  # each look at the clock is 0.2 s later: the bound is met mid-clip
        calls["n"] += 1
        return real_monotonic() + 0.2 * calls["n"]

    monkeypatch.setattr(video_frames.time, "monotonic", clock)
    row = score_video(detector, clips["mixed"], limits=Limits(time_limit=3.0)).to_json()
    assert row["complete"] is False and "time limit" in row["note"]
    assert 0 < row["sampling"]["read"] < row["sampling"]["planned"]


def test_scan_writes_video_rows_beside_photo_rows(tmp_path, clips, astronaut_jpeg) -> None:
    folder = tmp_path / "collection"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(astronaut_jpeg.read_bytes())
    (folder / "b.mp4").write_bytes(clips["no_face"].read_bytes())
    (folder / "c.mov").write_text("not a video")
    (folder / "d.mp4").write_bytes(clips["mixed"].read_bytes())
    written = {}
    for output in (tmp_path / "out.jsonl", tmp_path / "out.parquet"):
        result = run_module("deforgify", "scan", str(folder), "--output", str(output), "--quiet")
        assert result.returncode == 1, result.stderr  # c.mov cannot be read
        if output.suffix == ".jsonl":
            rows = [json.loads(line) for line in output.read_text().splitlines()]
        else:
            import pyarrow.parquet

            rows = pyarrow.parquet.read_table(output).to_pylist()
        by_name = written[output.suffix] = {Path(row["path"]).name: row for row in rows}
        assert by_name["a.jpg"]["kind"] == "photo" and by_name["a.jpg"]["frames"] is None
        assert (by_name["a.jpg"]["width"], by_name["a.jpg"]["height"]) == (512, 512)  # a photo's size too
        assert by_name["b.mp4"]["kind"] == "video" and by_name["b.mp4"]["label"] == "no_face"
        assert by_name["b.mp4"]["duration"] == pytest.approx(4.0, abs=0.1)
        assert len(by_name["b.mp4"]["frames"]) == 8
        assert "text" in by_name["c.mov"]["error"] and by_name["c.mov"]["error_code"] == "unreadable"
        assert by_name["a.jpg"]["error_code"] is None
    jsonl = written[".jsonl"]
    assert jsonl["d.mp4"]["faces"][0]["track"] == 0 and jsonl["a.jpg"]["faces"][0]["turned"] == 0
    for name, row in written[".jsonl"].items():  # Parquet keeps every field (pyarrow drops what its schema lacks)
        assert_within(row, written[".parquet"][name], name)


def assert_within(part: object, whole: object, where: str) -> None:
    """Every field of ``part`` is in ``whole`` with the same value (``whole`` may have more, null)."""
    if isinstance(part, dict):
        assert isinstance(whole, dict), where
        for key, value in part.items():
            assert key in whole, f"{where}.{key} is missing"
            assert_within(value, whole[key], f"{where}.{key}")
    elif isinstance(part, list):
        assert isinstance(whole, list) and len(whole) == len(part), where
        for index, (a, b) in enumerate(zip(part, whole)):
            assert_within(a, b, f"{where}[{index}]")
    else:
        assert part == whole, f"{where}: {part!r} != {whole!r}"


def test_predict_help_documents_video_rows_limits_and_exit_statuses() -> None:
    result = run_module("deforgify", "predict", "--help")
    assert result.returncode == 0
    for words in ('"kind": "video"', '"duration"', '"frames"', "--fps", "--max-frames", "--time-limit",
                  "complete", "exit status", "40 megapixels"):
        assert words in result.stdout, words


def test_videos_are_sampled_in_worker_processes_in_a_long_batch(tmp_path, clips, astronaut_jpeg) -> None:
    photos = []
    for index in range(16):  # 16 files or more: decoding moves to worker processes
        photos.append(tmp_path / f"photo{index}.jpg")
        photos[-1].write_bytes(astronaut_jpeg.read_bytes())
    files = [str(p) for p in photos[:8]] + [str(clips["mixed"]), str(clips["no_face"])] + [str(p) for p in photos[8:]]
    status, rows, stderr, _ = predict_json("--workers", "2", *files)
    assert status == 0, stderr
    assert [row["file"] for row in rows] == files
    assert rows[8]["kind"] == "video" and len(rows[8]["faces"]) == 2 and len(rows[8]["frames"]) == 40
    assert rows[9]["label"] == "no_face" and all(row["face_found"] for row in rows[:8] + rows[10:])


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_scan_run_again_with_other_sampling_scores_again_the_videos_it_would_sample_otherwise(
        tmp_path, clips, astronaut, astronaut_jpeg, suffix) -> None:
    """A developer's scan with --max-frames 1, run again with 64: "1 already in", the clip kept
    its verdict of one frame. A video the new settings would sample otherwise is scored again,
    and said; one they would sample alike is not (a cap it never reached, the rate of an animated
    picture of which every frame is judged), nor is a photo."""
    folder = tmp_path / "collection"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(astronaut_jpeg.read_bytes())
    (folder / "b.mp4").write_bytes(clips["no_face"].read_bytes())  # 4 s: 8 frames at 2 a second
    _animated(folder / "c.gif", [astronaut, astronaut[:, ::-1].copy(), astronaut], "GIF")  # 3 frames
    output = tmp_path / f"out{suffix}"

    def scanned(*options: str) -> tuple[str, dict]:
        result = run_module("deforgify", "scan", str(folder), "--output", str(output), *options)
        assert result.returncode == 0, result.stderr[-2000:]
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in output.read_text().splitlines()]
        else:
            import pyarrow.parquet

            rows = pyarrow.parquet.read_table(output).to_pylist()
        assert len(rows) == 3
        return result.stderr, {Path(row["path"]).name: row["sampling"] for row in rows}

    scanned("--max-frames", "2")
    stderr, sampled = scanned("--max-frames", "6")  # both sampled otherwise: 6 of the clip's, every frame of the GIF
    assert "1 already in" in stderr and "2 videos scored again (sampled at another --fps or --max-frames" in stderr
    assert (sampled["b.mp4"]["read"], sampled["c.gif"]["every_frame"]) == (6, True)
    stderr, sampled = scanned("--max-frames", "64")
    assert "1 video scored again" in stderr and sampled["b.mp4"]["read"] == 8  # the GIF's 3 frames are all judged
    stderr, _ = scanned("--max-frames", "65")  # a cap neither reaches
    assert "3 already in" in stderr and "scored again" not in stderr
    stderr, sampled = scanned("--max-frames", "65", "--fps", "4")
    assert "1 video scored again" in stderr and sampled["b.mp4"]["read"] == 16 and sampled["c.gif"]["rate"] == 2


def test_a_dask_scan_samples_videos_as_told(tmp_path, clips) -> None:
    folder = tmp_path / "collection"
    folder.mkdir()
    (folder / "b.mp4").write_bytes(clips["no_face"].read_bytes())
    output = tmp_path / "out.jsonl"
    result = run_module("deforgify", "scan", str(folder), "--output", str(output), "--quiet",
                        "--cluster", "local:1", "--fps", "1")
    assert result.returncode == 0, result.stderr[-2000:]
    row = json.loads(output.read_text())
    assert row["kind"] == "video" and len(row["frames"]) == 4 and row["label"] == "no_face"


def test_an_unsure_track_says_how_many_of_its_frames_looked_fake() -> None:
    """A visitor's find: a face with 3 of its 6 frames over the fake edge, not in a row, was
    "unsure" on its median alone in words; they say how many looked fake and why that is not
    "fake"; a track with none says the band alone."""
    from deforgify.model.calibration import Calibration
    from deforgify.video.present import _unsure_reason

    calibration = Calibration(temperature=1.0, threshold=0.5, unsure_low=0.2, unsure_high=0.95)
    said = _unsure_reason({"fake_frames": 3}, 0.9, calibration)
    assert said.endswith('the deciding face\'s fake 90.0% lies between. 3 of its frames looked fake (fake 95% or '
                         'more), but not 3 in a row, which a "fake" answer needs.'), said
    assert _unsure_reason({"fake_frames": 0}, 0.9, calibration).endswith("fake 90.0% lies between.")
