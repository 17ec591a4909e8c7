"""Synthetic enrolment with planted repeats, and the 1:N check that must catch them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest

from aes_id.biometrics.desk import finger_record, finger_views
from aes_id.biometrics.gallery import gallery_row
from aes_id.biometrics.index import DEDUP_THRESHOLD
from aes_id.domain import Country, Nin
from aes_id.errors import UsageError
from aes_id.registry.db import Registry
from aes_id.registry.dedup import list_cases
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

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()


def people(count: int, seed: int = 3) -> Iterator[SyntheticPerson]:
    return generate(count, seed=seed, today=TODAY)


def planted(count: int, rate: float, seed: int = 3) -> list[SyntheticPerson]:
    return list(with_repeats(people(count, seed), rate=rate, seed=seed))


# -- with_repeats -----------------------------------------------------------------------------


def test_no_rate_no_repeats() -> None:
    assert planted(60, 0.0) == list(people(60))


def test_a_repeat_is_an_earlier_persons_body_under_its_own_details() -> None:
    plain = list(people(400))
    mixed = planted(400, 0.2)
    repeats = [p for p in mixed if p.repeat_of is not None]
    assert repeats, "the rate gave no repeat"
    for person, original in zip(mixed, plain, strict=True):
        if person.repeat_of is None:
            assert person == original
            continue
        first = mixed[person.repeat_of]
        assert person.repeat_of < person.index and first.repeat_of is None
        assert person.biometric_seed == first.biometric_seed != original.biometric_seed
        assert dataclasses.replace(
            person, biometric_seed=original.biometric_seed, repeat_of=None
        ) == (original)


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
    for person, suspicion, case in zip(repeats, result.suspected, cases, strict=True):
        original = nin_of[person.repeat_of or 0]
        assert [c.person_id for c in suspicion.candidates] == [original]
        assert suspicion.candidates[0].score >= DEDUP_THRESHOLD
        assert [nin for nin, _ in case.candidates] == [original]
        assert case.person["family_name"] == person.family_name
        assert case.person["dob"] == person.date_of_birth.compact()
        assert "pending" not in suspicion.message()


def test_distinct_people_are_not_flagged(sqlite_registry: Registry) -> None:
    result = enrol_population(
        sqlite_registry, 100, seed=11, state=Country.NER, officer="o1", site="desk", now=NOW
    )
    assert len(result.nins) == 100 and result.suspected == []


def test_the_same_seed_twice_is_the_same_people(sqlite_registry: Registry) -> None:
    """A second run with the same seed brings the same bodies: the gallery, loaded from the
    registry's rows, stops every one of them and names the NIN of the first run."""

    def run() -> enrolment.PopulationResult:
        return enrol_population(
            sqlite_registry, 30, seed=8, state=None, officer="o1", site="desk", now=NOW
        )

    first = run()
    second = run()
    assert len(first.nins) == 30 and second.nins == []
    assert [s.candidates[0].person_id for s in second.suspected] == first.nins
    for nin, case in zip(first.nins, list_cases(sqlite_registry), strict=True):
        identity = get_resident(sqlite_registry, nin).identity
        assert (case.person["family_name"], case.person["given_names"]) == (
            identity.family_name,
            identity.given_names,
        )
        assert case.person["dob"] == identity.date_of_birth.compact()
