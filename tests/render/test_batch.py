"""One file per card, rendered as one batch and split with PDFium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from aes_id.domain import Country
from aes_id.errors import UsageError
from aes_id.render import batch
from aes_id.render.card import PrintableCard
from aes_id.render.preview import rasterise_pdf
from aes_id.verify.scan import scan_image
from tests.render.samples import base45_text, make_card, mrz_lines, portrait

ID1_PT = (85.60 / 25.4 * 72, 53.98 / 25.4 * 72)


def cards(count: int) -> list[PrintableCard]:
    states = list(Country)
    made = []
    for i in range(count):
        card = make_card(states[i % 3], qr_text=base45_text(700, seed=i), serial=i + 1)
        made.append(PrintableCard(card=card, photo=portrait(i), mrz=mrz_lines(card)))
    return made


def test_one_file_per_card_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "CHUNK", 2)  # three chunks for five cards
    printables = cards(5)
    paths = batch.render_card_files(printables, tmp_path / "cards")
    assert [p.name for p in paths] == [f"{p.card.card_number}.pdf" for p in printables]
    assert sorted(tmp_path.joinpath("cards").iterdir()) == sorted(paths)  # no temporary files
    for path, printable in zip(paths, printables, strict=True):
        document = pdfium.PdfDocument(path.read_bytes())
        assert len(document) == 2
        assert document[0].get_size() == pytest.approx(ID1_PT, abs=0.005)
        assert str(printable.card.card_number) in document[0].get_textpage().get_text_range()
        assert scan_image(rasterise_pdf(path.read_bytes(), dpi=300)[1]) == [printable.card.qr_text]


def test_duplicate_numbers_and_empty_batches_are_refused(tmp_path: Path) -> None:
    twice = cards(1) * 2
    with pytest.raises(UsageError, match="appears twice"):
        batch.render_card_files(twice, tmp_path)
    with pytest.raises(UsageError, match="no cards"):
        batch.render_card_files([], tmp_path)


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_split_files_open_in_poppler_without_warnings(tmp_path: Path) -> None:
    (path,) = batch.render_card_files(cards(1), tmp_path)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert info.stderr == "" and "Page size:       242.646 x 153.014 pts" in info.stdout
    ppm = subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ppm.stderr == ""
