"""Painting a synthetic portrait with Pillow: shapes in face units, lit and posed.

The face is drawn at twice the requested size and halved (a cheap anti-alias).
Every shape is a polygon in face units (see :mod:`face_traits`) mapped to
pixels through the pose: framing, tilt and a slight turn (features that stand
out from the face, the nose first, move most when the head turns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from aes_id.biometrics.face_traits import RGB, FaceTraits

Points = NDArray[np.float64]
SUPERSAMPLE = 2
CROWN = 1.22  # eye line to the top of the skull, face units


@dataclass(frozen=True)
class Pose:
    """One capture's departure from the neutral portrait (all zero/one: neutral)."""

    shift: tuple[float, float] = (0.0, 0.0)
    tilt: float = 0.0
    scale: float = 1.0
    yaw: float = 0.0
    brightness: float = 1.0
    warmth: float = 0.0
    light_side: float = 0.0
    smile: float = 0.0
    eye_open: float = 1.0
    background_shift: float = 0.0


def arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int) -> Points:
    """Points on an ellipse from angle ``start`` to ``stop`` (radians, y down)."""
    t = np.linspace(start, stop, n)
    return np.column_stack((cx + rx * np.cos(t), cy + ry * np.sin(t)))


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> Points:
    return arc(cx, cy, rx, ry, 0.0, 2 * math.pi * (1 - 1 / n), n)


def mirror(points: Points) -> Points:
    return points * (-1.0, 1.0)


class Canvas:
    """A supersampled RGB canvas drawing face-unit polygons under a pose and a light."""

    def __init__(self, size: tuple[int, int], pose: Pose, background: RGB) -> None:
        self.size = size
        self.pose = pose
        width, height = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
        self.unit = 0.29 * size[0] * SUPERSAMPLE * pose.scale
        self.centre = (width * (0.5 + pose.shift[0]), height * (0.45 + pose.shift[1]))
        self.turn = (math.cos(math.radians(pose.tilt)), math.sin(math.radians(pose.tilt)))
        shifted = tuple(int(c + pose.background_shift) for c in background)
        self.image = Image.new("RGB", (width, height), self.lit(shifted))  # type: ignore[arg-type]
        self.draw = ImageDraw.Draw(self.image)

    def lit(self, colour: RGB, shade: float = 1.0) -> RGB:
        """``colour`` under this capture's light, darkened by ``shade`` (< 1)."""
        gain = self.pose.brightness * shade
        warm = self.pose.warmth
        r, g, b = colour[0] * gain * (1 + warm), colour[1] * gain, colour[2] * gain * (1 - warm)
        return (min(255, max(0, round(r))), min(255, max(0, round(g))), min(255, max(0, round(b))))

    def pixels(self, points: Points, depth: float = 0.0) -> list[tuple[float, float]]:
        x = points[:, 0] + self.pose.yaw * depth
        y = points[:, 1]
        cos, sin = self.turn
        px = self.centre[0] + self.unit * (cos * x - sin * y)
        py = self.centre[1] + self.unit * (sin * x + cos * y)
        return list(zip(px.tolist(), py.tolist(), strict=True))

    def poly(self, points: Points, colour: RGB, depth: float = 0.0, shade: float = 1.0) -> None:
        self.draw.polygon(self.pixels(points, depth), fill=self.lit(colour, shade))

    def line(
        self, points: Points, colour: RGB, width: float, depth: float = 0.0, shade: float = 1.0
    ) -> None:
        pixel_width = max(1, round(width * self.unit))
        self.draw.line(
            self.pixels(points, depth),
            fill=self.lit(colour, shade),
            width=pixel_width,
            joint="curve",
        )

    def finish(self) -> Image.Image:
        return self.image.reduce(SUPERSAMPLE)


def face_outline(t: FaceTraits) -> Points:
    """The face from the crown round to the chin and back, clockwise from the left temple."""
    half, chin = t.face_width, t.face_length
    top = arc(0.0, 0.15, half, CROWN + 0.15, math.pi, 2 * math.pi, 19)
    s = np.linspace(0.0, 1.0, 9)[1:]
    jaw_y = 0.15 + 0.62 * (chin - 0.15)
    upper = np.column_stack((half * (1 - (1 - t.jaw) * s**2), 0.15 + s * (jaw_y - 0.15)))
    corner = arc(0.0, jaw_y, half * t.jaw, chin - jaw_y, 0.0, math.pi / 2, 9)[1:]
    right = np.concatenate((upper, corner))
    return np.concatenate((top, right, mirror(right[::-1])[1:]))


def shade_face(canvas: Canvas, traits: FaceTraits, outline: Points) -> None:
    """Model the face with nested, ever lighter copies of its outline, pulled towards the light.

    The face is first filled a little dark; each smaller copy is lighter, so the
    edges fall off into shadow the way a lit, rounded face does.
    """
    towards = -0.12 * canvas.pose.light_side
    centre = np.array((0.0, 0.35))
    for step, (size, shade) in enumerate(((0.93, 0.92), (0.84, 0.96), (0.72, 1.0), (0.56, 1.03))):
        shift = np.array((towards * (step + 1) / 4, 0.0))
        ring = (outline - centre) * (size, size * 1.02) + centre + shift
        canvas.poly(ring, traits.skin, shade=shade * (1.0 - 0.04 * abs(canvas.pose.light_side)))
