"""Ridge flow of a synthetic finger: the pattern class and its orientation field.

Loops and whorls use the zero-pole model of Sherlock and Monro (1993): the
ridge orientation at z is half the sum of the arguments of z seen from each
core, minus the same for each delta. Arches have no singular point: their
ridges are bumps rising towards the middle of the finger. Real flows stray
from these ideal shapes (Vizcaya and Gerhardt 1996 add a correction for it):
each finger gets its own smooth departure, a few long waves of 3-12 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics._stream import SeedStream
from aes_id.biometrics.minutiae import FRAME_HEIGHT, FRAME_WIDTH, FingerPosition, Pattern

Floats = NDArray[np.float64]

# Shares of (ulnar loop, radial loop, whorl, arch) per finger, thumb to little finger.
# Rounded from population studies (Cummins & Midlo; Henry): over ten fingers about
# 64% loops, 30% whorls and 6% arches; radial loops and arches favour the index.
PATTERN_SHARES: dict[int, tuple[float, float, float, float]] = {
    1: (0.56, 0.01, 0.40, 0.03),
    2: (0.37, 0.17, 0.32, 0.14),
    3: (0.70, 0.02, 0.20, 0.08),
    4: (0.50, 0.01, 0.46, 0.03),
    5: (0.84, 0.00, 0.14, 0.02),
}


@dataclass(frozen=True)
class RidgeFlow:
    """A finger's ridge orientation field (radians in image axes, modulo π)."""

    pattern: Pattern
    cores: tuple[complex, ...] = ()
    deltas: tuple[complex, ...] = ()
    base: float = 0.0
    arch: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    waves: tuple[tuple[float, float, float, float], ...] = ()

    def orientation(self, x: Floats, y: Floats) -> Floats:
        """Ridge direction at each (x, y), as ``atan2(dy, dx)`` in image axes."""
        psi = self.base + self._ideal(x, y)
        for amplitude, kx, ky, phase in self.waves:
            psi = psi + amplitude * np.sin(kx * x + ky * y + phase)
        return psi

    def _ideal(self, x: Floats, y: Floats) -> Floats:
        if not self.cores and not self.deltas:
            x0, y0, height, width = self.arch
            bump = np.exp(-(((x - x0) / width) ** 2) - ((y - y0) / (2.5 * width)) ** 2)
            return np.arctan(-2 * height * (x - x0) / width**2 * bump)
        z = x + 1j * y
        psi = np.zeros_like(x)
        for core in self.cores:
            psi += np.angle(z - core)
        for delta in self.deltas:
            psi -= np.angle(z - delta)
        return 0.5 * psi


def pattern_class(position: FingerPosition, draws: SeedStream, whorl_tendency: float) -> Pattern:
    """Draw a pattern class for ``position``; a high ``whorl_tendency`` favours whorls."""
    ulnar, radial, whorl, arch = PATTERN_SHARES[(position.value - 1) % 5 + 1]
    shares = (ulnar, radial, whorl * float(np.exp(0.9 * whorl_tendency - 0.2)), arch)
    choice = draws.pick(shares)
    # An ulnar loop opens towards the little finger: a right loop on the right hand.
    right_hand = position.is_right
    if choice == 0:
        return Pattern.RIGHT_LOOP if right_hand else Pattern.LEFT_LOOP
    if choice == 1:
        return Pattern.LEFT_LOOP if right_hand else Pattern.RIGHT_LOOP
    return Pattern.WHORL if choice == 2 else Pattern.ARCH


def draw_flow(draws: SeedStream, position: FingerPosition, whorl_tendency: float) -> RidgeFlow:
    """A random ridge flow for one finger, singular points placed as in real prints."""
    pattern = pattern_class(position, draws, whorl_tendency)
    base = float(np.radians(draws.gauss(0, 6)))
    waves = tuple(_wave(draws) for _ in range(3))
    core = complex(FRAME_WIDTH / 2 + draws.gauss(0, 15), FRAME_HEIGHT / 2 - 20 + draws.gauss(0, 20))
    if pattern is Pattern.ARCH:
        arch = (core.real, core.imag + 40, draws.one(30, 90), draws.one(60, 120))
        return RidgeFlow(pattern, base=base, arch=arch, waves=waves)
    drop = complex(0, draws.one(70, 120))
    if pattern is Pattern.WHORL:
        half = draws.one(8, 22) * complex(np.exp(1j * draws.one(0, 2 * np.pi)))
        left = complex(-draws.one(80, 130), 0) + drop
        right = complex(draws.one(80, 130), 0) + drop
        cores, deltas = (core - half, core + half), (core + left, core + right)
        return RidgeFlow(pattern, cores, deltas, base, waves=waves)
    side = -1.0 if pattern is Pattern.RIGHT_LOOP else 1.0  # the delta sits opposite the opening
    delta = core + complex(side * draws.one(70, 120), 0) + drop
    return RidgeFlow(pattern, (core,), (delta,), base, waves=waves)


def _wave(draws: SeedStream) -> tuple[float, float, float, float]:
    """One long wave of the flow's departure: amplitude (radians), wave vector, phase."""
    length, heading = draws.one(150, 400), draws.one(0, np.pi)
    k = 2 * np.pi / length
    return (
        np.radians(draws.one(3, 12)),
        k * np.cos(heading),
        k * np.sin(heading),
        draws.one(0, 2 * np.pi),
    )
