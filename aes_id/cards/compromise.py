"""Key compromise, the card side: the cards a revoked key signed are revoked with it.

A Document Signer revoked from date D voids every card it signed at D or later
(``iat`` on or after D, as a border post judges it, docs/credential.md); a
State CA revoked from D voids the cards of every signer it certified, signed
at D or later. :func:`revoke_key` revokes the key (the active signer is
replaced at once, see :func:`aes_id.publishing.revoke_key`) and, in the same
transaction, marks those cards revoked in the registry with the reason
``signer-compromised`` and re-signs their state's revocation list, so that
``aes-id issue --pending`` re-issues them under the state's active signer.

:func:`cards_signed_by` counts the valid cards of a set of keys: what replacing a
whole key store (``aes-id keys init --force``) orphans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from aes_id.domain import CardNumber, CardStatus, Country, Kid, RevocationReason
from aes_id.pki.certs import KeyRole
from aes_id.pki.keys import KeyEvent, KeyRecord, KeyRevocationReason, KeyStore
from aes_id.publishing import Published
from aes_id.publishing import revoke_key as revoke_in_store
from aes_id.registry import tables
from aes_id.registry.db import Registry

_CHUNK = 500
"""Card numbers per UPDATE (well under every database's limit on bound parameters)."""


@dataclass(frozen=True)
class Compromise:
    """A key revoked, and what came with it."""

    key: KeyRecord
    """The revoked key's record, as the store now holds it."""
    events: tuple[KeyEvent, ...]
    """The revocation, then the new signer's event if the active signer was replaced."""
    cards: tuple[CardNumber, ...]
    """The cards revoked with the key, in card number order."""
    published: tuple[Published, ...]
    """The trust list, and the state's revocation list if it was re-signed."""

    @property
    def successor(self) -> KeyEvent | None:
        """The event of the new active Document Signer, if the revocation made one."""
        return self.events[1] if len(self.events) > 1 else None


def revoke_key(
    registry: Registry,
    store: KeyStore,
    passphrase: str,
    kid: Kid,
    *,
    from_: dt.datetime,
    reason: KeyRevocationReason | str,
    now: dt.datetime,
    by: str,
) -> Compromise:
    """Revoke a State CA or Document Signer from ``from_`` on, and the cards it signed since.

    One transaction: the key events are logged, the store changes, the trust
    list is signed, the cards are marked and the state's revocation list is
    re-signed (unless its State CA is the key revoked); a failure, a wrong
    passphrase for one, leaves the registry, the log and the key store as they were.
    """
    marked: list[CardNumber] = []
    at = _utc_second(now)

    def mark(session: Session) -> list[Country]:
        record = store.record(kid)
        assert record.revoked_from is not None and record.state is not None
        signers = signed_under(store, record)
        marked.extend(mark_signed_cards(session, signers, record.revoked_from, at))
        return [record.state] if marked else []

    change = revoke_in_store(
        registry,
        store,
        passphrase,
        kid,
        from_=from_,
        reason=reason,
        now=at,
        by=by,
        mark_affected=mark,
    )
    return Compromise(store.record(kid), change.events, tuple(marked), change.published)


def signed_under(store: KeyStore, record: KeyRecord) -> list[Kid]:
    """The Document Signers whose cards a revocation of ``record`` voids: itself, or a State
    CA's signers."""
    if record.role is KeyRole.DOCUMENT_SIGNER:
        return [record.kid]
    return [
        r.kid
        for r in store.list_keys()
        if r.role is KeyRole.DOCUMENT_SIGNER and r.issuer == record.kid
    ]


def mark_signed_cards(
    session: Session, kids: Iterable[Kid], from_: dt.datetime, now: dt.datetime
) -> list[CardNumber]:
    """Revoke (``signer-compromised``, at ``now``) the valid cards ``kids`` signed at ``from_``
    or later; return their numbers, sorted."""
    hexes = [kid.hex() for kid in kids]
    rows = session.execute(
        select(col(tables.CardRow.card_number), col(tables.CardRow.issued_at)).where(
            col(tables.CardRow.kid).in_(hexes),
            col(tables.CardRow.status) == CardStatus.VALID.value,
        )
    )
    numbers = sorted(CardNumber(number) for number, issued in rows if _utc(issued) >= from_)
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        session.execute(
            update(tables.CardRow)
            .where(col(tables.CardRow.card_number).in_(chunk))
            .values(
                status=CardStatus.REVOKED.value,
                revoked_at=now,
                revocation_reason=RevocationReason.SIGNER_COMPROMISED.value,
            )
        )
    session.flush()
    return numbers


def cards_signed_by(registry: Registry, kids: Iterable[Kid]) -> int:
    """How many valid cards ``kids`` signed (the cards replacing those keys orphans)."""
    hexes = [kid.hex() for kid in kids]
    with registry.reader() as session:
        count = session.scalar(
            select(func.count())
            .select_from(tables.CardRow)
            .where(
                col(tables.CardRow.kid).in_(hexes),
                col(tables.CardRow.status) == CardStatus.VALID.value,
            )
        )
    return int(count or 0)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A time read back from the registry, in UTC (SQLite returns it without a zone)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _utc_second(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)
