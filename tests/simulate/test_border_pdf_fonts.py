"""The border drill's PDF report embeds every font it names (no standard Helvetica).

platypus styles, table styles and reportlab chart labels default to Helvetica, and
the canvas starts in it; the report must use the shipped TrueType fonts instead.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from aes_id.simulate.border_pdf import write_report_pdf
from aes_id.simulate.report import BorderReport, build_report
from tests.render.pdf_fonts import assert_fonts_embedded, assert_pdffonts_all_embedded
from tests.simulate.test_border_report import _report

REPORT_FONTS = {"DejaVuSansCondensed", "DejaVuSansCondensed-Bold"}


def _families(names: list[str]) -> set[str]:
    return {name.split("+")[-1] for name in names}


@pytest.fixture(params=["scenario", "empty"])
def report(request: pytest.FixtureRequest) -> BorderReport:
    return _report() if request.param == "scenario" else build_report([], {}, [], [], {})


def test_report_pdf_embeds_every_font(report: BorderReport, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_report_pdf(report, path)
    assert _families(assert_fonts_embedded(path.read_bytes(), at_least=2)) == REPORT_FONTS


def test_report_pdf_fonts_in_pdffonts(report: BorderReport, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_report_pdf(report, path)
    assert _families(assert_pdffonts_all_embedded(path, at_least=2)) == REPORT_FONTS


def test_report_text_and_chart_labels_are_still_there(tmp_path: Path) -> None:
    """The TrueType fonts print the report's text: headings, tables, axis labels, legends."""
    path = tmp_path / "report.pdf"
    write_report_pdf(_report(), path)
    document = pdfium.PdfDocument(path.read_bytes())
    text = "".join(page.get_textpage().get_text_range() for page in document)
    for expected in (
        "AES-ID border drill",
        "Frauds",
        "clone correlation 1",  # a table cell
        "caught at the post",  # a legend
        "labbezanga (7 d)",  # a category axis label
        "lists did not know yet",
        "Verification time per check",
    ):
        assert expected in text, expected
