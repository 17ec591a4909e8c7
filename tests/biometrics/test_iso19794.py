"""ISO/IEC 19794-2:2005 finger minutiae records: the standard's byte layout, exact round trips
at 500 dpi, conversion of other resolutions, and a one-line error for every malformed record."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.biometrics.fingers import capture, master_fingers
from aes_id.biometrics.iso19794 import (
    PATTERN_BLOCK,
    ExtendedBlock,
    FingerMinutiaeRecord,
    FingerView,
    IsoRecordError,
    Minutia,
    decode_record,
    encode_record,
    read_fingers,
    record_fingers,
    write_fingers,
)
from aes_id.biometrics.minutiae import (
    FRAME_HEIGHT,
    FRAME_WIDTH,
    FingerPosition,
    MinutiaeSet,
    Pattern,
)
from aes_id.biometrics.template import TemplateError
from aes_id.errors import InputError

TWO = MinutiaeSet(
    FingerPosition.RIGHT_INDEX,
    Pattern.WHORL,
    87,
    [[399, 499, 255, 2, 100], [1, 2, 64, 1, 50]],
)
# Written byte by byte from the 2005 edition's layout (big-endian):
TWO_BYTES = bytes.fromhex(
    "464d5200" "20323000"  # format identifier 'FMR\0', version ' 20\0'
    "00000034"  # record length: 52 bytes, the 24-byte header included
    "0000"  # capture equipment: no certification, device type 0
    "0190" "01f4"  # image 400 x 500 pixels
    "00c5" "00c5"  # 197 x 197 pixels per centimetre (500 dpi)
    "01" "00"  # one finger view, reserved byte
    "02" "00" "57" "02"  # right index, view 0 / live-scan plain, quality 87, two minutiae
    "818f" "01f3" "ff" "64"  # 10 (bifurcation) | x 399; 00 | y 499; angle 255; quality 100
    "4001" "0002" "40" "32"  # 01 (ridge ending) | x 1; 00 | y 2; angle 64 (90 degrees); 50
    "000a"  # extended data: 10 bytes
    "ae01" "000a" "4145534944" "04"  # AES-ID's block 0xAE01, length 10, 'AESID', whorl
)  # fmt: skip


def _ten() -> list[MinutiaeSet]:
    return [capture(m, 5) for m in master_fingers(21)]


# -- the standard's layout --------------------------------------------------------------------


def test_known_answer_two_minutiae() -> None:
    assert write_fingers([TWO]) == TWO_BYTES
    assert read_fingers(TWO_BYTES) == (TWO,)
    record = decode_record(TWO_BYTES)
    assert (record.width, record.height, record.x_resolution, record.y_resolution) == (
        400,
        500,
        197,
        197,
    )
    (view,) = record.views
    assert (view.position, view.view_number, view.impression, view.quality) == (2, 0, 0, 87)
    assert view.minutiae == (Minutia(2, 399, 499, 255, 100), Minutia(1, 1, 2, 64, 50))
    assert view.extended == (ExtendedBlock(PATTERN_BLOCK, b"AESID\x04"),)


def test_known_answer_a_foreign_record_at_1000_dpi() -> None:
    """Another vendor's record: 1000 dpi (394 px/cm), a rolled impression, a ridge-count block."""
    data = bytes.fromhex(
        "464d5200" "20323000" "00000032"
        "1123"  # certified (flag 1), device type 0x123
        "0320" "03e8" "018a" "018a"  # 800 x 1000 pixels at 394 px/cm
        "01" "00"
        "07" "21" "3c" "02"  # left index, view 2 / live-scan rolled, quality 60, two minutiae
        "431e" "03e6" "20" "00"  # ridge ending at (798, 998), 45 degrees, quality not reported
        "8000" "0000" "c0" "0a"  # bifurcation at (0, 0), 270 degrees, quality 10
        "0008" "0001" "0008" "00" "010203"  # ridge count block: method 0; minutiae 1 and 2, 3
    )  # fmt: skip
    record = decode_record(data)
    assert (record.certification, record.device_type) == (1, 0x123)
    assert record.views[0].extended == (ExtendedBlock(1, bytes.fromhex("00010203")),)
    (finger,) = record_fingers(record)
    assert finger.position is FingerPosition.LEFT_INDEX and finger.pattern is Pattern.UNKNOWN
    assert finger.quality == 60
    # 798 px at 1000 dpi is 798 * (500 / 2.54) / 394 = 398.69 px at 500 dpi
    assert finger.data.tolist() == [[399, 499, 32, 1, 0], [0, 0, 192, 2, 10]]
    assert encode_record(record) == data


def test_unequal_resolutions_turn_the_angle_through_the_scaling() -> None:
    """45 degrees at 197 x 394 px/cm: the y axis is twice as fine, so it is atan(1/2) at 500 dpi."""
    view = FingerView(1, (Minutia(1, 100, 200, 32, 80),))
    record = FingerMinutiaeRecord((view,), x_resolution=197, y_resolution=394)
    (finger,) = record_fingers(record)
    expected = round(math.degrees(math.atan(0.5)) / 1.40625)
    assert finger.data.tolist() == [[100, 100, expected, 1, 80]] and expected == 19


def test_minutiae_off_the_frame_are_shifted_whole_or_refused() -> None:
    wide = FingerView(3, (Minutia(1, 300, 10, 0, 50), Minutia(2, 650, 490, 7, 50)))
    record = FingerMinutiaeRecord((wide,), width=800, height=750)
    (finger,) = record_fingers(record)
    xs = finger.data[:, 0].tolist()
    assert xs[1] - xs[0] == 350 and min(xs) >= 0 and max(xs) < FRAME_WIDTH
    assert finger.data[:, 1].tolist() == [10, 490]  # y fitted already: left alone
    too_wide = FingerView(3, (Minutia(1, 0, 10, 0, 50), Minutia(2, 700, 10, 0, 50)))
    with pytest.raises(IsoRecordError, match="spread over 700 px"):
        record_fingers(FingerMinutiaeRecord((too_wide,), width=800, height=750))


def test_ten_fingers_round_trip_exactly() -> None:
    views = _ten()
    data = write_fingers(views)
    assert read_fingers(data) == tuple(views)
    assert len(data) == 24 + sum(4 + 6 * len(v) + 2 + (10 if v.pattern else 0) for v in views)


# -- property tests ---------------------------------------------------------------------------


def minutiae_sets(margin: int = 0) -> st.SearchStrategy[MinutiaeSet]:
    """Finger views whose minutiae lie in the frame, ``margin`` pixels clear of its far edges."""
    rows = st.lists(
        st.tuples(
            st.integers(0, FRAME_WIDTH - 1 - margin),
            st.integers(0, FRAME_HEIGHT - 1 - margin),
            st.integers(0, 255),
            st.integers(0, 2),
            st.integers(0, 100),
        ).map(list),
        max_size=40,
    )
    return st.builds(
        MinutiaeSet,
        st.sampled_from(list(FingerPosition)),
        st.sampled_from(list(Pattern)),
        st.integers(0, 100),
        rows,
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(minutiae_sets(), max_size=10))
def test_round_trip_at_500_dpi_is_exact(views: list[MinutiaeSet]) -> None:
    assert read_fingers(write_fingers(views)) == tuple(views)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(minutiae_sets(margin=2), min_size=1, max_size=3),
    st.integers(99, 800),  # 250 to 2000 dpi, in pixels per centimetre
)
def test_another_resolution_reads_back_within_its_precision(
    views: list[MinutiaeSet], ppcm: int
) -> None:
    """Written at ``ppcm`` and read back at 500 dpi: each coordinate within the two roundings.

    (Two pixels clear of the frame's far edges, so that no rounding pushes a minutia off it.)
    """
    per_pixel = (500 / 2.54) / ppcm  # 500-dpi pixels per record pixel
    scaled = FingerMinutiaeRecord(
        tuple(
            FingerView(
                int(v.position),
                tuple(
                    Minutia(k, round(x / per_pixel), round(y / per_pixel), a, q)
                    for x, y, a, k, q in v.data.tolist()
                ),
                v.quality,
            )
            for v in views
        ),
        width=math.ceil(FRAME_WIDTH / per_pixel) + 1,
        height=math.ceil(FRAME_HEIGHT / per_pixel) + 1,
        x_resolution=ppcm,
        y_resolution=ppcm,
    )
    back = read_fingers(encode_record(scaled))
    tolerance = 0.5 * per_pixel + 0.5
    for original, read in zip(views, back, strict=True):
        assert abs(original.data[:, :2].astype(int) - read.data[:, :2]).max(initial=0) <= tolerance
        assert (read.data[:, 2:] == original.data[:, 2:]).all()


records = st.builds(
    FingerMinutiaeRecord,
    st.lists(
        st.builds(
            FingerView,
            st.integers(0, 10),
            st.lists(
                st.builds(
                    Minutia,
                    st.integers(0, 2),
                    st.integers(0, 299),
                    st.integers(0, 299),
                    st.integers(0, 255),
                    st.integers(0, 100),
                ),
                max_size=12,
            ).map(tuple),
            st.integers(0, 100),
            st.integers(0, 15),
            st.sampled_from([0, 1, 2, 3, 8]),
            st.lists(
                st.builds(ExtendedBlock, st.integers(1, 0xFFFF), st.binary(max_size=9)),
                max_size=2,
            ).map(tuple),
        ),
        max_size=4,
    ).map(tuple),
    st.integers(300, 0xFFFF),
    st.integers(300, 0xFFFF),
    st.integers(1, 0xFFFF),
    st.integers(1, 0xFFFF),
    st.integers(0, 15),
    st.integers(0, 0x0FFF),
)


@settings(max_examples=200, deadline=None)
@given(records)
def test_any_record_round_trips_field_for_field(record: FingerMinutiaeRecord) -> None:
    assert decode_record(encode_record(record)) == record


@settings(max_examples=200, deadline=None)
@given(records, st.data())
def test_a_truncated_record_names_the_byte_it_stops_at(
    record: FingerMinutiaeRecord, data: st.DataObject
) -> None:
    encoded = encode_record(record)
    cut = data.draw(st.integers(1, len(encoded) - 1))
    with pytest.raises(IsoRecordError, match=f"^truncated at byte {cut}: "):
        decode_record(encoded[:cut])


@settings(max_examples=300, deadline=None)
@given(records, st.data())
def test_a_corrupted_record_is_a_clean_error_or_another_valid_record(
    record: FingerMinutiaeRecord, data: st.DataObject
) -> None:
    encoded = bytearray(encode_record(record))
    for _ in range(data.draw(st.integers(1, 4))):
        encoded[data.draw(st.integers(0, len(encoded) - 1))] = data.draw(st.integers(0, 255))
    try:
        decoded = decode_record(bytes(encoded))
    except IsoRecordError as exc:
        assert "\n" not in exc.message
        return
    assert encode_record(decoded) == bytes(encoded)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes_never_raise_anything_else(raw: bytes) -> None:
    with pytest.raises(IsoRecordError):
        read_fingers(raw)


# -- one line naming what is wrong ------------------------------------------------------------


def _patched(offset: int, value: bytes) -> bytes:
    data = bytearray(write_fingers([TWO.replace(pattern=Pattern.UNKNOWN)]))
    data[offset : offset + len(value)] = value
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the finger minutiae record is empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), r"^bad magic b'\\x89PNG': not an ISO/IEC 19794-2"),
        (b"FMR\x00 30\x00" + bytes(40), r"^unsupported version b' 30\\x00'"),
        (TWO_BYTES[:30], "^truncated at byte 30: the record length says 52$"),
        (TWO_BYTES + b"\x00", r"^1 bytes after the end of the record \(its length says 52\)$"),
        (_patched(27, b"\x03"), "^minutia count mismatch: finger view 1 declares 3 minutiae"),
        (_patched(27, b"\x01"), "^minutia count mismatch: finger view 1 declares 1 minutiae"),
        (_patched(23, b"\x02"), "^the header's reserved byte is 2, not 0$"),
        (_patched(24, b"\x0b"), "^finger view 1: finger position 11 is not 0-10$"),
        (_patched(25, b"\x05"), "^finger view 1: impression type 5 / view number 0"),
        (_patched(26, b"\x65"), "^finger view 1: finger quality 101 is not 0-100$"),
        (_patched(28, b"\xc1"), "^finger view 1: minutia 1: type 3 is reserved"),
        (_patched(28, b"\x81\x90"), r"^finger view 1: minutia 1: \(400, 499\) lies outside"),
        (_patched(30, b"\x41"), "^finger view 1, minutia 1: reserved bits are set$"),
        (_patched(33, b"\x65"), "^finger view 1: minutia 1: quality 101 is not 0-100$"),
        (_patched(18, b"\x00\x00"), "^the header's x resolution is out of range$"),
    ],
)
def test_malformed_records_are_one_line_errors(data: bytes, message: str) -> None:
    with pytest.raises(IsoRecordError, match=message) as caught:
        read_fingers(data)
    assert "\n" not in caught.value.message
    assert isinstance(caught.value, TemplateError) and isinstance(caught.value, InputError)


def test_a_declared_view_that_is_missing_is_a_truncation() -> None:
    data = bytearray(TWO_BYTES)
    data[22] = 2  # two views declared, one present
    with pytest.raises(IsoRecordError, match=r"^truncated at byte 52: finger view 2.s header"):
        decode_record(bytes(data))


def test_an_extended_block_longer_than_its_area() -> None:
    data = bytearray(TWO_BYTES)
    struct.pack_into(">H", data, 44, 11)  # the block says 11 bytes, 10 are there
    with pytest.raises(IsoRecordError, match="extended data block 0xAE01 says 11 bytes"):
        decode_record(bytes(data))


def test_the_encoder_refuses_what_the_format_cannot_hold() -> None:
    off_image = FingerView(1, (Minutia(1, 400, 0, 0, 0),))
    with pytest.raises(ValueError, match="outside the 400x500 image"):
        encode_record(FingerMinutiaeRecord((off_image,)))
