"""Scanning on a Dask cluster: a local one of N worker processes started here, or an existing one
attached by address. Each worker loads the model once (on its first batch) and scores whole
batches, images read from the shared filesystem or sent with the task (dataset rows).

Dask was chosen over Ray Data by measurement (docs/scanning.md): +35 MB installed
against +244 MB, pure Python, and no change to the pinned TensorFlow, numpy or datasets.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from deforgify.batch.streams import batches, bounded_map
from deforgify.scan.collection import Item
from deforgify.video.frames import VideoSettings

if TYPE_CHECKING:
    from distributed import Client

    from deforgify.detector import Detector

BATCH = 64
"""Images per task: many model calls (of 4 faces each) for one scheduling, so scheduling costs little."""
TASKS_AHEAD_PER_WORKER = 3
CONNECT_TIMEOUT_SECONDS = 10

_detectors: dict[Optional[str], Any] = {}
_loading = threading.Lock()


class ClusterError(RuntimeError):
    """The cluster cannot be started or reached, or a worker answers with another model."""


def score_batch(task: tuple[Optional[str], str, list[Item], VideoSettings]) -> list[dict]:
    """Run on a worker: the rows for one batch (model reference, key field, items, and how videos
    are sampled), scored with the worker's own copy of the model."""
    from deforgify.scan.run import score_rows

    model, key_field, items, video = task
    return list(score_rows(_detector(model), items, key_field, 1, video))


def _detector(model: Optional[str]) -> Detector:
    """The worker's model, loaded on its first batch and kept for the next ones. A worker is one
    core: its face detector and model call use one thread each (with their defaults, N workers
    on N cores oversubscribe them: 233 -> 256 images/s with 2 workers here)."""
    with _loading:
        if model not in _detectors:
            import cv2

            from deforgify.detector import Detector

            cv2.setNumThreads(1)
            _detectors[model] = Detector.load(model, threads=1)
        return _detectors[model]


class DaskEngine:
    """Batches of items sent to Dask workers, rows returned in the items' order."""

    def __init__(self, address: str, model: Optional[str], model_revision: str,
                 video: VideoSettings = VideoSettings()) -> None:
        self.model, self.model_revision = model, model_revision
        self.video = video
        """How videos are sampled."""
        self.client = connect(address)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def rows(self, items: Iterable[Item], key_field: str) -> Iterator[dict]:
        ahead = max(self.workers, 1) * TASKS_AHEAD_PER_WORKER
        tasks = ((self.model, key_field, batch, self.video) for batch in batches(items, BATCH))
        for rows in bounded_map(self.client, score_batch, tasks, ahead):
            yield from self._checked(rows)

    def _checked(self, rows: list[dict]) -> list[dict]:
        for row in rows:
            if row["model_revision"] != self.model_revision:
                raise ClusterError(f"a worker scored with model {row['model_revision']}, not "
                                   f"{self.model_revision}: every worker must see the same model")
        return rows

    def close(self) -> None:
        cluster = self.client.cluster
        self.client.close()
        if cluster is not None:
            cluster.close()


def connect(address: str) -> Client:
    """A Dask client: ``local:N`` starts N single-threaded worker processes on this machine;
    anything else is the address of a running scheduler (``tcp://HOST:8786``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install -r requirements-scan.txt "
                           "(without --cluster, the scan runs on this machine)") from None
    if address.startswith("local:"):
        workers = _worker_count(address)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        return Client(cluster)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach a Dask scheduler at {address} ({error})") from None


def _worker_count(address: str) -> int:
    count = address.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"--cluster {address}: give local:N with N a number of workers, 1 or more")
    return int(count)
