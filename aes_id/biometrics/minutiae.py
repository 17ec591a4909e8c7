"""Minutiae values: finger positions, pattern classes and one finger's minutiae set.

Conventions follow ISO/IEC 19794-2 (finger minutiae data): coordinates in
pixels at 500 dpi with the origin at the top left and y growing downwards;
angles in units of 360/256 degrees (1.40625°), counter-clockwise from the
horizontal axis pointing right; a minutia is a ridge ending or a bifurcation;
finger positions are those of ISO/IEC 19794-2 Table 2 (1 right thumb ... 10
left little finger).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

RESOLUTION_DPI = 500
FRAME_WIDTH = 400
"""Width of the capture frame in pixels (0.8 inch at 500 dpi)."""
FRAME_HEIGHT = 500
"""Height of the capture frame in pixels (1.0 inch at 500 dpi)."""
ANGLE_STEPS = 256
"""Angle codes per turn (ISO/IEC 19794-2: 1.40625° per step)."""
MAX_MINUTIAE = 255

X, Y, ANGLE, KIND, QUALITY = range(5)
"""Column indices of :attr:`MinutiaeSet.data`."""

Ints = NDArray[np.int16]


class FingerPosition(enum.IntEnum):
    """ISO/IEC 19794-2 finger position codes (0 = unknown finger)."""

    UNKNOWN = 0
    RIGHT_THUMB = 1
    RIGHT_INDEX = 2
    RIGHT_MIDDLE = 3
    RIGHT_RING = 4
    RIGHT_LITTLE = 5
    LEFT_THUMB = 6
    LEFT_INDEX = 7
    LEFT_MIDDLE = 8
    LEFT_RING = 9
    LEFT_LITTLE = 10

    @property
    def is_right(self) -> bool:
        return 1 <= self.value <= 5


TEN_FINGERS = tuple(FingerPosition(code) for code in range(1, 11))


class Pattern(enum.IntEnum):
    """Henry pattern class of a finger (as seen in the impression)."""

    UNKNOWN = 0
    ARCH = 1
    LEFT_LOOP = 2
    RIGHT_LOOP = 3
    WHORL = 4


class MinutiaKind(enum.IntEnum):
    """ISO/IEC 19794-2 minutia type codes."""

    OTHER = 0
    RIDGE_ENDING = 1
    BIFURCATION = 2


def _frozen(data: NDArray[Any] | list[list[int]]) -> Ints:
    array = np.array(data, dtype=np.int16).reshape(-1, 5)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class MinutiaeSet:
    """The minutiae of one finger impression (a master or a capture).

    ``data`` is an ``(n, 5)`` int16 array, one row per minutia:
    x, y (pixels), angle (0-255, ISO units), kind (:class:`MinutiaKind`),
    quality (0-100, the extractor's confidence in that minutia).
    ``quality`` is the impression's overall quality (0-100, NFIQ-2-like).
    """

    position: FingerPosition
    pattern: Pattern
    quality: int
    data: NDArray[Any] = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", FingerPosition(self.position))
        object.__setattr__(self, "pattern", Pattern(self.pattern))
        object.__setattr__(self, "data", _frozen(self.data))
        _check(self)

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MinutiaeSet):
            return NotImplemented
        return (
            self.position == other.position
            and self.pattern == other.pattern
            and self.quality == other.quality
            and np.array_equal(self.data, other.data)
        )

    def __hash__(self) -> int:
        return hash((self.position, self.pattern, self.quality, self.data.tobytes()))

    def __repr__(self) -> str:
        return (
            f"MinutiaeSet({self.position.name}, {self.pattern.name}, "
            f"quality={self.quality}, minutiae={len(self)})"
        )

    @property
    def xy(self) -> NDArray[np.float64]:
        """``(n, 2)`` float positions in pixels."""
        return self.data[:, :2].astype(np.float64)

    @property
    def theta(self) -> NDArray[np.float64]:
        """Angles in radians, counter-clockwise (ISO convention), in [0, 2π)."""
        return self.data[:, ANGLE].astype(np.float64) * (2 * np.pi / ANGLE_STEPS)

    @property
    def kinds(self) -> Ints:
        return self.data[:, KIND]

    @property
    def minutia_quality(self) -> Ints:
        return self.data[:, QUALITY]

    def replace(self, **changes: object) -> MinutiaeSet:
        """A copy with some fields changed (``data`` may be any array-like)."""
        values: dict[str, object] = {
            "position": self.position,
            "pattern": self.pattern,
            "quality": self.quality,
            "data": self.data,
        }
        values.update(changes)
        return MinutiaeSet(**values)  # type: ignore[arg-type]


def _check(ms: MinutiaeSet) -> None:
    if not 0 <= ms.quality <= 100:
        raise ValueError(f"impression quality must be 0-100, got {ms.quality}")
    data = ms.data
    if data.shape[0] > MAX_MINUTIAE:
        raise ValueError(f"at most {MAX_MINUTIAE} minutiae, got {data.shape[0]}")
    if data.shape[0] == 0:
        return
    ranges = (
        (X, 0, FRAME_WIDTH - 1, "x"),
        (Y, 0, FRAME_HEIGHT - 1, "y"),
        (ANGLE, 0, ANGLE_STEPS - 1, "angle"),
        (KIND, 0, 2, "kind"),
        (QUALITY, 0, 100, "minutia quality"),
    )
    for column, low, high, name in ranges:
        values = data[:, column]
        if values.min() < low or values.max() > high:
            raise ValueError(
                f"minutia {name} must be {low}-{high}, found {values.min()}-{values.max()}"
            )
