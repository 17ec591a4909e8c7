"""Enrolment: a validated request becomes a resident with a new NIN, in one transaction.

Two paths share the same rules: :func:`enrol` for one person (an officer at a
desk, a CSV row) and :func:`enrol_many` for bulk loads, which inserts through
SQLAlchemy Core in batches. Both write the family name's key for the demographic
de-duplication (:func:`aes_id.registry.demographic.name_key`).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from aes_id.domain import (
    Country,
    Identity,
    Nin,
    PartialDate,
    ResidentStatus,
    Sex,
)
from aes_id.errors import InputError, NotFoundError, StorageError
from aes_id.formats.nationality import check_nationality
from aes_id.formats.numbers import generate_nin
from aes_id.geography import check_region
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.registry.demographic import name_key
from aes_id.registry.namesearch import name_matches
from aes_id.registry.validate import (
    MAX_FAMILY_NAME,
    MAX_GIVEN_NAMES,
    check_date_of_birth,
    clean_name,
    clean_place,
)

NIN_ATTEMPTS = 20


@dataclass(frozen=True)
class Demographics:
    """The validated demographic part of an enrolment."""

    family_name: str
    given_names: str
    date_of_birth: PartialDate
    sex: Sex
    nationality: str
    place_of_birth: str
    state: Country
    region: str

    def form(self) -> dict[str, str]:
        """The fields as an enrolment form takes them back (:data:`FIELDS`, ``dob`` compact)."""
        return {
            "family_name": self.family_name,
            "given_names": self.given_names,
            "dob": self.date_of_birth.compact(),
            "sex": self.sex.value,
            "nationality": self.nationality,
            "place_of_birth": self.place_of_birth,
            "state": self.state.value,
            "region": self.region,
        }


@dataclass(frozen=True)
class Capture:
    """Biometrics captured at the desk: a face (synthetic seed or photo) and ten fingers.

    ``fingers`` is ``None`` when no fingerprints were captured: the resident is
    then enrolled without them (and without a 1:N gallery row).
    """

    fingers: bytes | None
    face_seed: int | None = None
    face_image: bytes | None = None
    dedup_row: bytes | None = None


@dataclass(frozen=True)
class EnrolmentRequest:
    person: Demographics
    capture: Capture
    site: str
    officer: str


@dataclass(frozen=True)
class ResidentRecord:
    """A resident as the registry knows them."""

    identity: Identity
    state: Country
    region: str
    site: str
    officer: str
    enrolled_at: dt.datetime
    status: ResidentStatus


FIELDS = (
    "family_name",
    "given_names",
    "dob",
    "sex",
    "nationality",
    "place_of_birth",
    "state",
    "region",
)


def demographics_from_fields(fields: Mapping[str, str | None], *, today: dt.date) -> Demographics:
    """Validate raw text fields (flags, prompts, a CSV row) into :class:`Demographics`.

    Raises :class:`InputError` naming the first field that is wrong.
    """
    missing = [name for name in FIELDS if not (fields.get(name) or "").strip()]
    if missing:
        raise InputError(f"missing {', '.join(name.replace('_', ' ') for name in missing)}")

    def get(name: str) -> str:
        return str(fields[name])

    state = Country.parse(get("state"))
    return Demographics(
        family_name=clean_name(get("family_name"), "family name", max_length=MAX_FAMILY_NAME),
        given_names=clean_name(get("given_names"), "given names", max_length=MAX_GIVEN_NAMES),
        date_of_birth=check_date_of_birth(PartialDate.parse(get("dob")), today=today),
        sex=Sex.parse(get("sex")),
        nationality=check_nationality(get("nationality")),
        place_of_birth=clean_place(get("place_of_birth")),
        state=state,
        region=check_region(state, get("region")).name,
    )


def _resident_row(request: EnrolmentRequest, nin: Nin, now: dt.datetime) -> dict[str, Any]:
    person = request.person
    return {
        "nin": nin,
        "family_name": person.family_name,
        "name_key": name_key(person.family_name),
        "given_names": person.given_names,
        "date_of_birth": person.date_of_birth.compact(),
        "sex": person.sex.value,
        "nationality": person.nationality,
        "place_of_birth": person.place_of_birth,
        "state": person.state.value,
        "region": person.region,
        "site": request.site,
        "officer": request.officer,
        "enrolled_at": now,
        "status": ResidentStatus.ACTIVE.value,
    }


def _biometric_row(request: EnrolmentRequest, nin: Nin) -> dict[str, Any]:
    capture = request.capture
    return {
        "nin": nin,
        "face_seed": capture.face_seed,
        "face_image": capture.face_image,
        "fingers": capture.fingers,
        "dedup_row": capture.dedup_row,
    }


def enrol(
    registry: Registry,
    request: EnrolmentRequest,
    *,
    now: dt.datetime,
    rng: random.Random | None = None,
) -> Nin:
    """Enrol one resident and return the new NIN.

    The NIN is drawn at random and its uniqueness left to the database: a
    collision rolls back to a savepoint and draws again, so two processes
    enrolling at the same moment never share a number.
    """
    with registry.transaction() as session:
        return enrol_in(session, request, now=now, rng=rng)


def enrol_in(
    session: Session,
    request: EnrolmentRequest,
    *,
    now: dt.datetime,
    rng: random.Random | None = None,
) -> Nin:
    """:func:`enrol` inside the caller's transaction."""
    generator = rng or secrets.SystemRandom()
    for _ in range(NIN_ATTEMPTS):
        nin = generate_nin(generator)
        try:
            with session.begin_nested():
                session.execute(insert(tables.Resident), [_resident_row(request, nin, now)])
                session.execute(insert(tables.Biometric), [_biometric_row(request, nin)])
        except IntegrityError:
            continue
        return nin
    raise StorageError(f"no free NIN after {NIN_ATTEMPTS} draws; the number space looks exhausted")


def enrol_many(
    registry: Registry,
    requests: Iterable[EnrolmentRequest],
    *,
    now: dt.datetime,
    batch_size: int = 2000,
    rng: random.Random | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> list[Nin]:
    """Bulk enrolment through SQLAlchemy Core, one transaction per batch.

    A batch whose NINs collide with earlier ones (rare: about one in fifty
    thousand at a million residents) is retried row by row.
    """
    generator = rng or secrets.SystemRandom()
    nins: list[Nin] = []
    iterator = iter(requests)
    while batch := list(islice(iterator, batch_size)):
        nins.extend(_insert_batch(registry, batch, now=now, rng=generator))
        if on_batch:
            on_batch(len(batch))
    return nins


def _insert_batch(
    registry: Registry, batch: list[EnrolmentRequest], *, now: dt.datetime, rng: random.Random
) -> list[Nin]:
    drawn = [generate_nin(rng) for _ in batch]
    if len(set(drawn)) == len(drawn):
        try:
            with registry.transaction() as session:
                # Core executemany on the session's connection: the ORM's bulk path costs more
                connection = session.connection()
                connection.execute(
                    insert(tables.Resident),
                    [_resident_row(r, n, now) for r, n in zip(batch, drawn, strict=True)],
                )
                connection.execute(
                    insert(tables.Biometric),
                    [_biometric_row(r, n) for r, n in zip(batch, drawn, strict=True)],
                )
            return drawn
        except IntegrityError:
            pass
    return [enrol(registry, request, now=now, rng=rng) for request in batch]


def record_from_row(row: tables.Resident) -> ResidentRecord:
    return ResidentRecord(
        identity=Identity(
            nin=Nin(row.nin),
            family_name=row.family_name,
            given_names=row.given_names,
            date_of_birth=PartialDate.parse(row.date_of_birth),
            sex=Sex(row.sex),
            nationality=row.nationality,
            place_of_birth=row.place_of_birth,
        ),
        state=Country(row.state),
        region=row.region,
        site=row.site,
        officer=row.officer,
        enrolled_at=row.enrolled_at,
        status=ResidentStatus(row.status),
    )


def get_resident(registry: Registry, nin: str) -> ResidentRecord:
    with registry.reader() as session:
        row = session.get(tables.Resident, nin.strip())
    if row is None:
        raise NotFoundError(f"no resident with NIN {nin}")
    return record_from_row(row)


def find_residents(
    registry: Registry,
    *,
    name: str | None = None,
    dob: PartialDate | None = None,
    state: Country | None = None,
    limit: int = 50,
) -> list[ResidentRecord]:
    """Residents whose names contain ``name``, whatever the case and accents, etc.

    ``keita`` finds Keïta; every character but a letter stands for itself
    (:mod:`aes_id.registry.namesearch`).
    """
    query = select(tables.Resident)
    if name and name.strip():
        family = col(tables.Resident.family_name)
        given = col(tables.Resident.given_names)
        query = query.where(name_matches(family, given, name, sqlite=registry.is_sqlite))
    if dob is not None:
        query = query.where(col(tables.Resident.date_of_birth) == dob.compact())
    if state is not None:
        query = query.where(col(tables.Resident.state) == state.value)
    query = query.order_by(
        col(tables.Resident.family_name), col(tables.Resident.given_names)
    ).limit(limit)
    with registry.reader() as session:
        return [record_from_row(row) for row in session.scalars(query)]


def iter_residents(registry: Registry, *, batch: int = 5000) -> Iterator[ResidentRecord]:
    """Every resident, streamed in NIN order."""
    last = ""
    while True:
        query = (
            select(tables.Resident)
            .where(col(tables.Resident.nin) > last)
            .order_by(col(tables.Resident.nin))
            .limit(batch)
        )
        with registry.reader() as session:
            rows = list(session.scalars(query))
        if not rows:
            return
        yield from (record_from_row(row) for row in rows)
        last = rows[-1].nin
