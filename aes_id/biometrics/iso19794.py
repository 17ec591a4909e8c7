"""ISO/IEC 19794-2:2005 finger minutiae records: what the desk's fingerprint scanner hands over.

A desk's scanner (its minutiae extractor) gives one *finger minutiae record*
per person; AES-ID reads it into the :class:`MinutiaeSet` values it stores and
searches 1:N, and writes a resident's fingers back out in the same format.
The layout is the 2005 edition's, big-endian:

=====  =====================================================================
bytes  record header (24 bytes)
=====  =====================================================================
4      format identifier ``FMR\\0``
4      version ``" 20\\0"`` (the 2011 edition's ``" 30\\0"`` is not read)
4      record length in bytes, this header included
2      capture equipment: certification flags (high 4 bits), device type (low 12)
2, 2   image width, image height (pixels)
2, 2   x and y resolution (pixels per **centimetre**)
1      number of finger views
1      reserved (0)
=====  =====================================================================

Then each finger view: finger position (1 byte: 0 unknown, 1 right thumb ...
10 left little finger), view number (high 4 bits) and impression type (low 4:
0 live-scan plain, 1 live-scan rolled, 2 non-live-scan plain, 3 non-live-scan
rolled, 8 swipe), finger quality (0-100), the number of minutiae n, then n
minutiae of 6 bytes: type (2 bits: 01 ridge ending, 10 bifurcation, 00 other)
and x (14 bits); 2 reserved bits (0) and y (14 bits); the angle (1 byte, in
units of 360/256 = 1.40625 degrees, counter-clockwise from the x axis); the
minutia quality (0-100, 0 when not reported). A view ends with its extended
data: a 2-byte length (0 for none), then blocks of a type code (2 bytes), a
length (2 bytes, these 4 header bytes included) and the data.

**Units.** A :class:`MinutiaeSet` is in pixels at 500 dpi in the 400 x 500
frame, origin top left, y down, angles in the same 1.40625-degree steps
counter-clockwise: the record's conventions. A record at resolution r
(pixels per centimetre) is converted exactly as x' = x * (500 / 2.54) / r,
rounded half up (:func:`record_fingers`). 197 pixels per centimetre is how
the format writes 500 dpi (500 / 2.54 = 196.85); its factor, 0.99924,
leaves every coordinate below 657 unchanged, so a record AES-ID writes reads
back exactly. Angles, kinds and qualities carry over unchanged; only unequal x
and y resolutions change an angle (the direction is carried through the
scaling). A view whose converted minutiae do not all fit the frame is shifted
whole to centre their bounding box (the matcher and the 1:N signatures compare
minutiae with one another, never with the frame); a spread larger than the
frame is refused.

**Pattern class.** The format has no field for it: AES-ID writes it in a
vendor-defined extended data block (type 0xAE01, data ``AESID`` and the class
byte) and reads it back; a record without one reads as ``Pattern.UNKNOWN``.
Other extended data (ridge counts, cores and deltas, other vendors' blocks)
are kept in :class:`FingerView` and play no part in matching.

Every decoder treats its input as untrusted: anything malformed raises
:class:`IsoRecordError` (a :class:`TemplateError`) naming what is wrong.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from aes_id.biometrics.minutiae import (
    ANGLE_STEPS,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    RESOLUTION_DPI,
    FingerPosition,
    MinutiaeSet,
    Pattern,
)
from aes_id.biometrics.template import TemplateError

MAGIC = b"FMR\x00"
VERSION = b" 20\x00"
HEADER_BYTES = 24
VIEW_HEADER_BYTES = 4
MINUTIA_BYTES = 6
PPCM_500_DPI = 197
"""500 dpi as the record writes it, in pixels per centimetre."""
IMPRESSION_TYPES = frozenset({0, 1, 2, 3, 8})
PATTERN_BLOCK = 0xAE01
"""Extended data type code of AES-ID's pattern class block (vendor-defined range)."""
PATTERN_TAG = b"AESID"
_HEADER = struct.Struct(">IHHHHHBB")
_MINUTIA = struct.Struct(">HHBB")
_COORDINATE = 0x3FFF


class IsoRecordError(TemplateError):
    """Bytes that are not a well-formed ISO/IEC 19794-2:2005 finger minutiae record."""


class _Truncated(IsoRecordError):
    pass


class Minutia(NamedTuple):
    """One minutia as the record holds it (pixels at the record's resolution)."""

    kind: int
    x: int
    y: int
    angle: int
    quality: int


class ExtendedBlock(NamedTuple):
    """One extended data block of a finger view (type code and data, header excluded)."""

    type_code: int
    data: bytes


@dataclass(frozen=True)
class FingerView:
    """One finger view of a record, field for field."""

    position: int
    minutiae: tuple[Minutia, ...]
    quality: int = 0
    view_number: int = 0
    impression: int = 0
    extended: tuple[ExtendedBlock, ...] = ()


@dataclass(frozen=True)
class FingerMinutiaeRecord:
    """A whole record: its header fields and finger views."""

    views: tuple[FingerView, ...]
    width: int = FRAME_WIDTH
    height: int = FRAME_HEIGHT
    x_resolution: int = PPCM_500_DPI
    y_resolution: int = PPCM_500_DPI
    certification: int = 0
    device_type: int = 0


# --- bytes -----------------------------------------------------------------------------------


def encode_record(record: FingerMinutiaeRecord) -> bytes:
    """The record's bytes; ValueError for a value the format cannot hold."""
    problem = _record_problem(record)
    if problem:
        raise ValueError(problem)
    views = b"".join(_encode_view(view) for view in record.views)
    header = _HEADER.pack(
        HEADER_BYTES + len(views),
        record.certification << 12 | record.device_type,
        record.width,
        record.height,
        record.x_resolution,
        record.y_resolution,
        len(record.views),
        0,
    )
    return MAGIC + VERSION + header + views


def _encode_view(view: FingerView) -> bytes:
    head = bytes(
        (view.position, view.view_number << 4 | view.impression, view.quality, len(view.minutiae))
    )
    minutiae = b"".join(
        _MINUTIA.pack(m.kind << 14 | m.x, m.y, m.angle, m.quality) for m in view.minutiae
    )
    extended = b"".join(
        struct.pack(">HH", block.type_code, 4 + len(block.data)) + block.data
        for block in view.extended
    )
    return head + minutiae + struct.pack(">H", len(extended)) + extended


def decode_record(data: bytes) -> FingerMinutiaeRecord:
    """Read a record; raise :class:`IsoRecordError` naming the first thing wrong with it."""
    data = bytes(data)
    _check_header_start(data)
    length, equipment, width, height, x_res, y_res, count, reserved = _HEADER.unpack_from(data, 8)
    if length < HEADER_BYTES:
        raise IsoRecordError(
            f"record length {length} is shorter than its {HEADER_BYTES}-byte header"
        )
    if length > len(data):
        raise IsoRecordError(f"truncated at byte {len(data)}: the record length says {length}")
    if length < len(data):
        raise IsoRecordError(
            f"{len(data) - length} bytes after the end of the record (its length says {length})"
        )
    if reserved:
        raise IsoRecordError(f"the header's reserved byte is {reserved}, not 0")
    record = FingerMinutiaeRecord(
        views=_read_views(_Reader(data, HEADER_BYTES), count),
        width=width,
        height=height,
        x_resolution=x_res,
        y_resolution=y_res,
        certification=equipment >> 12,
        device_type=equipment & 0x0FFF,
    )
    problem = _record_problem(record)
    if problem:
        raise IsoRecordError(problem)
    return record


def _check_header_start(data: bytes) -> None:
    if not data:
        raise IsoRecordError("the finger minutiae record is empty")
    magic, version = data[:4], data[4:8]
    if magic != MAGIC[: len(magic)]:
        raise IsoRecordError(
            f"bad magic {magic!r}: not an ISO/IEC 19794-2 finger minutiae record "
            f"(one starts with {MAGIC!r})"
        )
    if version != VERSION[: len(version)]:
        raise IsoRecordError(
            f"unsupported version {version!r}: this reader takes {VERSION!r}, the 2005 edition"
        )
    if len(data) < HEADER_BYTES:
        raise IsoRecordError(f"truncated at byte {len(data)}: the header takes {HEADER_BYTES}")


class _Reader:
    def __init__(self, data: bytes, offset: int) -> None:
        self.data, self.offset = data, offset

    def take(self, size: int, what: str) -> bytes:
        end = self.offset + size
        if end > len(self.data):
            raise _Truncated(
                f"truncated at byte {len(self.data)}: {what} needs {end - len(self.data)} more"
            )
        chunk, self.offset = self.data[self.offset : end], end
        return chunk


def _read_views(reader: _Reader, count: int) -> tuple[FingerView, ...]:
    views: list[FingerView] = []
    start = reader.offset
    for index in range(1, count + 1):
        start = reader.offset
        try:
            views.append(_read_view(reader, index))
        except IsoRecordError as exc:
            raise (_count_mismatch(reader.data, start, index, count) or exc) from None
    left = len(reader.data) - reader.offset
    if left:
        raise _count_mismatch(reader.data, start, count, count) or IsoRecordError(
            f"{left} stray bytes after finger view {count}, the last the header declares"
        )
    return tuple(views)


def _count_mismatch(data: bytes, start: int, index: int, count: int) -> IsoRecordError | None:
    """The likely reason a last view does not fit: its bytes hold another number of minutiae."""
    if index != count or index == 0 or len(data) < start + VIEW_HEADER_BYTES:
        return None
    declared = data[start + 3]
    for held in range(256):
        end = start + VIEW_HEADER_BYTES + held * MINUTIA_BYTES
        if end + 2 > len(data):
            break
        (size,) = struct.unpack_from(">H", data, end)
        if held != declared and end + 2 + size == len(data) and _is_extended(data[end + 2 :]):
            return IsoRecordError(
                f"minutia count mismatch: finger view {index} declares {declared} minutiae, "
                f"its bytes hold {held}"
            )
    return None


def _is_extended(data: bytes) -> bool:
    try:
        _read_extended(data, 0)
    except IsoRecordError:
        return False
    return True


def _read_view(reader: _Reader, index: int) -> FingerView:
    position, packed, quality, count = reader.take(
        VIEW_HEADER_BYTES, f"finger view {index}'s header"
    )
    raw = reader.take(MINUTIA_BYTES * count, f"the {count} minutiae of finger view {index}")
    minutiae = tuple(_read_minutia(raw, index, number) for number in range(count))
    (size,) = struct.unpack(">H", reader.take(2, f"finger view {index}'s extended data length"))
    blocks = _read_extended(reader.take(size, f"finger view {index}'s extended data"), index)
    return FingerView(position, minutiae, quality, packed >> 4, packed & 0x0F, blocks)


def _read_minutia(raw: bytes, index: int, number: int) -> Minutia:
    x_word, y_word, angle, quality = _MINUTIA.unpack_from(raw, number * MINUTIA_BYTES)
    if y_word >> 14:
        raise IsoRecordError(f"finger view {index}, minutia {number + 1}: reserved bits are set")
    return Minutia(x_word >> 14, x_word & _COORDINATE, y_word & _COORDINATE, angle, quality)


def _read_extended(data: bytes, index: int) -> tuple[ExtendedBlock, ...]:
    blocks: list[ExtendedBlock] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < 4:
            raise IsoRecordError(f"finger view {index}: extended data ends inside a block header")
        type_code, size = struct.unpack_from(">HH", data, offset)
        if size < 4 or offset + size > len(data):
            raise IsoRecordError(
                f"finger view {index}: extended data block 0x{type_code:04X} says {size} bytes, "
                f"{len(data) - offset} are left"
            )
        blocks.append(ExtendedBlock(type_code, data[offset + 4 : offset + size]))
        offset += size
    return tuple(blocks)


# --- the rules -------------------------------------------------------------------------------


def _record_problem(record: FingerMinutiaeRecord) -> str | None:
    checks = (
        (1 <= record.width <= 0xFFFF and 1 <= record.height <= 0xFFFF, "image size"),
        (1 <= record.x_resolution <= 0xFFFF, "x resolution"),
        (1 <= record.y_resolution <= 0xFFFF, "y resolution"),
        (0 <= record.certification <= 0x0F, "capture equipment certification"),
        (0 <= record.device_type <= 0x0FFF, "capture device type"),
        (len(record.views) <= 0xFF, "number of finger views"),
    )
    for ok, name in checks:
        if not ok:
            return f"the header's {name} is out of range"
    for index, view in enumerate(record.views, start=1):
        problem = _view_problem(view, record.width, record.height)
        if problem:
            return f"finger view {index}: {problem}"
    return None


def _view_problem(view: FingerView, width: int, height: int) -> str | None:
    if not 0 <= view.position <= max(FingerPosition):
        return f"finger position {view.position} is not 0-10"
    if view.impression not in IMPRESSION_TYPES or not 0 <= view.view_number <= 0x0F:
        return f"impression type {view.impression} / view number {view.view_number} is not valid"
    if not 0 <= view.quality <= 100:
        return f"finger quality {view.quality} is not 0-100"
    if len(view.minutiae) > 0xFF:
        return f"{len(view.minutiae)} minutiae, at most 255"
    for number, m in enumerate(view.minutiae, start=1):
        problem = _minutia_problem(m, width, height)
        if problem:
            return f"minutia {number}: {problem}"
    if sum(4 + len(block.data) for block in view.extended) > 0xFFFF:
        return "extended data longer than 65535 bytes"
    if any(not 1 <= block.type_code <= 0xFFFF for block in view.extended):
        return "extended data block type 0 is reserved"
    return None


def _minutia_problem(m: Minutia, width: int, height: int) -> str | None:
    if not 0 <= m.kind <= 2:
        return f"type {m.kind} is reserved (01 ridge ending, 10 bifurcation, 00 other)"
    if not 0 <= m.x < min(width, _COORDINATE + 1) or not 0 <= m.y < min(height, _COORDINATE + 1):
        return f"({m.x}, {m.y}) lies outside the {width}x{height} image"
    if not 0 <= m.angle < ANGLE_STEPS:
        return f"angle {m.angle} is not 0-255"
    if not 0 <= m.quality <= 100:
        return f"quality {m.quality} is not 0-100"
    return None


# --- to and from MinutiaeSet -----------------------------------------------------------------


def read_fingers(data: bytes) -> tuple[MinutiaeSet, ...]:
    """A record's finger views as minutiae sets at 500 dpi (see the module's units)."""
    return record_fingers(decode_record(data))


def write_fingers(views: Sequence[MinutiaeSet]) -> bytes:
    """Minutiae sets as a record at 500 dpi (197 pixels per centimetre) in the 400 x 500 frame."""
    return encode_record(fingers_record(views))


def record_fingers(record: FingerMinutiaeRecord) -> tuple[MinutiaeSet, ...]:
    """Convert each view to 500 dpi in the project's frame; IsoRecordError if one cannot fit."""
    fx, fy = _factor(record.x_resolution), _factor(record.y_resolution)
    sets = []
    for index, view in enumerate(record.views, start=1):
        rows = [
            [_scale(m.x, fx), _scale(m.y, fy), _angle(m.angle, fx, fy), m.kind, m.quality]
            for m in view.minutiae
        ]
        rows = _fit_frame(rows, index)
        data = np.array(rows, dtype=np.int16).reshape(-1, 5)
        sets.append(MinutiaeSet(FingerPosition(view.position), _pattern(view), view.quality, data))
    return tuple(sets)


def fingers_record(views: Sequence[MinutiaeSet]) -> FingerMinutiaeRecord:
    """The record of these views (two views of one finger get view numbers 0, 1, ...)."""
    seen: Counter[int] = Counter()
    out = []
    for view in views:
        minutiae = tuple(Minutia(k, x, y, a, q) for x, y, a, k, q in view.data.tolist())
        extended = (
            (ExtendedBlock(PATTERN_BLOCK, PATTERN_TAG + bytes((view.pattern,))),)
            if view.pattern
            else ()
        )
        number = seen[view.position]
        seen[view.position] += 1
        out.append(FingerView(int(view.position), minutiae, view.quality, number, 0, extended))
    return FingerMinutiaeRecord(tuple(out))


def _factor(pixels_per_cm: int) -> Fraction:
    """500-dpi pixels per record pixel: (500 / 2.54) / resolution, exactly."""
    return Fraction(RESOLUTION_DPI * 100, 254 * pixels_per_cm)


def _scale(value: int, factor: Fraction) -> int:
    return math.floor(value * factor + Fraction(1, 2))


def _angle(code: int, fx: Fraction, fy: Fraction) -> int:
    if fx == fy:
        return code
    theta = code * 2 * math.pi / ANGLE_STEPS
    turned = math.atan2(float(fy) * math.sin(theta), float(fx) * math.cos(theta))
    return round(turned * ANGLE_STEPS / (2 * math.pi)) % ANGLE_STEPS


def _fit_frame(rows: list[list[int]], index: int) -> list[list[int]]:
    for axis, size in ((0, FRAME_WIDTH), (1, FRAME_HEIGHT)):
        values = [row[axis] for row in rows]
        if not values or (min(values) >= 0 and max(values) < size):
            continue
        low, high = min(values), max(values)
        if high - low >= size:
            raise IsoRecordError(
                f"finger view {index}: its minutiae spread over {high - low + 1} px at "
                f"{RESOLUTION_DPI} dpi, more than the {FRAME_WIDTH}x{FRAME_HEIGHT} frame"
            )
        shift = (size - 1 - high - low) // 2
        for row in rows:
            row[axis] += shift
    return rows


def _pattern(view: FingerView) -> Pattern:
    for block in view.extended:
        data = block.data
        tagged = len(data) == 6 and data[:5] == PATTERN_TAG and data[5] <= max(Pattern)
        if block.type_code == PATTERN_BLOCK and tagged:
            return Pattern(data[5])
    return Pattern.UNKNOWN
