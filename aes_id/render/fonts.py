"""TrueType fonts for the card: registered once per process with reportlab.

reportlab embeds a subset of each TrueType font it uses in every PDF; it cannot embed
OpenType/CFF outlines, which is why OCR-B ships converted (``tools/convert_ocrb.py``).

reportlab never embeds its standard fonts (Helvetica, Times, Courier), and it starts
every canvas in Helvetica, writing a font resource for it even when no text uses it:
a print shop's preflight rejects such a file. Every PDF the project writes therefore
starts its canvas in :func:`base_font` and prints only TrueType fonts.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from aes_id.errors import InputError

FONT_DIRECTORY = Path(__file__).resolve().parents[2] / "card_templates" / "fonts"
"""The TrueType fonts of the checkout (with the card templates): DejaVu Sans Condensed, OCR-B."""

BASE_FONT_FILES = {False: "DejaVuSansCondensed-AES.ttf", True: "DejaVuSansCondensed-Bold-AES.ttf"}


class FontError(InputError):
    """A font file that is missing or that reportlab cannot embed."""


@functools.lru_cache(maxsize=64)
def register(path: Path) -> str:
    """Register the TrueType font at ``path`` and return its reportlab name."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    name = f"{path.stem}-{digest}"
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except (OSError, TTFError) as exc:
        raise FontError(f"font {path}: cannot be embedded as TrueType ({exc})") from None
    return name


def base_font(bold: bool = False) -> str:
    """The shipped DejaVu Sans Condensed (regular or bold), registered; its reportlab name.

    The initial font of every canvas (a TrueType font is written to the PDF only when
    text is drawn in it, and then embedded) and the font of text outside a card
    template: print sheet captions, the border drill report.
    """
    return register(FONT_DIRECTORY / BASE_FONT_FILES[bold])


def missing_glyphs(font_name: str, text: str) -> str:
    """The characters of ``text`` that the font has no glyph for, in order, once each."""
    face = pdfmetrics.getFont(font_name).face
    char_to_glyph: dict[int, int] = face.charToGlyph
    seen: dict[str, None] = {}
    for char in text:
        if ord(char) not in char_to_glyph and not char.isspace():
            seen[char] = None
    return "".join(seen)


def advance_em(font_name: str, char: str = "0") -> float:
    """The advance width of ``char`` as a fraction of the em (OCR-B: 0.723)."""
    return float(pdfmetrics.stringWidth(char, font_name, 1000.0)) / 1000.0
