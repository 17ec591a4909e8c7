"""The face thumbnail signed into the QR (Claim 169 key 62): a tiny greyscale WebP.

About 320 bytes are left for the face in a version-20, level-M QR
(spec/credential.md, "Size"). :func:`face_thumbnail` crops the head out of a
portrait taken on a plain background (as ID photos are), stretches the grey
levels of the face, then searches for
the largest size, and at that size the highest WebP quality, whose file fits
the byte budget. The same image and budget always give the same bytes.

    >>> from PIL import Image
    >>> thumb = face_thumbnail(Image.new("RGB", (350, 450), "white"), max_bytes=300)
    >>> len(thumb) <= 300, thumb[:4], thumb[8:12]
    (True, b'RIFF', b'WEBP')
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from aes_id.errors import UsageError

ASPECT = 4 / 5
"""Width over height of the thumbnail, near the 35 x 45 mm of an ID photo."""

WIDTHS = (64, 56, 48, 44, 40, 36, 32, 28, 24, 20, 16)
"""Thumbnail widths tried, largest first (heights follow :data:`ASPECT`)."""

MIN_QUALITY = 20
"""Below this WebP quality a smaller thumbnail is tried instead."""

_WEBP_METHOD = 6  # slowest, smallest encoder setting of libwebp; still about 1 ms here
_BAND = 0.45  # share of the image height, from the crown down, where the head is measured
_FACE_GREY = 0.5  # where the face's median grey is brought, as a share of white
_HEAD_MARGIN = 1.2  # crop width over head width


def face_thumbnail(image: Image.Image, *, max_bytes: int) -> bytes:
    """A greyscale WebP of the face in ``image``, at most ``max_bytes`` long.

    Raises :class:`~aes_id.errors.UsageError` when even the smallest
    thumbnail at the lowest quality does not fit.
    """
    grey = image.convert("L")
    face = _stretch(grey.crop(face_box(grey)))
    fallback: bytes | None = None
    for width in WIDTHS:
        small = face.resize((width, round(width / ASPECT)), Image.Resampling.LANCZOS)
        found = _best_quality(small, max_bytes)
        if found is None:
            continue
        quality, data = found
        if quality >= MIN_QUALITY:
            return data
        fallback = data
    if fallback is None:
        raise UsageError(
            f"no WebP face thumbnail fits in {max_bytes} bytes "
            f"(the smallest, {WIDTHS[-1]} px wide at quality 0, is larger)"
        )
    return fallback


def face_box(grey: Image.Image) -> tuple[int, int, int, int]:
    """The crop box (left, top, right, bottom) around the head in a portrait.

    The background is the median of the left, right and top edges; the head
    is what differs from it, measured in the band below its highest point.
    The box is the head width with a margin, at :data:`ASPECT`, starting a
    little above the crown, moved or shrunk to stay inside the image. With
    nothing on the background, it is the centred box of the image's height.
    """
    pixels = np.asarray(grey, dtype=np.int16)
    height, width = pixels.shape
    edge = max(1, min(height, width) // 20)
    border = np.concatenate(
        [pixels[:, :edge].ravel(), pixels[:, -edge:].ravel(), pixels[:edge].ravel()]
    )
    background = float(np.median(border))
    spread = float(np.median(np.abs(border - background)))
    foreground = np.abs(pixels - background) > max(16.0, 6.0 * spread)
    rows = np.flatnonzero(foreground.any(axis=1))
    if rows.size == 0:
        return _fit(width / 2, 0, width * 0.8, width, height)
    crown = int(rows[0])
    band = foreground[crown : crown + max(1, int(_BAND * height))]
    columns = np.flatnonzero(band.mean(axis=0) > 0.25)
    if columns.size == 0:
        columns = np.flatnonzero(band.any(axis=0))
    centre = (columns[0] + columns[-1] + 1) / 2
    box_width = (columns[-1] + 1 - columns[0]) * _HEAD_MARGIN
    top = crown - 0.08 * box_width / ASPECT
    return _fit(float(centre), float(top), float(box_width), width, height)


def _stretch(crop: Image.Image) -> Image.Image:
    """Bring the face itself (not the bright background) to mid-grey, then use the full range.

    A gamma moves the median of the crop's central ellipse, where the face
    is, to :data:`_FACE_GREY`, so that a dark skin keeps its detail in a few
    hundred bytes instead of being flattened by the background.
    """
    width, height = crop.size
    mask = Image.new("L", crop.size, 0)
    ImageDraw.Draw(mask).ellipse((0.25 * width, 0.3 * height, 0.75 * width, 0.75 * height), 255)
    levels = np.asarray(crop)[np.asarray(mask) > 0]
    median = min(max(float(np.median(levels)) if levels.size else 128.0, 8.0), 247.0) / 255
    gamma = min(max(np.log(_FACE_GREY) / np.log(median), 0.35), 1.5)
    table = [round(255 * (level / 255) ** gamma) for level in range(256)]
    return ImageOps.autocontrast(crop.point(table), cutoff=0.5)


def _fit(
    centre: float, top: float, box_width: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """A box of ``box_width`` at :data:`ASPECT`, shrunk and moved to lie in the image."""
    box_width = max(1.0, min(box_width, float(width), height * ASPECT))
    box_height = box_width / ASPECT
    left = min(max(0.0, centre - box_width / 2), width - box_width)
    top = min(max(0.0, top), height - box_height)
    return (round(left), round(top), round(left + box_width), round(top + box_height))


def _best_quality(image: Image.Image, max_bytes: int) -> tuple[int, bytes] | None:
    """The highest quality (binary search, 0-100) whose WebP fits, with its bytes."""
    low, high = 0, 100
    best: tuple[int, bytes] | None = None
    while low <= high:
        quality = (low + high) // 2
        data = _webp(image, quality)
        if len(data) <= max_bytes:
            best = (quality, data)
            low = quality + 1
        else:
            high = quality - 1
    return best


def _webp(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()  # in memory: formats do no file I/O
    image.save(buffer, format="WEBP", quality=quality, method=_WEBP_METHOD)
    return buffer.getvalue()
