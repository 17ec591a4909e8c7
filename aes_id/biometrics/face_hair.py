"""Hair and headwear of a synthetic portrait: cropped hair, cornrows, headwraps, kufis, turbans."""

from __future__ import annotations

import math

import numpy as np

from aes_id.biometrics.face_paint import CROWN, Canvas, arc, ellipse
from aes_id.biometrics.face_parts import crown_arc, hairline
from aes_id.biometrics.face_traits import RGB, TURBAN_COLOURS, FaceTraits, Hair, mix

KUFI_WHITE = (236, 234, 226)


def paint_hair_back(canvas: Canvas, t: FaceTraits) -> None:
    """What falls behind the face: braids down to the shoulders."""
    if t.hair is not Hair.BRAIDS or t.age < 10:
        return
    for side in (-1.0, 1.0):
        x0 = side * t.face_width
        strand = np.array(((x0 * 0.7, -0.4), (x0 * 1.18, -0.2), (x0 * 1.22, t.face_length + 0.35),
                           (x0 * 0.85, t.face_length + 0.3)))  # fmt: skip
        canvas.poly(strand, t.hair_colour)


def paint_hair_front(canvas: Canvas, t: FaceTraits) -> None:
    """The hair or headwear seen over the forehead and crown."""
    height = t.forehead
    if t.hair in (Hair.SHORT, Hair.BRAIDS, Hair.KUFI):
        _cap(canvas, t, height, t.hair_colour)
    elif t.hair is Hair.SHAVED:
        _cap(canvas, t, height, mix(t.skin, t.hair_colour, 0.45), lift=0.02)
    elif t.hair is Hair.RECEDING:
        _receding(canvas, t, height)
    if t.hair is Hair.BRAIDS:
        _cornrows(canvas, t, height)
    elif t.hair is Hair.HEADWRAP:
        _headwrap(canvas, t, height)
    elif t.hair is Hair.KUFI:
        _kufi(canvas, t, height)
    elif t.hair is Hair.TURBAN:
        _turban(canvas, t, height)


def _cap(canvas: Canvas, t: FaceTraits, height: float, colour: RGB, lift: float = 0.07) -> None:
    canvas.poly(np.concatenate((crown_arc(t, lift), hairline(t, height))), colour)


def _receding(canvas: Canvas, t: FaceTraits, height: float) -> None:
    colour = t.hair_colour
    for side in (-1.0, 1.0):
        x = side * t.face_width
        patch = np.array(((x * 1.03, -0.02), (x * 1.05, -0.6), (x * 0.85, -0.75), (x * 0.8, -0.05)))
        canvas.poly(patch, colour)
    canvas.poly(np.concatenate((crown_arc(t, 0.03, 0.6), hairline(t, height + 0.5)[4:-4])), colour)


def _cornrows(canvas: Canvas, t: FaceTraits, height: float) -> None:
    line = hairline(t, height)
    groove = mix(t.hair_colour, t.skin, 0.35)
    for start in line[2:-2:2]:
        end = (start[0] * 0.35, -CROWN - 0.02)
        middle = ((start[0] + end[0]) / 2 * 1.15, (start[1] + end[1]) / 2)
        canvas.line(np.array((start, middle, end)), groove, 0.018)


def _headwrap(canvas: Canvas, t: FaceTraits, height: float) -> None:
    """A wrapped scarf: a high rounded volume, a knot on one side, folds in a second colour."""
    main, second = t.headwear
    base = hairline(t, height - 0.08)
    base[:, 1] = np.minimum(base[:, 1], -0.12)
    top = arc(0.0, -CROWN + 0.15, t.face_width * 1.16, 0.9, math.pi + 0.25, 2 * math.pi - 0.25, 19)
    canvas.poly(np.concatenate((top, base)), main)
    knot_side = 1.0 if t.eye_tilt >= 0 else -1.0
    knot = ellipse(knot_side * 0.45, -CROWN - 0.55, 0.34, 0.22, 16)
    canvas.poly(knot, main, shade=0.92)
    for level in (0.25, 0.5, 0.75):
        fold = arc(0.0, -CROWN + 0.15 + level * 0.5, t.face_width * 1.05, 0.55 + 0.2 * level,
                   math.pi + 0.45, 2 * math.pi - 0.45, 13)  # fmt: skip
        canvas.line(fold, second, 0.05)
    canvas.line(base, main, 0.05, shade=0.75)


def _kufi(canvas: Canvas, t: FaceTraits, height: float) -> None:
    """A brimless round cap, mostly white, with an embroidered band."""
    colour = KUFI_WHITE if t.headwear[0][0] % 3 else t.headwear[0]
    half = t.face_width * 0.94
    bottom = -height - 0.02
    top, rim = -CROWN - 0.16, -CROWN - 0.05
    right = [(half * 0.8, top), (half * 0.98, rim), (half, bottom + 0.06)]
    body = np.array([(-x, y) for x, y in reversed(right)] + right + [(0.0, bottom)])
    canvas.poly(body, colour)
    band = np.array(((-half, bottom - 0.06), (0.0, bottom - 0.12), (half, bottom - 0.06)))
    canvas.line(band, t.headwear[1], 0.06)


def _turban(canvas: Canvas, t: FaceTraits, height: float) -> None:
    """A wound turban (Tuareg and Fulani men), folds running diagonally."""
    colour = TURBAN_COLOURS[t.headwear[1][1] % len(TURBAN_COLOURS)]
    half = t.face_width * 1.1
    base = hairline(t, height - 0.12)
    base[:, 1] = np.minimum(base[:, 1], 0.02)
    top = arc(0.0, -CROWN + 0.1, half, 0.72, math.pi + 0.08, 2 * math.pi - 0.08, 19)
    canvas.poly(np.concatenate((top, base)), colour)
    for k in range(4):
        y0 = -height - 0.05 - 0.18 * k
        fold = np.array(((-half * 0.95, y0 + 0.2), (half * 0.95, y0 - 0.12)))
        canvas.line(fold, colour, 0.03, shade=0.8)
