"""Print sheets: ID-1 cards imposed on A4 (10 to a page) for duplex printing.

Each sheet is two pages: the fronts, then the backs. For a long-edge flip (the usual
duplex setting for portrait paper) the back page is the front page mirrored about the
vertical axis, so the back of the card printed in column ``c`` goes to column
``columns - 1 - c`` of the same row; the grid is centred on the page so the mirrored
slots coincide exactly. Crop marks in the margins extend every card edge for the
guillotine; the rounded corners (3.18 mm) are drawn as a hairline on each card.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.pdfgen.canvas import Canvas

from aes_id.domain import Country
from aes_id.errors import UsageError
from aes_id.render import fonts
from aes_id.render.card import PrintableCard, TemplateLoader, face_data, open_canvas, write_pdf
from aes_id.render.draw import MM, FaceDrawer
from aes_id.render.templates import load_template

MARK_OFFSET = 2.0  # mm between a card edge's end and its crop mark
MARK_LENGTH = 4.5  # mm
MARK_WIDTH = 0.25  # pt


@dataclass(frozen=True)
class Paper:
    """A sheet size and the grid of cards imposed on it (millimetres)."""

    name: str
    width: float
    height: float
    columns: int
    rows: int
    column_gap: float
    row_gap: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def slot(self, index: int, card: tuple[float, float], back: bool) -> tuple[float, float]:
        """Bottom-left corner (mm from the page's bottom-left) of card slot ``index``."""
        row, col = divmod(index, self.columns)
        if back:
            col = self.columns - 1 - col
        left, top = self.grid_origin(card)
        x = left + col * (card[0] + self.column_gap)
        y = top - row * (card[1] + self.row_gap) - card[1]
        return x, y

    def grid_origin(self, card: tuple[float, float]) -> tuple[float, float]:
        """The grid's left edge and top edge, the grid centred on the page."""
        grid_w = self.columns * card[0] + (self.columns - 1) * self.column_gap
        grid_h = self.rows * card[1] + (self.rows - 1) * self.row_gap
        return (self.width - grid_w) / 2, self.height - (self.height - grid_h) / 2


PAPERS = {
    "a4": Paper("a4", 210.0, 297.0, columns=2, rows=5, column_gap=6.0, row_gap=2.5),
    "letter": Paper("letter", 215.9, 279.4, columns=2, rows=4, column_gap=6.0, row_gap=6.0),
}
"""Supported sheets: A4 holds 10 ID-1 cards, US Letter 8."""


def render_sheet_pdf(
    printables: Iterable[PrintableCard],
    out: Path | BinaryIO,
    paper: str = "a4",
    template_loader: TemplateLoader | None = None,
) -> None:
    """Impose the cards on sheets of ``paper``: a fronts page then a backs page per sheet."""
    layout = PAPERS.get(paper.lower())
    if layout is None:
        raise UsageError(f"paper {paper!r} is not supported: expected one of {sorted(PAPERS)}")
    cards = list(printables)
    if not cards:
        raise UsageError("no cards to put on a print sheet")
    loader = template_loader or load_template
    write_pdf(out, lambda target: _render(cards, layout, loader, target))


def _render(
    cards: list[PrintableCard], paper: Paper, loader: TemplateLoader, target: BinaryIO
) -> None:
    drawers: dict[Country, FaceDrawer] = {}
    sheets = (len(cards) + paper.per_page - 1) // paper.per_page
    title = f"AES identity cards: {len(cards)} on {sheets} {paper.name.upper()} sheet(s)"
    with open_canvas(target, (paper.width * MM, paper.height * MM), title) as c:
        for sheet in range(sheets):
            batch = cards[sheet * paper.per_page : (sheet + 1) * paper.per_page]
            for back in (False, True):
                size = _draw_page(c, batch, paper, loader, drawers, back)
                _crop_marks(c, paper, size, len(batch))
                _caption(c, paper, size, drawers, sheet, sheets, back, batch)
                c.showPage()


def _draw_page(
    c: Canvas,
    batch: list[PrintableCard],
    paper: Paper,
    loader: TemplateLoader,
    drawers: dict[Country, FaceDrawer],
    back: bool,
) -> tuple[float, float]:
    size: tuple[float, float] | None = None
    for index, printable in enumerate(batch):
        state = printable.card.issuing_state
        if state not in drawers:
            drawers[state] = FaceDrawer(c, loader(state))
        drawer = drawers[state]
        card_size = (drawer.t.page.width, drawer.t.page.height)
        if size not in (None, card_size):
            raise UsageError("cards of different sizes cannot share a print sheet")
        size = card_size
        x, y = paper.slot(index, card_size, back)
        drawer.draw("back" if back else "front", face_data(printable, drawer.t), x * MM, y * MM)
    assert size is not None
    return size


def _crop_marks(c: Canvas, paper: Paper, card: tuple[float, float], count: int) -> None:
    """Marks in the margins on the line of every card edge (every column, the rows in use)."""
    rows = min(paper.rows, (count + paper.columns - 1) // paper.columns)
    left, top = paper.grid_origin(card)
    right = left + paper.columns * card[0] + (paper.columns - 1) * paper.column_gap
    bottom = top - rows * card[1] - (rows - 1) * paper.row_gap
    c.saveState()
    c.setStrokeColorCMYK(1, 1, 1, 1)  # registration colour: on every separation
    c.setLineWidth(MARK_WIDTH)
    for col in range(paper.columns):
        col_left = left + col * (card[0] + paper.column_gap)
        for x in (col_left, col_left + card[0]):
            for edge, sign in ((top, 1), (bottom, -1)):
                start = edge + sign * MARK_OFFSET
                c.line(x * MM, start * MM, x * MM, (start + sign * MARK_LENGTH) * MM)
    for row in range(rows):
        row_top = top - row * (card[1] + paper.row_gap)
        for y in (row_top, row_top - card[1]):
            for edge, sign in ((left, -1), (right, 1)):
                start = edge + sign * MARK_OFFSET
                c.line(start * MM, y * MM, (start + sign * MARK_LENGTH) * MM, y * MM)
    c.restoreState()


def _caption(
    c: Canvas,
    paper: Paper,
    card: tuple[float, float],
    drawers: dict[Country, FaceDrawer],
    sheet: int,
    sheets: int,
    back: bool,
    batch: list[PrintableCard],
) -> None:
    """One small line in the left margin, reading upwards, clear of the crop marks."""
    left, top = paper.grid_origin(card)
    side = "backs (duplex: flip on the long edge)" if back else "fronts"
    first, last = batch[0].card.card_number, batch[-1].card.card_number
    text = f"AES-ID print sheet {sheet + 1}/{sheets} · {side} · cards {first} to {last}"
    font = next(
        (d.t.fonts["text"] for d in drawers.values() if "text" in d.t.fonts), fonts.base_font()
    )
    c.saveState()
    c.translate((left - MARK_OFFSET - MARK_LENGTH - 2.5) * MM, (top - paper.rows * card[1]) * MM)
    c.rotate(90)
    c.setFont(font, 6)
    c.setFillColorRGB(0.35, 0.35, 0.35)
    c.drawString(0, 0, text)
    c.restoreState()
