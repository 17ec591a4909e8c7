"""The enrolment desk's biometrics: a resident's fingers as captured, portrait, card templates.

The simulator has no camera or fingerprint scanner: a synthetic resident is
captured from their biometric seed (the same person every time). Storage: a
synthetic face is kept as its seed (regenerated exactly on demand), an uploaded
photo as a small JPEG; the ten fingers as one template record. What the
registry stores for a capture is built in :mod:`aes_id.registry.capture`.
"""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from aes_id.biometrics.faces import DEFAULT_SIZE, synthetic_face
from aes_id.biometrics.fingers import capture, master_fingers
from aes_id.biometrics.minutiae import FingerPosition, MinutiaeSet
from aes_id.biometrics.template import (
    COMPACT_SUBFORMAT,
    decode_fingers,
    encode_compact,
    encode_fingers,
)
from aes_id.domain import Identity, PartialDate, Sex
from aes_id.formats.claims import FingerTemplate
from aes_id.formats.face import face_thumbnail

STORED_PHOTO_SIZE = (360, 450)
STORED_PHOTO_QUALITY = 80
QR_PORTRAIT_SIZE = (96, 120)
"""Size a synthetic face is painted at for the QR thumbnail (its head is ~70 px wide)."""
ENROLMENT_CAPTURE = 1
"""Capture index of the desk session (0 is the master; later sessions use 2, 3, ...)."""


def finger_views(seed: int, session: int = ENROLMENT_CAPTURE) -> list[MinutiaeSet]:
    """Ten fingers of person ``seed`` as captured at session ``session``."""
    return [capture(master, seed * 1009 + session) for master in master_fingers(seed)]


def finger_record(seed: int, session: int = ENROLMENT_CAPTURE) -> bytes:
    """:func:`finger_views` as a template record."""
    return encode_fingers(finger_views(seed, session))


def compact_photo(image: Image.Image) -> bytes:
    """The stored form of an uploaded portrait: at most 360x450, JPEG quality 80 (~15-30 KB)."""
    copy = image.convert("RGB")
    copy.thumbnail(STORED_PHOTO_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=STORED_PHOTO_QUALITY, optimize=True)
    return out.getvalue()


def portrait(
    face_seed: int | None,
    face_image: bytes | None,
    identity: Identity,
    on: dt.date,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> Image.Image:
    """The resident's portrait: regenerated from the seed, or decoded from the stored photo.

    ``size`` is the size a synthetic face is painted at (the printed card's by
    default); a stored photo is returned as stored.
    """
    if face_image is not None:
        with Image.open(io.BytesIO(face_image)) as stored:
            return stored.convert("RGB")
    if face_seed is None:
        raise ValueError(f"resident {identity.nin} has neither a face seed nor a photo")
    return synthetic_face(
        face_seed, sex=_face_sex(identity.sex), age=_age(identity.date_of_birth, on), size=size
    )


def qr_face(
    face_seed: int | None,
    face_image: bytes | None,
    identity: Identity,
    on: dt.date,
    *,
    max_bytes: int,
) -> bytes:
    """The QR's face thumbnail (at most ``max_bytes``): from the stored photo, or painted small.

    A synthetic face is painted at :data:`QR_PORTRAIT_SIZE`, whose head crop is
    about the thumbnail's width, rather than painted at the card's size and
    shrunk: the same person, the same framing, a fraction of the pixels.
    """
    image = portrait(face_seed, face_image, identity, on, size=QR_PORTRAIT_SIZE)
    return face_thumbnail(image, max_bytes=max_bytes)


def _face_sex(sex: Sex) -> Sex | None:
    return None if sex is Sex.X else sex


def _age(dob: PartialDate, on: dt.date) -> int:
    return max(5, min(100, dob.age_on(on)))


CARD_FINGERS = (FingerPosition.RIGHT_INDEX, FingerPosition.LEFT_INDEX)
"""The fingers whose compact templates the QR carries for the 1:1 check at the border."""


def card_fingers(record: bytes) -> tuple[FingerTemplate, ...]:
    """Compact templates of the two index fingers, as Claim 169 keys 50-59 (49 + ISO position).

    The QR's bytes are shared between these and the face thumbnail; see
    docs/biometrics.md for the trade-off measured.
    """
    views = {view.position: view for view in decode_fingers(record)}
    return tuple(
        FingerTemplate(49 + int(position), encode_compact(views[position]), COMPACT_SUBFORMAT)
        for position in CARD_FINGERS
        if position in views and len(views[position]) >= 3
    )
