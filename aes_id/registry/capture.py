"""What the enrolment desk records for a resident: face, fingers and the 1:N gallery row.

A synthetic resident is captured from their biometric seed (the same person
every time). A person typed in by an officer (flags, prompts, a CSV row) gets
the portrait from their photo file and the fingers from the scanner's
ISO/IEC 19794-2:2005 record (:mod:`aes_id.biometrics.iso19794`); without a
record they are enrolled with no fingerprints (``Capture.fingers`` is
``None``, no gallery row), never with invented ones. Without a photo the
portrait is a synthetic stand-in face drawn from a fresh random seed, so that
a card can still be printed.
"""

from __future__ import annotations

import secrets

from aes_id.biometrics.desk import ENROLMENT_CAPTURE, compact_photo, finger_views
from aes_id.biometrics.gallery import gallery_row
from aes_id.biometrics.iso19794 import read_fingers
from aes_id.biometrics.minutiae import FingerPosition, MinutiaeSet
from aes_id.biometrics.template import TemplateError, encode_fingers
from aes_id.errors import InputError
from aes_id.registry.enrol import Capture
from aes_id.registry.validate import check_photo


def synthetic_capture(seed: int, session: int = ENROLMENT_CAPTURE) -> Capture:
    """What the desk records for synthetic person ``seed``: face seed, ten fingers, gallery row."""
    views = finger_views(seed, session)
    return Capture(fingers=encode_fingers(views), face_seed=seed, dedup_row=gallery_row(views))


def desk_capture(photo: bytes | None = None, fingers: bytes | None = None) -> Capture:
    """Capture for a person typed in by an officer: their photo and the scanner's record, if any.

    Raises :class:`InputError` for a photo or a fingers record that cannot be used.
    """
    views = desk_fingers(fingers) if fingers is not None else None
    if photo is None:
        face_seed, face_image = secrets.randbits(62), None
    else:
        face_seed, face_image = None, compact_photo(check_photo(photo))
    return Capture(
        fingers=encode_fingers(views) if views else None,
        face_seed=face_seed,
        face_image=face_image,
        dedup_row=gallery_row(views) if views else None,
    )


def desk_fingers(record: bytes, *, name: str = "fingers record") -> tuple[MinutiaeSet, ...]:
    """The fingers of a scanner's ISO/IEC 19794-2:2005 record, checked for the registry.

    The registry keeps one view per finger, each at a known position (1-10):
    the 1:N search compares finger with finger.
    """
    try:
        views = read_fingers(record)
    except TemplateError as exc:
        raise InputError(f"{name}: {exc.message}") from None
    if not views:
        raise InputError(f"{name}: the record holds no finger view")
    seen: set[FingerPosition] = set()
    for index, view in enumerate(views, start=1):
        if view.position is FingerPosition.UNKNOWN:
            raise InputError(
                f"{name}: finger view {index} is of an unknown finger (position 0); "
                "the registry needs positions 1-10"
            )
        if view.position in seen:
            raise InputError(
                f"{name}: finger view {index} repeats position {int(view.position)} "
                f"({view.position.name.lower().replace('_', ' ')}); keep one view per finger"
            )
        seen.add(view.position)
    return views
