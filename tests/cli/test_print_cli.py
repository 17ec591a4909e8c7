"""``aes-id print`` and ``aes-id card render`` in-process, on the six issued cards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from aes_id.verify.scan import scan_file
from tests.cli.conftest import NOW, Cli, Issued

MM_PT = 72 / 25.4
ID1_PT = (85.60 * MM_PT, 53.98 * MM_PT)
A4_PT = (210 * MM_PT, 297 * MM_PT)
STAMP = "20260314-093000"  # AES_ID_NOW as the default file names write it


def numbers(issued: Issued, prefix: str = "") -> list[str]:
    return sorted(c["card_number"] for c in issued.cards if c["card_number"].startswith(prefix))


def printed(home: Path) -> dict[str, str | None]:
    with sqlite3.connect(home / "registry.db") as db:
        return dict(db.execute("SELECT card_number, printed_at FROM card").fetchall())


def pages(path: Path) -> list[tuple[float, float]]:
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        return [page.get_size() for page in document]
    finally:
        document.close()


def text_of(path: Path) -> str:
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def is_id1(size: tuple[float, float]) -> bool:
    return size == pytest.approx(ID1_PT, abs=0.005)


# -- one PDF per card -------------------------------------------------------------------------


def test_print_writes_one_id1_pdf_per_card_and_marks_them_printed(
    cli: Cli, issued: Issued, home: Path
) -> None:
    chosen = numbers(issued)[:2]
    outcome = cli.ok("print", *chosen)
    lines = outcome.out.splitlines()
    assert lines == [str(Path("cards") / f"{n}.pdf") for n in chosen] + ["2 card PDF(s) written"]
    assert sorted(p.name for p in (home / "cards").iterdir()) == [f"{n}.pdf" for n in chosen]
    for number in chosen:
        path = home / "cards" / f"{number}.pdf"
        sizes = pages(path)
        assert len(sizes) == 2 and all(is_id1(size) for size in sizes)  # front, back
        assert number in text_of(path)
    marks = printed(home)
    assert all(str(marks[n]).startswith(NOW[:10]) for n in chosen)
    assert all(marks[n] is None for n in numbers(issued) if n not in chosen)


def test_print_into_another_folder(cli: Cli, issued: Issued, home: Path) -> None:
    number = numbers(issued)[0]
    cli.ok("print", number.lower(), "--out", "shop/today")  # any case
    assert [p.name for p in (home / "shop" / "today").iterdir()] == [f"{number}.pdf"]


def test_single_puts_every_card_in_one_file(cli: Cli, issued: Issued, home: Path) -> None:
    chosen = numbers(issued)[:3]
    outcome = cli.ok("print", *chosen, "--single")
    target = home / "cards" / f"cards-{STAMP}.pdf"
    assert outcome.out.strip() == f"3 cards in {Path('cards') / target.name}"
    sizes = pages(target)
    assert len(sizes) == 6 and all(is_id1(size) for size in sizes)
    text = text_of(target)
    assert all(number in text for number in chosen)


def test_sheet_a4_of_the_pending_cards_then_nothing_is_pending(
    cli: Cli, issued: Issued, home: Path
) -> None:
    cli.ok("print", numbers(issued)[0])  # printed already: not pending
    outcome = cli.ok("print", "--pending", "--sheet", "a4")
    target = Path("sheets") / f"sheet-{STAMP}.pdf"
    assert outcome.out.strip() == f"5 cards on print sheets: {target}"
    sizes = pages(home / target)
    assert len(sizes) == 2 and all(s == pytest.approx(A4_PT, abs=0.01) for s in sizes)
    text = text_of(home / target)
    assert all(number in text for number in numbers(issued)[1:])
    assert numbers(issued)[0] not in text
    assert all(value is not None for value in printed(home).values())
    again = cli("print", "--pending")
    assert again.code == 2 and "nothing to print" in again.err
    assert again.err.count("\n") == 1 and "Traceback" not in again.err


def test_state_prints_only_that_states_cards(cli: Cli, issued: Issued, home: Path) -> None:
    states = {c["state"] for c in issued.cards}
    assert len(states) > 1
    state = sorted(states)[0]
    mine = sorted(c["card_number"] for c in issued.cards if c["state"] == state)
    cli.ok("print", "--state", state)
    assert sorted(p.stem for p in (home / "cards").iterdir()) == mine


# -- card lists -------------------------------------------------------------------------------


def test_a_list_file_with_comments_and_blank_lines(cli: Cli, issued: Issued, home: Path) -> None:
    first, second = numbers(issued)[:2]
    (home / "batch.txt").write_text(
        f"# print run 14 March\n\n{first}\n   \n  {second.lower()}  # for the mayor's office\n",
        encoding="utf-8",
    )
    cli.ok("print", "--list", "batch.txt")
    assert sorted(p.stem for p in (home / "cards").iterdir()) == [first, second]


def test_a_bad_line_in_the_list_names_it_and_nothing_is_rendered(
    cli: Cli, issued: Issued, home: Path
) -> None:
    first = numbers(issued)[0]
    (home / "batch.txt").write_text(f"# run\n{first}\nML12345\n", encoding="utf-8")
    outcome = cli("print", "--list", "batch.txt")
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert outcome.err.startswith("error: batch.txt line 3: card number 'ML12345'")
    assert not (home / "cards").exists()
    assert all(value is None for value in printed(home).values())


def test_numbers_and_pending_together_is_a_usage_error(
    cli: Cli, issued: Issued, home: Path
) -> None:
    outcome = cli("print", numbers(issued)[0], "--pending")
    assert outcome.code == 2 and "give card numbers, or --state/--pending, not both" in outcome.err
    assert not (home / "cards").exists()


def test_sheet_and_single_together_is_a_usage_error(cli: Cli, issued: Issued, home: Path) -> None:
    outcome = cli("print", numbers(issued)[0], "--sheet", "a4", "--single")
    assert outcome.code == 2 and "choose --sheet or --single" in outcome.err
    assert not (home / "cards").exists() and not (home / "sheets").exists()


def test_an_unknown_card_renders_nothing(cli: Cli, issued: Issued, home: Path) -> None:
    outcome = cli("print", numbers(issued)[0], "NE0009999")
    assert outcome.code == 1 and "NE0009999" in outcome.err and "Traceback" not in outcome.err
    assert not any((home / "cards").glob("*.pdf"))
    assert all(value is None for value in printed(home).values())


def test_a_revoked_card_is_not_printed(cli: Cli, issued: Issued, home: Path) -> None:
    """A print shop must not produce a card the registry has revoked (``--pending`` and
    ``--state`` already skip them; a card number given by hand must not slip through)."""
    number = numbers(issued)[0]
    cli.ok("revoke", number, "--reason", "stolen")
    outcome = cli("print", number)
    assert outcome.code != 0 and "revoked" in outcome.err
    assert not any((home / "cards").glob("*.pdf"))


# -- previews ---------------------------------------------------------------------------------


def test_render_png_writes_both_faces_at_300_dpi(cli: Cli, issued: Issued, home: Path) -> None:
    number = numbers(issued)[0]
    outcome = cli.ok("card", "render", number, "--png")
    front, back = (home / "previews" / f"{number}-{face}.png" for face in ("front", "back"))
    assert outcome.out.splitlines() == [
        str(Path("previews") / front.name),
        str(Path("previews") / back.name),
    ]
    for path in (front, back):
        with Image.open(path) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert abs(width - 85.60 / 25.4 * 300) <= 1 and abs(height - 53.98 / 25.4 * 300) <= 1
            assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_render_at_another_resolution_and_a_bad_one(cli: Cli, issued: Issued, home: Path) -> None:
    number = numbers(issued)[1]
    cli.ok("card", "render", number, "--dpi", "150", "--out", "small")
    with Image.open(home / "small" / f"{number}-back.png") as image:
        assert abs(image.size[0] - 85.60 / 25.4 * 150) <= 1
    outcome = cli("card", "render", number, "--dpi", "30")
    assert outcome.code == 2 and "--dpi 30" in outcome.err


def test_the_rendered_back_scans_and_verifies(cli: Cli, issued: Issued, home: Path) -> None:
    card = issued.cards[0]
    number = card["card_number"]
    cli.ok("card", "render", number, "--png")
    back = Path("previews") / f"{number}-back.png"
    qr_text = cli.ok("card", "show", number, "--json").json()["qr_text"]
    assert scan_file(home / back) == qr_text
    outcome = cli("verify", str(back))
    assert outcome.code == 0, outcome.err
    assert outcome.out.splitlines()[0] == "VALID" and card["nin"] in outcome.out
