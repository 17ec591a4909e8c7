"""A resident's life after enrolment: a death, a suspension, changed data, each kept on record.

The resident row holds today's values; every change also writes a
``resident_change`` row with the earlier value, the new one, why, who and when,
so nothing once recorded is lost. A change to what a card carries (the names,
the date and place of birth, sex, nationality, the issuing state) raises the
resident's ``data_version``: a card printed from an older revision is outdated,
and issuing the next card revokes it as superseded (:mod:`aes_id.cards.issue`).
The region is not on the card, so a move within a state outdates no card.

Cards are revoked above this layer: :mod:`aes_id.cards.revoke` calls
:func:`record_death_in` and :func:`suspend_in` inside the transaction that
revokes the cards and re-signs the state's revocation list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from aes_id.domain import CardNumber, CardStatus, Nin, PartialDate, ResidentStatus
from aes_id.errors import InputError, NotFoundError, UsageError
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.registry.demographic import name_key
from aes_id.registry.enrol import FIELDS, demographics_from_fields

CARD_FIELDS = (
    "family_name",
    "given_names",
    "date_of_birth",
    "sex",
    "nationality",
    "place_of_birth",
    "state",
)
"""The resident's columns a card carries: changing one outdates the card."""
DATE_FIELDS = ("date_of_birth", "deceased_on")
MAX_REASON = 200
MAX_OFFICER = 80
_COLUMN = {"dob": "date_of_birth"}
"""Enrolment form names (:data:`aes_id.registry.enrol.FIELDS`) that differ from the column."""
_OPEN = (ResidentStatus.ACTIVE.value, ResidentStatus.SUSPENDED.value)


@dataclass(frozen=True)
class Change:
    """One recorded change of a resident: the field, its earlier and new values, why, who, when."""

    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    changed_by: str
    changed_at: dt.datetime

    def shown(self, value: str | None) -> str:
        """A value as an officer reads it: dates ``YYYY-MM-DD`` (``XX`` unknown), none as ``-``."""
        if value is None or value == "":
            return "-"
        return PartialDate.parse(value).iso() if self.field in DATE_FIELDS else value

    def to_json(self) -> dict[str, object]:
        return {
            "field": self.field,
            "old_value": self.shown(self.old_value) if self.old_value else None,
            "new_value": self.shown(self.new_value) if self.new_value else None,
            "reason": self.reason,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at.isoformat(),
        }


@dataclass(frozen=True)
class ResidentLife:
    """A resident's status with its date and reason, the data revision, and every change."""

    nin: Nin
    status: ResidentStatus
    status_text: str
    """The status as a sentence part: ``deceased (died 2026-03-01; recorded 2026-03-14: …)``."""
    data_version: int
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "nin": self.nin,
            "status": self.status.value,
            "status_text": self.status_text,
            "data_version": self.data_version,
            "changes": [change.to_json() for change in self.changes],
        }


@dataclass(frozen=True)
class ResidentUpdate:
    """What :func:`update_resident` changed, and the valid cards it left outdated."""

    nin: Nin
    changes: tuple[Change, ...]
    data_version: int
    outdated_cards: tuple[CardNumber, ...]

    @property
    def printed(self) -> bool:
        """Whether a field a card carries changed (so the data revision went up)."""
        return any(change.field in CARD_FIELDS for change in self.changes)


def describe_status(row: tables.Resident) -> str:
    """The status with its date and recorded reason, e.g. ``suspended (since 2026-03-14: …)``."""
    status = row.status
    reason = f": {row.status_reason}" if row.status_reason else ""
    since = f"{row.status_changed_at:%Y-%m-%d}" if row.status_changed_at else "an unknown date"
    if status == ResidentStatus.DECEASED.value:
        died = (
            f"died {PartialDate.parse(row.deceased_on).iso()}"
            if row.deceased_on
            else "date of death unknown"
        )
        return f"{status} ({died}; recorded {since}{reason})"
    if status == ResidentStatus.ACTIVE.value and row.status_changed_at is None:
        return status
    return f"{status} (since {since}{reason})"


def resident_life(registry: Registry, nin: str) -> ResidentLife:
    """The resident's status and the history of their record, oldest change first."""
    with registry.reader() as session:
        row = resident_in(session, nin)
        changes = session.scalars(
            select(tables.ResidentChange)
            .where(col(tables.ResidentChange.nin) == row.nin)
            .order_by(col(tables.ResidentChange.changed_at), col(tables.ResidentChange.id))
        ).all()
        return ResidentLife(
            nin=Nin(row.nin),
            status=ResidentStatus(row.status),
            status_text=describe_status(row),
            data_version=row.data_version,
            changes=tuple(_change(change) for change in changes),
        )


def valid_cards_in(session: Session, nin: str) -> list[tables.CardRow]:
    """The resident's valid cards (at most one, as issuance keeps it), in number order."""
    return list(
        session.scalars(
            select(tables.CardRow)
            .where(
                col(tables.CardRow.nin) == nin,
                col(tables.CardRow.status) == CardStatus.VALID.value,
            )
            .order_by(col(tables.CardRow.card_number))
        )
    )


def has_valid_card(registry: Registry, nin: str) -> bool:
    """Whether the resident holds a valid card (a read: the caller may need the keys)."""
    with registry.reader() as session:
        return bool(valid_cards_in(session, nin.strip()))


def record_death_in(
    session: Session,
    nin: str,
    *,
    on: PartialDate | None,
    reason: str,
    by: str,
    now: dt.datetime,
) -> bool:
    """Mark the resident deceased (``on`` ``None``: date unknown); False if nothing changed.

    A death already recorded without a date takes the date given now; a
    different date corrects it (the earlier one stays in the history).
    """
    row = resident_in(session, nin, lock=True)
    why, who = _text(reason, "reason", MAX_REASON), _text(by, "officer", MAX_OFFICER)
    if on is not None:
        _check_date_of_death(on, row, today=now.date())
    changes: list[tuple[str, str | None, str]] = []
    if row.status != ResidentStatus.DECEASED.value:
        changes.append(("status", row.status, ResidentStatus.DECEASED.value))
        row.status = ResidentStatus.DECEASED.value
        row.status_reason, row.status_changed_at = why, now
    if on is not None and row.deceased_on != on.compact():
        changes.append(("deceased_on", row.deceased_on, on.compact()))
        row.deceased_on = on.compact()
    _record(session, row, changes, why, who, now)
    return bool(changes)


def suspend_in(session: Session, nin: str, *, reason: str, by: str, now: dt.datetime) -> bool:
    """Suspend an active resident (a fraud case); False if they were not active."""
    row = resident_in(session, nin, lock=True)
    if row.status != ResidentStatus.ACTIVE.value:
        return False
    why, who = _text(reason, "reason", MAX_REASON), _text(by, "officer", MAX_OFFICER)
    changes: list[tuple[str, str | None, str]] = [
        ("status", row.status, ResidentStatus.SUSPENDED.value)
    ]
    row.status = ResidentStatus.SUSPENDED.value
    row.status_reason, row.status_changed_at = why, now
    _record(session, row, changes, why, who, now)
    return True


def update_resident(
    registry: Registry,
    nin: str,
    fields: Mapping[str, str | None],
    *,
    reason: str,
    by: str,
    now: dt.datetime,
) -> ResidentUpdate:
    """Change a resident's recorded data, validated as at enrolment; the old values are kept.

    ``fields`` uses the enrolment form's names (:data:`aes_id.registry.enrol.FIELDS`);
    ``None`` leaves a field as it is. Raises :class:`InputError` for a bad value
    and :class:`UsageError` when nothing would change; nothing is written then.
    """
    given = _given(nin, fields)
    why = _text(reason, "reason", MAX_REASON, required=True)
    who = _text(by, "officer", MAX_OFFICER)
    with registry.transaction() as session:
        row = resident_in(session, nin, lock=True)
        if row.status not in _OPEN:
            raise UsageError(
                f"resident {row.nin} is {describe_status(row)}: the record is closed to changes"
            )
        changes = _changed_columns(row, given, today=now.date())
        for column, _, new in changes:
            setattr(row, column, new)
        row.name_key = name_key(row.family_name)  # the demographic search finds the new name
        if any(column in CARD_FIELDS for column, _, _ in changes):
            row.data_version += 1
        recorded = _record(session, row, changes, why, who, now)
        outdated = tuple(
            CardNumber(card.card_number)
            for card in valid_cards_in(session, row.nin)
            if card.data_version < row.data_version
        )
        return ResidentUpdate(Nin(row.nin), recorded, row.data_version, outdated)


def _given(nin: str, fields: Mapping[str, str | None]) -> dict[str, str]:
    given = {name: value for name, value in fields.items() if value is not None}
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise UsageError(f"cannot change {', '.join(unknown)}: not a resident's field")
    if not given:
        raise UsageError(
            f"nothing to change for resident {nin}",
            hint="give the new values, e.g. --family-name or --region",
        )
    return given


def _changed_columns(
    row: tables.Resident, given: Mapping[str, str], *, today: dt.date
) -> list[tuple[str, str | None, str]]:
    """The columns whose validated new value differs: ``(column, old, new)``."""
    current = {name: str(getattr(row, _COLUMN.get(name, name))) for name in FIELDS}
    person = demographics_from_fields({**current, **given}, today=today)
    changes = []
    for name, new in person.form().items():
        column = _COLUMN.get(name, name)
        old = getattr(row, column)
        if new != old:
            changes.append((column, old, new))
    if not changes:
        raise UsageError(f"resident {row.nin} already has these values: nothing to change")
    return changes


def _check_date_of_death(on: PartialDate, row: tables.Resident, *, today: dt.date) -> None:
    if on.earliest() > today:
        raise InputError(f"date of death {on.iso()} is in the future")
    born = PartialDate.parse(row.date_of_birth)
    if on.latest() < born.earliest():
        raise InputError(
            f"date of death {on.iso()} is before resident {row.nin}'s date of birth {born.iso()}"
        )


def _record(
    session: Session,
    row: tables.Resident,
    changes: list[tuple[str, str | None, str]],
    reason: str,
    by: str,
    now: dt.datetime,
) -> tuple[Change, ...]:
    """Write the resident row and one history row per changed field."""
    recorded = tuple(Change(field, old, new, reason, by, now) for field, old, new in changes)
    session.add(row)
    for change in recorded:
        session.add(
            tables.ResidentChange(
                nin=row.nin,
                field=change.field,
                old_value=change.old_value,
                new_value=change.new_value,
                reason=reason,
                changed_by=by,
                changed_at=now,
            )
        )
    session.flush()
    return recorded


def resident_in(session: Session, nin: str, *, lock: bool = False) -> tables.Resident:
    """The resident row; ``lock`` holds it (PostgreSQL row lock) until the transaction ends."""
    query = select(tables.Resident).where(col(tables.Resident.nin) == nin.strip())
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError(f"no resident with NIN {nin}")
    return row


def _text(value: str, name: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise InputError(f"a {name} is needed: it is kept in the resident's history")
    if len(text) > limit:
        raise InputError(f"the {name} is {len(text)} characters long; at most {limit}")
    return text


def _change(row: tables.ResidentChange) -> Change:
    at = row.changed_at if row.changed_at.tzinfo else row.changed_at.replace(tzinfo=dt.UTC)
    return Change(row.field, row.old_value, row.new_value, row.reason, row.changed_by, at)
