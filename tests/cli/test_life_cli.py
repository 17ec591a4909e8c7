"""``aes-id residents deceased | update | history`` and what they mean for issue, revoke, card show.

In-process, on a copy of the issued home (six residents, each with a card).
The last test runs the whole story and then the auditor over it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.cli.conftest import Cli, Issued
from tests.cli.test_officer_cli import key_files, registry_state, table

LIFE = {
    "residents": "SELECT nin, family_name, state, region, status, status_reason, deceased_on, "
    "data_version FROM resident",
    "changes": "SELECT nin, field, old_value, new_value, reason, changed_by FROM resident_change",
}


def everything(home: Path) -> dict[str, object]:
    """The registry (cards, counters, leaves, lists, residents, history) and the key files."""
    state: dict[str, object] = dict(registry_state(home))
    state.update({name: table(home, sql) for name, sql in LIFE.items()})
    state["keys"] = key_files(home)
    return state


def one_line_error(err: str) -> str:
    """The error line of a failed command (a hint may follow), checked to be no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 2, err
    return lines[0]


def verdict(cli: Cli, qr: str) -> tuple[str, str]:
    data = cli("verify", "--qr", qr, "--json").json()
    return data["verdict"], " ".join(data["reasons"])


def test_revoke_for_death_marks_the_holder_and_issue_refuses_in_one_line(
    cli: Cli, issued: Issued
) -> None:
    card = issued.cards[0]
    out = cli.ok("revoke", card["card_number"], "--reason", "deceased", "--date", "2026-03-01").out
    assert f"resident {card['nin']} is now deceased" in out
    before = everything(issued.home)
    refused = cli("issue", card["nin"])
    assert refused.code == 2
    assert one_line_error(refused.err) == (
        f"error: resident {card['nin']} is deceased (died 2026-03-01; recorded 2026-03-14: "
        f"card {card['card_number']} revoked: deceased): no card issued"
    )
    assert everything(issued.home) == before
    assert cli.ok("issue", "--pending", "--json").json() == []


def test_revoke_for_fraud_suspends_the_holder(
    cli: Cli, issued: Issued, qr_of: Callable[[str], str]
) -> None:
    card = issued.cards[1]
    out = cli.ok("revoke", card["card_number"], "--reason", "fraud").out
    assert f"resident {card['nin']} is now suspended" in out
    refused = cli("issue", card["nin"], "--replace", "lost")
    assert refused.code == 2 and "is suspended (since 2026-03-14: card" in refused.err
    assert cli.ok("issue", "--pending", "--json").json() == []
    assert verdict(cli, qr_of(card["card_number"]))[0] == "REVOKED"


def test_residents_deceased_revokes_the_card_and_exports_the_list(
    cli: Cli, issued: Issued, qr_of: Callable[[str], str]
) -> None:
    card = issued.cards[2]
    exported = issued.home / "keys" / f"revocations-{card['state']}.cose"
    old_list = exported.read_bytes()
    done = cli.ok(
        "residents", "deceased", card["nin"], "--date", "2026-02-00", "--reason", "acte 2026/77"
    )
    assert f"card {card['card_number']} revoked (deceased)" in done.out
    assert f"revocation list {card['state']} #" in done.out
    assert exported.read_bytes() != old_list
    found, why = verdict(cli, qr_of(card["card_number"]))
    assert found == "REVOKED" and "(deceased)" in why
    history = cli.ok("residents", "history", card["nin"]).out
    assert "deceased (died 2026-02-XX; recorded 2026-03-14: acte 2026/77)" in history
    assert "status: active -> deceased (acte 2026/77)" in history
    again = cli("residents", "deceased", card["nin"], "--date", "2026-02-00")
    assert again.code == 2 and "is already recorded deceased" in again.err


def test_residents_deceased_with_a_bad_date_changes_nothing(cli: Cli, issued: Issued) -> None:
    nin = issued.cards[3]["nin"]
    before = everything(issued.home)
    for date, message in [
        ("2026-04-01", "date of death 2026-04-01 is in the future"),
        ("1800-01-01", "year 1800 is out of range"),
        ("01/02/2026", "is not YYYY-MM-DD"),
    ]:
        outcome = cli("residents", "deceased", nin, "--date", date)
        assert outcome.code == 2 and message in one_line_error(outcome.err), outcome.err
    assert cli("residents", "deceased", "000000000000", "--date", "2026-03-01").code == 1
    assert everything(issued.home) == before


def test_an_update_outdates_the_card_and_issue_pending_supersedes_it(
    cli: Cli, issued: Issued, qr_of: Callable[[str], str]
) -> None:
    card = issued.cards[4]
    changed = cli.ok(
        "residents", "update", card["nin"], "--family-name", "Coulibaly",
        "--reason", "marriage certificate 2026/113", "--officer", "off-9",
    )  # fmt: skip
    assert "family name: " in changed.out and "-> Coulibaly (marriage certificate" in changed.out
    assert f"card {card['card_number']} is outdated" in changed.out
    shown = cli.ok("card", "show", card["card_number"]).out
    assert "outdated: yes, the resident's data changed after printing" in shown
    assert cli.ok("card", "show", card["card_number"], "--json").json()["outdated"] is True
    (new,) = cli.ok("issue", "--pending", "--json").json()
    assert new["nin"] == card["nin"] and new["card_number"] != card["card_number"]
    old = cli.ok("card", "show", card["card_number"], "--json").json()
    assert (old["status"], old["revocation_reason"]) == ("revoked", "superseded")
    fresh = cli.ok("card", "show", new["card_number"], "--json").json()
    assert fresh["family_name"] == "Coulibaly" and fresh["outdated"] is False
    assert verdict(cli, qr_of(card["card_number"]))[1].endswith("(superseded)")
    assert verdict(cli, qr_of(new["card_number"]))[0] == "VALID"
    assert cli.ok("issue", "--pending", "--json").json() == []
    history = cli.ok("residents", "history", card["nin"], "--json").json()
    assert history["data_version"] == 2
    (change,) = history["changes"]
    assert (change["field"], change["new_value"], change["changed_by"]) == (
        "family_name",
        "Coulibaly",
        "off-9",
    )


def test_an_update_with_a_bad_value_is_one_line_and_writes_nothing(
    cli: Cli, issued: Issued
) -> None:
    nin = issued.cards[5]["nin"]
    before = everything(issued.home)
    for args, message in [
        (["--family-name", "K3ita"], "character '3' is not allowed"),
        (["--dob", "2030-01-01"], "is in the future"),
        (["--state", "NER", "--region", "Kayes"], "Kayes"),
        (["--sex", "W"], "sex 'W' is not F, M or X"),
    ]:
        outcome = cli("residents", "update", nin, *args, "--reason", "form 12")
        assert outcome.code == 2 and message in one_line_error(outcome.err), (args, outcome.err)
    nothing = cli("residents", "update", nin, "--reason", "form 12")
    assert nothing.code == 2 and "nothing to change" in nothing.err
    missing = cli("residents", "update", nin, "--family-name", "Diarra")
    assert missing.code == 2 and "--reason" in missing.err
    assert everything(issued.home) == before


def test_history_of_an_untouched_resident(cli: Cli, issued: Issued) -> None:
    nin = issued.cards[0]["nin"]
    out = cli.ok("residents", "history", nin).out
    assert out == f"{nin}: active; data revision 1\nno change since enrolment\n"
    unknown = cli("residents", "history", "000000000000")
    assert unknown.code == 1 and "no resident with NIN 000000000000" in unknown.err


def test_after_an_update_a_new_card_and_a_death_the_audit_is_clean(
    cli: Cli, issued: Issued, qr_of: Callable[[str], str]
) -> None:
    saved = issued.home / "saved.checkpoint"
    cli.ok("audit", "checkpoint", "--out", str(saved))
    moved, dying = issued.cards[0], issued.cards[1]
    region = {"MLI": ("BFA", "Kadiogo"), "BFA": ("NER", "Niamey"), "NER": ("MLI", "Kayes")}
    state, new_region = region[moved["state"]]
    cli.ok(
        "residents", "update", moved["nin"], "--state", state, "--region", new_region,
        "--family-name", "Maïga", "--reason", "moved, married",
    )  # fmt: skip
    (new,) = cli.ok("issue", "--pending", "--json").json()
    assert new["state"] == state and new["nin"] == moved["nin"]
    cli.ok("revoke", dying["card_number"], "--reason", "deceased")
    cli.ok("audit", "checkpoint")
    audit = cli("audit", "verify", "--checkpoint", str(saved), "--json")
    report = json.loads(audit.out)
    assert audit.code == 0 and report["ok"], report
    counts = report["counts"]
    assert counts["cards"] == counts["card_leaves"] == len(issued.cards) + 1
    assert counts["lists"] == counts["list_leaves"]
    revoked = table(
        issued.home, "SELECT card_number, revocation_reason FROM card WHERE status = 'revoked'"
    )
    assert revoked == sorted(
        [(moved["card_number"], "superseded"), (dying["card_number"], "deceased")]
    )
    for number, reason in revoked:  # each on its state's exported list, with its reason
        found, why = verdict(cli, qr_of(str(number)))
        assert found == "REVOKED" and f"({reason})" in why
