"""Issued cards as officers see them and printers need them, read back from the registry.

The printed fields come from the signed credential itself, so what is printed
is exactly what the QR proves. A card is *outdated* when the resident's data
changed after it was printed (its ``data_version`` is older than the
resident's): the next ``aes-id issue`` replaces it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import select
from sqlmodel import col

from aes_id.biometrics.desk import portrait
from aes_id.domain import Card, CardNumber, CardStatus, Kid
from aes_id.errors import NotFoundError
from aes_id.formats.credential import parse_qr_text
from aes_id.formats.mrz import MrzData, compose_td1
from aes_id.formats.numbers import check_card_number
from aes_id.formats.qr import qr_version
from aes_id.registry import tables
from aes_id.registry.db import Registry


@dataclass(frozen=True)
class CardView:
    card: Card
    mrz: tuple[str, str, str]
    qr_text: str
    qr_version: int
    revoked_at: dt.datetime | None
    revocation_reason: str | None
    data_version: int
    """The revision of the resident's data this card was printed from."""
    resident_data_version: int
    """The revision of the resident's data today."""

    @property
    def outdated(self) -> bool:
        """The resident's data changed after this card was printed."""
        return self.data_version < self.resident_data_version

    def to_json(self) -> dict[str, object]:
        card, person = self.card, self.card.identity
        return {
            "card_number": card.card_number,
            "status": card.status.value,
            "issuing_state": card.issuing_state.value,
            **person.to_json(),
            "issued_at": card.issued_at.isoformat(),
            "expires_on": card.expires_on.isoformat(),
            "kid": card.kid.hex(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revocation_reason": self.revocation_reason,
            "data_version": self.data_version,
            "resident_data_version": self.resident_data_version,
            "outdated": self.outdated,
            "mrz": list(self.mrz),
            "qr_version": self.qr_version,
            "qr_text": self.qr_text,
        }


def _card(row: tables.CardRow) -> Card:
    claims = parse_qr_text(row.qr_text).claims
    return Card(
        card_number=claims.card_number,
        issuing_state=claims.issuing_state,
        identity=claims.identity,
        issued_at=claims.issued_at,
        expires_on=claims.expires_on,
        kid=Kid(bytes.fromhex(row.kid)),
        qr_text=row.qr_text,
        face_thumbnail=claims.face,
        status=CardStatus(row.status),
    )


def mrz_lines(card: Card) -> tuple[str, str, str]:
    return compose_td1(
        MrzData.for_identity(
            card.identity,
            issuing_state=card.issuing_state,
            card_number=card.card_number,
            expiry=card.expires_on,
        )
    )


def _row(registry: Registry, card_number: str) -> tables.CardRow:
    number = check_card_number(card_number)
    with registry.reader() as session:
        row = session.get(tables.CardRow, number)
    if row is None:
        raise NotFoundError(f"no card {number}")
    return row


def card_view(registry: Registry, card_number: str) -> CardView:
    """The card as an officer sees it: printed fields, MRZ, QR, status, and whether outdated."""
    row = _row(registry, card_number)
    card = _card(row)
    with registry.reader() as session:
        holder = session.get(tables.Resident, row.nin)
    if holder is None:
        raise NotFoundError(f"no resident {row.nin} for card {row.card_number}")
    return CardView(
        card=card,
        mrz=mrz_lines(card),
        qr_text=row.qr_text,
        qr_version=qr_version(row.qr_text),
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
        data_version=row.data_version,
        resident_data_version=holder.data_version,
    )


def card_with_portrait(registry: Registry, card_number: str) -> tuple[Card, Image.Image]:
    """The card and the holder's portrait as printed on its front."""
    row = _row(registry, card_number)
    card = _card(row)
    with registry.reader() as session:
        bio = session.get(tables.Biometric, row.nin)
    if bio is None:
        raise NotFoundError(f"no biometrics for resident {row.nin}")
    image = portrait(bio.face_seed, bio.face_image, card.identity, card.issued_at.date())
    return card, image


def cards_of(
    registry: Registry,
    *,
    state: str | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[CardNumber]:
    query = select(col(tables.CardRow.card_number))
    if state:
        query = query.where(col(tables.CardRow.state) == state)
    if status:
        query = query.where(col(tables.CardRow.status) == status)
    query = query.order_by(col(tables.CardRow.card_number))
    if limit:
        query = query.limit(limit)
    with registry.reader() as session:
        return [CardNumber(n) for n in session.scalars(query)]
