"""Seeded random draws that come out identical on every NumPy version.

NumPy guarantees the output of its bit generators (NEP 19) but not of the
``Generator`` methods built on them, which have changed between releases.
A synthetic face is stored as its seed and redrawn on demand, so the draws
that shape a face or a master fingerprint are built here from PCG64's raw
64-bit words only. Capture noise may use any ``numpy.random.Generator``:
a capture is stored as a template, never redrawn.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

_TWO_POW_53 = float(2**53)
_BUFFER = 32


def derive_key(domain: str, *parts: int | bytes | str) -> int:
    """A 256-bit integer from a domain label and seed parts (SHA-256, typed and length-prefixed).

    The type tag keeps ``7`` and ``b"\\x07"`` apart: they are different people.
    """
    digest = hashlib.sha256(domain.encode())
    for part in parts:
        if isinstance(part, int):
            tag, raw = b"i", part.to_bytes((part.bit_length() + 8) // 8 or 1, "big", signed=True)
        elif isinstance(part, str):
            tag, raw = b"s", part.encode()
        else:
            tag, raw = b"b", bytes(part)
        digest.update(tag + len(raw).to_bytes(4, "big") + raw)
    return int.from_bytes(digest.digest(), "big")


class SeedStream:
    """Uniform and normal draws from PCG64 raw words: stable across NumPy releases.

    >>> a = SeedStream("demo", 7).uniform(size=3)
    >>> bool((a == SeedStream("demo", 7).uniform(size=3)).all())
    True
    """

    def __init__(self, domain: str, *parts: int | bytes | str) -> None:
        seq = np.random.SeedSequence(derive_key(domain, *parts))
        self._bits = np.random.PCG64(seq)
        self._spare: list[float] = []

    def raw(self, size: int) -> NDArray[np.uint64]:
        """``size`` raw 64-bit words."""
        return np.asarray(self._bits.random_raw(size), dtype=np.uint64)

    def _unit(self, size: int) -> Floats:
        return (self.raw(size) >> np.uint64(11)).astype(np.float64) / _TWO_POW_53

    def uniform(self, low: float = 0.0, high: float = 1.0, size: int = 1) -> Floats:
        """``size`` draws from [low, high)."""
        return low + (high - low) * self._unit(size)

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: int = 1) -> Floats:
        """``size`` normal draws (Box-Muller on stable uniforms)."""
        half = (size + 1) // 2
        u1 = 1.0 - self._unit(half)  # (0, 1]: log is finite
        u2 = self._unit(half)
        radius = np.sqrt(-2.0 * np.log(u1))
        both = np.concatenate((radius * np.cos(2 * np.pi * u2), radius * np.sin(2 * np.pi * u2)))
        return loc + scale * both[:size]

    def one(self, low: float = 0.0, high: float = 1.0) -> float:
        """One uniform draw as a Python float (served from a buffer: scalar draws are many)."""
        if not self._spare:
            self._spare = self._unit(_BUFFER).tolist()[::-1]
        return low + (high - low) * self._spare.pop()

    def gauss(self, loc: float = 0.0, scale: float = 1.0) -> float:
        """One normal draw as a Python float (Box-Muller, one of the pair kept)."""
        u1, u2 = 1.0 - self.one(), self.one()
        return loc + scale * math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return self.one() < probability

    def pick(self, weights: tuple[float, ...]) -> int:
        """An index drawn with the given (unnormalised) weights."""
        cumulative = np.cumsum(weights)
        return int(np.searchsorted(cumulative, self.one() * cumulative[-1], side="right"))
