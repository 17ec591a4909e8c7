"""Stage 1 of a 1:N search: from a million signature rows to a few dozen people, in numpy.

An index row is a person's signature (:mod:`signature`) with its columns
reordered: the first COARSE_HASHES min-hashes of every finger come first,
then the rest. The search runs in two passes over that matrix:

1. **Coarse**: count, on every row, the bytes of the coarse prefix equal to
   the probe's (a third of the row: a third of the memory traffic), and keep
   the best POOL_SHARE of the gallery (at least POOL_MIN rows), with every
   row tied at the cut.
2. **Full**: count the agreements over whole rows for that pool only, and
   keep the ``top_k`` best whose agreement stands GATE_Z standard deviations
   above the gallery's (estimated on SAMPLE_ROWS rows spread over it).

Counting is ``(block == probe)`` on chunks of CHUNK_ROWS rows, summed eight
bytes at a time as uint64 lanes, on every core (numpy releases the GIL).
Small galleries skip the coarse pass.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics.signature import SIGNATURE_HASHES

COARSE_HASHES = 16
POOL_SHARE = 0.02
POOL_MIN = 4096
SAMPLE_ROWS = 1024
CHUNK_ROWS = 8192
GATE_Z = 4.0
"""A shortlisted row's agreement must stand this many standard deviations above the gallery's
mean for a ten-finger probe, scaled by the square root of the share of fingers present (a
mate's lead grows that way). Measured: ten-finger mates stand 4.7 or more above (1st
percentile 6.2, over 1,000 searches of 100,000 people)."""
GATE_MIN_ROWS = 64

Matrix = NDArray[np.uint8]
Counts = NDArray[np.uint16]


def to_row(signature: Matrix, fingers: int) -> Matrix:
    """Signatures (finger after finger) in index-row order, coarse prefixes first.

    ``signature`` is one signature or a matrix of them, one per row.
    """
    blocks = signature.reshape(-1, fingers, SIGNATURE_HASHES)
    n = blocks.shape[0]
    coarse = blocks[:, :, :COARSE_HASHES].reshape(n, fingers * COARSE_HASHES)
    rest = blocks[:, :, COARSE_HASHES:].reshape(n, fingers * (SIGNATURE_HASHES - COARSE_HASHES))
    rows = np.concatenate((coarse, rest), axis=1)
    return rows.reshape(signature.shape)


def from_row(row: NDArray[np.generic], fingers: int) -> NDArray[np.generic]:
    """The inverse of :func:`to_row`, as ``(..., fingers, SIGNATURE_HASHES)`` blocks."""
    split = fingers * COARSE_HASHES
    coarse = row[..., :split].reshape(*row.shape[:-1], fingers, COARSE_HASHES)
    rest = row[..., split:].reshape(*row.shape[:-1], fingers, SIGNATURE_HASHES - COARSE_HASHES)
    return np.concatenate((coarse, rest), axis=-1)


def count_equal(matrix: Matrix, probe: Matrix, columns: int, threads: int) -> Counts:
    """Per row of ``matrix``, how many of its first ``columns`` bytes equal the probe's."""
    rows = matrix.shape[0]
    out = np.empty(rows, np.uint16)
    key = probe[:columns]
    starts = list(range(0, rows, CHUNK_ROWS))

    def work(part: list[int]) -> None:
        scratch = np.empty((CHUNK_ROWS, columns), np.bool_)
        for start in part:
            block = matrix[start : start + CHUNK_ROWS, :columns]
            n = block.shape[0]
            equal = np.equal(block, key, out=scratch[:n])
            # Eight 0/1 bytes per uint64 word: summing words adds lane by lane (at most
            # columns / 8 < 256 per lane, so no carry), then the eight lanes are added.
            lanes = equal.view(np.uint64).sum(axis=1, dtype=np.uint64)
            out[start : start + n] = lanes.view(np.uint8).reshape(n, 8).sum(axis=1, dtype=np.uint16)

    if threads > 1 and len(starts) >= 4 * threads:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, [starts[i::threads] for i in range(threads)]))
    else:
        work(starts)
    return out


def shortlist(
    matrix: Matrix, probe: Matrix, *, top_k: int, present: int, threads: int
) -> tuple[NDArray[np.intp], Counts]:
    """Rows of the ``top_k`` best candidates, best first, and their full agreements."""
    n, width = matrix.shape
    if n == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.uint16)
    pool_size = max(POOL_MIN, int(n * POOL_SHARE))
    if n <= pool_size:
        pool = np.arange(n)
        full = count_equal(matrix, probe, width, threads)
        sample = full
    else:
        coarse = count_equal(matrix, probe, width // SIGNATURE_HASHES * COARSE_HASHES, threads)
        cut = np.partition(coarse, n - pool_size)[n - pool_size]
        pool = np.flatnonzero(coarse >= cut)
        full = count_equal(matrix[pool], probe, width, threads)
        spread = np.linspace(0, n - 1, SAMPLE_ROWS).astype(np.intp)
        sample = count_equal(matrix[spread], probe, width, 1)
    k = min(top_k, pool.size)
    best = np.argpartition(full, full.size - k)[full.size - k :]
    best = best[np.argsort(-full[best], kind="stable")]
    if n >= GATE_MIN_ROWS:
        z = GATE_Z * (min(present, 10) / 10) ** 0.5
        gate = float(sample.mean()) + z * float(sample.std())
        best = best[full[best] >= gate]
    return pool[best], full[best]
