"""The migration to schema 3 adds the one-valid-card index, or refuses a registry that breaks it.

``tests/vectors/registry_v2.sqlite`` (schema 2) holds three valid cards, one per
resident; a copy is given a second valid card for one of them.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from aes_id.errors import StorageError
from aes_id.registry.db import open_registry
from aes_id.registry.tables import ONE_VALID_CARD

VECTOR = Path(__file__).resolve().parent.parent / "vectors" / "registry_v2.sqlite"
TWIN = "ML0000009"


def _copy_card(connection: sqlite3.Connection, number: str, status: str = "valid") -> str:
    """Insert a copy of card ML0000001 as ``number``; the NIN it was issued to."""
    names = [row[1] for row in connection.execute("PRAGMA table_info(card)")]
    chosen = ", ".join("?" if n in ("card_number", "status") else n for n in names)
    connection.execute(
        f"INSERT INTO card ({', '.join(names)}) SELECT {chosen} FROM card "
        "WHERE card_number = 'ML0000001'",
        [number if n == "card_number" else status for n in names if n in ("card_number", "status")],
    )
    (nin,) = connection.execute("SELECT nin FROM card WHERE card_number = ?", (number,)).fetchone()
    return str(nin)


@pytest.fixture
def old_registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry.db"
    shutil.copy(VECTOR, path)
    return path


def test_the_migration_creates_the_index(old_registry: Path) -> None:
    registry = open_registry(old_registry)
    try:
        with registry.reader() as session:
            indexes = inspect(session.connection()).get_indexes("card")
    finally:
        registry.dispose()
    (index,) = [i for i in indexes if i["name"] == ONE_VALID_CARD]
    assert index["column_names"] == ["nin"] and index["unique"]


def test_a_revoked_second_card_does_not_stop_the_migration(old_registry: Path) -> None:
    with sqlite3.connect(old_registry) as connection:
        _copy_card(connection, TWIN, status="revoked")
    open_registry(old_registry).dispose()


def test_two_valid_cards_of_one_resident_stop_the_migration_and_say_what_to_do(
    old_registry: Path,
) -> None:
    with sqlite3.connect(old_registry) as connection:
        nin = _copy_card(connection, TWIN)
    with pytest.raises(StorageError) as refused:
        open_registry(old_registry)
    message = refused.value.message
    assert f"resident {nin} holds 2 valid cards (ML0000001, {TWIN})" in message
    assert "aes-id revoke" in (refused.value.hint or "")
    with sqlite3.connect(old_registry) as connection:  # nothing changed: still version 2
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        connection.execute("UPDATE card SET status = 'revoked' WHERE card_number = ?", (TWIN,))
    open_registry(old_registry).dispose()  # once one is revoked, the registry opens


@pytest.mark.postgres
def test_two_valid_cards_stop_the_migration_on_postgresql(pg_url: str) -> None:
    from tests.conftest import _fresh_pg

    _fresh_pg(pg_url).dispose()
    registry = open_registry(pg_url)
    with registry.transaction() as session:  # a schema 2 registry holding two valid cards
        session.execute(text(f"DROP INDEX {ONE_VALID_CARD}"))
        session.execute(
            text(
                "INSERT INTO resident (nin, family_name, given_names, date_of_birth, sex, "
                "nationality, place_of_birth, state, region, site, officer, enrolled_at, status, "
                "data_version, name_key) VALUES ('123456789012', 'A', 'B', '19900101', 'F', 'MLI', "
                "'Bamako', 'MLI', 'Bamako', 's', 'o', now(), 'active', 1, 'A')"
            )
        )
        for number in ("ML0000001", "ML0000002"):
            session.execute(
                text(
                    "INSERT INTO card (card_number, nin, state, issued_at, expires_on, kid, cose, "
                    "qr_text, status, officer, data_version) VALUES (:n, '123456789012', 'MLI', "
                    "now(), '2036-01-01', '00', '\\x00', '', 'valid', 'o', 1)"
                ),
                {"n": number},
            )
        session.execute(text("UPDATE schema_version SET version = 2"))
    registry.dispose()
    with pytest.raises(StorageError, match=r"resident 123456789012 holds 2 valid cards"):
        open_registry(pg_url)
