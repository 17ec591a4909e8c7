"""The tamper matrix (issue 5): one attack each on a healthy registry and log, caught and named.

Each attack is checked twice: through the library (``run_audit``) and through
``aes-id audit verify --json`` run in-process, with the checkpoint the auditor
saved before the attacks.
"""

from __future__ import annotations

import json

import pytest

from aes_id.audit.auditor import run_audit
from aes_id.audit.report import AuditReport, Check, Finding
from tests.audit.attacks import ATTACKS, Expect, history_rewritten
from tests.audit.conftest import World, run_cli


def _names(findings: list[Finding], expect: Expect) -> bool:
    return any(
        f.check is expect.check and expect.subject in f.subject and expect.message in f.message
        for f in findings
    )


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_the_library_audit_catches_and_names_the_attack(world: World, attack: str) -> None:
    expect = ATTACKS[attack](world)
    report = run_audit(world.registry, world.store, saved_checkpoint=world.saved)
    assert not report.ok and report.exit_code == 1
    assert _names(list(report.findings), expect), "\n".join(map(str, report.findings))


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_the_cli_audit_catches_and_names_the_attack(world: World, attack: str) -> None:
    expect = ATTACKS[attack](world)
    result = run_cli(world, "audit", "verify", "--json", "--checkpoint", str(world.saved_file))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is False
    findings = [Finding(Check(f["check"]), f["subject"], f["message"]) for f in data["findings"]]
    assert _names(findings, expect), result.stdout


def test_a_rewritten_history_passes_without_a_saved_checkpoint(world: World) -> None:
    """Why check 5 exists: a consistent forgery fools every other check."""
    history_rewritten(world)
    report: AuditReport = run_audit(world.registry, world.store)
    assert report.ok, [str(f) for f in report.findings]
    result = run_cli(world, "audit", "consistency", "--from", str(world.saved_file))
    assert result.exit_code == 1
    assert "consistency proof" in result.stderr
