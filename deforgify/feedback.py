""""Wrong verdict?" reports: a photo's pixels (no metadata), the answer the server gave for it,
the model that gave it and what the visitor says it should have been; kept only when a visitor
asks, in a local folder or (when configured) also a Hugging Face Hub dataset.

A report can only be made on an answer this server gave and still remembers (:class:`Answers`),
once per answer; a quota bounds reports per hour and the folder's total size, and reports older
than the retention period are deleted.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import numpy as np

from deforgify.model.calibration import NO_FACE, UNSURE

RECORD_FILE = "report.json"
IMAGE_FILE = "image.png"
SHOULD_BE = ("real", "fake", UNSURE, NO_FACE)
"""What a visitor can say the answer should have been, as the result labels its answers (the
page shows "no_face" as "no face"; the choice "don't know" was a second name for "unsure", a
walk's find). "no_face" says there is no face where one was boxed (of the answer: none in the
photo; of a face: that box is not one)."""
ANSWER_LIFETIME = 3600
"""Seconds an answer can be reported after it was given: as long as the app keeps the photo."""
MAX_ANSWERS = 10_000
"""Answers remembered at most (the oldest are forgotten first): memory stays bounded."""
MAX_PER_HOUR = 20
MAX_FOLDER_MB = 500
KEEP_DAYS = 90


def choices_against(label: Optional[str]) -> list[str]:
    """What a report can say an answer labelled ``label`` should have been: any choice but the
    answer itself (the page offers these alone; a report naming the answer is refused)."""
    return [choice for choice in SHOULD_BE if choice != label]


def reported_label(result: dict, face: Optional[int] = None) -> Optional[str]:
    """The label a report says is wrong: the answer's, or with ``face`` (numbered from 1, as the
    page, the faces picture and the words number them) that face's (a clip's: that face track's).
    FeedbackError when the answer has no such face."""
    if face is None:
        return result.get("label")
    faces = result.get("faces") or []
    if isinstance(face, bool) or not isinstance(face, int) or not 1 <= face <= len(faces):
        counted = f"{len(faces)} face{'' if len(faces) == 1 else 's'}"
        raise FeedbackError(f"this answer has no face {face!r}: it has {counted}, numbered from 1")
    return faces[face - 1].get("label")


class FeedbackError(RuntimeError):
    """A report was refused or could not be kept; the message says why, in words for a visitor."""


class NotNow(FeedbackError):
    """A report refused for now, not for good: a quota of the hour reached, or the store full
    (a program can try again later, where a refusal for what the report says would fail again)."""


@dataclass
class IssuedAnswer:
    """An answer this server gave, remembered so that it can be reported as wrong (its verdict is
    :class:`deforgify.answer.Answer`'s row)."""

    file: str
    """The uploaded file the answer is about: a photo, or a clip."""
    result: dict
    frame_at: Optional[float] = None
    """For a clip, the moment (in seconds) of the frame a report keeps, taken from the clip when
    it is reported: the clip goes when its answer does, where a frame written out beforehand
    stayed on the server (Gradio deletes only the files it sent out)."""
    issued: float = field(default_factory=time.monotonic)
    reported: bool = False
    report_id: Optional[str] = None
    """The id its report was saved under, said again if it is reported twice (a second click
    must not take the id, which the reporter needs to have the report deleted, off the page)."""
    reporter: Optional[str] = None
    """Who reported it (a browser or client session): the same visitor cannot report the same file
    again under the new answer that checking it again gives."""

    @property
    def told_reported(self) -> str:
        """Why it cannot be reported again, with its report's id; while that report is still being
        saved, that it may be reported again if the save fails (it is then released)."""
        if self.report_id:
            return f" as report {self.report_id} (quote it to have it deleted); thank you"
        return ": its report is being saved now (if that fails, you can report it again)"

    @property
    def picture(self) -> str:
        """What the answer was of, in a visitor's words: "photo" or "clip"."""
        return "photo" if self.frame_at is None else "clip"

    def pixels(self, face: Optional[int] = None) -> np.ndarray:
        """What a report keeps: the photo's decoded pixels (with their transparency, if any), or the
        clip's frame at ``frame_at``; of a clip's ``face`` (numbered from 1), the frame where that
        face looked most fake (the deciding frame could show another face alone)."""
        from deforgify.decode.images import InvalidImageError, load_pixels, read_bytes
        from deforgify.video.frames import frame_at

        gone = FeedbackError(f"the {self.picture} is no longer here: "
                             "check it again, then report")
        if self.frame_at is not None:
            shown = self.frame_at if face is None else self.result["faces"][face - 1].get("peak_t", self.frame_at)
            frame = frame_at(self.file, shown)
            if frame is None:
                raise gone
            return frame.rgb
        try:
            return load_pixels(read_bytes(self.file))
        except (InvalidImageError, OSError):
            raise gone from None


class Answers:
    """The answers this server gave, by the id it issued with each, remembered for
    ``lifetime`` seconds; each can be claimed for a report once."""

    def __init__(self, lifetime: float = ANSWER_LIFETIME, limit: int = MAX_ANSWERS) -> None:
        self.lifetime, self.limit = lifetime, limit
        self._answers: OrderedDict[str, IssuedAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self, file: str, result: dict, frame_at: Optional[float] = None) -> str:
        """Remember the answer ``result`` about ``file`` (of a clip, its frame at ``frame_at``
        seconds is what a report keeps); return the id issued with it."""
        answer_id = uuid.uuid4().hex
        with self._lock:
            self._forget_expired()
            self._answers[answer_id] = IssuedAnswer(file, result, frame_at)
            while len(self._answers) > self.limit:
                self._answers.popitem(last=False)
        return answer_id

    def claim(self, answer_id: object, should_be: Optional[str] = None,
              reporter: Optional[str] = None, face: Optional[int] = None) -> IssuedAnswer:
        """The answer ``answer_id`` names, marked reported (by ``reporter``); FeedbackError if
        this server never gave it, has forgotten it, it was reported already (or, by the same
        ``reporter``, another answer about the same file was), or it (or its ``face``, see
        :func:`reported_label`) already was ``should_be``."""
        with self._lock:
            self._forget_expired()
            answer = self._answers.get(answer_id) if isinstance(answer_id, str) else None
            if answer is None or not os.path.isfile(answer.file):
                raise FeedbackError("this answer is unknown here or has expired (answers can be "
                                    "reported for an hour): check the photo or clip again, then report")
            if answer.reported:
                raise FeedbackError(f"this answer has already been reported{answer.told_reported}")
            earlier = self._earlier(answer, reporter)
            if earlier:
                raise FeedbackError(f"this {answer.picture} has already been reported in this "
                                    f"session{earlier.told_reported}")
            label = reported_label(answer.result, face)
            if should_be in SHOULD_BE and should_be not in choices_against(label):
                said = "the answer" if face is None else f"face {face}"
                raise FeedbackError(f"{said} already was \"{label}\", so it is not wrong that way")
            answer.reported, answer.reporter = True, reporter
            return answer

    def _earlier(self, answer: IssuedAnswer, reporter: Optional[str]) -> Optional[IssuedAnswer]:
        """Another answer about the same file that ``reporter`` reported (a session reports a
        photo or clip once, however often it checks it again)."""
        return next((other for other in self._answers.values() if other is not answer and other.reported
                     and other.reporter == reporter and other.file == answer.file), None) if reporter else None

    def reported_before(self, answer_id: str, reporter: Optional[str]) -> Optional[IssuedAnswer]:
        """The answer about the same file as ``answer_id``'s that ``reporter`` already reported,
        if any: the page then shows its report done (its button looked ready, then refused)."""
        with self._lock:
            answer = self._answers.get(answer_id)
            return self._earlier(answer, reporter) if answer else None

    def saved(self, answer_id: str, report_id: str) -> None:
        """Remember the id the claimed answer's report was saved under."""
        with self._lock:
            if answer_id in self._answers:
                self._answers[answer_id].report_id = report_id

    def release(self, answer_id: str) -> None:
        """Allow a claimed answer to be reported again (its report could not be kept)."""
        with self._lock:
            if answer_id in self._answers:
                self._answers[answer_id].reported, self._answers[answer_id].reporter = False, None

    def _forget_expired(self) -> None:
        now = time.monotonic()
        while self._answers and now - next(iter(self._answers.values())).issued > self.lifetime:
            self._answers.popitem(last=False)


class ClientQuota:
    """At most ``limit`` reports per client in any hour, counted in memory: one visitor (or
    program) could otherwise use the store's whole hourly quota and shut everyone else out for
    an hour (20 answers and 20 reports from one client took 15 s)."""

    def __init__(self, limit: int, window: float = 3600.0) -> None:
        self.limit, self.window = limit, window
        self._taken: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Count one report of ``client``; FeedbackError when it has had its share this hour."""
        now = time.monotonic()
        with self._lock:
            for known in [c for c, times in self._taken.items() if now - times[-1] > self.window]:
                del self._taken[known]  # memory stays bounded by the clients of the last hour
            recent = [t for t in self._taken.get(client, []) if now - t <= self.window]
            if len(recent) >= self.limit:
                raise NotNow(f"you have reported {self.limit} answers in the last hour, this server's share for "
                             "one visitor; please try again later")
            self._taken[client] = recent + [now]

    def give_back(self, client: str) -> None:
        """Uncount the last report of ``client`` (it could not be kept)."""
        with self._lock:
            times = self._taken.get(client, [])
            if times:
                times.pop()
            if not times:  # no empty lists: take() reads each client's last time
                self._taken.pop(client, None)


@dataclass(frozen=True)
class FeedbackStore:
    folder: Path
    """Where reports are written (each in a folder of its own)."""
    dataset: Optional[str] = None
    """A Hub dataset OWNER/NAME that each report is also uploaded to."""
    max_per_hour: int = MAX_PER_HOUR
    max_bytes: int = MAX_FOLDER_MB * 1_000_000
    keep_days: float = KEEP_DAYS
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def from_environment(cls) -> "FeedbackStore":
        """DEFORGIFY_FLAGS (folder, default flagged/), DEFORGIFY_FLAG_DATASET,
        DEFORGIFY_FLAG_MAX_PER_HOUR, DEFORGIFY_FLAG_MAX_MB, DEFORGIFY_FLAG_KEEP_DAYS."""
        env = os.environ.get
        return cls(Path(env("DEFORGIFY_FLAGS") or "flagged"), env("DEFORGIFY_FLAG_DATASET") or None,
                   int(_setting("DEFORGIFY_FLAG_MAX_PER_HOUR", MAX_PER_HOUR, 1e6, whole=True)),
                   math.ceil(_setting("DEFORGIFY_FLAG_MAX_MB", MAX_FOLDER_MB, 1e9) * 1_000_000),
                   _setting("DEFORGIFY_FLAG_KEEP_DAYS", KEEP_DAYS, 36_500))

    def save(self, answer: IssuedAnswer, should_be: str, face: Optional[int] = None) -> str:
        """Keep one report of ``answer`` (of its ``face``, numbered from 1: None, of the answer
        as a whole); return its id. The photo is stored as its decoded
        pixels in a PNG (with its alpha channel where it is see-through: it is judged again
        alike), without the file's metadata (EXIF, GPS, XMP, ICC, C2PA), and the answer without
        what that metadata said (:func:`_without_metadata`)."""
        from PIL import Image

        if should_be not in SHOULD_BE:
            raise FeedbackError(f"say what the answer should have been: {', '.join(SHOULD_BE)}")
        rgb = answer.pixels(face)
        now = datetime.now(timezone.utc)
        report_id = f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        folder = self.folder / report_id
        with self._lock:
            try:
                self.delete_expired(now)
                self._check_quota(now)
                folder.mkdir(parents=True)
                Image.fromarray(rgb).save(folder / IMAGE_FILE, optimize=False)
                record = {"id": report_id, "reported": "wrong verdict", "face": face, "should_be": should_be,
                          "answer": _without_metadata(answer.result), "saved_at": now.isoformat(timespec="seconds")}
                (folder / RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n")
            except OSError as error:
                shutil.rmtree(folder, ignore_errors=True)
                raise FeedbackError(f"cannot write the report ({error.strerror or error})") from None
        return report_id

    def expire(self) -> int:
        """:meth:`delete_expired`, between reports (a server that gets none kept the old ones)."""
        with self._lock:
            return self.delete_expired()

    def send(self, report_id: str) -> None:
        """Upload a saved report to :attr:`dataset`, when one is set. Raises FeedbackError when the
        Hub refuses it or cannot be reached: the report stays saved here all the same (its id is
        the one to quote)."""
        if not self.dataset:
            return
        from huggingface_hub import HfApi

        from deforgify.hub import hub_endpoint

        try:
            HfApi(endpoint=hub_endpoint()).upload_folder(
                repo_id=self.dataset, repo_type="dataset", folder_path=self.folder / report_id,
                path_in_repo=f"reports/{report_id}", commit_message=f"Wrong-verdict report {report_id}")
        except Exception as error:  # noqa: BLE001  the Hub's errors are many; the local copy stays
            raise FeedbackError(f"sending it to the dataset {self.dataset} failed ({type(error).__name__})") from None

    def reports(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if (p / RECORD_FILE).is_file())

    def delete_expired(self, now: Optional[datetime] = None) -> int:
        """Delete reports older than ``keep_days``; return how many."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=self.keep_days)
        folders = [p for p in self.folder.iterdir() if p.is_dir()] if self.folder.is_dir() else []
        old = [p for p in folders if (_saved_at(p) or cutoff) < cutoff]  # half-written ones too
        for report in old:
            shutil.rmtree(report, ignore_errors=True)
        return len(old)

    def _check_quota(self, now: datetime) -> None:
        reports = self.reports()
        recent = [p for p in reports if (_saved_at(p) or now) > now - timedelta(hours=1)]
        if len(recent) >= self.max_per_hour:
            raise NotNow("too many reports in the last hour; please try again later")
        size = sum(f.stat().st_size for p in reports for f in p.iterdir() if f.is_file())
        if size >= self.max_bytes:
            raise NotNow("the report store is full; please try again another day")


class NotSaved(FeedbackError):
    """A report that was allowed but could not be written (a full or unwritable disk)."""


def save_report(answers: Answers, quota: ClientQuota, store: FeedbackStore, answer_id: object,
                should_be: str, reporter: Optional[str], client: str, face: Optional[int] = None) -> str:
    """Claim the answer ``answer_id`` for a report (of its ``face``, or as a whole), count it
    against ``client``'s quota and save it; return the report's id. FeedbackError says why it
    was refused (NotSaved: why it could not be written). Whatever stops it after the claim, the
    claim and the quota are given back: an answer left claimed without a report would be
    refused for the rest of its hour as "being saved"."""
    answer = answers.claim(answer_id, should_be, reporter, face)
    taken = False
    try:
        quota.take(client)
        taken = True
        report_id = store.save(answer, should_be, face)
    except BaseException as error:
        answers.release(str(answer_id))
        if taken:
            quota.give_back(client)
        if taken and type(error) is FeedbackError:
            raise NotSaved(str(error)) from None
        raise
    answers.saved(str(answer_id), report_id)
    return report_id


def _setting(name: str, default: float, largest: float, whole: bool = False) -> float:
    """The environment variable ``name`` as a number above 0 and at most ``largest`` (``whole``:
    a whole number), or ``default`` when it is unset or empty. Raises FeedbackError naming it
    otherwise: a value the store cannot use (a million days overflowed the date arithmetic of
    every report) stops the app at start, not a visitor's report."""
    text = os.environ.get(name) or ""
    if not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value <= largest) or (whole and value != int(value)):
        raise FeedbackError(f"{name} must be a{' whole' if whole else ''} number above 0 and at most {largest:g}, "
                            f"not {text!r}")
    return value


def _saved_at(report: Path) -> Optional[datetime]:
    """When a report was saved, from its id (YYYYmmddTHHMMSSZ-...)."""
    try:
        return datetime.strptime(report.name.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


KEPT_EVIDENCE = ("kind", "claim", "digital_source_type", "validation_state", "failures", "keys")
"""What a report keeps of each provenance evidence item: what the metadata claimed and how it
held up, not what it named (its words, camera make and model, software, signer and tool names:
the privacy note promises camera details removed)."""


def _without_metadata(result: dict) -> dict:
    """The answer as a report keeps it (:data:`KEPT_EVIDENCE`)."""
    provenance = result.get("provenance")
    if not isinstance(provenance, dict):
        return result
    evidence = [{key: item[key] for key in KEPT_EVIDENCE if key in item} for item in provenance.get("evidence") or []]
    return {**result, "provenance": {**provenance, "evidence": evidence}}
