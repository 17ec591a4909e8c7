"""Stage 1 of a 1:N search: from a million signature rows to a few dozen people, in numpy.

Every row of the gallery matrix is a person's signature (:mod:`signature`).
The probe's signature is compared with all of them: ``(block == probe)`` on
chunks of CHUNK_ROWS rows, the equal bytes summed eight at a time as uint64
lanes, on every core (numpy releases the GIL). The ``top_k`` rows with the
most agreements go on if they stand GATE_Z standard deviations above the
gallery's mean for this probe.

A coarse first pass over a prefix of each row (to read less memory) was
measured and dropped: at a million rows it saved nothing measurable, and it
lost the odd mate whose prefix happened to agree badly.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

CHUNK_ROWS = 8192
GATE_Z = 4.0
"""A shortlisted row's agreement must stand this many standard deviations above the gallery's
mean for a ten-finger probe, scaled by the square root of the share of fingers present (a
mate's lead grows that way). Measured: ten-finger mates stand 4.7 or more above (1st
percentile 6.2, over 1,000 searches of 100,000 people)."""
GATE_MIN_ROWS = 64

Matrix = NDArray[np.uint8]
Counts = NDArray[np.uint16]


def count_equal(matrix: Matrix, probe: Matrix, threads: int) -> Counts:
    """Per row of ``matrix``, how many of its bytes equal the probe's."""
    rows, columns = matrix.shape
    out = np.empty(rows, np.uint16)
    starts = list(range(0, rows, CHUNK_ROWS))

    def work(part: list[int]) -> None:
        scratch = np.empty((CHUNK_ROWS, columns), np.bool_)
        for start in part:
            block = matrix[start : start + CHUNK_ROWS]
            n = block.shape[0]
            equal = np.equal(block, probe, out=scratch[:n])
            # Eight 0/1 bytes per uint64 word: summing words adds lane by lane (at most
            # columns / 8 < 256 per lane, so no carry), then the eight lanes are added.
            lanes = equal.view(np.uint64).sum(axis=1, dtype=np.uint64)
            out[start : start + n] = lanes.view(np.uint8).reshape(n, 8).sum(axis=1, dtype=np.uint16)

    if columns % 8 or columns >= 8 * 256:
        raise ValueError(f"rows must be a multiple of 8 bytes and under 2048, got {columns}")
    if threads > 1 and len(starts) >= 4 * threads:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, [starts[i::threads] for i in range(threads)]))
    else:
        work(starts)
    return out


def shortlist(
    matrix: Matrix, probe: Matrix, *, top_k: int, present: int, threads: int
) -> tuple[NDArray[np.intp], Counts]:
    """Rows of up to ``top_k`` best candidates, best first, and their agreements.

    ``present`` is the number of fingers the probe has (it scales the gate).
    """
    n = matrix.shape[0]
    if n == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.uint16)
    agreement = count_equal(matrix, probe, threads)
    k = min(top_k, n)
    best = np.argpartition(agreement, n - k)[n - k :]
    best = best[np.argsort(-agreement[best], kind="stable")]
    if n >= GATE_MIN_ROWS:
        z = GATE_Z * (min(present, 10) / 10) ** 0.5
        gate = float(agreement.mean()) + z * float(agreement.std())
        best = best[agreement[best] >= gate]
    return best, agreement[best]
