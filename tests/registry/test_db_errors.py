"""Database mistakes get one clear line; a read-only open writes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from aes_id.errors import StorageError, UsageError
from aes_id.registry.db import database_url, describe, open_registry


@pytest.mark.parametrize("url", ["mysql://u:secret@host/db", "oracle://h/x", "mongodb://h"])
def test_an_unsupported_url_is_a_usage_error_without_the_password(url: str) -> None:
    with pytest.raises(UsageError, match="unsupported database URL") as caught:
        database_url(url)
    assert "secret" not in caught.value.message


def test_postgresql_urls_get_the_shipped_driver() -> None:
    assert database_url("postgresql://a@h/d") == "postgresql+psycopg://a@h/d"
    assert database_url("registry.db") == "sqlite:///registry.db"


def test_sqlalchemy_background_links_never_reach_the_user() -> None:
    error = OperationalError("SELECT 1", {}, Exception("database is locked"))
    assert "sqlalche.me" in str(error)
    assert describe(error) == "database is locked"


def test_a_read_only_open_of_an_empty_file_writes_no_schema(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(StorageError, match="no registry"):
        open_registry(empty, create=False)
    assert empty.stat().st_size == 0


def test_a_read_only_open_of_another_database_writes_no_schema(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(StorageError, match="holds no AES-ID registry"):
        open_registry(other, create=False)
    with sqlite3.connect(other) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    assert names == ["notes"]
