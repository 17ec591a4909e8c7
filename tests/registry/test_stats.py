"""Registry summary counts on a small registry built by hand, where every answer is known."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.registry.stats import AGE_BANDS, band_label, summarise

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()

PEOPLE = [
    # state, region, sex, date of birth (YYYYMMDD, 00 unknown): age on 2026-03-14 and band
    ("MLI", "Bamako", "F", "20160314"),  # 10 today                   5-14
    ("MLI", "Bamako", "M", "20110315"),  # 14, 15 tomorrow            5-14
    ("MLI", "Kayes", "F", "20110314"),  # 15 today                    15-24
    ("BFA", "Kadiogo", "M", "19900000"),  # 35 (born by 1990-12-31)   35-49, unknown day
    ("BFA", "Kadiogo", "X", "19610300"),  # 64 (born by 1961-03-31)   50-64, unknown day
    ("NER", "Niamey", "F", "19610314"),  # 65 today                   65+
    ("NER", "Zinder", "M", "19260101"),  # 100                        65+
    ("NER", "Niamey", "F", "19920630"),  # 33                         25-34
]


def add_residents(registry: Registry, people: list[tuple[str, str, str, str]]) -> None:
    with registry.transaction() as session:
        for number, (state, region, sex, dob) in enumerate(people):
            session.add(
                tables.Resident(
                    nin=f"{number:012d}",
                    family_name="Coulibaly",
                    given_names="Awa",
                    date_of_birth=dob,
                    sex=sex,
                    nationality=state,
                    place_of_birth="Ségou",
                    state=state,
                    region=region,
                    site="desk",
                    officer="o1",
                    enrolled_at=NOW,
                )
            )


def add_cards(registry: Registry, statuses: list[str]) -> None:
    with registry.transaction() as session:
        for serial, status in enumerate(statuses, start=1):
            session.add(
                tables.CardRow(
                    card_number=f"ML{serial:07d}",
                    nin=f"{serial - 1:012d}",
                    state="MLI",
                    issued_at=NOW,
                    expires_on=TODAY.replace(year=2036),
                    kid="00" * 8,
                    cose=b"\xd2",
                    qr_text="X",
                    status=status,
                )
            )


def test_band_labels() -> None:
    assert [band_label(lo, hi) for lo, hi in AGE_BANDS] == [
        "5-14",
        "15-24",
        "25-34",
        "35-49",
        "50-64",
        "65+",
    ]


def test_an_empty_registry(registry: Registry) -> None:
    summary = summarise(registry, today=TODAY)
    assert summary.residents == 0 and summary.unknown_birth_day == 0
    assert not (summary.by_state or summary.by_region or summary.by_sex or summary.by_age_band)
    assert not summary.cards_by_status


def test_counts_per_state_region_sex_age_band_and_card_status(registry: Registry) -> None:
    add_residents(registry, PEOPLE)
    add_cards(registry, ["valid", "revoked", "valid"])
    summary = summarise(registry, today=TODAY)
    assert summary.residents == 8
    assert summary.by_state == Counter({"MLI": 3, "BFA": 2, "NER": 3})
    assert summary.by_region == Counter(
        {
            ("MLI", "Bamako"): 2,
            ("MLI", "Kayes"): 1,
            ("BFA", "Kadiogo"): 2,
            ("NER", "Niamey"): 2,
            ("NER", "Zinder"): 1,
        }
    )
    assert summary.by_sex == Counter({"F": 4, "M": 3, "X": 1})
    assert summary.by_age_band == Counter(
        {"5-14": 2, "15-24": 1, "25-34": 1, "35-49": 1, "50-64": 1, "65+": 2}
    )
    assert summary.unknown_birth_day == 2
    assert summary.cards_by_status == Counter({"valid": 2, "revoked": 1})


def test_ages_are_counted_on_the_day_given(registry: Registry) -> None:
    add_residents(registry, PEOPLE[:3])
    later = summarise(registry, today=dt.date(2026, 3, 15))
    assert later.by_age_band == Counter({"5-14": 1, "15-24": 2})  # the second turned 15


def test_a_child_under_five_is_not_counted_among_the_elderly(registry: Registry) -> None:
    """Enrolment refuses under-fives, but a summary must not put one who is in the registry
    (a row from an older register, or a summary dated before a birthday) in the 65+ band."""
    add_residents(registry, [("MLI", "Bamako", "F", "20220101"), *PEOPLE[5:7]])
    summary = summarise(registry, today=TODAY)
    assert summary.by_age_band["65+"] == 2
    assert sum(summary.by_age_band.values()) == summary.residents == 3
