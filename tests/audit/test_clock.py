"""The log's clock: leaf times never go backwards, whatever the desks' clocks say.

A leaf's ``t`` is its desk's time or the log's own later clock (``log_head.last_t``);
a desk more than the tolerance behind the log is refused, nothing written, and the
auditor accepts a leaf up to the tolerance after its object's signing time
(docs/audit-log.md, "Time"). The PostgreSQL variants, against the server's clock,
are in ``test_clock_pg.py``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from aes_id.audit.auditor import run_audit
from aes_id.audit.leaf import LeafKind, time_skew
from aes_id.audit.log import (
    DEFAULT_CLOCK_TOLERANCE,
    ENV_CLOCK_TOLERANCE,
    LeafDraft,
    append_leaves,
    clock_tolerance,
)
from aes_id.audit.report import Check
from aes_id.cards.issue import issue_cards
from aes_id.domain import Kid
from aes_id.errors import ClockError, UsageError
from aes_id.simulate.enrolment import enrol_synthetic
from tests.audit.attacks import raw
from tests.audit.conftest import HOUR, LATER, PASSPHRASE, World, run_cli
from tests.conftest import NOW

NEWEST = NOW + 3 * HOUR
"""The time of the healthy log's newest leaf (the revocation list)."""
SECOND = dt.timedelta(seconds=1)
TABLES = ("card", "log_leaf", "log_head", "merkle_node", "signed_list", "card_counter")


def _pending(world: World, count: int) -> list[str]:
    return list(
        enrol_synthetic(world.registry, count, seed=29, state=None, officer="o", site="s", now=NOW)
    )


def _leaf_times(db: sqlite3.Connection) -> list[int]:
    return [t for (t,) in db.execute("SELECT t FROM log_leaf ORDER BY seq")]


def _snapshot(world: World) -> dict[str, list[tuple[object, ...]]]:
    with raw(world) as db:
        present = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        return {
            name: sorted(db.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
            for name in TABLES
            if name in present
        }


def test_two_desks_one_30_s_ahead_issue_in_turn_and_the_audit_passes(world: World) -> None:
    nins = _pending(world, 4)
    ahead, right = LATER + 30 * SECOND, LATER
    for nin, desk in zip(nins, (ahead, right, ahead, right), strict=True):
        done = run_cli(world, "issue", nin, "--workers", "1", "--officer", "o", now=desk)
        assert done.exit_code == 0, done.output
    assert run_cli(world, "audit", "checkpoint").exit_code == 0
    result = run_cli(world, "audit", "verify", "--checkpoint", str(world.saved_file))
    assert result.exit_code == 0, result.stdout
    assert "the log holds" in result.stdout
    with raw(world) as db:
        times = _leaf_times(db)
        issued = db.execute(
            "SELECT l.t, c.issued_at FROM log_leaf l JOIN card c ON c.card_number = l.ref "
            "ORDER BY l.seq DESC LIMIT 4"
        ).fetchall()
        (last_t,) = db.execute("SELECT last_t FROM log_head").fetchone()
    assert times == sorted(times) and last_t == times[-1] == int(ahead.timestamp())
    # Every new leaf carries the log's clock; the cards keep their desks' own times.
    assert [t for t, _ in issued] == [int(ahead.timestamp())] * 4
    assert sorted({dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC) for _, at in issued}) == [
        right,
        ahead,
    ]


def test_a_desk_10_minutes_behind_the_log_is_refused_and_nothing_is_written(
    world: World,
) -> None:
    (nin,) = _pending(world, 1)
    before = _snapshot(world)
    behind = NEWEST - 10 * 60 * SECOND
    result = run_cli(world, "issue", nin, "--workers", "1", now=behind)
    assert result.exit_code == 1
    first, *rest = result.stderr.strip().splitlines()
    assert "600 s behind the log's newest entry" in first and "at most 300 s" in first
    assert "nothing was written" in first and "Traceback" not in result.stderr
    assert len(rest) == 1 and ENV_CLOCK_TOLERANCE in rest[0]
    assert _snapshot(world) == before
    within = run_cli(world, "issue", nin, "--workers", "1", now=NEWEST - 4 * 60 * SECOND)
    assert within.exit_code == 0, within.output


def test_the_log_gives_each_leaf_the_later_of_its_desks_time_and_its_own(world: World) -> None:
    kid = Kid(bytes(8))
    newest = int(NEWEST.timestamp())
    drafts = [
        LeafDraft(newest - 100, LeafKind.KEY, kid, b"a", "00", "x"),
        LeafDraft(newest + 50, LeafKind.KEY, kid, b"b", "00", "x"),
        LeafDraft(newest + 20, LeafKind.KEY, kid, b"c", "00", "x"),
    ]
    with world.registry.transaction() as session:
        entries = append_leaves(session, drafts)
    assert [e.t for e in entries] == [newest, newest + 50, newest + 50]
    with raw(world) as db:
        assert db.execute("SELECT last_t FROM log_head").fetchone() == (newest + 50,)
        assert _leaf_times(db)[-3:] == [newest, newest + 50, newest + 50]


def test_the_tolerance_is_a_parameter_or_the_setting(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = LeafDraft(int(NEWEST.timestamp()) - 1, LeafKind.KEY, Kid(bytes(8)), b"a", "00", "x")
    with pytest.raises(ClockError, match="1 s behind"), world.registry.transaction() as s:
        append_leaves(s, [draft], tolerance=0)
    late = LeafDraft(int(NEWEST.timestamp()) - 900, LeafKind.KEY, Kid(bytes(8)), b"a", "00", "x")
    with pytest.raises(ClockError, match="at most 300 s"), world.registry.transaction() as s:
        append_leaves(s, [late])
    monkeypatch.setenv(ENV_CLOCK_TOLERANCE, "900")
    assert clock_tolerance() == 900 and clock_tolerance(5) == 5
    with world.registry.transaction() as session:
        (entry,) = append_leaves(session, [late])
    assert entry.t == int(NEWEST.timestamp())
    monkeypatch.setenv(ENV_CLOCK_TOLERANCE, "five minutes")
    with pytest.raises(UsageError, match="not a number of seconds"):
        clock_tolerance()
    monkeypatch.delenv(ENV_CLOCK_TOLERANCE)
    assert clock_tolerance() == DEFAULT_CLOCK_TOLERANCE == 300


def test_the_auditor_allows_a_leaf_up_to_the_tolerance_after_its_card(world: World) -> None:
    (nin,) = _pending(world, 1)
    behind = NEWEST - 240 * SECOND
    (card,) = issue_cards(world.registry, world.store, PASSPHRASE, [nin], now=behind, officer="o")
    assert run_audit(world.registry, world.store, saved_checkpoint=world.saved).ok
    strict = run_audit(world.registry, world.store, clock_tolerance=60)
    assert [(f.check, f.subject) for f in strict.findings] == [
        (Check.REGISTRY, f"card {card.card_number}")
    ]
    assert "the leaf is 240 s after the signature, more than the 60 s allowed" in (
        strict.findings[0].message
    )


def test_a_leaf_before_its_signature_or_too_long_after_is_named() -> None:
    assert time_skew(1000, 1000, 0) is None and time_skew(1300, 1000, 300) is None
    assert time_skew(999, 1000, 300) == "the leaf is 1 s before the signature"
    assert time_skew(1301, 1000, 300) == (
        "the leaf is 301 s after the signature, more than the 300 s allowed"
    )
