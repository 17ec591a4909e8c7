"""The incremental audit (check 6): only what came after a checkpoint verified before.

The healthy world holds 12 cards inside the saved checkpoint and 12 issued
after it (with a Document Signer rotation and a revocation list), under a
latest checkpoint of 39 leaves.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from aes_id.audit.auditor import run_audit
from aes_id.audit.cardcheck import CardChecker
from aes_id.audit.checkpoint import log_verifier, read_checkpoint
from aes_id.audit.incremental import run_incremental
from aes_id.audit.leaf import LogEntry
from aes_id.audit.report import AuditReport, Check
from aes_id.errors import TrustError
from aes_id.formats.note import NoteSigner, sign_note
from tests.audit.attacks import (
    _cose,
    _qr_text,
    a_second_round_card,
    card_cose_edited,
    card_leaves,
    card_off_the_books,
    history_rewritten,
    raw,
)
from tests.audit.conftest import World, run_cli


def _has(report: AuditReport, check: Check, subject: str, message: str) -> bool:
    return any(
        f.check is check and subject in f.subject and message in f.message for f in report.findings
    )


def _saved_size(world: World) -> int:
    return read_checkpoint(world.saved, log_verifier(world.store)).size


def _new_cards(world: World, since: int) -> list[str]:
    with raw(world) as db:
        return sorted(number for seq, number, _ in card_leaves(db) if seq >= since)


def test_since_touches_only_the_new_leaves_and_their_cards(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    since = _saved_size(world)
    new_cards = _new_cards(world, since)
    assert len(new_cards) == 12
    checked: list[str] = []
    collect = CardChecker._collect

    def spy(self: CardChecker, page: list[tuple[str, ...]], results: list[object]) -> None:
        checked.extend(row[0] for row in page)
        collect(self, page, results)  # type: ignore[arg-type]

    monkeypatch.setattr(CardChecker, "_collect", spy)
    report = run_incremental(world.registry, world.store, world.saved)
    assert report.ok, [str(f) for f in report.findings]
    assert sorted(checked) == new_cards  # the 12 old cards were not read
    counts = report.counts
    assert counts.leaves == 39 - since and counts.cards == counts.card_leaves == 12
    assert counts.lists == counts.list_leaves == 2  # the trust list of the rotation, a revocation
    assert counts.key_events == counts.key_leaves == 1  # the new Document Signer
    assert report.since == since and report.tree_size == report.latest_checkpoint == 39
    assert report.scope == (
        f"incremental audit from checkpoint {since} to 39: {39 - since} leaves, 12 cards checked"
    )
    full = run_audit(world.registry, world.store)
    assert full.root == report.root and full.counts.cards == 24 and full.scope.startswith("full")


def test_since_the_latest_checkpoint_checks_nothing(world: World) -> None:
    with raw(world) as db:
        (note,) = db.execute("SELECT note FROM checkpoint ORDER BY size DESC").fetchone()
    report = run_incremental(world.registry, world.store, note)
    assert report.ok, [str(f) for f in report.findings]
    assert (report.counts.leaves, report.counts.cards, report.counts.lists) == (0, 0, 0)
    assert report.scope == "incremental audit from checkpoint 39 to 39: 0 leaves, 0 cards checked"


def test_a_new_card_tampered_with_is_caught(world: World) -> None:
    with raw(world) as db:
        _, number = a_second_round_card(db)
        other = card_leaves(db)[-1][1]
        cose = _cose(db, other)
        db.execute(
            "UPDATE card SET cose = ?, qr_text = ? WHERE card_number = ?",
            (cose, _qr_text(cose), number),
        )
    report = run_incremental(world.registry, world.store, world.saved)
    assert _has(report, Check.REGISTRY, f"card {number}", "hashes to")


def test_an_old_card_is_outside_since_but_not_outside_the_full_audit(world: World) -> None:
    expect = card_cose_edited(world)  # a card inside the saved checkpoint
    assert run_incremental(world.registry, world.store, world.saved).ok
    full = run_audit(world.registry, world.store)
    assert _has(full, expect.check, expect.subject, expect.message)


def test_a_new_leaf_edited_is_caught(world: World) -> None:
    with raw(world) as db:
        seq, _ = a_second_round_card(db)
        (data,) = db.execute("SELECT data FROM log_leaf WHERE seq = ?", (seq,)).fetchone()
        edited = dataclasses.replace(LogEntry.decode(bytes(data)), by="officer-9")
        db.execute("UPDATE log_leaf SET data = ? WHERE seq = ?", (edited.encode(), seq))
    report = run_incremental(world.registry, world.store, world.saved)
    assert _has(report, Check.TREE, f"leaf {seq}", "stored leaf hash")
    assert _has(report, Check.LEAVES, f"leaf {seq}", "column by is 'officer-2'")
    assert _has(report, Check.TREE, "checkpoint 39", "rehashed give")


def test_a_new_leaf_before_the_last_old_leaf_time_is_caught(world: World) -> None:
    since = _saved_size(world)
    with raw(world) as db:
        (data,) = db.execute("SELECT data FROM log_leaf WHERE seq = ?", (since,)).fetchone()
        entry = LogEntry.decode(bytes(data))
        early = dataclasses.replace(entry, t=entry.t - 7200)
        db.execute(
            "UPDATE log_leaf SET data = ?, t = ? WHERE seq = ?", (early.encode(), early.t, since)
        )
    report = run_incremental(world.registry, world.store, world.saved)
    assert _has(report, Check.LEAVES, f"leaf {since}", "is before the previous leaf's")


def test_a_card_signed_off_the_books_is_caught(world: World) -> None:
    expect = card_off_the_books(world)
    report = run_incremental(world.registry, world.store, world.saved)
    assert _has(report, expect.check, expect.subject, expect.message)
    assert report.counts.cards == 13


def test_a_history_rewritten_before_the_checkpoint_fails_the_consistency_proof(
    world: World,
) -> None:
    history_rewritten(world)
    report = run_incremental(world.registry, world.store, world.saved)
    assert _has(report, Check.SAVED, "saved checkpoint", "history was rewritten")
    assert _has(report, Check.SAVED, "saved checkpoint", "consistency proof to its checkpoint")
    assert report.counts.leaves == 0  # nothing verified before to build on


def test_a_since_checkpoint_that_does_not_verify_is_refused(world: World) -> None:
    impostor = NoteSigner.generate("aes-id/registry-log")
    forged = sign_note(world.saved.split("\n\n")[0] + "\n", impostor)
    with pytest.raises(TrustError, match="does not verify"):
        run_incremental(world.registry, world.store, forged)


def test_the_cli_says_what_the_incremental_audit_checked(world: World) -> None:
    size = _saved_size(world)
    result = run_cli(world, "audit", "verify", "--since", str(world.saved_file))
    assert result.exit_code == 0, result.output
    assert (
        f"incremental audit from checkpoint {size} to 39: {39 - size} leaves, 12 cards checked"
        in " ".join(result.stdout.split())
    )
    data = json.loads(
        run_cli(world, "audit", "verify", "--since", str(world.saved_file), "--json").stdout
    )
    assert data["ok"] and data["since"] == size and data["counts"]["cards"] == 12
    both = run_cli(world, "audit", "verify", "--since", str(world.saved_file), "--checkpoint", "x")
    assert both.exit_code == 2 and "give one" in both.output


def test_the_cli_refuses_a_since_checkpoint_that_does_not_verify(world: World) -> None:
    impostor = NoteSigner.generate("aes-id/registry-log")
    forged = world.path / "forged.checkpoint"
    forged.write_text(sign_note(world.saved.split("\n\n")[0] + "\n", impostor), encoding="utf-8")
    result = run_cli(world, "audit", "verify", "--since", str(forged))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the checkpoint to audit from does not verify" in result.output
