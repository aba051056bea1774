"""Streams too long to hold in memory: fixed-size batches, and an executor map that keeps only a
bounded number of tasks in flight."""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


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
                failed: Optional[Callable[[T], R]] = None) -> Iterator[R]:
    """``pool.map`` in order, submitting at most ``ahead`` tasks before the one awaited
    (``Executor.map`` submits every task at once); a task whose future fails gets ``failed(task)``
    instead, if given (a task that cannot be pickled fails so, alone)."""
    pending: deque[tuple[T, Any]] = deque()

    def result() -> R:
        task, future = pending.popleft()
        if failed is None:
            return future.result()
        try:
            return future.result()
        except Exception:  # noqa: BLE001  failed() decides what becomes of it
            return failed(task)

    for task in tasks:
        pending.append((task, pool.submit(function, task)))
        if len(pending) >= ahead:
            yield result()
    while pending:
        yield result()
