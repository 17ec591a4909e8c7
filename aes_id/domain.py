"""Plain values of the AES identity domain: countries, sex, dates, identities, cards, verdicts.

No I/O here, and nothing that knows about databases, files or formats.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import NewType

from aes_id.errors import InputError

Nin = NewType("Nin", str)
"""National identification number: 12 digits, the last a Verhoeff check digit."""

CardNumber = NewType("CardNumber", str)
"""Card (document) number: state alpha-2 then a 7-character base-33 serial, e.g. ``ML0004217``."""

Kid = NewType("Kid", bytes)
"""Key identifier: the first 8 bytes of SHA-256 over a certificate's DER."""


class Country(enum.Enum):
    """The three AES member states, by ISO 3166 alpha-3."""

    MLI = "MLI"
    BFA = "BFA"
    NER = "NER"

    @property
    def alpha2(self) -> str:
        return _ALPHA2[self]

    @property
    def name_fr(self) -> str:
        return _NAME_FR[self]

    @property
    def name_en(self) -> str:
        return _NAME_EN[self]

    @classmethod
    def parse(cls, text: str) -> Country:
        """Read a state code (alpha-3 or alpha-2, any case)."""
        code = text.strip().upper()
        for country in cls:
            if code in (country.value, country.alpha2):
                return country
        raise InputError(
            f"unknown state {text!r}: expected one of MLI, BFA, NER",
            hint="AES member states are Mali (MLI), Burkina Faso (BFA) and Niger (NER)",
        )


_ALPHA2 = {Country.MLI: "ML", Country.BFA: "BF", Country.NER: "NE"}
_NAME_FR = {Country.MLI: "MALI", Country.BFA: "BURKINA FASO", Country.NER: "NIGER"}
_NAME_EN = {Country.MLI: "Mali", Country.BFA: "Burkina Faso", Country.NER: "Niger"}

_NATIONALITY_RE = re.compile(r"^[A-Z]{3}$")


def parse_nationality(text: str) -> str:
    """An ISO 3166 alpha-3 nationality code (any state, not only AES members)."""
    code = text.strip().upper()
    if not _NATIONALITY_RE.match(code):
        raise InputError(f"nationality {text!r} is not an ISO 3166 alpha-3 code (e.g. MLI)")
    return code


class Sex(enum.Enum):
    """Sex as recorded: F, M or X (unspecified)."""

    F = "F"
    M = "M"
    X = "X"

    @property
    def claim169(self) -> int:
        """Claim 169 key 9: 1 male, 2 female, 3 other."""
        return {Sex.M: 1, Sex.F: 2, Sex.X: 3}[self]

    @classmethod
    def from_claim169(cls, value: int) -> Sex:
        for sex in cls:
            if sex.claim169 == value:
                return sex
        raise InputError(f"sex code {value!r} is not 1, 2 or 3")

    @property
    def mrz(self) -> str:
        return "<" if self is Sex.X else self.value

    @classmethod
    def parse(cls, text: str) -> Sex:
        code = text.strip().upper()
        aliases = {"F": "F", "M": "M", "X": "X", "<": "X"}
        if code not in aliases:
            raise InputError(f"sex {text!r} is not F, M or X")
        return cls(aliases[code])


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date of birth whose month or day may be unknown (0)."""

    year: int
    month: int = 0
    day: int = 0

    def __post_init__(self) -> None:
        if not 1850 <= self.year <= 2200:
            raise InputError(f"year {self.year} is out of range")
        if not 0 <= self.month <= 12:
            raise InputError(f"month {self.month} is not 1-12 (or 00 for unknown)")
        if self.month == 0 and self.day != 0:
            raise InputError("a day is given but the month is unknown")
        if self.day:
            try:
                dt.date(self.year, self.month, self.day)
            except ValueError:
                raise InputError(
                    f"{self.year:04d}-{self.month:02d}-{self.day:02d} is not a real date"
                ) from None

    @property
    def is_complete(self) -> bool:
        return self.month != 0 and self.day != 0

    def compact(self) -> str:
        """``YYYYMMDD`` with ``00`` for an unknown part (the credential's form)."""
        return f"{self.year:04d}{self.month:02d}{self.day:02d}"

    def iso(self) -> str:
        """``YYYY-MM-DD`` with ``XX`` for an unknown part (the printed card's form)."""
        month = f"{self.month:02d}" if self.month else "XX"
        day = f"{self.day:02d}" if self.day else "XX"
        return f"{self.year:04d}-{month}-{day}"

    def earliest(self) -> dt.date:
        """The earliest real date this could be."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        """The latest real date this could be."""
        if self.month == 0:
            return dt.date(self.year, 12, 31)
        if self.day == 0:
            nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, self.month, self.day)

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on ``day``, counting from the latest possible birth date."""
        born = self.latest()
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read ``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY-MM`` or ``YYYY``; ``00``/``XX`` = unknown."""
        raw = text.strip().upper().replace("XX", "00")
        match = re.fullmatch(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?", raw)
        if not match:
            raise InputError(
                f"date {text!r} is not YYYY-MM-DD (use 00 or XX for an unknown month or day)"
            )
        year, month, day = (int(g) if g else 0 for g in match.groups())
        return cls(year, month, day)

    @classmethod
    def of(cls, day: dt.date) -> PartialDate:
        return cls(day.year, day.month, day.day)


class ResidentStatus(enum.Enum):
    ACTIVE = "active"
    DECEASED = "deceased"
    SUSPENDED = "suspended"
    """Under a fraud investigation: no card is issued until it is lifted."""
    REFUSED = "refused"


@dataclass(frozen=True)
class Identity:
    """The demographic identity of one resident, as printed and signed."""

    nin: Nin
    family_name: str
    given_names: str
    date_of_birth: PartialDate
    sex: Sex
    nationality: str
    place_of_birth: str

    @property
    def full_name(self) -> str:
        """Given names then family name, as Claim 169 key 4 wants it."""
        return f"{self.given_names} {self.family_name}".strip()

    def to_json(self) -> dict[str, str]:
        """The identity as the ``--json`` outputs show it (dates ISO, unknown parts ``00``)."""
        return {
            "nin": self.nin,
            "family_name": self.family_name,
            "given_names": self.given_names,
            "date_of_birth": self.date_of_birth.iso(),
            "sex": self.sex.value,
            "nationality": self.nationality,
            "place_of_birth": self.place_of_birth,
        }


class CardStatus(enum.Enum):
    VALID = "valid"
    REVOKED = "revoked"


class RevocationReason(enum.Enum):
    LOST = "lost"
    STOLEN = "stolen"
    DAMAGED = "damaged"
    DECEASED = "deceased"
    FRAUD = "fraud"
    REPLACED = "replaced"
    SUPERSEDED = "superseded"
    """The resident's printed data changed and a new card carries it."""
    SIGNER_COMPROMISED = "signer-compromised"

    @classmethod
    def parse(cls, text: str) -> RevocationReason:
        value = text.strip().lower()
        for reason in cls:
            if reason.value == value:
                return reason
        choices = ", ".join(r.value for r in cls)
        raise InputError(f"unknown revocation reason {text!r}: expected one of {choices}")


@dataclass(frozen=True)
class Card:
    """One physical card: who, which state issued it, when, and its signed QR text."""

    card_number: CardNumber
    issuing_state: Country
    identity: Identity
    issued_at: dt.datetime
    expires_on: dt.date
    kid: Kid
    qr_text: str
    face_thumbnail: bytes = b""
    status: CardStatus = CardStatus.VALID


class Verdict(enum.Enum):
    """What a border agent is told about a card (see docs/credential.md)."""

    VALID = "VALID"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    REVOKED = "REVOKED"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    UNKNOWN_SIGNER = "UNKNOWN_SIGNER"
    UNTRUSTED_SIGNER = "UNTRUSTED_SIGNER"
    MALFORMED = "MALFORMED"
    MRZ_MISMATCH = "MRZ_MISMATCH"


@dataclass(frozen=True)
class VerificationResult:
    """A verdict with the reasons behind it, what the card says, and warnings beside it."""

    verdict: Verdict
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    identity: Identity | None = None
    card_number: CardNumber | None = None
    issuing_state: Country | None = None
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    kid: Kid | None = None
    face: bytes | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VALID

    def to_json(self) -> dict[str, object]:
        """What ``aes-id verify --json`` and a border post's check print."""
        return {
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "card_number": self.card_number,
            "issuing_state": self.issuing_state.value if self.issuing_state else None,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "kid": self.kid.hex() if self.kid else None,
            "holder": None if self.identity is None else self.identity.to_json(),
            "face_bytes": len(self.face or b""),
        }
