"""Vector drawings the template format cannot express: flags, the AES emblem, guilloches.

Each drawing is built once as PDF operators (:mod:`aes_id.render.vector`) in its own
unit square, cached, and placed on a canvas with a transform. Flag colours are the
usual published values; the emblem is this project's own drawing after the public
description of the Confederation's logo (a circle holding a radiant orange sun, a
baobab with people beneath it, and three gold five-pointed stars, one per state), not
a copy of the official artwork.
"""

from __future__ import annotations

import math
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from aes_id.domain import Country
from aes_id.render.vector import Ops, rgb

MALI = ("#14B53A", "#FCD116", "#CE1126")
BURKINA = ("#EF2B2D", "#009E49", "#FCD116")
NIGER = ("#E05206", "#FFFFFF", "#0DB02B")

AES_GREEN = "#0B6B3A"
GOLD = "#E8B10E"
SUN = "#F08A00"
SKY = "#FFF3D1"
EARTH = "#B8742A"
BARK = "#5A3A1F"
LEAF = "#2F6B2A"


def star_points(cx: float, cy: float, outer: float, inner_ratio: float = 0.382) -> list[float]:
    """The ten vertices of a regular five-pointed star, one point up: x0, y0, x1, y1, …"""
    points: list[float] = []
    for k in range(10):
        radius = outer if k % 2 == 0 else outer * inner_ratio
        angle = math.pi / 2 + k * math.pi / 5
        points += [cx + radius * math.cos(angle), cy + radius * math.sin(angle)]
    return points


def _faded(hex_colour: str, fade: float, towards: str) -> str:
    """``hex_colour`` moved ``fade`` (0..1) of the way to ``towards``."""
    if fade <= 0:
        return hex_colour
    a, b = rgb(hex_colour), rgb(towards)
    mixed = (round(255 * (x + (y - x) * fade)) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{v:02X}" for v in mixed)


@lru_cache(maxsize=16)
def flag_ops(state: Country, aspect: float) -> str:
    """The flag of ``state`` in a box 100 units high and ``100 × aspect`` units wide."""
    ops = Ops()
    w, h = 100 * aspect, 100.0
    if state is Country.MLI:  # vertical tricolour: green at the hoist, gold, red
        for i, colour in enumerate(MALI):
            ops.fill_colour(colour).rect(i * w / 3, 0, w / 3 + (0.4 if i < 2 else 0), h).fill()
    elif state is Country.BFA:  # red over green, a yellow star in the centre
        red, green, yellow = BURKINA
        ops.fill_colour(green).rect(0, 0, w, h / 2 + 0.4).fill()
        ops.fill_colour(red).rect(0, h / 2, w, h / 2).fill()
        ops.fill_colour(yellow).polygon(star_points(w / 2, h / 2 - 1.5, 20)).fill()
    else:  # orange, white, green bands, an orange disc on the white band
        orange, white, green = NIGER
        for i, colour in enumerate((green, white, orange)):  # bottom to top
            ops.fill_colour(colour).rect(0, i * h / 3, w, h / 3 + (0.4 if i < 2 else 0)).fill()
        ops.fill_colour(orange).circle(w / 2, h / 2, h / 3 * 0.42).fill()
    return ops.code()


def draw_flag(c: Canvas, state: Country, x: float, y: float, w: float, h: float) -> None:
    """The flag of ``state`` filling the box (x, y, w, h) in points."""
    c.saveState()
    c.transform(h / 100, 0, 0, h / 100, x, y)
    c.addLiteral(flag_ops(state, round(w / h, 4)))
    c.restoreState()


@lru_cache(maxsize=16)
def emblem_ops(fade: float = 0.0, towards: str = "#FFFFFF") -> str:
    """The emblem on a 100-unit square: ring, sky, sun, earth, baobab, people, stars."""

    def col(hex_colour: str) -> str:
        return _faded(hex_colour, fade, towards)

    ops = Ops()
    ops.fill_colour(col(AES_GREEN)).circle(50, 50, 50).fill()
    ops.stroke_colour(col(GOLD)).line_width(1.2).circle(50, 50, 47.6).stroke()
    ops.save().circle(50, 50, 38.5).clip()
    ops.fill_colour(col(SKY)).rect(0, 0, 100, 100).fill()
    _sun(ops, col(SUN))
    ops.fill_colour(col(EARTH)).move(0, 36).curve(30, 42, 70, 42, 100, 36)
    ops.line(100, 0).line(0, 0).close().fill()
    _baobab(ops, col(BARK), col(LEAF))
    _people(ops, col(BARK))
    ops.fill_colour(col(GOLD))
    for cx, cy in ((32.0, 74.0), (50.0, 79.5), (68.0, 74.0)):
        ops.polygon(star_points(cx, cy, 5.4))
    ops.fill().restore()
    ops.stroke_colour(col(GOLD)).line_width(1.6).circle(50, 50, 38.5).stroke()
    return ops.code()


def _sun(ops: Ops, colour: str) -> None:
    """A half sun on the horizon with eighteen alternating long and short rays."""
    ops.fill_colour(colour)
    for k in range(18):
        angle = math.pi * k / 17
        reach = 31 if k % 2 == 0 else 25
        ops.polygon(
            [
                50 + 13 * math.cos(angle - 0.07),
                40 + 13 * math.sin(angle - 0.07),
                50 + reach * math.cos(angle),
                40 + reach * math.sin(angle),
                50 + 13 * math.cos(angle + 0.07),
                40 + 13 * math.sin(angle + 0.07),
            ]
        )
    ops.circle(50, 40, 12).fill()


def _baobab(ops: Ops, bark: str, leaf: str) -> None:
    """A bottle-shaped trunk with short spreading branches and flat leaf clumps."""
    ops.fill_colour(bark).move(41.5, 37).curve(39, 47, 42.5, 54, 45.5, 58)
    for end_x, end_y, back_x in ((36, 66, 44.5), (42, 69, 47.5), (50, 71, 51.0)):
        ops.line(end_x, end_y).line(end_x + 1.6, end_y + 0.4).line(back_x + 1.2, 60)
    for end_x, end_y, back_x in ((58, 69, 52.5), (64, 66, 55.5)):
        ops.line(end_x, end_y).line(end_x + 1.6, end_y - 0.6).line(back_x + 1.0, 58.5)
    ops.line(54.5, 58).curve(57.5, 54, 61, 47, 58.5, 37).close().fill()
    ops.fill_colour(leaf)
    clumps = ((36.5, 67.5, 5.5), (43, 70.5, 5), (51, 72.5, 5.5), (58.5, 70.5, 5), (65, 67, 5.5))
    for cx, cy, rx in clumps:
        ops.ellipse(cx, cy, rx, rx * 0.47)
    ops.fill()


def _people(ops: Ops, colour: str) -> None:
    """Three small figures standing in the baobab's shade."""
    ops.fill_colour(colour)
    for cx, height in ((31.0, 9.0), (35.5, 7.5), (66.5, 8.5)):
        ops.circle(cx, 37.5 + height, 1.4)
        ops.polygon(
            [cx - 2.0, 36.5, cx - 1.1, 35.3 + height, cx + 1.1, 35.3 + height, cx + 2.0, 36.5]
        )
    ops.fill()


def draw_emblem(
    c: Canvas,
    x: float,
    y: float,
    size: float,
    *,
    ring_text: str = "",
    ring_font: str = "",
    opacity: float = 1.0,
    fade: float = 0.0,
    fade_to: str = "#FFFFFF",
) -> None:
    """The AES emblem in the square (x, y, size) in points.

    ``fade`` washes the colours towards ``fade_to`` (a watermark that stays opaque, so
    overlapping shapes do not darken each other as they would with ``opacity``).
    """
    c.saveState()
    c.transform(size / 100.0, 0, 0, size / 100.0, x, y)
    if opacity < 1.0:
        c.setFillAlpha(opacity)
        c.setStrokeAlpha(opacity)
    c.addLiteral(emblem_ops(round(fade, 3), fade_to))
    if ring_text and ring_font:
        _ring_text(c, ring_text, ring_font, _faded("#FFFFFF", fade, fade_to))
    c.restoreState()


def _ring_text(c: Canvas, text: str, font: str, colour: str) -> None:
    """``text`` set around the top of the ring, each letter turned to the centre."""
    size, radius = 6.4, 41.6
    widths = [stringWidth(ch, font, size) for ch in text]
    angle = math.pi / 2 + sum(widths) / radius / 2
    c.setFillColor(colour)
    c.setFont(font, size)
    for ch, width in zip(text, widths, strict=True):
        step = width / radius
        middle = angle - step / 2
        c.saveState()
        c.translate(50 + radius * math.cos(middle), 50 + radius * math.sin(middle))
        c.rotate(math.degrees(middle) - 90)
        c.drawCentredString(0, 0, ch)
        c.restoreState()
        angle -= step


@lru_cache(maxsize=32)
def guilloche_ops(
    pattern: str, w: float, h: float, count: int, amplitude: float, wavelength: float
) -> str:
    """The guilloche curves in millimetres (origin bottom-left), stroked; built once."""
    ops = Ops()
    curves = (
        _waves(w, h, count, amplitude, wavelength)
        if pattern == "waves"
        else _rosette(w, h, count, amplitude)
    )
    for points in curves:
        _smooth(ops, points)
    return ops.stroke().code()


def _waves(
    w: float, h: float, count: int, amplitude: float, wavelength: float
) -> list[list[tuple[float, float]]]:
    """Two families of phase-shifted sine waves that cross and interlace."""
    step = wavelength / 6
    n = int(w / step) + 2
    curves = []
    for family in (0.0, math.pi):
        for i in range(count):
            base = h * (i + 0.5) / count
            phase = family + i * 0.55
            curves.append(
                [
                    (k * step, base + amplitude * math.sin(2 * math.pi * k / 6 + phase))
                    for k in range(n)
                ]
            )
    return curves


def _rosette(w: float, h: float, count: int, amplitude: float) -> list[list[tuple[float, float]]]:
    """Hypotrochoid-like loops turned around the box centre (a banknote rosette)."""
    cx, cy = w / 2, h / 2
    radius = min(w, h) / 2 * 0.9
    curves = []
    for i in range(count):
        turn = 2 * math.pi * i / count
        points = []
        for k in range(73):
            t = 2 * math.pi * k / 72
            r = radius * (0.62 + 0.38 * math.cos(7 * t)) + amplitude * math.sin(23 * t)
            points.append((cx + r * math.cos(t + turn), cy + r * math.sin(t + turn)))
        curves.append(points)
    return curves


def _smooth(ops: Ops, points: list[tuple[float, float]]) -> None:
    """A Catmull-Rom spline through ``points``, written as cubic Bézier segments."""
    ops.move(*points[0])
    for i in range(len(points) - 1):
        p0 = points[max(i - 1, 0)]
        p1, p2 = points[i], points[i + 1]
        p3 = points[min(i + 2, len(points) - 1)]
        ops.curve(
            p1[0] + (p2[0] - p0[0]) / 6,
            p1[1] + (p2[1] - p0[1]) / 6,
            p2[0] - (p3[0] - p1[0]) / 6,
            p2[1] - (p3[1] - p1[1]) / 6,
            p2[0],
            p2[1],
        )
