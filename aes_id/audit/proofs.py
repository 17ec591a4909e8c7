"""Proofs out of the signature log: a card's inclusion, and a saved checkpoint's consistency.

An inclusion proof is exported as a C2SP ``tlog-proof`` (``c2sp.org/tlog-proof@v1``):
the leaf index, the RFC 9162 §2.1.3 inclusion path, and the signed checkpoint
it leads to. The proof's ``extra`` line carries the leaf itself (its exact
deterministic CBOR bytes), so the file is verifiable offline with nothing but
the log's verifier key: rehash the leaf, follow the path, check the signature.
The leaf names the card and the SHA-256 of its COSE_Sign1, so whoever holds
the card can also check that this proof is about that very credential.

    text = prove_card(registry, "ML0000042")
    result = verify_proof_text(text, "aes-id/registry-log+1a2b3c4d+AU…")
    result.entry.ref, result.checkpoint.size

A consistency proof (RFC 9162 §2.1.4) shows that a checkpoint saved earlier
is a prefix of the log's latest checkpoint: :func:`prove_consistency`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from aes_id.audit.checkpoint import LOG_ORIGIN, list_checkpoints, parse_verifier, read_checkpoint
from aes_id.audit.leaf import LeafKind, LogEntry, signed_hash
from aes_id.audit.log import read_store
from aes_id.errors import NotFoundError, StorageError, TrustError
from aes_id.formats import merkle
from aes_id.formats.merkle import ProofError
from aes_id.formats.note import Checkpoint, NoteVerifier, TlogProof
from aes_id.registry import tables
from aes_id.registry.db import Registry

PROOF_SUFFIX = ".tlog-proof"
"""File extension that C2SP tlog-proof recommends."""


@dataclass(frozen=True)
class VerifiedProof:
    """A tlog-proof that verified: the leaf it proves, where, and in which signed tree."""

    index: int
    entry: LogEntry
    leaf_hash: bytes
    checkpoint: Checkpoint

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.entry.kind.value,
            "ref": self.entry.ref,
            "kid": self.entry.kid.hex(),
            "h": self.entry.h.hex(),
            "t": self.entry.t,
            "by": self.entry.by,
            "leaf_hash": self.leaf_hash.hex(),
            "checkpoint": {
                "origin": self.checkpoint.origin,
                "size": self.checkpoint.size,
                "root": self.checkpoint.root_hash.hex(),
            },
        }


@dataclass(frozen=True)
class Consistency:
    """Two checkpoints of the log and the verified proof that the older is a prefix of the newer."""

    old: Checkpoint
    new: Checkpoint
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "old": {"size": self.old.size, "root": self.old.root_hash.hex()},
            "new": {"size": self.new.size, "root": self.new.root_hash.hex()},
            "proof": [base64.b64encode(h).decode() for h in self.proof],
        }


def prove_card(registry: Registry, card_number: str) -> str:
    """The tlog-proof text of a card's leaf in the log's latest checkpoint."""
    number = card_number.strip().upper()
    with registry.reader() as session:
        seqs = list(
            session.scalars(
                select(col(tables.LogLeaf.seq))
                .where(col(tables.LogLeaf.kind) == LeafKind.CARD.value)
                .where(col(tables.LogLeaf.ref) == number)
                .order_by(col(tables.LogLeaf.seq))
            )
        )
    if not seqs:
        raise NotFoundError(f"no card leaf for {number} in the log")
    if len(seqs) > 1:
        raise StorageError(
            f"card {number} has {len(seqs)} leaves (seq {', '.join(map(str, seqs))}), expected one",
            hint="run `aes-id audit verify`",
        )
    return prove_leaf(registry, seqs[0])


def prove_leaf(registry: Registry, seq: int) -> str:
    """The tlog-proof text of leaf ``seq`` in the latest checkpoint, with the leaf in ``extra``."""
    with registry.reader() as session:
        leaf = session.get(tables.LogLeaf, seq)
        if leaf is None:
            raise NotFoundError(f"no leaf {seq} in the log")
        kept = list_checkpoints(session)
        if not kept or kept[-1].size <= seq:
            covered = f"the latest covers {kept[-1].size} leaves" if kept else "there is none"
            raise NotFoundError(
                f"no checkpoint covers leaf {seq} yet ({covered})",
                hint="run `aes-id audit checkpoint` first",
            )
        latest = kept[-1]
        hashes = merkle.inclusion_proof(read_store(session), seq, latest.size)
    return TlogProof(seq, hashes, latest.note, extra=bytes(leaf.data)).to_text()


def verify_proof_text(
    text: str | bytes, verifier_key: str | NoteVerifier, *, signed: bytes | None = None
) -> VerifiedProof:
    """Check a tlog-proof offline with only the log's verifier key; return what it proves.

    1. Parse the proof (C2SP tlog-proof) and the leaf in its ``extra`` line.
    2. The leaf's own ``seq`` must be the proof's index.
    3. The checkpoint's signature must verify with ``verifier_key`` (C2SP signed-note).
    4. The inclusion path must lead from the leaf's hash to the checkpoint's root
       (RFC 9162 §2.1.3.2).
    5. If ``signed`` (a card's COSE_Sign1 bytes) is given, its SHA-256 must be the leaf's ``h``.

    Raises a :class:`~aes_id.errors.TrustError` (or a format error) naming what failed.
    """
    verifier = (
        verifier_key if isinstance(verifier_key, NoteVerifier) else parse_verifier(verifier_key)
    )
    proof = TlogProof.parse(text)
    if proof.extra is None:
        raise ProofError("the proof carries no leaf (no 'extra' line): cannot rehash it")
    entry = LogEntry.decode(proof.extra)
    if entry.seq != proof.index:
        raise ProofError(f"the proof is for index {proof.index}, but its leaf says seq {entry.seq}")
    leaf = merkle.leaf_hash(proof.extra)
    checkpoint = proof.verify(leaf, [verifier], origin=LOG_ORIGIN)
    if signed is not None and signed_hash(signed) != entry.h:
        raise ProofError(
            f"the leaf records SHA-256 {entry.h.hex()}, the given signed bytes hash to "
            f"{signed_hash(signed).hex()}"
        )
    return VerifiedProof(proof.index, entry, leaf, checkpoint)


def prove_consistency(registry: Registry, saved_note: str, verifier: NoteVerifier) -> Consistency:
    """Prove that the checkpoint ``saved_note`` is a prefix of the log's latest checkpoint.

    1. The saved checkpoint's signature verifies with ``verifier``.
    2. The log's latest kept checkpoint verifies too, and is at least as large.
    3. The log computes PROOF(old size, D[new size]) from its stored subtrees
       (RFC 9162 §2.1.4.1), and it is verified against both signed roots (§2.1.4.2).

    Raises :class:`~aes_id.formats.merkle.ProofError` when the history was rewritten.
    """
    old = read_checkpoint(saved_note, verifier)
    with registry.reader() as session:
        kept = list_checkpoints(session)
        if not kept:
            raise NotFoundError("the log has no checkpoint", hint="run `aes-id audit checkpoint`")
        new = read_checkpoint(kept[-1].note, verifier)
        if new.size < old.size:
            raise ProofError(
                f"the saved checkpoint has {old.size} leaves, but the log's latest checkpoint "
                f"has {new.size}: the log lost leaves"
            )
        store = read_store(session)
        if store.size() < new.size:
            raise TrustError(
                f"the log's latest checkpoint signs {new.size} leaves, but the log holds "
                f"{store.size()}"
            )
        proof = merkle.consistency_proof(store, old.size, new.size)
    merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    return Consistency(old, new, proof)
