"""Flags and emblem: drawn in the right colours at the right places; PDF number format."""

from __future__ import annotations

import io
import math

import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from aes_id.domain import Country
from aes_id.render import emblem
from aes_id.render.vector import num, rgb


def drawn(draw: object, size: tuple[float, float]) -> Image.Image:
    """Run ``draw(canvas)`` on a page of ``size`` points and rasterise it at 4 px/pt."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=size)
    draw(c)  # type: ignore[operator]
    c.showPage()
    c.save()
    return pdfium.PdfDocument(buffer.getvalue())[0].render(scale=4).to_pil().convert("RGB")


def close(pixel: tuple[int, ...], hex_colour: str, tolerance: int = 6) -> bool:
    expected = [round(255 * v) for v in rgb(hex_colour)]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=False))


def test_mali_flag_vertical_tricolour() -> None:
    image = drawn(lambda c: emblem.draw_flag(c, Country.MLI, 0, 0, 60, 40), (60, 40))
    w, h = image.size
    for x, colour in zip((w // 6, w // 2, 5 * w // 6), emblem.MALI, strict=True):
        assert close(image.getpixel((x, h // 2)), colour)


def test_burkina_flag_red_over_green_with_yellow_star() -> None:
    image = drawn(lambda c: emblem.draw_flag(c, Country.BFA, 0, 0, 60, 40), (60, 40))
    w, h = image.size
    red, green, yellow = emblem.BURKINA
    assert close(image.getpixel((4, h // 4)), red)
    assert close(image.getpixel((4, 3 * h // 4)), green)
    assert close(image.getpixel((w // 2, h // 2)), yellow)


def test_niger_flag_bands_and_disc() -> None:
    image = drawn(lambda c: emblem.draw_flag(c, Country.NER, 0, 0, 47, 40), (47, 40))
    w, h = image.size
    orange, white, green = emblem.NIGER
    assert close(image.getpixel((w // 2, h // 6)), orange)
    assert close(image.getpixel((4, h // 2)), white)
    assert close(image.getpixel((w // 2, h // 2)), orange)  # the disc
    assert close(image.getpixel((w // 2, 5 * h // 6)), green)


def test_emblem_ring_sun_and_stars() -> None:
    image = drawn(lambda c: emblem.draw_emblem(c, 0, 0, 100), (100, 100))
    assert close(image.getpixel((200, 5)), emblem.AES_GREEN)  # outer ring, top
    ray = (50 + 22 * math.cos(4 * math.pi / 17), 40 + 22 * math.sin(4 * math.pi / 17))
    assert close(image.getpixel((round(4 * ray[0]), round(400 - 4 * ray[1]))), emblem.SUN)
    assert close(image.getpixel((200, 400 - 4 * 80)), emblem.GOLD)  # the middle star
    assert close(image.getpixel((200, 400 - 4 * 20)), emblem.EARTH)


def test_faded_emblem_is_lighter_but_opaque() -> None:
    image = drawn(lambda c: emblem.draw_emblem(c, 0, 0, 100, fade=0.9), (100, 100))
    ring = image.getpixel((200, 5))
    assert all(v > 220 for v in ring)


def test_star_points() -> None:
    points = emblem.star_points(10, 20, 5)
    assert len(points) == 20
    assert points[0] == pytest.approx(10) and points[1] == pytest.approx(25)  # top point
    radii = [math.dist((10, 20), (points[i], points[i + 1])) for i in range(0, 20, 2)]
    assert radii[::2] == pytest.approx([5] * 5) and radii[1::2] == pytest.approx([5 * 0.382] * 5)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5, "1.5"), (2.0, "2"), (-0.0001, "0"), (0.125, "0.12"), (-3.456, "-3.46")],
)
def test_pdf_numbers(value: float, text: str) -> None:
    assert num(value) == text
