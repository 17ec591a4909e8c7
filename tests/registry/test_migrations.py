"""A registry made by the previous version (schema 2) is migrated in place, its data intact.

``tests/vectors/registry_v2.sqlite`` was written by aes-id at schema version 2:
eight synthetic residents, the key events and lists of a key store, three cards.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from aes_id.cards.issue import _allocate
from aes_id.domain import Country
from aes_id.registry import tables
from aes_id.registry.db import SCHEMA_VERSION, open_registry

VECTOR = Path(__file__).resolve().parent.parent / "vectors" / "registry_v2.sqlite"


@pytest.fixture
def old_registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry.db"
    shutil.copy(VECTOR, path)
    return path


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_the_vector_is_a_version_2_registry(old_registry: Path) -> None:
    assert _rows(old_registry, "SELECT version FROM schema_version") == [(2,)]


def test_opening_migrates_to_the_current_version_keeping_every_row(old_registry: Path) -> None:
    before = {
        table: _rows(old_registry, f"SELECT * FROM {table} ORDER BY 1")
        for table in ("resident", "biometric", "card", "log_leaf")
    }
    registry = open_registry(old_registry)
    try:
        with registry.reader() as session:
            assert session.get(tables.SchemaVersion, 1).version == SCHEMA_VERSION  # type: ignore[union-attr]
            columns = {c["name"]: c for c in inspect(session.connection()).get_columns("biometric")}
            assert columns["fingers"]["nullable"]
            residents = session.exec(select(tables.Resident)).all()
            assert len(residents) == 8
            assert {r.data_version for r in residents} == {1}
            head = session.get(tables.LogHead, 1)
            assert head is not None and head.last_t == max(
                leaf.t for leaf in session.exec(select(tables.LogLeaf)).all()
            )
            assert {c.data_version for c in session.exec(select(tables.CardRow)).all()} == {1}
    finally:
        registry.dispose()
    for table, rows in before.items():
        after = _rows(old_registry, f"SELECT * FROM {table} ORDER BY 1")
        assert [row[: len(rows[0])] for row in after] == rows, table


def test_a_migrated_registry_takes_a_resident_without_fingers(old_registry: Path) -> None:
    registry = open_registry(old_registry)
    try:
        with registry.transaction() as session:
            bio = session.exec(select(tables.Biometric)).first()
            assert bio is not None
            bio.fingers = None
            session.add(bio)
        with registry.reader() as session:
            assert session.get(tables.Biometric, bio.nin).fingers is None  # type: ignore[union-attr]
    finally:
        registry.dispose()


def test_migrating_twice_changes_nothing(old_registry: Path) -> None:
    open_registry(old_registry).dispose()
    first = _rows(old_registry, "SELECT sql FROM sqlite_master ORDER BY name")
    open_registry(old_registry).dispose()
    assert _rows(old_registry, "SELECT sql FROM sqlite_master ORDER BY name") == first


@pytest.mark.postgres
def test_a_version_2_schema_on_postgresql_is_migrated(pg_url: str) -> None:
    """The same step on PostgreSQL: the columns added, ``fingers`` made nullable in place."""
    from tests.conftest import _fresh_pg

    _fresh_pg(pg_url).dispose()
    registry = open_registry(pg_url)
    with registry.transaction() as session:  # back to what schema 2 had
        for table, column in [
            ("resident", "status_reason"),
            ("resident", "status_changed_at"),
            ("resident", "deceased_on"),
            ("resident", "data_version"),
            ("resident", "name_key"),
            ("card", "data_version"),
            ("log_head", "last_t"),
        ]:
            session.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        session.execute(text("ALTER TABLE biometric ALTER COLUMN fingers SET NOT NULL"))
        session.execute(text("ALTER TABLE card_counter ALTER COLUMN last_serial TYPE INTEGER"))
        session.execute(text("INSERT INTO card_counter (state, last_serial) VALUES ('NER', 7)"))
        session.execute(text("UPDATE schema_version SET version = 2"))
    registry.dispose()
    registry = open_registry(pg_url)
    try:
        with registry.reader() as session:
            assert session.get(tables.SchemaVersion, 1).version == SCHEMA_VERSION  # type: ignore[union-attr]
            found = {c["name"]: c for c in inspect(session.connection()).get_columns("resident")}
            assert {"data_version", "name_key", "deceased_on"} <= set(found)
            bio = {c["name"]: c for c in inspect(session.connection()).get_columns("biometric")}
            assert bio["fingers"]["nullable"]
            counter = {
                c["name"]: c for c in inspect(session.connection()).get_columns("card_counter")
            }
            assert str(counter["last_serial"]["type"]) == "BIGINT"
        with registry.transaction() as session:  # a base-33 serial past 2**31 fits
            session.execute(
                text("UPDATE card_counter SET last_serial = :last"), {"last": 33**7 - 2}
            )
            assert _allocate(session, [Country.NER]) == ["NEZZZZZZZ"]
    finally:
        registry.dispose()


def _numbers(path: Path) -> set[str]:
    return {str(number) for (number,) in _rows(path, "SELECT card_number FROM card")}


def _allocated(path: Path, states: list[Country]) -> list[str]:
    registry = open_registry(path)
    try:
        with registry.transaction() as session:
            return list(_allocate(session, states))
    finally:
        registry.dispose()


def test_the_vector_cards_keep_their_numbers_and_the_counter_goes_on(old_registry: Path) -> None:
    assert _numbers(old_registry) == {"ML0000001", "ML0000002", "ML0000003"}
    assert _rows(old_registry, "SELECT state, last_serial FROM card_counter") == [("MLI", 3)]
    # below ten, decimal and base 33 agree: nothing moves, the next Malian card is the 4th
    assert _allocated(old_registry, [Country.MLI, Country.BFA]) == ["ML0000004", "BF0000001"]
    assert _numbers(old_registry) == {"ML0000001", "ML0000002", "ML0000003"}


def test_a_migrated_registry_never_reissues_a_decimal_number(old_registry: Path) -> None:
    """A version 2 registry that issued decimal serials up to 0000010 (its 10th card), and
    one whose counter row was lost: read in base 33, 0000010 is 33, so the counters go to
    33 (and to 3 for Burkina Faso) and no new number is an old one."""
    with sqlite3.connect(old_registry) as connection:
        connection.execute(
            "UPDATE card SET card_number = 'ML0000010' WHERE card_number = 'ML0000003'"
        )
        connection.execute(
            "UPDATE card SET card_number = 'BF0000003', state = 'BFA' "
            "WHERE card_number = 'ML0000002'"
        )
        connection.execute("UPDATE card_counter SET last_serial = 10")
    before = _numbers(old_registry)
    new = _allocated(old_registry, [Country.MLI] * 40 + [Country.BFA] * 3)
    counters = {row[0]: row[1] for row in _rows(old_registry, "SELECT * FROM card_counter")}
    assert counters == {"MLI": 33 + 40, "BFA": 3 + 3}
    assert new[0] == "ML0000011" and new[40] == "BF0000004"  # 34 and 4
    assert not set(new) & before and len(set(new)) == len(new)
    assert "ML000000A" not in new  # serial 10 lies below the migrated counter, never reused
