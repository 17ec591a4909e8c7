"""Log leaves: one per signature, deterministic CBOR (docs/audit-log.md, "Entries").

>>> entry = LogEntry(seq=0, t=1773480600, kind=LeafKind.CARD, kid=Kid(bytes(8)),
...                  h=bytes(32), ref="ML0000001", by="officer-7")
>>> LogEntry.decode(entry.encode()) == entry
True
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from aes_id.domain import Kid
from aes_id.errors import InputError


class LeafKind(enum.Enum):
    CARD = "card"
    TRUST_LIST = "trust-list"
    REVOCATION_LIST = "revocation-list"
    KEY = "key"


class LeafFormatError(InputError):
    """Leaf bytes that are not a log entry of this format."""


_FIELDS = ("seq", "t", "kind", "kid", "h", "ref", "by")


@dataclass(frozen=True)
class LogEntry:
    """What the log says about one signature. No personal data: hashes and identifiers only."""

    seq: int
    t: int
    kind: LeafKind
    kid: Kid
    h: bytes
    ref: str
    by: str

    def encode(self) -> bytes:
        """RFC 8949 §4.2.1 core deterministic encoding (keys sorted by their encoded bytes)."""
        body = {
            "seq": self.seq,
            "t": self.t,
            "kind": self.kind.value,
            "kid": bytes(self.kid),
            "h": self.h,
            "ref": self.ref,
            "by": self.by,
        }
        return bytes(cbor2.dumps(body, canonical=True))

    @classmethod
    def decode(cls, data: bytes) -> LogEntry:
        try:
            body = cbor2.loads(data)
        except Exception as exc:
            raise LeafFormatError(f"leaf is not CBOR: {exc}") from None
        if not isinstance(body, Mapping) or set(body) != set(_FIELDS):
            raise LeafFormatError(f"leaf must be a map with exactly {', '.join(_FIELDS)}")
        entry = cls(
            seq=_typed(body, "seq", int),
            t=_typed(body, "t", int),
            kind=_kind(body["kind"]),
            kid=Kid(_typed(body, "kid", bytes)),
            h=_typed(body, "h", bytes),
            ref=_typed(body, "ref", str),
            by=_typed(body, "by", str),
        )
        if entry.encode() != data:
            raise LeafFormatError(f"leaf {entry.seq} is not in deterministic CBOR encoding")
        return entry


def _typed(body: Mapping[str, Any], key: str, kind: type) -> Any:
    value = body[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise LeafFormatError(f"leaf field {key!r} should be {kind.__name__}, found {value!r}")
    return value


def _kind(value: Any) -> LeafKind:
    try:
        return LeafKind(value)
    except ValueError:
        raise LeafFormatError(f"leaf kind {value!r} is not one of card, trust-list, ...") from None


def time_skew(t: int, signed_at: int, tolerance: int) -> str | None:
    """What is wrong between a leaf's ``t`` and its object's signing time, or ``None``.

    The log gives a leaf the desk's time or its own later clock, and refuses a
    desk more than ``tolerance`` seconds behind it (docs/audit-log.md, "Time"), so
    ``t`` is never before the signing time and at most ``tolerance`` after it.

    >>> time_skew(1773480630, 1773480600, 300) is None
    True
    >>> time_skew(1773480000, 1773480600, 300)
    'the leaf is 600 s before the signature'
    """
    skew = t - signed_at
    if skew < 0:
        return f"the leaf is {-skew} s before the signature"
    if skew > tolerance:
        return f"the leaf is {skew} s after the signature, more than the {tolerance} s allowed"
    return None


def signed_hash(signed: bytes) -> bytes:
    """``h``: SHA-256 of the exact signed bytes (for a card, its COSE_Sign1)."""
    return hashlib.sha256(signed).digest()
