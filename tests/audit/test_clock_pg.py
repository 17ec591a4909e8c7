"""The log's clock on PostgreSQL: each desk is checked against the database server's clock.

Runs when ``AES_ID_TEST_PG_URL`` names a server (skipped otherwise). The desks'
times are set from the server's own clock, read once when the registry is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aes_id.audit.auditor import run_audit
from aes_id.audit.checkpoint import make_checkpoint
from aes_id.audit.log import ENV_CLOCK_TOLERANCE
from aes_id.cards.issue import issue_cards
from aes_id.errors import ClockError
from aes_id.pki.keys import KeyStore
from aes_id.publishing import init_keys
from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.simulate.enrolment import enrol_synthetic
from tests.audit.conftest import PASSPHRASE
from tests.conftest import _fresh_pg

MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Desks:
    """A PostgreSQL registry with keys made half an hour ago and residents waiting for cards."""

    registry: Registry
    store: KeyStore
    nins: list[str]
    server: dt.datetime
    """The server's clock when the registry was made, to the second."""

    def issue(self, nin: str, at: dt.datetime) -> None:
        issue_cards(self.registry, self.store, PASSPHRASE, [nin], now=at, officer="o")

    def rows(self) -> tuple[int, int]:
        with self.registry.reader() as session:
            cards = session.scalar(select(func.count()).select_from(tables.CardRow))
            leaves = session.scalar(select(func.count()).select_from(tables.LogLeaf))
        return int(cards or 0), int(leaves or 0)


@pytest.fixture
def desks(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desks]:
    _fresh_pg(pg_url).dispose()
    registry = open_registry(pg_url)
    with registry.reader() as session:
        clock = session.scalar(select(func.clock_timestamp()))
    assert isinstance(clock, dt.datetime)
    server = clock.astimezone(dt.UTC).replace(microsecond=0)
    start = server - 30 * MINUTE
    monkeypatch.setenv(ENV_CLOCK_TOLERANCE, "3600")  # the set-up is half an hour in the past
    nins = enrol_synthetic(registry, 4, seed=3, state=None, officer="o", site="s", now=start)
    store = init_keys(registry, tmp_path / "keys", PASSPHRASE, now=start, by="operator")
    monkeypatch.delenv(ENV_CLOCK_TOLERANCE)
    yield Desks(registry, store, list(nins), server)
    registry.dispose()


def test_two_desks_one_30_s_ahead_of_the_server_pass_the_audit(desks: Desks) -> None:
    ahead, right = desks.server + dt.timedelta(seconds=30), desks.server
    for nin, at in zip(desks.nins, (ahead, right, ahead, right), strict=True):
        desks.issue(nin, at)
    make_checkpoint(desks.registry, desks.store, PASSPHRASE, ahead)
    report = run_audit(desks.registry, desks.store, workers=1)
    assert report.ok, [str(f) for f in report.findings]
    assert report.counts.cards == 4


def test_a_desk_10_minutes_off_the_servers_clock_is_refused(desks: Desks) -> None:
    before = desks.rows()
    with pytest.raises(ClockError, match=r"behind the database server's clock") as behind:
        desks.issue(desks.nins[0], desks.server - 10 * MINUTE)
    assert "at most 300 s either way" in behind.value.message
    with pytest.raises(ClockError, match=r"ahead of the database server's clock"):
        desks.issue(desks.nins[0], desks.server + 10 * MINUTE)
    assert desks.rows() == before
    desks.issue(desks.nins[0], desks.server)
    assert desks.rows() == (before[0] + 1, before[1] + 1)
