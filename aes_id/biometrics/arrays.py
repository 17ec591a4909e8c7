"""The 1:N index as plain arrays: what a snapshot stores and a bulk load builds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics.minutiae import FingerPosition
from aes_id.biometrics.signature import SIGNATURE_HASHES

Packed = NDArray[np.uint32]
"""Minutiae packed one per 32-bit word (:func:`aes_id.biometrics.index.pack`)."""


@dataclass(frozen=True)
class IndexArrays:
    """Everything an index holds, as arrays: what the registry persists or a bulk load builds.

    Row i is person ``ids[i]``: ``signatures[i]`` (:func:`person_signature`: SIGNATURE_HASHES
    bytes per position, position after position), ``counts[i]`` (minutiae per position);
    ``minutiae`` holds every person's packed minutiae (:func:`pack`) one after the other, in
    row then position order.
    """

    positions: tuple[FingerPosition, ...]
    ids: tuple[str, ...]
    signatures: NDArray[np.uint8]
    counts: NDArray[np.uint8]
    minutiae: Packed

    def check(self) -> None:
        """Raise ValueError unless the arrays fit together."""
        n, width = len(self.ids), SIGNATURE_HASHES * len(self.positions)
        if self.signatures.shape != (n, width) or self.counts.shape != (n, len(self.positions)):
            raise ValueError(
                f"index arrays disagree: {n} ids, signatures {self.signatures.shape}, "
                f"counts {self.counts.shape}"
            )
        if int(self.counts.sum(dtype=np.int64)) != self.minutiae.size:
            raise ValueError(
                f"index counts add up to {int(self.counts.sum())} minutiae, "
                f"found {self.minutiae.size}"
            )
