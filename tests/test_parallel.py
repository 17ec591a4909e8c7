"""Worker pools: results in order, and no worker outlives a killed parent."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from aes_id.parallel import ordered_map, worker_pool

PARENT = """
import os, signal, sys, time
import aes_id.parallel as parallel
if sys.argv[1] == "watch":  # as on a system without PR_SET_PDEATHSIG
    parallel._ask_kernel = lambda signum: False
    parallel.WATCH_SECONDS = 0.1
pool = parallel.worker_pool(2)
busy = [pool.submit(time.sleep, 0.3) for _ in range(2)]  # both workers start
pids = {pool.submit(os.getpid).result() for _ in range(8)}
print(" ".join(map(str, sorted(pids))), flush=True)
pool.submit(time.sleep, 60)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # a zombie is not running
        return stat.read().split()[2] != "Z"


@pytest.mark.parametrize("mode", ["kernel", "watch"])
def test_workers_end_when_their_parent_is_killed(mode: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", PARENT, mode], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == -9, run.stderr
    workers = [int(pid) for pid in run.stdout.split()]
    assert workers and os.getpid() not in workers
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], f"orphan workers {workers}"


def test_ordered_map_keeps_the_input_order() -> None:
    with worker_pool(2) as pool:
        assert list(ordered_map(pool, abs, range(-50, 0), ahead=3)) == list(range(50, 0, -1))
