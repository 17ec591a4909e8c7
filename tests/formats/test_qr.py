"""QR capacity (ISO/IEC 18004 Table 7) and module matrices that a decoder reads back."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import qrcode
import zxingcpp
from PIL import Image

from aes_id.errors import UsageError
from aes_id.formats.qr import (
    ALPHANUMERIC,
    CARD_MASK,
    MAX_QR_CHARS,
    MAX_QR_VERSION,
    Level,
    capacity,
    qr_matrix,
    qr_version,
)

TABLE = json.loads(
    (Path(__file__).parents[1] / "vectors" / "qr_alphanumeric_capacity.json").read_text()
)
ALPHABET = "".join(sorted(ALPHANUMERIC))


def random_text(length: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(ALPHABET) for _ in range(length))


@pytest.mark.parametrize("version", sorted(TABLE["capacity"], key=int))
def test_capacity_matches_iso_18004_table_7(version: str) -> None:
    for level, chars in TABLE["capacity"][version].items():
        assert capacity(int(version), level) == chars


def test_card_limit_is_version_20_level_m() -> None:
    assert (MAX_QR_VERSION, MAX_QR_CHARS) == (20, capacity(20, "M")) == (20, 970)
    assert qr_version(random_text(970)) == 20
    assert qr_version(random_text(971)) == 21


@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_version_agrees_with_the_qrcode_package(level: Level) -> None:
    for length in (1, 20, 21, 300, 477, 969, 970, 971, 1554):
        symbol = qrcode.QRCode(error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{level}"))
        symbol.add_data(random_text(length), optimize=0)
        assert qr_version(random_text(length), level) == symbol.best_fit(), length


def test_refusals() -> None:
    with pytest.raises(UsageError, match="'a' is not in the QR alphanumeric set"):
        qr_version("abc")
    with pytest.raises(UsageError, match="does not fit any QR version"):
        qr_version("A" * 4297, "L")
    with pytest.raises(UsageError, match="needs QR version 2"):
        qr_matrix("A" * 21, version=1)
    with pytest.raises(UsageError, match="level 'X'"):
        capacity(3, "X")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="mask pattern 8"):
        qr_matrix("A", mask=8)


def render(matrix: list[list[bool]], scale: int = 3, quiet: int = 4) -> Image.Image:
    """Black modules on white, with the 4-module quiet zone of ISO/IEC 18004 §6.3.8."""
    modules = np.pad(np.array(matrix, dtype=bool), quiet)
    pixels = np.where(modules, 0, 255).astype(np.uint8)
    return Image.fromarray(np.kron(pixels, np.ones((scale, scale), dtype=np.uint8)))


@pytest.mark.parametrize(
    ("length", "mask", "version"),
    [(342, CARD_MASK, None), (970, CARD_MASK, None), (970, None, None), (100, 2, 20)],
)
def test_matrix_decodes_with_zxing(length: int, mask: int | None, version: int | None) -> None:
    text = random_text(length, seed=length)
    matrix = qr_matrix(text, version=version, mask=mask)
    expected = version or qr_version(text)
    assert len(matrix) == len(matrix[0]) == 17 + 4 * expected
    found = zxingcpp.read_barcodes(render(matrix), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [barcode.text for barcode in found] == [text]
    assert found[0].ec_level == "M"


def test_matrix_is_deterministic() -> None:
    text = random_text(500)
    assert qr_matrix(text) == qr_matrix(text)
