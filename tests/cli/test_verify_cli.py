"""``aes-id verify`` in-process: verdicts and exit codes, inputs, lists, MRZ, dates, output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from aes_id.formats.base45 import ALPHABET
from aes_id.formats.cose import protected_header, sig_structure
from aes_id.formats.credential import encode_qr_text, parse_qr_text
from aes_id.formats.qr import qr_matrix
from tests.cli.conftest import Cli, Issued

QrOf = Callable[[str], str]


@pytest.fixture
def genuine(issued: Issued, qr_of: QrOf) -> str:
    return qr_of(issued.cards[0]["card_number"])


def one_char_changed(text: str, at: int) -> str:
    char = ALPHABET[(ALPHABET.index(text[at]) + 7) % len(ALPHABET)]
    return text[:at] + char + text[at + 1 :]


def resigned(text: str, edit: Callable[[dict[int, object]], None]) -> str:
    """The card's claims edited and signed by a stranger under the genuine kid."""
    parsed = parse_qr_text(text)
    cwt: dict[int, Any] = dict(cbor2.loads(parsed.cose.payload))
    cwt[169] = dict(cwt[169])
    edit(cwt)
    payload = cbor2.dumps(cwt)
    protected = protected_header(parsed.cose.kid or b"")
    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    cose = cbor2.dumps(
        cbor2.CBORTag(18, [protected, {}, payload, key.sign(sig_structure(protected, payload))])
    )
    return encode_qr_text(cose)


def test_a_genuine_card_is_valid_exit_0(cli: Cli, issued: Issued, genuine: str) -> None:
    outcome = cli("verify", "--qr", genuine)
    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    assert lines[0] == "VALID"
    card = issued.cards[0]
    assert f"card      {card['card_number']} ({card['state']})" in outcome.out
    assert f"NIN       {card['nin']}" in outcome.out and "expires   2036-03-13" in outcome.out
    assert outcome.err == ""


def test_json_output(cli: Cli, issued: Issued, genuine: str) -> None:
    data = cli.ok("verify", "--qr", genuine, "--json").json()
    card = issued.cards[0]
    assert data["verdict"] == "VALID" and data["reasons"] == [] and data["warnings"] == []
    assert (data["card_number"], data["issuing_state"], data["kid"]) == (
        card["card_number"],
        card["state"],
        card["kid"],
    )
    assert data["holder"]["nin"] == card["nin"] and data["face_bytes"] > 100


@pytest.mark.parametrize("at", [100, 400, 700, -30])
def test_one_changed_character_exits_1(cli: Cli, genuine: str, at: int) -> None:
    outcome = cli("verify", "--qr", one_char_changed(genuine, at), "--json")
    assert outcome.code == 1
    assert outcome.json()["verdict"] in {"MALFORMED", "INVALID_SIGNATURE", "UNKNOWN_SIGNER"}


def test_a_forgery_under_a_genuine_kid_exits_1_with_the_reason(cli: Cli, genuine: str) -> None:
    forged = resigned(genuine, lambda cwt: None)
    outcome = cli("verify", "--qr", forged)
    assert outcome.code == 1
    assert outcome.out.splitlines()[0] == "INVALID_SIGNATURE"
    assert "  - signature does not verify with the signer's key" in outcome.out


def test_untrusted_text_is_printed_not_interpreted(cli: Cli, genuine: str) -> None:
    """A forger chooses the names: rich markup in them must reach the agent as typed."""

    def rename(cwt: dict[int, object]) -> None:
        identity = cwt[169]
        assert isinstance(identity, dict)
        identity[7] = "[/b]Keïta[red]"
        identity[4] = f"{identity[5]} [/b]Keïta[red]".strip()

    outcome = cli("verify", "--qr", resigned(genuine, rename))
    assert outcome.code == 1, outcome.err
    assert "[/B]KEÏTA[RED]" in outcome.out and "Traceback" not in outcome.err


def test_no_input_is_a_usage_error_exit_2(cli: Cli, issued: Issued) -> None:
    outcome = cli("verify")
    assert outcome.code == 2
    assert outcome.out == "" and "Traceback" not in outcome.err
    assert outcome.err.strip().splitlines() == [
        "error: give a photo/scan/PDF file, or --qr TEXT (one of them)"
    ]


def test_a_file_and_qr_together_is_a_usage_error(cli: Cli, issued: Issued, genuine: str) -> None:
    outcome = cli("verify", "card.png", "--qr", genuine)
    assert outcome.code == 2 and "one of them" in outcome.err


def test_garbage_text_is_malformed_exit_1(cli: Cli, issued: Issued) -> None:
    outcome = cli("verify", "--qr", "not a credential")
    assert outcome.code == 1
    assert outcome.out.splitlines()[0] == "MALFORMED" and "not Base45" in outcome.out


def test_verify_a_photo_of_the_qr(cli: Cli, issued: Issued, genuine: str, home: Path) -> None:
    modules = np.array(qr_matrix(genuine), dtype=bool)
    pixels = np.pad(~modules, 4, constant_values=True).astype(np.uint8) * 255
    Image.fromarray(pixels).resize((pixels.shape[1] * 4,) * 2, Image.Resampling.NEAREST).save(
        home / "card.png"
    )
    outcome = cli("verify", "card.png", "--face-out", "face.webp", "--json")
    assert outcome.code == 0, outcome.err
    assert (home / "face.webp").read_bytes()[8:12] == b"WEBP"


def test_a_face_that_cannot_be_saved_is_one_line(cli: Cli, genuine: str) -> None:
    outcome = cli("verify", "--qr", genuine, "--face-out", "no/such/folder/face.webp")
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert "cannot save the face to no/such/folder/face.webp" in outcome.err


def test_a_file_that_is_not_an_image(cli: Cli, issued: Issued, home: Path) -> None:
    (home / "notes.txt").write_text("hello")
    outcome = cli("verify", "notes.txt")
    assert outcome.code == 2 and "Traceback" not in outcome.err


def test_a_missing_file_with_brackets_in_its_name(cli: Cli, issued: Issued) -> None:
    """The error message quotes the path: it must not be read as rich markup."""
    outcome = cli("verify", "[/x]card.png")
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert "[/x]card.png" in outcome.err


@pytest.mark.parametrize(
    ("at", "verdict", "code"),
    [
        ("2036-03-13", "VALID", 0),
        ("2036-03-14", "EXPIRED", 1),
        ("2026-03-14T09:29:59+00:00", "NOT_YET_VALID", 1),
        ("2030-06-01T08:00", "VALID", 0),
    ],
)
def test_at_a_given_time(cli: Cli, genuine: str, at: str, verdict: str, code: int) -> None:
    outcome = cli("verify", "--qr", genuine, "--at", at, "--json")
    assert (outcome.code, outcome.json()["verdict"]) == (code, verdict)


def test_at_is_checked(cli: Cli, genuine: str) -> None:
    outcome = cli("verify", "--qr", genuine, "--at", "last tuesday")
    assert outcome.code == 2 and "Traceback" not in outcome.err


def test_stale_lists_warn_on_stderr_and_still_exit_0(cli: Cli, genuine: str) -> None:
    outcome = cli("verify", "--qr", genuine, "--at", "2026-04-01")
    assert outcome.code == 0 and outcome.out.startswith("VALID")
    assert "warning: trust list is" in outcome.err
    assert "warning: revocation list of" in outcome.err


def test_the_mrz_cross_check(cli: Cli, issued: Issued, genuine: str) -> None:
    numbers = [card["card_number"] for card in issued.cards]
    mrz = cli.ok("card", "show", numbers[0], "--json").json()["mrz"]
    assert cli("verify", "--qr", genuine, "--mrz", "\n".join(mrz)).code == 0
    assert cli("verify", "--qr", genuine, "--mrz", "/".join(mrz)).code == 0
    other = cli.ok("card", "show", numbers[1], "--json").json()["mrz"]
    outcome = cli("verify", "--qr", genuine, "--mrz", "/".join(other), "--json")
    assert outcome.code == 1 and outcome.json()["verdict"] == "MRZ_MISMATCH"


def test_explicit_lists_and_root(cli: Cli, issued: Issued, genuine: str, home: Path) -> None:
    """What a border post does: its own copy of the lists and of the root certificate."""
    keys = home / "keys"
    post = home / "post"
    post.mkdir()
    root = next(keys.glob("root-*.crt.pem"))
    for name in ("trust-list.cose", "revocations-MLI.cose", "revocations-NER.cose", root.name):
        (post / name).write_bytes((keys / name).read_bytes())
    state = issued.cards[0]["state"]
    args = ["verify", "--qr", genuine, "--trust-list", str(post / "trust-list.cose")]
    args += ["--root", str(post / root.name), "--json"]
    revocations = [f"--revocations={post / f'revocations-{s}.cose'}" for s in ("MLI", "NER")]
    data = cli.ok(*args, *revocations).json()
    assert data["verdict"] == "VALID"
    missing = state == "BFA"
    assert any("no revocation list" in w for w in data["warnings"]) is missing


def test_revocations_without_a_trust_list_is_a_usage_error(
    cli: Cli, issued: Issued, genuine: str
) -> None:
    outcome = cli("verify", "--qr", genuine, "--revocations", "keys/revocations-MLI.cose")
    assert outcome.code == 2 and "go with --trust-list" in outcome.err


def test_a_trust_list_signed_by_another_root_is_refused(
    cli: Cli, issued: Issued, genuine: str, home: Path
) -> None:
    other = home / "other"
    other.mkdir()
    cli.ok("--db", str(other / "r.db"), "--keys", str(other / "keys"), "keys", "init")
    outcome = cli("verify", "--qr", genuine, "--trust-list", str(other / "keys/trust-list.cose"))
    assert outcome.code != 0 and "Traceback" not in outcome.err


def test_without_lists_verify_says_where_to_find_them(cli: Cli) -> None:
    """An agent's machine has no keys: the hint names the exported lists, never `keys init`."""
    outcome = cli("verify", "--qr", "NCFO")
    assert outcome.code != 0 and "Traceback" not in outcome.err
    assert "--trust-list" in outcome.err and "root.crt.pem" in outcome.err
    assert "keys init" not in outcome.err


def test_a_date_means_noon_utc_and_an_early_clock_is_flagged(cli: Cli, genuine: str) -> None:
    noon = cli("verify", "--qr", genuine, "--at", "2026-03-14", "--json")
    assert noon.code == 0 and noon.json()["warnings"] == []
    early = cli("verify", "--qr", genuine, "--at", "2026-03-14T09:00", "--json").json()
    assert early["verdict"] == "NOT_YET_VALID"
    assert any("check the device clock" in warning for warning in early["warnings"])
