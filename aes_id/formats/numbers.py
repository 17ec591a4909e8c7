"""Number rules of the AES card (docs/numbers.md): NIN, card number, validity.

- **NIN**: 12 digits, the first 11 drawn from a cryptographically secure
  generator, the last a Verhoeff check digit, which catches every single-digit
  error and every swap of two adjacent digits. Three filters keep a number easy
  to read aloud and free of visible patterns; they apply to all 12 printed
  digits, check digit included, so that the number on the card passes them.
- **Card number**: the issuing state's alpha-2 code and a 7-character serial, the
  state's card sequence number in base 33 (``ML00003VT`` is Mali's card 4217), with
  its ICAO 9303 check digit in the MRZ.
- **Validity**: ten years, ending the day before the tenth anniversary of issue.

    >>> verhoeff_check_digit("236")
    '3'
    >>> icao_check_digit("D23145890")
    '7'
"""

from __future__ import annotations

import datetime as dt
import enum
import random
import re
import secrets
from collections.abc import Mapping
from types import MappingProxyType

from aes_id.domain import CardNumber, Country, Nin
from aes_id.errors import InputError


class NumberError(InputError):
    """A number, or a field to compute a check digit over, that breaks docs/numbers.md."""


# -- Verhoeff (J. Verhoeff, "Error Detecting Decimal Codes", 1969) --------------------------------


def _dihedral_product(a: int, b: int) -> int:
    """The product a * b in the dihedral group D5, with 0-4 the rotations r**k and 5-9 the
    reflections r**k * s (so that s * r = r**-1 * s)."""
    if a < 5 and b < 5:
        return (a + b) % 5
    if a < 5:
        return 5 + (a + b - 5) % 5
    if b < 5:
        return 5 + (a - 5 - b) % 5
    return (a - b) % 5


# The permutation Verhoeff applies to a digit in position 1 (counting from the right, the check
# digit at position 0); position i uses its i-th power, which repeats with period 8.
_SIGMA = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)


def _powers_of_sigma() -> tuple[tuple[int, ...], ...]:
    powers = [tuple(range(10))]
    for _ in range(7):
        powers.append(tuple(_SIGMA[digit] for digit in powers[-1]))
    return tuple(powers)


_D = tuple(tuple(_dihedral_product(a, b) for b in range(10)) for a in range(10))
_P = _powers_of_sigma()
_INV = tuple(next(b for b in range(10) if _D[a][b] == 0) for a in range(10))


def _verhoeff_state(digits: str, first_position: int) -> int:
    state = 0
    for position, char in enumerate(reversed(digits), start=first_position):
        state = _D[state][_P[position % 8][ord(char) - 48]]
    return state


def _require_digits(text: str, what: str) -> None:
    if not text.isascii() or not text.isdigit():
        raise NumberError(f"{what} {text!r} must be decimal digits 0-9 only")


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to ``digits``.

    >>> verhoeff_check_digit("12345")
    '1'
    """
    _require_digits(digits, "Verhoeff input")
    return str(_INV[_verhoeff_state(digits, first_position=1)])


def verhoeff_valid(number: str) -> bool:
    """Whether ``number`` (digits, its last one a Verhoeff check digit) is consistent.

    >>> verhoeff_valid("2363"), verhoeff_valid("2336")
    (True, False)
    """
    if not number.isascii() or not number.isdigit():
        return False
    return _verhoeff_state(number, first_position=0) == 0


# -- NIN ------------------------------------------------------------------------------------------

NIN_LENGTH = 12
_SYSTEM_RANDOM = secrets.SystemRandom()


class NinDefect(enum.Enum):
    """Why a text is not a NIN, one value per rule of docs/numbers.md."""

    LENGTH = "length"
    NON_DIGIT = "non-digit"
    LEADING_DIGIT = "leading-digit"
    REPEATED_DIGIT = "repeated-digit"
    SEQUENCE = "sequence"
    CHECK_DIGIT = "check-digit"


class NinError(NumberError):
    """A text that is not a valid NIN; :attr:`defect` says which rule it breaks."""

    def __init__(self, message: str, defect: NinDefect) -> None:
        super().__init__(message, hint="a NIN is 12 digits, as printed on the card")
        self.defect = defect


def _pattern_defect(digits: str) -> tuple[NinDefect, str] | None:
    """The first filter ``digits`` fails, with what was found; None when all pass."""
    if digits[0] in "01":
        return NinDefect.LEADING_DIGIT, f"starts with {digits[0]}; expected 2-9"
    for at in range(len(digits) - 2):
        if digits[at] == digits[at + 1] == digits[at + 2]:
            return NinDefect.REPEATED_DIGIT, f"has {digits[at] * 3} at position {at + 1}"
    values = [ord(char) - 48 for char in digits]
    for at in range(len(values) - 3):
        steps = {values[at + k + 1] - values[at + k] for k in range(3)}
        if steps in ({1}, {-1}):
            run = digits[at : at + 4]
            return NinDefect.SEQUENCE, f"has the run {run} at position {at + 1}"
    return None


def generate_nin(rng: random.Random | None = None) -> Nin:
    """Draw a new NIN: 11 random digits and their Verhoeff check digit, passing every filter.

    ``rng`` defaults to the operating system's CSPRNG (:class:`secrets.SystemRandom`);
    inject a seeded :class:`random.Random` only for reproducible tests and demos.
    Uniqueness is not checked here: the registry's unique constraint does that.
    """
    generator = rng if rng is not None else _SYSTEM_RANDOM
    while True:
        # Drawing from [2e10, 1e11) is the same as redrawing until the first digit is 2-9.
        body = str(generator.randrange(2 * 10**10, 10**11))
        candidate = body + verhoeff_check_digit(body)
        if _pattern_defect(candidate) is None:
            return Nin(candidate)


def check_nin(text: str) -> Nin:
    """Read a NIN typed or printed (spaces between groups allowed); raise :class:`NinError`.

    Checked in order: digits only, 12 of them, first digit 2-9, no digit three
    times in a row, no run of four ascending or descending digits (steps of
    exactly +1 or -1, so ``7890`` is not a run), and the Verhoeff check digit.
    """
    digits = "".join(text.split())
    bad = next((char for char in digits if not "0" <= char <= "9"), None)
    if bad is not None:
        raise NinError(
            f"NIN {text!r} has the character {bad!r}: expected digits", NinDefect.NON_DIGIT
        )
    if len(digits) != NIN_LENGTH:
        raise NinError(
            f"NIN {text!r} has {len(digits)} digits: expected {NIN_LENGTH}", NinDefect.LENGTH
        )
    found = _pattern_defect(digits)
    if found is not None:
        defect, detail = found
        raise NinError(f"NIN {digits} {detail}, which no NIN has", defect)
    expected = verhoeff_check_digit(digits[:-1])
    if digits[-1] != expected:
        raise NinError(
            f"NIN {digits}: check digit is {digits[-1]}, expected {expected} (mistyped?)",
            NinDefect.CHECK_DIGIT,
        )
    return Nin(digits)


def is_valid_nin(text: str) -> bool:
    """Whether :func:`check_nin` accepts ``text``."""
    try:
        check_nin(text)
    except NinError:
        return False
    return True


def display_nin(nin: Nin) -> str:
    """The NIN in three groups of four, as printed: ``2345 6789 0127``."""
    return " ".join(nin[at : at + 4] for at in range(0, len(nin), 4))


# -- Card number and ICAO check digit -------------------------------------------------------------

CARD_SERIAL_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
"""The base-33 digits of a card serial, in value order: no ``I``, ``O`` or ``Q``."""
CARD_SERIAL_LENGTH = 7
CARD_SERIAL_BASE = len(CARD_SERIAL_ALPHABET)
CARD_SERIAL_MAX = CARD_SERIAL_BASE**CARD_SERIAL_LENGTH - 1
"""The last serial a state can issue: 33**7 - 1 = 42,618,442,976."""
_SERIAL_VALUES: Mapping[str, int] = MappingProxyType(
    {char: value for value, char in enumerate(CARD_SERIAL_ALPHABET)} | {"O": 0, "I": 1}
)
_CARD_NUMBER_RE = re.compile(r"([A-Z]{2})([0-9A-Z]{7})")


class CardNumberError(NumberError):
    """A card number (or a serial to make one) that breaks docs/numbers.md."""


def format_card_serial(serial: int) -> str:
    """The 7-character base-33 serial of sequence number ``serial`` (1 to
    :data:`CARD_SERIAL_MAX`), most significant digit first, zero-padded.

    >>> format_card_serial(9), format_card_serial(10), format_card_serial(33)
    ('0000009', '000000A', '0000010')
    """
    if (
        isinstance(serial, bool)
        or not isinstance(serial, int)
        or not 1 <= serial <= CARD_SERIAL_MAX
    ):
        raise CardNumberError(
            f"card serial {serial!r} is out of range: expected 1 to {CARD_SERIAL_MAX:,}"
        )
    chars = []
    for _ in range(CARD_SERIAL_LENGTH):
        serial, digit = divmod(serial, CARD_SERIAL_BASE)
        chars.append(CARD_SERIAL_ALPHABET[digit])
    return "".join(reversed(chars))


def parse_card_serial(text: str) -> int:
    """The sequence number of a 7-character base-33 serial (upper case).

    ``O`` is read as ``0`` and ``I`` as ``1``: the alphabet has neither letter,
    so a reader (person or OCR) that sees one saw a zero or a one. ``Q`` and
    anything outside the alphabet raise :class:`CardNumberError`, as does the
    unused serial 0.

    >>> parse_card_serial("000000A"), parse_card_serial("00000I0"), parse_card_serial("00003VT")
    (10, 33, 4217)
    """
    if len(text) != CARD_SERIAL_LENGTH:
        raise CardNumberError(
            f"card serial {text!r} has {len(text)} characters: expected {CARD_SERIAL_LENGTH}"
        )
    value = 0
    for char in text:
        digit = _SERIAL_VALUES.get(char)
        if digit is None:
            raise CardNumberError(
                f"card serial {text!r} has the character {char!r}: "
                f"expected {CARD_SERIAL_ALPHABET} (docs/numbers.md)"
            )
        value = value * CARD_SERIAL_BASE + digit
    if value == 0:
        raise CardNumberError(f"card serial {text!r} is 0: serials start at 1")
    return value


def format_card_number(state: Country, serial: int) -> CardNumber:
    """The card number of ``state``'s card with sequence number ``serial``.

    >>> format_card_number(Country.MLI, 4217), format_card_number(Country.NER, 145_966)
    ('ML00003VT', 'NE0004217')
    """
    return CardNumber(f"{state.alpha2}{format_card_serial(serial)}")


def card_number_parts(number: str) -> tuple[Country, int]:
    """The issuing state and sequence number of a card number (any case, spaces around
    ignored, ``O`` and ``I`` in the serial read as ``0`` and ``1``); raise
    :class:`CardNumberError`.

    >>> card_number_parts("ml00003vt")
    (<Country.MLI: 'MLI'>, 4217)
    """
    text = number.strip().upper()
    match = _CARD_NUMBER_RE.fullmatch(text)
    if not match:
        raise CardNumberError(
            f"card number {number!r} is not a state code and a 7-character serial (e.g. ML0004217)"
        )
    prefix = match.group(1)
    state = next((country for country in Country if country.alpha2 == prefix), None)
    if state is None:
        raise CardNumberError(f"card number {number!r} starts with {prefix}: expected ML, BF or NE")
    try:
        serial = parse_card_serial(match.group(2))
    except CardNumberError as exc:
        raise CardNumberError(f"card number {number!r}: {exc.message}") from None
    return state, serial


def check_card_number(text: str) -> CardNumber:
    """Read a card number as :func:`card_number_parts` does; return it as printed."""
    state, serial = card_number_parts(text)
    return format_card_number(state, serial)


def _icao_value(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise NumberError(f"character {char!r} cannot be in an MRZ field: expected A-Z, 0-9 or <")


_ICAO_WEIGHTS = (7, 3, 1)


def icao_check_digit(field: str) -> str:
    """The ICAO Doc 9303 Part 3 §4.9 check digit of an MRZ field.

    1. Give each character its value: digits their own, ``A``-``Z`` 10-35, ``<`` 0.
    2. Multiply by the weights 7, 3, 1, 7, 3, 1, ... in order.
    3. Add the products; the check digit is the sum modulo 10.

    >>> icao_check_digit("740812")
    '2'
    """
    total = sum(_icao_value(char) * _ICAO_WEIGHTS[at % 3] for at, char in enumerate(field))
    return str(total % 10)


# -- Validity -------------------------------------------------------------------------------------

CARD_VALIDITY_YEARS = 10
MIN_ENROLMENT_AGE = 5
"""Enrolment is open from age 5 in all three states (docs/numbers.md)."""

MANDATORY_AGE: Mapping[Country, int] = MappingProxyType(
    {
        Country.MLI: 15,
        # Burkina Faso: the ONI gives 15 for the CNIB and Sidwaya reports the CIB-AES as
        # "mandatory from 13"; the decree itself was not found (docs/synthetic-population.md
        # §6). We keep 15, the figure shared by the other states, until the decree settles it.
        Country.BFA: 15,
        Country.NER: 15,
    }
)
"""Age from which holding the card is mandatory, per issuing state."""


def card_expiry(issue_date: dt.date) -> dt.date:
    """The last day of validity: the day before the tenth anniversary of ``issue_date``.

    A card issued on 29 February has its anniversary on 1 March when the tenth
    year is not a leap year (the day after 28 February, so the holder never gets
    less than ten full years), hence it expires on 28 February.

    >>> card_expiry(dt.date(2026, 3, 14)), card_expiry(dt.date(2024, 2, 29))
    (datetime.date(2036, 3, 13), datetime.date(2034, 2, 28))
    """
    year = issue_date.year + CARD_VALIDITY_YEARS
    try:
        anniversary = dt.date(year, issue_date.month, issue_date.day)
    except ValueError:  # 29 February in a common year
        anniversary = dt.date(year, 3, 1)
    return anniversary - dt.timedelta(days=1)


def expiry_instant(expiry: dt.date) -> dt.datetime:
    """The last second of validity: 23:59:59 UTC on the expiry day (whole seconds).

    >>> expiry_instant(dt.date(2036, 3, 13)).isoformat()
    '2036-03-13T23:59:59+00:00'
    """
    return dt.datetime(expiry.year, expiry.month, expiry.day, 23, 59, 59, tzinfo=dt.UTC)
