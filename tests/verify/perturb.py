"""Image perturbations that stand in for a phone photo of a card (tests and benchmark)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

TABLE = (96, 84, 70)  # a wooden desk behind the card


def rotate(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=TABLE)


def blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def to_width(image: Image.Image, width: int) -> Image.Image:
    height = round(image.height * width / image.width)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def noise(image: Image.Image, sigma: float, seed: int = 0) -> Image.Image:
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    pixels += np.random.default_rng(seed).normal(0.0, sigma, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def perspective(image: Image.Image, tilt: float) -> Image.Image:
    """The card seen from a little to one side: the far edge ``tilt`` (fraction) shorter."""
    w, h = image.size
    margin = round(0.08 * w)
    canvas = Image.new("RGB", (w + 2 * margin, h + 2 * margin), TABLE)
    canvas.paste(image.convert("RGB"), (margin, margin))
    cw, ch = canvas.size
    squeeze = tilt * h / 2
    # where the card's corners end up: the right edge shorter, pulled a little in
    target = [
        (margin, margin),
        (cw - margin - tilt * w * 0.1, margin + squeeze),
        (cw - margin - tilt * w * 0.1, ch - margin - squeeze),
        (margin, ch - margin),
    ]
    source = [
        (margin, margin),
        (cw - margin, margin),
        (cw - margin, ch - margin),
        (margin, ch - margin),
    ]
    coeffs = _perspective_coefficients(target, source)
    return canvas.transform(
        canvas.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=TABLE
    )


def _perspective_coefficients(
    target: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    """The 8 coefficients mapping output (target) points back to input (source) points."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return tuple(float(c) for c in solution)


def phone_photo(image: Image.Image, seed: int = 0) -> Image.Image:
    """All at once: on a desk, tilted, turned, a little blurred and noisy, JPEG, ~1000 px."""
    rng = np.random.default_rng(seed)
    photo = perspective(image, tilt=float(rng.uniform(0.04, 0.1)))
    photo = rotate(photo, float(rng.uniform(-8, 8)))
    photo = to_width(photo, int(rng.integers(1000, 1300)))
    photo = blur(photo, float(rng.uniform(0.5, 1.2)))
    photo = noise(photo, float(rng.uniform(2, 6)), seed)
    return jpeg(photo, int(rng.integers(55, 85)))
