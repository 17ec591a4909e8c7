"""Will a name or a place print whole on the card? Checked at enrolment, on every state's card.

The card prints each value in a field of fixed width (``card_templates/*.toml``).
A long value is set smaller, down to the field's smallest size, then condensed,
down to 75 %, and only then cut with "…" (:func:`aes_id.render.draw.fit_text`).
A cut on the printed card would go unnoticed until the card is in the
resident's hands, so enrolment refuses a value that any AES state's card would
cut, or that the card's font has no glyph for: a resident who moves is issued
the next card by another state, on that state's template.

The MRZ is another matter: it holds 30 characters of name, and ICAO Doc 9303
says how to shorten a longer one (docs/mrz.md). :func:`mrz_name_warning` tells
the officer when that will happen.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import string
import unicodedata

from aes_id.domain import Country
from aes_id.errors import InputError
from aes_id.formats.mrz import FILLER, LINE_LENGTH, name_field, transliterate
from aes_id.render import elements as el
from aes_id.render import fonts
from aes_id.render.draw import MM, fit_text
from aes_id.render.templates import (
    ENV_DIRECTORY,
    CardTemplate,
    load_template,
    template_directory,
)

_SAMPLES = {
    "date_of_birth": "00.00.0000",
    "sex": "M",
    "nationality": "MLI",
    "nin": "000000000000",
    "nin_grouped": "0000 0000 0000",
    "card_number": "ML0000000",
    "issued_on": "00.00.0000",
    "expires_on": "00.00.0000",
    "issuing_state": "MLI",
    "family_name": "",
    "given_names": "",
    "full_name": "",
    "place_of_birth": "",
}
"""Stand-ins for the other card data in a text that holds more than the checked value."""

_HINT = "enter it as the civil-status record abbreviates it: the card cannot print it whole"


@dataclasses.dataclass(frozen=True)
class _Slot:
    """Where a template prints a placeholder: the text around it, its type and its width."""

    state: Country
    text: str
    font: str
    size: float
    min_size: float
    width: float  # points; 0 for no limit
    tracking: float
    uppercase: bool
    values: tuple[tuple[str, str], ...]

    def printed(self, placeholder: str, value: str) -> str:
        """The text as the card would print it, before any fitting."""
        text = self.text.format_map({**dict(self.values), **_SAMPLES, placeholder: value})
        return text.upper() if self.uppercase else text


def _slot(template: CardTemplate, element: el.Element) -> _Slot | None:
    text = element.value if isinstance(element, el.Field) else getattr(element, "text", "")
    used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    values = tuple((k, v) for k, v in template.values.items() if k in used)
    if isinstance(element, el.Field):
        return _Slot(
            template.state,
            element.value,
            element.value_font,
            element.value_size,
            element.min_value_size,
            element.w * MM,
            0.0,
            element.uppercase,
            values,
        )
    if isinstance(element, el.Text):
        return _Slot(
            template.state,
            element.text,
            element.font,
            element.size,
            element.min_size,
            element.max_width * MM,
            element.tracking,
            element.uppercase,
            values,
        )
    return None


@functools.lru_cache(maxsize=16)
def _slots(setting: str, placeholder: str) -> tuple[_Slot, ...]:
    """Every distinct text of the states' cards that prints ``placeholder``.

    ``setting`` is ``$AES_ID_TEMPLATES`` as it is now (the cache key of the folder).
    """
    found: dict[tuple[object, ...], _Slot] = {}
    directory = template_directory()
    for state in Country:
        template = load_template(state, directory)
        for element in (*template.front, *template.back):
            slot = _slot(template, element)
            names = {name for _, name, _, _ in string.Formatter().parse(slot.text if slot else "")}
            if slot is not None and placeholder in names:
                # the states' cards mostly share a layout: one check per distinct slot
                found.setdefault(
                    dataclasses.astuple(dataclasses.replace(slot, state=Country.MLI)), slot
                )
    return tuple(found.values())


def check_printable(value: str, placeholder: str, label: str) -> None:
    """Refuse ``value`` if a card would print its ``{placeholder}`` cut, or cannot print it.

    ``label`` names the field in the message (``"family name"``).
    """
    for slot in _slots(os.environ.get(ENV_DIRECTORY, ""), placeholder):
        text = slot.printed(placeholder, value)
        missing = fonts.missing_glyphs(slot.font, text)
        if missing:
            raise InputError(
                f"{label} {value!r}: the card's font has no {missing!r}",
                hint="type the letter as the civil-status record writes it in Latin script",
            )
        if slot.width:
            fitted = fit_text(text, slot.font, slot.size, slot.width, slot.min_size, slot.tracking)
            if fitted[2] != text:
                raise InputError(
                    f"{label} {value!r} is too long for the {slot.state.value} card, "
                    f"which would print it cut: {fitted[2]!r}",
                    hint=_HINT,
                )


def mrz_name_warning(family_name: str, given_names: str) -> str | None:
    """A one-line warning when the MRZ must shorten the name; None when it holds it whole."""
    family, given = (
        unicodedata.normalize("NFC", part).strip() for part in (family_name, given_names)
    )
    whole = transliterate(family) + (FILLER * 2 + transliterate(given) if given.strip() else "")
    if len(whole) <= LINE_LENGTH:
        return None
    field = name_field(family, given)
    return (
        f"the MRZ holds {LINE_LENGTH} characters of name, this one has {len(whole)}: "
        f"it is written {field} (shortened as ICAO 9303 says; the printed card and the "
        "QR keep the whole name)"
    )
