"""Scoring many images at once (deforgify.batch.scoring), as a library user calls it: one bad item costs
only its own answer, and a call that cannot be meant is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from deforgify.batch.scoring import score_files, score_items
from deforgify.detector import Detector


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.load()


def test_an_item_no_worker_can_take_is_answered_here_and_the_rest_in_workers(detector, astronaut_jpeg: Path
                                                                            ) -> None:
    """An open file among 20 items sent to 2 worker processes cannot be pickled: the whole run
    raised "cannot pickle '_io.BufferedReader'" and answered nothing."""
    items = [(f"photo {index}", str(astronaut_jpeg)) for index in range(20)]
    expected = detector.predict(astronaut_jpeg).to_json()
    with open(astronaut_jpeg, "rb") as file:
        items[5] = ("open file", file)
        items[9] = ("generator", (value for value in range(3)))
        results = list(score_items(detector, items, workers=2))
    assert [result.name for result in results] == [name for name, _ in items]
    assert results[9].error.startswith("cannot read an image from a generator: give a file's path")
    assert all(result.prediction is not None and result.prediction.to_json() == expected
               for index, result in enumerate(results) if index != 9)


def test_one_path_for_the_list_or_an_image_without_its_name_is_refused_by_name(detector, astronaut_jpeg) -> None:
    """A str is a sequence: each of its letters was scored as a file; a bare image raised
    "too many values to unpack" from inside the batch."""
    with pytest.raises(TypeError, match=r"score_files takes a list of paths, not one path: "
                                        r"score_files\(detector, \['.*astronaut.jpg'\]\)"):
        score_files(detector, str(astronaut_jpeg))
    with pytest.raises(TypeError, match=r"score_items takes \(name, image\) pairs, not PosixPath"):
        list(score_items(detector, [astronaut_jpeg]))
    (from_json,) = score_items(detector, [["photo", str(astronaut_jpeg)]])  # a pair as JSON gives it
    assert from_json.name == "photo" and from_json.prediction is not None


def test_only_a_task_that_cannot_be_pickled_is_done_here_and_a_broken_pool_is_raised() -> None:
    """Every failure of a task was done again in this process: a pool whose workers could not
    start answered a whole run from one process, unsaid, and a task that crashed its worker ran
    again here."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from deforgify.batch.streams import bounded_map

    class Pool:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def submit(self, function, task):
            future: Future = Future()
            if task == 2:
                future.set_exception(self.error)
            else:
                future.set_result(function(task))
            return future

    def here(task: int) -> str:
        return f"here {task}"

    unpicklable = TypeError("cannot pickle '_io.BufferedReader' object")
    assert list(bounded_map(Pool(unpicklable), str, range(4), 2, here)) == ["0", "1", "here 2", "3"]
    for error in (BrokenProcessPool("a process in the pool was terminated abruptly"), MemoryError(),
                  RuntimeError("a bug in the worker")):
        with pytest.raises(type(error)):
            list(bounded_map(Pool(error), str, range(4), 2, here))
    with pytest.raises(TypeError, match="cannot pickle"):
        list(bounded_map(Pool(unpicklable), str, range(4), 2))  # nothing to do it with here


def test_an_exception_of_ours_while_reading_is_coded_as_ours_not_the_files(detector, astronaut_jpeg, monkeypatch
                                                                           ) -> None:
    """A fault of this program is "internal_error", so that a program does not drop a good file as
    unreadable; the other items are still answered."""
    import deforgify.batch.scoring

    def broken(source):
        raise RuntimeError("a bug")

    monkeypatch.setattr(deforgify.batch.scoring, "load_image", broken)
    row = next(score_items(detector, [("photo", str(astronaut_jpeg))], workers=1)).to_json()
    assert row == {"error": "could not be read (RuntimeError: a bug)", "error_code": "internal_error"}


def test_a_ctrl_c_inside_a_pools_submit_does_not_leave_the_run_waiting_for_good() -> None:
    """Ctrl-C landing inside a process pool's ``submit``, after the task is recorded as pending
    and before it is queued, left a task no worker takes; ``with pool:`` then waited for it for
    good (a CI run of ``predict --workers 2`` sat 300 s after Ctrl-C; 50 runs here did not
    hang). The landing is simulated: the pool's queue of task ids (CPython's ``_work_ids``)
    raises KeyboardInterrupt on ``put``. In a child process, so that a hang fails the test."""
    import subprocess
    import sys

    script = """
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from deforgify.batch.streams import closing_pool

class Interrupting:
    def put(self, item):
        raise KeyboardInterrupt

if __name__ == "__main__":
    with closing_pool(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))) as pool:
        assert [pool.submit(pow, 2, n).result() for n in range(3)] == [1, 2, 4]  # left normally: all done
    try:
        with closing_pool(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))) as pool:
            pool.submit(pow, 2, 3).result()
            pool._work_ids = Interrupting()
            pool.submit(pow, 2, 3)
    except KeyboardInterrupt:
        print("ended")
"""
    try:
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the pool was still waiting a minute after the Ctrl-C")
    assert run.stdout == "ended\n", run.stderr


def test_photos_before_a_video_are_released_before_it_is_read(detector, astronaut_jpeg: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's photo came out only with the 12 s clip given after it (one chunk of both),
    and a Ctrl-C while the clip was read lost the photo's answer: each photo before a clip is
    answered before the clip is read, and the clip before the photos after it are read."""
    import deforgify.batch.scoring as scoring

    read: list[str] = []
    prepare = scoring.prepare

    def reading(name, *args, **options):
        read.append(Path(name).name)
        return prepare(name, *args, **options)

    monkeypatch.setattr(scoring, "prepare", reading)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))  # refused once read: an error row
    photos = [tmp_path / f"{index}.jpg" for index in range(4)]
    for photo in photos:
        photo.write_bytes(astronaut_jpeg.read_bytes())
    results = score_files(detector, [*map(str, photos[:3]), str(clip), str(photos[3])], workers=2)  # prepared here
    for _ in range(3):
        assert next(results).prediction is not None and "clip.mp4" not in read  # answered, the clip not yet read
    assert next(results).error is not None and read[-1] == "clip.mp4"  # answered before 3.jpg is read
    assert next(results).prediction is not None and read[-1] == "3.jpg"
