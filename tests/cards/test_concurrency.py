"""Issuers at the same time: one valid card per resident, enforced and shared out.

The registry refuses a second valid card (a partial unique index), issuance
turns that refusal into one line, ``issue --pending`` leases its residents so
that two processes share them, and the card counter survives two first
allocations at once. The PostgreSQL tests run two real ``aes-id`` processes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

import aes_id.cards.issue
from aes_id.audit.auditor import run_audit
from aes_id.audit.checkpoint import make_checkpoint
from aes_id.audit.log import ENV_CLOCK_TOLERANCE
from aes_id.cards.issue import _allocate, issue_cards, pending_nins
from aes_id.domain import CardStatus, Country
from aes_id.errors import StorageError
from aes_id.pki.keys import KeyStore
from aes_id.publishing import init_keys
from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.simulate.enrolment import enrol_synthetic
from tests.cards.conftest import Desk
from tests.cli.test_subprocess import command
from tests.conftest import _fresh_pg
from tests.verify.conftest import PASSPHRASE

RESIDENTS = 300


def _valid_cards(registry: Registry) -> dict[str, list[tables.CardRow]]:
    held: dict[str, list[tables.CardRow]] = {}
    with registry.reader() as session:
        query = select(tables.CardRow).where(col(tables.CardRow.status) == CardStatus.VALID.value)
        for card in session.scalars(query):
            held.setdefault(card.nin, []).append(card)
    return held


# --- one valid card, enforced ---------------------------------------------------------------


def test_the_registry_itself_refuses_a_second_valid_card(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    (card,) = desk.issue([nin])
    with desk.registry.reader() as session:
        row = session.get(tables.CardRow, card.card_number)
    assert row is not None
    twin = tables.CardRow(**{**row.model_dump(), "card_number": card.card_number[:-1] + "Z"})
    with pytest.raises(IntegrityError), desk.registry.transaction() as session:
        session.add(twin)
    revoked = {**twin.model_dump(), "status": CardStatus.REVOKED.value}
    with desk.registry.transaction() as session:  # a revoked card beside it is allowed
        session.add(tables.CardRow(**revoked))


def test_a_second_valid_card_at_issuance_is_one_line_and_writes_nothing(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    nin = pending_nins(desk.registry)[0]
    desk.issue([nin])
    before = desk.snapshot()
    # As a concurrent issuer would: its check saw no valid card, another process's commit did.
    monkeypatch.setattr(aes_id.cards.issue, "valid_cards_in", lambda session, nin: [])
    with pytest.raises(StorageError) as refused:
        desk.issue([nin])
    assert "valid card by another issuance at the same time" in refused.value.message
    assert "\n" not in refused.value.message
    monkeypatch.undo()
    assert desk.snapshot() == before
    assert len(_valid_cards(desk.registry)[nin]) == 1


def test_a_lease_skips_residents_issued_since_the_list_was_made(desk: Desk) -> None:
    candidates = pending_nins(desk.registry)
    desk.issue(candidates[::2])  # another process got there first
    cards = desk.issue(candidates, lease=True)
    assert [c.nin for c in cards] == candidates[1::2]
    assert desk.issue(candidates, lease=True) == []
    held = _valid_cards(desk.registry)
    assert sorted(held) == sorted(candidates)
    assert all(len(cards) == 1 for cards in held.values())


# --- PostgreSQL: leases and the counter -----------------------------------------------------


@dataclass
class PgDesk:
    """A PostgreSQL registry with keys and pending residents, on the server's clock."""

    registry: Registry
    store: KeyStore
    keys: Path
    url: str

    def now(self) -> dt.datetime:
        return _server_now(self.registry)

    def enrol(self, count: int, seed: int) -> list[str]:
        nins = enrol_synthetic(
            self.registry, count, seed=seed, state=None, officer="o", site="s", now=self.now()
        )
        return list(nins)


def _server_now(registry: Registry) -> dt.datetime:
    """The PostgreSQL server's clock, to the second: the desks' clock must agree with it."""
    with registry.reader() as session:
        clock = session.scalar(select(func.clock_timestamp()))
    assert isinstance(clock, dt.datetime)
    return clock.astimezone(dt.UTC).replace(microsecond=0)


@pytest.fixture
def pg_desk(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PgDesk]:
    _fresh_pg(pg_url).dispose()
    registry = open_registry(pg_url)
    monkeypatch.setenv(ENV_CLOCK_TOLERANCE, "300")
    keys = tmp_path / "keys"
    store = init_keys(registry, keys, PASSPHRASE, now=_server_now(registry), by="operator")
    yield PgDesk(registry, store, keys, pg_url)
    registry.dispose()


@pytest.mark.postgres
def test_two_first_allocations_at_once_share_the_counter(pg_desk: PgDesk) -> None:
    """The very first concurrent run used to crash on the counter's primary key."""
    second: list[object] = []

    def allocate() -> None:
        try:
            with pg_desk.registry.transaction() as session:
                second.extend(_allocate(session, [Country.MLI]))
        except Exception as exc:  # the assertion below names it
            second.append(exc)

    with pg_desk.registry.transaction() as first:
        numbers = _allocate(first, [Country.MLI])
        other = threading.Thread(target=allocate)
        other.start()
        time.sleep(0.5)  # the other waits on this transaction's counter row
        assert other.is_alive()
    other.join(timeout=30)
    assert len(second) == 1 and isinstance(second[0], str), second
    assert second[0] != numbers[0]


@pytest.mark.postgres
def test_a_resident_leased_by_one_batch_is_skipped_by_another(pg_desk: PgDesk) -> None:
    nins = sorted(pg_desk.enrol(4, seed=8))
    now = pg_desk.now()

    def issue(candidates: list[str]) -> list[str]:
        cards = issue_cards(
            pg_desk.registry,
            pg_desk.store,
            PASSPHRASE,
            candidates,
            now=now,
            officer="b",
            lease=True,
        )
        return [c.nin for c in cards]

    with pg_desk.registry.transaction() as holder:  # a worker holding the first two
        locked = aes_id.cards.issue._lease(holder, nins[:2], skip_locked=True)
        assert locked == nins[:2]
        assert issue(nins) == nins[2:]  # neither waits nor takes them
    assert issue(nins) == nins[:2]  # the lease ended with its transaction
    held = _valid_cards(pg_desk.registry)
    assert sorted(held) == nins and all(len(cards) == 1 for cards in held.values())


@pytest.mark.postgres
def test_a_second_valid_card_on_postgresql_names_the_resident(
    pg_desk: PgDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    (nin,) = pg_desk.enrol(1, seed=9)
    now = pg_desk.now()
    issue_cards(pg_desk.registry, pg_desk.store, PASSPHRASE, [nin], now=now, officer="a")
    monkeypatch.setattr(aes_id.cards.issue, "valid_cards_in", lambda session, nin: [])
    with pytest.raises(StorageError) as refused:
        issue_cards(pg_desk.registry, pg_desk.store, PASSPHRASE, [nin], now=now, officer="b")
    assert refused.value.message.startswith(f"resident {nin} was given a valid card by another")
    assert [c.officer for c in _valid_cards(pg_desk.registry)[nin]] == ["a"]


# --- PostgreSQL: two real processes ---------------------------------------------------------


def _start(desk: PgDesk, officer: str, now: dt.datetime) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "AES_ID_DB": desk.url,
        "AES_ID_KEYS": str(desk.keys),
        "AES_ID_KEY_PASSPHRASE": PASSPHRASE,
        "AES_ID_NOW": now.isoformat(),
        "PGAPPNAME": officer,  # libpq's application name: how the test finds its connections
    }
    return subprocess.Popen(
        [*command(), "issue", "--pending", "--workers", "1", "--officer", officer, "--json"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _start_together(desk: PgDesk, officers: tuple[str, ...]) -> list[subprocess.Popen[str]]:
    """Start one process per officer, and let them go only once all of them wait on the registry.

    The schema version table is locked until every process is queued on it, so
    a slow start of one (its imports) does not leave the other all the work.
    """
    now = desk.now()
    with desk.registry.transaction() as gate:
        gate.execute(text("LOCK TABLE schema_version IN ACCESS EXCLUSIVE MODE"))
        runs = [_start(desk, officer, now) for officer in officers]
        deadline = time.monotonic() + 30
        while _waiting(desk.registry) < set(officers):
            assert time.monotonic() < deadline, "the processes never reached the registry"
            assert all(run.poll() is None for run in runs), [r.communicate() for r in runs]
            time.sleep(0.02)
    return runs


def _waiting(registry: Registry) -> set[str]:
    with registry.reader() as session:
        names = session.scalars(
            text("SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        )
        return set(names)


def _issued_by(registry: Registry) -> dict[str, int]:
    with registry.reader() as session:
        rows = session.execute(
            select(col(tables.CardRow.officer), func.count()).group_by(col(tables.CardRow.officer))
        )
        return {officer: int(count) for officer, count in rows}


def _holds_a_lease(registry: Registry, officer: str) -> bool:
    """Whether one of ``officer``'s connections is signing a batch it leased (not empty).

    Past its lease a batch reads the residents' cards and biometrics, then signs
    with its transaction open; the pending list's query joins ``resident_1``.
    """
    with registry.reader() as session:
        queries = session.scalars(
            text(
                "SELECT query FROM pg_stat_activity WHERE application_name = :name "
                "AND state = 'idle in transaction'"
            ),
            {"name": officer},
        ).all()
    return any("biometric" in q or ("FROM card" in q and "resident_1" not in q) for q in queries)


def _one_card_each(registry: Registry, nins: list[str]) -> None:
    held = _valid_cards(registry)
    assert sorted(nin for nin in held if nin in set(nins)) == sorted(nins)
    twice = {nin: [c.card_number for c in cards] for nin, cards in held.items() if len(cards) > 1}
    assert twice == {}


@pytest.mark.postgres
@pytest.mark.slow
def test_two_processes_share_the_pending_residents_and_survive_a_kill(pg_desk: PgDesk) -> None:
    first = pg_desk.enrol(RESIDENTS, seed=31)
    runs = _start_together(pg_desk, ("worker-a", "worker-b"))
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    issued = [json.loads(out) for out, _ in outputs]
    each = [{card["nin"] for card in cards} for cards in issued]
    print("cards issued per process:", [len(cards) for cards in issued])
    assert all(each), "both processes issue cards"
    assert not each[0] & each[1], "never the same resident twice"
    assert sorted(each[0] | each[1]) == sorted(first)
    _one_card_each(pg_desk.registry, first)

    second = pg_desk.enrol(RESIDENTS, seed=32)
    killed, survivor = _start_together(pg_desk, ("worker-c", "worker-d"))
    deadline = time.monotonic() + 60
    while not _holds_a_lease(pg_desk.registry, "worker-c") and killed.poll() is None:
        assert time.monotonic() < deadline, "worker-c never leased a batch"
        time.sleep(0.02)
    assert killed.poll() is None, "worker-c ended before it could be killed midway"
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    _, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err
    left = pending_nins(pg_desk.registry)
    print("after the kill:", _issued_by(pg_desk.registry), "pending:", len(left))
    assert "worker-c" not in _issued_by(pg_desk.registry), "killed inside its first batch"
    rerun = _start(pg_desk, "worker-e", pg_desk.now())
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert pending_nins(pg_desk.registry) == []
    _one_card_each(pg_desk.registry, first + second)
    print("issued per officer:", _issued_by(pg_desk.registry))

    make_checkpoint(pg_desk.registry, pg_desk.store, PASSPHRASE, pg_desk.now())
    report = run_audit(pg_desk.registry, pg_desk.store, workers=1)
    assert report.ok, [str(f) for f in report.findings]
    assert report.counts.cards == 2 * RESIDENTS
