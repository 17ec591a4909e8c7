"""Fixed-length finger signatures for the first, cheap stage of a 1:N search.

A finger becomes a set of *words*, one per pair of reliable minutiae less
than WORD_MAX_DISTANCE apart: the pair's length, the direction of the second
minutia and of the line joining them, both seen from the first, and the
first minutia's own direction in coarse steps (flat captures are taken
roughly upright, so that coarse direction carries information; a tilt
within ±22° mostly keeps the word). Two captures of one finger share many
words; two different fingers share few.

The set is then summarised by b-bit min-wise hashing (Broder 1997; Li and
König 2010): for each of SIGNATURE_HASHES hash functions, the low 7 bits of
the smallest hash over the set. Two signatures agree at one position with a
probability equal to the sets' Jaccard similarity (plus 1/128 by chance), so
counting equal bytes estimates the similarity of two fingers in a few
nanoseconds each. A missing finger is filled with a marker that never agrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics._stream import SeedStream
from aes_id.biometrics.minutiae import TEN_FINGERS, FingerPosition, MinutiaeSet

SIGNATURE_HASHES = 48
"""Min-hash bytes per finger (the benchmark's size/accuracy trade-off picked 48)."""
WORD_MIN_DISTANCE = 10.0
WORD_MAX_DISTANCE = 130.0
WORD_DISTANCE_STEP = 12.0
WORD_ANGLE_STEPS = 12  # 30° for the two relative angles
WORD_HEADING_STEPS = 8  # 45° for the first minutia's own direction
WORD_MIN_QUALITY = 35
PROBE_ABSENT = 0xFE
GALLERY_ABSENT = 0xFF

_DISTANCE_STEPS = int((WORD_MAX_DISTANCE - WORD_MIN_DISTANCE) // WORD_DISTANCE_STEP) + 1
_stream = SeedStream("aes-id/minhash/v1")
_MULTIPLIERS = (_stream.raw(SIGNATURE_HASHES) | np.uint64(1))[:, None]  # odd: multiply-shift
_OFFSETS = _stream.raw(SIGNATURE_HASHES)[:, None]

Bytes = NDArray[np.uint8]


def finger_words(minutiae: MinutiaeSet) -> NDArray[np.int64]:
    """The distinct words of one impression (see the module docstring)."""
    reliable = minutiae.minutia_quality >= WORD_MIN_QUALITY
    if minutiae.minutia_quality.max(initial=0) == 0:  # compact templates carry no quality
        reliable[:] = True
    xy = minutiae.xy[reliable] * (1.0, -1.0)
    theta = minutiae.theta[reliable]
    dx = xy[None, :, 0] - xy[:, None, 0]
    dy = xy[None, :, 1] - xy[:, None, 1]
    dist = np.hypot(dx, dy)
    first, second = np.nonzero((dist >= WORD_MIN_DISTANCE) & (dist <= WORD_MAX_DISTANCE))
    length = dist[first, second]
    line = np.arctan2(dy[first, second], dx[first, second]) - theta[first]
    turn = theta[second] - theta[first]
    d_bin = np.minimum(
        ((length - WORD_MIN_DISTANCE) / WORD_DISTANCE_STEP).astype(np.int64), _DISTANCE_STEPS - 1
    )
    line_bin = _angle_bin(line, WORD_ANGLE_STEPS)
    turn_bin = _angle_bin(turn, WORD_ANGLE_STEPS)
    heading_bin = _angle_bin(theta[first], WORD_HEADING_STEPS)
    words = (
        (d_bin * WORD_ANGLE_STEPS + line_bin) * WORD_ANGLE_STEPS + turn_bin
    ) * WORD_HEADING_STEPS
    return np.unique(words + heading_bin)


def _angle_bin(angle: NDArray[np.float64], steps: int) -> NDArray[np.int64]:
    return (np.floor((angle % (2 * math.pi)) * steps / (2 * math.pi))).astype(np.int64) % steps


def finger_signature(minutiae: MinutiaeSet | None, *, probe: bool = False) -> Bytes:
    """SIGNATURE_HASHES bytes of 7-bit min-hashes (a marker that never agrees if absent)."""
    words = finger_words(minutiae) if minutiae is not None else np.empty(0, np.int64)
    if words.size == 0:
        return np.full(SIGNATURE_HASHES, PROBE_ABSENT if probe else GALLERY_ABSENT, np.uint8)
    hashed = (_MULTIPLIERS * words.astype(np.uint64)[None, :] + _OFFSETS) >> np.uint64(32)
    smallest: NDArray[np.uint64] = hashed.min(axis=1)
    return (smallest & np.uint64(0x7F)).astype(np.uint8)


def person_signature(
    fingers: Sequence[MinutiaeSet],
    positions: Sequence[FingerPosition] = TEN_FINGERS,
    *,
    probe: bool = False,
) -> Bytes:
    """One row of the index: the finger signatures of ``positions``, in that order."""
    by_position = {f.position: f for f in fingers}
    return np.concatenate(
        [finger_signature(by_position.get(position), probe=probe) for position in positions]
    )
