"""NIN (Verhoeff), card numbers, ICAO check digits and card validity (docs/numbers.md)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.domain import Country
from aes_id.errors import InputError
from aes_id.formats import numbers
from aes_id.formats.numbers import (
    CARD_SERIAL_ALPHABET,
    CARD_SERIAL_MAX,
    MANDATORY_AGE,
    MIN_ENROLMENT_AGE,
    CardNumberError,
    NinDefect,
    NinError,
    NumberError,
    card_expiry,
    card_number_parts,
    check_card_number,
    check_nin,
    display_nin,
    expiry_instant,
    format_card_number,
    format_card_serial,
    generate_nin,
    icao_check_digit,
    is_valid_nin,
    parse_card_serial,
    verhoeff_check_digit,
    verhoeff_valid,
)

VECTORS = Path(__file__).parent.parent / "vectors"
VERHOEFF = json.loads((VECTORS / "verhoeff_tables.json").read_text())


def with_check(body: str) -> str:
    return body + verhoeff_check_digit(body)


# -- Verhoeff ----------------------------------------------------------------------------------


def test_tables_built_from_the_group_match_the_published_tables() -> None:
    assert [list(row) for row in numbers._D] == VERHOEFF["d"]
    assert [list(row) for row in numbers._P] == VERHOEFF["p"]
    assert list(numbers._INV) == VERHOEFF["inv"]


@pytest.mark.parametrize(
    ("digits", "check"), [(v["digits"], v["check"]) for v in VERHOEFF["check_digits"]]
)
def test_published_check_digits(digits: str, check: str) -> None:
    assert verhoeff_check_digit(digits) == check
    assert verhoeff_valid(digits + check)
    wrong = str((int(check) + 1) % 10)
    assert not verhoeff_valid(digits + wrong)


@pytest.mark.parametrize("text", ["", "12a", "١٢٣", "12 3"])
def test_verhoeff_refuses_non_digits(text: str) -> None:
    assert not verhoeff_valid(text)
    with pytest.raises(NumberError, match="digits"):
        verhoeff_check_digit(text)


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_appending_the_check_digit_always_validates(digits: str) -> None:
    assert verhoeff_valid(with_check(digits))


# -- NIN generation ----------------------------------------------------------------------------


def test_generated_nins_pass_every_rule() -> None:
    rng = random.Random(20260314)
    drawn = [generate_nin(rng) for _ in range(3000)]
    for nin in drawn:
        assert check_nin(nin) == nin
        assert len(nin) == 12 and nin[0] not in "01"
    assert {nin[0] for nin in drawn} == set("23456789")
    assert len(set(drawn)) == len(drawn)


def test_an_injected_generator_makes_nins_reproducible() -> None:
    first = [generate_nin(random.Random(7)) for _ in range(3)]
    assert first == [generate_nin(random.Random(7)) for _ in range(3)]
    assert generate_nin(random.Random(7)) != generate_nin(random.Random(8))


def test_default_generator_is_the_system_csprng() -> None:
    import secrets

    assert isinstance(numbers._SYSTEM_RANDOM, secrets.SystemRandom)
    assert is_valid_nin(generate_nin())


def _body_failing_only_through_its_check_digit() -> str:
    """An 11-digit body that passes the filters alone but not once its check digit is added."""
    rng = random.Random(1)
    while True:
        body = str(rng.randrange(2 * 10**10, 10**11))
        if numbers._pattern_defect(body) is None and numbers._pattern_defect(with_check(body)):
            return body


class _Scripted(random.Random):
    """A generator that returns the given draws, in order."""

    def __init__(self, draws: list[int]) -> None:
        super().__init__(0)
        self.draws = draws

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        assert stop is not None and start <= self.draws[0] < stop
        return self.draws.pop(0)


def test_filters_cover_the_check_digit_and_failing_draws_are_redrawn() -> None:
    bad_body = _body_failing_only_through_its_check_digit()
    good_body = "27491836052"
    assert is_valid_nin(with_check(good_body))
    assert not is_valid_nin(with_check(bad_body))
    scripted = _Scripted([int(bad_body), int(good_body)])
    assert generate_nin(scripted) == with_check(good_body)
    assert scripted.draws == []


# -- NIN validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "defect"),
    [
        ("2749183605", NinDefect.LENGTH),
        ("2749183605281", NinDefect.LENGTH),
        ("", NinDefect.LENGTH),
        ("27491836052A", NinDefect.NON_DIGIT),
        ("2749-1836-0528", NinDefect.NON_DIGIT),
        ("２７４９１８３６０５２８", NinDefect.NON_DIGIT),
        (with_check("17491836052"), NinDefect.LEADING_DIGIT),
        (with_check("07491836052"), NinDefect.LEADING_DIGIT),
        (with_check("27491836662"), NinDefect.REPEATED_DIGIT),
        (with_check("27444836052"), NinDefect.REPEATED_DIGIT),
        (with_check("27456783605"), NinDefect.SEQUENCE),
        (with_check("27498765052"), NinDefect.SEQUENCE),
        ("274918366222", NinDefect.REPEATED_DIGIT),  # the check digit completes the triple
        ("274918366543", NinDefect.SEQUENCE),  # the check digit completes the run
    ],
)
def test_each_rule_has_its_own_reason(text: str, defect: NinDefect) -> None:
    if len(text) == 12 and text.isascii() and text.isdigit():
        assert verhoeff_valid(text)  # only the rule under test is broken
    with pytest.raises(NinError) as caught:
        check_nin(text)
    assert caught.value.defect is defect
    assert isinstance(caught.value, InputError)
    assert "\n" not in str(caught.value)
    assert not is_valid_nin(text)


def test_wrong_check_digit_names_the_expected_digit() -> None:
    good = with_check("27491836052")
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(NinError, match=f"expected {good[-1]}") as caught:
        check_nin(wrong)
    assert caught.value.defect is NinDefect.CHECK_DIGIT


def test_a_run_needs_steps_of_exactly_one() -> None:
    # 7890 wraps around and 1357 steps by two: neither is a run
    assert numbers._pattern_defect("278903570246") is None
    assert numbers._pattern_defect("213579246802") is None
    assert numbers._pattern_defect("2923456") == (
        NinDefect.SEQUENCE,
        "has the run 2345 at position 3",
    )


def test_printed_grouping_is_accepted() -> None:
    nin = generate_nin(random.Random(3))
    assert display_nin(nin) == f"{nin[:4]} {nin[4:8]} {nin[8:]}"
    assert check_nin(f"  {display_nin(nin)} ") == nin


@settings(max_examples=60)
@given(st.integers(min_value=0, max_value=2**64))
def test_every_single_error_and_adjacent_swap_is_caught(seed: int) -> None:
    nin = generate_nin(random.Random(seed))
    for at in range(12):
        for digit in "0123456789":
            if digit != nin[at]:
                assert not is_valid_nin(nin[:at] + digit + nin[at + 1 :])
    for at in range(11):
        if nin[at] != nin[at + 1]:
            swapped = nin[:at] + nin[at + 1] + nin[at] + nin[at + 2 :]
            assert not is_valid_nin(swapped)
            assert not verhoeff_valid(swapped)


# -- Card numbers and the ICAO check digit -----------------------------------------------------


@pytest.mark.parametrize(
    ("state", "serial", "number"),
    [
        (Country.BFA, 1, "BF0000001"),
        (Country.MLI, 9, "ML0000009"),
        (Country.MLI, 10, "ML000000A"),
        (Country.MLI, 17, "ML000000H"),
        (Country.MLI, 18, "ML000000J"),  # I is skipped
        (Country.MLI, 23, "ML000000P"),  # O is skipped
        (Country.MLI, 24, "ML000000R"),  # Q is skipped
        (Country.MLI, 32, "ML000000Z"),
        (Country.MLI, 33, "ML0000010"),
        (Country.MLI, 4217, "ML00003VT"),  # 3*33**2 + 28*33 + 26
        (Country.MLI, 145_966, "ML0004217"),  # 4*33**3 + 2*33**2 + 1*33 + 7
        (Country.NER, 9_999_999, "NE008E8R9"),  # 8*33**4 + 14*33**3 + 8*33**2 + 24*33 + 9
        (Country.NER, 10_000_001, "NE008E8RB"),
        (Country.NER, CARD_SERIAL_MAX, "NEZZZZZZZ"),
    ],
)
def test_card_numbers(state: Country, serial: int, number: str) -> None:
    assert format_card_number(state, serial) == number
    assert card_number_parts(number) == (state, serial)
    assert check_card_number(f" {number.lower()} ") == number


def test_card_serials_hold_billions() -> None:
    assert CARD_SERIAL_MAX == 42_618_442_976 == 33**7 - 1
    assert len(CARD_SERIAL_ALPHABET) == 33
    assert not set("IOQ") & set(CARD_SERIAL_ALPHABET)


def test_the_first_nine_numbers_are_those_of_the_decimal_scheme() -> None:
    assert [format_card_serial(n) for n in range(1, 10)] == [f"{n:07d}" for n in range(1, 10)]


@pytest.mark.parametrize(
    ("read", "number"),
    [
        ("MLOOOOOI0", "ML0000010"),
        ("ml00003vt", "ML00003VT"),
        ("NEI000000", "NE1000000"),
        ("BF0OO4217", "BF0004217"),
    ],
)
def test_o_and_i_are_read_as_zero_and_one(read: str, number: str) -> None:
    assert check_card_number(read) == number
    assert parse_card_serial(read[2:].upper()) == parse_card_serial(number[2:])


@settings(max_examples=500)
@given(st.integers(1, CARD_SERIAL_MAX), st.integers(1, CARD_SERIAL_MAX))
def test_serials_round_trip_and_keep_their_order(a: int, b: int) -> None:
    for serial in (a, b):
        text = format_card_serial(serial)
        assert len(text) == 7 and set(text) <= set(CARD_SERIAL_ALPHABET)
        assert parse_card_serial(text) == serial
        assert card_number_parts(format_card_number(Country.NER, serial)) == (Country.NER, serial)
    # text order (as the registry and the revocation list sort) is numeric order
    assert (format_card_serial(a) < format_card_serial(b)) == (a < b)


@pytest.mark.parametrize("serial", [0, -1, CARD_SERIAL_MAX + 1, True, 2.0])
def test_card_serial_out_of_range(serial: int) -> None:
    with pytest.raises(CardNumberError, match="expected 1 to 42,618,442,976"):
        format_card_number(Country.MLI, serial)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ML000421", "state code and a 7-character serial"),
        ("ML00042170", "state code and a 7-character serial"),
        ("MLI0004217", "state code and a 7-character serial"),
        ("ML000421-", "state code and a 7-character serial"),
        ("ML000421Q", "the character 'Q'"),
        ("FR0004217", "expected ML, BF or NE"),
        ("NE0000000", "serials start at 1"),
        ("NE000000O", "serials start at 1"),
    ],
)
def test_bad_card_numbers(text: str, message: str) -> None:
    with pytest.raises(CardNumberError, match=message):
        check_card_number(text)


@pytest.mark.parametrize("text", ["00000A", "000000a", "000000Q", "0000000"])
def test_bad_card_serials(text: str) -> None:
    with pytest.raises(CardNumberError):
        parse_card_serial(text)


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("D23145890", "7"),
        ("740812", "2"),
        ("120415", "9"),
        ("<<<<<<", "0"),
        ("A", "0"),  # 10 x 7
        ("Z", "5"),  # 35 x 7
        ("ML0004217", "5"),
        ("", "0"),
    ],
)
def test_icao_check_digit(field: str, digit: str) -> None:
    assert icao_check_digit(field) == digit


@pytest.mark.parametrize("field", ["ml0004217", "ML 0004217", "É"])
def test_icao_check_digit_refuses_characters_outside_the_mrz_alphabet(field: str) -> None:
    with pytest.raises(NumberError, match="expected A-Z, 0-9 or <"):
        icao_check_digit(field)


# -- Validity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "expires"),
    [
        (dt.date(2026, 3, 14), dt.date(2036, 3, 13)),
        (dt.date(2026, 1, 1), dt.date(2035, 12, 31)),
        (dt.date(2024, 2, 29), dt.date(2034, 2, 28)),  # anniversary falls on 1 March
        (dt.date(2024, 3, 1), dt.date(2034, 2, 28)),
        (dt.date(2024, 2, 28), dt.date(2034, 2, 27)),
        (dt.date(2026, 3, 1), dt.date(2036, 2, 29)),  # the day before is a leap day
        (dt.date(2028, 2, 29), dt.date(2038, 2, 28)),
    ],
)
def test_card_expiry_is_the_day_before_the_tenth_anniversary(
    issued: dt.date, expires: dt.date
) -> None:
    assert card_expiry(issued) == expires
    assert card_expiry(dt.datetime.combine(issued, dt.time(15, 30))) == expires


def test_expiry_instant_is_the_last_second_of_the_day_in_utc() -> None:
    instant = expiry_instant(dt.date(2036, 3, 13))
    assert instant == dt.datetime(2036, 3, 13, 23, 59, 59, tzinfo=dt.UTC)
    assert instant.utcoffset() == dt.timedelta(0)
    assert instant.microsecond == 0
    assert (instant + dt.timedelta(seconds=1)).date() == dt.date(2036, 3, 14)


def test_ages() -> None:
    assert MIN_ENROLMENT_AGE == 5
    assert set(MANDATORY_AGE) == set(Country)
    assert all(MIN_ENROLMENT_AGE < age <= 18 for age in MANDATORY_AGE.values())
    assert MANDATORY_AGE[Country.BFA] == 15
    with pytest.raises(TypeError):
        MANDATORY_AGE[Country.MLI] = 13  # type: ignore[index]


def test_docstring_examples() -> None:
    import doctest

    result = doctest.testmod(numbers)
    assert result.attempted >= 8
    assert result.failed == 0
