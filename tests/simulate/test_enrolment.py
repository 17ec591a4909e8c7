"""Synthetic enrolment with planted repeats, the checks that must catch them, and resuming."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from aes_id.biometrics.desk import finger_record, finger_views
from aes_id.biometrics.gallery import gallery_row
from aes_id.biometrics.index import DEDUP_THRESHOLD
from aes_id.domain import Country, Nin
from aes_id.errors import UsageError
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.registry.dedup import list_cases
from aes_id.registry.demographic import (
    dob_agreement,
    given_similarity,
    name_key,
    text_similarity,
)
from aes_id.registry.enrol import EnrolmentRequest, get_resident
from aes_id.simulate import enrolment
from aes_id.simulate.enrolment import (
    MIN_REPEAT_INDEX,
    REPEAT_SESSION,
    enrol_population,
    synthetic_requests,
    with_repeats,
)
from aes_id.simulate.population import SyntheticPerson, generate
from tests.cli.conftest import Cli, environment

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()


def people(count: int, seed: int = 3) -> Iterator[SyntheticPerson]:
    return generate(count, seed=seed, today=TODAY)


def planted(count: int, rate: float, seed: int = 3) -> list[SyntheticPerson]:
    return list(with_repeats(people(count, seed), rate=rate, seed=seed))


# -- with_repeats -----------------------------------------------------------------------------


def test_no_rate_no_repeats() -> None:
    assert planted(60, 0.0) == list(people(60))


def test_a_repeat_is_an_earlier_person_with_the_names_spelled_otherwise() -> None:
    plain = list(people(600))
    mixed = planted(600, 0.2)
    repeats = [p for p in mixed if p.repeat_of is not None]
    assert len(repeats) > 50, "the rate gave too few repeats"
    respelled = partial = kept = 0
    for person, generated in zip(mixed, plain, strict=True):
        if person.repeat_of is None:
            assert person == generated
            continue
        first = mixed[person.repeat_of]
        assert person.repeat_of < person.index == generated.index and first.repeat_of is None
        assert person.biometric_seed == first.biometric_seed != generated.biometric_seed
        same = ("sex", "nationality", "state", "region", "ethnic_group")
        assert [getattr(person, f) for f in same] == [getattr(first, f) for f in same]
        assert dob_agreement(person.date_of_birth, first.date_of_birth) is not None
        assert text_similarity(person.place_of_birth, first.place_of_birth) == 1.0
        assert given_similarity(person.given_names, first.given_names) == 1.0
        keys = {name_key(n) for n in (first.family_name, first.birth_family_name) if n}
        kept += name_key(person.family_name) in keys  # not always: a slip of the keyboard
        respelled += person.family_name != first.family_name
        partial += person.date_of_birth != first.date_of_birth
    assert respelled > len(repeats) / 2 and partial > 0 and kept >= 0.85 * len(repeats)


def test_repeats_of_married_women_sometimes_use_the_birth_name() -> None:
    mixed = planted(6000, 0.3)
    married = [p for p in mixed if p.repeat_of is not None and mixed[p.repeat_of].birth_family_name]
    by_birth = [p for p in married if p.birth_family_name is None]
    assert married and 0 < len(by_birth) < len(married)
    for person in by_birth:  # the married name's key is not the birth name's
        first = mixed[person.repeat_of or 0]
        assert name_key(first.family_name) != name_key(first.birth_family_name or "")
    alike = [
        p
        for p in by_birth
        if name_key(p.family_name) == name_key(mixed[p.repeat_of or 0].birth_family_name or "")
    ]
    assert len(alike) >= 0.8 * len(by_birth)


def test_the_share_of_repeats_follows_the_rate() -> None:
    mixed = planted(1000, 0.1)
    assert all(p.repeat_of is None for p in mixed[:MIN_REPEAT_INDEX])
    share = sum(p.repeat_of is not None for p in mixed) / (1000 - MIN_REPEAT_INDEX)
    assert 0.075 <= share <= 0.125  # binomial: 3 standard deviations either side of 0.1


def test_repeats_are_seeded() -> None:
    def marks(seed: int) -> list[int | None]:
        return [p.repeat_of for p in planted(300, 0.2, seed)]

    assert marks(4) == marks(4)
    assert marks(4) != marks(5)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_a_rate_outside_0_1_is_refused(rate: float) -> None:
    with pytest.raises(UsageError, match=f"repeat rate {rate} is not in"):
        planted(5, rate)


# -- synthetic_requests ------------------------------------------------------------------------


def requests_of(count: int, rate: float, workers: int = 1) -> list[EnrolmentRequest]:
    return list(
        synthetic_requests(
            count,
            seed=3,
            state=None,
            today=TODAY,
            officer="o1",
            site="desk",
            workers=workers,
            repeat_rate=rate,
        )
    )


def test_a_repeat_request_is_the_original_body_captured_again() -> None:
    mixed = planted(40, 0.3)
    made = requests_of(40, 0.3)
    assert any(p.repeat_of is not None for p in mixed)
    for person, request in zip(mixed, made, strict=True):
        body = person.biometric_seed
        session = REPEAT_SESSION if person.repeat_of is not None else 1
        assert request.capture.face_seed == body
        assert request.capture.fingers == finger_record(body, session)
        assert request.capture.dedup_row == gallery_row(finger_views(body, session))
        assert request.person.family_name == person.family_name
        assert request.person.date_of_birth == person.date_of_birth


def test_requests_are_the_same_with_worker_processes() -> None:
    assert requests_of(12, 0.0, workers=2) == requests_of(12, 0.0)


# -- enrol_population ---------------------------------------------------------------------------


def test_repeats_are_caught_and_named_by_the_originals_nin(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 20: some repeats have their original in the same batch, some in an earlier
    one; every repeat is stopped, every distinct person enrolled, every case names NINs."""
    monkeypatch.setattr(enrolment, "CHUNK", 20)
    count, rate = 90, 0.15
    mixed = planted(count, rate)
    repeats = [p for p in mixed if p.repeat_of is not None]
    same_batch = [p for p in repeats if p.index // 20 == (p.repeat_of or 0) // 20]
    assert same_batch and len(same_batch) < len(repeats)  # both kinds are exercised

    batches: list[int] = []
    result = enrol_population(
        registry,
        count,
        seed=3,
        state=None,
        officer="o1",
        site="desk",
        now=NOW,
        repeat_rate=rate,
        on_batch=batches.append,
    )
    assert batches == [20, 20, 20, 20, 10]
    firsts = [p for p in mixed if p.repeat_of is None]
    assert len(result.nins) == len(firsts) and len(set(result.nins)) == len(firsts)
    nin_of: dict[int, Nin] = {p.index: nin for p, nin in zip(firsts, result.nins, strict=True)}
    for index, nin in nin_of.items():
        assert get_resident(registry, nin).identity.family_name == mixed[index].family_name

    assert len(result.suspected) == len(repeats)  # no distinct person flagged, no repeat missed
    cases = list_cases(registry)
    assert [c.number for c in cases] == [s.case for s in result.suspected]
    whys = []
    for person, suspicion, case in zip(repeats, result.suspected, cases, strict=True):
        original = nin_of[person.repeat_of or 0]
        assert [c.person_id for c in suspicion.candidates] == [original]
        assert [(nin, why) for nin, _, why in case.candidates] == [
            (original, suspicion.candidates[0].why)
        ]
        assert case.candidates[0][1] >= DEDUP_THRESHOLD
        assert case.person["family_name"] == person.family_name
        assert case.person["dob"] == person.date_of_birth.compact()
        assert "pending" not in suspicion.message()
        whys.append(suspicion.candidates[0].why)
    assert set(whys) <= {"both", "biometric"} and whys.count("both") > len(whys) / 2


def test_repeats_without_fingers_are_caught_by_the_demographics(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(enrolment, "CHUNK", 20)
    count, rate = 90, 0.15
    mixed = planted(count, rate)
    result = enrol_population(
        registry,
        count,
        seed=3,
        state=None,
        officer="o1",
        site="desk",
        now=NOW,
        repeat_rate=rate,
        fingerless_repeats=True,
    )

    def key(p: SyntheticPerson) -> tuple[str, str, str]:
        return p.family_name, p.given_names, p.date_of_birth.compact()

    residents = [get_resident(registry, nin).identity for nin in result.nins]
    nin_by = {(i.family_name, i.given_names, i.date_of_birth.compact()): i.nin for i in residents}
    cases = list_cases(registry)
    caught = {(c.person["family_name"], c.person["given_names"]): c for c in cases}
    repeats = [p for p in mixed if p.repeat_of is not None]
    alike = [
        p
        for p in repeats
        if name_key(p.family_name) == name_key(mixed[p.repeat_of or 0].family_name)
    ]
    assert alike and len(result.suspected) == len(cases) == len(caught) <= len(repeats)
    assert len(result.nins) == count - len(cases)  # a repeat not caught is enrolled
    for person in alike:  # the same family-name key, birth and place: stopped by the names
        case = caught[person.family_name, person.given_names]
        assert case.candidates[0][0] == nin_by[key(mixed[person.repeat_of or 0])]
        assert case.candidates[0][2] == "demographic"
    with registry.reader() as session:
        fingerless = session.execute(
            select(func.count())
            .select_from(tables.Adjudication)
            .where(col(tables.Adjudication.fingers).is_(None))
        ).scalar_one()
    assert fingerless == len(cases)


def test_distinct_people_are_not_flagged(sqlite_registry: Registry) -> None:
    result = enrol_population(
        sqlite_registry, 100, seed=11, state=Country.NER, officer="o1", site="desk", now=NOW
    )
    assert len(result.nins) == 100 and result.suspected == []


def test_the_same_seed_twice_resumes_instead_of_stopping_everyone(
    sqlite_registry: Registry,
) -> None:
    """A second run with the same seed brings the same people: each is recognised as enrolled
    by the first run (the very same capture) and skipped, not turned into a case."""

    def run() -> enrolment.PopulationResult:
        return enrol_population(
            sqlite_registry, 30, seed=8, state=None, officer="o1", site="desk", now=NOW
        )

    first = run()
    second = run()
    assert len(first.nins) == 30 and second.nins == [] and second.suspected == []
    assert second.already == first.nins and second.already_stopped == []
    assert list_cases(sqlite_registry, status=None) == []


def test_a_run_killed_midway_resumes_and_ends_like_an_uninterrupted_one(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crash is a run of the first 45 people; the same command for 90 then enrols only
    the rest, and opens each repeat's case once."""
    monkeypatch.setattr(enrolment, "CHUNK", 20)

    def run(count: int) -> enrolment.PopulationResult:
        return enrol_population(
            registry,
            count,
            seed=3,
            state=None,
            officer="o1",
            site="desk",
            now=NOW,
            repeat_rate=0.15,
        )

    mixed = planted(90, 0.15)
    before, after = mixed[:45], mixed[45:]
    crashed = run(45)
    resumed = run(90)
    assert len(crashed.nins) == sum(p.repeat_of is None for p in before)
    assert resumed.already == crashed.nins
    assert resumed.already_stopped == [s.case for s in crashed.suspected]
    assert len(resumed.nins) == sum(p.repeat_of is None for p in after)
    assert len(resumed.suspected) == sum(p.repeat_of is not None for p in after)
    with registry.reader() as session:
        enrolled = session.scalars(select(tables.Resident.given_names)).all()
    assert sorted(enrolled) == sorted(p.given_names for p in mixed if p.repeat_of is None)
    cases = list_cases(registry)
    assert len(cases) == sum(p.repeat_of is not None for p in mixed)
    assert len({(c.person["family_name"], c.person["given_names"]) for c in cases}) == len(cases)


def test_the_command_resumes_a_seeded_enrolment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    cli = Cli(tmp_path, capsys)
    cli.ok("enrol", "--synthetic", "25", "--seed", "4")  # killed after 25, say
    data = cli.ok("enrol", "--synthetic", "60", "--seed", "4", "--json").json()
    assert (data["enrolled"], data["already_enrolled"], data["suspected_duplicates"]) == (
        35,
        25,
        [],
    )
    again = cli.ok("enrol", "--synthetic", "60", "--seed", "4")
    assert "enrolled 0 synthetic residents (seed 4)" in again.out
    assert "resumed: 60 already enrolled and 0 already stopped" in again.out
    with sqlite3.connect(tmp_path / "registry.db") as db:
        assert db.execute("SELECT count(*) FROM resident").fetchone() == (60,)
        assert db.execute("SELECT count(*) FROM adjudication").fetchone() == (0,)
