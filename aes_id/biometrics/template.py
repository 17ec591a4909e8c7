"""Binary finger templates: the registry's ten-finger record and the QR's compact view.

Both formats are AES-ID's own (a "vendor-specific" sub-format in Claim 169
terms), laid out after ISO/IEC 19794-2 but packed for a fixed 400 x 500 frame
at 500 dpi. docs/biometrics.md draws them bit by bit. Every decoder treats its
input as untrusted: anything that is not a well-formed template raises
:class:`TemplateError`, never another exception.

    >>> from aes_id.biometrics.fingers import capture, master_fingers
    >>> views = [capture(m, 1) for m in master_fingers(7)]
    >>> decode_fingers(encode_fingers(views)) == tuple(views)
    True
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics.minutiae import (
    ANGLE,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    KIND,
    QUALITY,
    FingerPosition,
    MinutiaeSet,
    Pattern,
    X,
    Y,
)
from aes_id.errors import InputError

RECORD_MAGIC = b"AFR"
RECORD_VERSION = 1
MINUTIA_BYTES = 5
MAX_VIEWS = 10

COMPACT_VERSION = 1
COMPACT_SUBFORMAT = 100
"""Claim 169 biometric sub-format number of the compact template (vendor range, from 100)."""
COMPACT_MINUTIAE = 16
"""Minutiae kept per finger in the compact template by default (see docs/biometrics.md)."""
COMPACT_MINUTIA_BYTES = 3

Words = NDArray[np.uint64]


class TemplateError(InputError):
    """Bytes that are not a well-formed AES-ID finger template."""


# --- the registry record --------------------------------------------------------------


def encode_fingers(views: Sequence[MinutiaeSet]) -> bytes:
    """Pack one to ten finger views into a record: header, views, CRC-32."""
    if not 1 <= len(views) <= MAX_VIEWS:
        raise ValueError(f"a record holds 1-{MAX_VIEWS} finger views, got {len(views)}")
    parts = [RECORD_MAGIC, bytes((RECORD_VERSION, len(views)))]
    for view in views:
        parts.append(bytes((view.position, view.pattern, view.quality, len(view))))
        parts.append(_pack_minutiae(view.data))
    body = b"".join(parts)
    return body + struct.pack(">I", zlib.crc32(body))


def decode_fingers(data: bytes) -> tuple[MinutiaeSet, ...]:
    """Read a record written by :func:`encode_fingers`; raise TemplateError if it is not one."""
    data = bytes(data)
    if len(data) < 9 or data[:3] != RECORD_MAGIC:
        raise TemplateError(f"finger record must start with {RECORD_MAGIC!r}, found {data[:3]!r}")
    body, (crc,) = data[:-4], struct.unpack(">I", data[-4:])
    if zlib.crc32(body) != crc:
        raise TemplateError("finger record is corrupt: its CRC-32 does not match")
    if body[3] != RECORD_VERSION:
        raise TemplateError(f"finger record version must be {RECORD_VERSION}, found {body[3]}")
    count, offset = body[4], 5
    views: list[MinutiaeSet] = []
    if not 1 <= count <= MAX_VIEWS:
        raise TemplateError(f"finger record must hold 1-{MAX_VIEWS} views, found {count}")
    for _ in range(count):
        if offset + 4 > len(body):
            raise TemplateError("finger record ends inside a view header")
        position, pattern, quality, n = body[offset : offset + 4]
        end = offset + 4 + n * MINUTIA_BYTES
        if end > len(body):
            raise TemplateError(f"finger record ends inside the minutiae of view {len(views) + 1}")
        rows = _unpack_minutiae(body[offset + 4 : end])
        views.append(_view(position, pattern, quality, rows))
        offset = end
    if offset != len(body):
        raise TemplateError(f"finger record has {len(body) - offset} stray bytes after its views")
    return tuple(views)


def _pack_minutiae(rows: NDArray[np.int16]) -> bytes:
    """40 bits per minutia: x 9 | y 9 | kind 2 | angle 8 | quality 7 | reserved 5 (zero)."""
    r = rows.astype(np.uint64)
    word = (r[:, X] << np.uint64(31)) | (r[:, Y] << np.uint64(22)) | (r[:, KIND] << np.uint64(20))
    word |= (r[:, ANGLE] << np.uint64(12)) | (r[:, QUALITY] << np.uint64(5))
    return _words_to_bytes(word, MINUTIA_BYTES)


def _unpack_minutiae(raw: bytes) -> NDArray[np.int64]:
    word = _bytes_to_words(raw, MINUTIA_BYTES)
    if (word & np.uint64(0x1F)).any():
        raise TemplateError("finger record has non-zero reserved bits in a minutia")
    fields = [(31, 0x1FF), (22, 0x1FF), (12, 0xFF), (20, 0x3), (5, 0x7F)]  # x, y, angle, kind, q
    return np.column_stack([(word >> np.uint64(s)) & np.uint64(m) for s, m in fields]).astype(
        np.int64
    )


# --- the compact view for the QR ------------------------------------------------------


def encode_compact(view: MinutiaeSet, *, max_minutiae: int = COMPACT_MINUTIAE) -> bytes:
    """The QR template of one finger: a 3-byte header, then 3 bytes per kept minutia.

    Keeps the ``max_minutiae`` most reliable minutiae (:func:`select_minutiae`),
    with positions at 2-pixel and angles at 2.8125° resolution.
    """
    if not 1 <= max_minutiae <= 255:
        raise ValueError(f"max_minutiae must be 1-255, got {max_minutiae}")
    rows = select_minutiae(view, max_minutiae).data.astype(np.uint64)
    header = bytes(
        (
            COMPACT_VERSION << 4 | int(view.position),
            int(view.pattern) << 5 | round(view.quality * 31 / 100),
            len(rows),
        )
    )
    bifurcation = (rows[:, KIND] == 2).astype(np.uint64)
    word = ((rows[:, X] >> np.uint64(1)) << np.uint64(16)) | (
        (rows[:, Y] >> np.uint64(1)) << np.uint64(8)
    )
    word |= ((rows[:, ANGLE] >> np.uint64(1)) << np.uint64(1)) | bifurcation
    return header + _words_to_bytes(word, COMPACT_MINUTIA_BYTES)


def decode_compact(data: bytes) -> MinutiaeSet:
    """Read a template written by :func:`encode_compact` (minutia quality reads as 0, unknown)."""
    data = bytes(data)
    if len(data) < 3:
        raise TemplateError(f"compact template must be at least 3 bytes, found {len(data)}")
    version, position = data[0] >> 4, data[0] & 0x0F
    if version != COMPACT_VERSION:
        raise TemplateError(f"compact template version must be {COMPACT_VERSION}, found {version}")
    pattern, quality, count = data[1] >> 5, round((data[1] & 0x1F) * 100 / 31), data[2]
    if len(data) != 3 + COMPACT_MINUTIA_BYTES * count:
        raise TemplateError(
            f"compact template with {count} minutiae must be {3 + 3 * count} bytes, "
            f"found {len(data)}"
        )
    word = _bytes_to_words(data[3:], COMPACT_MINUTIA_BYTES)
    x = ((word >> np.uint64(16)) & np.uint64(0xFF)) * np.uint64(2)
    y = ((word >> np.uint64(8)) & np.uint64(0xFF)) * np.uint64(2)
    angle = ((word >> np.uint64(1)) & np.uint64(0x7F)) * np.uint64(2)
    kind = (word & np.uint64(1)) + np.uint64(1)
    rows = np.column_stack((x, y, angle, kind, np.zeros_like(x))).astype(np.int64)
    return _view(position, pattern, quality, rows)


def select_minutiae(view: MinutiaeSet, count: int) -> MinutiaeSet:
    """The ``count`` most useful minutiae: reliable ones near the centre of the print first.

    The centre (around the core) is the part of a finger that every later
    capture sees, so a distant minutia must be more reliable to be kept.
    """
    if len(view) <= count:
        return view
    xy = view.xy
    spread = np.hypot(*(xy - xy.mean(axis=0)).T)
    merit = view.minutia_quality.astype(np.float64) - 0.25 * spread
    keep = np.sort(np.argsort(-merit, kind="stable")[:count])
    return view.replace(data=view.data[keep])


# --- shared helpers -------------------------------------------------------------------


def _words_to_bytes(word: Words, width: int) -> bytes:
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(8)
    return ((word[:, None] >> shifts[None, :]) & np.uint64(0xFF)).astype(np.uint8).tobytes()


def _bytes_to_words(raw: bytes, width: int) -> Words:
    octets = np.frombuffer(raw, dtype=np.uint8).reshape(-1, width).astype(np.uint64)
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(8)
    return np.bitwise_or.reduce(octets << shifts[None, :], axis=1) if len(raw) else octets[:, 0]


def _view(position: int, pattern: int, quality: int, rows: NDArray[np.int64]) -> MinutiaeSet:
    """Build a MinutiaeSet from decoded fields, turning any range error into TemplateError."""
    if position > max(FingerPosition) or pattern > max(Pattern):
        raise TemplateError(f"unknown finger position {position} or pattern {pattern}")
    if rows.size and (rows[:, X].max() >= FRAME_WIDTH or rows[:, Y].max() >= FRAME_HEIGHT):
        raise TemplateError(f"minutia outside the {FRAME_WIDTH}x{FRAME_HEIGHT} frame")
    try:
        return MinutiaeSet(FingerPosition(position), Pattern(pattern), quality, rows)
    except ValueError as exc:
        raise TemplateError(f"finger template holds an invalid value: {exc}") from None
