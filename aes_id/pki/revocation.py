"""A state's revocation list: the card numbers it revoked, signed by its State CA. Pure.

The payload is deterministic CBOR (RFC 8949 §4.2.1)::

    {"type": "aes-id/revocation-list", "v": 1, "state": "MLI", "seq": 12,
     "issued_at": 1773480600, "next_update": 1773567000,
     "cards": [[4217, 1, 1773400000], ...]}

Each card is ``[the 7 digits of its number as an integer, reason code, revoked_at]``,
sorted by number: the state's alpha-2 prefix is implied, so one card costs about
12 bytes and 100,000 revoked cards about 1.2 MB. Lookups bisect the sorted entries.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aes_id.domain import CardNumber, Country, RevocationReason
from aes_id.formats.cose import decode1, sign1
from aes_id.pki.certs import KeyRole
from aes_id.pki.signedlist import (
    FORMAT_VERSION,
    ListFormatError,
    ListSignatureError,
    body_of,
    check_header,
    encode,
    from_seconds,
    require_deterministic,
    seconds,
    time_field,
    typed_field,
    uint_field,
    verified_payload,
    whole_second,
)
from aes_id.pki.trust import TrustList

REVOCATION_LIST_TYPE = "aes-id/revocation-list"
REVOCATION_LIST_NEXT_UPDATE = dt.timedelta(days=1)

REASON_CODES: Mapping[RevocationReason, int] = {
    RevocationReason.LOST: 1,
    RevocationReason.STOLEN: 2,
    RevocationReason.DAMAGED: 3,
    RevocationReason.DECEASED: 4,
    RevocationReason.FRAUD: 5,
    RevocationReason.REPLACED: 6,
    RevocationReason.SIGNER_COMPROMISED: 7,
    RevocationReason.SUPERSEDED: 8,
}
"""Card revocation reasons on the wire; a code is never reused."""
_REASONS_BY_CODE = {code: reason for reason, code in REASON_CODES.items()}
_CARD_DIGITS = re.compile(r"[0-9]{7}")
_MAX_DIGITS = 9_999_999
_FIELDS = {"type", "v", "state", "seq", "issued_at", "next_update", "cards"}
_FIELD_NAMES = ", ".join(sorted(_FIELDS))


@dataclass(frozen=True)
class RevokedCard:
    """One revoked card: its number, why, and when the revocation was recorded."""

    card_number: CardNumber
    reason: RevocationReason
    revoked_at: dt.datetime


@dataclass(frozen=True)
class RevocationList:
    """The cards one state has revoked, sorted by card number, signed by its State CA."""

    state: Country
    sequence: int
    issued_at: dt.datetime
    next_update: dt.datetime
    entries: tuple[RevokedCard, ...]

    def __post_init__(self) -> None:
        check_header(self.sequence, self.issued_at, self.next_update)
        prefix, previous = self.state.alpha2, ""
        for card in self.entries:
            number = card.card_number
            if number[:2] != prefix or not _CARD_DIGITS.fullmatch(number[2:]):
                raise ValueError(f"card {number!r} is not a {self.state.value} card number")
            if number <= previous:
                raise ValueError("revoked cards must be sorted by card number, without repeats")
            previous = number

    @property
    def label(self) -> str:
        return f"revocation list of {self.state.value}"

    def is_revoked(self, card_number: str) -> RevokedCard | None:
        """The revocation of ``card_number``, or ``None`` (binary search, O(log n))."""
        index = bisect_left(self.entries, card_number, key=lambda card: card.card_number)
        if index < len(self.entries) and self.entries[index].card_number == card_number:
            return self.entries[index]
        return None

    def __len__(self) -> int:
        return len(self.entries)


def build_revocation_list(
    state: Country,
    sequence: int,
    now: dt.datetime,
    cards: Iterable[RevokedCard],
    next_update: dt.datetime | None = None,
) -> RevocationList:
    """A revocation list issued ``now`` (times cut to whole seconds, cards sorted).

    ``next_update`` defaults to one day later (:data:`REVOCATION_LIST_NEXT_UPDATE`).
    """
    issued = whole_second(now)
    entries = sorted(
        (RevokedCard(c.card_number, c.reason, whole_second(c.revoked_at)) for c in cards),
        key=lambda card: card.card_number,
    )
    due = whole_second(next_update) if next_update else issued + REVOCATION_LIST_NEXT_UPDATE
    return RevocationList(state, sequence, issued, due, tuple(entries))


def encode_revocation_list(revocations: RevocationList) -> bytes:
    """The deterministic CBOR payload of a revocation list."""
    return encode(
        {
            "type": REVOCATION_LIST_TYPE,
            "v": FORMAT_VERSION,
            "state": revocations.state.value,
            "seq": revocations.sequence,
            "issued_at": seconds(revocations.issued_at),
            "next_update": seconds(revocations.next_update),
            "cards": [
                [int(card.card_number[2:]), REASON_CODES[card.reason], seconds(card.revoked_at)]
                for card in revocations.entries
            ],
        }
    )


def sign_revocation_list(
    revocations: RevocationList, ca_key: Ed25519PrivateKey, ca_kid: bytes
) -> bytes:
    """The COSE_Sign1 file of a revocation list, signed by the state's State CA."""
    return sign1(encode_revocation_list(revocations), kid=ca_kid, key=ca_key)


def parse_revocation_list(data: bytes, trust_list: TrustList) -> RevocationList:
    """Verify and read a revocation list file against a verified trust list.

    1. COSE_Sign1 structure; the protected kid names a State CA of the trust list.
    2. The signature verifies with that State CA's key.
    3. The payload is the deterministic CBOR of a well-formed list of that CA's state.
    4. The State CA was not revoked when the list was issued.
    """
    kid = decode1(data).kid or b""
    entry = trust_list.find(kid)
    if entry is None or entry.role is not KeyRole.STATE_CA:
        raise ListSignatureError(
            f"revocation list signed by kid {kid.hex() or 'none'}, "
            "which is no State CA in the trust list"
        )
    payload = verified_payload(data, "revocation list", entry.kid, entry.cert)
    body = body_of(payload, REVOCATION_LIST_TYPE, "revocation list")
    revocations = _parse_body(body)
    if set(body) != _FIELDS:
        found = ", ".join(sorted(map(str, body)))
        raise ListFormatError(f"revocation list has the fields {found}, expected {_FIELD_NAMES}")
    # Every value was checked above, so encoding the decoded map again gives the
    # payload back exactly when it was deterministic CBOR (and costs one dumps).
    require_deterministic(payload, encode(body), "revocation list")
    if revocations.state is not entry.state:
        raise ListSignatureError(
            f"revocation list of {revocations.state.value} is signed by the State CA "
            f"of {entry.state.value}"
        )
    if entry.revoked_as_of(revocations.issued_at):
        raise ListSignatureError(
            f"revocation list issued by State CA {entry.kid.hex()} after its revocation "
            f"from {entry.revoked_from:%Y-%m-%d}"
        )
    return revocations


def _parse_body(body: Mapping[Any, Any]) -> RevocationList:
    what = "revocation list"
    try:
        state = Country(typed_field(body, "state", str, what))
    except ValueError:
        raise ListFormatError(f"{what}: unknown state {body.get('state')!r}") from None
    rows = typed_field(body, "cards", Sequence, what)
    cards = [_parse_card(row, index, state) for index, row in enumerate(rows)]
    try:
        return RevocationList(
            state=state,
            sequence=uint_field(body, "seq", what),
            issued_at=time_field(body, "issued_at", what),
            next_update=time_field(body, "next_update", what),
            entries=tuple(cards),
        )
    except ListFormatError:
        raise
    except ValueError as exc:
        raise ListFormatError(f"{what}: {exc}") from None


def _parse_card(row: Any, index: int, state: Country) -> RevokedCard:
    if isinstance(row, Sequence) and len(row) == 3:
        digits, code, revoked_at = row
        if (
            type(digits) is int
            and type(code) is int
            and type(revoked_at) is int
            and 0 <= digits <= _MAX_DIGITS
            and code in _REASONS_BY_CODE
            and revoked_at >= 0
        ):
            number = CardNumber(f"{state.alpha2}{digits:07d}")
            return RevokedCard(number, _REASONS_BY_CODE[code], from_seconds(revoked_at))
    raise ListFormatError(
        f"revocation list card {index} is not [digits, reason code, time] as integers"
    )
