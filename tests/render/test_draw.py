"""Text fitting: whatever the name, it stays inside its box."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from aes_id.render import fonts
from aes_id.render.draw import ELLIPSIS, MIN_HORIZONTAL_SCALE, fit_text
from aes_id.render.templates import DEFAULT_DIRECTORY

FONT = fonts.register((DEFAULT_DIRECTORY / "fonts" / "DejaVuSansCondensed-Bold-AES.ttf").resolve())
LATIN = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F, exclude_categories=("Cc",)),
    min_size=1,
    max_size=120,
)


@given(text=LATIN, box=st.floats(20.0, 200.0), size=st.floats(5.0, 9.0))
@settings(max_examples=300, deadline=None)
def test_fitted_text_fits_its_box(text: str, box: float, size: float) -> None:
    fitted_size, scale, fitted = fit_text(text, FONT, size, box, min_size=5.0)
    assert 5.0 <= fitted_size <= size
    assert MIN_HORIZONTAL_SCALE <= scale <= 1.0
    width = stringWidth(fitted, FONT, fitted_size) * scale
    assert width <= box + 1e-6 or len(fitted) <= 2
    if fitted != text:
        assert fitted.endswith(ELLIPSIS)
        assert text.startswith(fitted[:-1].rstrip())


@given(text=LATIN)
def test_text_that_fits_is_left_alone(text: str) -> None:
    width = stringWidth(text, FONT, 7.0)
    assert fit_text(text, FONT, 7.0, width + 1.0, min_size=5.0) == (7.0, 1.0, text)
    assert fit_text(text, FONT, 7.0, 0.0, min_size=5.0) == (7.0, 1.0, text)  # no limit


def test_shipped_fonts_cover_latin_1_and_latin_extended_a() -> None:
    letters = "".join(
        chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x100, 0x180)]
    )
    for name in ("DejaVuSansCondensed-AES.ttf", "DejaVuSansCondensed-Bold-AES.ttf"):
        font = fonts.register((DEFAULT_DIRECTORY / "fonts" / name).resolve())
        assert fonts.missing_glyphs(font, letters) == ""
    ocrb = fonts.register((DEFAULT_DIRECTORY / "fonts" / "OCRB-AES.ttf").resolve())
    assert fonts.missing_glyphs(ocrb, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<") == ""
    assert fonts.advance_em(ocrb, "<") == fonts.advance_em(ocrb, "W") == 0.723  # monospaced
