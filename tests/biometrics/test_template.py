"""Finger templates: exact round trips, documented layout, clean refusal of corrupt bytes."""

from __future__ import annotations

import contextlib
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.biometrics.fingers import capture, master_fingers
from aes_id.biometrics.minutiae import (
    FRAME_HEIGHT,
    FRAME_WIDTH,
    FingerPosition,
    MinutiaeSet,
    Pattern,
)
from aes_id.biometrics.template import (
    COMPACT_MINUTIAE,
    TemplateError,
    decode_compact,
    decode_fingers,
    encode_compact,
    encode_fingers,
    select_minutiae,
)
from aes_id.errors import InputError

TWO = MinutiaeSet(
    FingerPosition.RIGHT_INDEX,
    Pattern.WHORL,
    87,
    [[399, 499, 255, 2, 100], [1, 2, 64, 1, 50]],
)


def _views() -> list[MinutiaeSet]:
    return [capture(m, 3) for m in master_fingers(12)]


def test_record_layout_is_as_documented() -> None:
    data = encode_fingers([TWO])
    body = bytes.fromhex(
        "414652" "01" "01"  # "AFR", version 1, one view
        "02" "04" "57" "02"  # right index, whorl, quality 87, two minutiae
        "c7fceffc80"  # x 399 | y 499 | kind 2 | angle 255 | quality 100 | 00000
        "0080940640"  # x 1 | y 2 | kind 1 | angle 64 | quality 50 | 00000
    )  # fmt: skip
    assert data == body + zlib.crc32(body).to_bytes(4, "big")
    assert decode_fingers(data) == (TWO,)


def test_ten_finger_record_round_trips() -> None:
    views = _views()
    data = encode_fingers(views)
    assert decode_fingers(data) == tuple(views)
    assert len(data) == 9 + sum(4 + 5 * len(v) for v in views)


def test_compact_layout_is_as_documented() -> None:
    data = encode_compact(TWO)
    assert data.hex() == "12" "9b" "02" "c7f9ff" "000140"  # fmt: skip
    back = decode_compact(data)
    assert back.position is FingerPosition.RIGHT_INDEX and back.pattern is Pattern.WHORL
    assert back.quality == 87
    assert back.data.tolist() == [[398, 498, 254, 2, 0], [0, 2, 64, 1, 0]]


def test_compact_keeps_the_most_useful_minutiae_and_is_stable() -> None:
    view = _views()[1]
    assert len(view) > COMPACT_MINUTIAE
    data = encode_compact(view)
    assert len(data) == 3 + 3 * COMPACT_MINUTIAE
    decoded = decode_compact(data)
    assert encode_compact(decoded) == data  # quantised once, then exact
    kept = select_minutiae(view, COMPACT_MINUTIAE)
    assert np.abs(decoded.xy - kept.xy).max() <= 1
    assert len(encode_compact(view, max_minutiae=12)) == 3 + 36


@pytest.mark.parametrize("views", [[], [TWO] * 11])
def test_record_refuses_a_bad_number_of_views(views: list[MinutiaeSet]) -> None:
    with pytest.raises(ValueError, match="1-10 finger views"):
        encode_fingers(views)


def test_every_single_bit_flip_is_caught() -> None:
    data = encode_fingers(_views()[:2])
    for position in range(0, len(data), 7):
        for bit in (0, 5):
            corrupt = bytearray(data)
            corrupt[position] ^= 1 << bit
            with pytest.raises(TemplateError):
                decode_fingers(bytes(corrupt))


@pytest.mark.parametrize("cut", [0, 3, 8, 20, -1])
def test_truncated_records_are_refused(cut: int) -> None:
    data = encode_fingers(_views()[:1])
    with pytest.raises(TemplateError):
        decode_fingers(data[:cut])


def test_template_error_is_an_input_error() -> None:
    with pytest.raises(InputError, match="must start with"):
        decode_fingers(b"not a template")
    with pytest.raises(InputError, match="version"):
        decode_compact(b"\x52\x00\x00")
    with pytest.raises(InputError, match="must be 6 bytes"):
        decode_compact(b"\x12\x00\x01\x00")


def _recrc(body: bytes) -> bytes:
    return body + zlib.crc32(body).to_bytes(4, "big")


def test_well_sealed_nonsense_is_still_refused() -> None:
    good = encode_fingers([TWO])[:-4]
    for body in (
        good[:3] + b"\x02" + good[4:],  # version 2
        good[:4] + b"\x00" + good[5:],  # zero views
        good[:5] + b"\x0b" + good[6:],  # finger position 11
        good[:7] + b"\xff" + good[8:],  # quality 255
        good[:-1] + b"\x41",  # reserved bits set
        good + b"\x00",  # stray byte
    ):
        with pytest.raises(TemplateError):
            decode_fingers(_recrc(body))


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_garbage_never_crashes_the_decoders(data: bytes) -> None:
    for decoder in (decode_fingers, decode_compact):
        with contextlib.suppress(TemplateError):
            decoder(data)


minutia = st.tuples(
    st.integers(0, FRAME_WIDTH - 1),
    st.integers(0, FRAME_HEIGHT - 1),
    st.integers(0, 255),
    st.integers(0, 2),
    st.integers(0, 100),
)
views = st.builds(
    MinutiaeSet,
    st.sampled_from(list(FingerPosition)),
    st.sampled_from(list(Pattern)),
    st.integers(0, 100),
    st.lists(minutia, max_size=40).map(lambda rows: np.array(rows, np.int64).reshape(-1, 5)),
)


@given(st.lists(views, min_size=1, max_size=4))
@settings(max_examples=80, deadline=None)
def test_any_views_round_trip(sets: list[MinutiaeSet]) -> None:
    assert decode_fingers(encode_fingers(sets)) == tuple(sets)
    for view in sets:
        if view.kinds.size and (view.kinds == 0).any():
            continue  # the compact form has one bit: ending or bifurcation
        once = decode_compact(encode_compact(view, max_minutiae=255))
        assert decode_compact(encode_compact(once, max_minutiae=255)) == once
