"""Validation of what an officer types or a CSV row holds, before anything is written."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import warnings

from PIL import Image, UnidentifiedImageError

from aes_id.domain import PartialDate
from aes_id.errors import InputError
from aes_id.formats.mrz import transliterate
from aes_id.formats.numbers import MIN_ENROLMENT_AGE
from aes_id.registry.cardfit import check_printable
from aes_id.render.templates import CARD_PLACEHOLDERS

_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-’][^\W\d_]+)*$")
MAX_FAMILY_NAME = 60
MAX_GIVEN_NAMES = 90
MAX_PLACE = 60
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MIN_PHOTO_SIDE = 120
MAX_PHOTO_SIDE = 8000


def clean_name(value: str, field: str, *, max_length: int) -> str:
    """Normalise (NFC, single spaces) and check a name: letters, spaces, hyphens, apostrophes.

    The name must be writable in the MRZ and print whole on the card: ``field``
    (``"family name"``, ``"given names"``) is also the card's placeholder
    (``{family_name}``), checked by :func:`aes_id.registry.cardfit.check_printable`.
    """
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise InputError(f"{field} is empty")
    if len(text) > max_length:
        raise InputError(f"{field} is {len(text)} characters long; at most {max_length}")
    if not _NAME_CHARS.match(text):
        bad = next((c for c in text if not (c.isalpha() or c in " '-’")), None)
        detail = (
            f"character {bad!r} is not allowed" if bad else "misplaced space, hyphen or apostrophe"
        )
        raise InputError(
            f"{field} {text!r}: {detail} (letters, spaces, hyphens and apostrophes only)"
        )
    text = text.replace("’", "'")
    try:
        transliterate(text)
    except InputError as exc:
        # Every name must be printable in the card's MRZ (ICAO 9303 Part 3 letters).
        raise InputError(f"{field} {text!r} cannot be written in the MRZ: {exc.message}") from None
    placeholder = field.replace(" ", "_")
    if placeholder in CARD_PLACEHOLDERS:
        check_printable(text, placeholder, field)
    return text


def clean_place(value: str) -> str:
    """Normalise and check a place of birth; it must print whole on the card."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise InputError("place of birth is empty")
    if len(text) > MAX_PLACE:
        raise InputError(f"place of birth is {len(text)} characters long; at most {MAX_PLACE}")
    if any(not (c.isalpha() or c in " '-’.()") for c in text):
        raise InputError(f"place of birth {text!r} has characters other than letters and - ' . ( )")
    check_printable(text, "place_of_birth", "place of birth")
    return text


def check_date_of_birth(dob: PartialDate, *, today: dt.date) -> PartialDate:
    """A real date, not in the future, and a person at least five years old."""
    if dob.earliest() > today:
        raise InputError(f"date of birth {dob.iso()} is in the future")
    age = dob.age_on(today)
    if age < MIN_ENROLMENT_AGE:
        raise InputError(
            f"date of birth {dob.iso()}: the person is {max(age, 0)}; "
            f"enrolment is from age {MIN_ENROLMENT_AGE}"
        )
    if age > 125:
        raise InputError(f"date of birth {dob.iso()}: an age of {age} is not plausible")
    return dob


def check_photo_size(size: int, *, name: str = "photo") -> None:
    """Refuse a photo file larger than :data:`MAX_PHOTO_BYTES` (checked before it is read)."""
    if size > MAX_PHOTO_BYTES:
        raise InputError(
            f"{name} is a {size / 2**20:.1f} MiB file, at most {MAX_PHOTO_BYTES // 2**20} MiB",
            hint="export the portrait as a JPEG of a few hundred KiB",
        )


def check_photo(data: bytes, *, name: str = "photo") -> Image.Image:
    """A readable image of a sensible size; returns it decoded, in RGB.

    The size in pixels is read from the image's header before any pixel is
    decoded; Pillow's own decompression-bomb limit (about 179 megapixels) is
    reported as what it is, a photo far too large.
    """
    check_photo_size(len(data), name=name)
    try:
        with warnings.catch_warnings():
            # above ~89 megapixels Pillow warns; the side limit below refuses such photos anyway
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise InputError(_bomb_message(exc, name)) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(f"{name} is not a readable image ({exc.__class__.__name__})") from None
    with probe:
        width, height = probe.size
        if max(width, height) > MAX_PHOTO_SIDE:
            raise InputError(f"{name} is {width}×{height} px, at most {MAX_PHOTO_SIDE} px a side")
        try:
            image = probe.convert("RGB")
        except (OSError, ValueError) as exc:
            raise InputError(f"{name} is not a readable image ({exc.__class__.__name__})") from None
    if min(image.size) < MIN_PHOTO_SIDE:
        raise InputError(
            f"{name} is {image.width}×{image.height} px, at least {MIN_PHOTO_SIDE} px a side"
        )
    return image


def _bomb_message(exc: Image.DecompressionBombError, name: str) -> str:
    found = re.search(r"\((\d+) pixels\)", str(exc))
    size = f"{int(found.group(1)) / 1e6:,.0f} megapixels" if found else "too many pixels"
    return f"{name} is {size}, at most {MAX_PHOTO_SIDE} px a side"
