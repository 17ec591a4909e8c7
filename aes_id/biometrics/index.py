"""1:N de-duplication index: a cheap shortlist over everyone, then the matcher on a few.

1. **Shortlist**: every enrolled person is one row of min-hash signatures,
   one block per finger (:mod:`signature`), in a contiguous uint8 matrix.
   A search counts, row by row, the bytes equal to the probe's (numpy over
   chunks of the matrix, on every core) and keeps the ``top_k`` rows with
   the most agreements, if they stand out from the gallery (:mod:`shortlist`).
2. **Score**: each shortlisted person is matched finger by finger with the
   full matcher (:mod:`match`), the fingers whose signatures agreed most
   first. A person whose first finger, or first two, score far below the
   threshold is dropped early; the others are matched on every shared
   finger, and their score is the mean.

Everything lives in memory; :meth:`DedupIndex.to_bytes` and
:meth:`DedupIndex.from_bytes` give a snapshot the registry can store, and
:func:`aes_id.biometrics.signature.person_signature` lets it keep each
person's row beside their templates.

    >>> from aes_id.biometrics.fingers import capture, master_fingers
    >>> index = DedupIndex()
    >>> for person in range(20):
    ...     index.add(f"P{person}", [capture(m, 1) for m in master_fingers(person)])
    >>> again = [capture(m, 2) for m in master_fingers(7)]
    >>> [c.person_id for c in index.search(again)]
    ['P7']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics.arrays import IndexArrays, Packed
from aes_id.biometrics.match import Prepared, match_prepared
from aes_id.biometrics.minutiae import TEN_FINGERS, FingerPosition, MinutiaeSet
from aes_id.biometrics.shortlist import count_equal, shortlist
from aes_id.biometrics.signature import SIGNATURE_HASHES, person_signature
from aes_id.biometrics.snapshot import dump, load

DEFAULT_TOP_K = 30
DEDUP_THRESHOLD = 0.25
"""Mean matcher score over the shared fingers above which a candidate is a suspected duplicate."""
FIRST_FINGER_EXIT = 0.08
"""A shortlisted person whose best-agreeing finger scores below this is not matched further
(one genuine finger in a thousand scores that low; most unrelated ones do)."""
EARLY_EXIT = 0.15
"""Below this mean over the first two fingers, a shortlisted person is not matched further."""

_Array = TypeVar("_Array", bound=NDArray[Any])


@dataclass(frozen=True)
class Candidate:
    """A person the search found: their id, the fused matcher score and how it was reached."""

    person_id: str
    score: float
    fingers: int
    agreement: int


def pack(minutiae: MinutiaeSet) -> Packed:
    """Minutiae as uint32 words: x 9 bits | y 9 bits | angle 8 bits (the matcher's inputs)."""
    rows = minutiae.data.astype(np.uint32)
    return (rows[:, 0] << np.uint32(17)) | (rows[:, 1] << np.uint32(8)) | rows[:, 2]


def unpack(words: Packed) -> Prepared:
    """Matcher form of packed minutiae (see :func:`pack`)."""
    x = (words >> np.uint32(17)).astype(np.float64)
    y = ((words >> np.uint32(8)) & np.uint32(0x1FF)).astype(np.float64)
    angle = (words & np.uint32(0xFF)).astype(np.float64)
    return Prepared.from_arrays(x, y, angle)


class DedupIndex:
    """In-memory 1:N index over people enrolled with up to ten fingers each."""

    def __init__(self, positions: Sequence[FingerPosition] = TEN_FINGERS, *, threads: int = 0):
        self.positions = tuple(FingerPosition(p) for p in positions)
        self.width = SIGNATURE_HASHES * len(self.positions)
        if self.width % 8:
            raise ValueError("signature width must be a multiple of 8 bytes")
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._ids: list[str] = []
        self._signatures = np.zeros((0, self.width), np.uint8)
        self._counts = np.zeros((0, len(self.positions)), np.uint8)
        self._minutiae = np.zeros(0, np.uint32)
        self._size = 0
        self._used = 0
        self._offsets_cache: NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return self._size

    # -- building -----------------------------------------------------------------------

    def add(self, person_id: str, fingers: Sequence[MinutiaeSet]) -> None:
        """Enrol ``person_id`` with the fingers captured (any subset of the index's positions)."""
        self.add_with_signature(person_id, fingers, person_signature(fingers, self.positions))

    def add_with_signature(
        self, person_id: str, fingers: Sequence[MinutiaeSet], signature: NDArray[np.uint8]
    ) -> None:
        """Enrol with a signature computed earlier (e.g. stored in the registry)."""
        if signature.shape != (self.width,):
            raise ValueError(f"signature must be {self.width} bytes, got {signature.shape}")
        by_position = {f.position: f for f in fingers}
        parts = [
            pack(by_position[p]) if p in by_position else np.zeros(0, np.uint32)
            for p in self.positions
        ]
        self._reserve(1, sum(part.size for part in parts))
        row = self._size
        self._signatures[row] = signature
        self._counts[row] = [part.size for part in parts]
        for part in parts:
            self._minutiae[self._used : self._used + part.size] = part
            self._used += part.size
        self._ids.append(person_id)
        self._size += 1
        self._offsets_cache = None

    def add_many(self, people: Iterable[tuple[str, Sequence[MinutiaeSet]]]) -> None:
        """Enrol ``(person_id, fingers)`` pairs one after the other."""
        for person_id, fingers in people:
            self.add(person_id, fingers)

    def _reserve(self, rows: int, words: int) -> None:
        if self._size + rows > self._signatures.shape[0]:
            grown = max(1024, 2 * self._signatures.shape[0], self._size + rows)
            self._signatures = _grow(self._signatures, grown)
            self._counts = _grow(self._counts, grown)
        if self._used + words > self._minutiae.size:
            self._minutiae = _grow(
                self._minutiae, max(65536, 2 * self._minutiae.size, self._used + words)
            )

    # -- searching ----------------------------------------------------------------------

    def shortlist(
        self, fingers: Sequence[MinutiaeSet], top_k: int = DEFAULT_TOP_K
    ) -> list[tuple[str, int]]:
        """Stage 1 alone: ``(person_id, agreements)`` of up to ``top_k`` rows, best first."""
        present = sum(f.position in self.positions for f in fingers)
        rows, agreement = self._shortlist(self._probe_row(fingers), top_k, present)
        return [(self._ids[r], int(a)) for r, a in zip(rows, agreement, strict=True)]

    def agreements(self, fingers: Sequence[MinutiaeSet]) -> NDArray[np.uint16]:
        """For every row, how many signature bytes agree with the probe's (diagnostics)."""
        matrix = self._signatures[: self._size]
        return count_equal(matrix, self._probe_row(fingers), self.threads)

    def _probe_row(self, fingers: Sequence[MinutiaeSet]) -> NDArray[np.uint8]:
        return person_signature(fingers, self.positions, probe=True)

    def _shortlist(
        self, probe: NDArray[np.uint8], top_k: int, present: int
    ) -> tuple[NDArray[np.intp], NDArray[np.uint16]]:
        matrix = self._signatures[: self._size]
        return shortlist(matrix, probe, top_k=top_k, present=present, threads=self.threads)

    def search(
        self,
        fingers: Sequence[MinutiaeSet],
        *,
        top_k: int = DEFAULT_TOP_K,
        threshold: float | None = DEDUP_THRESHOLD,
    ) -> list[Candidate]:
        """People whose fused score reaches ``threshold`` (all scored ones if None), best first."""
        probes = {f.position: Prepared.of(f) for f in fingers if f.position in self.positions}
        probe = self._probe_row(fingers)
        found = []
        rows, agreements = self._shortlist(probe, top_k, len(probes))
        for row, agreement in zip(rows.tolist(), agreements.tolist(), strict=True):
            score, compared = self._score(row, probes, probe)
            if compared and (threshold is None or score >= threshold):
                found.append(Candidate(self._ids[row], score, compared, agreement))
        return sorted(found, key=lambda c: -c.score)

    def _score(
        self, row: int, probes: dict[FingerPosition, Prepared], probe: NDArray[np.uint8]
    ) -> tuple[float, int]:
        """Stage 2 for one person: matcher scores, most promising fingers first."""
        equal = (self._signatures[row] == probe).reshape(len(self.positions), SIGNATURE_HASHES)
        order = np.argsort(-equal.sum(axis=1), kind="stable")
        offsets = self._offsets()
        scores: list[float] = []
        for slot in order:
            position = self.positions[slot]
            start, end = offsets[row, slot], offsets[row, slot + 1]
            if position not in probes or end - start < 3:
                continue
            scores.append(match_prepared(probes[position], unpack(self._minutiae[start:end])))
            if (len(scores) == 1 and scores[0] < FIRST_FINGER_EXIT) or (
                len(scores) == 2 and sum(scores) / 2 < EARLY_EXIT
            ):
                break
        return (float(np.mean(scores)), len(scores)) if scores else (0.0, 0)

    # -- export -------------------------------------------------------------------------

    def arrays(self) -> IndexArrays:
        """The index's content as arrays (views: copy them before changing the index)."""
        return IndexArrays(
            self.positions,
            tuple(self._ids),
            self._signatures[: self._size],
            self._counts[: self._size],
            self._minutiae[: self._used],
        )

    @classmethod
    def from_arrays(cls, arrays: IndexArrays, *, threads: int = 0) -> DedupIndex:
        """An index over ``arrays`` (as :meth:`arrays` gives them, or built in bulk).

        The arrays are shared, not copied: the index never writes into them (adding a
        person first moves its content to larger arrays of its own).
        """
        arrays.check()
        index = cls(arrays.positions, threads=threads)
        index._ids = list(arrays.ids)
        index._signatures = np.ascontiguousarray(arrays.signatures, np.uint8)
        index._counts = np.ascontiguousarray(arrays.counts, np.uint8)
        index._minutiae = np.ascontiguousarray(arrays.minutiae, np.uint32)
        index._size, index._used = len(index._ids), index._minutiae.size
        return index

    def to_bytes(self) -> bytes:
        """A snapshot of the whole index (:func:`aes_id.biometrics.snapshot.dump`)."""
        return dump(self.arrays())

    @classmethod
    def from_bytes(cls, data: bytes) -> DedupIndex:
        """An index from a snapshot; raises SnapshotError (an InputError) on anything else."""
        return cls.from_arrays(load(data))

    def _offsets(self) -> NDArray[np.int64]:
        cached = self._offsets_cache
        if cached is None or cached.shape[0] != self._size:
            flat = np.concatenate(
                ([0], np.cumsum(self._counts[: self._size].ravel(), dtype=np.int64))
            )
            starts = flat[:-1].reshape(self._size, len(self.positions))
            cached = np.column_stack((starts, starts[:, -1] + self._counts[: self._size, -1]))
            self._offsets_cache = cached
        return cached


def _grow(array: _Array, rows: int) -> _Array:
    bigger = np.zeros_like(array, shape=(rows, *array.shape[1:]))
    bigger[: array.shape[0]] = array
    return cast(_Array, bigger)
