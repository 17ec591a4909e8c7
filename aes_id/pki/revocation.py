"""A state's revocation list: the card numbers it revoked, signed by its State CA. Pure.

The payload is deterministic CBOR (RFC 8949 §4.2.1)::

    {"type": "aes-id/revocation-list", "v": 2, "state": "MLI", "seq": 12,
     "issued_at": 1773480600, "next_update": 1773567000,
     "cards": [[4217, 1, 1773400000], ...]}

Each card is ``[serial, reason code, revoked_at]``, sorted by number: the state's
alpha-2 prefix is implied and the serial is the value of the number's 7 base-33
characters (4217 is ``ML00003VT``, docs/numbers.md), so one card costs about 12
bytes and 100,000 revoked cards about 1.2 MB. Lookups bisect the sorted entries
(base-33 text sorts as its value).

Version 1 lists, signed while card serials were decimal, carry the 7 decimal digits
read as a number (4217 is ``ML0004217``). They are still read, so that the lists
already in the signature log stay verifiable; new lists are always version 2.
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
from aes_id.formats.numbers import (
    CARD_SERIAL_ALPHABET,
    CARD_SERIAL_LENGTH,
    CARD_SERIAL_MAX,
    format_card_serial,
    parse_card_serial,
)
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
REVOCATION_LIST_VERSION = 2
"""Version 2: serials are base-33 values. Version 1 (the shared list format version,
:data:`FORMAT_VERSION`): decimal serials, still read, never written."""
_DECIMAL_VERSION = FORMAT_VERSION
_DECIMAL_MAX = 9_999_999

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
_CARD_SERIAL = re.compile(f"[{CARD_SERIAL_ALPHABET}]{{{CARD_SERIAL_LENGTH}}}")
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
            if number[:2] != prefix or not _CARD_SERIAL.fullmatch(number[2:]):
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
            "v": REVOCATION_LIST_VERSION,
            "state": revocations.state.value,
            "seq": revocations.sequence,
            "issued_at": seconds(revocations.issued_at),
            "next_update": seconds(revocations.next_update),
            "cards": [
                [
                    _serial_value(card.card_number),
                    REASON_CODES[card.reason],
                    seconds(card.revoked_at),
                ]
                for card in revocations.entries
            ],
        }
    )


def _serial_value(number: CardNumber) -> int:
    """The serial of a card number on the wire (version 2); the unused serial 0 stays 0."""
    serial = number[2:]
    return 0 if serial == "0" * CARD_SERIAL_LENGTH else parse_card_serial(serial)


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
    body, version = _body_of(payload)
    revocations = _parse_body(body, version)
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


def _body_of(payload: bytes) -> tuple[Mapping[Any, Any], int]:
    """The payload's top-level map and its version, 1 (decimal serials) or 2 (base 33)."""
    body = body_of(
        payload,
        REVOCATION_LIST_TYPE,
        "revocation list",
        versions=(REVOCATION_LIST_VERSION, _DECIMAL_VERSION),
        older="written before base-33 card numbers",
    )
    return body, int(body["v"])


def _parse_body(body: Mapping[Any, Any], version: int) -> RevocationList:
    what = "revocation list"
    try:
        state = Country(typed_field(body, "state", str, what))
    except ValueError:
        raise ListFormatError(f"{what}: unknown state {body.get('state')!r}") from None
    rows = typed_field(body, "cards", Sequence, what)
    cards = [_parse_card(row, index, state, version) for index, row in enumerate(rows)]
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


def _parse_card(row: Any, index: int, state: Country, version: int) -> RevokedCard:
    decimal = version == _DECIMAL_VERSION
    if isinstance(row, Sequence) and len(row) == 3:
        serial, code, revoked_at = row
        if (
            type(serial) is int
            and type(code) is int
            and type(revoked_at) is int
            and 0 <= serial <= (_DECIMAL_MAX if decimal else CARD_SERIAL_MAX)
            and code in _REASONS_BY_CODE
            and revoked_at >= 0
        ):
            number = CardNumber(f"{state.alpha2}{_serial_text(serial, decimal)}")
            return RevokedCard(number, _REASONS_BY_CODE[code], from_seconds(revoked_at))
    raise ListFormatError(
        f"revocation list card {index} is not [serial, reason code, time] as integers"
    )


def _serial_text(serial: int, decimal: bool) -> str:
    """The 7 serial characters of a card number: decimal digits in a version 1 list."""
    if decimal:
        return f"{serial:07d}"
    return "0" * CARD_SERIAL_LENGTH if serial == 0 else format_card_serial(serial)
