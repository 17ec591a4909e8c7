"""What the enrolment desk records for a resident: face, ten fingers and the 1:N gallery row.

A synthetic resident is captured from their biometric seed (the same person
every time); a person enrolled from flags or a CSV gets a portrait from the
photo file and fingers from a fresh, random synthetic identity (the scanner's
stand-in).
"""

from __future__ import annotations

import secrets

from aes_id.biometrics.desk import ENROLMENT_CAPTURE, compact_photo, finger_views
from aes_id.biometrics.gallery import gallery_row
from aes_id.biometrics.template import encode_fingers
from aes_id.registry.enrol import Capture, Demographics
from aes_id.registry.validate import check_photo


def synthetic_capture(seed: int, session: int = ENROLMENT_CAPTURE) -> Capture:
    """What the desk records for synthetic person ``seed``: face seed, ten fingers, gallery row."""
    views = finger_views(seed, session)
    return Capture(fingers=encode_fingers(views), face_seed=seed, dedup_row=gallery_row(views))


def desk_capture(person: Demographics, photo: bytes | None) -> Capture:
    """Capture for a person typed in by an officer (flags, prompts or a CSV row)."""
    seed = secrets.randbits(62)
    if photo is None:
        return synthetic_capture(seed)
    image = check_photo(photo)
    views = finger_views(seed)
    return Capture(
        fingers=encode_fingers(views), face_image=compact_photo(image), dedup_row=gallery_row(views)
    )
