"""The parts of a synthetic portrait: body, ears, eyes, nose, mouth, lines, beard, glasses.

Face units as in :mod:`face_traits`: eye line at y = 0, chin at
``face_length``, face half-width ``face_width``. ``depth`` says how far a part
stands out of the face (how much it moves when the head turns).
"""

from __future__ import annotations

import math

import numpy as np

from aes_id.biometrics.face_paint import CROWN, Canvas, Points, arc, ellipse, mirror
from aes_id.biometrics.face_traits import Beard, FaceTraits, mix

GOLD = (206, 170, 84)
SCLERA = (226, 219, 206)
IRIS = (52, 32, 22)


def nose_base(t: FaceTraits) -> float:
    return 0.42 + 0.45 * t.nose[1]


def mouth_line(t: FaceTraits) -> float:
    base = nose_base(t)
    return base + 0.3 * (t.face_length - base)


def paint_body(canvas: Canvas, t: FaceTraits) -> None:
    """Neck, shoulders in a boubou or shirt, and an embroidered neckline."""
    chin = t.face_length
    neck = np.array(
        ((-0.5, chin - 0.6), (0.5, chin - 0.6), (0.56, chin + 0.9), (-0.56, chin + 0.9))
    )
    canvas.poly(neck * (t.face_width, 1.0), t.skin, shade=0.78)
    shoulder = np.array(
        ((0.55, chin + 0.28), (1.3, chin + 0.42), (1.95, chin + 0.7), (2.3, chin + 1.3), (2.4, 5.0))
    )
    body = np.concatenate((mirror(shoulder[::-1]), shoulder, ((2.4, 5.0), (-2.4, 5.0))))
    canvas.poly(body, t.cloth)
    collar = arc(0.0, chin + 0.28, 0.56 * t.face_width, 0.34, 0.0, math.pi, 13)
    canvas.poly(collar, t.skin, shade=0.78)
    canvas.line(collar, GOLD if sum(t.cloth) < 600 else (150, 150, 160), 0.035)


def paint_ears(canvas: Canvas, t: FaceTraits) -> None:
    """Both ears, behind the face (they move against the turn of the head)."""
    for side in (-1.0, 1.0):
        x = side * t.face_width * 0.97
        canvas.poly(
            ellipse(x, 0.14, 0.13 * t.ear, 0.25 * t.ear, 16), t.skin, depth=-0.2, shade=0.95
        )
        inner = ellipse(x + side * 0.02, 0.15, 0.065 * t.ear, 0.15 * t.ear, 12)
        canvas.poly(inner, t.skin, depth=-0.2, shade=0.72)


def paint_eyes(canvas: Canvas, t: FaceTraits) -> None:
    """Sclera, iris, pupil, lids and brows; the lids open as much as the capture's eye_open."""
    ew, eh = t.eye_size
    opening = canvas.pose.eye_open
    brow_colour = mix(t.hair_colour, (28, 24, 22), 0.5)
    for side in (-1.0, 1.0):
        cx, cy = side * t.eye_gap * t.face_width, side * t.eye_tilt
        socket = ellipse(cx, cy - 0.03, 1.35 * ew, 2.3 * eh, 16)
        canvas.poly(socket, t.skin, depth=0.2, shade=0.93)
        s = np.linspace(0.0, math.pi, 13)
        top = np.column_stack((cx + ew * np.cos(s), cy - eh * opening * np.sin(s)))
        bottom = np.column_stack((cx - ew * np.cos(s), cy + 0.55 * eh * np.sin(s)))
        canvas.poly(np.concatenate((top, bottom)), SCLERA, depth=0.25)
        iris = ellipse(cx, cy + 0.1 * eh, 0.95 * eh, 0.95 * eh, 16)
        reach = np.sqrt(np.clip(1 - ((iris[:, 0] - cx) / ew) ** 2, 0, 1))
        iris[:, 1] = np.clip(iris[:, 1], cy - eh * opening * reach, cy + 0.55 * eh * reach)
        canvas.poly(iris, IRIS, depth=0.27)
        canvas.poly(ellipse(cx, cy + 0.1 * eh, 0.4 * eh, 0.4 * eh, 10), (12, 10, 10), depth=0.27)
        canvas.poly(ellipse(cx + 0.3 * eh, cy - 0.2 * eh, 0.13 * eh, 0.13 * eh, 8), SCLERA, 0.27)
        canvas.line(top, t.skin, 0.03, depth=0.25, shade=0.35)
        canvas.line(top * (1.0, 1.0) + (0.0, -0.55 * eh), t.skin, 0.012, depth=0.22, shade=0.78)
        canvas.poly(_brow(t, cx, cy, side), brow_colour, depth=0.22)


def _brow(t: FaceTraits, cx: float, cy: float, side: float) -> Points:
    ew = t.eye_size[0]
    thickness, arch = t.brow
    s = np.linspace(0.0, 1.0, 9)
    x = cx + side * ew * (-1.1 + 2.3 * s)
    base = cy - 0.2 - 0.6 * t.eye_size[1] - (0.06 + arch) * np.sin(math.pi * s * 0.85)
    upper = base - thickness * (1.2 - 0.7 * s)
    return np.concatenate((np.column_stack((x, base)), np.column_stack((x, upper))[::-1]))


def paint_nose(canvas: Canvas, t: FaceTraits) -> None:
    """Bridge shadows, the alae and tip, the nostrils and the wing creases."""
    half, base = 0.8 * t.nose[0], nose_base(t)
    for side in (-1.0, 1.0):
        bridge = np.array(((side * 0.1, 0.1), (side * 0.12, base - 0.26)))
        canvas.line(bridge, t.skin, 0.03, depth=0.35, shade=0.92)
    canvas.poly(ellipse(0.0, base - 0.08, half, 0.13, 20), t.skin, depth=0.5, shade=0.9)
    canvas.poly(ellipse(0.0, base - 0.1, 0.14, 0.11, 14), t.skin, depth=0.6, shade=0.97)
    canvas.poly(ellipse(0.0, base - 0.13, 0.06, 0.05, 10), t.skin, depth=0.6, shade=1.06)
    for side in (-1.0, 1.0):
        nostril = ellipse(side * half * 0.5, base - 0.02, 0.075, 0.035, 10)
        canvas.poly(nostril, t.skin, depth=0.5, shade=0.38)
        wing = arc(side * half * 0.72, base - 0.08, 0.26 * half, 0.09, -0.6, 1.6, 8) * (side, 1.0)
        canvas.line(wing, t.skin, 0.014, depth=0.5, shade=0.72)


def paint_mouth(canvas: Canvas, t: FaceTraits) -> None:
    """Lips along a mouth line whose corners rise with the capture's smile."""
    smile = canvas.pose.smile
    width, upper, lower = t.mouth
    width *= 1 + 0.08 * smile
    y = mouth_line(t)
    x = np.linspace(-width, width, 17)
    line = y - 0.05 * smile * (x / width) ** 2 + 0.02 * smile * (1 - (x / width) ** 2)
    bow = 1 - 0.25 * np.exp(-((x / (0.18 * width)) ** 2))
    top = line - upper * np.sqrt(np.clip(1 - (x / width) ** 4, 0, 1)) * bow
    bottom = line + lower * np.clip(1 - (x / width) ** 2, 0, 1) ** 0.7
    lip = mix(t.skin, (74, 30, 36), 0.35)
    canvas.poly(
        np.concatenate((np.column_stack((x, top)), np.column_stack((x, line))[::-1])),
        lip,
        0.35,
        0.85,
    )
    canvas.poly(
        np.concatenate((np.column_stack((x, line)), np.column_stack((x, bottom))[::-1])), lip, 0.35
    )
    shine = ellipse(0.0, y + 0.45 * lower, 0.35 * width, 0.25 * lower, 12)
    canvas.poly(shine, lip, depth=0.35, shade=1.12)
    canvas.line(np.column_stack((x, line)), t.skin, 0.018, depth=0.35, shade=0.35)


def paint_wrinkles(canvas: Canvas, t: FaceTraits) -> None:
    """Nasolabial folds from about 40, forehead lines and eye bags from about 55."""
    if t.age < 40:
        return
    weight = min(1.0, (t.age - 40) / 30)
    half, base, mouth = 0.8 * t.nose[0], nose_base(t), mouth_line(t)
    for side in (-1.0, 1.0):
        fold = np.array(((side * half * 1.15, base - 0.08), (side * (half + 0.12), base + 0.1),
                         (side * t.mouth[0] * 1.12, mouth + 0.1)))  # fmt: skip
        canvas.line(fold, t.skin, 0.016, depth=0.3, shade=0.9 - 0.1 * weight)
        if t.age >= 55:
            bag = arc(side * t.eye_gap * t.face_width, 0.05, t.eye_size[0], 0.09, 0.3, 2.8, 7)
            canvas.line(bag, t.skin, 0.012, depth=0.25, shade=0.86)
    if t.age >= 55:
        for level in (0.4, 0.5):
            crease = arc(0.0, -level + 0.35, 0.45, 0.35, 1.25 * math.pi, 1.75 * math.pi, 7)
            canvas.line(crease, t.skin, 0.012, shade=0.87)


def paint_beard(canvas: Canvas, t: FaceTraits) -> None:
    """A moustache, with a chin tuft (goatee) or a short full beard along the jaw."""
    colour = mix(t.hair_colour, t.skin, 0.3)
    width, upper, lower = t.mouth
    base, y = nose_base(t), mouth_line(t)
    tash = np.array(
        ((-width, y + 0.01), (-width * 0.7, base + 0.03), (width * 0.7, base + 0.03),
         (width, y + 0.01), (0.0, y - upper - 0.01))
    )  # fmt: skip
    if t.beard in (Beard.GOATEE, Beard.FULL):
        reach = t.face_width * (0.86 if t.beard is Beard.FULL else 0.3)
        top = 0.3 if t.beard is Beard.FULL else y + lower + 0.04
        chin = arc(0.0, top, reach, t.face_length + 0.05 - top, 0.0, math.pi, 17)
        inner = np.array(
            ((-width * 1.1, top + 0.02), (-width * 1.05, y + 0.03), (0.0, y + lower + 0.05),
             (width * 1.05, y + 0.03), (width * 1.1, top + 0.02))
        )  # fmt: skip
        if t.beard is Beard.GOATEE:
            inner = np.array(((-reach, top), (reach, top)))
        canvas.poly(np.concatenate((chin, inner)), colour, depth=0.1)
    canvas.poly(tash, colour, depth=0.35)


def paint_glasses(canvas: Canvas, t: FaceTraits) -> None:
    """Dark rounded-rectangle frames, bridge and temples."""
    ew, eh = t.eye_size
    frame = (24, 22, 22)
    for side in (-1.0, 1.0):
        cx = side * t.eye_gap * t.face_width
        s = np.linspace(0.0, 2 * math.pi, 25)
        rim = np.column_stack(
            (cx + 1.4 * ew * np.sign(np.cos(s)) * np.abs(np.cos(s)) ** 0.6,
             0.03 + 2.0 * eh * np.sign(np.sin(s)) * np.abs(np.sin(s)) ** 0.6)
        )  # fmt: skip
        canvas.line(rim, frame, 0.03, depth=0.4)
        temple = np.array(((side * (abs(cx) + 1.4 * ew), -0.02), (side * t.face_width, 0.0)))
        canvas.line(temple, frame, 0.03, depth=0.2)
    inner = t.eye_gap * t.face_width - 1.4 * ew
    canvas.line(np.array(((-inner, -0.02), (0.0, -0.06), (inner, -0.02))), frame, 0.03, depth=0.45)


def hairline(t: FaceTraits, height: float) -> Points:
    """The front edge of the hair, from the right temple to the left, at ``height`` up."""
    x = np.linspace(t.face_width * 1.02, -t.face_width * 1.02, 15)
    return np.column_stack((x, -height + (height - 0.05) * np.abs(x / t.face_width) ** 4))


def crown_arc(t: FaceTraits, lift: float, spread: float = 0.12) -> Points:
    """The top of the head from the left temple to the right, ``lift`` above the skull."""
    half = t.face_width + lift
    return arc(0.0, 0.15, half, CROWN + 0.15 + lift, math.pi + spread, 2 * math.pi - spread, 19)
