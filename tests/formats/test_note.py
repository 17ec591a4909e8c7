"""C2SP signed notes, checkpoints, tlog proofs: against Go sumdb/note, C2SP, sum.golang.org."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.errors import AesIdError, TrustError, UsageError
from aes_id.formats import merkle
from aes_id.formats.note import (
    EM_DASH,
    MAX_SIGNATURES,
    Checkpoint,
    Note,
    NoteFormatError,
    NoteSigner,
    NoteVerificationError,
    NoteVerifier,
    TlogProof,
    open_checkpoint,
    open_note,
    sign_checkpoint,
    sign_note,
)

VECTORS = json.loads(
    (Path(__file__).parent.parent / "vectors" / "c2sp_signed_note.json").read_text("utf-8")
)
GO = VECTORS["go_sumdb_note"]
SPEC = VECTORS["c2sp_signed_note_example"]
SUMDB = VECTORS["sum_golang_org_checkpoints"]
PETER = NoteVerifier.parse(GO["verifier_key"])
ENOCH = NoteVerifier.parse(GO["enoch_verifier_key"])
ORIGIN = "aes-id/registry-log"
LOG_SIGNER = NoteSigner.from_seed(ORIGIN, bytes(range(32)))
OTHER_SIGNER = NoteSigner.from_seed("aes-id/other", bytes(range(1, 33)))

# Lines without control characters (empty ones too, so texts hold blank lines), joined.
note_texts = st.lists(
    st.text(st.characters(exclude_categories=["Cs"], min_codepoint=0x20), max_size=12), max_size=6
).map(lambda lines: "\n".join(lines) + "\n")
lines = st.text(st.characters(exclude_categories=["Cs"], min_codepoint=0x20), min_size=1)


# --- keys -------------------------------------------------------------------------------------


def test_go_keys_parse_and_print_back() -> None:
    signer = NoteSigner.parse(GO["signer_key"])
    assert signer.to_text() == GO["signer_key"]
    assert signer.verifier == PETER
    assert PETER.to_text() == GO["verifier_key"]
    assert PETER.name == "PeterNeumann" and PETER.key_id.hex() == "c74f20a3"
    assert ENOCH.key_id.hex() == "af0cfe78"


def test_spec_verifier_key() -> None:
    verifier = NoteVerifier.parse(SPEC["verifier_key"])
    assert verifier.name == "example.com/foo"
    assert verifier.public_key.hex() == SPEC["public_key_hex"]
    assert verifier.to_text() == SPEC["verifier_key"]


def test_sumdb_key_whose_base64_holds_plus_signs() -> None:
    verifier = NoteVerifier.parse(SUMDB["verifier_key"])
    assert verifier.name == "sum.golang.org" and verifier.to_text() == SUMDB["verifier_key"]


@pytest.mark.parametrize("key", [GO["verifier_key"], GO["signer_key"]], ids=["verifier", "signer"])
def test_every_mangled_key_is_rejected(key: str) -> None:
    """As Go's TestNewVerifier/TestNewSigner: every proper substring and every byte + 1 fails."""
    parse = NoteSigner.parse if key.startswith("PRIVATE") else NoteVerifier.parse
    manglings = [key[i:j] for i in range(len(key)) for j in range(i + 1, len(key) + 1)]
    manglings.remove(key)
    manglings += [key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))]
    for mangled in manglings:
        with pytest.raises(NoteFormatError):
            parse(mangled)


@pytest.mark.parametrize("key", GO["bad_verifier_keys"])
def test_go_bad_verifier_keys(key: str) -> None:
    with pytest.raises(NoteFormatError):
        NoteVerifier.parse(key)


@pytest.mark.parametrize("name", ["", "a+b", "Bad Name", "tab\tname", "nbsp\u00a0name"])
def test_bad_key_names(name: str) -> None:
    with pytest.raises(NoteFormatError, match="key name"):
        NoteSigner.from_seed(name, bytes(32))


def test_generated_signer_round_trips_through_its_key_string() -> None:
    signer = NoteSigner.generate(ORIGIN)
    again = NoteSigner.parse(signer.to_text())
    assert again.verifier == signer.verifier
    assert signer.to_text() not in repr(signer)


# --- signing and opening notes -------------------------------------------------------------------


def test_sign_reproduces_go_output() -> None:
    assert sign_note(GO["text"], NoteSigner.parse(GO["signer_key"])) == GO["signed_note"]


def test_open_go_and_spec_examples() -> None:
    assert open_note(GO["signed_note"], [PETER]) == GO["text"]
    assert open_note(GO["signed_note"].encode(), [ENOCH, PETER]) == GO["text"]
    assert (
        open_note(SPEC["signed_note"], [NoteVerifier.parse(SPEC["verifier_key"])]) == SPEC["text"]
    )


def test_unknown_signers_are_ignored_but_one_known_is_required() -> None:
    both = GO["text"] + "\n" + GO["peter_signature_line"] + GO["enoch_signature_line"]
    assert open_note(both, [PETER]) == GO["text"]
    assert open_note(both, [ENOCH]) == GO["text"]
    assert open_note(both, [PETER, ENOCH]) == GO["text"]
    with pytest.raises(NoteVerificationError, match="no signature by a trusted key"):
        open_note(both, [])
    with pytest.raises(NoteVerificationError, match="PeterNeumann\\+c74f20a3"):
        open_note(both, [LOG_SIGNER.verifier])


def test_a_known_key_with_a_bad_signature_rejects_the_note() -> None:
    peter = GO["peter_signature_line"]
    enoch = GO["enoch_signature_line"]
    bad_enoch = enoch[:60] + "ABCD" + enoch[60:]
    note = GO["text"] + "\n" + peter + bad_enoch
    assert open_note(note, [PETER]) == GO["text"]  # Enoch unknown: ignored
    with pytest.raises(NoteVerificationError, match="EnochRoot\\+af0cfe78 does not verify"):
        open_note(note, [PETER, ENOCH])


@pytest.mark.parametrize(
    "note",
    [
        GO["text"],
        GO["text"] + "\n",
        GO["text"] + "\n" + GO["peter_signature_line"][:-1],
        "\x01" + GO["text"] + "\n" + GO["peter_signature_line"],
        GO["text"] + "\n" + f"{EM_DASH} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcE=\n",
        GO["text"] + "\n" + GO["peter_signature_line"] + "Unexpected line.\n",
        GO["text"] + "\n" + GO["peter_signature_line"].replace("=", ""),  # not canonical
        GO["text"] + "\n" + f"{EM_DASH} PeterNeumann x08g\n",  # too short for an id and more
        GO["text"] + "\n" + "- PeterNeumann " + GO["peter_signature_line"][15:],  # not an em dash
    ],
)
def test_go_malformed_notes(note: str) -> None:
    with pytest.raises(NoteFormatError):
        open_note(note, [PETER])


def test_text_with_blank_lines_splits_at_the_last_one() -> None:
    text = "first\n\nsecond\n\n\nthird\n"
    assert open_note(sign_note(text, LOG_SIGNER), [LOG_SIGNER.verifier]) == text
    assert open_note(sign_note("\n", LOG_SIGNER), [LOG_SIGNER.verifier]) == "\n"


def test_non_canonical_base64_is_rejected() -> None:
    # "M" and "N" differ only in the two padding bits of the last group: same bytes.
    assert GO["peter_signature_line"].endswith("JnAM=\n")
    loose = GO["signed_note"].replace("JnAM=", "JnAN=")
    with pytest.raises(NoteFormatError, match="canonical"):
        open_note(loose, [PETER])
    root = base64.b64encode(bytes(31) + b"\x01").decode()
    assert root.endswith("AE=")
    with pytest.raises(NoteFormatError, match="canonical"):
        Checkpoint.parse(f"log\n1\n{root[:-2]}F=\n")


def test_non_utf8_note() -> None:
    with pytest.raises(NoteFormatError, match="UTF-8"):
        open_note(b"\xff" + GO["signed_note"].encode(), [PETER])


def test_signature_count_limit() -> None:
    text = GO["text"] + "\n"
    assert open_note(text + GO["peter_signature_line"] * MAX_SIGNATURES, [PETER]) == GO["text"]
    with pytest.raises(NoteFormatError, match="101 signatures"):
        open_note(text + GO["peter_signature_line"] * (MAX_SIGNATURES + 1), [PETER])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_one_changed_character_is_detected(data: st.DataObject) -> None:
    note = GO["signed_note"]
    at = data.draw(st.integers(0, len(note) - 1))
    new = data.draw(st.sampled_from("aZ09+/= \n\u2014x").filter(lambda c: c != note[at]))
    tampered = note[:at] + new + note[at + 1 :]
    with pytest.raises(AesIdError):
        open_note(tampered, [PETER])


def test_a_changed_key_is_detected() -> None:
    key = bytearray(PETER.public_key)
    key[7] ^= 1
    with pytest.raises(NoteVerificationError):
        open_note(GO["signed_note"], [NoteVerifier("PeterNeumann", bytes(key))])


@settings(max_examples=50, deadline=None)
@given(note_texts)
def test_sign_then_open_round_trips(text: str) -> None:
    note = sign_note(text, LOG_SIGNER, OTHER_SIGNER)
    assert open_note(note, [OTHER_SIGNER.verifier]) == text
    parsed = Note.parse(note)
    assert parsed.text == text and [s.name for s in parsed.signatures] == [ORIGIN, "aes-id/other"]
    assert parsed.to_text() == note


def test_sign_note_refuses_bad_text() -> None:
    with pytest.raises(NoteFormatError, match="newline"):
        sign_note("abc", LOG_SIGNER)
    with pytest.raises(NoteFormatError, match="U\\+0007"):
        sign_note("bell\x07\n", LOG_SIGNER)
    with pytest.raises(UsageError):
        sign_note("abc\n")


# --- checkpoints ------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", SUMDB["notes"], ids=lambda v: str(v["size"]))
def test_real_sum_golang_org_checkpoints_open(vector: dict[str, Any]) -> None:
    verifier = NoteVerifier.parse(SUMDB["verifier_key"])
    checkpoint = open_checkpoint(vector["note"], [verifier], origin=SUMDB["origin"])
    assert checkpoint.size == vector["size"]
    assert checkpoint.root_hash == base64.b64decode(vector["root"])
    assert checkpoint.extensions == ()
    with pytest.raises(NoteVerificationError, match="expected 'aes-id/registry-log'"):
        open_checkpoint(vector["note"], [verifier], origin=ORIGIN)
    with pytest.raises(NoteVerificationError):
        open_checkpoint(vector["note"], [PETER], origin=SUMDB["origin"])


def test_spec_checkpoint_example_parses_and_prints_back() -> None:
    vector = VECTORS["c2sp_tlog_checkpoint_example"]
    note = Note.parse(vector["note"])
    checkpoint = Checkpoint.parse(note.text)
    assert (checkpoint.origin, checkpoint.size) == (vector["origin"], vector["size"])
    assert base64.b64encode(checkpoint.root_hash).decode() == vector["root"]
    assert checkpoint.to_text() == note.text
    assert note.to_text() == vector["note"]


def test_checkpoint_signed_with_the_log_key() -> None:
    checkpoint = Checkpoint(ORIGIN, 8, merkle.RootHash(bytes(range(32))), ("ext one", "two"))
    note = sign_checkpoint(checkpoint, LOG_SIGNER)
    assert note.startswith(
        f"{ORIGIN}\n8\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next one\ntwo\n\n"
    )
    assert open_checkpoint(note, [LOG_SIGNER.verifier], origin=ORIGIN) == checkpoint


ROOT_B64 = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (f"log\n007\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n-1\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n+5\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n\u0663\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n{2**64}\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n5\n{ROOT_B64}", "newline"),
        ("log\n5\n", "at least 3"),
        (f"\n5\n{ROOT_B64}\n", "origin"),
        (f"log\n5\n{ROOT_B64}\n\n", "extension"),
        (f"log\n5\n{base64.b64encode(bytes(31)).decode()}\n", "31 bytes"),
        (f"log\n5\n{ROOT_B64[:-1]}\n", "base64"),
    ],
)
def test_malformed_checkpoints(text: str, match: str) -> None:
    with pytest.raises(NoteFormatError, match=match):
        Checkpoint.parse(text)


@settings(max_examples=100, deadline=None)
@given(
    lines,
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(lines, max_size=3),
)
def test_checkpoint_round_trips(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, merkle.RootHash(root), tuple(extensions))
    assert Checkpoint.parse(checkpoint.to_text()) == checkpoint


Log = tuple[list[bytes], merkle.MemoryNodeStore, str]


# --- tlog proofs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def log() -> Log:
    leaves = [f"leaf {i}".encode() for i in range(13)]
    store = merkle.MemoryNodeStore()
    merkle.append(store, [merkle.leaf_hash(x) for x in leaves])
    checkpoint = Checkpoint(ORIGIN, 13, merkle.root(store, 13))
    return leaves, store, sign_checkpoint(checkpoint, LOG_SIGNER)


def test_tlog_proof_text_follows_c2sp(log: Log) -> None:
    leaves, store, note = log
    proof = TlogProof(6, merkle.inclusion_proof(store, 6, 13), note)
    text = proof.to_text()
    expected_hashes = "".join(base64.b64encode(h).decode() + "\n" for h in proof.hashes)
    assert text == f"c2sp.org/tlog-proof@v1\nindex 6\n{expected_hashes}\n{note}"
    assert TlogProof.parse(text) == proof
    checkpoint = TlogProof.parse(text).verify(
        merkle.leaf_hash(leaves[6]), [LOG_SIGNER.verifier], origin=ORIGIN
    )
    assert checkpoint.size == 13


def test_tlog_proof_with_extra_data_and_no_hashes() -> None:
    store = merkle.MemoryNodeStore()
    merkle.append(store, [merkle.leaf_hash(b"only")])
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, merkle.root(store, 1)), LOG_SIGNER)
    proof = TlogProof(0, (), note, extra=b"card ML0000001")
    text = proof.to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra Y2FyZCBNTDAwMDAwMDE=\nindex 0\n\n")
    assert TlogProof.parse(text) == proof
    proof.verify(merkle.leaf_hash(b"only"), [LOG_SIGNER.verifier], origin=ORIGIN)


def test_tlog_proof_verification_failures(log: Log) -> None:
    leaves, store, note = log
    proof = TlogProof(6, merkle.inclusion_proof(store, 6, 13), note)
    with pytest.raises(merkle.ProofError):
        proof.verify(merkle.leaf_hash(leaves[7]), [LOG_SIGNER.verifier], origin=ORIGIN)
    with pytest.raises(TrustError):
        proof.verify(merkle.leaf_hash(leaves[6]), [OTHER_SIGNER.verifier], origin=ORIGIN)
    true_root = base64.b64encode(merkle.root(store, 13)).decode()
    other_root = base64.b64encode(merkle.root(store, 12)).decode()
    bad = TlogProof(6, proof.hashes, note.replace(true_root, other_root))
    with pytest.raises(NoteVerificationError):
        bad.verify(merkle.leaf_hash(leaves[6]), [LOG_SIGNER.verifier], origin=ORIGIN)


@pytest.mark.parametrize(
    ("mangle", "match"),
    [
        (lambda t: t.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), "must start"),
        (lambda t: t.replace("index 6\n", ""), "index N"),
        (lambda t: t.replace("index 6", "index 06"), "leading zeros"),
        (lambda t: t.replace("index 6\n", "index 6\n!!notbase64!!\n"), "not base64"),
        (lambda t: t.replace("index 6\n", "index 6\nAAAA\n"), "3 bytes"),
        (lambda t: t.replace("\n\n", "\n", 1), "not base64: 'aes-id/registry-log'"),
        (lambda t: t.split("\n\n", 1)[0] + "\n", "blank line before its checkpoint"),
        (lambda t: t.split("\n\n", 1)[0] + "\n\nnot a note\n", "blank line"),
    ],
)
def test_malformed_tlog_proofs(log: Log, mangle: Callable[[str], str], match: str) -> None:
    _, store, note = log
    text = TlogProof(6, merkle.inclusion_proof(store, 6, 13), note).to_text()
    with pytest.raises(NoteFormatError, match=match):
        TlogProof.parse(mangle(text))
