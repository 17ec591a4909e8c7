"""Finding residents by part of a name, whatever the case and the accents: ``keita`` finds Keïta.

The registry keeps names as enrolled, with their diacritics (``Keïta``,
``Ouédraogo``). A search folds each letter of the query to its base letter
(:func:`fold`) and asks the database for any spelling of it. Every letter
becomes the class of the letters a name can hold (those with an ICAO
transliteration) that fold to it, in both cases (``[KkĶķ][EeÈÉÊË…]…``); a space
or a hyphen matches either; every other character stands for itself (``%``,
``_`` and ``*`` are no wildcards). The same
pattern runs as a ``GLOB`` on SQLite and as a regular expression (``~``) on
PostgreSQL, in the database, so ordering and limits stay there.

Ligatures keep their own letters (``æ``, ``œ``, ``ß``, ``ĳ`` fold to themselves);
other letters without a decomposition fold to the base letter they are written
with (``ø`` to ``o``, ``đ`` to ``d``, ``ł`` to ``l``, ``ŋ`` to ``n``).

    >>> fold("Keïta"), fold("OUÉDRAOGO"), fold("Łódź")
    ('keita', 'ouedraogo', 'lodz')
    >>> glob_pattern("k%")
    '*[KkĶķ]%*'
"""

from __future__ import annotations

import functools
import unicodedata
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.expression import or_

from aes_id.errors import InputError
from aes_id.formats.mrz import transliterate

_BASE = {
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ħ": "h",
    "ŧ": "t",
    "ŋ": "n",
    "ı": "i",
    "ŀ": "l",
    "ſ": "s",
}
"""Letters with no Unicode decomposition, and the base letter they are written with."""

_LATIN = (*range(0x0041, 0x0250), *range(0x1E00, 0x1F00))
"""Basic Latin to Latin Extended-B, and Latin Extended Additional."""
_SEPARATORS = frozenset(" -‐‑")
_APOSTROPHES = frozenset("'’‘ʼ`´")


@functools.lru_cache(maxsize=4096)
def fold_letter(char: str) -> str:
    """One character without case or diacritics: ``"Ï"`` gives ``"i"``; not a letter, itself."""
    if not char.isalpha():
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    lower = base.lower() if len(base) == 1 else char.lower()
    if len(lower) != 1:
        lower = char
    return _BASE.get(lower, lower)


def fold(text: str) -> str:
    """``text`` folded letter by letter (:func:`fold_letter`), NFC first."""
    return "".join(fold_letter(char) for char in unicodedata.normalize("NFC", text))


def _in_names(char: str) -> bool:
    """Can an enrolled name hold ``char``? Only letters the MRZ can transliterate."""
    try:
        return char.isalpha() and bool(transliterate(char))
    except InputError:
        return False


@functools.cache
def _classes() -> dict[str, str]:
    """For each folded letter, every letter a name can hold that folds to it, sorted."""
    members: defaultdict[str, set[str]] = defaultdict(set)
    for char in map(chr, _LATIN):
        if _in_names(char):
            members[fold_letter(char)].add(char)
    return {folded: "".join(sorted(chars)) for folded, chars in members.items()}


def _letters(char: str) -> str:
    """The letters a query letter stands for: its class, or the letter in both cases."""
    folded = fold_letter(char)
    return _classes().get(folded) or "".join(sorted({char, folded, folded.upper()}))


def _query(text: str) -> str:
    """The query as names are stored: NFC, one space between words, a straight apostrophe."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return "".join("'" if char in _APOSTROPHES else char for char in text)


def _letter_classes(query: str, other: Callable[[str], str]) -> str:
    """``query`` with each letter as the class of all letters folding to it, a separator as
    either separator, and any other character through ``other`` (each dialect's escape)."""
    out = []
    for char in _query(query):
        if char in _SEPARATORS:
            out.append("[- ]")
        elif char.isalpha():
            out.append(f"[{_letters(char)}]")
        else:
            out.append(other(char))
    return "".join(out)


def glob_pattern(query: str) -> str:
    """An SQLite ``GLOB`` pattern finding ``query`` anywhere, without case or accents."""
    return "*" + _letter_classes(query, lambda c: f"[{c}]" if c in "*?[" else c) + "*"


def regex_pattern(query: str) -> str:
    """A PostgreSQL regular expression (ARE) finding ``query``, without case or accents."""
    # an escaped non-alphanumeric character is that character
    return _letter_classes(query, lambda c: c if c.isalnum() else "\\" + c)


def name_matches(
    family: Mapped[str], given: Mapped[str], query: str, *, sqlite: bool
) -> ColumnElement[bool]:
    """SQL: the family or given names contain ``query`` (or "given family", "family given").

    One pattern over ``family || ' ' || given`` finds a part of either name, or
    both in that order; only a query with a space or a hyphen also needs the
    other order, a second pattern.
    """
    spellings = [family + " " + given]
    if any(char in _SEPARATORS for char in _query(query)):
        spellings.append(given + " " + family)
    if sqlite:
        pattern = glob_pattern(query)
        return or_(*(text.op("GLOB")(pattern) for text in spellings))
    regex = regex_pattern(query)
    return or_(*(text.regexp_match(regex) for text in spellings))
