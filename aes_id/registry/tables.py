"""The registry's tables (SQLModel). Rows stay here: services turn them into domain values.

Residents are keyed by their NIN, which is never reused: a resident row is
never deleted, only its status changes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class SchemaVersion(SQLModel, table=True):
    __tablename__ = "schema_version"

    id: int = Field(default=1, primary_key=True)
    version: int


class Resident(SQLModel, table=True):
    __tablename__ = "resident"

    nin: str = Field(primary_key=True, max_length=12)
    family_name: str = Field(index=True, max_length=80)
    given_names: str = Field(max_length=120)
    date_of_birth: str = Field(index=True, max_length=8)  # YYYYMMDD, 00 = unknown part
    sex: str = Field(max_length=1)
    nationality: str = Field(max_length=3)
    place_of_birth: str = Field(max_length=80)
    state: str = Field(index=True, max_length=3)
    region: str = Field(max_length=60)
    site: str = Field(max_length=80)
    officer: str = Field(max_length=80)
    enrolled_at: dt.datetime
    status: str = Field(default="active", max_length=16)
    status_reason: str | None = Field(default=None, max_length=200)
    """Why the status is not ``active`` (a death record, a fraud case), as recorded."""
    status_changed_at: dt.datetime | None = None
    deceased_on: str | None = Field(default=None, max_length=8)  # YYYYMMDD, 00 = unknown part
    data_version: int = Field(default=1)
    """Revision of the printed data: a card carrying an older revision is outdated."""
    name_key: str = Field(default="", index=True, max_length=40)
    """Spelling-independent key of the family name, for demographic de-duplication."""


class ResidentChange(SQLModel, table=True):
    """One change of a resident's recorded data: the earlier value is kept, never overwritten."""

    __tablename__ = "resident_change"

    id: int | None = Field(default=None, primary_key=True)
    nin: str = Field(index=True, foreign_key="resident.nin", max_length=12)
    field: str = Field(max_length=32)
    old_value: str | None = None
    new_value: str | None = None
    reason: str = Field(default="", max_length=200)
    changed_by: str = Field(max_length=80)
    changed_at: dt.datetime


class Biometric(SQLModel, table=True):
    """What was captured at enrolment.

    A synthetic face is kept as its seed and regenerated exactly on demand; an
    uploaded photo is kept as a compact JPEG. The ten fingerprint templates are
    one blob (see docs/biometrics.md for the format).
    """

    __tablename__ = "biometric"

    nin: str = Field(primary_key=True, foreign_key="resident.nin", max_length=12)
    face_seed: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    face_image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    fingers: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    """``None``: no fingerprints were captured (the resident then has no gallery row)."""
    dedup_row: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class Adjudication(SQLModel, table=True):
    """An enrolment stopped as a suspected duplicate, kept until an officer decides."""

    __tablename__ = "adjudication"

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime
    officer: str = Field(max_length=80)
    site: str = Field(max_length=80)
    person: str  # the demographics as JSON
    face_seed: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    face_image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    fingers: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    candidates: str  # JSON [[NIN, score, why], ...]; why: biometric, demographic or both
    status: str = Field(default="pending", index=True, max_length=16)
    decided_by: str | None = Field(default=None, max_length=80)
    decided_at: dt.datetime | None = None
    nin: str | None = Field(default=None, max_length=12)


class CardCounter(SQLModel, table=True):
    """The last card sequence number handed out per issuing state (docs/numbers.md): a
    64-bit integer, since a state's base-33 serials run to 33**7 - 1, past 2**31."""

    __tablename__ = "card_counter"

    state: str = Field(primary_key=True, max_length=3)
    last_serial: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )


ONE_VALID_CARD = "ux_card_one_valid"
"""The partial unique index that lets a resident hold at most one valid card."""


class CardRow(SQLModel, table=True):
    __tablename__ = "card"
    __table_args__ = (
        Index(
            ONE_VALID_CARD,
            "nin",
            unique=True,
            sqlite_where=text("status = 'valid'"),
            postgresql_where=text("status = 'valid'"),
        ),
    )

    card_number: str = Field(primary_key=True, max_length=9)
    nin: str = Field(index=True, foreign_key="resident.nin", max_length=12)
    state: str = Field(index=True, max_length=3)
    issued_at: dt.datetime
    expires_on: dt.date
    kid: str = Field(max_length=16)  # hex
    cose: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    qr_text: str
    status: str = Field(default="valid", index=True, max_length=16)
    revoked_at: dt.datetime | None = None
    revocation_reason: str | None = Field(default=None, max_length=32)
    officer: str = Field(default="", max_length=80)
    printed_at: dt.datetime | None = None
    data_version: int = Field(default=1)
    """The resident's ``data_version`` this card was printed from."""


class LogLeaf(SQLModel, table=True):
    """One signature on the record: the exact leaf bytes as hashed, and columns to query by."""

    __tablename__ = "log_leaf"

    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    kind: str = Field(index=True, max_length=20)
    ref: str = Field(index=True, max_length=64)
    by: str = Field(index=True, max_length=80)
    t: int = Field(sa_column=Column(BigInteger, nullable=False))


class MerkleNode(SQLModel, table=True):
    """Hash of the perfect subtree of 2**level leaves starting at leaf idx * 2**level."""

    __tablename__ = "merkle_node"

    level: int = Field(primary_key=True)
    idx: int = Field(primary_key=True)
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CheckpointRow(SQLModel, table=True):
    __tablename__ = "checkpoint"

    size: int = Field(primary_key=True)
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str
    created_at: dt.datetime


class ListRow(SQLModel, table=True):
    """Every trust list and revocation list ever signed, kept as signed."""

    __tablename__ = "signed_list"
    __table_args__ = (UniqueConstraint("kind", "scope", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # trust-list | revocation-list
    scope: str = Field(max_length=3)  # AES for the trust list, the state for a revocation list
    sequence: int
    issued_at: dt.datetime
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogHead(SQLModel, table=True):
    """The log's size: the row every append locks, so appends are serialised on any database."""

    __tablename__ = "log_head"

    id: int = Field(default=1, primary_key=True)
    size: int = 0
    last_t: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    """The newest leaf's ``t``: the log's clock never goes back past it."""
