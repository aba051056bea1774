"""Streams too long to hold in memory: fixed-size batches, and an executor map that keeps only a
bounded number of tasks in flight."""

from __future__ import annotations

import itertools
from collections import deque
from concurrent.futures import Executor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    items = iter(items)
    while batch := list(itertools.islice(items, size)):
        yield batch


def bounded_map(pool: Executor, function: Callable[[T], R], tasks: Iterable[T], ahead: int) -> Iterator[R]:
    """``pool.map`` in order, submitting at most ``ahead`` tasks before the one awaited
    (``Executor.map`` submits every task at once)."""
    pending: deque = deque()
    for task in tasks:
        pending.append(pool.submit(function, task))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
