"""The audit: clean on a healthy registry; each of the five checks finds what it is for."""

from __future__ import annotations

import json

from aes_id.audit.auditor import run_audit
from aes_id.audit.leaf import LeafKind, LogEntry
from aes_id.audit.leafscan import LeafRecord
from aes_id.audit.log import LeafDraft, append_leaves
from aes_id.audit.reconcile import reconcile_keys
from aes_id.audit.report import AuditCounts, AuditReport, Check, Findings
from aes_id.domain import Kid
from aes_id.formats.note import NoteSigner, sign_note
from aes_id.pki.certs import kid_of
from tests.audit.attacks import raw
from tests.audit.conftest import World


def _has(report: AuditReport, check: Check, subject: str, message: str) -> bool:
    return any(
        f.check is check and subject in f.subject and message in f.message for f in report.findings
    )


def test_a_healthy_registry_passes_every_check(world: World) -> None:
    report = run_audit(world.registry, world.store, saved_checkpoint=world.saved)
    assert report.ok, [str(f) for f in report.findings]
    assert report.exit_code == 0
    counts = report.counts
    assert counts.cards == counts.card_leaves == 24
    assert counts.lists == counts.list_leaves == 6  # 2 trust lists, 3 + 1 revocation lists
    assert counts.key_events == counts.key_leaves == 9  # root, 3 CAs, 3 signers, log, rotation
    assert counts.leaves == report.tree_size == 24 + 6 + 9
    assert counts.merkle_nodes == 2 * report.tree_size - bin(report.tree_size).count("1")
    assert report.latest_checkpoint == report.tree_size
    assert report.saved_checkpoint is not None and report.saved_checkpoint < report.tree_size
    assert counts.checkpoints == 3
    data = json.loads(json.dumps(report.to_json()))
    assert data["ok"] and [c["findings"] for c in data["checks"]] == [0] * 5


def test_a_log_without_checkpoints_is_no_finding_but_says_what_to_do(world: World) -> None:
    with raw(world) as db:
        db.execute("DELETE FROM checkpoint")
    report = run_audit(world.registry, world.store)
    assert report.ok and report.latest_checkpoint is None
    assert report.uncovered == report.tree_size == 39
    assert report.coverage.startswith("no checkpoint yet: nothing signs these 39 leaves; run ")
    assert "`aes-id audit checkpoint --out FILE`" in report.coverage
    # An auditor who kept a checkpoint still sees that the log lost its own.
    kept = run_audit(world.registry, world.store, saved_checkpoint=world.saved)
    assert _has(kept, Check.SAVED, "saved checkpoint", "latest valid checkpoint has 0 leaves")


def test_the_report_counts_the_leaves_after_the_latest_checkpoint(world: World) -> None:
    report = run_audit(world.registry, world.store)
    assert report.uncovered == 0 and report.coverage == "checkpoint 39 covers every leaf"
    kid = kid_of(world.store.root_certificate())
    with world.registry.transaction() as session:
        append_leaves(session, [LeafDraft(2_000_000_000, LeafKind.KEY, kid, b"x", "00", "o")] * 2)
    report = run_audit(world.registry, world.store)
    assert report.latest_checkpoint == 39 and report.tree_size == 41
    assert report.uncovered == 2 and report.coverage == (
        "2 leaves were added after checkpoint 39: they are covered once the next checkpoint "
        "is signed (`aes-id audit checkpoint`)"
    )
    data = report.to_json()
    assert data["leaves_after_checkpoint"] == 2 and data["coverage"] == report.coverage


def test_checkpoints_are_checked_with_the_key_the_auditor_trusts(world: World) -> None:
    other = NoteSigner.generate("aes-id/registry-log").verifier.to_text()
    report = run_audit(world.registry, world.store, verifier_key=other)
    assert report.total(Check.CHECKPOINTS) == 3
    assert report.latest_checkpoint is None


def test_a_forged_or_oversized_saved_checkpoint_is_named(world: World) -> None:
    impostor = NoteSigner.generate("aes-id/registry-log")
    forged = sign_note(world.saved.split("\n\n")[0] + "\n", impostor)
    report = run_audit(world.registry, world.store, saved_checkpoint=forged)
    assert _has(report, Check.SAVED, "saved checkpoint", "signature")
    with raw(world) as db:
        (last,) = db.execute("SELECT max(seq) FROM log_leaf").fetchone()
        db.execute("DELETE FROM log_leaf WHERE seq = ?", (last,))
        db.execute("DELETE FROM merkle_node WHERE idx * (1 << level) + (1 << level) > ?", (last,))
        db.execute("UPDATE log_head SET size = ?", (last,))
        (latest,) = db.execute("SELECT note FROM checkpoint ORDER BY size DESC").fetchone()
        db.execute("DELETE FROM checkpoint WHERE size > ?", (last,))
    report = run_audit(world.registry, world.store, saved_checkpoint=latest)
    assert _has(report, Check.SAVED, f"saved checkpoint {last + 1}", "today's log holds only")
    assert report.by_check(Check.REGISTRY)  # the revocation list lost its leaf


def test_unknown_kids_and_kids_of_the_wrong_role_are_named(world: World) -> None:
    root = kid_of(world.store.root_certificate())
    drafts = [
        LeafDraft(2_000_000_000, LeafKind.KEY, Kid(b"stranger"), b"x", "73747261", "operator"),
        LeafDraft(2_000_000_000, LeafKind.CARD, root, b"y", "ML0000001", "officer-1"),
    ]
    with world.registry.transaction() as session:
        stranger, by_root = append_leaves(session, drafts)
    report = run_audit(world.registry, world.store)
    assert _has(report, Check.LEAVES, f"leaf {stranger.seq}", "not in the trust list")
    assert _has(report, Check.LEAVES, f"leaf {by_root.seq}", "a root key")
    assert _has(report, Check.REGISTRY, "card ML0000001", "has 2 card leaves")


def test_a_card_not_cose_or_under_an_unknown_kid_is_named(world: World) -> None:
    with raw(world) as db:
        first, second = db.execute("SELECT card_number FROM card LIMIT 2").fetchall()
        db.execute("UPDATE card SET cose = x'a0' WHERE card_number = ?", first)
        db.execute("UPDATE card SET kid = '0000000000000000' WHERE card_number = ?", second)
    report = run_audit(world.registry, world.store)
    assert _has(report, Check.REGISTRY, f"card {first[0]}", "does not parse")
    assert _has(report, Check.REGISTRY, f"card {second[0]}", "the row says kid 0000000000000000")


def test_a_signed_list_replaced_in_the_registry_is_named(world: World) -> None:
    with raw(world) as db:
        rows = db.execute(
            "SELECT id, scope, sequence, data FROM signed_list WHERE kind = 'revocation-list' "
            "ORDER BY id"
        ).fetchall()
        first, other = rows[0], rows[1]
        db.execute("UPDATE signed_list SET data = ? WHERE id = ?", (other[3], first[0]))
    report = run_audit(world.registry, world.store)
    assert _has(report, Check.REGISTRY, f"revocation-list {first[1]}#{first[2]}", "hash to")


def test_a_missing_trust_list_is_named_and_the_key_store_stands_in(world: World) -> None:
    with raw(world) as db:
        db.execute("UPDATE signed_list SET data = x'00' WHERE kind = 'trust-list'")
    report = run_audit(world.registry, world.store)
    assert _has(report, Check.LEAVES, "trust-list AES#2", "does not verify")
    assert not report.by_check(Check.TREE)
    assert report.counts.cards == 24 and not any("card " in f.subject for f in report.findings)


def test_key_events_and_key_leaves_are_matched_both_ways(world: World) -> None:
    events = world.store.events()
    with raw(world) as db:
        datas = [bytes(d) for (d,) in db.execute("SELECT data FROM log_leaf WHERE kind = 'key'")]
    leaves = [LeafRecord(*_fields(LogEntry.decode(d))) for d in datas]
    findings = Findings()
    reconcile_keys(events, leaves, findings, AuditCounts())
    assert not len(findings)
    reconcile_keys(events[1:], leaves, findings, AuditCounts())
    assert [f.subject for f in findings.kept] == [f"leaf {leaves[0].seq}"]
    findings = Findings()
    reconcile_keys(events, leaves[1:], findings, AuditCounts())
    assert [f.subject for f in findings.kept] == [f"key {events[0].kid.hex()}"]


def _fields(entry: LogEntry) -> tuple[int, int, str, bytes, bytes, str, str]:
    return entry.seq, entry.t, entry.kind.value, entry.kid, entry.h, entry.ref, entry.by


def test_findings_past_the_limit_are_counted_not_kept() -> None:
    findings = Findings(limit=3)
    for i in range(5):
        findings.add(Check.LEAVES, f"leaf {i}", "differs")
    findings.add(Check.TREE, "leaf 0", "differs")
    assert len(findings) == 6
    assert [f.subject for f in findings.kept] == ["leaf 0", "leaf 1", "leaf 2", "leaf 0"]
    assert findings.total[Check.LEAVES] == 5
