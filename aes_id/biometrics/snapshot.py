"""Byte snapshots of a de-duplication index, so that a registry can keep it between runs.

Layout (big-endian), then a CRC-32 of everything before it:

=======  ==========================================================
bytes    field
=======  ==========================================================
3        magic ``AIX``
1        version (1)
1        number of finger positions P
2        min-hash bytes per finger H (must be SIGNATURE_HASHES)
4        people N
8        packed minutiae M
P        the finger positions (ISO/IEC 19794-2 codes)
2N       length of each person id in bytes
...      the person ids, UTF-8, one after the other
N·P·H    signatures, row by row (as ``person_signature`` gives them)
N·P      minutiae count per person and position
4M       packed minutiae (x 9 bits, y 9 bits, angle 8 bits)
=======  ==========================================================
"""

from __future__ import annotations

import struct
import zlib
from itertools import pairwise

import numpy as np

from aes_id.biometrics.arrays import IndexArrays
from aes_id.biometrics.minutiae import FingerPosition
from aes_id.biometrics.signature import SIGNATURE_HASHES
from aes_id.errors import InputError

MAGIC = b"AIX"
VERSION = 1
_HEADER = struct.Struct(">3sBBHIQ")


class SnapshotError(InputError):
    """Bytes that are not a de-duplication index snapshot."""


def dump(arrays: IndexArrays) -> bytes:
    """The snapshot of ``arrays`` (see the module docstring for the layout)."""
    arrays.check()
    ids = [person.encode() for person in arrays.ids]
    if any(len(raw) > 0xFFFF for raw in ids):
        raise ValueError("person ids must be at most 65535 bytes of UTF-8")
    header = _HEADER.pack(
        MAGIC, VERSION, len(arrays.positions), SIGNATURE_HASHES, len(ids), arrays.minutiae.size
    )
    body = b"".join(
        (
            header,
            bytes(arrays.positions),
            np.array([len(raw) for raw in ids], ">u2").tobytes(),
            b"".join(ids),
            np.ascontiguousarray(arrays.signatures).tobytes(),
            np.ascontiguousarray(arrays.counts).tobytes(),
            arrays.minutiae.astype(">u4").tobytes(),
        )
    )
    return body + struct.pack(">I", zlib.crc32(body))


def load(data: bytes) -> IndexArrays:
    """Read a snapshot written by :func:`dump`; raise SnapshotError on anything else."""
    view = memoryview(data)
    if len(view) < _HEADER.size + 4 or bytes(view[:3]) != MAGIC:
        raise SnapshotError("not a de-duplication index snapshot (expected magic AIX)")
    if zlib.crc32(view[:-4]) != struct.unpack(">I", view[-4:])[0]:
        raise SnapshotError("index snapshot is corrupt: its CRC-32 does not match")
    _, version, count, hashes, n, used = _HEADER.unpack(view[: _HEADER.size])
    if (version, hashes) != (VERSION, SIGNATURE_HASHES):
        raise SnapshotError(
            f"index snapshot version {version} with {hashes} hashes per finger is unsupported "
            f"(expected version {VERSION} with {SIGNATURE_HASHES})"
        )
    reader = _Reader(view[:-4], _HEADER.size)
    try:
        positions = tuple(FingerPosition(p) for p in reader.take(count))
    except ValueError:
        raise SnapshotError("index snapshot names an unknown finger position") from None
    lengths = np.frombuffer(reader.take(2 * n), ">u2").astype(np.int64)
    raw_ids = reader.take(int(lengths.sum()))
    width = count * SIGNATURE_HASHES
    signatures = np.frombuffer(reader.take(n * width), np.uint8).reshape(n, width)
    counts = np.frombuffer(reader.take(n * count), np.uint8).reshape(n, count)
    minutiae = np.frombuffer(reader.take(4 * used), ">u4").astype(np.uint32)
    if reader.offset != len(reader.data) or int(counts.sum(dtype=np.int64)) != used:
        raise SnapshotError("index snapshot sections do not add up")
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    try:
        ids = tuple(bytes(raw_ids[a:b]).decode() for a, b in pairwise(bounds.tolist()))
    except UnicodeDecodeError:
        raise SnapshotError("index snapshot holds a person id that is not UTF-8") from None
    return IndexArrays(positions, ids, signatures, counts, minutiae)


class _Reader:
    def __init__(self, data: memoryview, offset: int) -> None:
        self.data, self.offset = data, offset

    def take(self, size: int) -> memoryview:
        if self.offset + size > len(self.data):
            raise SnapshotError("index snapshot is truncated")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk
