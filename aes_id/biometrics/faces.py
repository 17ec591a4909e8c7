"""Synthetic faces: a deterministic ID portrait per person, the same person at every capture.

A person's :class:`FaceTraits` (skin tone, face shape, features, hair or
headwear, beard, glasses, clothes) come from the seed alone, shaped by sex
and age when they are given. A capture adds what changes between two photos
of one person: light, a slight turn and tilt of the head, framing,
expression. Capture 0 is the neutral enrolment portrait.

The registry keeps the seed, not the image: the draws use PCG64's raw output
(stable across NumPy releases) so a face is regenerated exactly.

    >>> a = synthetic_face(1234, sex="F", age=34)
    >>> a.size
    (240, 300)
    >>> a.tobytes() == synthetic_face(1234, sex="F", age=34).tobytes()
    True
"""

from __future__ import annotations

from PIL import Image

from aes_id.biometrics import face_hair, face_parts
from aes_id.biometrics._stream import SeedStream
from aes_id.biometrics.face_paint import Canvas, Pose, face_outline, shade_face
from aes_id.biometrics.face_traits import Beard, FaceTraits, face_traits
from aes_id.domain import Sex

__all__ = ["FaceTraits", "Pose", "capture_pose", "face_traits", "paint_face", "synthetic_face"]

DEFAULT_SIZE = (240, 300)
"""Portrait size in pixels (4:5, the ICAO passport photo proportion)."""


def capture_pose(seed: int | bytes, capture: int) -> Pose:
    """How capture number ``capture`` of person ``seed`` differs from the neutral portrait."""
    if capture == 0:
        return Pose()
    draws = SeedStream("aes-id/face-capture/v1", seed, capture)
    return Pose(
        shift=(draws.gauss(0, 0.025), draws.gauss(0, 0.02)),
        tilt=draws.gauss(0, 3.0),
        scale=1.0 + draws.gauss(0, 0.035),
        yaw=max(-0.12, min(0.12, draws.gauss(0, 0.05))),
        brightness=max(0.8, min(1.15, draws.gauss(1.0, 0.07))),
        warmth=draws.gauss(0, 0.03),
        light_side=draws.gauss(0, 0.5),
        smile=max(0.0, draws.gauss(0, 0.35)),
        eye_open=max(0.75, min(1.1, draws.gauss(1.0, 0.08))),
        background_shift=draws.gauss(0, 5.0),
    )


def synthetic_face(
    seed: int | bytes | FaceTraits,
    *,
    sex: Sex | str | None = None,
    age: int | None = None,
    capture: int = 0,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> Image.Image:
    """The portrait of person ``seed`` at capture number ``capture`` (0: neutral), RGB.

    ``seed`` may also be ready-made :class:`FaceTraits` (then ``sex`` and ``age``
    are taken from them). Without ``sex`` or ``age`` they are drawn from the seed.
    """
    if capture < 0:
        raise ValueError(f"capture must be 0 or more, got {capture}")
    if not (32 <= size[0] <= 2000 and 32 <= size[1] <= 2000):
        raise ValueError(f"face size must be 32-2000 pixels a side, got {size}")
    traits = seed if isinstance(seed, FaceTraits) else face_traits(seed, sex=sex, age=age)
    return paint_face(traits, capture_pose(traits.seed, capture), size)


def paint_face(traits: FaceTraits, pose: Pose, size: tuple[int, int]) -> Image.Image:
    """Paint ``traits`` under ``pose``: back to front, as a painter would."""
    canvas = Canvas(size, pose, traits.background)
    face_hair.paint_hair_back(canvas, traits)
    face_parts.paint_body(canvas, traits)
    face_parts.paint_ears(canvas, traits)
    outline = face_outline(traits)
    canvas.poly(outline, traits.skin, shade=0.86)
    shade_face(canvas, traits, outline)
    face_hair.paint_hair_front(canvas, traits)
    face_parts.paint_eyes(canvas, traits)
    face_parts.paint_nose(canvas, traits)
    face_parts.paint_wrinkles(canvas, traits)
    if traits.beard is not Beard.NONE:
        face_parts.paint_beard(canvas, traits)
    face_parts.paint_mouth(canvas, traits)
    if traits.glasses:
        face_parts.paint_glasses(canvas, traits)
    return canvas.finish()
