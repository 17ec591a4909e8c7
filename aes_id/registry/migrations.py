"""Schema migrations of the registry: each step brings a registry one version up.

``create_all`` adds new tables by itself; these steps add the columns and
constraints that changed in existing tables, on SQLite and PostgreSQL alike.

- version 2: ``biometric.dedup_row``, the resident's 1:N gallery row.
- version 3: a resident's life (status reason and date, date of death, the
  revision of the printed data, the demographic name key), the card's data
  revision, the log's clock (``log_head.last_t``), and fingerprints that may be
  missing (``biometric.fingers`` and ``adjudication.fingers`` nullable), and at
  most one valid card per resident (a partial unique index on ``card.nin``).
  Card serials become base 33 (docs/numbers.md): each state's counter
  (``card_counter.last_serial``, now 64-bit) is raised past every serial already
  issued, read in base 33, so that no card number is ever issued twice.
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

from aes_id.errors import StorageError
from aes_id.formats.numbers import CardNumberError, parse_card_serial
from aes_id.registry import tables  # the models, registered in the metadata
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
    _one_valid_card(connection)
    _counters_past_issued_cards(connection)


def _counters_past_issued_cards(connection: Connection) -> None:
    """Raise each state's card counter to at least its largest issued serial read in base 33.

    Version 2 wrote serials in decimal: its card 10 is ``ML0000010``, which in base 33 is
    card 33, so the counter goes to 33 and the next card is ``ML0000011`` (34). Every
    existing serial reads as a value at most the largest one, hence below the next
    allocation. The serials are all digits, of one length, so ``MAX`` finds the largest
    in any collation.
    """
    if connection.dialect.name != "sqlite":  # SQLite's INTEGER is already 64-bit
        connection.execute(text("ALTER TABLE card_counter ALTER COLUMN last_serial TYPE BIGINT"))
    largest = connection.execute(
        text("SELECT state, MAX(card_number) FROM card GROUP BY state")
    ).all()
    counters: dict[str, int] = {
        state: serial
        for state, serial in connection.execute(text("SELECT state, last_serial FROM card_counter"))
    }
    for state, number in largest:
        try:
            floor = parse_card_serial(number[2:])
        except CardNumberError as exc:
            raise StorageError(
                f"card {number!r} of {state} has no serial this aes-id can read: {exc.message}",
                hint="restore the registry from a backup made by aes-id, then open it again",
            ) from None
        if state not in counters:
            connection.execute(
                text("INSERT INTO card_counter (state, last_serial) VALUES (:state, :serial)"),
                {"state": state, "serial": floor},
            )
        elif counters[state] < floor:
            connection.execute(
                text("UPDATE card_counter SET last_serial = :serial WHERE state = :state"),
                {"state": state, "serial": floor},
            )


def _one_valid_card(connection: Connection) -> None:
    """Create the index allowing one valid card per resident; refuse if one already holds two."""
    if tables.ONE_VALID_CARD in {i["name"] for i in inspect(connection).get_indexes("card")}:
        return
    twice = connection.execute(
        text(
            "SELECT nin, COUNT(*) FROM card WHERE status = 'valid' "
            "GROUP BY nin HAVING COUNT(*) > 1 ORDER BY nin"
        )
    ).first()
    if twice is not None:
        nin, count = twice
        numbers = connection.execute(
            text("SELECT card_number FROM card WHERE nin = :nin AND status = 'valid' ORDER BY 1"),
            {"nin": nin},
        ).scalars()
        raise StorageError(
            f"resident {nin} holds {count} valid cards ({', '.join(numbers)}): a resident may "
            "hold one, so this registry cannot be upgraded as it is",
            hint="with the aes-id that wrote it, revoke all but one of them "
            "(`aes-id revoke CARD_NUMBER --reason REASON`), then open it again",
        )
    card = SQLModel.metadata.tables["card"]
    connection.execute(
        CreateIndex(next(i for i in card.indexes if i.name == tables.ONE_VALID_CARD))
    )


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
