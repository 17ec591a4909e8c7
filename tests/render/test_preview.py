"""PNG previews: both faces at the asked resolution, straight from the card PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from aes_id.domain import Country
from aes_id.errors import UsageError
from aes_id.render.preview import render_card_png, write_card_pngs
from tests.render.samples import make_printable


def test_faces_at_300_dpi_are_id1_sized() -> None:
    front, back = render_card_png(make_printable(Country.NER), dpi=300)
    for image in (front, back):
        assert image.mode == "RGB"
        assert abs(image.width - 85.60 / 25.4 * 300) <= 1  # 1011 px
        assert abs(image.height - 53.98 / 25.4 * 300) <= 1  # 638 px
    # the header band is AES green on the front, the MRZ zone white on the back
    assert front.getpixel((front.width // 2, 8)) == (11, 107, 58)
    assert back.getpixel((back.width // 2, back.height - 4)) == (255, 255, 255)


def test_lower_resolution_and_range() -> None:
    front, _ = render_card_png(make_printable(), dpi=100)
    assert abs(front.width - 337) <= 1
    with pytest.raises(UsageError, match="dpi 5000 is out of range"):
        render_card_png(make_printable(), dpi=5000)


def test_write_card_pngs(tmp_path: Path) -> None:
    front, back = write_card_pngs(make_printable(Country.BFA), tmp_path / "previews", dpi=150)
    assert (front.name, back.name) == ("BF0012345-front.png", "BF0012345-back.png")
    with Image.open(front) as image:
        assert image.format == "PNG" and abs(image.width - 506) <= 1
