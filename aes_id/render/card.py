"""Card PDFs: ISO/IEC 7810 ID-1 pages (85.60 × 53.98 mm), front then back.

>>> from aes_id.render.card import PrintableCard, render_card_pdf   # doctest: +SKIP
>>> render_card_pdf(PrintableCard(card, photo, mrz_lines), None, Path("card.pdf"))

The layout comes from the issuing state's template (:mod:`aes_id.render.templates`);
this module turns a :class:`~aes_id.domain.Card` into the values the template's
placeholders name and writes the pages with reportlab.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from aes_id import __version__
from aes_id.domain import Card, Country, PartialDate
from aes_id.errors import InputError, UsageError
from aes_id.files import write_atomic
from aes_id.render import fonts
from aes_id.render.draw import MM, FaceData, FaceDrawer
from aes_id.render.templates import CardTemplate, load_template

TemplateLoader = Callable[[Country], CardTemplate]
"""Gives the template of an issuing state (e.g. :func:`load_template`)."""

_MRZ_LINE = re.compile(r"^[A-Z0-9<]{30}$")


@dataclass(frozen=True)
class PrintableCard:
    """Everything a card print needs: the issued card, the portrait and the TD1 MRZ."""

    card: Card
    photo: Image.Image
    mrz: tuple[str, str, str]

    def __post_init__(self) -> None:
        if len(self.mrz) != 3 or not all(_MRZ_LINE.match(line) for line in self.mrz):
            raise InputError(
                f"card {self.card.card_number}: MRZ must be 3 lines of 30 characters "
                f"A-Z 0-9 <, found {self.mrz!r}"
            )
        if not self.card.qr_text:
            raise InputError(f"card {self.card.card_number}: no QR text to print")


def format_date(year: int, month: int, day: int, fmt: str) -> str:
    """``fmt`` (tokens DD, MM, YYYY) filled in; an unknown (0) month or day prints XX."""
    return (
        fmt.replace("YYYY", f"{year:04d}")
        .replace("MM", f"{month:02d}" if month else "XX")
        .replace("DD", f"{day:02d}" if day else "XX")
    )


def card_values(card: Card, date_format: str = "DD.MM.YYYY") -> dict[str, str]:
    """The values of the card placeholders (:data:`~aes_id.render.templates.CARD_PLACEHOLDERS`)."""
    person = card.identity
    born: PartialDate = person.date_of_birth
    issued = card.issued_at.date()
    nin = str(person.nin)
    return {
        "family_name": person.family_name,
        "given_names": person.given_names,
        "full_name": person.full_name,
        "date_of_birth": format_date(born.year, born.month, born.day, date_format),
        "sex": person.sex.value,
        "nationality": person.nationality,
        "place_of_birth": person.place_of_birth,
        "nin": nin,
        "nin_grouped": " ".join(nin[i : i + 4] for i in range(0, len(nin), 4)),
        "card_number": str(card.card_number),
        "issued_on": format_date(issued.year, issued.month, issued.day, date_format),
        "expires_on": format_date(
            card.expires_on.year, card.expires_on.month, card.expires_on.day, date_format
        ),
        "issuing_state": card.issuing_state.value,
    }


def face_data(printable: PrintableCard, template: CardTemplate) -> FaceData:
    """The per-card inputs of :class:`~aes_id.render.draw.FaceDrawer`."""
    if printable.card.issuing_state is not template.state:
        raise UsageError(
            f"card {printable.card.card_number} was issued by {printable.card.issuing_state.value} "
            f"but the template is {template.state.value}'s ({template.source.name})"
        )
    return FaceData(
        values=card_values(printable.card, template.date_format),
        photo=printable.photo,
        mrz=printable.mrz,
        qr_text=printable.card.qr_text,
    )


@contextlib.contextmanager
def open_canvas(target: BinaryIO, page_size: tuple[float, float], title: str) -> Iterator[Canvas]:
    """A compressed PDF canvas with its document information; saved when the block ends.

    Streams are written binary (Flate only): reportlab's default ASCII85 layer adds a
    quarter to the file and, without its optional C accelerator, most of the time.
    The canvas starts in the shipped TrueType font, not reportlab's Helvetica: a
    standard font is never embedded, and reportlab would name it in every file.
    """
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        c = Canvas(target, pagesize=page_size, pageCompression=1, initialFontName=fonts.base_font())
        c.setTitle(title)
        c.setAuthor("AES-ID simulator")
        c.setCreator(f"AES-ID {__version__}")
        c.setSubject("Simulated identity card of the Confederation of Sahel States (not valid)")
        yield c
        c.save()
    finally:
        rl_config.useA85 = previous


def render_card_pdf(
    printable: PrintableCard, template: CardTemplate | None, out: Path | BinaryIO
) -> None:
    """Write one card as a two-page PDF (front, back) to a path or a binary stream.

    ``template`` None: the issuing state's default template. A path is written
    atomically (a temporary file renamed into place), so a failure leaves no PDF.
    """
    state = printable.card.issuing_state
    chosen = template or load_template(state)
    write_pdf(out, lambda target: _render([printable], lambda _: chosen, target))


def render_cards_pdf(
    printables: Iterable[PrintableCard],
    template_loader: TemplateLoader | None,
    out: Path | BinaryIO,
) -> None:
    """Write several cards into one PDF, front and back pages card after card.

    ``template_loader`` None: :func:`~aes_id.render.templates.load_template`. Each
    template's static artwork is stored once in the file and reused by every card.
    """
    cards = list(printables)
    if not cards:
        raise UsageError("no cards to render")
    loader = template_loader or load_template
    write_pdf(out, lambda target: _render(cards, loader, target))


def _render(cards: list[PrintableCard], loader: TemplateLoader, target: BinaryIO) -> None:
    first = loader(cards[0].card.issuing_state)
    page = (first.page.width * MM, first.page.height * MM)
    title = (
        f"AES identity card {cards[0].card.card_number}"
        if len(cards) == 1
        else f"AES identity cards ({len(cards)})"
    )
    drawers: dict[Country, FaceDrawer] = {}
    with open_canvas(target, page, title) as c:
        for printable in cards:
            state = printable.card.issuing_state
            if state not in drawers:
                drawers[state] = FaceDrawer(c, loader(state))
            drawer = drawers[state]
            data = face_data(printable, drawer.t)
            for face in ("front", "back"):
                c.setPageSize((drawer.width, drawer.height))
                drawer.draw(face, data)
                c.showPage()


def write_pdf(out: Path | BinaryIO, render: Callable[[BinaryIO], None]) -> None:
    """Run ``render`` into ``out``: a stream directly, a path atomically (see write_atomic)."""
    if not isinstance(out, str | os.PathLike):
        render(out)
        return
    buffer = io.BytesIO()
    render(buffer)
    write_atomic(Path(out), buffer.getvalue())


def render_pages(cards: list[PrintableCard], loader: TemplateLoader) -> bytes:
    """The multi-page PDF of ``cards`` (front, back, front, back, …) in memory."""
    buffer = io.BytesIO()
    _render(cards, loader, buffer)
    return buffer.getvalue()


def pdf_bytes(printable: PrintableCard, template: CardTemplate | None = None) -> bytes:
    """The card PDF in memory."""
    buffer = io.BytesIO()
    render_card_pdf(printable, template, buffer)
    return buffer.getvalue()
