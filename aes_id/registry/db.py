"""The registry's engine: SQLite (WAL) by default, any SQLAlchemy URL otherwise.

>>> reg = open_registry("sqlite:///:memory:")
>>> with reg.transaction() as session:
...     pass
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

from aes_id.errors import StorageError, UsageError
from aes_id.registry import migrations, tables

READ_ONLY = "aes_id_read_only"
DEFAULT_DB = "registry.db"
ENV_DB = "AES_ID_DB"
SCHEMA_VERSION = 3


SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


def database_url(db: str | Path | None = None) -> str:
    """Turn ``--db`` (a URL or a file path), ``AES_ID_DB`` or the default into a URL.

    Only SQLite and PostgreSQL are supported; any other URL is a usage error.
    """
    raw = str(db) if db else os.environ.get(ENV_DB, DEFAULT_DB)
    if "://" not in raw:
        return f"sqlite:///{raw}"
    scheme = raw.split("://", 1)[0].lower()
    if scheme not in SUPPORTED_SCHEMES:
        raise UsageError(
            f"unsupported database URL {_safe(raw)}: AES-ID runs on SQLite or PostgreSQL",
            hint="give a file path, sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB",
        )
    if scheme == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    return raw


def describe(exc: SQLAlchemyError) -> str:
    """A database error in one line, without SQLAlchemy's "Background on this error" link."""
    original = getattr(exc, "orig", None)
    text_ = str(original if original is not None else exc)
    text_ = re.sub(r"\s*\(Background on this error at: [^)]*\)", "", text_)
    return " ".join(text_.split())


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE itself: pysqlite's own
    # implicit transactions would start deferred and fail on the upgrade to a write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 60000")
    # New files only: 32 KiB pages pack a resident's biometric row (~3.3 KB) with less waste.
    cursor.execute("PRAGMA page_size = 32768")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # One writer at a time, decided at BEGIN: two officers' processes queue on the
    # lock instead of failing mid-transaction. Readers take a deferred snapshot (WAL)
    # and never hold up a writer.
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            poolclass=StaticPool if memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass
class Registry:
    """A handle on one registry database: its engine and its transactions."""

    engine: Engine
    url: str

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back whole on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading: one consistent snapshot, no write lock."""
        engine = self.engine.execution_options(**{READ_ONLY: True})
        with Session(engine, expire_on_commit=False) as session:
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def open_registry(db: str | Path | None = None, *, create: bool = True) -> Registry:
    """Open the registry at ``db``; with ``create`` (the default) make it on first use.

    ``create=False`` is for commands that only read or change what exists: they
    never write a schema into an empty file or an empty database.
    """
    url = database_url(db)
    if url.startswith("sqlite:///") and not create:
        path = Path(url[len("sqlite:///") :])
        if str(path) != ":memory:" and (not path.exists() or path.stat().st_size == 0):
            raise StorageError(f"no registry at {path}", hint="enrol someone first, or pass --db")
    try:
        engine = make_engine(url)
        registry = Registry(engine=engine, url=url)
        if not create and not inspect(engine).has_table("schema_version"):
            engine.dispose()
            raise StorageError(
                f"{_safe(url)} holds no AES-ID registry", hint="enrol someone first, or pass --db"
            )
        ensure_schema(registry)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot open registry {_safe(url)}: {describe(exc)}") from None
    return registry


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def ensure_schema(registry: Registry) -> None:
    """Create the tables on first use and check the recorded schema version."""
    fresh = not inspect(registry.engine).has_table("schema_version")
    # create_all only adds what is missing, so new tables appear on first use too.
    SQLModel.metadata.create_all(registry.engine)
    if fresh:
        with registry.transaction() as session:
            if session.get(tables.SchemaVersion, 1) is None:
                session.add(tables.SchemaVersion(id=1, version=SCHEMA_VERSION))
        return
    with registry.reader() as session:
        row = session.exec(select(tables.SchemaVersion)).first()
    found = row.version if row else 0
    if found > SCHEMA_VERSION:
        raise StorageError(
            f"registry schema version {found} is newer than this aes-id ({SCHEMA_VERSION})",
            hint="upgrade aes-id",
        )
    if found < SCHEMA_VERSION:
        migrate(registry, found)


def migrate(registry: Registry, found: int) -> None:
    """Bring an older schema up to date, one step per version, in one transaction."""
    with registry.transaction() as session:
        connection = session.connection()
        if found < 2:
            migrations.to_v2(connection)
        if found < 3:
            migrations.to_v3(connection)
        session.exec(text("DELETE FROM schema_version"))  # type: ignore[call-overload]
        session.add(tables.SchemaVersion(id=1, version=SCHEMA_VERSION))
