"""Worker processes for bulk jobs: a pool whose workers die with their parent, and a
bounded, ordered fan-out.

``Executor.map`` submits every item at once, so memory grows with the input;
:func:`ordered_map` keeps only a few chunks in flight and yields results in
input order, so bulk jobs stay flat in memory at any size.

A plain ``ProcessPoolExecutor`` leaves its workers running when the parent is
killed (``kill -9``, a terminal closed): they hold the ends of their own task
pipe, so they never see it close. :func:`worker_pool`'s workers ask the kernel
to stop them when the parent dies (Linux ``PR_SET_PDEATHSIG``) and, where that
is not available, watch their parent and exit when it is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
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


_PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0
"""How often a worker without ``PR_SET_PDEATHSIG`` checks that its parent is alive."""


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers end when the process that made it ends, however it ends."""
    return ProcessPoolExecutor(workers, initializer=_die_with_parent, initargs=(os.getpid(),))


def _die_with_parent(parent: int) -> None:
    """Worker initializer: be stopped by the kernel, or stop by itself, once ``parent`` is gone."""
    if _ask_kernel(signal.SIGTERM) and os.getppid() == parent:
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _ask_kernel(signum: int) -> bool:
    """``prctl(PR_SET_PDEATHSIG, signum)``; False where the call does not exist."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)
