"""Base45 (RFC 9285), the text form of the QR credential.

RFC 9285 §4 reads the input two bytes at a time as ``n = a * 256 + b`` and
writes ``n = c + d * 45 + e * 45**2`` as the three characters ``c d e``; a
last lone byte becomes two characters ``c d``. The alphabet is exactly the
QR alphanumeric set, so a Base45 text fills a QR in alphanumeric mode.

Both directions are table-driven over numpy arrays (a few microseconds for a
credential), and :func:`decode` refuses every input RFC 9285 §6 calls invalid.

    >>> encode(b"AB")
    'BB8'
    >>> decode("%69 VD92EX0")
    b'Hello!!'
"""

from __future__ import annotations

import numpy as np

from aes_id.errors import InputError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
"""The 45 characters of RFC 9285 §4.2, in value order."""

_INVALID = 0xFF
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_VALUE_OF = bytes(
    ALPHABET.index(chr(code)) if chr(code) in ALPHABET else _INVALID for code in range(256)
)
_WEIGHTS = np.array([1, 45, 45 * 45], dtype=np.uint32)
_N = np.arange(0x10000)
_TRIPLES = _ALPHABET_BYTES[np.stack([_N % 45, _N // 45 % 45, _N // (45 * 45)], axis=1)]
"""Row n holds the three characters of the 16-bit value n (RFC 9285 §4), 192 KiB."""
del _N


class Base45Error(InputError):
    """The text is not valid Base45 (RFC 9285 §6)."""


def encode(data: bytes) -> str:
    """Encode ``data`` as Base45 text (RFC 9285 §4)."""
    pairs = np.frombuffer(data, dtype=">u2", count=len(data) // 2)
    text: str = _TRIPLES.take(pairs, axis=0).tobytes().decode("ascii")  # take: half the time
    if len(data) % 2:
        last = data[-1]
        text += ALPHABET[last % 45] + ALPHABET[last // 45]
    return text


def decode(text: str) -> bytes:
    """Decode Base45 ``text``; raise :class:`Base45Error` naming the first defect.

    Invalid are: a character outside the alphabet, a length that leaves one
    character over (``len % 3 == 1``), a triple above 65535 and a final pair
    above 255 (RFC 9285 §6).
    """
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise Base45Error(_bad_char(text, exc.start)) from None
    values = raw.translate(_VALUE_OF)
    if _INVALID in values:
        raise Base45Error(_bad_char(text, values.index(_INVALID)))
    if len(values) % 3 == 1:
        raise Base45Error(
            f"Base45 length {len(values)} leaves one character over: expected a length "
            "of 3k (byte pairs) or 3k + 2 (pairs and a last byte)"
        )
    whole = len(values) - len(values) % 3
    numbers = np.frombuffer(values, dtype=np.uint8, count=whole).reshape(-1, 3) @ _WEIGHTS
    if whole and int(numbers.max()) > 0xFFFF:
        at = int(np.argmax(numbers > 0xFFFF))
        raise Base45Error(
            f"Base45 triple {text[3 * at : 3 * at + 3]!r} at position {3 * at} is "
            f"{int(numbers[at])}: expected at most 65535"
        )
    out = numbers.astype(">u2").tobytes()
    if whole < len(values):
        last = values[-2] + 45 * values[-1]
        if last > 0xFF:
            raise Base45Error(f"Base45 final pair {text[-2:]!r} is {last}: expected at most 255")
        out += bytes((last,))
    return out


def _bad_char(text: str, position: int) -> str:
    return (
        f"character {text[position]!r} at position {position} is not in the Base45 alphabet "
        "(0-9, A-Z, space and $%*+-./:)"
    )
