"""PNG previews of a card: the card PDF rasterised with PDFium (pypdfium2).

Previews go through the PDF on purpose: what a screen shows, and what the scan tests
decode, is exactly what the printer gets.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from aes_id.errors import UsageError
from aes_id.render.card import PrintableCard, pdf_bytes
from aes_id.render.templates import CardTemplate

MIN_DPI, MAX_DPI = 50, 1200


def rasterise_pdf(data: bytes, dpi: int = 300) -> list[Image.Image]:
    """Every page of a PDF as an RGB image at ``dpi`` (white where nothing is drawn)."""
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise UsageError(f"dpi {dpi} is out of range: expected {MIN_DPI} to {MAX_DPI}")
    document = pdfium.PdfDocument(data)
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255))
            images.append(bitmap.to_pil().convert("RGB"))
            page.close()
        return images
    finally:
        document.close()


def render_card_png(
    printable: PrintableCard, dpi: int = 300, template: CardTemplate | None = None
) -> tuple[Image.Image, Image.Image]:
    """The front and the back of the card as RGB images at ``dpi`` (300: 1011 × 638 px)."""
    front, back = rasterise_pdf(pdf_bytes(printable, template), dpi)
    return front, back


def write_card_pngs(
    printable: PrintableCard, folder: Path, dpi: int = 300, template: CardTemplate | None = None
) -> tuple[Path, Path]:
    """Write ``<card number>-front.png`` and ``-back.png`` into ``folder``; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for face, image in zip(
        ("front", "back"), render_card_png(printable, dpi, template), strict=True
    ):
        path = folder / f"{printable.card.card_number}-{face}.png"
        image.save(path, format="PNG", dpi=(dpi, dpi), optimize=False)
        paths.append(path)
    return paths[0], paths[1]
