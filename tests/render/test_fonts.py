"""The shipped fonts are what the tools in tools/ make from the Debian fonts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from fontTools.ttLib import TTFont

from aes_id.render.templates import DEFAULT_DIRECTORY

TOOLS = Path(__file__).resolve().parents[2] / "tools"
OCRB_OTF = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def same_outlines(a: Path, b: Path) -> None:
    one, two = TTFont(a), TTFont(b)
    assert one.getGlyphOrder() == two.getGlyphOrder()
    assert one.getBestCmap() == two.getBestCmap()
    assert one["hmtx"].metrics == two["hmtx"].metrics
    for name in one.getGlyphOrder():
        glyph_one, glyph_two = one["glyf"][name], two["glyf"][name]
        assert glyph_one.getCoordinates(one["glyf"]) == glyph_two.getCoordinates(two["glyf"])


@pytest.mark.skipif(not OCRB_OTF.is_file(), reason="Debian's fonts-ocr-b is not installed")
def test_ocrb_conversion_rebuilds_the_shipped_font(tmp_path: Path) -> None:
    out = tmp_path / "OCRB-AES.ttf"
    tool("convert_ocrb").convert(OCRB_OTF, out)
    font = TTFont(out)
    assert "glyf" in font and "CFF " not in font and font.sfntVersion == "\x00\x01\x00\x00"
    same_outlines(out, DEFAULT_DIRECTORY / "fonts" / "OCRB-AES.ttf")


@pytest.mark.skipif(not DEJAVU.is_dir(), reason="Debian's fonts-dejavu-core is not installed")
def test_dejavu_subset_rebuilds_the_shipped_fonts(tmp_path: Path) -> None:
    subset = tool("subset_dejavu")
    for source, shipped in subset.FACES.items():
        out = tmp_path / shipped
        subset.subset_face(DEJAVU / source, out)
        same_outlines(out, DEFAULT_DIRECTORY / "fonts" / shipped)


def test_licences_are_shipped_with_the_fonts() -> None:
    folder = DEFAULT_DIRECTORY / "fonts"
    assert "public domain" in (folder / "OCRB-LICENSE.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera" in (folder / "DejaVu-LICENSE.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in folder.glob("*.ttf")) == [
        "DejaVuSansCondensed-AES.ttf",
        "DejaVuSansCondensed-Bold-AES.ttf",
        "OCRB-AES.ttf",
    ]
