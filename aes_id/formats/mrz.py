"""The machine-readable zone on the back of the card: ICAO Doc 9303 TD1 (docs/mrz.md).

Three lines of 30 characters over the alphabet ``A-Z 0-9 <``::

    IDMLIML00042175634612889858<<<     code, state, card number + check, NIN
    8805212F3603136MLI<<<<<<<<<<<4     birth + check, sex, expiry + check, nationality, composite
    KEITA<<AMINATA<MARIAM<<<<<<<<<     FAMILY<<GIVEN<NAMES

:func:`compose_td1` writes the lines, :func:`parse_td1` reads them back and
checks every check digit, and :func:`mrz_matches` lists where an MRZ and the
signed credential disagree (the verifier's ``MRZ_MISMATCH``).

    >>> transliterate("Ouédraogo"), transliterate("N'Diaye"), transliterate("Ag Ghaly")
    ('OUEDRAOGO', 'NDIAYE', 'AG<GHALY')
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from aes_id.domain import Card, CardNumber, Country, Identity, PartialDate, Sex
from aes_id.errors import InputError
from aes_id.formats.numbers import icao_check_digit

LINE_LENGTH = 30
FILLER = "<"
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


class MrzError(InputError):
    """An MRZ, or data for one, that breaks ICAO Doc 9303; :attr:`field` names the culprit."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


# -- Names (Doc 9303 Part 3 §6; docs/mrz.md "Names") ----------------------------------------------

# Doc 9303 Part 3 §6, transliteration of multinational Latin-based characters. Letters whose
# national convention is a digraph (Ä Ö Ü Å Æ Ø Œ Þ ß) must not just lose the diacritic.
_TRANSLITERATION: dict[str, str] = {
    **dict.fromkeys("ÀÁÂÃĀĂĄ", "A"),
    **{"Ä": "AE", "Å": "AA", "Æ": "AE"},
    **dict.fromkeys("ÇĆĈĊČ", "C"),
    **dict.fromkeys("ĎĐÐ", "D"),
    **dict.fromkeys("ÈÉÊËĒĔĖĘĚ", "E"),
    **dict.fromkeys("ĜĞĠĢ", "G"),
    **dict.fromkeys("ĤĦ", "H"),
    **dict.fromkeys("ÌÍÎÏĨĪĬĮİ", "I"),
    **{"Ĳ": "IJ", "Ĵ": "J", "Ķ": "K"},
    **dict.fromkeys("ĹĻĽĿŁ", "L"),
    **dict.fromkeys("ÑŃŅŇŊ", "N"),
    **dict.fromkeys("ÒÓÔÕŌŎŐ", "O"),
    **{"Ö": "OE", "Ø": "OE", "Œ": "OE"},
    **dict.fromkeys("ŔŖŘ", "R"),
    **dict.fromkeys("ŚŜŞŠ", "S"),
    **{"ẞ": "SS", "Þ": "TH"},
    **dict.fromkeys("ŢŤŦ", "T"),
    **dict.fromkeys("ÙÚÛŨŪŬŮŰŲ", "U"),
    **{"Ü": "UE", "Ŵ": "W"},
    **dict.fromkeys("ÝŶŸ", "Y"),
    **dict.fromkeys("ŹŻŽ", "Z"),
}
_APOSTROPHES = frozenset("'’‘ʼʻ`´")
_SEPARATORS = frozenset("-‐‑")


def transliterate(name: str) -> str:
    """A name in MRZ characters: upper case, diacritics per Doc 9303 Part 3 §6.

    Apostrophes are dropped; spaces and hyphens become one ``<`` each run;
    any other character raises :class:`MrzError` naming it.

    >>> transliterate("Keïta"), transliterate("Jean-Baptiste"), transliterate("Müller")
    ('KEITA', 'JEAN<BAPTISTE', 'MUELLER')
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFC", name):
        for upper in char.upper():  # "ß".upper() is "SS"; most letters give one character
            if "A" <= upper <= "Z":
                out.append(upper)
            elif upper in _TRANSLITERATION:
                out.append(_TRANSLITERATION[upper])
            elif upper in _SEPARATORS or upper.isspace():
                out.append(FILLER)
            elif upper not in _APOSTROPHES:
                label = unicodedata.name(char, f"U+{ord(char):04X}")
                raise MrzError(
                    f"name {name!r}: {char!r} ({label}) has no ICAO 9303 transliteration; "
                    "expected Latin letters, spaces, hyphens or apostrophes",
                    field="name",
                )
    return FILLER.join(part for part in "".join(out).split(FILLER) if part)


def _join_name(family: str, given: Sequence[str]) -> str:
    return family + FILLER * 2 + FILLER.join(given) if given else family


def _fill(parts: list[str], room: int) -> str | None:
    """``parts`` joined by ``<`` and shortened to exactly ``room`` characters ending in a letter.

    The last parts become initials first; the part whose turn makes them fit is cut
    instead, just enough to fill ``room``. When even the initials are too many, the
    first ones are kept, and a spare place goes to the second letter of the first
    part that has one. None when no such string exists (``parts`` already shorter
    than ``room``, or nothing but one-letter parts for a spare place).
    """
    lengths = [len(part) for part in parts]
    if sum(lengths) + len(parts) - 1 <= room:
        return FILLER.join(parts) if sum(lengths) + len(parts) - 1 == room else None
    for at in reversed(range(len(parts))):
        lengths[at] = 1
        spare = room - (sum(lengths) + len(parts) - 1)
        if spare >= 0:
            lengths[at] += spare
            return FILLER.join(part[:size] for part, size in zip(parts, lengths, strict=True))
    kept = (room + 1) // 2  # k initials take 2k - 1 places
    lengths = [1] * kept
    if room % 2 == 0:
        longer = next((at for at in range(kept) if len(parts[at]) > 1), None)
        if longer is None:
            return None
        lengths[longer] = 2
    return FILLER.join(part[:size] for part, size in zip(parts, lengths, strict=False))


def _fit_name(family: str, given: list[str], width: int) -> str:
    """Shorten ``FAMILY<<GIVEN<NAMES`` to ``width`` as docs/mrz.md says, unpadded.

    A shortened name fills ``width`` exactly and ends in a letter (Doc 9303: a letter
    in the last position tells a reader the name may have been truncated).
    """
    # 1. The whole name, when it fits.
    name = _join_name(family, given)
    if len(name) <= width:
        return name
    if not given:
        return _cut_family(family, width)
    # 2. The given names shortened to fill what the family name leaves.
    room = width - len(family) - 2
    if room >= 1 and (shortened := _fill(given, room)) is not None:
        return _join_name(family, [shortened])
    # 3. The family name cut on a letter, then "<<" and the given names filling the rest.
    for size in range(1, width - 2):
        head = family[: width - 2 - size]
        tail = _fill(given, size)
        if tail is not None and len(head) == width - 2 - size and head[-1] != FILLER:
            return _join_name(head, [tail])
    # Nothing but one-letter parts to work with: no letter can end the field.
    return _join_name(family[: width - 3].rstrip(FILLER), [given[0][0]])


def _cut_family(family: str, width: int) -> str:
    """A family name alone, cut at ``width``; filled like given names if the cut is a filler."""
    cut = family[:width]
    if cut[-1] != FILLER:
        return cut
    shortened = _fill(family.split(FILLER), width)
    return cut.rstrip(FILLER) if shortened is None else shortened


def name_field(family: str, given: str, width: int = LINE_LENGTH) -> str:
    """The MRZ name field ``FAMILY<<GIVEN<NAMES``, padded with ``<`` to ``width``.

    Too long, it is shortened (docs/mrz.md "Truncation"): given names to initials,
    the last first, the one whose turn makes the name fit cut instead to fill the
    field; then initials dropped; then the family name cut. A shortened name fills
    the field and ends in a letter, which tells a reader it may be truncated.

    >>> name_field("Ag Ghaly", "Iyad")
    'AG<GHALY<<IYAD<<<<<<<<<<<<<<<<'
    """
    if width < 4:
        raise ValueError(f"a name field of width {width} cannot hold FAMILY<<G; expected 4 or more")
    family_part = transliterate(family)
    if not family_part:
        raise MrzError(f"family name {family!r} has no letter to write in the MRZ", field="name")
    given_part = transliterate(given)
    given_parts = given_part.split(FILLER) if given_part else []
    return _fit_name(family_part, given_parts, width).ljust(width, FILLER)


# -- The data on the MRZ ---------------------------------------------------------------------------


def _require_field(value: str, shortest: int, longest: int, label: str) -> None:
    if not shortest <= len(value) <= longest or not set(value) <= _ALPHABET:
        size = f"{longest}" if shortest == longest else f"{shortest} to {longest}"
        raise MrzError(
            f"{label} {value!r}: expected {size} characters of A-Z, 0-9 and <", field=label
        )


@dataclass(frozen=True)
class MrzData:
    """What a TD1 MRZ says, before it is written (see :func:`compose_td1`).

    ``optional_data1`` holds the NIN on an AES card; ``optional_data2`` is
    empty there. ``issuing_state`` and ``nationality`` are ICAO alpha-3 codes.
    """

    issuing_state: str
    document_number: CardNumber
    optional_data1: str
    date_of_birth: PartialDate
    sex: Sex
    expiry: dt.date
    nationality: str
    family_name: str
    given_names: str
    document_code: str = "ID"
    optional_data2: str = ""

    def __post_init__(self) -> None:
        _require_field(self.document_code, 2, 2, "document code")
        if self.document_code[0] not in "ACI":
            raise MrzError(
                f"document code {self.document_code!r}: a TD1 code starts with A, C or I",
                field="document code",
            )
        _require_field(self.issuing_state, 3, 3, "issuing state")
        _require_field(self.document_number, 1, 9, "document number")
        _require_field(self.optional_data1, 0, 15, "optional data")
        _require_field(self.nationality, 3, 3, "nationality")
        _require_field(self.optional_data2, 0, 11, "optional data (line 2)")
        if not 2000 <= self.expiry.year <= 2099:
            raise MrzError(
                f"date of expiry {self.expiry}: the MRZ writes 20YY, so 2000-2099",
                field="date of expiry",
            )

    @classmethod
    def for_identity(
        cls,
        identity: Identity,
        *,
        issuing_state: Country,
        card_number: CardNumber,
        expiry: dt.date,
    ) -> MrzData:
        """The MRZ data of an AES card: NIN as optional data, document code ``ID``."""
        return cls(
            issuing_state=issuing_state.value,
            document_number=card_number,
            optional_data1=identity.nin,
            date_of_birth=identity.date_of_birth,
            sex=identity.sex,
            expiry=expiry,
            nationality=identity.nationality,
            family_name=identity.family_name,
            given_names=identity.given_names,
        )

    @classmethod
    def for_card(cls, card: Card) -> MrzData:
        """The MRZ data of an issued card."""
        return cls.for_identity(
            card.identity,
            issuing_state=card.issuing_state,
            card_number=card.card_number,
            expiry=card.expires_on,
        )


@dataclass(frozen=True)
class ParsedMrz:
    """What :func:`parse_td1` read. Names are as the MRZ has them (``<`` read as a space)."""

    document_code: str
    issuing_state: str
    document_number: str
    optional_data1: str
    date_of_birth: PartialDate
    sex: Sex
    expiry: dt.date
    nationality: str
    optional_data2: str
    family_name: str
    given_names: str
    lines: tuple[str, str, str]

    @property
    def possibly_truncated(self) -> bool:
        """A letter in the last position of the name field: the name may have been cut."""
        return self.lines[2][-1] != FILLER

    def as_data(self) -> MrzData:
        """The same fields as :class:`MrzData` (composing it gives back :attr:`lines`)."""
        return MrzData(
            issuing_state=self.issuing_state,
            document_number=CardNumber(self.document_number),
            optional_data1=self.optional_data1,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            expiry=self.expiry,
            nationality=self.nationality,
            family_name=self.family_name,
            given_names=self.given_names,
            document_code=self.document_code,
            optional_data2=self.optional_data2,
        )


# -- Writing ---------------------------------------------------------------------------------------


def _birth_field(dob: PartialDate) -> str:
    month = f"{dob.month:02d}" if dob.month else FILLER * 2
    day = f"{dob.day:02d}" if dob.day else FILLER * 2
    return f"{dob.year % 100:02d}{month}{day}"


def _composite_input(line1: str, line2: str) -> str:
    """Line 1 positions 6-30, line 2 positions 1-7, 9-15 and 19-29 (Doc 9303 Part 5, TD1)."""
    return line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]


def compose_td1(data: MrzData) -> tuple[str, str, str]:
    """The three lines of the TD1 MRZ of ``data``, check digits per Doc 9303 Part 3 §4.9.

    An unknown month or day of birth is written ``<<`` and counts as 0 in its check digit.
    """
    number = data.document_number.ljust(9, FILLER)
    line1 = (
        data.document_code
        + data.issuing_state
        + number
        + icao_check_digit(number)
        + data.optional_data1.ljust(15, FILLER)
    )
    birth = _birth_field(data.date_of_birth)
    expiry = data.expiry.strftime("%y%m%d")
    line2 = (
        birth
        + icao_check_digit(birth)
        + data.sex.mrz
        + expiry
        + icao_check_digit(expiry)
        + data.nationality
        + data.optional_data2.ljust(11, FILLER)
    )
    line2 += icao_check_digit(_composite_input(line1, line2))
    return line1, line2, name_field(data.family_name, data.given_names)


# -- Reading ---------------------------------------------------------------------------------------


def _split_lines(lines: Sequence[str] | str) -> tuple[str, str, str]:
    if isinstance(lines, str):
        rows = lines.split()
        if len(rows) == 1 and len(rows[0]) == 3 * LINE_LENGTH:
            rows = [rows[0][at : at + LINE_LENGTH] for at in range(0, 3 * LINE_LENGTH, LINE_LENGTH)]
    else:
        rows = [row.strip() for row in lines if row.strip()]
    if len(rows) != 3:
        count = "1 line" if len(rows) == 1 else f"{len(rows)} lines"
        raise MrzError(f"MRZ has {count}: expected 3 lines of 30 characters", field="shape")
    for number, row in enumerate(rows, start=1):
        if len(row) != LINE_LENGTH:
            raise MrzError(
                f"MRZ line {number} has {len(row)} characters: expected {LINE_LENGTH}",
                field="shape",
            )
        bad = next((at for at, char in enumerate(row) if char not in _ALPHABET), None)
        if bad is not None:
            raise MrzError(
                f"MRZ line {number}, position {bad + 1}: {row[bad]!r} is not in the MRZ alphabet "
                "(A-Z, 0-9, <)",
                field="alphabet",
            )
    return rows[0], rows[1], rows[2]


def _check(label: str, field: str, found: str) -> None:
    expected = icao_check_digit(field)
    if found != expected:
        raise MrzError(
            f"{label} check digit: expected {expected}, found {found}", field=f"{label} check digit"
        )


def _two_digits(text: str, label: str) -> int:
    if not text.isdigit():
        raise MrzError(f"{label} {text!r} is not two digits", field=label)
    return int(text)


def _read_birth(text: str, today: dt.date) -> PartialDate:
    """``YYMMDD`` with ``<<`` for an unknown month or day; the century that is not in the future."""
    year = _two_digits(text[0:2], "year of birth")
    month = 0 if text[2:4] == FILLER * 2 else _two_digits(text[2:4], "month of birth")
    day = 0 if text[4:6] == FILLER * 2 else _two_digits(text[4:6], "day of birth")
    if (text[2:4] != FILLER * 2 and month == 0) or (text[4:6] != FILLER * 2 and day == 0):
        raise MrzError(
            f"date of birth {text}: an unknown part is <<, not 00", field="date of birth"
        )
    year += (
        2000
        if (2000 + year, month or 1, day or 1) <= (today.year, today.month, today.day)
        else 1900
    )
    try:
        return PartialDate(year, month, day)
    except InputError as exc:
        raise MrzError(f"date of birth {text}: {exc.message}", field="date of birth") from None


def _read_expiry(text: str) -> dt.date:
    try:
        return dt.date(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise MrzError(
            f"date of expiry {text!r} is not a real date YYMMDD", field="date of expiry"
        ) from None


def _read_sex(char: str) -> Sex:
    if char not in "MF<":
        raise MrzError(f"sex {char!r}: expected M, F or <", field="sex")
    return Sex.parse(char)


def _read_name(field: str) -> tuple[str, str]:
    """Family and given names, ``<`` read as a space, split at the first ``<<``."""
    body = field.rstrip(FILLER)
    digit = next((at for at, char in enumerate(body) if char.isdigit()), None)
    if digit is not None:
        raise MrzError(
            f"name field, position {digit + 1}: digit {body[digit]} in a name", field="name"
        )
    family, _, given = body.partition(FILLER * 2)
    parts = family.split(FILLER) + (given.split(FILLER) if given else [])
    if "" in parts:
        raise MrzError(
            f"name field {body!r}: an empty name part (a leading < or three < in a row)",
            field="name",
        )
    return family.replace(FILLER, " "), given.replace(FILLER, " ")


def parse_td1(lines: Sequence[str] | str, *, today: dt.date) -> ParsedMrz:
    """Read a TD1 MRZ, checking shape, alphabet and every check digit (Doc 9303 Part 5).

    ``lines`` is the three lines, or one text holding them (split by newlines,
    or 90 characters in a row). Two-digit birth years take the century that
    puts the date of birth on or before ``today``; expiry years are 20YY.
    Raises :class:`MrzError` naming the first failing field.
    """
    line1, line2, line3 = _split_lines(lines)
    # 1. The four check digits, in the order Doc 9303 lays them out.
    _check("document number", line1[5:14], line1[14])
    _check("date of birth", line2[0:6], line2[6])
    _check("date of expiry", line2[8:14], line2[14])
    _check("composite", _composite_input(line1, line2), line2[29])
    # 2. The fields.
    if line1[0] not in "ACI":
        raise MrzError(
            f"document code {line1[0:2]!r}: a TD1 code starts with A, C or I", field="document code"
        )
    family, given = _read_name(line3)
    return ParsedMrz(
        document_code=line1[0:2],
        issuing_state=line1[2:5],
        document_number=line1[5:14].rstrip(FILLER),
        optional_data1=line1[15:30].rstrip(FILLER),
        date_of_birth=_read_birth(line2[0:6], today),
        sex=_read_sex(line2[7]),
        expiry=_read_expiry(line2[8:14]),
        nationality=line2[15:18],
        optional_data2=line2[18:29].rstrip(FILLER),
        family_name=family,
        given_names=given,
        lines=(line1, line2, line3),
    )


# -- Cross-checking -------------------------------------------------------------------------------

_FIELDS = (
    ("document code", 0, slice(0, 2)),
    ("issuing state", 0, slice(2, 5)),
    ("document number", 0, slice(5, 14)),
    ("NIN (optional data)", 0, slice(15, 30)),
    ("date of birth", 1, slice(0, 6)),
    ("sex", 1, slice(7, 8)),
    ("date of expiry", 1, slice(8, 14)),
    ("nationality", 1, slice(15, 18)),
    ("optional data (line 2)", 1, slice(18, 29)),
    ("name", 2, slice(0, 30)),
)


def _show(field: str) -> str:
    return field.rstrip(FILLER) or "blank"


def mrz_matches(parsed: ParsedMrz, expected: MrzData) -> list[str]:
    """Where a read MRZ and the data it should hold differ; an empty list when they agree.

    Each field is compared in its MRZ form, so the expected names go through the
    same transliteration and shortening as on the card, and a date of birth is
    compared as ``YYMMDD`` whatever century the reader chose.

        >>> from dataclasses import replace
        >>> data = MrzData("UTO", CardNumber("D23145890"), "", PartialDate(1974, 8, 12), Sex.F,
        ...                dt.date(2012, 4, 15), "UTO", "Eriksson", "Anna Maria", "I<")
        >>> read = parse_td1(compose_td1(data), today=dt.date(2010, 1, 1))
        >>> mrz_matches(read, data), mrz_matches(read, replace(data, sex=Sex.M))
        ([], ['sex: MRZ has F, expected M'])
    """
    wanted = compose_td1(expected)
    differences = []
    for label, line, span in _FIELDS:
        found, want = parsed.lines[line][span], wanted[line][span]
        if found != want:
            differences.append(f"{label}: MRZ has {_show(found)}, expected {_show(want)}")
    return differences
