"""Convert the OCR-B font from OpenType/CFF outlines to TrueType (glyf) outlines.

reportlab embeds TrueType fonts only, and Debian's ``fonts-ocr-b`` (Matthew Skala's
public-domain OCR-B, after Norbert Schwarz's METAFONT sources) ships CFF outlines.
This script rewrites every glyph with quadratic curves (fontTools cu2qu) and writes
``card_templates/fonts/OCRB-AES.ttf``. It is run once by a maintainer; the output is
committed with its licence text (``card_templates/fonts/OCRB-LICENSE.txt``).

Usage::

    python tools/convert_ocrb.py [--src /usr/share/fonts/opentype/ocr-b/OCRB.otf] [--out PATH]

Steps (OpenType 1.9, "TrueType outlines" vs "CFF outlines" tables):

1. read the CFF font and draw each glyph through Cu2QuPen into a TTGlyphPen, reversing
   the contour direction (CFF contours run counter-clockwise, TrueType clockwise);
2. build ``glyf``/``loca``, switch ``maxp`` to version 1.0, set the TrueType sfnt version;
3. drop ``CFF `` and the tables that only describe it, rename the font so it is not
   mistaken for the upstream file, and save (fontTools recomputes bounding boxes).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

DEFAULT_SRC = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "card_templates" / "fonts" / "OCRB-AES.ttf"
MAX_ERROR_UNITS = 0.5  # cu2qu approximation error, in font units (1/1000 em)
FAMILY = "OCR-B AES"


def _quadratic_glyphs(font: TTFont) -> dict[str, object]:
    """Step 1: every glyph redrawn with quadratic curves, clockwise."""
    glyph_set = font.getGlyphSet()
    glyphs: dict[str, object] = {}
    for name in font.getGlyphOrder():
        tt_pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(tt_pen, MAX_ERROR_UNITS, reverse_direction=True))
        glyphs[name] = tt_pen.glyph()
    return glyphs


def _install_glyf(font: TTFont, glyphs: dict[str, object]) -> None:
    """Step 2: glyf, loca, maxp 1.0 and the TrueType sfnt version."""
    font["loca"] = newTable("loca")
    glyf = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = glyphs
    font["glyf"] = glyf
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def _finish(font: TTFont) -> None:
    """Step 3: drop CFF-only tables and rename."""
    for tag in ("CFF ", "VORG", "FFTM"):
        if tag in font:
            del font[tag]
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    name = font["name"]
    name.names = [record for record in name.names if record.platformID == 3]
    name.setName(FAMILY, 1, 3, 1, 0x409)
    name.setName("Regular", 2, 3, 1, 0x409)
    name.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    name.setName("OCRB-AES-Regular", 6, 3, 1, 0x409)
    name.setName(
        "TrueType conversion (fontTools cu2qu) of Matthew Skala's public-domain OCR-B "
        "for AES-ID; outlines unchanged apart from the curve approximation.",
        10,
        3,
        1,
        0x409,
    )


def convert(src: Path, out: Path) -> None:
    """Convert ``src`` (OpenType/CFF) to ``out`` (TrueType)."""
    font = TTFont(src)
    _install_glyf(font, _quadratic_glyphs(font))
    _finish(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    convert(args.src, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
