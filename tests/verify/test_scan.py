"""Scanning: rendered cards decode back to their QR text through photo-like damage,
and any file that is not a card gives a clean ScanError, never a crash."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aes_id.domain import Country
from aes_id.errors import InputError
from aes_id.render.card import pdf_bytes, render_card_pdf
from aes_id.render.preview import rasterise_pdf
from aes_id.render.sheet import render_sheet_pdf
from aes_id.verify.scan import (
    MAX_PIXELS,
    NoQrCodeFound,
    ScanError,
    scan_bytes,
    scan_file,
    scan_image,
)
from tests.render.samples import base45_text, make_printable
from tests.verify import perturb

QR_TEXT = base45_text(970, seed=11)  # the largest credential: a version-20 QR


@pytest.fixture(scope="module")
def back() -> Image.Image:
    """The back of a rendered card, PDF rasterised at 300 dpi (1011 x 638 px)."""
    printable = make_printable(Country.MLI, qr_text=QR_TEXT)
    return rasterise_pdf(pdf_bytes(printable), dpi=300)[1]


PERTURBATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "as-rendered": lambda im: im,
    "rotate+3": lambda im: perturb.rotate(im, 3),
    "rotate+7": lambda im: perturb.rotate(im, 7),
    "rotate-5": lambda im: perturb.rotate(im, -5),
    "rotate+90": lambda im: perturb.rotate(im, 90),
    "upside-down": lambda im: perturb.rotate(im, 180),
    "blur-1.0": lambda im: perturb.blur(im, 1.0),
    "blur-1.5": lambda im: perturb.blur(im, 1.5),
    "width-800": lambda im: perturb.to_width(im, 800),
    "width-700": lambda im: perturb.to_width(im, 700),
    "jpeg-60": lambda im: perturb.jpeg(im, 60),
    "perspective": lambda im: perturb.perspective(im, 0.08),
    "noise": lambda im: perturb.noise(im, 8),
    "phone-photo": lambda im: perturb.phone_photo(im, seed=1),
    "phone-photo-2": lambda im: perturb.phone_photo(im, seed=2),
}


@pytest.mark.parametrize("name", list(PERTURBATIONS))
def test_rendered_qr_survives(back: Image.Image, name: str) -> None:
    assert scan_image(PERTURBATIONS[name](back)) == [QR_TEXT]


def test_front_has_no_qr() -> None:
    front = rasterise_pdf(pdf_bytes(make_printable()), dpi=200)[0]
    assert scan_image(front) == []


def test_scan_file_png_jpeg_and_pdf(back: Image.Image, tmp_path: Path) -> None:
    back.save(tmp_path / "back.png")
    perturb.phone_photo(back, seed=3).save(tmp_path / "photo.jpg", quality=80)
    render_card_pdf(make_printable(Country.MLI, qr_text=QR_TEXT), None, tmp_path / "card.pdf")
    for name in ("back.png", "photo.jpg", "card.pdf"):
        assert scan_file(tmp_path / name) == QR_TEXT


def test_transparent_and_16_bit_images(back: Image.Image) -> None:
    rgba = back.convert("RGBA")
    assert scan_image(rgba) == [QR_TEXT]
    sixteen = Image.fromarray(np.asarray(back.convert("L")).astype(np.uint16) * 257)
    assert scan_image(sixteen) == [QR_TEXT]


def test_photo_without_a_code_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    rasterise_pdf(pdf_bytes(make_printable()), dpi=200)[0].save(path)
    with pytest.raises(NoQrCodeFound, match=r"^no QR code found in photo\.jpg$"):
        scan_file(path)


def test_a_sheet_of_several_cards_is_ambiguous(tmp_path: Path) -> None:
    printables = [
        make_printable(Country.BFA, qr_text=base45_text(300, seed=i), seed=i) for i in range(2)
    ]
    path = tmp_path / "sheet.pdf"
    render_sheet_pdf(printables, path)
    with pytest.raises(NoQrCodeFound, match="holds 2 different QR codes"):
        scan_file(path)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _huge_png_header(side: int) -> bytes:
    """A valid PNG signature and header claiming ``side`` x ``side`` pixels, little data."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (os.urandom(4096), "not an image or PDF"),
        (b"hello, this is a text file\n" * 20, "not an image or PDF"),
        (b"%PDF-1.7\n" + os.urandom(2000), "not a readable PDF"),
        (_huge_png_header(100_000), "claims too many pixels: too large to scan"),
        (_huge_png_header(9_000), "claims 9000 x 9000 pixels: too large to scan"),
    ],
    ids=["empty", "random-bytes", "text", "fake-pdf", "bomb-header", "oversized-header"],
)
def test_garbage_files_give_a_scan_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    with pytest.raises(ScanError, match=expected) as info:
        scan_file(path)
    assert isinstance(info.value, InputError)
    assert "\n" not in str(info.value)


def test_truncated_png(back: Image.Image, tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    back.save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ScanError, match=r"cut\.png is damaged or truncated"):
        scan_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="cannot read"):
        scan_file(tmp_path / "nowhere.png")


def test_oversized_image_object_is_refused() -> None:
    side = int(MAX_PIXELS**0.5) + 10
    with pytest.raises(ScanError, match="too large to scan"):
        scan_image(Image.new("L", (side, side)))


def test_scan_bytes_of_a_damaged_jpeg() -> None:
    with pytest.raises(ScanError):
        scan_bytes(b"\xff\xd8\xff\xe0" + os.urandom(500), "x.jpg")


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools (zbarimg) not installed")
@pytest.mark.parametrize("name", ["as-rendered", "rotate+7", "jpeg-60", "phone-photo"])
def test_a_second_decoder_reads_the_card_too(back: Image.Image, tmp_path: Path, name: str) -> None:
    path = tmp_path / "card.png"
    PERTURBATIONS[name](back).save(path)
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == QR_TEXT
