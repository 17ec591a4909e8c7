"""NIN generation and validation, card numbers (base 33) and TD1 MRZ writing and reading:
operations per second.

Run: ``python bench/bench_numbers.py``. Also measures the share of 11-digit
draws whose 12-digit NIN passes the filters (how many redraws generation costs),
and the price of the operating system's CSPRNG over a seeded Mersenne Twister.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from aes_id.domain import CardNumber, Country, PartialDate, Sex
from aes_id.formats import numbers
from aes_id.formats.mrz import MrzData, compose_td1, parse_td1
from aes_id.formats.numbers import (
    CARD_SERIAL_MAX,
    check_card_number,
    check_nin,
    format_card_number,
    generate_nin,
    verhoeff_check_digit,
)

TODAY = dt.date(2026, 3, 14)
N = 50_000


def per_second(label: str, action: Callable[[], object], n: int = N) -> float:
    started = time.perf_counter()
    for _ in range(n):
        action()
    rate = n / (time.perf_counter() - started)
    print(f"{label:<44} {rate:>12,.0f} /s")
    return rate


def filter_pass_rate(draws: int = 200_000) -> float:
    rng = random.Random(1)
    passed = 0
    for _ in range(draws):
        body = str(rng.randrange(2 * 10**10, 10**11))
        passed += numbers._pattern_defect(body + verhoeff_check_digit(body)) is None
    return passed / draws


def main() -> None:
    seeded = random.Random(7)
    system_rate = per_second("generate_nin (SystemRandom, default)", generate_nin)
    seeded_rate = per_second("generate_nin (seeded random.Random)", lambda: generate_nin(seeded))
    nins = [generate_nin(seeded) for _ in range(1000)]
    per_second("check_nin", lambda: check_nin(nins[-1]))
    per_second("verhoeff_check_digit (11 digits)", lambda: verhoeff_check_digit("27491836052"))
    serials = [seeded.randrange(1, CARD_SERIAL_MAX + 1) for _ in range(1000)]
    per_second("format_card_number (base 33)", lambda: format_card_number(Country.NER, serials[-1]))
    per_second("check_card_number (read, O/I as 0/1)", lambda: check_card_number(" ne0o8e8rb "))
    data = MrzData(
        issuing_state="MLI",
        document_number=CardNumber("ML0004217"),
        optional_data1=nins[0],
        date_of_birth=PartialDate(1988, 5, 21),
        sex=Sex.F,
        expiry=dt.date(2036, 3, 13),
        nationality="MLI",
        family_name="Ouédraogo",
        given_names="Marie Jeanne Clarisse Wendkuuni",
    )
    lines = compose_td1(data)
    compose_rate = per_second("compose_td1 (names shortened)", lambda: compose_td1(data), N // 5)
    parse_rate = per_second("parse_td1", lambda: parse_td1(lines, today=TODAY), N // 5)
    share = filter_pass_rate()
    print(f"{'share of draws passing the filters':<44} {share:>12.1%}")
    print(f"{'mean draws per NIN':<44} {1 / share:>12.2f}")
    print(f"{'SystemRandom cost over seeded Random':<44} {seeded_rate / system_rate:>12.2f} x")
    print(f"{'parse over compose time':<44} {compose_rate / parse_rate:>12.2f} x")


if __name__ == "__main__":
    main()
