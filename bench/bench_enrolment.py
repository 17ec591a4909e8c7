"""End-to-end synthetic enrolment: residents per second on one core and on two, and memory.

Run: ``.venv/bin/python bench/bench_enrolment.py [--n 2000] [--large 10000] [--workers 2]
[--population-large 4000]``

Each measurement runs in a fresh Python process (so that its memory figures
are its own) against a fresh SQLite registry:

- :func:`aes_id.simulate.enrolment.enrol_synthetic`: generating the people
  (names, dates, places), validating them, capturing ten fingers each (master
  minutiae, a noisy capture, the template record and the de-duplication
  gallery row: the costly part) and the bulk insert; at ``--n`` residents
  with one process and with ``--workers``, and at ``--large`` to show that
  memory stays flat (it streams in chunks of 500).
- :func:`aes_id.simulate.enrolment.enrol_population`, what
  ``aes-id enrol --synthetic`` runs: the same, plus the 1:N search of each
  person against everyone enrolled before a NIN is allocated. Its gallery
  lives in memory and grows with the registry by design, and each search
  costs a little more as it grows: measured at ``--n`` and
  ``--population-large`` residents (0 skips it).

Faces are not drawn at enrolment: a synthetic face is stored as its seed and
painted when a card needs it (see ``bench_issuance.py``).

Memory: the peak resident set (VmHWM) of the enrolling process above its size
once everything is imported and warm, plus the largest worker's peak. Besides
the gallery, what grows is the list of new NINs returned (about 70 bytes a
resident). CPU is that of the parent and its joined workers: on a machine
shared with other jobs, wall-clock rates fall while CPU per resident holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from resource import RUSAGE_CHILDREN, getrusage

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
MODES = ("synthetic", "population")


def _vm_kib(field: str) -> int:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status, in KiB (0 where there is no /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def child(mode: str, n: int, workers: int) -> None:
    """Enrol ``n`` residents with ``workers`` processes; print one JSON line of figures."""
    from aes_id.registry.db import open_registry
    from aes_id.simulate.enrolment import enrol_population, enrol_synthetic

    enrol = enrol_synthetic if mode == "synthetic" else enrol_population
    with tempfile.TemporaryDirectory(prefix="aes-bench-") as tmp:
        registry = open_registry(Path(tmp) / "registry.db")
        enrol(registry, 50, seed=1, state=None, officer="b", site="s", now=NOW)  # warm up
        baseline = _vm_kib("VmRSS")
        wall, cpu = time.perf_counter(), time.process_time()
        enrol(
            registry, n, seed=7, state=None, officer="bench", site="Niamey", now=NOW,
            workers=workers,
        )  # fmt: skip
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        registry.dispose()
    workers_usage = getrusage(RUSAGE_CHILDREN)  # the pool's workers, joined
    figures = {
        "mode": mode,
        "n": n,
        "workers": workers,
        "wall": wall,
        "cpu": cpu,
        "worker_cpu": workers_usage.ru_utime + workers_usage.ru_stime,
        "baseline_kib": baseline,
        "peak_kib": _vm_kib("VmHWM"),
        "worker_peak_kib": workers_usage.ru_maxrss,  # KiB on Linux
    }
    print(json.dumps(figures))


def measure(mode: str, n: int, workers: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(n), str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def growth_mib(figures: dict[str, float]) -> float:
    return (figures["peak_kib"] - figures["baseline_kib"]) / 1024


def show(label: str, figures: dict[str, float]) -> None:
    n, wall = figures["n"], figures["wall"]
    cpu = (figures["cpu"] + figures["worker_cpu"]) / n * 1e3
    worker = (
        f", worker {figures['worker_peak_kib'] / 1024:4.0f} MiB" if figures["workers"] > 1 else ""
    )
    print(
        f"  {label:<24} {n:>7,.0f} {wall:7.1f} s {n / wall:6,.0f}/s  "
        f"CPU {cpu:5.2f} ms each (parent {figures['cpu'] / n * 1e3:5.2f})  "
        f"peak RSS +{growth_mib(figures):6.1f} MiB{worker}"
    )


def flatness(small: dict[str, float], large: dict[str, float]) -> str:
    extra = (growth_mib(large) - growth_mib(small)) * 2**20 / (large["n"] - small["n"])
    return (
        f"peak RSS growth {growth_mib(small):.1f} MiB at {small['n']:,.0f} and "
        f"{growth_mib(large):.1f} MiB at {large['n']:,.0f} residents: "
        f"{extra:,.0f} B per extra resident"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="residents for the rate runs")
    parser.add_argument("--large", type=int, default=10_000, help="residents, memory run")
    parser.add_argument("--workers", type=int, default=2, help="processes for 'both cores'")
    parser.add_argument("--population-large", type=int, default=4000, help="0 to skip")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return

    print("enrol_synthetic: people, validation, ten fingers, bulk insert into SQLite")
    print(f"  {'':<24} {'people':>7} {'wall':>9} {'rate':>8}")
    one = measure("synthetic", args.n, 1)
    show("one process", one)
    both = measure("synthetic", args.n, args.workers)
    show(f"{args.workers} worker processes", both)
    per_core = one["n"] / (one["cpu"] + one["worker_cpu"])
    print(
        f"  speed-up with {args.workers} workers: {one['wall'] / both['wall']:.2f}x; "
        f"CPU-bound rate of one core {per_core:,.0f}/s, of {args.workers} about "
        f"{per_core * args.workers:,.0f}/s"
    )
    large = measure("synthetic", args.large, args.workers)
    show(f"{args.workers} workers, large", large)
    print(f"  memory: {flatness(both, large)} (flat = 0)")

    print("\nenrol_population (as `aes-id enrol --synthetic`): the same plus the 1:N search")
    found = measure("population", args.n, args.workers)
    show(f"{args.workers} worker processes", found)
    if args.population_large > args.n:
        bigger = measure("population", args.population_large, args.workers)
        show(f"{args.workers} workers, larger", bigger)
        print(f"  memory: {flatness(found, bigger)} (the in-memory gallery grows by design)")


if __name__ == "__main__":
    main()
