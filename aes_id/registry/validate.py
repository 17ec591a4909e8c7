"""Validation of what an officer types or a CSV row holds, before anything is written."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

from PIL import Image, UnidentifiedImageError

from aes_id.domain import PartialDate
from aes_id.errors import InputError
from aes_id.formats.mrz import transliterate
from aes_id.formats.numbers import MIN_ENROLMENT_AGE

_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-’][^\W\d_]+)*$")
MAX_FAMILY_NAME = 60
MAX_GIVEN_NAMES = 90
MAX_PLACE = 60
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MIN_PHOTO_SIDE = 120
MAX_PHOTO_SIDE = 8000


def clean_name(value: str, field: str, *, max_length: int) -> str:
    """Normalise (NFC, single spaces) and check a name: letters, spaces, hyphens, apostrophes."""
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
    return text


def clean_place(value: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise InputError("place of birth is empty")
    if len(text) > MAX_PLACE:
        raise InputError(f"place of birth is {len(text)} characters long; at most {MAX_PLACE}")
    if any(not (c.isalpha() or c in " '-’.()") for c in text):
        raise InputError(f"place of birth {text!r} has characters other than letters and - ' . ( )")
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


def check_photo(data: bytes, *, name: str = "photo") -> Image.Image:
    """A readable image of a sensible size; returns it decoded, in RGB."""
    if len(data) > MAX_PHOTO_BYTES:
        raise InputError(
            f"{name} is {len(data) // 1024} KiB; at most {MAX_PHOTO_BYTES // 1024} KiB"
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if max(width, height) > MAX_PHOTO_SIDE:
                raise InputError(
                    f"{name} is {width}x{height} px; at most {MAX_PHOTO_SIDE} px a side"
                )
            image = probe.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise InputError(f"{name} is not a readable image ({exc.__class__.__name__})") from None
    if min(image.size) < MIN_PHOTO_SIDE:
        raise InputError(
            f"{name} is {image.width}x{image.height} px; at least {MIN_PHOTO_SIDE} px a side"
        )
    return image
