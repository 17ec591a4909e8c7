"""Card PDFs: exact ID-1 pages, what the faces print, a QR that decodes, OCR-B at pitch."""

from __future__ import annotations

import dataclasses
import io
import itertools
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from aes_id.domain import Country, Identity
from aes_id.errors import InputError, UsageError
from aes_id.render.card import (
    PrintableCard,
    format_date,
    pdf_bytes,
    render_card_pdf,
    render_cards_pdf,
)
from aes_id.render.draw import RenderError, describe_groups
from aes_id.render.qr import QrError
from aes_id.render.templates import load_template
from aes_id.verify.scan import scan_image
from tests.render.samples import base45_text, make_card, make_printable, portrait, signed_printable

ID1_PT = (85.60 / 25.4 * 72, 53.98 / 25.4 * 72)  # 242.65 x 153.01 pt
MAX_V20_TEXT = 970  # alphanumeric capacity of a version-20 QR at level M


@pytest.fixture(scope="module")
def pdfs() -> dict[Country, tuple[PrintableCard, bytes]]:
    rendered = {}
    for state in Country:
        printable = make_printable(state, qr_text=base45_text(MAX_V20_TEXT, seed=len(state.value)))
        rendered[state] = (printable, pdf_bytes(printable))
    return rendered


def page_text(data: bytes, index: int) -> str:
    document = pdfium.PdfDocument(data)
    return str(document[index].get_textpage().get_text_range())


def raster(data: bytes, index: int, dpi: int = 300):  # type: ignore[no-untyped-def]
    return pdfium.PdfDocument(data)[index].render(scale=dpi / 72).to_pil()


@pytest.mark.parametrize("state", list(Country))
def test_two_pages_of_exact_id1_size(
    pdfs: dict[Country, tuple[PrintableCard, bytes]], state: Country
) -> None:
    document = pdfium.PdfDocument(pdfs[state][1])
    assert len(document) == 2
    for page in document:
        width, height = page.get_size()
        assert width == pytest.approx(ID1_PT[0], abs=0.005)
        assert height == pytest.approx(ID1_PT[1], abs=0.005)


@pytest.mark.parametrize("state", list(Country))
def test_back_qr_decodes_to_exactly_the_qr_text(
    pdfs: dict[Country, tuple[PrintableCard, bytes]], state: Country
) -> None:
    printable, data = pdfs[state]
    assert scan_image(raster(data, 1)) == [printable.card.qr_text]
    assert scan_image(raster(data, 0)) == []  # nothing to find on the front


def test_qr_modules_are_at_least_a_third_of_a_millimetre(
    pdfs: dict[Country, tuple[PrintableCard, bytes]],
) -> None:
    import zxingcpp

    _, data = pdfs[Country.MLI]
    (found,) = zxingcpp.read_barcodes(raster(data, 1, dpi=600))
    assert found.extra["Version"] == "20" and found.ec_level == "M"
    top_left, top_right = found.position.top_left, found.position.top_right
    width_px = ((top_right.x - top_left.x) ** 2 + (top_right.y - top_left.y) ** 2) ** 0.5
    module_mm = width_px / (97 - 1) / 600 * 25.4  # corner points are module centres
    assert 0.33 <= module_mm <= 0.345


def test_real_signed_credential_round_trips() -> None:
    printable = signed_printable(Country.NER)
    if printable is None:
        pytest.skip("the credential format is not importable yet")
    from aes_id.formats.credential import parse_qr_text

    (text,) = scan_image(raster(pdf_bytes(printable), 1))
    assert text == printable.card.qr_text
    assert parse_qr_text(text).claims.card_number == printable.card.card_number


def test_front_prints_every_field_with_diacritics(
    pdfs: dict[Country, tuple[PrintableCard, bytes]],
) -> None:
    text = page_text(pdfs[Country.MLI][1], 0)
    for expected in (
        "CONFÉDÉRATION DES ÉTATS DU SAHEL",
        "RÉPUBLIQUE DU MALI",
        "CARTE D'IDENTITÉ AES · AES IDENTITY CARD",
        "Nom / Surname",
        "KEÏTA",
        "Prénoms / Given names",
        "Aïssata Djénéba",
        "Date de naissance / Date of birth",
        "17.05.1990",
        "Lieu de naissance / Place of birth",
        "Ségou",
        "Sexe / Sex",
        "Nationalité / Nationality",
        "NIN",
        "2749 1305 8627",
        "N° de carte / Card No.",
        "ML0004217",
        "Délivrée le / Date of issue",
        "14.03.2026",
        "Expire le / Date of expiry",
        "13.03.2036",
        "Signature du titulaire / Holder's signature",
    ):
        assert expected in text


@pytest.mark.parametrize(
    ("state", "printed"), [(Country.BFA, "XX.XX.1958"), (Country.NER, "XX.11.1984")]
)
def test_partial_birth_dates_print_xx(
    pdfs: dict[Country, tuple[PrintableCard, bytes]], state: Country, printed: str
) -> None:
    assert printed in page_text(pdfs[state][1], 0)


def test_state_names_and_authorities(pdfs: dict[Country, tuple[PrintableCard, bytes]]) -> None:
    assert "BURKINA FASO" in page_text(pdfs[Country.BFA][1], 0)
    assert "RÉPUBLIQUE DU NIGER" in page_text(pdfs[Country.NER][1], 0)
    assert "Office National d'Identification (ONI)" in page_text(pdfs[Country.BFA][1], 1)


def test_mrz_is_printed_at_the_doc_9303_pitch(
    pdfs: dict[Country, tuple[PrintableCard, bytes]],
) -> None:
    printable, data = pdfs[Country.MLI]
    textpage = pdfium.PdfDocument(data)[1].get_textpage()
    text = textpage.get_text_range()
    starts = []
    for line in printable.mrz:
        index = text.index(line)
        cells = [textpage.get_charbox(index + i, loose=True) for i in range(30)]
        pitches = {round((b[0] - a[0]) / 72 * 25.4, 3) for a, b in itertools.pairwise(cells)}
        assert pitches == {2.54}  # OCR-B size 1: 10 characters per 25.4 mm
        starts.append(cells[0])
    for upper, lower in itertools.pairwise(starts):
        assert (upper[1] - lower[1]) / 72 * 25.4 == pytest.approx(4.23, abs=0.005)
    first_letter = textpage.get_charbox(text.index(printable.mrz[0]))  # ink box of "I"
    cap_height = (first_letter[3] - first_letter[1]) / 72 * 25.4
    assert 2.3 <= cap_height <= 2.6  # OCR-B size 1 capitals are about 2.4 mm high
    assert starts[0][0] / 72 * 25.4 == pytest.approx(4.7, abs=0.01)  # 76.2 mm centred on the card


def test_photo_is_embedded_at_300_dpi(pdfs: dict[Country, tuple[PrintableCard, bytes]]) -> None:
    page = pdfium.PdfDocument(pdfs[Country.MLI][1])[0]
    images = list(page.get_objects(filter=(pdfium_raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3))
    portrait_image = max(images, key=lambda image: image.get_px_size()[0])
    left, _, right, _ = portrait_image.get_bounds()
    dpi = portrait_image.get_px_size()[0] / ((right - left) / 72)
    assert dpi == pytest.approx(300, abs=2)


def test_long_names_are_fitted_not_overflowing() -> None:
    card = make_card(Country.MLI)
    long_person = dataclasses.replace(
        card.identity,
        family_name="Ag Mohamed Ould Cheikh Ahmed Ben Abderrahmane Ould Sidi Mohamed Lamine",
        given_names="Mohamed Elmoctar Alhousseini Attaher Intalla Alghabass",
        place_of_birth="Kidal, cercle de Tin-Essako, région de Kidal",
    )
    card = dataclasses.replace(card, identity=long_person)
    printable = PrintableCard(card=card, photo=portrait(), mrz=make_printable().mrz)
    text = page_text(pdf_bytes(printable), 0)
    assert "AG MOHAMED OULD CHEIKH" in text  # smaller, then condensed to 75 %,
    assert "Alhousseini Attaher Intalla Alghabass" in text  # so long names still print whole
    assert "OULD SIDI MOHAMED LAMINE" not in text and "…" in text  # beyond that: cut, visibly


def test_a_name_the_font_cannot_print_is_refused() -> None:
    card = make_card(Country.MLI)
    person: Identity = dataclasses.replace(card.identity, given_names="Ωmega")
    printable = PrintableCard(
        dataclasses.replace(card, identity=person), portrait(), make_printable().mrz
    )
    with pytest.raises(RenderError, match="no glyph for 'Ω'"):
        pdf_bytes(printable)


def test_a_qr_above_version_20_is_refused(tmp_path: Path) -> None:
    printable = make_printable(Country.MLI, qr_text=base45_text(1554, seed=2))
    out = tmp_path / "cards" / "card.pdf"
    out.parent.mkdir()
    with pytest.raises(QrError, match="version 27 at level M; the card allows at most version 20"):
        render_card_pdf(printable, None, out)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no temporary file left behind


def test_the_largest_credential_still_fits() -> None:
    printable = make_printable(Country.MLI, qr_text=base45_text(MAX_V20_TEXT + 1, seed=2))
    with pytest.raises(QrError):
        pdf_bytes(printable)


def test_mrz_lines_are_checked() -> None:
    card = make_card()
    with pytest.raises(InputError, match="3 lines of 30 characters"):
        PrintableCard(card=card, photo=portrait(), mrz=("IDMLI", "x" * 30, "<" * 30))


def test_template_of_another_state_is_refused() -> None:
    with pytest.raises(UsageError, match="issued by MLI but the template is BFA's"):
        pdf_bytes(make_printable(Country.MLI), load_template(Country.BFA))


def test_writes_to_a_path_or_a_stream(tmp_path: Path) -> None:
    printable = make_printable(Country.BFA)
    out = tmp_path / "a" / "b.pdf"
    render_card_pdf(printable, None, out)
    stream = io.BytesIO()
    render_card_pdf(printable, load_template(Country.BFA), stream)
    assert out.read_bytes()[:5] == stream.getvalue()[:5] == b"%PDF-"
    assert len(pdfium.PdfDocument(out.read_bytes())) == 2


def test_multi_card_file_shares_artwork_and_decodes_each_card() -> None:
    printables = [make_printable(state, seed=i) for i, state in enumerate(list(Country) * 2)]
    stream = io.BytesIO()
    render_cards_pdf(printables, None, stream)
    data = stream.getvalue()
    document = pdfium.PdfDocument(data)
    assert len(document) == 2 * len(printables)
    for i, printable in enumerate(printables):
        assert scan_image(raster(data, 2 * i + 1)) == [printable.card.qr_text]
    single = len(pdf_bytes(printables[0]))
    assert len(data) < single * len(printables) * 0.6  # static artwork stored once per state


def test_static_artwork_is_grouped_into_forms_and_card_data_is_not() -> None:
    groups = describe_groups(load_template(Country.MLI), "front")
    assert groups[0].startswith("form: background, guilloche, watermark, rosette, header")
    assert "card: photo" in groups and "card: family_name.value" in groups
    assert "form: family_name.label" in groups  # a field's label is artwork, its value is not
    assert not any(g.startswith("form:") and ("photo" in g or ".value" in g) for g in groups)
    back = describe_groups(load_template(Country.MLI), "back")
    assert "card: qr" in back and "card: mrz" in back


def test_no_cards_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        render_cards_pdf([], None, io.BytesIO())


def test_format_date() -> None:
    assert format_date(1958, 0, 0, "DD.MM.YYYY") == "XX.XX.1958"
    assert format_date(1984, 11, 0, "YYYY-MM-DD") == "1984-11-XX"
    assert format_date(2026, 3, 4, "DD/MM/YYYY") == "04/03/2026"


@pytest.mark.skipif(
    shutil.which("pdfinfo") is None, reason="poppler-utils (pdfinfo, pdftoppm) not installed"
)
def test_poppler_reads_the_pdf_without_warnings(
    pdfs: dict[Country, tuple[PrintableCard, bytes]], tmp_path: Path
) -> None:
    path = tmp_path / "card.pdf"
    path.write_bytes(pdfs[Country.NER][1])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert info.stderr == ""
    assert "Pages:           2" in info.stdout
    assert "Page size:       242.646 x 153.014 pts" in info.stdout
    ppm = subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(path), str(tmp_path / "page")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ppm.stderr == ""
    assert sorted(p.name for p in tmp_path.glob("page*.png")) == ["page-1.png", "page-2.png"]
