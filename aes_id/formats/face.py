"""The face thumbnail signed into the QR (Claim 169 key 62): a tiny greyscale WebP.

About 320 bytes are left for the face in a version-20, level-M QR
(docs/credential.md, "Size"), 240-280 once the card carries two finger
templates (:func:`aes_id.formats.credential.face_budget` says exactly how
many for given claims). :func:`face_thumbnail` crops the head out of a
portrait taken on a plain background (as ID photos are), stretches the grey
levels of the face, then predicts the width and WebP quality that fill the
budget from the face's roughness (a size model fitted on synthetic
portraits, within about 5%), encodes once, corrects the model by the size
measured and, unless the first WebP already fills most of the budget,
encodes once more: one or two encodes of ~0.25 ms, about 95% of the budget
used. When neither fits (a face far from the model), the measured search
takes over: the largest width whose WebP at :data:`MIN_QUALITY` fits, then
the highest quality found in a few encodes (about six in all). The same
image and budget always give the same bytes.

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

_WEBP_METHOD = 5  # libwebp effort: 0.25 ms at 40 x 50, 1.8% larger than 6's 0.47 ms (measured)
_STEPS = 3  # encodes spent on the quality once the width is known
_SLOPE = 0.013  # bytes per quality step, as a share of the size at MIN_QUALITY (measured)
_FIRST_AIM = 0.97  # the first guess aims under the budget: a miss costs an encode
_WIDTH_EXPONENT = 0.95  # size at MIN_QUALITY ~ width ** 0.95 (measured: 0.8-1.2, median 0.95)
_MODEL = (0.2309, 0.9623, 0.5745, 0.0097)  # log bytes ~ 1, log width, log roughness, quality
_PROBE_WIDTH = 48  # the roughness is measured once, at this width
_FLOOR_AIM = 0.98  # widest width predicted under this share of the budget at MIN_QUALITY
_AIM = 0.97  # the predicted quality aims at this share of the budget
_GOOD_FILL = 0.92  # a first encode filling this much is kept without a second
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
    predicted = _predicted(face, max_bytes)
    return predicted if predicted is not None else _searched(face, max_bytes)


def _searched(face: Image.Image, max_bytes: int) -> bytes:
    """The measured search: widest width at :data:`MIN_QUALITY`, then the quality (~6 encodes)."""
    found = _widest(face, max_bytes)
    if found is None:
        return _below_floor(face, max_bytes)
    small, floor = found
    return _fill(small, floor, max_bytes)


def _predicted(face: Image.Image, max_bytes: int) -> bytes | None:
    """One or two encodes: width and quality predicted from the face's roughness, then corrected.

    :func:`_model_size` predicts the WebP size from the width, the quality and
    the mean grey step between neighbouring pixels (measured once, at
    :data:`_PROBE_WIDTH`). The widest width predicted to fit at
    :data:`MIN_QUALITY` is encoded at the quality predicted to fill :data:`_AIM`
    of the budget. The size measured corrects the model for this face (by
    their ratio); unless that first WebP fits and fills :data:`_GOOD_FILL`,
    width and quality are chosen again with the corrected model and encoded
    once more. The larger WebP that fits is kept; None when
    neither fits (the caller then searches).
    """
    probe = _resized(face, _PROBE_WIDTH)
    roughness = _roughness(probe)
    images = {_PROBE_WIDTH: probe}
    kept: list[bytes] = []
    correction = 1.0
    for _ in range(2):
        choice = _choice(roughness, correction, max_bytes)
        if choice is None:
            break
        width, quality = choice
        if width not in images:
            images[width] = _resized(face, width)
        data = _webp(images[width], quality)
        if len(data) <= max_bytes:
            kept.append(data)
            if len(data) >= _GOOD_FILL * max_bytes:
                break
        correction = len(data) / _model_size(width, roughness, quality)
    return max(kept, key=len) if kept else None


def _choice(roughness: float, correction: float, max_bytes: int) -> tuple[int, int] | None:
    """The widest width predicted to fit, and the quality predicted to fill it."""
    for width in WIDTHS:
        floor = correction * _model_size(width, roughness, MIN_QUALITY)
        if floor <= _FLOOR_AIM * max_bytes:
            return width, _quality_for(_AIM * max_bytes, floor)
    return None


def _roughness(small: Image.Image) -> float:
    """Mean absolute grey step between neighbouring pixels, down and across."""
    pixels = np.asarray(small, dtype=np.int16)
    down = np.abs(np.diff(pixels, axis=0)).mean()
    across = np.abs(np.diff(pixels, axis=1)).mean()
    return max(float(down + across), 1.0)


def _model_size(width: int, roughness: float, quality: int) -> float:
    """Predicted WebP bytes at ``width`` of a face whose roughness at :data:`_PROBE_WIDTH` is given.

    Fitted on 150 synthetic portraits x 6 widths x 6 qualities (sd 5%).
    """
    log_size = (
        _MODEL[0]
        + _MODEL[1] * np.log(width)
        + _MODEL[2] * np.log(roughness)
        + _MODEL[3] * (quality - MIN_QUALITY)
    )
    return float(np.exp(log_size))


def _quality_for(target: float, floor: float) -> int:
    """The quality predicted to bring a WebP of ``floor`` bytes at MIN_QUALITY to ``target``."""
    steps = np.log(max(target, 1.0) / floor) / _MODEL[3]
    return int(min(max(MIN_QUALITY + steps, MIN_QUALITY), 100))


def _widest(face: Image.Image, max_bytes: int) -> tuple[Image.Image, bytes] | None:
    """The widest thumbnail whose WebP at :data:`MIN_QUALITY` fits, with those bytes.

    The first width's size predicts the width that fits (a WebP's size is about
    proportional to its width here: :data:`_WIDTH_EXPONENT`); that width is
    tried, then its neighbours, up while they fit or down until one does. Two
    or three encodes, where trying every width from the largest takes up to
    eleven.
    """
    tried: dict[int, tuple[Image.Image, bytes]] = {}

    def fits(index: int) -> bool:
        if index not in tried:
            small = _resized(face, WIDTHS[index])
            tried[index] = (small, _webp(small, MIN_QUALITY))
        return len(tried[index][1]) <= max_bytes

    if fits(0):
        return tried[0]
    index = _predicted_width(len(tried[0][1]), max_bytes)
    if fits(index):
        while index > 1 and fits(index - 1):
            index -= 1
        return tried[index]
    for narrower in range(index + 1, len(WIDTHS)):
        if fits(narrower):
            return tried[narrower]
    return None


def _predicted_width(first_size: int, max_bytes: int) -> int:
    """Index in :data:`WIDTHS` (after the first) of the widest predicted to fit."""
    for index in range(1, len(WIDTHS)):
        if first_size * (WIDTHS[index] / WIDTHS[0]) ** _WIDTH_EXPONENT <= max_bytes:
            return index
    return len(WIDTHS) - 1


def _fill(small: Image.Image, floor: bytes, max_bytes: int) -> bytes:
    """The highest quality found in at most :data:`_STEPS` encodes whose WebP fits.

    ``floor`` is ``small`` at :data:`MIN_QUALITY`, known to fit. A WebP's size
    grows nearly linearly with quality over the useful range, by about
    :data:`_SLOPE` of the floor's size per step: the first guess comes from
    that, the next from the slope measured, then by the secant between the
    highest quality that fits and the lowest that does not, always strictly
    between the two. Measured against a full bisection on 150 synthetic
    portraits, at the 240-280 bytes that cards with two finger templates leave
    and at 360-400 bytes: the same width, the same quality for four in five
    and within two steps for 95%, with 98.6% of the budget used on average
    (bisection: 98.8-98.9%).
    """
    low, low_data = MIN_QUALITY, floor
    high, high_size = 101, 0  # 101: no quality known to be too large yet
    slope = _SLOPE * len(floor)
    for step in range(_STEPS):
        if high - low <= 1:
            break
        if high == 101:
            aim = max_bytes * (_FIRST_AIM if step == 0 else 1.0)
            guess = low + (aim - len(low_data)) / slope
        else:
            guess = low + (max_bytes - len(low_data)) * (high - low) / (high_size - len(low_data))
        quality = min(max(int(guess), low + 1), high - 1)
        data = _webp(small, quality)
        if len(data) > max_bytes:
            high, high_size = quality, len(data)
            continue
        if len(data) > len(low_data):
            slope = (len(data) - len(low_data)) / (quality - low)
        low, low_data = quality, data
    return low_data


def _below_floor(face: Image.Image, max_bytes: int) -> bytes:
    """The smallest width at the highest quality under :data:`MIN_QUALITY` that fits."""
    small = _resized(face, WIDTHS[-1])
    low, high = 0, MIN_QUALITY - 1
    best: bytes | None = None
    while low <= high:  # binary search: a rare path, for budgets far below a QR's
        quality = (low + high) // 2
        data = _webp(small, quality)
        if len(data) <= max_bytes:
            best, low = data, quality + 1
        else:
            high = quality - 1
    if best is None:
        raise UsageError(
            f"no WebP face thumbnail fits in {max_bytes} bytes "
            f"(the smallest, {WIDTHS[-1]} px wide at quality 0, is larger)"
        )
    return best


def _resized(face: Image.Image, width: int) -> Image.Image:
    return face.resize((width, round(width / ASPECT)), Image.Resampling.LANCZOS)


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
    table = np.round(255 * (np.arange(256) / 255) ** gamma).astype(np.uint8)
    return ImageOps.autocontrast(crop.point(table.tolist()), cutoff=0.5)


def _fit(
    centre: float, top: float, box_width: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """A box of ``box_width`` at :data:`ASPECT`, shrunk and moved to lie in the image."""
    box_width = max(1.0, min(box_width, float(width), height * ASPECT))
    box_height = box_width / ASPECT
    left = min(max(0.0, centre - box_width / 2), width - box_width)
    top = min(max(0.0, top), height - box_height)
    return (round(left), round(top), round(left + box_width), round(top + box_height))


def _webp(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()  # in memory: formats do no file I/O
    image.save(buffer, format="WEBP", quality=quality, method=_WEBP_METHOD)
    return buffer.getvalue()
