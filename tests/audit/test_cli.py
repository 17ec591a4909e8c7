"""``aes-id audit …`` in-process (and once through a real process when the app registers it)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aes_id.audit.auditor import run_audit
from aes_id.audit.checkpoint import log_verifier, read_checkpoint
from aes_id.cli.common import ENV_NOW, ENV_PASSPHRASE
from tests.audit.attacks import a_first_round_card, leaf_deleted, raw
from tests.audit.conftest import LATER, PASSPHRASE, World, run_cli, run_in


def test_key_prints_the_logs_verifier_key(world: World) -> None:
    result = run_cli(world, "audit", "key")
    assert result.exit_code == 0
    assert result.stdout == world.store.log_verifier() + "\n"
    assert result.stdout.startswith("aes-id/registry-log+")


def test_checkpoint_prints_the_note_exactly_and_saves_it(world: World) -> None:
    out = world.path / "today.checkpoint"
    result = run_cli(world, "audit", "checkpoint", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == out.read_text(encoding="utf-8")
    assert read_checkpoint(result.stdout, log_verifier(world.store)).size > 0


def test_prove_then_verify_proof_offline(world: World) -> None:
    with raw(world) as db:
        seq, number = a_first_round_card(db)
        (qr,) = db.execute("SELECT qr_text FROM card WHERE card_number = ?", (number,)).fetchone()
    out = world.path / f"{number}.tlog-proof"
    proved = run_cli(world, "audit", "prove", number, "--out", str(out))
    assert proved.exit_code == 0 and proved.stdout == out.read_text(encoding="utf-8")
    key = world.store.log_verifier()
    checked = run_cli(world, "audit", "verify-proof", str(out), "--key", key, "--qr", qr)
    assert checked.exit_code == 0, checked.output
    assert f"leaf {seq} (card {number}" in checked.stdout
    assert "carries the very COSE_Sign1" in checked.stdout
    as_json = run_cli(world, "audit", "verify-proof", str(out), "--json")
    assert json.loads(as_json.stdout)["ref"] == number


def test_verify_proof_fails_on_a_tampered_file(world: World) -> None:
    with raw(world) as db:
        _, number = a_first_round_card(db)
    out = world.path / "proof.tlog-proof"
    run_cli(world, "audit", "prove", number, "--out", str(out))
    lines = out.read_text(encoding="utf-8").split("\n")
    lines[3] = "A" + lines[3][1:] if lines[3][0] != "A" else "B" + lines[3][1:]
    out.write_text("\n".join(lines), encoding="utf-8")
    result = run_cli(world, "audit", "verify-proof", str(out))
    assert result.exit_code != 0


def test_consistency_from_the_saved_checkpoint(world: World) -> None:
    result = run_cli(world, "audit", "consistency", "--from", str(world.saved_file))
    assert result.exit_code == 0, result.output
    assert "consistent" in result.stdout
    data = json.loads(
        run_cli(world, "audit", "consistency", "--from", str(world.saved_file), "--json").stdout
    )
    assert data["ok"] and data["old"]["size"] < data["new"]["size"]


def test_verify_on_a_terminal_report(world: World) -> None:
    result = run_cli(world, "audit", "verify", "--checkpoint", str(world.saved_file))
    assert result.exit_code == 0, result.output
    assert "the log holds" in result.stdout
    assert "5. consistency with the saved checkpoint" in result.stdout


def test_verify_names_what_failed_and_exits_1(world: World) -> None:
    expect = leaf_deleted(world)
    result = run_cli(world, "audit", "verify")
    assert result.exit_code == 1
    assert f"{expect.subject}:" in result.stdout and "the log does not hold" in result.stdout


def test_the_first_audit_before_any_checkpoint_says_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "first-hour"
    home.mkdir()
    for args in (
        ["enrol", "--synthetic", "3", "--seed", "3"],
        ["keys", "init"],
        ["issue", "--pending", "--workers", "1"],
    ):
        assert run_in(home, *args).exit_code == 0, args
    first = run_in(home, "audit", "verify")
    assert first.exit_code == 0, first.output
    assert "the log does not hold" not in first.stdout
    assert "no checkpoint yet: nothing signs these" in first.stdout
    assert "run `aes-id audit checkpoint --out FILE`" in first.stdout
    assert re.search(r"│ - │ 1\. checkpoint signatures +│ none yet", first.stdout), first.stdout
    assert "no checkpoint signs the log yet" in first.stdout
    saved = home / "first.checkpoint"
    assert run_in(home, "audit", "checkpoint", "--out", str(saved)).exit_code == 0
    covered = run_in(home, "audit", "verify")
    assert "covers every leaf" in covered.stdout and "the log holds" in covered.stdout
    assert run_in(home, "enrol", "--synthetic", "1", "--seed", "4").exit_code == 0
    assert run_in(home, "issue", "--pending", "--workers", "1").exit_code == 0
    size = int(saved.read_text(encoding="utf-8").split("\n")[1])  # origin, size, root
    later = run_in(home, "audit", "verify", "--checkpoint", str(saved))
    assert later.exit_code == 0, later.output
    assert f"1 leaf was added after checkpoint {size}: it is covered once the next" in later.stdout
    data = json.loads(run_in(home, "audit", "verify", "--json").stdout)
    assert data["ok"] and data["latest_checkpoint"] == size
    assert data["leaves_after_checkpoint"] == 1


def test_log_show_filters(world: World) -> None:
    everything = json.loads(run_cli(world, "audit", "log", "show", "--json", "--limit", "0").stdout)
    assert [e["seq"] for e in everything] == list(range(len(everything)))
    cards = json.loads(run_cli(world, "audit", "log", "show", "--kind", "card", "--json").stdout)
    assert len(cards) == 24 and {e["kind"] for e in cards} == {"card"}
    by = json.loads(
        run_cli(world, "audit", "log", "show", "--officer", "officer-2", "--json").stdout
    )
    assert by and {e["by"] for e in by} == {"officer-2"}
    tail = json.loads(run_cli(world, "audit", "log", "show", "--from", "30", "--json").stdout)
    assert tail[0]["seq"] == 30
    table = run_cli(world, "audit", "log", "show", "--limit", "3")
    assert table.exit_code == 0 and "key" in table.stdout and "officer-1" not in table.stdout
    bad = run_cli(world, "audit", "log", "show", "--kind", "passport")
    assert bad.exit_code == 2 and "unknown leaf kind" in bad.stderr


def test_the_worker_pool_gives_the_same_audit(world: World) -> None:
    alone = run_audit(world.registry, world.store, saved_checkpoint=world.saved, workers=1)
    pooled = run_audit(world.registry, world.store, saved_checkpoint=world.saved, workers=2)
    assert pooled == alone and pooled.ok
    leaf_deleted(world)
    assert run_audit(world.registry, world.store, workers=2).findings == (
        run_audit(world.registry, world.store, workers=1).findings
    )


def test_aes_id_audit_verify_in_a_real_process(world: World) -> None:
    from aes_id.cli.app import app

    if "audit" not in {group.name for group in app.registered_groups}:
        pytest.skip("aes_id.cli.app does not register the audit commands yet")
    env = {**os.environ, ENV_PASSPHRASE: PASSPHRASE, ENV_NOW: LATER.isoformat()}
    args = ["--db", str(world.db), "--keys", str(world.keys), "audit", "verify", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", "from aes_id.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
