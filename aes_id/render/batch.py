"""Many cards, one PDF file each, at the speed of one multi-page file.

A card PDF on its own pays for everything a PDF holds once: the embedded font
subsets, the compressed static artwork (guilloche, emblem, labels). Rendered one by
one, that is most of the time. Here a batch is rendered as one multi-page document,
where that is shared, and PDFium (pypdfium2) copies each card's two pages, with the
objects they use, into a file of its own. The files are the same cards, page for
page; only the document information differs (PDFium writes no title).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pypdfium2 as pdfium

from aes_id.errors import UsageError
from aes_id.files import write_atomic
from aes_id.render.card import PrintableCard, TemplateLoader, render_pages
from aes_id.render.templates import load_template

CHUNK = 50
"""Cards per shared document: bounds memory, and the glyphs each file carries."""


def render_card_files(
    printables: Iterable[PrintableCard],
    folder: Path,
    template_loader: TemplateLoader | None = None,
) -> list[Path]:
    """Write ``<folder>/<card number>.pdf`` for every card; return the paths in order.

    Each file is written atomically; a failure (say, a QR too large) stops before the
    chunk that holds the failing card is written.
    """
    cards = list(printables)
    if not cards:
        raise UsageError("no cards to render")
    numbers = [str(p.card.card_number) for p in cards]
    if len(set(numbers)) != len(numbers):
        raise UsageError(
            "the same card number appears twice: one file per card needs distinct numbers"
        )
    loader = template_loader or load_template
    paths: list[Path] = []
    for start in range(0, len(cards), CHUNK):
        chunk = cards[start : start + CHUNK]
        shared = pdfium.PdfDocument(render_pages(chunk, loader))
        try:
            for index, printable in enumerate(chunk):
                path = folder / f"{printable.card.card_number}.pdf"
                write_atomic(path, _extract(shared, 2 * index))
                paths.append(path)
        finally:
            shared.close()
    return paths


def _extract(shared: pdfium.PdfDocument, first_page: int) -> bytes:
    single = pdfium.PdfDocument.new()
    try:
        single.import_pages(shared, [first_page, first_page + 1])
        buffer = io.BytesIO()
        single.save(buffer)
        return buffer.getvalue()
    finally:
        single.close()
