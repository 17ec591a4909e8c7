"""The officer's and operator's commands in-process: enrol, keys, issue, card show, revoke."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from aes_id.biometrics.iso19794 import read_fingers, write_fingers
from aes_id.biometrics.template import decode_fingers
from aes_id.cli.app import app
from aes_id.formats.credential import parse_qr_text
from aes_id.registry.capture import synthetic_capture
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
    files = cli("enrol", "--csv", "x.csv", "--fingers", "a.fmr")
    assert files.code == 2 and "--photo and --fingers go with one resident" in files.err


# -- enrol: the scanner's fingers, or none ----------------------------------------------------


def person(**changes: str) -> list[str]:
    """PERSON's flags with some values changed (``family_name="Diallo"``)."""
    flags = list(PERSON)
    for name, value in changes.items():
        flags[flags.index("--" + name.replace("_", "-")) + 1] = value
    return flags


def fingers_file(path: Path, seed: int, session: int = 1) -> Path:
    """What a scanner gives for synthetic body ``seed`` pressed at ``session``: an ISO record."""
    record = synthetic_capture(seed, session).fingers
    assert record is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(write_fingers(decode_fingers(record)))
    return path


def count(home: Path, name: str) -> int:
    return int(str(table(home, f"SELECT count(*) FROM {name}")[0][0]))


def test_enrol_without_fingers_records_none_and_never_invents_them(cli: Cli, home: Path) -> None:
    nin = cli.ok("enrol", *PERSON).out.strip()
    assert table(home, f"SELECT fingers, dedup_row FROM biometric WHERE nin = '{nin}'") == [
        (None, None)
    ]
    assert cli.ok("residents", "show", nin, "--json").json()["fingers"] is None
    assert "fingers: none captured" in cli.ok("residents", "show", nin).out
    export = cli("residents", "fingers", nin, "--out", "none.fmr")
    assert export.code == 1 and f"resident {nin} has no fingerprints captured" in export.err
    assert not (home / "none.fmr").exists()


def test_fingers_exported_from_a_resident_cannot_enrol_a_second_nin(cli: Cli, home: Path) -> None:
    """The same fingers under another name: stopped before a NIN, kept as a case (exit 1)."""
    first = cli.ok("enrol", "--synthetic", "3", "--seed", "4", "--json").json()["nins"][0]
    exported = cli.ok("residents", "fingers", first, "--out", "first.fmr")
    assert f"10 finger views of {first} written to first.fmr" in exported.out
    outcome = cli("enrol", *PERSON, "--fingers", "first.fmr")
    assert outcome.code == 1 and outcome.out == ""
    assert outcome.err.startswith(f"error: suspected duplicate of {first} (score 1.00)")
    assert "hint: `aes-id adjudicate` to decide" in outcome.err and "Traceback" not in outcome.err
    assert count(home, "resident") == 3
    (case,) = cli.ok("adjudicate", "--json").json()
    assert case["candidates"][0][0] == first and case["person"]["family_name"] == "Keïta"


def test_a_new_press_of_enrolled_fingers_is_stopped_and_another_body_is_not(
    cli: Cli, home: Path
) -> None:
    first = fingers_file(home / "scans" / "a.fmr", 900)
    nin = cli.ok("enrol", *PERSON, "--fingers", "scans/a.fmr").out.strip()
    shown = cli.ok("residents", "show", nin, "--json").json()["fingers"]
    assert [f["position"] for f in shown] == list(range(1, 11))
    assert shown[1]["finger"] == "right index"
    assert [f["minutiae"] for f in shown] == [len(v) for v in read_fingers(first.read_bytes())]
    assert "fingers: 10 captured (positions 1, 2, 3" in cli.ok("residents", "show", nin).out
    fingers_file(home / "scans" / "a2.fmr", 900, 2)
    again = cli(
        "enrol", *person(family_name="Diallo", dob="1990-01-01"), "--fingers", "scans/a2.fmr"
    )
    assert again.code == 1 and f"suspected duplicate of {nin} (score " in again.err
    fingers_file(home / "scans" / "b.fmr", 901)
    cli.ok("enrol", *person(family_name="Cissé", dob="1975-06-30"), "--fingers", "scans/b.fmr")
    assert count(home, "resident") == 2


def test_residents_fingers_exports_the_record_enrolled(cli: Cli, home: Path) -> None:
    scan = fingers_file(home / "a.fmr", 910)
    nin = cli.ok("enrol", *PERSON, "--fingers", "a.fmr").out.strip()
    data = cli.ok("residents", "fingers", nin, "--out", "out/back.fmr", "--json").json()
    assert data["nin"] == nin and len(data["fingers"]) == 10
    assert (home / "out" / "back.fmr").read_bytes() == scan.read_bytes()


def test_a_malformed_fingers_file_is_one_line_and_writes_nothing(cli: Cli, home: Path) -> None:
    data = fingers_file(home / "a.fmr", 920).read_bytes()
    (home / "cut.fmr").write_bytes(data[:200])
    outcome = cli("enrol", *PERSON, "--fingers", "cut.fmr")
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert outcome.err.startswith(
        "error: fingers cut.fmr: truncated at byte 200: the record length says "
    )
    assert len(outcome.err.strip().splitlines()) == 1
    assert count(home, "resident") == 0 and count(home, "adjudication") == 0


def test_a_photo_too_large_gets_its_real_reason(cli: Cli, home: Path) -> None:
    Image.new("1", (12000, 9000)).save(home / "huge.png")
    outcome = cli("enrol", *PERSON, "--photo", "huge.png")
    assert outcome.code == 2
    assert outcome.err.strip() == "error: photo huge.png is 12000×9000 px, at most 8000 px a side"
    assert count(home, "resident") == 0


def test_interactive_asks_again_for_the_one_bad_field_then_the_files(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fingers_file(home / "a.fmr", 930)
    answers = [
        "Keïta",
        "Aïssata",
        "1987-13-01",  # a bad month: only the date is asked again
        "1987-11-00",
        "F",
        "MLI",
        "Ségou",
        "MLI",
        "Atlantis",  # not a region of Mali: asked again
        "Bamako",
        "nowhere.jpg",  # no such photo: asked again
        "",  # no photo
        "a.fmr",
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    outcome = cli("enrol", "--interactive", "--json")
    assert outcome.code == 0, outcome.err
    errors = outcome.err.splitlines()
    assert len(errors) == 3
    assert errors[0] == "month 13 is not 1-12 (or 00 for unknown): please type it again"
    assert errors[1].startswith("region 'Atlantis' is not in Mali (MLI)")
    assert errors[2] == (
        "cannot read photo nowhere.jpg: No such file or directory: try again, or leave it empty"
    )
    assert outcome.out.count("Family name(s)") == 1 and outcome.out.count("Date of birth") == 2
    nin = json.loads(outcome.out[outcome.out.index("{") :])["nin"]
    shown = cli.ok("residents", "show", nin, "--json").json()
    assert (shown["date_of_birth"], shown["region"]) == ("1987-11-XX", "Bamako")
    assert len(shown["fingers"]) == 10


def test_enrol_csv_from_a_french_spreadsheet_with_fingers(cli: Cli, home: Path) -> None:
    fingers_file(home / "scans" / "a.fmr", 940)
    header = CSV_HEADER.strip().replace(",", ";") + ";photo;fingers"
    rows = [
        "Keïta;Aïssata;1987-11-00;F;MLI;Ségou;MLI;Bamako;;scans/a.fmr",
        "Ouédraogo;Éric;1962-00-00;M;BFA;Koudougou;BFA;Kadiogo;;",
    ]
    text = "\ufeff" + "\r\n".join([header, *rows]) + "\r\n"
    (home / "people.csv").write_text(text, encoding="utf-8")
    report = cli.ok("enrol", "--csv", "people.csv", "--json").json()
    assert [item["line"] for item in report["enrolled"]] == [2, 3] and report["rejected"] == []
    keita, eric = (item["nin"] for item in report["enrolled"])
    assert len(cli.ok("residents", "show", keita, "--json").json()["fingers"]) == 10
    assert cli.ok("residents", "show", eric, "--json").json()["fingers"] is None


def test_enrol_csv_with_a_header_and_no_rows_is_an_error(cli: Cli, home: Path) -> None:
    (home / "people.csv").write_text(CSV_HEADER, encoding="utf-8")
    outcome = cli("enrol", "--csv", "people.csv")
    assert outcome.code == 2 and "people.csv has a header but no rows" in outcome.err


def test_enrol_csv_paths_may_not_leave_its_folder(cli: Cli, home: Path) -> None:
    (home / "batch").mkdir()
    header = CSV_HEADER.strip() + ",photo,fingers\n"
    rows = [
        "Keïta,Aïssata,1987-11-00,F,MLI,Ségou,MLI,Bamako,../portrait.jpg,",
        "Traoré,Awa,1990-01-01,F,MLI,Kayes,MLI,Kayes,,/etc/passwd",
    ]
    (home / "batch" / "people.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    outcome = cli("enrol", "--csv", "batch/people.csv")
    assert outcome.code == 1
    assert "line 2: rejected: photo '../portrait.jpg' leaves the CSV's folder" in outcome.err
    assert "line 3: rejected: fingers '/etc/passwd' is an absolute path" in outcome.err
    assert count(home, "resident") == 0


def test_a_card_for_a_resident_without_fingers_carries_no_templates(
    cli: Cli, home: Path, qr_of: Callable[[str], str]
) -> None:
    bare = cli.ok("enrol", *PERSON).out.strip()
    (synthetic,) = cli.ok("enrol", "--synthetic", "1", "--seed", "2", "--json").json()["nins"]
    cli.ok("keys", "init")
    cards = cli.ok("issue", bare, synthetic, "--workers", "1", "--json").json()
    number = {card["nin"]: card["card_number"] for card in cards}
    without = parse_qr_text(qr_of(number[bare])).claims
    assert without.fingerprints == () and without.face
    assert len(parse_qr_text(qr_of(number[synthetic])).claims.fingerprints) == 2
    assert cli("verify", "--qr", qr_of(number[bare])).code == 0


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
