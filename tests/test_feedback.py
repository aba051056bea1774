"""Wrong-verdict reports: only on answers the server gave, once each, without the photo's
metadata, within a quota, deleted after the retention period."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deforgify.feedback import (IMAGE_FILE, RECORD_FILE, Answers, ClientQuota, FeedbackError, FeedbackStore, NotNow,
                                NotSaved, save_report)


def gps_jpeg(path: Path, astronaut: np.ndarray) -> Path:
    """The astronaut as a camera JPEG: make, model and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS 5D"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    Image.fromarray(astronaut).save(path, quality=92, exif=exif)
    assert Image.open(path).getexif().get_ifd(0x8825)  # the fixture really carries GPS
    return path


@pytest.fixture()
def photo(tmp_path: Path, astronaut: np.ndarray) -> Path:
    return gps_jpeg(tmp_path / "gps.jpg", astronaut)


def test_an_answer_can_be_claimed_once(photo) -> None:
    answers = Answers()
    answer_id = answers.issue(str(photo), {"label": "fake"})
    assert answers.claim(answer_id).result == {"label": "fake"}
    with pytest.raises(FeedbackError, match="already been reported"):
        answers.claim(answer_id)
    answers.release(answer_id)  # a report that could not be kept can be tried again
    assert answers.claim(answer_id).file == str(photo)


def test_a_visitor_who_checked_a_photo_again_cannot_report_it_twice(photo, tmp_path) -> None:
    answers = Answers()
    first, again = answers.issue(str(photo), {"label": "fake"}), answers.issue(str(photo), {"label": "fake"})
    answers.claim(first, "real", reporter="session-a")
    answers.saved(first, "report-1")
    with pytest.raises(FeedbackError, match=r"^this photo has already been reported in this session as report "
                                            r"report-1 \(quote it to have it deleted\); thank you$"):
        answers.claim(again, "real", reporter="session-a")  # the re-check's new answer, same visitor
    other = tmp_path / "other.jpg"
    other.write_bytes(photo.read_bytes())
    assert answers.claim(answers.issue(str(other), {"label": "fake"}), "real", reporter="session-a")  # another upload
    assert answers.claim(again, "real", reporter="session-b")  # another visitor: nothing of session-a's is said
    answers.release(again)  # not kept: session-b may try again, session-a still may not
    with pytest.raises(FeedbackError, match="already been reported in this session as report report-1"):
        answers.claim(again, "real", reporter="session-a")
    assert answers.claim(again, "real", reporter="session-b")
    unnamed = answers.issue(str(photo), {"label": "fake"})
    assert answers.claim(unnamed, "real")  # no session (a bare HTTP call): answers alone are counted


def test_a_report_still_being_saved_is_not_called_saved(photo) -> None:
    """A re-check's report, refused while the first was being saved, was told "already been
    reported in this session; thank you", though that save could still fail."""
    answers = Answers()
    first, again = answers.issue(str(photo), {"label": "fake"}), answers.issue(str(photo), {"label": "fake"})
    answers.claim(first, "real", reporter="session-a")
    being_saved = r": its report is being saved now \(if that fails, you can report it again\)$"
    with pytest.raises(FeedbackError, match=r"^this photo has already been reported in this session" + being_saved):
        answers.claim(again, "real", reporter="session-a")
    with pytest.raises(FeedbackError, match=r"^this answer has already been reported" + being_saved):
        answers.claim(first, "real", reporter="session-a")
    answers.release(first)  # the save failed: the visitor may report it
    assert answers.claim(again, "real", reporter="session-a").file == str(photo)


class BrokenStore(FeedbackStore):
    def __init__(self, folder: Path, error: Exception) -> None:
        super().__init__(folder)
        self.error = error

    def save(self, answer, should_be: str, face=None) -> str:
        raise self.error


@pytest.mark.parametrize("error, refusal", [
    (FeedbackError("cannot write the report (No space left on device)"), NotSaved),
    (RuntimeError("a fault in the frame decoder"), RuntimeError),  # it left the answer claimed for an hour
])
def test_a_report_that_could_not_be_saved_can_be_made_again(photo, tmp_path, error, refusal) -> None:
    answers, quota = Answers(), ClientQuota(1)
    answer_id = answers.issue(str(photo), {"label": "fake"})
    with pytest.raises(refusal, match=str(error).split(" (")[0]):
        save_report(answers, quota, BrokenStore(tmp_path / "flags", error), answer_id, "real", "session-a", "client")
    # claimable again, and the one report of the quota given back (the next report of anyone
    # then failed with an IndexError: the client's emptied list of times was read)
    saved = save_report(answers, quota, FeedbackStore(tmp_path / "flags"), answer_id, "real", "session-a", "client")
    assert (tmp_path / "flags" / saved).is_dir()
    with pytest.raises(FeedbackError, match=f"already been reported as report {saved}"):
        save_report(answers, quota, FeedbackStore(tmp_path / "flags"), answer_id, "real", "session-a", "client")


def test_an_answer_reported_as_what_it_already_was_is_refused_and_stays_reportable(photo) -> None:
    answers = Answers()
    answer_id = answers.issue(str(photo), {"label": "real"})
    with pytest.raises(FeedbackError, match='the answer already was "real"'):
        answers.claim(answer_id, "real")
    assert answers.claim(answer_id, "fake").result == {"label": "real"}  # not used up by the refusal
    unsure, no_face = answers.issue(str(photo), {"label": "unsure"}), answers.issue(str(photo), {"label": "no_face"})
    with pytest.raises(FeedbackError, match='the answer already was "unsure"'):
        answers.claim(unsure, "unsure")
    assert answers.claim(unsure, "real") and answers.claim(no_face, "unsure")  # a face it missed, say


@pytest.mark.parametrize("label, offered", [("real", ["fake", "unsure", "no_face"]),
                                            ("fake", ["real", "unsure", "no_face"]),
                                            ("unsure", ["real", "fake", "no_face"]),
                                            ("no_face", ["real", "fake", "unsure"])])
def test_a_report_is_offered_every_choice_but_the_answer_itself(photo, label, offered) -> None:
    from deforgify.feedback import SHOULD_BE, choices_against

    assert choices_against(label) == offered
    answers = Answers()
    for should_be in SHOULD_BE:  # what the page does not offer, a program cannot send either
        answer_id = answers.issue(str(photo), {"label": label})
        if should_be in offered:
            assert answers.claim(answer_id, should_be).result == {"label": label}
        else:
            with pytest.raises(FeedbackError, match="already was"):
                answers.claim(answer_id, should_be)


@pytest.mark.parametrize("forged", ["", "0123456789abcdef0123456789abcdef", None, {"foo": "bar"}, 42])
def test_an_answer_the_server_never_gave_is_refused(photo, forged) -> None:
    answers = Answers()
    answers.issue(str(photo), {"label": "fake"})
    with pytest.raises(FeedbackError, match="unknown here or has expired"):
        answers.claim(forged)


def test_an_expired_answer_or_a_deleted_photo_is_refused(photo, tmp_path) -> None:
    expired = Answers(lifetime=0)
    answer_id = expired.issue(str(photo), {})
    with pytest.raises(FeedbackError, match="expired"):
        expired.claim(answer_id)
    answers = Answers()
    gone = tmp_path / "gone.jpg"
    gone.write_bytes(photo.read_bytes())
    answer_id = answers.issue(str(gone), {})
    gone.unlink()
    with pytest.raises(FeedbackError, match="expired"):
        answers.claim(answer_id)


def test_answers_remembered_are_bounded(photo) -> None:
    answers = Answers(limit=3)
    ids = [answers.issue(str(photo), {"n": n}) for n in range(5)]
    with pytest.raises(FeedbackError):
        answers.claim(ids[0])
    assert answers.claim(ids[-1]).result == {"n": 4}


def test_the_stored_photo_keeps_its_pixels_and_loses_its_metadata(photo, tmp_path) -> None:
    store = FeedbackStore(tmp_path / "flags")
    answers = Answers()
    report = store.save(answers.claim(answers.issue(str(photo), {"label": "fake"})), "real")
    folder = tmp_path / "flags" / report
    assert sorted(p.name for p in folder.iterdir()) == [IMAGE_FILE, RECORD_FILE]
    stored = Image.open(folder / IMAGE_FILE)
    assert not stored.getexif() and not stored.info.get("exif") and "icc_profile" not in stored.info
    assert b"Canon" not in (folder / IMAGE_FILE).read_bytes()
    assert np.array_equal(np.asarray(stored), np.asarray(Image.open(photo).convert("RGB")))
    record = json.loads((folder / RECORD_FILE).read_text())
    assert record["id"] == report and record["should_be"] == "real" and record["answer"] == {"label": "fake"}


def test_a_report_keeps_what_the_metadata_claimed_not_what_it_said(photo, tmp_path) -> None:
    """The stored answer carried the file's EXIF words ("taken with a Canon EOS 5D camera"), which
    the privacy note promises removed with the photo's metadata."""
    from deforgify.detector import Detector

    result = Detector.load().answer(str(photo)).to_json()
    assert "Canon" in json.dumps(result)  # the answer itself names the camera
    store, answers = FeedbackStore(tmp_path / "flags"), Answers()
    report = store.save(answers.claim(answers.issue(str(photo), result)), "fake")
    text = (tmp_path / "flags" / report / RECORD_FILE).read_text()
    assert "Canon" not in text and "EOS" not in text
    stored = json.loads(text)["answer"]
    assert stored["provenance"]["claim"] == result["provenance"]["claim"]
    assert [(e["kind"], e["claim"]) for e in stored["provenance"]["evidence"]] == [
        (e["kind"], e["claim"]) for e in result["provenance"]["evidence"]]
    assert not any({"says", "make", "model"} & set(e) for e in stored["provenance"]["evidence"])
    assert stored["confidences"] == result["confidences"] and stored["model"] == result["model"]


def test_reports_past_their_time_are_deleted_without_a_new_report(photo, tmp_path) -> None:
    store = FeedbackStore(tmp_path / "flags", keep_days=1)
    answers = Answers()
    report = store.save(answers.claim(answers.issue(str(photo), {"label": "fake"})), "real")
    two_days_ago = f"{datetime.now(timezone.utc) - timedelta(days=2):%Y%m%dT%H%M%SZ}-{report.split('-')[1]}"
    (tmp_path / "flags" / report).rename(tmp_path / "flags" / two_days_ago)  # its id says when it was saved
    half_written = tmp_path / "flags" / f"{datetime.now(timezone.utc) - timedelta(days=3):%Y%m%dT%H%M%SZ}-0123abcd"
    half_written.mkdir()
    (half_written / IMAGE_FILE).write_bytes(b"a photo whose record was never written")
    assert store.expire() == 2 and store.reports() == [] and not half_written.exists()


def test_the_visitor_must_say_what_it_should_have_been(photo, tmp_path) -> None:
    store = FeedbackStore(tmp_path / "flags")
    with pytest.raises(FeedbackError, match="should have been"):
        store.save(_claimed(photo), "maybe")
    assert not (tmp_path / "flags").exists() or not any((tmp_path / "flags").iterdir())


def _claimed(photo):
    answers = Answers()
    return answers.claim(answers.issue(str(photo), {}))


def test_one_client_gets_its_share_of_reports_and_no_more() -> None:
    from deforgify.feedback import ClientQuota

    quota = ClientQuota(2)
    quota.take("10.0.0.1")
    quota.take("10.0.0.1")
    with pytest.raises(NotNow, match="you have reported 2 answers in the last hour"):
        quota.take("10.0.0.1")
    quota.take("10.0.0.2")  # another visitor still can
    quota.give_back("10.0.0.1")  # a report that could not be kept does not count
    quota.take("10.0.0.1")
    expired = ClientQuota(1, window=0.0)
    expired.take("10.0.0.1")
    time.sleep(0.01)
    expired.take("10.0.0.1")  # an hour later (here: at once) it counts afresh
    assert list(expired._taken) == ["10.0.0.1"]


def test_a_quota_bounds_reports_per_hour_and_the_folder_size(photo, tmp_path) -> None:
    store = FeedbackStore(tmp_path / "hourly", max_per_hour=2)
    store.save(_claimed(photo), "fake")
    store.save(_claimed(photo), "fake")
    with pytest.raises(NotNow, match="too many reports in the last hour"):
        store.save(_claimed(photo), "fake")
    assert len(store.reports()) == 2

    small = FeedbackStore(tmp_path / "small", max_bytes=1000)
    small.save(_claimed(photo), "fake")  # the first fits (the folder was empty) ...
    with pytest.raises(NotNow, match="store is full"):
        small.save(_claimed(photo), "fake")  # ... and fills it
    assert len(small.reports()) == 1


def test_reports_older_than_the_retention_period_are_deleted(photo, tmp_path) -> None:
    store = FeedbackStore(tmp_path / "flags", keep_days=30)
    kept = store.save(_claimed(photo), "fake")
    old = tmp_path / "flags" / f"{datetime.now(timezone.utc) - timedelta(days=31):%Y%m%dT%H%M%SZ}-0000aaaa"
    old.mkdir()
    (old / RECORD_FILE).write_text("{}")
    store.save(_claimed(photo), "real")
    assert not old.exists() and (tmp_path / "flags" / kept).exists() and len(store.reports()) == 2


def test_settings_come_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DEFORGIFY_FLAGS", str(tmp_path))
    monkeypatch.setenv("DEFORGIFY_FLAG_MAX_PER_HOUR", "3")
    monkeypatch.setenv("DEFORGIFY_FLAG_MAX_MB", "1.5")
    monkeypatch.setenv("DEFORGIFY_FLAG_KEEP_DAYS", "7")
    store = FeedbackStore.from_environment()
    assert (store.folder, store.max_per_hour, store.max_bytes, store.keep_days) == (tmp_path, 3, 1_500_000, 7)


@pytest.mark.parametrize("name, value, message", [
    ("DEFORGIFY_FLAG_MAX_PER_HOUR", "abc", "a whole number above 0 and at most 1e+06, not 'abc'"),
    ("DEFORGIFY_FLAG_MAX_PER_HOUR", "2.5", "a whole number above 0 and at most 1e+06, not '2.5'"),
    ("DEFORGIFY_FLAG_MAX_PER_HOUR", "0", "a whole number above 0 and at most 1e+06, not '0'"),
    ("DEFORGIFY_FLAG_MAX_MB", "-1", "a number above 0 and at most 1e+09, not '-1'"),
    ("DEFORGIFY_FLAG_KEEP_DAYS", "inf", "a number above 0 and at most 36500, not 'inf'"),
    ("DEFORGIFY_FLAG_KEEP_DAYS", "nan", "a number above 0 and at most 36500, not 'nan'"),
    ("DEFORGIFY_FLAG_KEEP_DAYS", "1000000", "a number above 0 and at most 36500, not '1000000'"),
])
def test_a_report_setting_out_of_range_is_refused_by_name(monkeypatch, name, value, message) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(FeedbackError, match=re.escape(f"{name} must be {message}")):
        FeedbackStore.from_environment()


def test_report_settings_are_read_and_default_when_unset(monkeypatch) -> None:
    monkeypatch.setenv("DEFORGIFY_FLAG_MAX_PER_HOUR", "5")
    monkeypatch.setenv("DEFORGIFY_FLAG_MAX_MB", "0.5")
    monkeypatch.setenv("DEFORGIFY_FLAG_KEEP_DAYS", "")
    store = FeedbackStore.from_environment()
    assert (store.max_per_hour, store.max_bytes, store.keep_days) == (5, 500_000, 90)
    monkeypatch.setenv("DEFORGIFY_FLAG_MAX_MB", "1e-9")  # a tiny store holds a byte, not none
    assert FeedbackStore.from_environment().max_bytes == 1


def test_a_clips_report_keeps_the_frame_at_its_moment_taken_from_the_clip(tmp_path) -> None:
    """A clip's answer remembers the clip and the moment of the frame that decided: nothing is
    written out for a report that may never come (a frame saved beforehand stayed on the
    server, as Gradio deletes only the files it sent out)."""
    from video_clips import write_opencv

    clip = write_opencv(tmp_path / "clip.mp4", lambda i: np.full((48, 64, 3), 20 * i, np.uint8), 10, fps=5)
    store, answers = FeedbackStore(tmp_path / "flags"), Answers()
    report = store.save(answers.claim(answers.issue(str(clip), {"label": "real"}, frame_at=1.0)), "fake")
    kept = np.asarray(Image.open(tmp_path / "flags" / report / IMAGE_FILE), np.float64)
    assert kept.shape == (48, 64, 3) and abs(kept.mean() - 100) < 6  # frame 5 of 10, at 1 s
    beyond = answers.claim(answers.issue(str(clip), {"label": "real"}, frame_at=60.0))
    with pytest.raises(FeedbackError, match="the clip is no longer here"):
        store.save(beyond, "fake")
    answer_id = answers.issue(str(clip), {"label": "real"}, frame_at=1.0)
    clip.unlink()
    with pytest.raises(FeedbackError, match="expired"):
        answers.claim(answer_id)
    assert store.reports() == [tmp_path / "flags" / report]


def test_a_see_through_photos_report_keeps_its_transparency_and_is_judged_again_alike(astronaut, tmp_path) -> None:
    """A visitor's find: a report of a half see-through face stored it without its alpha channel,
    and the copy kept was judged again as an opaque face, not "partly transparent" as reported."""
    from deforgify.detector import Detector

    photo = tmp_path / "see-through.png"
    Image.fromarray(np.dstack([astronaut, np.full(astronaut.shape[:2], 128, np.uint8)])).save(photo)
    store, answers = FeedbackStore(tmp_path / "flags"), Answers()
    report = store.save(answers.claim(answers.issue(str(photo), {"label": "unsure"})), "real")
    stored = tmp_path / "flags" / report / IMAGE_FILE
    assert Image.open(stored).mode == "RGBA"
    detector = Detector.load()
    assert detector.predict(stored) == detector.predict(photo) and detector.predict(stored).caution


@pytest.mark.parametrize("face, said", [(None, "fake"), (1, "real"), (2, "unsure")])
def test_a_report_is_against_the_answer_or_one_of_its_faces(face, said) -> None:
    from deforgify.feedback import reported_label

    result = {"label": "fake", "faces": [{"label": "real"}, {"label": "unsure"}]}
    assert reported_label(result, face) == said


@pytest.mark.parametrize("face", [0, 3, -1, True, 1.5, "1"])
def test_a_report_of_a_face_the_answer_does_not_have_is_refused(face) -> None:
    from deforgify.feedback import FeedbackError, reported_label

    with pytest.raises(FeedbackError, match=rf"this answer has no face {re.escape(repr(face))}: it has 2 faces"):
        reported_label({"label": "fake", "faces": [{"label": "real"}, {"label": "unsure"}]}, face)


def test_a_clips_face_is_reported_with_the_frame_where_it_looked_most_fake(monkeypatch, tmp_path: Path) -> None:
    """A report of a clip's face 1 kept the deciding frame, which showed face 2 alone."""
    from types import SimpleNamespace

    from deforgify.feedback import IssuedAnswer
    from deforgify.video import frames

    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"a clip")
    asked: list[float] = []
    monkeypatch.setattr(frames, "frame_at", lambda path, t: asked.append(t) or SimpleNamespace(rgb=np.zeros((4, 4, 3))))
    answer = IssuedAnswer(str(clip), {"label": "fake", "faces": [{"label": "unsure", "peak_t": 0.5},
                                                                 {"label": "fake", "peak_t": 2.2}]}, frame_at=2.2)
    answer.pixels()
    answer.pixels(1)
    answer.pixels(2)
    assert asked == [2.2, 0.5, 2.2]


def test_the_choice_of_face_words_each_share_as_the_pictures_caption_does() -> None:
    """Beside an edge of the unsure band a caption gives decimals ("real (fake 18.9%)" by the band's
    19.2%); the report's choice of face said "fake 19%" for the same face (a visitor's find)."""
    from deforgify.app.reports import report_ready

    def face(fake: float, label: str) -> dict:
        return {"label": label, "confidences": {"real": 1 - fake, "fake": fake}, "caution": None}

    row = {"label": "unsure", "faces": [face(0.5, "unsure"), face(0.189, "real")],
           "model": {"unsure_band": [0.192, 0.971], "threshold": 0.488}}
    _, _, picker, _ = report_ready(row)
    assert [text for text, _ in picker["choices"]] == ["the photo's answer: unsure", "face 1: unsure (fake 50%)",
                                                       "face 2: real (fake 18.9%)"]
