"""The credential QR: encode the text to a module matrix, and draw it as vector runs.

Encoding uses zxing-cpp's writer (the zint library inside it), which picks the
smallest version for the error-correction level and the mask with the lowest
ISO/IEC 18004 penalty score in about 2 ms for a version-20 symbol. The Base45 text
of a credential uses only the QR alphanumeric character set, so the whole text is
one alphanumeric segment. Decoding in :mod:`aes_id.verify.scan` is zxing-cpp's own
reader, and the tests decode with zbar as well, so a writer/reader pair that only
agree with each other would not go unnoticed.

Drawing: each row's runs of dark modules become rectangles of one single PDF path,
filled once. One fill of the union leaves no anti-aliasing seams between adjacent
modules (which separate rectangles would), and it stays sharp at any scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import zxingcpp
from reportlab.pdfgen.canvas import Canvas

from aes_id.errors import InputError

ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


class QrError(InputError):
    """A QR text that cannot be printed within the card's limits."""


@dataclass(frozen=True)
class QrSymbol:
    """A QR symbol: its version and its modules (True = dark), quiet zone excluded."""

    version: int
    ec_level: str
    modules: npt.NDArray[np.bool_]

    @property
    def size(self) -> int:
        """Modules per side (17 + 4 × version)."""
        return int(self.modules.shape[0])


def encode(text: str, *, ec_level: str = "M", max_version: int = 40) -> QrSymbol:
    """Encode ``text`` at ``ec_level`` in the smallest version; refuse above ``max_version``."""
    if not text:
        raise QrError("QR text is empty: expected the credential's Base45 text")
    try:
        barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    except (ValueError, RuntimeError) as exc:
        raise QrError(f"QR text of {len(text)} characters cannot be encoded ({exc})") from None
    modules = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)) < 128
    version = (modules.shape[0] - 17) // 4
    if version > max_version:
        mode = "alphanumeric" if set(text) <= ALPHANUMERIC else "byte"
        raise QrError(
            f"QR text of {len(text)} characters ({mode} mode) needs version {version} at "
            f"level {ec_level}; the card allows at most version {max_version}",
            hint="shrink the credential (smaller face thumbnail) so that it fits",
        )
    return QrSymbol(version=version, ec_level=ec_level, modules=modules)


def row_runs(modules: npt.NDArray[np.bool_]) -> list[tuple[int, int, int]]:
    """Runs of dark modules as (row, first column, length), row 0 at the top."""
    rows, cols, lengths = _runs(modules)
    return list(zip(rows, cols, lengths, strict=True))


def _runs(modules: npt.NDArray[np.bool_]) -> tuple[list[int], list[int], list[int]]:
    rows, cols = modules.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = modules
    edges = np.diff(padded, axis=1)
    starts_r, starts_c = np.nonzero(edges == 1)  # row-major: runs in reading order
    _, ends_c = np.nonzero(edges == -1)
    return starts_r.tolist(), starts_c.tolist(), (ends_c - starts_c).tolist()


def modules_ops(symbol: QrSymbol) -> str:
    """PDF operators filling the dark modules on a grid of 1-unit modules, y downwards.

    Each row's runs are rectangles of one path, filled once with the nonzero rule.
    """
    rows, cols, lengths = _runs(symbol.modules)
    return "\n".join(map("{} {} {} 1 re".format, cols, rows, lengths)) + "\nf"


def draw(c: Canvas, symbol: QrSymbol, x: float, y: float, module: float, dark: str) -> None:
    """Draw the modules with the top-left module's top-left corner at PDF point (x, y)."""
    c.saveState()
    c.setFillColor(dark)
    c.transform(module, 0, 0, -module, x, y)
    c.addLiteral(modules_ops(symbol))
    c.restoreState()
