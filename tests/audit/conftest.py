"""A healthy registry and log, built once per session with the real APIs, copied per test.

Twenty-four synthetic residents are enrolled; the keys are made (their events
logged, the first lists published); a checkpoint is signed; twelve cards are
issued; a checkpoint is signed and *saved as a file*, the way an outside
auditor would keep one; Mali's Document Signer is rotated; twelve more cards
are issued; one card is revoked (a new revocation list); a last checkpoint is
signed. Every test gets its own copy of the database and the key store.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from aes_id.audit.checkpoint import make_checkpoint, write_checkpoint_file
from aes_id.cli import auditor as auditor_cli
from aes_id.cli.common import ENV_NOW, ENV_PASSPHRASE, Settings
from aes_id.domain import Country, RevocationReason
from aes_id.errors import AesIdError
from aes_id.issuance import issue_cards
from aes_id.operator import init_keys, revoke_card, rotate_signer
from aes_id.pki.keys import KeyStore
from aes_id.registry.db import Registry, open_registry
from aes_id.simulate.enrolment import enrol_synthetic
from tests.conftest import NOW

PASSPHRASE = "audit-test-passphrase"
HOUR = dt.timedelta(hours=1)
LATER = NOW + 4 * HOUR
"""The clock of the tests, after everything the healthy registry holds."""


@dataclass
class World:
    """One test's copy of the healthy registry, key store and saved checkpoint."""

    path: Path
    registry: Registry
    store: KeyStore

    @property
    def db(self) -> Path:
        return self.path / "registry.db"

    @property
    def keys(self) -> Path:
        return self.path / "keys"

    @property
    def saved_file(self) -> Path:
        return self.path / "saved.checkpoint"

    @property
    def saved(self) -> str:
        return self.saved_file.read_text(encoding="utf-8")


def build_healthy(path: Path) -> None:
    registry = open_registry(path / "registry.db")
    nins = enrol_synthetic(
        registry, 24, seed=11, state=None, officer="officer-1", site="desk", now=NOW
    )
    store = init_keys(registry, path / "keys", PASSPHRASE, now=NOW, by="operator")
    make_checkpoint(registry, store, PASSPHRASE, NOW)
    issue_cards(registry, store, PASSPHRASE, nins[:12], now=NOW + HOUR, officer="officer-1")
    saved = make_checkpoint(registry, store, PASSPHRASE, NOW + HOUR)
    write_checkpoint_file(path / "saved.checkpoint", saved)
    rotate_signer(registry, store, PASSPHRASE, Country.MLI, now=NOW + 2 * HOUR, by="operator")
    cards = issue_cards(
        registry, store, PASSPHRASE, nins[12:], now=NOW + 2 * HOUR, officer="officer-2"
    )
    revoke_card(
        registry,
        store,
        PASSPHRASE,
        cards[0].card_number,
        RevocationReason.STOLEN,
        now=NOW + 3 * HOUR,
        by="officer-2",
    )
    make_checkpoint(registry, store, PASSPHRASE, NOW + 3 * HOUR)
    registry.dispose()


@pytest.fixture(scope="session")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("healthy")
    build_healthy(path)
    return path


@pytest.fixture
def world(healthy: Path, tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "world"
    shutil.copytree(healthy, path)
    registry = open_registry(path / "registry.db", create=False)
    yield World(path, registry, KeyStore.open(path / "keys"))
    registry.dispose()


def cli_app() -> typer.Typer:
    """A root app like ``aes_id.cli.app`` with only the auditor's commands."""
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def root(ctx: typer.Context, db: str | None = None, keys: Path = Path("keys")) -> None:
        ctx.obj = Settings(db=db, keys=keys)

    auditor_cli.register(app)
    return app


def run_cli(world: World, *args: str) -> Result:
    """Run ``aes-id --db … --keys … ARGS`` in-process; package errors give their exit codes."""
    result = CliRunner().invoke(
        cli_app(),
        ["--db", str(world.db), "--keys", str(world.keys), *args],
        env={ENV_PASSPHRASE: PASSPHRASE, ENV_NOW: LATER.isoformat()},
    )
    if isinstance(result.exception, AesIdError):
        result.exit_code = result.exception.exit_code
    return result
