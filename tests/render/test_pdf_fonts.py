"""Every card PDF and print sheet embeds every font it names (a print shop's preflight).

reportlab starts each canvas in Helvetica and writes a font resource for it even when
no text is drawn in it; a standard font is never embedded, so the file fails
preflight. The pure-Python check always runs; ``pdffonts`` (poppler) when installed.
"""

from __future__ import annotations

import dataclasses
import io
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from aes_id.domain import Country
from aes_id.render import batch
from aes_id.render.card import PrintableCard, pdf_bytes, render_cards_pdf
from aes_id.render.sheet import PAPERS, render_sheet_pdf
from aes_id.render.templates import CardTemplate, load_template
from tests.render.pdf_fonts import (
    assert_fonts_embedded,
    assert_pdffonts_all_embedded,
    font_problems,
)
from tests.render.samples import make_printable

CARD_FONTS = {"DejaVuSansCondensed", "DejaVuSansCondensed-Bold", "OCRB-AES-Regular"}


def _printables(count: int) -> list[PrintableCard]:
    return [make_printable(state, seed=i) for i, state in enumerate(list(Country) * 4)][:count]


def _families(names: list[str]) -> set[str]:
    """Font names without their subset tag (``AAAAAA+``)."""
    return {name.split("+")[-1] for name in names}


def _sheet(paper: str) -> bytes:
    stream = io.BytesIO()
    render_sheet_pdf(_printables(11), stream, paper=paper)
    return stream.getvalue()


@pytest.mark.parametrize("state", list(Country))
def test_card_pdf_embeds_every_font(state: Country) -> None:
    names = assert_fonts_embedded(pdf_bytes(make_printable(state)), at_least=3)
    assert _families(names) == CARD_FONTS


def test_multi_card_pdf_embeds_every_font() -> None:
    stream = io.BytesIO()
    render_cards_pdf(_printables(4), None, stream)
    assert _families(assert_fonts_embedded(stream.getvalue(), at_least=3)) == CARD_FONTS


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_print_sheet_embeds_every_font(paper: str) -> None:
    assert _families(assert_fonts_embedded(_sheet(paper), at_least=3)) == CARD_FONTS


def test_sheet_caption_without_a_template_text_font_is_still_embedded() -> None:
    """The caption's fallback font (no ``text`` font in the template) is a TrueType one."""

    def loader(state: Country) -> CardTemplate:
        template = load_template(state)
        kept = {k: v for k, v in template.fonts.items() if k != "text"}
        return dataclasses.replace(template, fonts=kept)

    stream = io.BytesIO()
    render_sheet_pdf(_printables(2), stream, template_loader=loader)
    first_page = pdfium.PdfDocument(stream.getvalue())[0].get_textpage().get_text_range()
    assert "AES-ID print sheet 1/1 · fronts" in first_page
    assert _families(assert_fonts_embedded(stream.getvalue(), at_least=3)) == CARD_FONTS


def test_split_card_files_embed_every_font(tmp_path: Path) -> None:
    paths = batch.render_card_files(_printables(3), tmp_path)
    for path in paths:
        assert _families(assert_fonts_embedded(path.read_bytes(), at_least=3)) == CARD_FONTS


def test_pdffonts_shows_every_font_embedded(tmp_path: Path) -> None:
    card = tmp_path / "card.pdf"
    card.write_bytes(pdf_bytes(make_printable(Country.NER)))
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(_sheet("a4"))
    (tmp_path / "split").mkdir()
    split = batch.render_card_files(_printables(1), tmp_path / "split")
    for path in (card, sheet, *split):
        assert _families(assert_pdffonts_all_embedded(path, at_least=3)) == CARD_FONTS


# The checker itself: it must fail on what the defect produced.


def test_the_checker_rejects_reportlabs_default_helvetica() -> None:
    stream = io.BytesIO()
    canvas = Canvas(stream)  # initial font Helvetica, never drawn with
    canvas.rect(10, 10, 50, 50)
    canvas.save()
    check = font_problems(stream.getvalue())
    assert check.fonts == ["Helvetica"]
    assert any("Helvetica" in problem for problem in check.problems)


def test_the_checker_reads_fonts_inside_object_streams() -> None:
    objects = [
        b"<</Type/Font/Subtype/Type1/BaseFont/Courier>>",
        b"<</Type/Font/Subtype/TrueType/BaseFont/AAAAAA+Ok/FontDescriptor 9 0 R>>",
        b"<</Type/FontDescriptor/FontName/AAAAAA+Ok/FontFile2 10 0 R>>",
    ]
    offsets, offset = [], 0
    for number, obj in zip((7, 8, 9), objects, strict=True):
        offsets.append(f"{number} {offset}".encode())
        offset += len(obj) + 1
    header = b" ".join(offsets) + b" "
    body = zlib.compress(header + b" ".join(objects))
    data = b"".join(
        (
            b"%%PDF-1.7\n1 0 obj\n<</Type/ObjStm/N 3/First %d/Filter/FlateDecode/Length %d>>\n"
            % (len(header), len(body)),
            b"stream\n" + body + b"\nendstream\nendobj\n%%EOF\n",
        )
    )
    check = font_problems(data)
    assert sorted(check.fonts) == ["AAAAAA+Ok", "Courier"]
    assert check.problems and all(problem.startswith("Courier") for problem in check.problems)
