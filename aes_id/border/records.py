"""What a border post records: crossings, syncs and alerts, as plain values.

A post knows what it saw and did, never who the bearer really was: ground truth
(genuine or which fraud) is kept apart, and only a simulation writes it
(:class:`Truth`). Times are timezone-aware UTC datetimes in whole seconds.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

UNREADABLE = "UNREADABLE"
"""The verdict recorded when no QR text could be read from the card at all."""


class Decision(enum.Enum):
    """What the agent does with the traveller."""

    ADMIT = "admit"
    REFER = "refer"
    """Sent to secondary inspection: not admitted at the desk."""
    REFUSE = "refuse"


class Direction(enum.Enum):
    EXIT = "exit"
    ENTRY = "entry"


class Source(enum.Enum):
    """How the QR text reached the verifier."""

    QR_TEXT = "qr"
    IMAGE = "image"
    """Photographed, then scanned: the whole image path."""


class FaceCheck(enum.Enum):
    """The agent's comparison of the face from the QR with the bearer."""

    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_DONE = "not-done"


class FingerCheck(enum.Enum):
    """The 1:1 comparison of a live fingerprint with the templates in the QR."""

    MATCH = "match"
    MISMATCH = "mismatch"
    NO_TEMPLATE = "no-template"
    """The credential carries no fingerprint template (Claim 169 keys 50-59)."""
    NOT_DONE = "not-done"
    """No reader at the post, or no live capture."""


@dataclass(frozen=True)
class Crossing:
    """One card presented at one post: what the verifier said and what the agent decided.

    ``trust_age`` and ``revocation_age`` are how old the post's trust list and
    the revocation list of the card's issuing state were at the decision
    (``None`` when the post had none, or the state is unknown).
    """

    at: dt.datetime
    post: str
    verdict: str
    decision: Decision
    direction: Direction | None = None
    card_number: str | None = None
    issuing_state: str | None = None
    kid: str | None = None
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    face: FaceCheck = FaceCheck.NOT_DONE
    finger: FingerCheck = FingerCheck.NOT_DONE
    trust_seq: int | None = None
    trust_age: dt.timedelta | None = None
    revocation_seq: int | None = None
    revocation_age: dt.timedelta | None = None
    stale: bool = False
    """The trust list or the card's revocation list was past its next update."""
    reasons: tuple[str, ...] = ()
    source: Source = Source.QR_TEXT
    verify_ms: float = 0.0
    scan_ms: float = 0.0
    id: int | None = None

    @property
    def admitted(self) -> bool:
        return self.decision is Decision.ADMIT


@dataclass(frozen=True)
class SyncRecord:
    """One attempt of a post to refresh its lists (and upload its crossings)."""

    post: str
    at: dt.datetime
    ok: bool
    trust_seq: int | None = None
    revocation_seqs: tuple[tuple[str, int], ...] = ()
    note: str = ""


class AlertKind(enum.Enum):
    """Why a crossing was flagged after the fact."""

    CLONE = "clone"
    """The same card at two posts too far apart for the time between them."""
    REVOKED_SINCE = "revoked-since"
    """Admitted, but the newer lists say the card or its signer is revoked."""


@dataclass(frozen=True)
class Alert:
    """A crossing flagged after the fact, when the lists or the other posts' records arrived."""

    raised_at: dt.datetime
    kind: AlertKind
    crossing_id: int
    other_id: int | None = None
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "crossing": self.crossing_id,
            "other": self.other_id,
            "raised_at": self.raised_at.isoformat(),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class InjectedFraud:
    """Simulation only: one fraud attempt put into the traffic, and when (if ever) the
    operator revoked the card or the signer it relies on."""

    id: int
    kind: str
    card_number: str
    at: dt.datetime
    revoked_at: dt.datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class Truth:
    """Simulation only: who really presented the card at a crossing."""

    crossing_id: int
    traveller: int
    kind: str
    """``"genuine"`` or a fraud kind (see :mod:`aes_id.simulate.fraud`)."""
    fraud_id: int | None = None
