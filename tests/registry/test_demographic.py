"""Demographic matching: folding, the family-name key, dates, scores, the indexed lookup."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from aes_id.domain import PartialDate
from aes_id.registry.capture import synthetic_capture
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.demographic import (
    DEMOGRAPHIC_THRESHOLD,
    PeopleIndex,
    dob_agreement,
    fill_name_keys,
    fold,
    given_similarity,
    name_key,
    registry_matches,
    score,
    text_similarity,
)
from aes_id.registry.enrol import (
    Demographics,
    EnrolmentRequest,
    demographics_from_fields,
    enrol,
    enrol_many,
)

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
VECTOR = Path(__file__).resolve().parent.parent / "vectors" / "registry_v2.sqlite"
BASE = {
    "family_name": "Traoré",
    "given_names": "Aminata Fatoumata",
    "dob": "1984-07-12",
    "sex": "F",
    "nationality": "MLI",
    "place_of_birth": "Ségou",
    "state": "MLI",
    "region": "Ségou",
}


def person(**changes: str) -> Demographics:
    return demographics_from_fields({**BASE, **changes}, today=NOW.date())


def request(seed: int, **changes: str) -> EnrolmentRequest:
    return EnrolmentRequest(person(**changes), synthetic_capture(seed), "Ségou-1", "off-1")


def stored_keys(registry: Registry) -> dict[str, str]:
    with registry.reader() as session:
        rows = session.execute(text("SELECT family_name, name_key FROM resident")).all()
    return {str(family): str(key) for family, key in rows}


# -- folding and the key ----------------------------------------------------------------------


def test_fold_drops_case_accents_and_punctuation() -> None:
    assert fold("  OUÉDRAOGO ") == "ouedraogo"
    assert fold("Maïga-Touré d'Ansongo") == "maiga toure d ansongo"
    assert fold("Ŋɔmi Ɛsɛ") == "ngomi ese"  # Bambara letters folded too


@pytest.mark.parametrize(
    "variants",
    [
        ("Traoré", "Traore", "Traouré", "TRAORE"),
        ("Ouédraogo", "Ouedraogo", "Wedraogo", "Wédraogo"),
        ("Maïga", "Maiga", "Mayga"),
        ("Keïta", "Keita", "Keyta"),
        ("Coulibaly", "Kulibali", "Koulibaly", "Coulibali"),
        ("Diarra", "Jara", "Diara", "Dyarra"),
        ("Sawadogo", "Savadogo"),
        ("Touré", "Toure", "Ture"),
        ("Cissé", "Sissé", "Cisse"),
        ("Diallo", "Jallo", "Dialo", "Djallo"),
        ("Ouattara", "Wattara", "Ouatara"),
        ("Thiombiano", "Tiombiano"),
        ("Bah", "Bâ", "Ba"),
        ("Ag Mohamed", "Ag Muhammad", "Agg Mohammed"),
        ("Bobo-Dioulasso", "Bobo Dioulasso"),
    ],
)
def test_spelling_variants_share_a_key(variants: tuple[str, ...]) -> None:
    assert len({name_key(v) for v in variants}) == 1, [name_key(v) for v in variants]


@pytest.mark.parametrize(
    ("one", "other"),
    [("Traoré", "Touré"), ("Diallo", "Diarra"), ("Ouédraogo", "Sawadogo"), ("Keïta", "Kanté")],
)
def test_different_names_have_different_keys(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_a_key_is_never_empty_and_fits_its_column() -> None:
    assert name_key("Aa") == "a" and name_key("'") == "-"
    assert name_key("Zoungrana Thiombiano Kambiré") == "zngrntmbnkmbr"  # words joined
    assert name_key("Bardt " * 12) == "brdt" * 10  # cut at the column's 40 characters


# -- the parts of a score -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other", "worth"),
    [
        ("1980-05-12", "1980-05-12", 1.0),
        ("1980-05-12", "1980-05-00", 0.7),  # the same month, a day unknown
        ("1980-00-00", "1980-05-12", 0.5),  # only the year is known on one side
        ("1980-05-00", "1980-00-00", 0.5),
        ("1980-05-12", "1980-05-13", None),
        ("1980-06-00", "1980-05-12", None),
        ("1981-00-00", "1980-00-00", None),
    ],
)
def test_partial_dates_are_compatible_with_full_ones(
    one: str, other: str, worth: float | None
) -> None:
    assert dob_agreement(PartialDate.parse(one), PartialDate.parse(other)) == worth
    assert dob_agreement(PartialDate.parse(other), PartialDate.parse(one)) == worth


def test_given_names_are_compared_in_any_order_and_spelling() -> None:
    assert given_similarity("Aminata Fatoumata", "Fatoumata Aminata") == 1.0
    assert given_similarity("Aïssata Djénéba", "Jeneba Aissata") == 1.0
    assert given_similarity("Aminata", "Aminata Salimata") == pytest.approx(2 / 3)
    assert given_similarity("Seydou", "Sidi") == 0.0  # one skeleton, two names
    assert 0.8 <= given_similarity("Fatoumata", "Fatimata") < 1.0


def test_places_are_compared_without_spelling() -> None:
    assert text_similarity("Ouagadougou", "Wagadougou") == 1.0
    assert text_similarity("Ségou", "Segou") == 1.0
    assert text_similarity("Ségou", "Mopti") == 0.0


# -- the score and the threshold ---------------------------------------------------------------


def test_the_same_person_spelled_otherwise_is_a_match() -> None:
    variant = person(family_name="Traouré", given_names="Fatumata Aminata", place_of_birth="Segou")
    value = score(person(), variant)
    assert value is not None and value >= 0.95  # all but the family name's sound alike


def test_a_partial_date_with_the_rest_alike_is_a_match() -> None:
    found = score(person(), person(family_name="Traore", dob="1984-00-00"))
    assert found is not None and found >= DEMOGRAPHIC_THRESHOLD


def test_a_common_name_and_the_same_year_alone_is_not_a_match() -> None:
    namesake = person(dob="1984-00-00", place_of_birth="Kayes")  # the same names, too
    value = score(person(), namesake)
    assert value is not None and value < DEMOGRAPHIC_THRESHOLD
    assert score(person(given_names="Aminata Awa"), person(given_names="Aminata Mariam")) is None
    assert score(person(), person(dob="1984-02-03")) is None  # two known, different days


def test_twins_are_not_a_match() -> None:
    """Same family name, day and place of birth: a twin has other given names."""
    assert score(person(), person(given_names="Awa")) is None


def test_sex_must_agree() -> None:
    assert score(person(), person(sex="M")) is None


def test_another_place_alone_keeps_a_match_short_of_the_threshold() -> None:
    value = score(person(), person(place_of_birth="Kayes"))
    assert value is not None and value < DEMOGRAPHIC_THRESHOLD


# -- the registry: keys written, the indexed lookup, pending people ---------------------------


def test_every_insert_writes_the_name_key(registry: Registry) -> None:
    enrol(registry, request(1, family_name="Ouédraogo"), now=NOW)
    enrol_many(registry, [request(2, family_name="Coulibaly"), request(3)], now=NOW)
    assert stored_keys(registry) == {"Ouédraogo": "wdrg", "Coulibaly": "klbl", "Traoré": "trr"}


def test_the_lookup_finds_the_variant_and_not_the_namesakes(registry: Registry) -> None:
    original = enrol(registry, request(1), now=NOW)
    enrol(registry, request(2, given_names="Aminata", dob="1984-01-30"), now=NOW)
    enrol(registry, request(3, dob="1985-07-12"), now=NOW)
    enrol(registry, request(4, sex="M", given_names="Aminata Fatoumata"), now=NOW)
    with registry.reader() as session:
        found = registry_matches(session, person(family_name="Traouré", place_of_birth="Segou"))
    assert [m.person_id for m in found] == [original] and found[0].score >= 0.95


def test_the_lookup_is_an_index_search(sqlite_registry: Registry) -> None:
    with sqlite_registry.reader() as session:
        plan = session.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT nin FROM resident WHERE name_key = 'trr' "
                "AND date_of_birth BETWEEN '19840000' AND '19841231' AND sex = 'F'"
            )
        ).all()
    assert any("USING INDEX ix_resident_name_key" in str(row[-1]) for row in plan), plan


def test_pending_people_are_found_until_written(registry: Registry) -> None:
    people = PeopleIndex()
    people.add("pending:0", person())
    with registry.reader() as session:
        assert [m.person_id for m in people.search(session, person(family_name="Traore"))] == [
            "pending:0"
        ]
        assert people.search(session, person(family_name="Touré")) == []
    people.written()
    with registry.reader() as session:
        assert people.search(session, person()) == []


def test_missing_keys_are_filled(registry: Registry) -> None:
    enrol_many(
        registry, [request(s, family_name=f) for s, f in ((1, "Maïga"), (2, "Diallo"))], now=NOW
    )
    with registry.transaction() as session:
        session.execute(text("UPDATE resident SET name_key = ''"))
    with registry.transaction() as session:
        assert fill_name_keys(session.connection(), batch=1) == 2
        assert fill_name_keys(session.connection()) == 0
    assert stored_keys(registry) == {"Maïga": "mg", "Diallo": "jl"}


def test_a_version_2_registry_gets_its_keys_on_migration(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    shutil.copy(VECTOR, path)
    open_registry(path).dispose()
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT family_name, name_key FROM resident").fetchall()
    assert len(rows) == 8 and all(key == name_key(family) for family, key in rows)


def test_the_key_rules_absorb_generated_variants() -> None:
    """The simulation's clerks write names their own way; most keep the key (not all:
    a slip of the keyboard on a consonant changes it, see docs/deduplication.md)."""
    from aes_id.simulate.names import GROUPS, spelling_variant

    draw = random.Random(5)
    names = sorted({n for g in GROUPS.values() for n in g.family})
    kept = sum(name_key(spelling_variant(n, draw)) == name_key(n) for n in names)
    assert kept == len(names)
