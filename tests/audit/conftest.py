"""A healthy registry and log, built once per session with the real APIs, copied per test.

Twenty-four synthetic residents are enrolled; the keys are made (their events
logged, the first lists published); a checkpoint is signed; twelve cards are
issued; a checkpoint is signed and *saved as a file*, the way an outside
auditor would keep one; Mali's Document Signer is rotated; twelve more cards
are issued; one card is revoked (a new revocation list); a last checkpoint is
signed. Every test gets its own copy of the database and the key store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aes_id.audit.checkpoint import make_checkpoint, write_checkpoint_file
from aes_id.cards.issue import issue_cards
from aes_id.cards.revoke import revoke_card
from aes_id.cli.app import main
from aes_id.cli.common import ENV_NOW, ENV_PASSPHRASE
from aes_id.domain import Country, RevocationReason
from aes_id.pki.keys import KeyStore
from aes_id.publishing import init_keys, rotate_signer
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


@dataclass(frozen=True)
class Result:
    """What one ``aes-id`` command did: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(world: World, *args: str, now: dt.datetime = LATER) -> Result:
    """Run ``aes-id --db … --keys … ARGS`` on a world, with the clock at ``now``."""
    return run_in(world.path, *args, now=now)


def run_in(path: Path, *args: str, now: dt.datetime = LATER) -> Result:
    """Run ``aes-id --db PATH/registry.db --keys PATH/keys ARGS`` through the real entry point.

    In this process, with the clock at ``now`` (``AES_ID_NOW``), as one desk would.
    """
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        patch.setenv(ENV_PASSPHRASE, PASSPHRASE)
        patch.setenv(ENV_NOW, now.isoformat())
        try:
            main(["--db", str(path / "registry.db"), "--keys", str(path / "keys"), *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())
