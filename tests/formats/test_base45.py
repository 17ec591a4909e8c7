"""Base45 (RFC 9285): the RFC's examples, its invalid inputs, and properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aes_id.errors import InputError
from aes_id.formats import base45
from aes_id.formats.base45 import ALPHABET, Base45Error

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "base45_rfc9285.json").read_text())


@pytest.mark.parametrize("case", VECTORS["encode"], ids=lambda case: case["base45"])
def test_rfc9285_examples_encode_and_decode(case: dict[str, str]) -> None:
    data = case["bytes_utf8"].encode("utf-8")
    assert base45.encode(data) == case["base45"]
    assert base45.decode(case["base45"]) == data


@pytest.mark.parametrize("case", VECTORS["decode_invalid"], ids=lambda case: case["base45"])
def test_rfc9285_invalid_examples_are_refused(case: dict[str, str]) -> None:
    with pytest.raises(Base45Error, match="at most 65535"):
        base45.decode(case["base45"])


def test_alphabet_is_rfc9285_table_1() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 45
    assert ALPHABET.index("0") == 0 and ALPHABET.index("A") == 10 and ALPHABET.index(":") == 44


@pytest.mark.parametrize(
    ("data", "text"),
    [(b"", ""), (b"\x00", "00"), (b"\xff", "U5"), (b"\x00\x00", "000"), (b"\xff\xff", "FGW")],
)
def test_edges(data: bytes, text: str) -> None:
    assert base45.encode(data) == text
    assert base45.decode(text) == data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "'a' at position 0 is not in the Base45 alphabet"),
        ("BB8é", "'é' at position 3"),
        ("BB8_00", "'_' at position 3"),
        ("BB8B", "length 4 leaves one character over"),
        ("BB8:::", "triple ':::' at position 3 is 91124"),
        ("U6", "final pair 'U6' is 300: expected at most 255"),
        ("::", "final pair '::' is 2024"),
    ],
)
def test_invalid_inputs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(Base45Error) as caught:
        base45.decode(text)
    assert message in str(caught.value)
    assert isinstance(caught.value, InputError)


@given(st.binary(max_size=700))
def test_round_trip(data: bytes) -> None:
    text = base45.encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert base45.decode(text) == data


@given(st.text(max_size=60))
def test_any_text_decodes_or_raises_base45_error(text: str) -> None:
    try:
        data = base45.decode(text)
    except Base45Error:
        return
    assert base45.encode(data) == text


@given(st.text(alphabet=ALPHABET, max_size=60))
def test_alphabet_text_decodes_or_raises_base45_error(text: str) -> None:
    try:
        data = base45.decode(text)
    except Base45Error:
        return
    assert base45.encode(data) == text
