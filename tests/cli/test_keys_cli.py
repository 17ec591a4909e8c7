"""``aes-id keys``: revoke with its cards, replace-ca, init --force, passphrases, in-process."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli, Issued
from tests.cli.test_officer_cli import key_files, registry_state

QrOf = Callable[[str], str]
LATER = "2026-03-15T10:00:00+00:00"
LATEST = "2026-03-16T10:00:00+00:00"


class Terminal(io.StringIO):
    """Standard input as a terminal on which the operator types ``answer``."""

    def isatty(self) -> bool:
        return True


def _keys(cli: Cli) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = cli.ok("keys", "list", "--json").json()
    return keys


def _kid(cli: Cli, role: str, state: str, status: str = "active") -> str:
    found = [k for k in _keys(cli) if (k["role"], k["state"], k["status"]) == (role, state, status)]
    assert len(found) == 1, found
    kid: str = found[0]["kid"]
    return kid


def _verdict(cli: Cli, qr_text: str) -> str:
    verdict: str = cli("verify", "--qr", qr_text, "--json").json()["verdict"]
    return verdict


def test_revoking_the_active_signer_revokes_its_cards_and_pending_re_issues_them(
    cli: Cli, issued: Issued, qr_of: QrOf, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AES_ID_NOW", LATER)
    card = issued.cards[0]
    kid, state = card["kid"], card["state"]
    theirs = sorted(c["card_number"] for c in issued.cards if c["kid"] == kid)
    old_qr = qr_of(card["card_number"])
    out = cli.ok(
        "keys", "revoke", kid, "--from", "2026-03-14", "--reason", "key-compromise", "--json"
    ).json()
    assert (out["kid"], out["role"], out["state"]) == (kid, "document-signer", state)
    assert out["cards_revoked"] == len(theirs) and out["card_numbers"] == theirs
    assert out["new_signer"] not in (None, kid)
    assert out["new_signer"] == _kid(cli, "document-signer", state)
    assert [e["kind"] for e in out["events"]] == ["revoked", "rotated"]
    assert [(p["kind"], p["scope"]) for p in out["published"]] == [
        ("trust-list", "AES"),
        ("revocation-list", state),
    ]
    shown = cli.ok("card", "show", card["card_number"]).out
    assert "status: revoked" in shown and "revocation reason: signer-compromised" in shown
    assert f"revoked at: {LATER}" in shown
    reissued = cli.ok("issue", "--pending", "--workers", "1", "--json").json()
    holders = sorted(c["nin"] for c in issued.cards if c["kid"] == kid)
    assert sorted(c["nin"] for c in reissued) == holders
    assert {c["kid"] for c in reissued} == {out["new_signer"]}
    assert _verdict(cli, old_qr) == "UNTRUSTED_SIGNER"
    assert _verdict(cli, qr_of(reissued[0]["card_number"])) == "VALID"
    assert cli.ok("audit", "checkpoint").code == 0
    assert cli.ok("audit", "verify").code == 0


def test_revoke_says_how_many_cards_and_what_next(
    cli: Cli, issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AES_ID_NOW", LATER)
    kid, state = issued.cards[0]["kid"], issued.cards[0]["state"]
    count = sum(c["kid"] == kid for c in issued.cards)
    out = cli.ok("keys", "revoke", kid, "--from", "2026-03-14", "--reason", "key-compromise").out
    assert f"{count} card(s) signed from 2026-03-14 on revoked (signer-compromised)" in out
    assert f"`aes-id issue --pending --state {state}`" in out
    assert out.startswith("revoked: ") and "\nrotated: " in out


def test_a_revoked_state_ca_is_replaced_and_its_cards_re_issued(
    cli: Cli, issued: Issued, qr_of: QrOf, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three more residents get cards on the 15th; the State CA is revoked from then on.
    monkeypatch.setenv("AES_ID_NOW", LATER)
    cli.ok("enrol", "--synthetic", "3", "--seed", "9")
    late = cli.ok("issue", "--pending", "--workers", "1", "--json").json()
    state = late[0]["state"]
    void = [c for c in late if c["state"] == state]
    early = [c for c in issued.cards if c["state"] == state]
    monkeypatch.setenv("AES_ID_NOW", LATEST)
    ca = _kid(cli, "state-ca", state)
    out = cli.ok("keys", "revoke", ca, "--from", "2026-03-15", "--reason", "ca-compromise").out
    assert f"{len(void)} card(s) signed from 2026-03-15 on revoked" in out
    assert f"`aes-id keys replace-ca --state {state}`" in out
    refused = cli("issue", "--pending", "--workers", "1")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert f"the State CA of {state} is revoked from 2026-03-15" in refused.err
    assert f"hint: run `aes-id keys replace-ca --state {state}`" in refused.err
    assert len(refused.err.strip().splitlines()) == 2
    assert _verdict(cli, qr_of(void[0]["card_number"])) == "UNTRUSTED_SIGNER"
    replaced = cli.ok("keys", "replace-ca", "--state", state, "--json").json()
    assert replaced["state_ca"] == _kid(cli, "state-ca", state) != ca
    assert replaced["document_signer"] == _kid(cli, "document-signer", state)
    assert [(p["kind"], p["scope"]) for p in replaced["published"]] == [
        ("trust-list", "AES"),
        ("revocation-list", state),
    ]
    assert replaced["pending"] == len(void)
    reissued = cli.ok("issue", "--pending", "--workers", "1", "--json").json()
    assert sorted(c["nin"] for c in reissued) == sorted(c["nin"] for c in void)
    assert {c["kid"] for c in reissued} == {replaced["document_signer"]}
    for card in void:
        assert _verdict(cli, qr_of(card["card_number"])) == "UNTRUSTED_SIGNER"
    for card in reissued + early:
        assert _verdict(cli, qr_of(card["card_number"])) == "VALID"
    cli.ok("audit", "checkpoint")
    assert cli.ok("audit", "verify").code == 0


def test_revocations_export_skips_a_state_whose_ca_is_revoked(
    cli: Cli, issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AES_ID_NOW", LATER)
    cli.ok(
        "keys",
        "revoke",
        _kid(cli, "state-ca", "NER"),
        "--from",
        "2026-03-15",
        "--reason",
        "ca-compromise",
    )
    outcome = cli.ok("revocations", "export")
    assert "revocation-list MLI" in outcome.out and "revocation-list BFA" in outcome.out
    assert "revocation-list NER" not in outcome.out
    assert "NER: its State CA is revoked" in outcome.err
    refused = cli("revocations", "export", "--state", "NER")
    assert refused.code == 1 and "State CA of NER is revoked" in refused.err


def test_a_failed_revocation_changes_nothing(
    cli: Cli, issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AES_ID_NOW", LATER)
    signer, ca = issued.cards[0]["kid"], _kid(cli, "state-ca", issued.cards[0]["state"])
    monkeypatch.setenv("AES_ID_KEY_PASSPHRASE", "not the passphrase at all")
    before, files = registry_state(issued.home), key_files(issued.home)
    for args in (
        ["keys", "revoke", signer, "--from", "2026-03-14", "--reason", "key-compromise"],
        ["keys", "revoke", ca, "--from", "2026-03-14", "--reason", "ca-compromise"],
    ):
        outcome = cli(*args)
        assert outcome.code == 1 and "wrong passphrase" in outcome.err, outcome.err
        assert len(outcome.err.strip().splitlines()) == 2
    assert registry_state(issued.home) == before
    assert key_files(issued.home) == files


# --- keys init: passphrase, and replacing a store ---------------------------------------------


def test_init_refuses_a_short_passphrase(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AES_ID_KEY_PASSPHRASE", "eleven char")
    outcome = cli("keys", "init")
    assert outcome.code == 2
    assert "passphrase has 11 characters: it needs at least 12" in outcome.err
    assert not (home / "keys" / "store.json").exists()


def test_init_force_without_a_terminal_needs_yes(
    cli: Cli, issued: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    before, files = registry_state(issued.home), key_files(issued.home)
    outcome = cli("keys", "init", "--force")
    assert outcome.code == 2 and "Traceback" not in outcome.err
    first = outcome.err.strip().splitlines()[0]
    assert "orphans 6 valid card(s) signed by its keys" in first
    assert "confirm with --yes" in first
    assert registry_state(issued.home) == before and key_files(issued.home) == files
    replaced = cli.ok("keys", "init", "--force", "--yes")
    assert "orphans 6 valid card(s)" in replaced.err
    assert {k["kid"] for k in _keys(cli)}.isdisjoint(c["kid"] for c in issued.cards)
    assert list((issued.home / "keys").glob("replaced-*"))


@pytest.mark.parametrize(("answer", "replaced"), [("n\n", False), ("y\n", True)])
def test_init_force_asks_on_a_terminal(
    cli: Cli, issued: Issued, monkeypatch: pytest.MonkeyPatch, answer: str, replaced: bool
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    files = key_files(issued.home)
    outcome = cli("keys", "init", "--force")
    assert "orphans 6 valid card(s)" in outcome.out + outcome.err
    assert "Replace it?" in outcome.out + outcome.err
    assert (outcome.code == 0) is replaced
    assert (key_files(issued.home) == files) is not replaced
    if not replaced:
        assert "the key store was not replaced" in outcome.err
