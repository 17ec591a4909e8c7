"""Revoking cards: the registry marks them, their state's revocation list is re-signed.

Both happen in one transaction, and the new list is exported once it has
committed, so a border post that syncs sees the revocation (see
:mod:`aes_id.publishing` for how lists are signed, logged and exported).

A revocation can also change the resident, in the same transaction: a card
revoked because its holder died records the death, one revoked for fraud
suspends the resident (:mod:`aes_id.registry.life`), so no new card is issued
to them. A death recorded from the civil register (:func:`record_death`)
revokes the resident's valid card in the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from aes_id.domain import (
    CardNumber,
    CardStatus,
    Country,
    Nin,
    PartialDate,
    ResidentStatus,
    RevocationReason,
)
from aes_id.errors import NotFoundError, UsageError
from aes_id.formats.numbers import check_card_number
from aes_id.pki.keys import KeyStore
from aes_id.publishing import Published, publish_revocations_in
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.registry.life import (
    describe_status,
    record_death_in,
    resident_in,
    suspend_in,
    valid_cards_in,
)


@dataclass(frozen=True)
class Revocation:
    """One card revoked: why, the revocation list that now carries it, the holder's status."""

    card_number: CardNumber
    nin: Nin
    reason: RevocationReason
    published: Published
    resident_status: ResidentStatus
    resident_changed: bool
    """Whether this revocation changed the resident (recorded a death, a suspension)."""


@dataclass(frozen=True)
class ListSigning:
    """What re-signs a state's revocation list: the key store and its passphrase."""

    store: KeyStore
    passphrase: str


@dataclass(frozen=True)
class Death:
    """A death recorded: the cards it revoked and the revocation lists re-signed for them."""

    nin: Nin
    status_text: str
    revoked: tuple[CardNumber, ...]
    published: tuple[Published, ...]


def mark_revoked(card: tables.CardRow, reason: RevocationReason, now: dt.datetime) -> None:
    """Mark a valid card revoked (the caller re-signs its state's list in the same transaction)."""
    card.status = CardStatus.REVOKED.value
    card.revoked_at = now
    card.revocation_reason = reason.value


def revoke_card(
    registry: Registry,
    store: KeyStore,
    passphrase: str,
    card_number: str,
    reason: RevocationReason,
    *,
    now: dt.datetime,
    by: str,
    deceased_on: PartialDate | None = None,
) -> Revocation:
    """Revoke one card and publish its state's new revocation list, in one transaction.

    ``deceased`` also records the holder's death (on ``deceased_on``, if known);
    ``fraud`` suspends the holder.
    """
    if deceased_on is not None and reason is not RevocationReason.DECEASED:
        raise UsageError("a date of death goes with the reason deceased")
    with registry.transaction() as session:
        card = session.get(tables.CardRow, check_card_number(card_number))
        if card is None:
            raise NotFoundError(f"no card {card_number}")
        if card.status != CardStatus.VALID.value:
            raise UsageError(f"card {card.card_number} is already {card.status}")
        mark_revoked(card, reason, now)
        session.add(card)
        changed = _holder_effect(session, card, reason, deceased_on, now=now, by=by)
        session.flush()
        published = publish_revocations_in(
            session, store, passphrase, Country(card.state), now=now, by=by
        )
        status = ResidentStatus(resident_in(session, card.nin).status)
    published.export()
    return Revocation(
        CardNumber(card.card_number), Nin(card.nin), reason, published, status, changed
    )


def _holder_effect(
    session: Session,
    card: tables.CardRow,
    reason: RevocationReason,
    deceased_on: PartialDate | None,
    *,
    now: dt.datetime,
    by: str,
) -> bool:
    """What the revocation means for the holder: a death recorded, a suspension, or nothing."""
    why = f"card {card.card_number} revoked: {reason.value}"
    if reason is RevocationReason.DECEASED:
        return record_death_in(session, card.nin, on=deceased_on, reason=why, by=by, now=now)
    if reason is RevocationReason.FRAUD:
        return suspend_in(session, card.nin, reason=why, by=by, now=now)
    return False


def record_death(
    registry: Registry,
    signing: ListSigning | None,
    nin: str,
    *,
    on: PartialDate,
    reason: str,
    now: dt.datetime,
    by: str,
) -> Death:
    """Record a resident's death and revoke their valid cards (reason ``deceased``), at once.

    Each revoked card's state list is re-signed in the same transaction, which
    needs ``signing``; a resident without a valid card needs none.
    """
    with registry.transaction() as session:
        why = reason.strip() or "death recorded"
        changed = record_death_in(session, nin, on=on, reason=why, by=by, now=now)
        holder = resident_in(session, nin)
        cards = valid_cards_in(session, holder.nin)
        if not changed and not cards:
            raise UsageError(f"resident {holder.nin} is already recorded {describe_status(holder)}")
        for card in cards:
            mark_revoked(card, RevocationReason.DECEASED, now)
            session.add(card)
        session.flush()
        published = _republish(session, signing, holder.nin, cards, now=now, by=by)
        status_text = describe_status(holder)
    for item in published:
        item.export()
    numbers = tuple(CardNumber(card.card_number) for card in cards)
    return Death(Nin(holder.nin), status_text, numbers, published)


def _republish(
    session: Session,
    signing: ListSigning | None,
    nin: str,
    cards: list[tables.CardRow],
    *,
    now: dt.datetime,
    by: str,
) -> tuple[Published, ...]:
    """Re-sign the lists of the states whose cards were revoked."""
    if not cards:
        return ()
    if signing is None:
        raise UsageError(
            f"resident {nin} holds valid card {cards[0].card_number}: revoking it re-signs "
            "its state's revocation list, which needs the key store",
            hint="run it where the key store is (--keys) with its passphrase",
        )
    states = sorted({Country(card.state) for card in cards}, key=lambda state: state.value)
    return tuple(
        publish_revocations_in(session, signing.store, signing.passphrase, state, now=now, by=by)
        for state in states
    )
