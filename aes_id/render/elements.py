"""The element types a card template may place, one frozen dataclass per type.

A template (``card_templates/*.toml``) is a list of elements per face. Every element
has an ``id`` (unique on its face, used by state templates to change an inherited
element) and a ``type`` naming one of the classes below. Lengths are millimetres
from the top-left corner of the card, y downwards; font sizes are points. Colours
are names from the template's ``[colours]`` palette (or ``#RRGGBB``); fonts are names
from its ``[fonts]`` table. After loading, colour fields hold ``#RRGGBB`` strings.

The schema is these dataclasses themselves: :mod:`aes_id.render.templates` reads
their fields and type hints to check a template, so adding a field here is all a
new template option needs on the loading side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "centre", "right"]
Direction = Literal["horizontal", "vertical"]


@dataclass(frozen=True)
class Rect:
    """A filled and/or stroked rectangle, optionally with rounded corners."""

    id: str
    x: float
    y: float
    w: float
    h: float
    fill: str = ""
    stroke: str = ""
    stroke_width: float = 0.15
    radius: float = 0.0
    opacity: float = 1.0


@dataclass(frozen=True)
class Line:
    """A straight line from (x1, y1) to (x2, y2)."""

    id: str
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = "ink"
    width: float = 0.15
    dash: tuple[float, ...] = ()
    opacity: float = 1.0


@dataclass(frozen=True)
class Bands:
    """Equal colour bands side by side (vertical) or stacked (horizontal)."""

    id: str
    x: float
    y: float
    w: float
    h: float
    colours: tuple[str, ...]
    direction: Direction = "vertical"


@dataclass(frozen=True)
class Text:
    """One line of text; ``{placeholders}`` take card data or template values.

    ``x``/``y`` is the anchor on the baseline. A text wider than ``max_width`` is set
    smaller (down to ``min_size``), then condensed (down to 75 %), then cut with "…".
    """

    id: str
    x: float
    y: float
    text: str
    font: str
    size: float
    colour: str = "ink"
    align: Align = "left"
    max_width: float = 0.0
    min_size: float = 0.0
    tracking: float = 0.0
    uppercase: bool = False
    opacity: float = 1.0


@dataclass(frozen=True)
class Field:
    """A bilingual label above its value: the usual data field of an ID card.

    ``y`` is the label's baseline; the value's baseline is ``gap`` millimetres lower.
    The value fits into ``w`` the way a :class:`Text` fits into ``max_width``.
    """

    id: str
    x: float
    y: float
    w: float
    label: str
    value: str
    label_font: str
    label_size: float
    value_font: str
    value_size: float
    label_colour: str = "label"
    value_colour: str = "ink"
    gap: float = 2.6
    min_value_size: float = 0.0
    uppercase: bool = False


@dataclass(frozen=True)
class Photo:
    """The holder's portrait, resampled to ``dpi`` at its printed size."""

    id: str
    x: float
    y: float
    w: float
    h: float
    dpi: int = 300
    greyscale: bool = False
    opacity: float = 1.0
    border: str = ""
    border_width: float = 0.15


@dataclass(frozen=True)
class Qr:
    """The credential QR in a square of ``size`` mm, quiet zone included.

    The module size is ``size / (modules + 2 * quiet_zone)``; rendering refuses a
    symbol whose modules would be smaller than ``min_module`` mm or whose version is
    above ``max_version``.
    """

    id: str
    x: float
    y: float
    size: float
    quiet_zone: int = 4
    min_module: float = 0.33
    max_version: int = 20
    ec_level: Literal["L", "M", "Q", "H"] = "M"
    dark: str = "#000000"
    light: str = "#FFFFFF"


@dataclass(frozen=True)
class Mrz:
    """The three TD1 lines in OCR-B; ``y`` is the first line's baseline.

    ``pitch`` is the character pitch (Doc 9303 Part 3: OCR-B size 1, 10 characters
    per 25.4 mm); the font size follows from it and the font's advance width.
    """

    id: str
    x: float
    y: float
    font: str
    pitch: float = 2.54
    line_pitch: float = 4.23
    colour: str = "ink"


@dataclass(frozen=True)
class Flag:
    """A state flag drawn as vectors in the box (``state`` empty: the template's)."""

    id: str
    x: float
    y: float
    w: float
    h: float
    state: str = ""
    border: str = ""
    border_width: float = 0.1


@dataclass(frozen=True)
class Emblem:
    """The AES emblem (sun, baobab, three stars in a ring), ``size`` mm across.

    ``fade`` (0..1) washes its colours towards ``fade_to``: a watermark that stays
    opaque, unlike ``opacity``, under which overlapping shapes darken each other.
    """

    id: str
    x: float
    y: float
    size: float
    ring_text: str = ""
    ring_font: str = ""
    opacity: float = 1.0
    fade: float = 0.0
    fade_to: str = "#FFFFFF"


@dataclass(frozen=True)
class Guilloche:
    """A security background of fine interlaced curves, clipped to the box."""

    id: str
    x: float
    y: float
    w: float
    h: float
    colour: str
    pattern: Literal["waves", "rosette"] = "waves"
    count: int = 16
    amplitude: float = 1.5
    wavelength: float = 14.0
    line_width: float = 0.08
    opacity: float = 1.0


Element = Rect | Line | Bands | Text | Field | Photo | Qr | Mrz | Flag | Emblem | Guilloche

ELEMENT_TYPES: dict[str, type[Element]] = {
    "rect": Rect,
    "line": Line,
    "bands": Bands,
    "text": Text,
    "field": Field,
    "photo": Photo,
    "qr": Qr,
    "mrz": Mrz,
    "flag": Flag,
    "emblem": Emblem,
    "guilloche": Guilloche,
}
"""Template ``type`` names and the element each one builds."""
