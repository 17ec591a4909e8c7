"""The audit reads the same on SQLite and PostgreSQL (driver values, one snapshot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from aes_id.audit.auditor import run_audit
from aes_id.audit.checkpoint import make_checkpoint
from aes_id.audit.incremental import run_incremental
from aes_id.audit.log import ENV_CLOCK_TOLERANCE
from aes_id.audit.report import Check
from aes_id.cards.issue import issue_cards
from aes_id.publishing import init_keys
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.enrol import enrol
from aes_id.simulate.enrolment import synthetic_requests
from tests.audit.conftest import HOUR, PASSPHRASE
from tests.conftest import NOW


def _enrol(registry: Registry, count: int) -> list[str]:
    """Synthetic residents with their full 64-bit face seeds.

    Regression: ``biometric.face_seed`` was a 32-bit INTEGER column on
    PostgreSQL, so a seed past 2**31 failed to store; the column is 64-bit now
    and at least one seed here needs it.
    """
    requests = list(
        synthetic_requests(count, seed=3, state=None, today=NOW.date(), officer="o", site="s")
    )
    assert any((r.capture.face_seed or 0) >= 2**31 for r in requests), "no seed needs 64 bits"
    return [enrol(registry, request, now=NOW) for request in requests]


def test_an_audit_on_each_database(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fixed test clock is months from a PostgreSQL server's: allow it (test_clock_pg.py
    # checks the server's clock itself).
    monkeypatch.setenv(ENV_CLOCK_TOLERANCE, str(10 * 365 * 86400))
    registry = open_registry(db_url)
    try:
        *nins, without_card = _enrol(registry, 7)
        store = init_keys(registry, tmp_path / "keys", PASSPHRASE, now=NOW, by="operator")
        cards = issue_cards(registry, store, PASSPHRASE, nins, now=NOW + HOUR, officer="o")
        saved = make_checkpoint(registry, store, PASSPHRASE, NOW + HOUR)
        report = run_audit(registry, store, saved_checkpoint=saved, workers=2)
        assert report.ok, [str(f) for f in report.findings]
        assert report.counts.cards == 6
        number = cards[0].card_number
        with registry.transaction() as session:  # moved to a resident without one
            session.execute(
                text("UPDATE card SET nin = :nin WHERE card_number = :number"),
                {"nin": without_card, "number": number},
            )
        report = run_audit(registry, store, saved_checkpoint=saved)
        assert [(f.check, f.subject) for f in report.findings] == [
            (Check.REGISTRY, f"card {number}")
        ]
        assert f"NIN {without_card}" in report.findings[0].message
    finally:
        registry.dispose()


def test_an_incremental_audit_on_each_database(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_CLOCK_TOLERANCE, str(10 * 365 * 86400))
    registry = open_registry(db_url)
    try:
        *nins, without_card = _enrol(registry, 8)
        store = init_keys(registry, tmp_path / "keys", PASSPHRASE, now=NOW, by="operator")
        issue_cards(registry, store, PASSPHRASE, nins[:4], now=NOW + HOUR, officer="o")
        saved = make_checkpoint(registry, store, PASSPHRASE, NOW + HOUR)
        new = issue_cards(registry, store, PASSPHRASE, nins[4:], now=NOW + 2 * HOUR, officer="o")
        make_checkpoint(registry, store, PASSPHRASE, NOW + 2 * HOUR)
        report = run_incremental(registry, store, saved, workers=2)
        assert report.ok, [str(f) for f in report.findings]
        assert (report.counts.leaves, report.counts.cards) == (3, 3)
        number = new[0].card_number
        with registry.transaction() as session:
            session.execute(
                text("UPDATE card SET nin = :nin WHERE card_number = :number"),
                {"nin": without_card, "number": number},
            )
        report = run_incremental(registry, store, saved)
        assert (Check.REGISTRY, f"card {number}") in [(f.check, f.subject) for f in report.findings]
    finally:
        registry.dispose()
