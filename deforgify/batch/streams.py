"""Streams too long to hold in memory: fixed-size batches, and an executor map that keeps only a
bounded number of tasks in flight."""

from __future__ import annotations

import contextlib
import itertools
import pickle
from collections import deque
from concurrent.futures import Executor
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
E = TypeVar("E", bound=Executor)


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    items = iter(items)
    while batch := list(itertools.islice(items, size)):
        yield batch


class Pool(Protocol):
    """What :func:`bounded_map` needs of a pool: ``submit``, whose future has ``result()`` (a
    ``concurrent.futures.Executor``, a Dask client)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


def bounded_map(pool: Pool, function: Callable[[T], R], tasks: Iterable[T], ahead: int,
                unsent: Optional[Callable[[T], R]] = None) -> Iterator[R]:
    """``pool.map`` in order, submitting at most ``ahead`` tasks before the one awaited
    (``Executor.map`` submits every task at once). A task that could not be sent to the pool
    (it cannot be pickled) gets ``unsent(task)`` instead, if given; any other failure, a broken
    pool's included, is raised."""
    pending: deque[tuple[T, Any]] = deque()

    def result() -> R:
        task, future = pending.popleft()
        try:
            return future.result()
        except Exception as error:
            if unsent is None or not cannot_pickle(error):
                raise
            return unsent(task)

    for task in tasks:
        pending.append((task, pool.submit(function, task)))
        if len(pending) >= ahead:
            yield result()
    while pending:
        yield result()


def cannot_pickle(error: BaseException) -> bool:
    """Whether ``error`` is pickle's refusal of an object (an open file, a generator, a local
    function), as a process pool sets it on the future of the task that held it."""
    return isinstance(error, pickle.PicklingError) or (
        isinstance(error, (TypeError, AttributeError)) and "pickle" in str(error))


@contextlib.contextmanager
def closing_pool(pool: E) -> Iterator[E]:
    """``with pool:``, except when left by an exception (Ctrl-C, a reader that stopped reading, a
    failure): then the tasks not yet handed to a worker are cancelled, and only those handed over
    (running, or next in a worker's queue) are awaited.

    A plain ``with`` waits for every task, and can wait for good: a Ctrl-C that lands inside a
    process pool's ``submit``, after the task is recorded as pending and before it is queued,
    leaves a task no worker will ever take, and the pool's shutdown waits for it (a CI run sat
    300 s after Ctrl-C). Cancelling drops it."""
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
