"""What makes one synthetic face that person's face: traits drawn once from the seed.

Lengths are in face units: the face is two units wide before its own width
factor, with the origin between the eyes and y growing downwards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aes_id.biometrics._stream import SeedStream
from aes_id.domain import Sex

RGB = tuple[int, int, int]

# Skin tones seen across Mali, Burkina Faso and Niger, from deep to lighter brown
# (Mande, Mossi, Songhai and Hausa peoples through Fulani, Tuareg and Moorish ones).
SKIN_STOPS: tuple[RGB, ...] = (
    (58, 37, 28),
    (74, 47, 34),
    (104, 68, 47),
    (139, 95, 66),
    (178, 132, 97),
)
HEADWRAP_COLOURS: tuple[RGB, ...] = (
    (214, 88, 32), (196, 30, 58), (240, 190, 40), (30, 120, 70), (110, 40, 130),
    (40, 70, 160), (220, 100, 150), (20, 140, 150), (150, 60, 30), (235, 235, 225),
)  # fmt: skip
CLOTH_COLOURS: tuple[RGB, ...] = (
    (38, 48, 110), (236, 236, 230), (30, 150, 160), (120, 50, 140), (210, 170, 40),
    (40, 110, 60), (170, 40, 40), (90, 90, 95), (200, 120, 60), (60, 130, 200),
)  # fmt: skip
TURBAN_COLOURS: tuple[RGB, ...] = ((32, 40, 90), (235, 235, 228), (25, 25, 28), (110, 100, 90))


class Hair(enum.Enum):
    SHORT = "short"
    SHAVED = "shaved"
    RECEDING = "receding"
    BRAIDS = "braids"
    HEADWRAP = "headwrap"
    KUFI = "kufi"
    TURBAN = "turban"


class Beard(enum.Enum):
    NONE = "none"
    MOUSTACHE = "moustache"
    GOATEE = "goatee"
    FULL = "full"


@dataclass(frozen=True)
class FaceTraits:
    """Everything that stays the same between two photos of one person."""

    seed: int | bytes
    sex: Sex
    age: int
    skin: RGB
    face_width: float
    face_length: float
    jaw: float
    forehead: float
    eye_gap: float
    eye_size: tuple[float, float]
    eye_tilt: float
    brow: tuple[float, float]
    nose: tuple[float, float]
    mouth: tuple[float, float, float]
    ear: float
    hair: Hair
    hair_colour: RGB
    headwear: tuple[RGB, RGB]
    beard: Beard
    glasses: bool
    cloth: RGB
    background: RGB


def mix(a: RGB, b: RGB, t: float) -> RGB:
    t = min(1.0, max(0.0, t))
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def skin_tone(position: float) -> RGB:
    """The skin colour at ``position`` (0 deepest, 1 lightest) along SKIN_STOPS."""
    scaled = min(0.999, max(0.0, position)) * (len(SKIN_STOPS) - 1)
    low = int(scaled)
    return mix(SKIN_STOPS[low], SKIN_STOPS[low + 1], scaled - low)


def _sex_and_age(draws: SeedStream, sex: Sex | str | None, age: int | None) -> tuple[Sex, int]:
    chosen = Sex.parse(sex) if isinstance(sex, str) else sex
    if chosen is None:
        chosen = Sex.F if draws.chance(0.5) else Sex.M
    drawn_age = int(5 + 70 * draws.one() ** 1.6)
    if age is not None and not 0 <= age <= 130:
        raise ValueError(f"age must be 0-130, got {age}")
    return chosen, drawn_age if age is None else age


def face_traits(
    seed: int | bytes, *, sex: Sex | str | None = None, age: int | None = None
) -> FaceTraits:
    """Draw the traits of person ``seed`` (``sex`` and ``age`` drawn too when not given)."""
    draws = SeedStream("aes-id/face/v1", seed)
    who, years = _sex_and_age(draws, sex, age)
    male, child = who is Sex.M, years < 14
    grey = max(0.0, (years - 38) / 40) * draws.one(0.3, 1.2)
    skin = skin_tone(draws.one() ** 1.25)
    return FaceTraits(
        seed=seed,
        sex=who,
        age=years,
        skin=skin,
        face_width=draws.one(0.87, 1.1) + (0.04 if male else 0.0),
        face_length=draws.one(1.25, 1.5) - (0.1 if child else 0.0),
        jaw=draws.one(0.56, 0.74) + (0.07 if male else 0.0),
        forehead=draws.one(0.55, 0.75),
        eye_gap=draws.one(0.37, 0.46),
        eye_size=(draws.one(0.17, 0.22) * (1.1 if child else 1.0), draws.one(0.07, 0.095)),
        eye_tilt=draws.gauss(0, 0.03),
        brow=(draws.one(0.03, 0.06) + (0.015 if male else 0.0), draws.one(0.0, 0.06)),
        nose=(draws.one(0.3, 0.44), draws.one(0.36, 0.5)),
        mouth=(draws.one(0.38, 0.52), draws.one(0.055, 0.1), draws.one(0.08, 0.13)),
        ear=draws.one(0.85, 1.15),
        hair=_hair(draws, male, years),
        hair_colour=mix((22, 18, 16), (200, 198, 192), grey),
        headwear=(
            HEADWRAP_COLOURS[draws.pick((1.0,) * len(HEADWRAP_COLOURS))],
            HEADWRAP_COLOURS[draws.pick((1.0,) * len(HEADWRAP_COLOURS))],
        ),
        beard=_beard(draws, male, years),
        glasses=draws.chance(0.03 + (0.3 if years > 45 else 0.0)),
        cloth=CLOTH_COLOURS[draws.pick((1.0,) * len(CLOTH_COLOURS))],
        background=mix((206, 214, 224), (238, 238, 236), draws.one()),
    )


def _hair(draws: SeedStream, male: bool, age: int) -> Hair:
    styles = list(Hair)
    if male:
        old = 1.0 if age > 45 else 0.1
        weights = (5.0, 1.5 + old, 2.0 * old, 0.0, 0.0, 2.0 if age > 18 else 0.3, 0.8)
    else:
        adult = 1.0 if age >= 15 else 0.05
        weights = (1.0, 0.05, 0.0, 2.5 if age < 15 else 1.0, 5.0 * adult, 0.0, 0.0)
    return styles[draws.pick(weights)]


def _beard(draws: SeedStream, male: bool, age: int) -> Beard:
    if not male or age < 18:
        return Beard.NONE
    mature = 1.0 if age > 35 else 0.4
    return list(Beard)[draws.pick((4.0, 1.0, 1.5 * mature, 1.2 * mature))]
