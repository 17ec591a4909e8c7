"""Card inclusion proofs (C2SP tlog-proof) verified offline; consistency with saved checkpoints."""

from __future__ import annotations

import base64
import sqlite3

import pytest

from aes_id.audit.checkpoint import export_checkpoint, log_verifier, make_checkpoint
from aes_id.audit.leaf import LeafKind, LogEntry
from aes_id.audit.proofs import prove_card, prove_consistency, prove_leaf, verify_proof_text
from aes_id.errors import NotFoundError
from aes_id.formats.merkle import ProofError
from aes_id.formats.note import NoteSigner, NoteVerificationError, TlogProof, sign_note
from tests.audit.attacks import a_first_round_card, a_second_round_card, history_rewritten, raw
from tests.audit.conftest import LATER, PASSPHRASE, World


def _card(world: World, first_round: bool = True) -> tuple[int, str, bytes]:
    with raw(world) as db:
        seq, number = a_first_round_card(db) if first_round else a_second_round_card(db)
        (cose,) = db.execute("SELECT cose FROM card WHERE card_number = ?", (number,)).fetchone()
    return seq, number, bytes(cose)


@pytest.mark.parametrize("first_round", [True, False])
def test_a_cards_proof_verifies_offline_with_only_the_verifier_key(
    world: World, first_round: bool
) -> None:
    seq, number, cose = _card(world, first_round)
    text = prove_card(world.registry, number.lower())
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra ")
    result = verify_proof_text(text, world.store.log_verifier(), signed=cose)
    assert (result.index, result.entry.kind, result.entry.ref) == (seq, LeafKind.CARD, number)
    assert result.checkpoint.size > seq
    assert result.to_json()["ref"] == number


def test_a_proof_of_other_signed_bytes_is_refused(world: World) -> None:
    _, number, _ = _card(world)
    _, _, other = _card(world, first_round=False)
    with pytest.raises(ProofError, match="the given signed bytes hash to"):
        verify_proof_text(
            prove_card(world.registry, number), log_verifier(world.store), signed=other
        )


def test_a_proof_with_an_altered_path_is_refused(world: World) -> None:
    _, number, _ = _card(world)
    proof = TlogProof.parse(prove_card(world.registry, number))
    bent = bytes([proof.hashes[0][0] ^ 1]) + proof.hashes[0][1:]
    altered = TlogProof(proof.index, (bent, *proof.hashes[1:]), proof.checkpoint, proof.extra)
    with pytest.raises(ProofError, match="leads to root"):
        verify_proof_text(altered.to_text(), world.store.log_verifier())


def test_a_proof_whose_leaf_was_changed_is_refused(world: World) -> None:
    _, number, _ = _card(world)
    proof = TlogProof.parse(prove_card(world.registry, number))
    assert proof.extra is not None
    entry = LogEntry.decode(proof.extra)
    other = LogEntry(entry.seq, entry.t, entry.kind, entry.kid, entry.h, "ML0000001", entry.by)
    swapped = TlogProof(proof.index, proof.hashes, proof.checkpoint, other.encode())
    with pytest.raises(ProofError):
        verify_proof_text(swapped.to_text(), world.store.log_verifier())
    moved = TlogProof(proof.index + 1, proof.hashes, proof.checkpoint, proof.extra)
    with pytest.raises(ProofError, match="its leaf says seq"):
        verify_proof_text(moved.to_text(), world.store.log_verifier())
    bare = TlogProof(proof.index, proof.hashes, proof.checkpoint)
    with pytest.raises(ProofError, match="carries no leaf"):
        verify_proof_text(bare.to_text(), world.store.log_verifier())


def test_a_proof_checked_with_another_key_is_refused(world: World) -> None:
    _, number, _ = _card(world)
    impostor = NoteSigner.generate("aes-id/registry-log").verifier.to_text()
    with pytest.raises(NoteVerificationError):
        verify_proof_text(prove_card(world.registry, number), impostor)


def test_no_proof_without_a_checkpoint_covering_the_leaf(world: World) -> None:
    with raw(world) as db:
        (last,) = db.execute("SELECT max(seq) FROM log_leaf").fetchone()
        db.execute("DELETE FROM checkpoint WHERE size > ?", (last,))
    with pytest.raises(NotFoundError, match="no checkpoint covers leaf"):
        prove_leaf(world.registry, last)
    make_checkpoint(world.registry, world.store, PASSPHRASE, LATER)
    assert verify_proof_text(prove_leaf(world.registry, last), world.store.log_verifier())
    with pytest.raises(NotFoundError, match="no card leaf"):
        prove_card(world.registry, "ML0999999")
    with pytest.raises(NotFoundError, match="no leaf"):
        prove_leaf(world.registry, last + 1)


def test_a_saved_checkpoint_is_consistent_with_todays_log(world: World) -> None:
    result = prove_consistency(world.registry, world.saved, log_verifier(world.store))
    assert result.old.size < result.new.size
    assert result.proof and all(len(h) == 32 for h in result.proof)
    assert result.to_json()["proof"][0] == base64.b64encode(result.proof[0]).decode()
    latest = export_checkpoint(world.registry)
    same = prove_consistency(world.registry, latest, log_verifier(world.store))
    assert same.proof == () and same.old == same.new


def test_a_rewritten_history_has_no_consistency_proof(world: World) -> None:
    history_rewritten(world)
    with pytest.raises(ProofError, match="leads to old root"):
        prove_consistency(world.registry, world.saved, log_verifier(world.store))


def test_a_saved_checkpoint_larger_than_the_log_is_caught(world: World) -> None:
    latest = export_checkpoint(world.registry)
    with sqlite3.connect(world.db) as db:
        (size,) = db.execute("SELECT max(size) FROM checkpoint").fetchone()
        db.execute("DELETE FROM checkpoint WHERE size = ?", (size,))
    with pytest.raises(ProofError, match="the log lost leaves"):
        prove_consistency(world.registry, latest, log_verifier(world.store))


def test_a_forged_saved_checkpoint_is_refused(world: World) -> None:
    impostor = NoteSigner.generate("aes-id/registry-log")
    text = world.saved.split("\n\n")[0] + "\n"
    with pytest.raises(NoteVerificationError):
        prove_consistency(world.registry, sign_note(text, impostor), log_verifier(world.store))
