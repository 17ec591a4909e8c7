"""Synthetic population: people generated per second, and peak memory while streaming.

Run: ``python bench/bench_population.py``. Each size is timed without
tracemalloc (which slows allocation), then streamed again under tracemalloc to
read the peak. A flat peak from 10k to 100k people shows the generator keeps
nothing behind it; the last line contrasts it with holding 10k people in a list.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from collections import deque

from aes_id.simulate.population import generate

TODAY = dt.date(2026, 3, 14)
SIZES = (10_000, 100_000)


def rate(n: int) -> float:
    started = time.perf_counter()
    deque(generate(n, seed=42, today=TODAY), maxlen=0)
    return n / (time.perf_counter() - started)


def streaming_peak(n: int) -> int:
    tracemalloc.start()
    deque(generate(n, seed=42, today=TODAY), maxlen=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def list_peak(n: int) -> int:
    tracemalloc.start()
    people = list(generate(n, seed=42, today=TODAY))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del people
    return peak


def main() -> None:
    deque(generate(2_000, seed=0, today=TODAY), maxlen=0)  # build the per-state tables once
    print(f"{'people':>9} {'people/s':>10} {'stream peak':>12}")
    peaks = {}
    for n in SIZES:
        peaks[n] = streaming_peak(n)
        print(f"{n:>9,} {rate(n):>10,.0f} {peaks[n] / 1024:>9,.0f} KiB")
    small, large = SIZES
    ratio = peaks[large] / peaks[small]
    print(f"stream peak ratio {large:,} / {small:,} people: {ratio:.2f} (1.00 = flat)")
    print(f"for contrast, {small:,} people held in a list: {list_peak(small) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
