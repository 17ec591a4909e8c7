"""Counts over the registry: residents per state, region, sex and age band; cards per status."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import col

from aes_id.domain import PartialDate
from aes_id.registry import tables
from aes_id.registry.db import Registry

AGE_BANDS = ((5, 14), (15, 24), (25, 34), (35, 49), (50, 64), (65, 200))
UNDER_FIVE = "0-4"


def band_label(low: int, high: int) -> str:
    return f"{low}+" if high >= 200 else f"{low}-{high}"


@dataclass
class RegistrySummary:
    residents: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    by_region: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_sex: Counter[str] = field(default_factory=Counter)
    by_age_band: Counter[str] = field(default_factory=Counter)
    unknown_birth_day: int = 0
    cards_by_status: Counter[str] = field(default_factory=Counter)


def summarise(registry: Registry, *, today: dt.date) -> RegistrySummary:
    """Group counts, computed in the database except the age bands (dates may be partial)."""
    summary = RegistrySummary()
    resident = tables.Resident
    state, region, sex = col(resident.state), col(resident.region), col(resident.sex)
    dob = col(resident.date_of_birth)
    with registry.reader() as session:
        for st, rg, sx, n in session.execute(
            select(state, region, sex, func.count()).group_by(state, region, sex)
        ):
            summary.residents += n
            summary.by_state[st] += n
            summary.by_region[(st, rg)] += n
            summary.by_sex[sx] += n
        for born_text, n in session.execute(select(dob, func.count()).group_by(dob)):
            born = PartialDate.parse(born_text)
            if not born.is_complete:
                summary.unknown_birth_day += n
            age = born.age_on(today)
            label = next(
                (band_label(lo, hi) for lo, hi in AGE_BANDS if lo <= age <= hi), UNDER_FIVE
            )
            summary.by_age_band[label] += n
        for status, n in session.execute(
            select(col(tables.CardRow.status), func.count()).group_by(col(tables.CardRow.status))
        ):
            summary.cards_by_status[status] += n
    return summary
