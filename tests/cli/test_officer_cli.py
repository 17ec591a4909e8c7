"""The officer's and operator's commands in-process: enrol, keys, issue, card show, revoke."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aes_id.cli.app import app
from tests.cli.conftest import NOW, PASSPHRASE, SYNTHETIC, Cli, Issued, environment

PERSON = [
    "--family-name",
    "Keïta",
    "--given-names",
    "Aïssata",
    "--dob",
    "1987-11-00",
    "--sex",
    "F",
    "--nationality",
    "MLI",
    "--place-of-birth",
    "Ségou",
    "--state",
    "MLI",
    "--region",
    "Bamako",
]
CSV_HEADER = "family_name,given_names,dob,sex,nationality,place_of_birth,state,region\n"


def table(home: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "registry.db") as db:
        return sorted(db.execute(sql).fetchall())


def registry_state(home: Path) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "cards": "SELECT card_number, nin, status, revocation_reason, qr_text FROM card",
        "counters": "SELECT state, last_serial FROM card_counter",
        "leaves": "SELECT seq, kind, ref FROM log_leaf",
        "lists": "SELECT kind, scope, sequence FROM signed_list",
    }
    return {name: table(home, sql) for name, sql in queries.items()}


def key_files(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((home / "keys").iterdir()) if p.is_file()}


# -- enrol ------------------------------------------------------------------------------------


def test_enrol_with_flags_prints_the_nin_and_stores_the_resident(cli: Cli) -> None:
    nin = cli.ok("enrol", *PERSON).out.strip()
    assert len(nin) == 12 and nin.isdigit()
    shown = cli.ok("residents", "show", nin, "--json").json()
    assert (shown["family_name"], shown["given_names"]) == ("Keïta", "Aïssata")
    assert (shown["date_of_birth"], shown["state"], shown["status"]) == (
        "1987-11-XX",
        "MLI",
        "active",
    )
    assert shown["enrolled_at"] == NOW


def test_enrol_json(cli: Cli) -> None:
    data = cli.ok("enrol", *PERSON, "--json").json()
    assert set(data) == {"nin", "enrolled_at"} and data["enrolled_at"] == NOW


def test_enrol_with_a_bad_field_is_one_line_and_exit_2(cli: Cli) -> None:
    outcome = cli("enrol", *PERSON[:-1], "Atlantis")
    assert outcome.code == 2
    assert outcome.err.count("\n") <= 2 and "Traceback" not in outcome.err
    assert "region" in outcome.err.lower()


def test_enrol_csv_reports_bad_rows_by_line_and_exits_1(cli: Cli, home: Path) -> None:
    rows = [
        "Keïta,Aïssata,1987-11-00,F,MLI,Ségou,MLI,Bamako",
        "Ouédraogo,Éric,1962-00-00,M,BFA,Koudougou,BFA,Kadiogo",
        "Maïga,Ali,not-a-date,M,NER,Niamey,NER,Dosso",
        "Traoré,Awa,1990-01-01,F,MLI,Kayes,MLI,Kayes",
        "Diallo,,1990-01-01,F,MLI,Kayes,MLI,Kayes",
    ]
    (home / "people.csv").write_text(CSV_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    outcome = cli("enrol", "--csv", "people.csv", "--json")
    assert outcome.code == 1
    report = outcome.json()
    assert [item["line"] for item in report["enrolled"]] == [2, 3, 5]
    assert [item["line"] for item in report["rejected"]] == [4, 6]
    assert "given names" in report["rejected"][1]["reason"]
    text = cli("enrol", "--csv", "people.csv")  # the same file again, as text
    assert text.code == 1
    assert "line 4: rejected:" in text.err and "line 6: rejected:" in text.err


def test_enrol_csv_rejected_row_with_brackets_does_not_crash(cli: Cli, home: Path) -> None:
    """Rejection reasons quote the row: rich markup in it must be printed, not parsed."""
    (home / "odd.csv").write_text(
        CSV_HEADER + "[/b]Keïta,Aïssata,1987-11-00,F,MLI,Ségou,MLI,Bamako\n", encoding="utf-8"
    )
    outcome = cli("enrol", "--csv", "odd.csv")
    assert outcome.code == 1, outcome.err
    assert "line 2: rejected:" in outcome.err and "[/b]" in outcome.err


def test_enrol_synthetic(cli: Cli) -> None:
    data = cli.ok("enrol", "--synthetic", "4", "--seed", "9", "--state", "NER", "--json").json()
    assert data["enrolled"] == 4 and len(set(data["nins"])) == 4
    found = cli.ok("residents", "find", "--state", "NER", "--json").json()
    assert sorted(r["nin"] for r in found) == sorted(data["nins"])


def test_enrol_modes_are_exclusive(cli: Cli) -> None:
    outcome = cli("enrol", "--synthetic", "2", "--csv", "x.csv")
    assert outcome.code == 2 and "choose one of" in outcome.err


# -- keys -------------------------------------------------------------------------------------


def test_keys_init_makes_the_hierarchy_and_the_lists(cli: Cli, home: Path) -> None:
    cli.ok("keys", "init")
    keys = cli.ok("keys", "list", "--json").json()
    roles = sorted((k["role"], k.get("state") or "-", k["status"]) for k in keys)
    assert [r for r in roles if r[0] == "document-signer"] == [
        ("document-signer", state, "active") for state in ("BFA", "MLI", "NER")
    ]
    assert sum(r[0] == "state-ca" for r in roles) == 3
    assert {"trust-list.cose", "revocations-MLI.cose", "store.json"} <= set(key_files(home))
    for pem in (home / "keys").glob("*.key.pem"):
        assert pem.stat().st_mode & 0o777 == 0o600
        assert b"ENCRYPTED PRIVATE KEY" in pem.read_bytes()
    again = cli("keys", "init")
    assert again.code != 0 and "already exists" in again.err and "Traceback" not in again.err


def test_db_and_keys_options_override_the_environment(cli: Cli, home: Path) -> None:
    other = home / "elsewhere"
    other.mkdir()
    db, keys = str(other / "r.db"), str(other / "k")
    cli.ok("--db", db, "--keys", keys, "enrol", "--synthetic", "2")
    cli.ok("--db", db, "--keys", keys, "keys", "init")
    issued = cli.ok("--db", db, "--keys", keys, "issue", "--pending", "--workers", "1", "--json")
    assert len(issued.json()) == 2
    assert (other / "k" / "trust-list.cose").exists() and not (home / "keys").exists()
    assert not (home / "registry.db").exists()


# -- issue, card show, revoke -----------------------------------------------------------------


def test_issue_pending_issues_one_card_per_resident(issued: Issued) -> None:
    numbers = [card["card_number"] for card in issued.cards]
    assert len(set(numbers)) == SYNTHETIC
    rows = table(issued.home, "SELECT nin, status FROM card")
    assert len(rows) == SYNTHETIC and {status for _, status in rows} == {"valid"}


def test_issue_pending_when_everyone_has_a_card_issues_nothing(cli: Cli, issued: Issued) -> None:
    assert cli.ok("issue", "--pending", "--json").json() == []


def test_card_show_json(cli: Cli, issued: Issued) -> None:
    card = issued.cards[0]
    view = cli.ok("card", "show", card["card_number"].lower(), "--json").json()
    assert view["card_number"] == card["card_number"] and view["nin"] == card["nin"]
    assert view["status"] == "valid" and view["kid"] == card["kid"]
    assert view["issued_at"] == NOW and view["expires_on"] == "2036-03-13"
    assert [len(line) for line in view["mrz"]] == [30, 30, 30]
    assert view["mrz"][0].startswith("ID" + card["state"] + card["card_number"])
    assert len(view["qr_text"]) <= 970 and view["qr_version"] <= 20


def test_card_show_text(cli: Cli, issued: Issued) -> None:
    out = cli.ok("card", "show", issued.cards[0]["card_number"]).out
    assert "MRZ:" in out and "-M):" in out and issued.cards[0]["nin"] in out


def test_card_show_of_an_unknown_card(cli: Cli, issued: Issued) -> None:
    outcome = cli("card", "show", "ML0999999")
    assert outcome.code == 1 and "no card ML0999999" in outcome.err


def test_a_second_card_needs_replace(cli: Cli, issued: Issued) -> None:
    card = issued.cards[0]
    before = registry_state(issued.home)
    refused = cli("issue", card["nin"])
    assert refused.code == 2
    assert f"already has valid card {card['card_number']}" in refused.err
    assert "--replace" in refused.err and "Traceback" not in refused.err
    assert registry_state(issued.home) == before


def test_replace_revokes_the_old_card_and_republishes_its_list(
    cli: Cli, issued: Issued, qr_of: Callable[[str], str]
) -> None:
    card = issued.cards[0]
    (new,) = cli.ok("issue", card["nin"], "--replace", "lost", "--json").json()
    assert new["card_number"] != card["card_number"]
    old = cli.ok("card", "show", card["card_number"], "--json").json()
    assert (old["status"], old["revocation_reason"]) == ("revoked", "lost")
    verdict = cli("verify", "--qr", qr_of(card["card_number"]), "--json")
    assert verdict.code == 1 and verdict.json()["verdict"] == "REVOKED"
    assert cli("verify", "--qr", qr_of(new["card_number"])).code == 0


def test_a_wrong_passphrase_is_one_line_and_changes_nothing(
    cli: Cli, issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AES_ID_KEY_PASSPHRASE", "not " + PASSPHRASE)
    before, files = registry_state(issued.home), key_files(issued.home)
    for args in (
        ["issue", issued.cards[0]["nin"], "--replace", "damaged"],
        ["revoke", issued.cards[1]["card_number"], "--reason", "lost"],
        ["keys", "rotate", "--state", "MLI"],
    ):
        outcome = cli(*args)
        assert outcome.code != 0, args
        assert "wrong passphrase" in outcome.err, outcome.err
        assert "Traceback" not in outcome.err
        assert len(outcome.err.strip().splitlines()) <= 2  # the error and its hint
    assert registry_state(issued.home) == before
    assert key_files(issued.home) == files


def test_no_passphrase_and_no_terminal_is_a_usage_error(
    cli: Cli, issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AES_ID_KEY_PASSPHRASE")
    outcome = cli("revoke", issued.cards[1]["card_number"], "--reason", "lost")
    assert outcome.code == 2 and "AES_ID_KEY_PASSPHRASE" in outcome.err


def test_revoke_then_verify_is_revoked(
    cli: Cli, issued: Issued, qr_of: Callable[[str], str]
) -> None:
    number = issued.cards[2]["card_number"]
    revoked = cli.ok("revoke", number, "--reason", "stolen")
    assert f"card {number} revoked (stolen)" in revoked.out
    result = cli("verify", "--qr", qr_of(number), "--json")
    assert result.code == 1
    data = result.json()
    assert data["verdict"] == "REVOKED" and "(stolen)" in data["reasons"][0]
    again = cli("revoke", number, "--reason", "stolen")
    assert again.code == 2 and "already revoked" in again.err


def test_revoke_with_an_unknown_reason(cli: Cli, issued: Issued) -> None:
    outcome = cli("revoke", issued.cards[0]["card_number"], "--reason", "bored")
    assert outcome.code == 2 and "Traceback" not in outcome.err


def test_rotate_keeps_old_cards_valid_and_signs_new_ones_with_the_new_key(
    cli: Cli, issued: Issued, qr_of: Callable[[str], str]
) -> None:
    mali = [c for c in issued.cards if c["state"] == "MLI"]
    assert mali, "the synthetic population has no Mali resident"
    cli.ok("keys", "rotate", "--state", "MLI")
    (new,) = cli.ok("issue", mali[0]["nin"], "--replace", "damaged", "--json").json()
    assert new["kid"] != mali[0]["kid"]
    statuses = {k["kid"]: k["status"] for k in cli.ok("keys", "list", "--json").json()}
    assert statuses[mali[0]["kid"]] == "retired" and statuses[new["kid"]] == "active"
    if len(mali) > 1:
        assert cli("verify", "--qr", qr_of(mali[1]["card_number"])).code == 0
    assert cli("verify", "--qr", qr_of(new["card_number"])).code == 0


def test_the_runner_sees_the_same_app(issued: Issued) -> None:
    """typer's CliRunner on ``app`` (the documented way to test a Typer app) agrees."""
    result = CliRunner().invoke(
        app,
        ["card", "show", issued.cards[0]["card_number"], "--json"],
        env=environment(issued.home),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["card_number"] == issued.cards[0]["card_number"]
