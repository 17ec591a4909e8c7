"""A4 print sheets: ten cards a page, backs mirrored for a long-edge duplex flip."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from aes_id.domain import Country
from aes_id.errors import UsageError
from aes_id.render.sheet import PAPERS, render_sheet_pdf
from tests.render.samples import base45_text, make_printable

A4_PT = (210 / 25.4 * 72, 297 / 25.4 * 72)
CARD = (85.60, 53.98)


def test_slots_fit_the_page_and_backs_mirror_fronts() -> None:
    a4 = PAPERS["a4"]
    assert a4.per_page == 10
    for index in range(a4.per_page):
        x, y = a4.slot(index, CARD, back=False)
        bx, by = a4.slot(index, CARD, back=True)
        assert x > 0 and x + CARD[0] < a4.width and y > 0 and y + CARD[1] < a4.height
        assert by == y
        assert bx == pytest.approx(a4.width - x - CARD[0])  # the long-edge flip
    x0, y0 = a4.slot(0, CARD, back=False)
    x1, y1 = a4.slot(1, CARD, back=False)
    _, y2 = a4.slot(2, CARD, back=False)
    assert x1 - x0 == pytest.approx(CARD[0] + a4.column_gap) and y1 == y0
    assert y0 - y2 == pytest.approx(CARD[1] + a4.row_gap)


def test_pages_of_fronts_and_backs() -> None:
    printables = [make_printable(state, seed=i) for i, state in enumerate(list(Country) * 4)][:11]
    stream = io.BytesIO()
    render_sheet_pdf(printables, stream)
    document = pdfium.PdfDocument(stream.getvalue())
    assert len(document) == 4  # two sheets, each fronts then backs
    for page in document:
        assert page.get_size() == pytest.approx(A4_PT, abs=0.01)
    fronts = document[0].get_textpage().get_text_range()
    assert fronts.count("Nom / Surname") == 10
    assert "AES-ID print sheet 1/2 · fronts" in fronts
    last_backs = document[3].get_textpage().get_text_range()
    assert "flip on the long edge" in last_backs and last_backs.count("IDNER") == 0


def test_each_back_lands_behind_its_front() -> None:
    texts = [base45_text(480, seed=i) for i in range(2)]
    printables = [make_printable(Country.MLI, qr_text=t, seed=i) for i, t in enumerate(texts)]
    stream = io.BytesIO()
    render_sheet_pdf(printables, stream, paper="A4")
    back_page = pdfium.PdfDocument(stream.getvalue())[1].render(scale=200 / 72).to_pil()
    found = {b.text: b.position.top_left.x for b in zxingcpp.read_barcodes(back_page)}
    assert set(found) == set(texts)
    middle = back_page.width / 2
    assert found[texts[0]] > middle  # card 0 is in the left column on the front
    assert found[texts[1]] < middle


def test_letter_paper_and_refusals() -> None:
    assert PAPERS["letter"].per_page == 8
    with pytest.raises(UsageError, match="paper 'a3' is not supported"):
        render_sheet_pdf([make_printable()], io.BytesIO(), paper="a3")
    with pytest.raises(UsageError, match="no cards"):
        render_sheet_pdf([], io.BytesIO())


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_poppler_reads_the_sheet_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "sheet.pdf"
    render_sheet_pdf([make_printable(Country.BFA)], path)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert info.stderr == "" and "(A4)" in info.stdout
    ppm = subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ppm.stderr == ""
