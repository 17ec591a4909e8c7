"""Schema migrations of the registry: each step brings a registry one version up.

``create_all`` adds new tables by itself; these steps add the columns and
constraints that changed in existing tables, on SQLite and PostgreSQL alike.

- version 2: ``biometric.dedup_row``, the resident's 1:N gallery row.
- version 3: a resident's life (status reason and date, date of death, the
  revision of the printed data, the demographic name key), the card's data
  revision, the log's clock (``log_head.last_t``), and fingerprints that may be
  missing (``biometric.fingers`` and ``adjudication.fingers`` nullable).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    LargeBinary,
    String,
    inspect,
    text,
)
from sqlalchemy.schema import CreateIndex
from sqlmodel import SQLModel

from aes_id.registry import tables  # noqa: F401  (the models, registered in the metadata)
from aes_id.registry.demographic import fill_name_keys

_V3_COLUMNS: dict[str, list[Column[object]]] = {
    "resident": [
        Column("status_reason", String(200), nullable=True),
        Column("status_changed_at", DateTime(), nullable=True),
        Column("deceased_on", String(8), nullable=True),
        Column("data_version", Integer, nullable=False, server_default="1"),
        Column("name_key", String(40), nullable=False, server_default=""),
    ],
    "card": [Column("data_version", Integer, nullable=False, server_default="1")],
    "log_head": [Column("last_t", BigInteger, nullable=False, server_default="0")],
}


def _columns(connection: Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(connection).get_columns(table)}


def _add_column(connection: Connection, table: str, column: Column[object]) -> None:
    kind = column.type.compile(dialect=connection.dialect)
    clause = f"ALTER TABLE {table} ADD COLUMN {column.name} {kind}"
    if column.server_default is not None:
        default = column.server_default.arg  # type: ignore[attr-defined]
        clause += (
            f" DEFAULT '{default}'" if isinstance(column.type, String) else f" DEFAULT {default}"
        )
    if not column.nullable:
        clause += " NOT NULL"
    connection.execute(text(clause))


def to_v2(connection: Connection) -> None:
    if "dedup_row" not in _columns(connection, "biometric"):
        kind = LargeBinary().compile(dialect=connection.dialect)
        connection.execute(text(f"ALTER TABLE biometric ADD COLUMN dedup_row {kind}"))


def to_v3(connection: Connection) -> None:
    for table, columns in _V3_COLUMNS.items():
        present = _columns(connection, table)
        for column in columns:
            if column.name not in present:
                _add_column(connection, table, column)
    resident = SQLModel.metadata.tables["resident"]
    name_key_index = next(index for index in resident.indexes if "name_key" in index.columns)
    existing = {i["name"] for i in inspect(connection).get_indexes("resident")}
    if name_key_index.name not in existing:
        connection.execute(CreateIndex(name_key_index))
    fill_name_keys(connection)  # residents enrolled before the key existed
    connection.execute(
        text("UPDATE log_head SET last_t = (SELECT COALESCE(MAX(t), 0) FROM log_leaf)")
    )
    for table in ("biometric", "adjudication"):
        _allow_null(connection, table, "fingers")


def _allow_null(connection: Connection, table: str, column: str) -> None:
    """Drop a column's NOT NULL: one statement on PostgreSQL, a table rebuild on SQLite."""
    info = {c["name"]: c for c in inspect(connection).get_columns(table)}
    if info[column]["nullable"]:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"))
        return
    # SQLite cannot alter a constraint: rebuild the table from the model and copy the rows
    # (https://www.sqlite.org/lang_altertable.html, "other kinds of table schema changes").
    model = SQLModel.metadata.tables[table]
    old = f"{table}_before_v3"
    for index in inspect(connection).get_indexes(table):
        connection.execute(text(f"DROP INDEX {index['name']}"))
    connection.execute(text(f"ALTER TABLE {table} RENAME TO {old}"))
    model.create(connection)
    names = ", ".join(c.name for c in model.columns if c.name in info)
    connection.execute(text(f"INSERT INTO {table} ({names}) SELECT {names} FROM {old}"))
    connection.execute(text(f"DROP TABLE {old}"))
