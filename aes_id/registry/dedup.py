"""1:N de-duplication at enrolment: search everyone enrolled before a NIN is allocated.

The gallery is the registry's ``biometric.dedup_row`` column: each resident's
index row (finger signatures, minutiae counts, packed minutiae) computed once
at enrolment, so loading the gallery is a concatenation, not a re-extraction.

A hit above the threshold stops the enrolment: nothing is allocated, and the
request waits in ``adjudication`` until an officer confirms it (a fraud
attempt, refused) or clears it (a false match: the enrolment proceeds).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlmodel import col, select

from aes_id.biometrics.arrays import IndexArrays
from aes_id.biometrics.gallery import POSITIONS, WIDTH, gallery_row, row_for_record, split_row
from aes_id.biometrics.index import Candidate, DedupIndex
from aes_id.biometrics.minutiae import MinutiaeSet
from aes_id.biometrics.template import decode_fingers
from aes_id.domain import Country, Nin, PartialDate, Sex
from aes_id.errors import DuplicateError, NotFoundError, UsageError
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.registry.enrol import Capture, Demographics, EnrolmentRequest, enrol, enrol_in


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
class Suspicion:
    case: int
    candidates: tuple[Candidate, ...]

    def message(self) -> str:
        best = ", ".join(f"{c.person_id} (score {c.score:.2f})" for c in self.candidates[:3])
        return f"suspected duplicate of {best}: case #{self.case} awaits adjudication"


def _request_json(request: EnrolmentRequest) -> str:
    return json.dumps(request.person.form(), ensure_ascii=False)


def open_case(
    registry: Registry, request: EnrolmentRequest, candidates: Sequence[Candidate], now: dt.datetime
) -> Suspicion:
    """Keep a stopped enrolment for adjudication; return its case number."""
    case = tables.Adjudication(
        created_at=now,
        officer=request.officer,
        site=request.site,
        person=_request_json(request),
        face_seed=request.capture.face_seed,
        face_image=request.capture.face_image,
        fingers=request.capture.fingers,
        candidates=json.dumps([[c.person_id, round(c.score, 4)] for c in candidates]),
        status="pending",
    )
    with registry.transaction() as session:
        session.add(case)
        session.flush()
        number = int(case.id or 0)
    return Suspicion(number, tuple(candidates))


def enrol_checked(
    registry: Registry,
    request: EnrolmentRequest,
    gallery: Gallery,
    *,
    now: dt.datetime,
) -> Nin:
    """Search the gallery, then enrol; a suspected duplicate raises :class:`DuplicateError`."""
    if request.capture.fingers is None:
        return enrol(registry, request, now=now)
    fingers = decode_fingers(request.capture.fingers)
    candidates = gallery.search(fingers)
    if candidates:
        suspicion = open_case(registry, request, candidates, now)
        raise DuplicateError(suspicion.message(), hint="`aes-id adjudicate` to decide")
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
    candidates: list[tuple[str, float]]
    status: str
    decided_by: str | None
    nin: str | None


def _case(row: tables.Adjudication) -> Case:
    return Case(
        number=int(row.id or 0),
        created_at=row.created_at,
        officer=row.officer,
        person=json.loads(row.person),
        candidates=[(str(n), float(s)) for n, s in json.loads(row.candidates)],
        status=row.status,
        decided_by=row.decided_by,
        nin=row.nin,
    )


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
