"""Fingerprint matching: align two minutiae sets, pair their minutiae, score the pairing.

1. **Vote** (a generalised Hough transform, as in Ratha et al. 1996): every
   probe/gallery minutia pair whose directions differ by at most
   MAX_ROTATION proposes the rotation and translation that would lay one on
   the other; proposals are counted in (rotation, x, y) cells.
2. **Align**: the best-supported cells give candidate alignments, each
   refined by a least-squares rigid fit (2-D Kabsch) on the pairs that voted
   for it.
3. **Pair**: under each alignment, minutiae closer than PAIR_DISTANCE with
   directions within PAIR_ANGLE are paired one to one (mutual nearest
   neighbours); the fit is redone on the pairs and the pairing repeated, which
   absorbs part of the skin's stretch.
4. **Score**: ``m² / (n_p · n_g)``, where m counts the pairs, each weighted by
   how close it lies (1 when exact, 1 - SOFTNESS at the PAIR_DISTANCE
   limit), and n_p, n_g are the minutiae of each side within OVERLAP_DISTANCE
   of the other side, so a partial capture is judged on the area both
   impressions cover (but never on fewer than OVERLAP_FLOOR of its minutiae:
   a corner where three minutiae happen to agree is not a match).

Scores are in [0, 1]. :data:`DEFAULT_THRESHOLD` and :data:`FUSED_THRESHOLD`
were chosen from the synthetic benchmark (``python bench/bench_biometrics.py``);
docs/biometrics.md gives the figures.

    >>> from aes_id.biometrics.fingers import capture, master_fingers
    >>> thumb = master_fingers(3)[0]
    >>> match_score(capture(thumb, 1), capture(thumb, 2)) > DEFAULT_THRESHOLD
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics.minutiae import ANGLE_STEPS, MinutiaeSet

Floats = NDArray[np.float64]

MAX_ROTATION = math.radians(60)
ROTATION_BIN = math.radians(12)
SHIFT_BIN = 24.0
PEAKS = 3
PAIR_DISTANCE = 18.0
PAIR_ANGLE = math.radians(28)
OVERLAP_DISTANCE = 36.0
MIN_OVERLAP = 12
OVERLAP_FLOOR = 0.7

DEFAULT_THRESHOLD = 0.21
"""One-finger decision threshold (set from the benchmark; see docs/biometrics.md)."""
FUSED_THRESHOLD = 0.17
"""Threshold on the mean score of two or more fingers (see docs/biometrics.md)."""

SOFTNESS = 0.7
_COS_MAX_ROTATION = math.cos(MAX_ROTATION)
_COS_PAIR_ANGLE = math.cos(PAIR_ANGLE)
_GRID = 64  # translation cells per axis in the vote hash (64 x 24 px covers any frame)
_CELL_COUNT = _GRID * _GRID * (int(2 * MAX_ROTATION / ROTATION_BIN) + 2)


@dataclass(frozen=True)
class Prepared:
    """A minutiae set in matcher form: centred positions as complex numbers (y up), directions
    as unit complex numbers, so that a rigid motion is one multiplication and one addition."""

    z: NDArray[np.complex128]
    u: NDArray[np.complex128]
    size: int

    @classmethod
    def of(cls, minutiae: MinutiaeSet) -> Prepared:
        data = minutiae.data
        return cls.from_arrays(data[:, 0], data[:, 1], data[:, 2])

    @classmethod
    def from_arrays(
        cls, x: NDArray[np.number], y: NDArray[np.number], angle_code: NDArray[np.number]
    ) -> Prepared:
        """From pixel coordinates (y down) and ISO angle codes (0-255)."""
        z = np.asarray(x, np.float64) - 1j * np.asarray(y, np.float64)  # y up
        if z.size:
            z = z - z.mean()
        theta = np.asarray(angle_code, np.float64) * (2 * math.pi / ANGLE_STEPS)
        return cls(z, np.exp(1j * theta), z.size)


def prepare(minutiae: MinutiaeSet) -> Prepared:
    """Convert once for many matches (the 1:N index keeps its gallery prepared)."""
    return Prepared.of(minutiae)


def match_score(probe: MinutiaeSet, gallery: MinutiaeSet) -> float:
    """Similarity of two impressions of (maybe) the same finger, in [0, 1]."""
    return match_prepared(Prepared.of(probe), Prepared.of(gallery))


def fused_score(probes: Sequence[MinutiaeSet], gallery: Sequence[MinutiaeSet]) -> float:
    """Mean score over the fingers present on both sides, matched by finger position.

    Fingers of unknown position are matched in order. Raises ValueError if no
    finger is shared.
    """
    by_position = {g.position: g for g in gallery if g.position}
    scores = []
    for index, probe in enumerate(probes):
        other = by_position.get(probe.position) if probe.position else None
        if other is None and not probe.position and index < len(gallery):
            other = gallery[index]
        if other is not None:
            scores.append(match_score(probe, other))
    if not scores:
        raise ValueError("the probe and the gallery share no finger position")
    return float(np.mean(scores))


def match_prepared(probe: Prepared, gallery: Prepared) -> float:
    """:func:`match_score` on prepared sets."""
    if probe.size < 3 or gallery.size < 3:
        return 0.0
    pi, gj, turn, shift = _proposals(probe, gallery)
    if pi.size < 2:
        return 0.0
    best, best_pairs = 0.0, None
    for members in _peaks(turn, shift):
        rot, move = _rigid_fit(probe.z[pi[members]], gallery.z[gj[members]])
        score, pairs = _pair(probe, gallery, rot, move)
        if score >= best:
            best, best_pairs = score, pairs
    if best_pairs is None or best_pairs[0].size < 2:
        return best
    rot, move = _rigid_fit(probe.z[best_pairs[0]], gallery.z[best_pairs[1]])
    return min(1.0, max(best, _pair(probe, gallery, rot, move)[0]))


def _proposals(
    probe: Prepared, gallery: Prepared
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.complex128], NDArray[np.complex128]]:
    """Step 1: every direction-compatible pair and the rigid motion it proposes."""
    turn = gallery.u[None, :] * probe.u.conj()[:, None]  # e^{i(θg - θp)}
    pi, gj = np.nonzero(turn.real >= _COS_MAX_ROTATION)
    turn = turn[pi, gj]
    return pi, gj, turn, gallery.z[gj] - turn * probe.z[pi]


def _peaks(turn: NDArray[np.complex128], shift: NDArray[np.complex128]) -> list[NDArray[np.bool_]]:
    """Step 2: the pairs behind the PEAKS best-supported cells (each vote covers 2x2x2 cells)."""
    cells = []
    for value, wrap in (
        ((np.angle(turn) + MAX_ROTATION) / ROTATION_BIN, 0),
        (shift.real / SHIFT_BIN, _GRID),
        (shift.imag / SHIFT_BIN, _GRID),
    ):
        both = np.floor(np.stack((value, value + 0.5))).astype(np.int64)
        cells.append(both % wrap if wrap else both)
    rot, sx, sy = cells
    keys = (rot[:, None, None, :] * _GRID + sx[None, :, None, :]) * _GRID + sy[None, None, :, :]
    keys = keys.reshape(8, -1)
    flat = keys.ravel()
    support = np.bincount(flat, minlength=_CELL_COUNT)[flat]
    peaks = []
    for _ in range(PEAKS):
        at = int(np.argmax(support))
        if support[at] < 2:
            break
        cell = flat[at]
        peaks.append((keys == cell).any(axis=0))
        support[flat == cell] = 0
    return peaks


def _rigid_fit(a: NDArray[np.complex128], b: NDArray[np.complex128]) -> tuple[complex, complex]:
    """Least-squares rotation (a unit complex) and shift taking points ``a`` onto ``b`` (Kabsch)."""
    ca, cb = a.mean(), b.mean()
    cross = complex(np.vdot(a - ca, b - cb))  # sum of conj(a) * b: its angle is the rotation
    rot = cross / abs(cross) if cross else 1.0 + 0j
    return rot, cb - rot * ca


def _pair(
    probe: Prepared, gallery: Prepared, rot: complex, move: complex
) -> tuple[float, tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Steps 3 and 4: one-to-one pairs under the alignment and the score they make."""
    dist = np.abs((rot * probe.z + move)[:, None] - gallery.z[None, :])
    agree = (gallery.u[None, :] * (rot * probe.u).conj()[:, None]).real  # cos of the angle gap
    cost = np.where((dist <= PAIR_DISTANCE) & (agree >= _COS_PAIR_ANGLE), dist, np.inf)
    best_g = np.argmin(cost, axis=1)
    best_p = np.argmin(cost, axis=0)
    rows = np.arange(probe.size)
    mutual = (best_p[best_g] == rows) & np.isfinite(cost[rows, best_g])
    pairs_p, pairs_g = rows[mutual], best_g[mutual]
    closeness = 1.0 - SOFTNESS * (dist[pairs_p, pairs_g] / PAIR_DISTANCE) ** 2
    overlap_p = max(
        int((dist.min(axis=1) <= OVERLAP_DISTANCE).sum()), MIN_OVERLAP, OVERLAP_FLOOR * probe.size
    )
    overlap_g = max(
        int((dist.min(axis=0) <= OVERLAP_DISTANCE).sum()), MIN_OVERLAP, OVERLAP_FLOOR * gallery.size
    )
    weight = float(closeness.sum())
    return weight * weight / (overlap_p * overlap_g), (pairs_p, pairs_g)
