"""A resident's row in the 1:N gallery, as the registry stores it (``biometric.dedup_row``).

Computed once at enrolment so that loading the gallery is a concatenation of
bytes, not a re-extraction of every template.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aes_id.biometrics.index import pack
from aes_id.biometrics.minutiae import TEN_FINGERS, MinutiaeSet
from aes_id.biometrics.signature import SIGNATURE_HASHES, person_signature
from aes_id.biometrics.template import decode_fingers

POSITIONS = TEN_FINGERS
WIDTH = SIGNATURE_HASHES * len(POSITIONS)


def gallery_row(fingers: Sequence[MinutiaeSet]) -> bytes:
    """A resident's index row: signature bytes, one count per finger, packed minutiae."""
    by_position = {f.position: f for f in fingers}
    packed = [
        pack(by_position[p]) if p in by_position else np.zeros(0, np.uint32) for p in POSITIONS
    ]
    counts = np.array([part.size for part in packed], np.uint8)
    signature = person_signature(fingers, POSITIONS)
    return signature.tobytes() + counts.tobytes() + np.concatenate(packed).astype("<u4").tobytes()


def row_for_record(record: bytes) -> bytes:
    """:func:`gallery_row` of a ten-finger template record."""
    return gallery_row(decode_fingers(record))


def split_row(row: bytes) -> tuple[bytes, bytes, bytes]:
    counts_end = WIDTH + len(POSITIONS)
    return row[:WIDTH], row[WIDTH:counts_end], row[counts_end:]
