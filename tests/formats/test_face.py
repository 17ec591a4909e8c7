"""The face thumbnail: a greyscale WebP of the head, within a byte budget, deterministic."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from aes_id.biometrics.desk import QR_PORTRAIT_SIZE
from aes_id.biometrics.faces import synthetic_face
from aes_id.errors import UsageError
from aes_id.formats import face as face_module
from aes_id.formats.face import ASPECT, face_box, face_thumbnail


def portrait(
    *,
    size: tuple[int, int] = (360, 450),
    head: tuple[int, int] = (180, 190),
    radius: int = 120,
    seed: int = 1,
) -> Image.Image:
    """A drawn ID-style portrait on a plain light background: head at ``head``, shoulders below."""
    width, height = size
    cx, cy = head
    rx, ry = radius, int(radius * 1.25)
    image = Image.new("RGB", size, (226, 229, 233))
    draw = ImageDraw.Draw(image)
    draw.ellipse([cx - 2 * rx, cy + ry * 1.1, cx + 2 * rx, cy + ry * 3], fill=(40, 50, 90))
    draw.rectangle(
        [cx - rx * 0.35, cy + ry * 0.6, cx + rx * 0.35, cy + ry * 1.3], fill=(120, 80, 60)
    )
    draw.ellipse([cx - rx * 1.05, cy - ry * 1.15, cx + rx * 1.05, cy + ry * 0.3], fill=(20, 15, 15))
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=(120, 80, 60))
    for side in (-1, 1):
        ex = cx + side * rx * 0.42
        draw.ellipse([ex - rx * 0.2, cy - ry * 0.2, ex + rx * 0.2, cy - ry * 0.04], fill="white")
        draw.ellipse([ex - rx * 0.08, cy - ry * 0.18, ex + rx * 0.08, cy - ry * 0.05], fill="black")
    draw.chord(
        [cx - rx * 0.4, cy + ry * 0.35, cx + rx * 0.4, cy + ry * 0.65], 0, 180, fill=(90, 30, 30)
    )
    noise = np.random.default_rng(seed).integers(-6, 7, (height, width, 1))
    pixels = np.clip(np.asarray(image).astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(1.2))


@pytest.mark.parametrize("budget", [120, 250, 320, 400])
def test_thumbnail_is_a_greyscale_webp_within_budget(budget: int) -> None:
    thumbnail = face_thumbnail(portrait(), max_bytes=budget)
    assert len(thumbnail) <= budget
    assert thumbnail[:4] == b"RIFF" and thumbnail[8:12] == b"WEBP"
    image = Image.open(io.BytesIO(thumbnail))
    assert image.format == "WEBP"
    assert image.width / image.height == pytest.approx(ASPECT, abs=0.03)
    rgb = np.asarray(image.convert("RGB")).astype(int)
    assert np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 2  # grey: the channels agree
    assert np.abs(rgb[..., 2] - rgb[..., 1]).max() <= 2


def test_a_larger_budget_gives_a_larger_picture() -> None:
    sizes = [
        Image.open(io.BytesIO(face_thumbnail(portrait(), max_bytes=b))).size for b in (150, 400)
    ]
    assert sizes[0][0] < sizes[1][0]


def test_thumbnail_is_deterministic() -> None:
    first = face_thumbnail(portrait(seed=4), max_bytes=320)
    assert face_thumbnail(portrait(seed=4), max_bytes=320) == first
    assert face_thumbnail(portrait(seed=4).convert("RGBA"), max_bytes=320) == first


def test_box_follows_the_head() -> None:
    image = portrait(size=(800, 600), head=(250, 260), radius=80)
    left, top, right, bottom = face_box(image.convert("L"))
    assert (right - left) / (bottom - top) == pytest.approx(ASPECT, abs=0.01)
    assert (left + right) / 2 == pytest.approx(250, abs=8)
    hair_top = 260 - 80 * 1.25 * 1.15
    assert hair_top - 30 <= top <= hair_top
    assert right - left == pytest.approx(2 * 80 * 1.05 * 1.2, rel=0.1)


def test_box_stays_inside_the_image() -> None:
    image = portrait(head=(330, 150))
    left, top, right, bottom = face_box(image.convert("L"))
    assert 0 <= left < right <= 360 and 0 <= top < bottom <= 450
    assert (left + right) / 2 > 180  # moved toward the head, held in by the edge


def test_plain_image_gives_the_centred_box() -> None:
    assert face_box(Image.new("L", (300, 400), 200)) == (30, 0, 270, 300)


def test_impossible_budget_is_refused() -> None:
    with pytest.raises(UsageError, match="no WebP face thumbnail fits in 40 bytes"):
        face_thumbnail(portrait(), max_bytes=40)


def _count_encodes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    encode = face_module._webp

    def counted(image: Image.Image, quality: int) -> bytes:
        calls.append((image.width, quality))
        return encode(image, quality)

    monkeypatch.setattr(face_module, "_webp", counted)
    return calls


@pytest.mark.parametrize("seed", range(8))
def test_synthetic_faces_take_one_or_two_encodes(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Width and quality are predicted from the face, not searched: at most two encodes."""
    photo = synthetic_face(1000 + seed, size=QR_PORTRAIT_SIZE)
    calls = _count_encodes(monkeypatch)
    thumbnail = face_thumbnail(photo, max_bytes=260)
    assert 1 <= len(calls) <= 2
    assert 0.85 * 260 <= len(thumbnail) <= 260
    assert all(quality >= face_module.MIN_QUALITY for _, quality in calls)


def test_a_prediction_missed_twice_falls_back_to_the_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When both predicted encodes overshoot, the search still finds a thumbnail within budget."""
    monkeypatch.setattr(face_module, "_AIM", 1.5)  # both guesses aim half over the budget
    calls = _count_encodes(monkeypatch)
    thumbnail = face_thumbnail(portrait(seed=5), max_bytes=300)
    assert 0.9 * 300 <= len(thumbnail) <= 300
    assert len(calls) > 2  # two predicted encodes missed, then the search


@pytest.mark.parametrize("seed", range(6))
def test_thumbnail_fills_most_of_the_budget(seed: int) -> None:
    budget = 380
    thumbnail = face_thumbnail(portrait(seed=seed, radius=100 + 10 * seed), max_bytes=budget)
    assert 0.9 * budget <= len(thumbnail) <= budget
