"""The template schema: what a card template is, and the checks every template passes.

:func:`check` turns a merged template (the TOML tables, ``extends`` already applied by
:mod:`aes_id.render.templates`) into a :class:`CardTemplate`, or raises
:class:`TemplateError` naming the file, the element and the problem. The element
fields and their types come from the dataclasses of :mod:`aes_id.render.elements`;
the checks by field name are below: colours and fonts must be defined, placeholders
known, sizes positive, opacities within 0..1, and every box on the page.
"""

from __future__ import annotations

import dataclasses
import re
import string
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aes_id.domain import Country
from aes_id.errors import InputError
from aes_id.render import elements as el
from aes_id.render import fonts
from aes_id.render.elements import ELEMENT_TYPES, Element

CARD_PLACEHOLDERS = frozenset(
    {
        "family_name",
        "given_names",
        "full_name",
        "date_of_birth",
        "sex",
        "nationality",
        "place_of_birth",
        "nin",
        "nin_grouped",
        "card_number",
        "issued_on",
        "expires_on",
        "issuing_state",
    }
)
"""Placeholders filled from the card being printed (see :func:`aes_id.render.card.card_values`)."""

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_COLOUR_FIELDS = frozenset({"fill", "stroke", "colour", "label_colour", "value_colour", "border"})
_COLOUR_FIELDS |= {"dark", "light", "colours", "outline", "fade_to"}
_FONT_FIELDS = frozenset({"font", "label_font", "value_font", "ring_font"})
_TEXT_FIELDS = frozenset({"text", "label", "value", "ring_text"})
_POSITIVE = frozenset({"w", "h", "size", "label_size", "value_size", "pitch", "line_pitch"})
_POSITIVE |= {"dpi", "count", "wavelength", "line_width", "max_version", "min_module"}
_EPS = 1e-6


class TemplateError(InputError):
    """A card template that cannot be used as it is."""


@dataclass(frozen=True)
class Page:
    """The card's page: ISO/IEC 7810 ID-1 unless a template says otherwise."""

    width: float = 85.60
    height: float = 53.98
    corner_radius: float = 3.18
    outline: str = ""
    outline_width: float = 0.1


@dataclass(frozen=True)
class CardTemplate:
    """A checked template: page, palette, fonts (reportlab names) and both faces."""

    state: Country
    source: Path
    page: Page
    colours: Mapping[str, str]
    fonts: Mapping[str, str]
    values: Mapping[str, str]
    date_format: str
    front: tuple[Element, ...]
    back: tuple[Element, ...]


def check(path: Path, raw: dict[str, Any]) -> CardTemplate:
    """Check a merged template read from ``path`` (named in every error message)."""
    return _Checker(path, raw).template()


class _Checker:
    """Step 3 and the schema checks, over one merged template."""

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        self.path = path
        self.raw = raw
        known = {"state", "page", "colours", "fonts", "values", "format", "defaults"}
        unknown = set(raw) - known - {"front", "back"}
        if unknown:
            self.fail("template", f"unknown top-level key {sorted(unknown)[0]!r}")
        self.state = self._state()
        self.colours = self._colours()
        self.page = self._page()
        self.fonts = self._fonts()
        self.values = self._values()

    def fail(self, where: str, problem: str) -> typing.NoReturn:
        raise TemplateError(f"{self.path.name}: {where}: {problem}")

    def template(self) -> CardTemplate:
        return CardTemplate(
            state=self.state,
            source=self.path,
            page=self.page,
            colours=self.colours,
            fonts=self.fonts,
            values=self.values,
            date_format=self._date_format(),
            front=self._face("front"),
            back=self._face("back"),
        )

    def _table(self, key: str) -> dict[str, Any]:
        table = self.raw.get(key, {})
        if not isinstance(table, dict):
            self.fail(key, f"expected a table, found {type(table).__name__}")
        return table

    def _state(self) -> Country:
        try:
            return Country.parse(str(self.raw["state"]))
        except KeyError:
            self.fail("template", "missing 'state' (MLI, BFA or NER)")
        except InputError as exc:
            self.fail("state", exc.message)

    def _page(self) -> Page:
        table = self._table("page")
        page: Page = self._build(Page, table, "page", {})
        if page.width <= 0 or page.height <= 0 or page.corner_radius < 0:
            self.fail("page", "width and height must be positive, corner_radius not negative")
        return page

    def _colours(self) -> dict[str, str]:
        palette: dict[str, str] = {}
        for name, value in self._table("colours").items():
            if not isinstance(value, str) or not _HEX.match(value):
                self.fail(f"colour {name!r}", f"expected #RRGGBB, found {value!r}")
            palette[name] = value.upper()
        return palette

    def _fonts(self) -> dict[str, str]:
        registered: dict[str, str] = {}
        for name, file in self._table("fonts").items():
            path = (self.path.parent / str(file)).resolve()
            if not path.is_file():
                self.fail(f"font {name!r}", f"file not found: {path}")
            try:
                registered[name] = fonts.register(path)
            except fonts.FontError as exc:
                self.fail(f"font {name!r}", exc.message)
        return registered

    def _values(self) -> dict[str, str]:
        values = {str(k): str(v) for k, v in self._table("values").items()}
        clash = CARD_PLACEHOLDERS & values.keys()
        if clash:
            self.fail("values", f"{sorted(clash)[0]!r} is filled from the card, not a value")
        return values

    def _date_format(self) -> str:
        fmt = str(self._table("format").get("date", "DD.MM.YYYY"))
        if sorted(re.findall(r"YYYY|MM|DD", fmt)) != ["DD", "MM", "YYYY"]:
            self.fail("format", f"date must hold DD, MM and YYYY once each, found {fmt!r}")
        return fmt

    def _face(self, face: str) -> tuple[Element, ...]:
        raw_elements = self.raw.get(face, [])
        if not isinstance(raw_elements, list) or not raw_elements:
            self.fail(face, "expected a non-empty list of elements ([[front]] / [[back]])")
        defaults = self._table("defaults")
        seen: set[str] = set()
        built: list[Element] = []
        for index, raw in enumerate(raw_elements, start=1):
            ident = raw.get("id", "")
            where = f"{face} element {index} (id {ident!r})"
            if not ident or not isinstance(ident, str) or ident in seen:
                self.fail(where, "every element needs a unique string 'id'")
            seen.add(ident)
            kind = raw.get("type")
            cls = ELEMENT_TYPES.get(str(kind))
            if cls is None:
                self.fail(
                    where, f"unknown element type {kind!r}: expected one of {sorted(ELEMENT_TYPES)}"
                )
            fields = {
                **defaults.get(str(kind), {}),
                **{k: v for k, v in raw.items() if k != "type"},
            }
            element = self._build(cls, fields, where, {"type": kind})
            self._check_geometry(element, where)
            self._check_glyphs(element, where)
            built.append(element)
        return tuple(built)

    def _build(
        self, cls: type[Any], raw: Mapping[str, Any], where: str, extra: Mapping[str, Any]
    ) -> Any:
        """Coerce ``raw`` to ``cls``: known fields, right types, colours and fonts resolved."""
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(raw) - names
        if unknown:
            self.fail(
                where,
                f"unknown field {sorted(unknown)[0]!r} for {extra.get('type', cls.__name__)!r}",
            )
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name not in raw:
                if field.default is dataclasses.MISSING:
                    self.fail(where, f"missing field {field.name!r}")
                if field.name in _COLOUR_FIELDS and field.default:
                    values[field.name] = self._colour(str(field.default), where)
                continue
            value = _coerce(raw[field.name], hints[field.name])
            if value is _INVALID:
                self.fail(
                    where,
                    f"field {field.name!r}: expected {_describe(hints[field.name])}, "
                    f"found {raw[field.name]!r}",
                )
            values[field.name] = self._resolve(field.name, value, where)
        return cls(**values)

    def _resolve(self, name: str, value: Any, where: str) -> Any:
        if name in _COLOUR_FIELDS:
            if isinstance(value, tuple):
                return tuple(self._colour(v, where) for v in value)
            return self._colour(value, where) if value else value
        if name in _FONT_FIELDS and value:
            if value not in self.fonts:
                self.fail(
                    where, f"unknown font {value!r}: the template defines {sorted(self.fonts)}"
                )
            return self.fonts[value]
        if name in _TEXT_FIELDS:
            self._check_placeholders(value, where)
        if name in _POSITIVE and value <= 0:
            self.fail(where, f"field {name!r} must be positive, found {value!r}")
        if name in ("opacity", "fade") and not 0 <= value <= 1:
            self.fail(where, f"{name} must be between 0 and 1, found {value!r}")
        if name == "state" and value:
            try:
                return Country.parse(value).value
            except InputError as exc:
                self.fail(where, exc.message)
        return value

    def _colour(self, value: str, where: str) -> str:
        if _HEX.match(value):
            return value.upper()
        if value not in self.colours:
            self.fail(
                where, f"unknown colour {value!r}: use #RRGGBB or one of {sorted(self.colours)}"
            )
        return self.colours[value]

    def _check_placeholders(self, text: str, where: str) -> None:
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        except ValueError as exc:
            self.fail(where, f"bad placeholder in {text!r} ({exc})")
        for name in names:
            if name not in CARD_PLACEHOLDERS and name not in self.values:
                self.fail(where, f"unknown placeholder {{{name}}} in {text!r}")

    def _check_glyphs(self, element: Element, where: str) -> None:
        """The fixed text of an element (labels, titles) must exist in its font."""
        pairs: list[tuple[str, str]] = []
        if isinstance(element, el.Text):
            pairs.append((element.text, element.font))
        elif isinstance(element, el.Field):
            pairs += [(element.label, element.label_font), (element.value, element.value_font)]
        elif isinstance(element, el.Emblem) and element.ring_text:
            pairs.append((element.ring_text, element.ring_font))
        for text, font in pairs:
            if not font:
                self.fail(where, "text needs a font")
            literal = _fill_values(text, self.values)
            missing = fonts.missing_glyphs(font, literal.upper() + literal)
            if missing:
                self.fail(where, f"font has no glyph for {missing!r} in {text!r}")

    def _check_geometry(self, element: Element, where: str) -> None:
        """Every box, line end and text anchor must lie on the page."""
        width, height = self.page.width, self.page.height
        for x, y in _corners(element):
            if not (-_EPS <= x <= width + _EPS and -_EPS <= y <= height + _EPS):
                self.fail(
                    where,
                    f"({x:.2f}, {y:.2f}) mm is outside the {width} x {height} mm page",
                )


def _fill_values(text: str, values: Mapping[str, str]) -> str:
    """``text`` with template values filled in and card placeholders left out."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None and name in values:
            parts.append(values[name])
    return "".join(parts)


def _corners(element: Element) -> list[tuple[float, float]]:
    """The points of an element that must lie on the page."""
    match element:
        case el.Line():
            return [(element.x1, element.y1), (element.x2, element.y2)]
        case el.Qr() | el.Emblem():
            return [(element.x, element.y), (element.x + element.size, element.y + element.size)]
        case el.Mrz():
            right = element.x + 30 * element.pitch
            return [(element.x, element.y), (right, element.y + 2 * element.line_pitch)]
        case el.Field():
            return [(element.x, element.y), (element.x + element.w, element.y + element.gap)]
        case el.Text():
            return [(element.x, element.y), *_text_span(element)]
        case _:
            return [(element.x, element.y), (element.x + element.w, element.y + element.h)]


def _text_span(text: Any) -> list[tuple[float, float]]:
    if not text.max_width:
        return []
    start = {"left": 0.0, "centre": -text.max_width / 2, "right": -text.max_width}[text.align]
    return [(text.x + start, text.y), (text.x + start + text.max_width, text.y)]


class _Invalid:
    pass


_INVALID = _Invalid()


def _coerce(value: Any, hint: Any) -> Any:
    """``value`` as the dataclass field type ``hint`` wants, or ``_INVALID``."""
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return value if value in typing.get_args(hint) else _INVALID
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list):
            return _INVALID
        items = tuple(_coerce(v, item) for v in value)
        return _INVALID if any(i is _INVALID for i in items) else items
    if hint is bool:
        return value if isinstance(value, bool) else _INVALID
    if hint is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else _INVALID
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if ok else _INVALID
    if hint is str:
        return value if isinstance(value, str) else _INVALID
    return _INVALID


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin is tuple:
        return f"a list of {_describe(typing.get_args(hint)[0])}"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(
        hint, str(hint)
    )
