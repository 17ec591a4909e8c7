"""Reading rows as the database driver gives them, for the audit's bulk scans.

The ORM converts every value it reads (datetimes parsed from SQLite's text,
blobs copied into ``bytes``); over a million rows that costs as much as the
checks themselves. Untyped columns skip those conversions: callers get the
driver's values and handle both forms they may take.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnClause, Select, Table, column, select
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The SQLAlchemy table behind a SQLModel table class."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def untyped(name: str) -> ColumnClause[Any]:
    """A column by name, without a type (so without result conversion)."""
    return column(name)


def untyped_select(model: type[SQLModel], *names: str) -> Select[Any]:
    """``SELECT names FROM model's table``, values as the driver returns them."""
    return select(*(untyped(name) for name in names)).select_from(table_of(model))
