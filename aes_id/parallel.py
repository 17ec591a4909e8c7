"""Bounded, ordered fan-out to worker processes.

``Executor.map`` submits every item at once, so memory grows with the input;
:func:`ordered_map` keeps only a few chunks in flight and yields results in
input order, so bulk jobs stay flat in memory at any size.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    pool: Executor, fn: Callable[[T], R], items: Iterable[T], *, ahead: int = 4
) -> Iterator[R]:
    """``map(fn, items)`` on ``pool`` with at most ``ahead`` items in flight, in order."""
    pending: deque[Future[R]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def default_workers() -> int:
    """Worker processes for bulk work: the cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
