"""Shared fixtures: a fixed clock, and registries on SQLite and (when configured) PostgreSQL.

PostgreSQL tests run when ``AES_ID_TEST_PG_URL`` is set (CI sets it) and are
skipped with a visible reason otherwise; with ``AES_ID_REQUIRE_PG=1`` a missing
or unreachable server fails the run instead.

Every test runs the verifier strict (:data:`aes_id.verify.verifier.STRICT`): a
defect in the credential reader or the checks raises instead of becoming a
MALFORMED verdict, so a test that says "never raises" can fail on one.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from aes_id.registry.db import Registry, database_url, open_registry
from aes_id.verify import verifier

PG_ENV = "AES_ID_TEST_PG_URL"
NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(scope="session", autouse=True)
def strict_verifier() -> Iterator[None]:
    """Defects raise in tests; a test of the in-service behaviour passes ``strict=False``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verifier, "STRICT", True)
        yield


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    """A database of this test worker's own on the configured server."""
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("AES_ID_REQUIRE_PG"):
            pytest.fail(f"{PG_ENV} is not set but AES_ID_REQUIRE_PG is")
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (CI sets it)")
    base = database_url(base)
    name = f"aes_test_{worker_id}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("AES_ID_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL at {PG_ENV} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_ENV} is unreachable: {exc}")
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """xdist's worker name, or ``main`` without xdist."""
    config = request.config
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


def _fresh_pg(url: str) -> Registry:
    engine = create_engine(url)
    SQLModel.metadata.drop_all(engine)
    engine.dispose()
    return open_registry(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A URL for an empty registry, once per database kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/registry.db"
    url: str = request.getfixturevalue("pg_url")
    _fresh_pg(url).dispose()
    return url


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    reg = open_registry(db_url)
    yield reg
    reg.dispose()


@pytest.fixture
def sqlite_registry(tmp_path: os.PathLike[str]) -> Iterator[Registry]:
    reg = open_registry(f"sqlite:///{tmp_path}/registry.db")
    yield reg
    reg.dispose()
