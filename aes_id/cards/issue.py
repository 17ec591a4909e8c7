"""Issuance: the one place where a resident becomes a signed card and a log leaf.

For each card, in one database transaction: the card number is allocated, the
credential is built and signed with the state's active Document Signer, the
card row is stored and its leaf appended to the signature log. If anything
fails, none of it is written.

Signing (face thumbnail, CBOR, Ed25519, zlib, Base45) is CPU work without the
database, so batches can spread it over worker processes; allocation and
storage stay in the parent, in order.

Several processes may issue at once (``issue --pending`` started twice): each
batch leases its residents by locking their rows (PostgreSQL's ``FOR NO KEY
UPDATE SKIP LOCKED``; SQLite has one writer at a time), so the processes share
the pending residents without overlap, and the registry itself refuses a second
valid card for one resident (``ux_card_one_valid``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from aes_id.audit.leaf import LeafKind
from aes_id.audit.log import LeafDraft, append_leaves
from aes_id.biometrics.desk import card_fingers, qr_face
from aes_id.cards.revoke import mark_revoked
from aes_id.domain import (
    CardNumber,
    CardStatus,
    Country,
    Kid,
    Nin,
    ResidentStatus,
    RevocationReason,
)
from aes_id.errors import InputError, KeyStoreError, NotFoundError, StorageError, UsageError
from aes_id.formats.claims import CredentialClaims
from aes_id.formats.credential import face_budget, finish, prepare
from aes_id.formats.numbers import CARD_SERIAL_MAX, card_expiry, format_card_number
from aes_id.parallel import ordered_map, worker_pool
from aes_id.pki.certs import signing_period
from aes_id.pki.keys import KeyStore, SigningKey
from aes_id.publishing import publish_revocations_in
from aes_id.registry import tables
from aes_id.registry.db import Registry, describe
from aes_id.registry.enrol import ResidentRecord, record_from_row
from aes_id.registry.life import describe_status, valid_cards_in

BATCH = 200


@dataclass(frozen=True)
class IssuedCard:
    card_number: CardNumber
    nin: Nin
    state: Country
    kid: Kid
    qr_text: str


@dataclass(frozen=True)
class _Job:
    """What a worker needs to sign one card: no database, no key store."""

    claims: CredentialClaims
    face_seed: int | None
    face_image: bytes | None
    fingers: bytes | None
    """The ten-finger record, ``None`` when none were captured (the QR then carries none)."""


@dataclass(frozen=True)
class _Resident:
    """A resident as issuance reads them: the record, the biometrics, the data revision."""

    record: ResidentRecord
    bio: tables.Biometric
    data_version: int


@dataclass(frozen=True)
class _Signed:
    qr_text: str
    cose: bytes


def issue_cards(
    registry: Registry,
    keys: KeyStore,
    passphrase: str,
    nins: Iterable[str],
    *,
    now: dt.datetime,
    officer: str,
    replace: RevocationReason | None = None,
    workers: int = 1,
    on_card: Callable[[int], None] | None = None,
    lease: bool = False,
) -> list[IssuedCard]:
    """Issue a card to each NIN; ``replace`` revokes a resident's current card with that reason.

    A current card printed from older data (the resident's record changed since)
    is revoked as superseded without ``replace``. Deceased and suspended
    residents get no card.

    With ``lease`` the NINs are candidates (:func:`pending_nins`) that other
    processes may be issuing at the same time: each batch locks those no other
    process holds and skips the rest, and those that got an up-to-date card or
    left the active status since the list was made. Two processes given the
    same list then issue each resident once between them.
    """
    signers: dict[Country, SigningKey] = {}
    issued: list[IssuedCard] = []
    pool = worker_pool(workers) if workers > 1 else None
    try:
        iterator = iter(nins)
        while batch := [n.strip() for n in islice(iterator, BATCH)]:
            issued.extend(
                _issue_batch(
                    registry, keys, passphrase, signers, batch, now, officer, replace, pool, lease
                )
            )
            if on_card:
                on_card(len(batch))
    except IntegrityError as exc:
        raise _conflict(exc) from None
    finally:
        if pool:
            pool.shutdown()
    return issued


def _issue_batch(
    registry: Registry,
    keys: KeyStore,
    passphrase: str,
    signers: dict[Country, SigningKey],
    nins: list[str],
    now: dt.datetime,
    officer: str,
    replace: RevocationReason | None,
    pool: ProcessPoolExecutor | None,
    lease: bool = False,
) -> list[IssuedCard]:
    issued_at = now.astimezone(dt.UTC).replace(microsecond=0)
    replaced: set[Country] = set()
    with registry.transaction() as session:
        if lease and not (nins := _lease(session, nins, skip_locked=not registry.is_sqlite)):
            return []
        rows = _load(session, nins)
        for nin, entry in rows.items():
            replaced |= _check_current_card(session, nin, entry.data_version, replace, issued_at)
            state = entry.record.state
            if state not in signers:
                signers[state] = _signer(keys, state, passphrase, issued_at)
        numbers = _numbers(registry, session, [rows[n].record.state for n in nins])
        jobs = [
            _job(rows[nin], number, issued_at) for nin, number in zip(nins, numbers, strict=True)
        ]
        signed = list(_sign_all(jobs, signers, pool))
        cards = _store(session, rows, jobs, signed, signers, officer)
        append_leaves(
            session,
            [
                LeafDraft(
                    t=int(issued_at.timestamp()),
                    kind=LeafKind.CARD,
                    kid=signers[job.claims.issuing_state].kid,
                    signed=result.cose,
                    ref=job.claims.card_number,
                    by=officer,
                )
                for job, result in zip(jobs, signed, strict=True)
            ],
        )
        # A replaced card is revoked in this same transaction: so is its state's list re-signed
        # (the state that issued it, which a resident who moved no longer lives in).
        published = [
            publish_revocations_in(session, keys, passphrase, state, now=issued_at, by=officer)
            for state in sorted(replaced, key=lambda c: c.value)
        ]
    for item in published:
        item.export()
    return cards


def _store(
    session: Session,
    rows: dict[str, _Resident],
    jobs: list[_Job],
    signed: list[_Signed],
    signers: dict[Country, SigningKey],
    officer: str,
) -> list[IssuedCard]:
    """Add the card rows, each with the data revision it was printed from."""
    cards = []
    for job, result in zip(jobs, signed, strict=True):
        signer, nin = signers[job.claims.issuing_state], job.claims.identity.nin
        session.add(_card_row(job, result, signer.kid, officer, rows[nin].data_version))
        cards.append(
            IssuedCard(
                job.claims.card_number, nin, job.claims.issuing_state, signer.kid, result.qr_text
            )
        )
    return cards


def _signer(keys: KeyStore, state: Country, passphrase: str, at: dt.datetime) -> SigningKey:
    """The state's active Document Signer, refused if it may not sign at ``at``.

    A card signed outside its signer's period could never verify: better no card.
    Nor is one signed under a revoked State CA: its signers' cards are void.
    """
    kid, _ = keys.active_signer(state)
    issuer = keys.record(kid).issuer
    ca = keys.record(issuer) if issuer is not None else None
    if ca is not None and ca.revoked_from is not None:
        raise KeyStoreError(
            f"the State CA of {state.value} is revoked from {ca.revoked_from:%Y-%m-%d %H:%M} UTC "
            f"(kid {ca.kid.hex()}): no card is issued under it",
            hint=f"run `aes-id keys replace-ca --state {state.value}`, then issue again",
        )
    signer = keys.signer_key(state, passphrase)
    start, end = signing_period(signer.certificate)
    if not start <= at <= end:
        raise KeyStoreError(
            f"the Document Signer {signer.kid.hex()} of {state.value} signs from "
            f"{start:%Y-%m-%d} to {end:%Y-%m-%d}, not at {at:%Y-%m-%d %H:%M} UTC",
            hint=f"check the clock, or run `aes-id keys rotate --state {state.value}`",
        )
    return signer


def _load(session: Session, nins: list[str]) -> dict[str, _Resident]:
    if len(set(nins)) != len(nins):
        raise UsageError("a NIN appears twice in the list to issue")
    query = (
        select(tables.Resident, tables.Biometric)
        .join(
            tables.Biometric,
            col(tables.Biometric.nin) == col(tables.Resident.nin),  # type: ignore[arg-type]
        )
        .where(col(tables.Resident.nin).in_(nins))
    )  # type: ignore[attr-defined]
    found: dict[str, _Resident] = {}
    for row, bio in session.execute(query):
        if row.status != ResidentStatus.ACTIVE.value:
            raise _refused(row)
        found[row.nin] = _Resident(record_from_row(row), bio, row.data_version)
    for nin in nins:
        if nin not in found:
            raise NotFoundError(f"no resident with NIN {nin}")
    return found


def _refused(row: tables.Resident) -> InputError:
    """Why a resident who is not active gets no card, with the status's date and reason."""
    return InputError(
        f"resident {row.nin} is {describe_status(row)}: no card issued",
        hint=f"the record and its history: aes-id residents history {row.nin}",
    )


def _check_current_card(
    session: Session,
    nin: str,
    data_version: int,
    replace: RevocationReason | None,
    now: dt.datetime,
) -> set[Country]:
    """Refuse a second valid card, or revoke the current one; the states that revoked one.

    An outdated card (printed from an earlier ``data_version``) is revoked as
    superseded; a current one only with ``replace``, and with that reason.
    """
    current = valid_cards_in(session, nin)
    outdated = all(card.data_version < data_version for card in current)
    if current and replace is None and not outdated:
        raise UsageError(
            f"resident {nin} already has valid card {current[0].card_number}",
            hint="use --replace REASON to revoke it and issue a new one",
        )
    for card in current:
        mark_revoked(card, replace or RevocationReason.SUPERSEDED, now)
        session.add(card)
    return {Country(card.state) for card in current}


def _lease(session: Session, nins: list[str], *, skip_locked: bool) -> list[str]:
    """Lock the batch's residents that are still pending, skipping those another process holds.

    The row locks last as long as the batch's transaction, so the lease of a
    killed process ends with its connection. The cards are read once the locks
    are held: a resident another process issued meanwhile is seen and dropped.
    SQLite has no ``SKIP LOCKED`` and needs none (its writers queue on BEGIN).
    """
    query = (
        select(col(tables.Resident.nin), col(tables.Resident.data_version))
        .where(
            col(tables.Resident.nin).in_(nins),
            col(tables.Resident.status) == ResidentStatus.ACTIVE.value,
        )
        .order_by(col(tables.Resident.nin))
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True, key_share=True)
    locked: dict[str, int] = {nin: version for nin, version in session.execute(query)}
    if not locked:
        return []
    cards = session.execute(
        select(col(tables.CardRow.nin), col(tables.CardRow.data_version)).where(
            col(tables.CardRow.nin).in_(locked),
            col(tables.CardRow.status) == CardStatus.VALID.value,
        )
    )
    holders = {nin for nin, version in cards if version >= locked[nin]}
    return [nin for nin in nins if nin in locked and nin not in holders]


def _conflict(exc: IntegrityError) -> StorageError:
    """A batch the registry refused, in one line: most likely a second valid card."""
    text_ = describe(exc)
    if tables.ONE_VALID_CARD in text_ or "card.nin" in text_:
        who = text_.split("(nin)=(", 1)[1].split(")", 1)[0] if "(nin)=(" in text_ else None
        resident = f"resident {who}" if who else "a resident of this batch"
        return StorageError(
            f"{resident} was given a valid card by another issuance at the same time: "
            "nothing of this batch was written",
            hint="issue again: `aes-id issue --pending` skips residents who have a card",
        )
    return StorageError(f"the registry refused the batch: {text_}; nothing of it was written")


def _numbers(registry: Registry, session: Session, states: Sequence[Country]) -> list[CardNumber]:
    """Card numbers for a batch; on PostgreSQL from a short transaction of their own.

    The counter's row lock is then held for the update only, not while the batch
    signs, so concurrent processes do not queue on it. A batch that fails after
    leaves a gap in the serials, never a number used twice. SQLite's one writer
    holds the whole database anyway: the batch's own transaction allocates.
    """
    if registry.is_sqlite:
        return _allocate(session, states)
    with registry.transaction() as counter:
        return _allocate(counter, states)


def _ensure_counter(session: Session, state: Country) -> None:
    """Create the state's counter row if missing; another process creating it too is no error."""
    if session.get(tables.CardCounter, state.value) is not None:
        return
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    session.execute(
        insert(tables.CardCounter)
        .values(state=state.value, last_serial=0)
        .on_conflict_do_nothing(index_elements=["state"])
    )


def _allocate(session: Session, states: Sequence[Country]) -> list[CardNumber]:
    """Card numbers for ``states``, in order, from each state's counter (locked by the update).

    The counter holds the state's last sequence number; each number is that sequence
    written in base 33 (docs/numbers.md), so a state can issue 33**7 - 1 cards.
    """
    wanted: dict[Country, int] = {}
    for state in states:
        wanted[state] = wanted.get(state, 0) + 1
    next_serial: dict[Country, int] = {}
    for state, count in sorted(wanted.items(), key=lambda item: item[0].value):
        _ensure_counter(session, state)
        last = session.execute(
            update(tables.CardCounter)
            .where(col(tables.CardCounter.state) == state.value)  # type: ignore[arg-type]
            .values(last_serial=col(tables.CardCounter.last_serial) + count)
            .returning(col(tables.CardCounter.last_serial))
        ).scalar_one()
        if last > CARD_SERIAL_MAX:
            raise StorageError(
                f"{state.value} has issued all {CARD_SERIAL_MAX:,} card numbers; "
                f"{count} more do not fit in 7 base-33 characters",
                hint="the card number format must change first (docs/numbers.md)",
            )
        next_serial[state] = last - count + 1
    numbers = []
    for state in states:
        numbers.append(format_card_number(state, next_serial[state]))
        next_serial[state] += 1
    return numbers


def _job(entry: _Resident, number: CardNumber, issued_at: dt.datetime) -> _Job:
    resident, bio = entry.record, entry.bio
    claims = CredentialClaims.for_card(
        identity=resident.identity,
        issuing_state=resident.state,
        card_number=number,
        issued_at=issued_at,
        expires_on=card_expiry(issued_at.date()),
    )
    return _Job(claims, bio.face_seed, bio.face_image, bio.fingers)


@functools.lru_cache(maxsize=8)
def _private_key(private_bytes: bytes) -> Ed25519PrivateKey:
    """Loading a raw key costs as much as a signature: once per worker and signer."""
    return Ed25519PrivateKey.from_private_bytes(private_bytes)


def sign_job(job: _Job, kid: Kid, private_bytes: bytes) -> _Signed:
    """Finger templates, face thumbnail, claims, signature: the CPU part of issuing one card."""
    templates = card_fingers(job.fingers) if job.fingers is not None else ()
    claims = dataclasses.replace(job.claims, fingerprints=templates)
    face = qr_face(
        job.face_seed,
        job.face_image,
        claims.identity,
        claims.issued_at.date(),
        max_bytes=face_budget(claims),
    )
    claims = dataclasses.replace(claims, face=face)
    prepared = prepare(claims, kid=kid)
    key = _private_key(private_bytes)
    signed = finish(prepared, key.sign(prepared.to_be_signed()))
    return _Signed(signed.qr_text, signed.cose)


def _sign_all(
    jobs: list[_Job], signers: dict[Country, SigningKey], pool: ProcessPoolExecutor | None
) -> Iterator[_Signed]:
    from cryptography.hazmat.primitives import serialization

    raw = {
        state: signer.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        for state, signer in signers.items()
    }
    args = [
        (job, signers[job.claims.issuing_state].kid, raw[job.claims.issuing_state]) for job in jobs
    ]
    if pool is None:
        yield from (sign_job(*a) for a in args)
    else:
        yield from ordered_map(pool, _sign_star, args, ahead=64)


def _sign_star(args: tuple[_Job, Kid, bytes]) -> _Signed:
    return sign_job(*args)


def _card_row(
    job: _Job, signed: _Signed, kid: Kid, officer: str, data_version: int
) -> tables.CardRow:
    claims = job.claims
    return tables.CardRow(
        card_number=claims.card_number,
        nin=claims.identity.nin,
        state=claims.issuing_state.value,
        issued_at=claims.issued_at,
        expires_on=claims.expires_on,
        kid=kid.hex(),
        cose=signed.cose,
        qr_text=signed.qr_text,
        status=CardStatus.VALID.value,
        officer=officer,
        data_version=data_version,
    )


def pending_nins(registry: Registry, state: Country | None = None) -> list[str]:
    """Active residents without a valid card of their current data, in NIN order.

    A resident whose printed data changed since their card was issued is
    pending: issuing replaces the outdated card (see :func:`issue_cards`).
    """
    # One uncorrelated set of up-to-date holders: SQLite would run a correlated
    # subquery per resident through the card status index, quadratic in the registry.
    holder = aliased(tables.Resident)
    up_to_date = (
        select(col(tables.CardRow.nin))
        .join(holder, col(holder.nin) == col(tables.CardRow.nin))
        .where(
            col(tables.CardRow.status) == CardStatus.VALID.value,
            col(tables.CardRow.data_version) >= col(holder.data_version),
        )
    )
    query = select(col(tables.Resident.nin)).where(
        col(tables.Resident.status) == ResidentStatus.ACTIVE.value,
        col(tables.Resident.nin).not_in(up_to_date),  # type: ignore[attr-defined]
    )
    if state is not None:
        query = query.where(col(tables.Resident.state) == state.value)
    with registry.reader() as session:
        return list(session.scalars(query.order_by(col(tables.Resident.nin))))


def count_cards(registry: Registry) -> int:
    with registry.reader() as session:
        return int(session.scalar(select(func.count()).select_from(tables.CardRow)) or 0)
