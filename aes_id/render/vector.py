"""A small builder of PDF path operators (ISO 32000-1 §8.5) for artwork drawn many times.

The flags, the emblem and the QR modules are the same few thousand path operators on
every card. Built once with plain number formatting and cached as a string, they go
into each page or form with ``Canvas.addLiteral`` instead of being re-formatted
through reportlab's drawing calls, which is what makes a card PDF cost milliseconds.
The operators never name a resource (font, image, graphics state), so the string is
valid in any content stream.
"""

from __future__ import annotations

import math

_KAPPA = 4 * (math.sqrt(2) - 1) / 3  # Bézier control distance for a quarter circle


def num(value: float) -> str:
    """A PDF number: at most 2 decimals, no trailing zeros, no ``-0``.

    Artwork is drawn in units of a millimetre or of 1/100 of an emblem, so two
    decimals are steps of 0.01 mm at most: far below any printer's dot.
    """
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def rgb(hex_colour: str) -> tuple[float, float, float]:
    """``#RRGGBB`` as three components in 0..1."""
    value = int(hex_colour.lstrip("#"), 16)
    return ((value >> 16) / 255, ((value >> 8) & 0xFF) / 255, (value & 0xFF) / 255)


class Ops:
    """Accumulates path-construction and painting operators."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def code(self) -> str:
        return "\n".join(self.parts)

    def raw(self, *tokens: str) -> Ops:
        self.parts.append(" ".join(tokens))
        return self

    def _pts(self, op: str, *values: float) -> Ops:
        self.parts.append(" ".join(num(v) for v in values) + " " + op)
        return self

    # -- graphics state ----------------------------------------------------------
    def save(self) -> Ops:
        return self.raw("q")

    def restore(self) -> Ops:
        return self.raw("Q")

    def fill_colour(self, hex_colour: str) -> Ops:
        return self._pts("rg", *rgb(hex_colour))

    def stroke_colour(self, hex_colour: str) -> Ops:
        return self._pts("RG", *rgb(hex_colour))

    def line_width(self, width: float) -> Ops:
        return self._pts("w", width)

    # -- path construction ---------------------------------------------------------
    def move(self, x: float, y: float) -> Ops:
        return self._pts("m", x, y)

    def line(self, x: float, y: float) -> Ops:
        return self._pts("l", x, y)

    def curve(self, x1: float, y1: float, x2: float, y2: float, x3: float, y3: float) -> Ops:
        return self._pts("c", x1, y1, x2, y2, x3, y3)

    def close(self) -> Ops:
        return self.raw("h")

    def rect(self, x: float, y: float, w: float, h: float) -> Ops:
        return self._pts("re", x, y, w, h)

    def polygon(self, points: list[float]) -> Ops:
        self.move(points[0], points[1])
        for i in range(2, len(points), 2):
            self.line(points[i], points[i + 1])
        return self.close()

    def ellipse(self, cx: float, cy: float, rx: float, ry: float) -> Ops:
        kx, ky = rx * _KAPPA, ry * _KAPPA
        self.move(cx + rx, cy)
        self.curve(cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry)
        self.curve(cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy)
        self.curve(cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry)
        self.curve(cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy)
        return self.close()

    def circle(self, cx: float, cy: float, r: float) -> Ops:
        return self.ellipse(cx, cy, r, r)

    # -- painting ------------------------------------------------------------------
    def fill(self) -> Ops:
        return self.raw("f")

    def stroke(self) -> Ops:
        return self.raw("S")

    def clip(self) -> Ops:
        return self.raw("W n")
