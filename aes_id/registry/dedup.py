"""De-duplication at enrolment: search everyone enrolled before a NIN is allocated.

Two searches run side by side on every enrolment (desk, CSV, synthetic):

* **biometric**, 1:N on the ten fingers. The gallery is the registry's
  ``biometric.dedup_row`` column: each resident's index row (finger
  signatures, minutiae counts, packed minutiae) computed once at enrolment, so
  loading the gallery is a concatenation, not a re-extraction;
* **demographic**, on the names, date, sex and place of birth
  (:mod:`aes_id.registry.demographic`): an indexed lookup of the family-name key.

A likely match in either stops the enrolment: nothing is allocated, and the
request waits in ``adjudication``, naming the matched NINs and why (biometric,
demographic or both), until an officer confirms it (a fraud attempt, refused)
or clears it (a false match: the enrolment proceeds). See docs/deduplication.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, col, select

from aes_id.biometrics.arrays import IndexArrays
from aes_id.biometrics.gallery import POSITIONS, WIDTH, gallery_row, row_for_record, split_row
from aes_id.biometrics.index import Candidate, DedupIndex
from aes_id.biometrics.minutiae import MinutiaeSet
from aes_id.biometrics.template import decode_fingers
from aes_id.domain import Country, Nin, PartialDate, Sex
from aes_id.errors import DuplicateError, NotFoundError, UsageError
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.registry.demographic import (
    Declared,
    Match,
    PeopleIndex,
    fill_name_keys,
    registry_matches,
)
from aes_id.registry.enrol import Capture, Demographics, EnrolmentRequest, enrol, enrol_in

BIOMETRIC, DEMOGRAPHIC, BOTH = "biometric", "demographic", "both"
"""Why a suspect was named: the fingers matched, the demographics did, or both."""
_REASONS = {
    BIOMETRIC: "biometric match",
    DEMOGRAPHIC: "demographic match",
    BOTH: "biometric and demographic match",
}
PENDING = "pending:"
"""Prefix of the provisional id of someone a bulk run accepted but has not written yet."""


class Gallery:
    """Everyone enrolled, searchable; people enrolled during this run are added as they come."""

    def __init__(self, index: DedupIndex) -> None:
        self.index = index
        self._alias: dict[str, str] = {}

    @classmethod
    def load(cls, registry: Registry, *, batch: int = 20000) -> Gallery:
        ids: list[str] = []
        signatures: list[bytes] = []
        counts: list[bytes] = []
        minutiae: list[bytes] = []
        last = ""
        bio = tables.Biometric
        with registry.reader() as session:
            missing = list(session.exec(select(bio.nin).where(col(bio.dedup_row).is_(None))))
        if missing:
            backfill_rows(registry, missing)
        fill_missing_name_keys(registry)  # the demographic search needs them as well
        while True:
            query = (
                select(bio.nin, bio.dedup_row)
                .where(col(bio.nin) > last, col(bio.dedup_row).is_not(None))
                .order_by(col(bio.nin))
                .limit(batch)
            )
            with registry.reader() as session:
                rows = list(session.exec(query))
            if not rows:
                break
            for nin, row in rows:
                sig, cnt, mins = split_row(bytes(row or b""))
                ids.append(nin)
                signatures.append(sig)
                counts.append(cnt)
                minutiae.append(mins)
            last = rows[-1][0]
        arrays = IndexArrays(
            POSITIONS,
            tuple(ids),
            np.frombuffer(b"".join(signatures), np.uint8).reshape(len(ids), WIDTH),
            np.frombuffer(b"".join(counts), np.uint8).reshape(len(ids), len(POSITIONS)),
            np.frombuffer(b"".join(minutiae), "<u4").astype(np.uint32),
        )
        return cls(DedupIndex.from_arrays(arrays))

    def search(self, fingers: Sequence[MinutiaeSet]) -> list[Candidate]:
        found = self.index.search(fingers)
        return [
            Candidate(self._alias.get(c.person_id, c.person_id), c.score, c.fingers, c.agreement)
            for c in found
        ]

    def add(self, person_id: str, fingers: Sequence[MinutiaeSet]) -> None:
        self.index.add(person_id, fingers)

    def rename(self, provisional: str, nin: str) -> None:
        self._alias[provisional] = nin

    def resolve(self, person_id: str) -> str:
        """The NIN behind a provisional id (or the id itself)."""
        return self._alias.get(person_id, person_id)

    def __len__(self) -> int:
        return len(self.index)


@dataclass(frozen=True)
class Suspect:
    """Someone an enrolment may repeat: their NIN, the score and why (:data:`BOTH`, ...).

    A person found by both searches keeps the biometric score.
    """

    person_id: str
    score: float
    why: str


def combine(biometric: Sequence[Candidate], demographic: Sequence[Match]) -> list[Suspect]:
    """One suspect per person, those found by both searches first, then by the fingers."""
    scores = {m.person_id: m.score for m in demographic}
    fingers = {c.person_id for c in biometric}
    found = [
        Suspect(c.person_id, c.score, BOTH if c.person_id in scores else BIOMETRIC)
        for c in biometric
    ]
    found += [
        Suspect(m.person_id, m.score, DEMOGRAPHIC)
        for m in demographic
        if m.person_id not in fingers
    ]
    rank = {BOTH: 0, BIOMETRIC: 1, DEMOGRAPHIC: 2}
    return sorted(found, key=lambda s: (rank[s.why], -s.score))


def suspects_for(
    session: Session,
    person: Declared,
    fingers: Sequence[MinutiaeSet] | None,
    gallery: Gallery,
    people: PeopleIndex | None = None,
) -> list[Suspect]:
    """Both searches for one applicant (``people``: the registry plus a bulk run's pending)."""
    biometric = gallery.search(fingers) if fingers is not None else []
    demographic = (
        people.search(session, person) if people is not None else registry_matches(session, person)
    )
    return combine(biometric, demographic)


@dataclass(frozen=True)
class Suspicion:
    case: int
    candidates: tuple[Suspect, ...]

    def message(self) -> str:
        """One line: the NINs, their scores and why, and the case number."""
        named = ", ".join(
            f"{s.person_id} (score {s.score:.2f}): {_REASONS[s.why]}" for s in self.candidates[:3]
        )
        more = len(self.candidates) - 3
        if more > 0:
            named += f" and {more} more"
        return f"suspected duplicate of {named}; case #{self.case} awaits adjudication"


def _request_json(request: EnrolmentRequest) -> str:
    return json.dumps(request.person.form(), ensure_ascii=False)


def open_case(
    registry: Registry, request: EnrolmentRequest, suspects: Sequence[Suspect], now: dt.datetime
) -> Suspicion:
    """Keep a stopped enrolment for adjudication, naming who it may repeat and why."""
    case = tables.Adjudication(
        created_at=now,
        officer=request.officer,
        site=request.site,
        person=_request_json(request),
        face_seed=request.capture.face_seed,
        face_image=request.capture.face_image,
        fingers=request.capture.fingers,
        candidates=json.dumps([[s.person_id, round(s.score, 4), s.why] for s in suspects]),
        status="pending",
    )
    with registry.transaction() as session:
        session.add(case)
        session.flush()
        number = int(case.id or 0)
    return Suspicion(number, tuple(suspects))


def enrol_checked(
    registry: Registry,
    request: EnrolmentRequest,
    gallery: Gallery,
    *,
    now: dt.datetime,
) -> Nin:
    """Search the fingers and the demographics, then enrol.

    A suspected duplicate keeps the request as a case and raises :class:`DuplicateError`:
    nothing else is written and no NIN is allocated.
    """
    capture = request.capture
    fingers = None if capture.fingers is None else decode_fingers(capture.fingers)
    with registry.reader() as session:
        suspects = suspects_for(session, request.person, fingers, gallery)
    if suspects:
        suspicion = open_case(registry, request, suspects, now)
        raise DuplicateError(suspicion.message(), hint="`aes-id adjudicate` to decide")
    if fingers is None:
        return enrol(registry, request, now=now)
    nin = enrol(registry, with_row(request, fingers), now=now)
    gallery.add(nin, fingers)
    return nin


def with_row(request: EnrolmentRequest, fingers: Sequence[MinutiaeSet]) -> EnrolmentRequest:
    if request.capture.dedup_row is not None:
        return request
    capture = Capture(
        fingers=request.capture.fingers,
        face_seed=request.capture.face_seed,
        face_image=request.capture.face_image,
        dedup_row=gallery_row(fingers),
    )
    return EnrolmentRequest(request.person, capture, request.site, request.officer)


@dataclass(frozen=True)
class Case:
    number: int
    created_at: dt.datetime
    officer: str
    person: dict[str, str]
    candidates: list[tuple[str, float, str]]
    """``(NIN, score, why)``, best first."""
    status: str
    decided_by: str | None
    nin: str | None


def _case(row: tables.Adjudication) -> Case:
    return Case(
        number=int(row.id or 0),
        created_at=row.created_at,
        officer=row.officer,
        person=json.loads(row.person),
        candidates=[_candidate(item) for item in json.loads(row.candidates)],
        status=row.status,
        decided_by=row.decided_by,
        nin=row.nin,
    )


def _candidate(item: list[object]) -> tuple[str, float, str]:
    """A stored ``[NIN, score, why]``; rows from before the demographic check have no why."""
    why = str(item[2]) if len(item) > 2 else BIOMETRIC
    return str(item[0]), float(str(item[1])), why


def list_cases(registry: Registry, *, status: str | None = "pending") -> list[Case]:
    query = select(tables.Adjudication).order_by(col(tables.Adjudication.id))
    if status:
        query = query.where(col(tables.Adjudication.status) == status)
    with registry.reader() as session:
        return [_case(row) for row in session.exec(query)]


def decide(
    registry: Registry, number: int, *, confirm: bool, officer: str, now: dt.datetime
) -> Case:
    """Confirm (a fraud attempt: refused, kept on record) or clear (a false match: enrol now).

    The decision and, when cleared, the enrolment are one transaction.
    """
    with registry.transaction() as session:
        row = session.exec(
            select(tables.Adjudication)
            .where(col(tables.Adjudication.id) == number)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFoundError(f"no adjudication case #{number}")
        if row.status != "pending":
            raise UsageError(f"case #{number} was already decided ({row.status})")
        row.status = "confirmed" if confirm else "cleared"
        row.decided_by, row.decided_at = officer, now
        if not confirm:
            capture = Capture(row.fingers, row.face_seed, row.face_image)
            # enrolled under the officer who captured the applicant; the decider is decided_by
            request = EnrolmentRequest(
                _person(json.loads(row.person)), capture, row.site, row.officer
            )
            if capture.fingers is not None:
                request = with_row(request, decode_fingers(capture.fingers))
            row.nin = enrol_in(session, request, now=now)
        session.add(row)
        return _case(row)


def _person(p: dict[str, str]) -> Demographics:
    return Demographics(
        family_name=p["family_name"],
        given_names=p["given_names"],
        date_of_birth=PartialDate.parse(p["dob"]),
        sex=Sex(p["sex"]),
        nationality=p["nationality"],
        place_of_birth=p["place_of_birth"],
        state=Country(p["state"]),
        region=p["region"],
    )


def backfill_rows(registry: Registry, nins: Iterable[str]) -> int:
    """Compute missing gallery rows (residents enrolled before de-duplication existed)."""
    done = 0
    with registry.transaction() as session:
        for nin in nins:
            bio = session.get(tables.Biometric, nin)
            if bio is not None and bio.dedup_row is None and bio.fingers is not None:
                bio.dedup_row = row_for_record(bio.fingers)
                session.add(bio)
                done += 1
    return done


def fill_missing_name_keys(registry: Registry) -> int:
    """Compute the family-name keys a registry lacks (one indexed look first: usually none)."""
    with registry.reader() as session:
        empty = session.exec(
            select(tables.Resident.nin).where(col(tables.Resident.name_key) == "").limit(1)
        ).first()
    if empty is None:
        return 0
    with registry.transaction() as session:
        return fill_name_keys(session.connection())


# -- a synthetic run resumed: its own earlier work recognised, not taken for duplicates ------


def _digest(fingers: bytes | None) -> bytes:
    return hashlib.sha256(fingers or b"").digest()


def capture_key(request: EnrolmentRequest) -> tuple[int, bytes, str, str] | None:
    """What identifies one synthetic enrolment exactly: face seed, finger record, names.

    A synthetic capture is a pure function of the seeded body and the capture session, so
    an identical one is the same enrolment made again (a run resumed after a crash), never
    a second person. A desk capture has a random or no face seed: ``None`` for a photo.
    """
    seed = request.capture.face_seed
    if seed is None:
        return None
    person = request.person
    return seed, _digest(request.capture.fingers), person.family_name, person.given_names


def same_enrolment(session: Session, request: EnrolmentRequest, nins: Iterable[str]) -> Nin | None:
    """The resident among ``nins`` that ``request`` enrolled already (see :func:`capture_key`)."""
    key = capture_key(request)
    for nin in nins if key is not None else ():
        bio = session.get(tables.Biometric, nin)
        resident = session.get(tables.Resident, nin)
        if bio is None or resident is None or bio.face_seed is None:
            continue
        fingers = None if bio.fingers is None else bytes(bio.fingers)
        found = (bio.face_seed, _digest(fingers), resident.family_name, resident.given_names)
        if found == key:
            return Nin(nin)
    return None


def cases_by_capture(registry: Registry) -> dict[tuple[int, bytes, str, str], int]:
    """Cases kept for captures with a face seed, by :func:`capture_key`: the number of each."""
    case = tables.Adjudication
    query = select(case.id, case.face_seed, case.fingers, case.person).where(
        col(case.face_seed).is_not(None)
    )
    found: dict[tuple[int, bytes, str, str], int] = {}
    with registry.reader() as session:
        for number, seed, fingers, person in session.exec(query):
            names = json.loads(person)
            key = (int(seed or 0), _digest(fingers), names["family_name"], names["given_names"])
            found.setdefault(key, int(number or 0))
    return found
