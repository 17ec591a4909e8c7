"""QR capacity and module matrix for the credential (ISO/IEC 18004).

The credential is Base45 text, whose alphabet is the QR alphanumeric set, so
it is always encoded in alphanumeric mode (11 bits per pair of characters).
The card keeps the QR at version 20, level M at most (docs/credential.md,
"Size"): 970 characters.

    >>> qr_version("BB8")
    1
    >>> MAX_QR_CHARS == capacity(MAX_QR_VERSION, "M")
    True
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import qrcode
import qrcode.constants
from qrcode.base import rs_blocks

from aes_id.errors import UsageError

Level = Literal["L", "M", "Q", "H"]

MAX_QR_VERSION = 20
"""The largest QR version a card may carry."""

MAX_QR_CHARS = 970
"""Alphanumeric capacity of version 20 at level M (ISO/IEC 18004 Table 7)."""

CARD_MASK = 5
"""The mask pattern the card uses (see :func:`qr_matrix`)."""

ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
"""The QR alphanumeric character set (ISO/IEC 18004 §7.4.4, Table 5)."""

_LEVELS: dict[str, int] = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


@cache
def capacity(version: int, level: Level = "M") -> int:
    """Alphanumeric characters a symbol of ``version`` at ``level`` holds.

    ISO/IEC 18004 §7.4.4: a 4-bit mode indicator, a character count of 9, 11
    or 13 bits (versions 1-9, 10-26, 27-40), 11 bits per pair of characters
    and 6 for a last lone one, all within the data codewords of Table 9.
    """
    if not 1 <= version <= 40:
        raise UsageError(f"QR version {version} is not 1-40")
    data_bits = 8 * sum(int(block.data_count) for block in rs_blocks(version, _level(level)))
    count_bits = 9 if version < 10 else 11 if version < 27 else 13
    room = data_bits - 4 - count_bits
    return 2 * (room // 11) + (1 if room % 11 >= 6 else 0)


def qr_version(text: str, level: Level = "M") -> int:
    """The smallest QR version that holds ``text`` in alphanumeric mode at ``level``."""
    _check_alphanumeric(text)
    for version in range(1, 41):
        if len(text) <= capacity(version, level):
            return version
    raise UsageError(
        f"text of {len(text)} characters does not fit any QR version at level {level} "
        f"(at most {capacity(40, level)})"
    )


def qr_matrix(
    text: str, *, version: int | None = None, level: Level = "M", mask: int | None = CARD_MASK
) -> list[list[bool]]:
    """The QR modules for ``text`` (True = dark), without quiet zone.

    ``version`` defaults to the smallest that fits. ``mask`` None runs the
    mask selection of ISO/IEC 18004 §7.8.3: eight trial symbols scored by
    penalty, about 40 ms at version 20. A fixed mask skips it (about 6 ms)
    and any mask gives a valid symbol. Base45 of deflated bytes looks random,
    so the penalties of the eight masks differ little: over random credential
    texts mask 5 had the lowest mean penalty and stayed within 10 % of the
    best mask, hence :data:`CARD_MASK`.
    """
    needed = qr_version(text, level)
    if version is None:
        version = needed
    elif version < needed:
        raise UsageError(
            f"text of {len(text)} characters needs QR version {needed} at level {level}, "
            f"version {version} was asked"
        )
    if mask is not None and not 0 <= mask <= 7:
        raise UsageError(f"QR mask pattern {mask} is not 0-7")
    symbol = qrcode.QRCode(
        version=version, error_correction=_level(level), box_size=1, border=0, mask_pattern=mask
    )
    symbol.add_data(text, optimize=0)
    symbol.make(fit=False)
    return [[bool(module) for module in row] for row in symbol.get_matrix()]


def _level(level: str) -> int:
    try:
        return _LEVELS[level]
    except KeyError:
        raise UsageError(f"QR error-correction level {level!r} is not L, M, Q or H") from None


def _check_alphanumeric(text: str) -> None:
    if not ALPHANUMERIC.issuperset(text):
        bad = next(char for char in text if char not in ALPHANUMERIC)
        raise UsageError(
            f"character {bad!r} is not in the QR alphanumeric set: expected Base45 text"
        )
