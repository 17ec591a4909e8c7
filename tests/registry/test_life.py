"""A resident's life in the registry: changed data with its history, a death, a suspension.

On SQLite and PostgreSQL. Cards are left to tests/cards/test_life_events.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from aes_id.domain import PartialDate, ResidentStatus
from aes_id.errors import InputError, NotFoundError, UsageError
from aes_id.registry.capture import synthetic_capture
from aes_id.registry.db import Registry
from aes_id.registry.demographic import name_key
from aes_id.registry.enrol import EnrolmentRequest, demographics_from_fields, enrol, get_resident
from aes_id.registry.life import (
    Change,
    describe_status,
    record_death_in,
    resident_in,
    resident_life,
    suspend_in,
    update_resident,
)

ENROLLED = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
LATER = ENROLLED + dt.timedelta(days=40)
PERSON = {
    "family_name": "Keïta",
    "given_names": "Aïssata Kadidia",
    "dob": "1990-05-00",
    "sex": "F",
    "nationality": "MLI",
    "place_of_birth": "Ségou",
    "state": "MLI",
    "region": "Ségou",
}


def enrol_one(registry: Registry) -> str:
    person = demographics_from_fields(PERSON, today=ENROLLED.date())
    request = EnrolmentRequest(person, synthetic_capture(4), site="Ségou-1", officer="off-7")
    return enrol(registry, request, now=ENROLLED)


def snapshot(registry: Registry) -> dict[str, list[tuple[Any, ...]]]:
    with registry.reader() as session:
        return {
            name: sorted(
                tuple(row) for row in session.execute(select(SQLModel.metadata.tables[name]))
            )
            for name in ("resident", "resident_change")
        }


def update(registry: Registry, nin: str, **fields: str) -> Any:
    return update_resident(
        registry, nin, fields, reason="marriage certificate 2026/113", by="off-9", now=LATER
    )


def test_an_update_keeps_the_earlier_values_with_who_when_and_why(registry: Registry) -> None:
    nin = enrol_one(registry)
    done = update(registry, nin, family_name="Coulibaly", given_names="Aïssata")
    assert done.data_version == 2 and done.printed and done.outdated_cards == ()
    identity = get_resident(registry, nin).identity
    assert (identity.family_name, identity.given_names) == ("Coulibaly", "Aïssata")
    life = resident_life(registry, nin)
    assert life.data_version == 2 and life.status is ResidentStatus.ACTIVE
    why, who = "marriage certificate 2026/113", "off-9"
    assert life.changes == (
        Change("family_name", "Keïta", "Coulibaly", why, who, LATER),
        Change("given_names", "Aïssata Kadidia", "Aïssata", why, who, LATER),
    )
    assert done.changes == life.changes
    with registry.reader() as session:
        assert resident_in(session, nin).name_key == name_key("Coulibaly") != name_key("Keïta")
    update(registry, nin, family_name="Diarra")
    fields = [(c.field, c.old_value, c.new_value) for c in resident_life(registry, nin).changes]
    assert fields[-1] == ("family_name", "Coulibaly", "Diarra")
    assert resident_life(registry, nin).data_version == 3


def test_the_values_are_cleaned_and_checked_as_at_enrolment(registry: Registry) -> None:
    nin = enrol_one(registry)
    done = update(registry, nin, family_name="  Traoré   Diallo ", dob="1990-05-17")
    assert [(c.field, c.new_value) for c in done.changes] == [
        ("family_name", "Traoré Diallo"),
        ("date_of_birth", "19900517"),
    ]
    assert get_resident(registry, nin).identity.date_of_birth == PartialDate(1990, 5, 17)
    assert done.changes[1].to_json()["old_value"] == "1990-05-XX"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"family_name": "K3ita"}, "family name 'K3ita': character '3' is not allowed"),
        ({"dob": "2031-01-01"}, "date of birth 2031-01-01 is in the future"),
        ({"dob": "2024-01-01"}, "enrolment is from age 5"),
        ({"sex": "Q"}, "sex 'Q' is not F, M or X"),
        ({"nationality": "Mali"}, "is not an ISO 3166 alpha-3 code"),
        ({"state": "BFA"}, "Ségou"),  # Ségou is a region of Mali, not of Burkina Faso
        ({"region": "Kadiogo"}, "Kadiogo"),
        ({"place_of_birth": "Ségou 2"}, "place of birth 'Ségou 2'"),
    ],
)
def test_a_bad_value_is_refused_and_nothing_is_written(
    registry: Registry, fields: dict[str, str], message: str
) -> None:
    nin = enrol_one(registry)
    before = snapshot(registry)
    with pytest.raises(InputError, match=message):
        update(registry, nin, **{"given_names": "Aïssata", **fields})
    assert snapshot(registry) == before


def test_a_move_to_another_state_needs_a_region_of_that_state(registry: Registry) -> None:
    nin = enrol_one(registry)
    done = update(registry, nin, state="BFA", region="Ouagadougou")
    assert [(c.field, c.new_value) for c in done.changes] == [
        ("state", "BFA"),
        ("region", "Kadiogo"),  # the 2025 name of the region
    ]
    assert done.data_version == 2  # the issuing state is on the card
    assert get_resident(registry, nin).state.value == "BFA"


def test_a_move_within_the_state_outdates_no_card(registry: Registry) -> None:
    nin = enrol_one(registry)
    done = update(registry, nin, region="Kayes")
    assert not done.printed and done.data_version == 1
    assert [(c.field, c.old_value, c.new_value) for c in done.changes] == [
        ("region", "Ségou", "Kayes")
    ]
    assert resident_life(registry, nin).data_version == 1


def test_an_update_that_changes_nothing_is_refused(registry: Registry) -> None:
    nin = enrol_one(registry)
    before = snapshot(registry)
    with pytest.raises(UsageError, match="already has these values"):
        update(registry, nin, family_name="Keïta", region="ségou")
    with pytest.raises(UsageError, match="nothing to change"):
        update(registry, nin)
    with pytest.raises(InputError, match="a reason is needed"):
        update_resident(registry, nin, {"region": "Kayes"}, reason="  ", by="o", now=LATER)
    with pytest.raises(InputError, match="at most 200"):
        update_resident(registry, nin, {"region": "Kayes"}, reason="x" * 201, by="o", now=LATER)
    with pytest.raises(NotFoundError, match="no resident with NIN 000000000000"):
        update(registry, "000000000000", region="Kayes")
    assert snapshot(registry) == before


def test_a_death_is_recorded_and_a_date_given_later_is_kept_beside_it(
    registry: Registry,
) -> None:
    nin = enrol_one(registry)
    with registry.transaction() as session:
        assert record_death_in(session, nin, on=None, reason="card handed in", by="o1", now=LATER)
    with registry.reader() as session:
        text = describe_status(resident_in(session, nin))
    assert text == "deceased (date of death unknown; recorded 2026-04-23: card handed in)"
    on = PartialDate(2026, 4, 0)
    with registry.transaction() as session:
        assert record_death_in(session, nin, on=on, reason="certificate 77", by="o2", now=LATER)
    with registry.transaction() as session:
        assert not record_death_in(session, nin, on=on, reason="again", by="o2", now=LATER)
    life = resident_life(registry, nin)
    assert life.status is ResidentStatus.DECEASED
    assert life.status_text == "deceased (died 2026-04-XX; recorded 2026-04-23: card handed in)"
    assert [(c.field, c.old_value, c.new_value, c.changed_by) for c in life.changes] == [
        ("status", "active", "deceased", "o1"),
        ("deceased_on", None, "20260400", "o2"),
    ]


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (PartialDate(2026, 5, 1), "date of death 2026-05-01 is in the future"),
        (PartialDate(1990, 4, 0), "is before resident .*'s date of birth 1990-05-XX"),
    ],
)
def test_an_impossible_date_of_death_is_refused(
    registry: Registry, on: PartialDate, message: str
) -> None:
    nin = enrol_one(registry)
    before = snapshot(registry)
    with pytest.raises(InputError, match=message), registry.transaction() as session:
        record_death_in(session, nin, on=on, reason="", by="o1", now=LATER)
    assert snapshot(registry) == before


def test_the_record_of_a_deceased_resident_is_closed_to_changes(registry: Registry) -> None:
    nin = enrol_one(registry)
    with registry.transaction() as session:
        record_death_in(session, nin, on=PartialDate(2026, 4, 2), reason="", by="o1", now=LATER)
    before = snapshot(registry)
    with pytest.raises(UsageError, match=r"is deceased \(died 2026-04-02.*closed to changes"):
        update(registry, nin, family_name="Coulibaly")
    assert snapshot(registry) == before


def test_a_suspension_is_recorded_once_and_a_suspended_record_may_still_change(
    registry: Registry,
) -> None:
    nin = enrol_one(registry)
    with registry.transaction() as session:
        assert suspend_in(session, nin, reason="fraud case 12", by="o1", now=LATER)
    with registry.transaction() as session:
        assert not suspend_in(session, nin, reason="fraud case 13", by="o1", now=LATER)
    life = resident_life(registry, nin)
    assert life.status_text == "suspended (since 2026-04-23: fraud case 12)"
    assert [(c.field, c.new_value) for c in life.changes] == [("status", "suspended")]
    assert update(registry, nin, family_name="Coulibaly").data_version == 2
