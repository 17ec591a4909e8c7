"""Attacks on a healthy registry and log, each by raw SQL as an insider with database access would.

Each returns what the audit must report: the check, a part of the finding's
subject (the leaf, card or checkpoint it names) and a part of its message.
"""

from __future__ import annotations

import base64
import dataclasses
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import cbor2

from aes_id.audit.checkpoint import LOG_ORIGIN, log_signer
from aes_id.audit.leaf import LogEntry
from aes_id.audit.report import Check
from aes_id.domain import CardNumber, Kid
from aes_id.formats import merkle
from aes_id.formats.claims import decode_claims
from aes_id.formats.cose import ALG_EDDSA, HEADER_ALG, HEADER_KID, assemble1, decode1, sig_structure
from aes_id.formats.credential import encode_qr_text, sign_credential
from aes_id.formats.note import Checkpoint, sign_checkpoint
from aes_id.registry.tables import ONE_VALID_CARD
from tests.audit.conftest import PASSPHRASE, World


@dataclass(frozen=True)
class Expect:
    """A finding the audit must make: its check, and words of its subject and message."""

    check: Check
    subject: str
    message: str


@contextmanager
def raw(world: World) -> Iterator[sqlite3.Connection]:
    """The registry file opened with the sqlite3 module, committed at the end."""
    connection = sqlite3.connect(world.db)
    try:
        yield connection
        connection.commit()
    finally:
        connection.close()


def card_leaves(connection: sqlite3.Connection) -> list[tuple[int, str, int]]:
    """(seq, card number, t) of every card leaf, in log order."""
    return list(
        connection.execute("SELECT seq, ref, t FROM log_leaf WHERE kind = 'card' ORDER BY seq")
    )


def a_first_round_card(connection: sqlite3.Connection) -> tuple[int, str]:
    """A card leaf inside the saved checkpoint, and its card: (seq, card number)."""
    seq, number, _ = card_leaves(connection)[2]
    return seq, number


def a_second_round_card(connection: sqlite3.Connection) -> tuple[int, str]:
    seq, number, _ = card_leaves(connection)[-2]
    return seq, number


def _cose(connection: sqlite3.Connection, number: str) -> bytes:
    return bytes(
        connection.execute("SELECT cose FROM card WHERE card_number = ?", (number,)).fetchone()[0]
    )


def _qr_text(cose: bytes) -> str:
    return encode_qr_text(cose)


# --- the card row -----------------------------------------------------------------------------


def card_nin_edited(world: World) -> Expect:
    with raw(world) as db:
        _, number = a_first_round_card(db)
        other = db.execute(  # a resident without a valid card: the registry allows one
            "SELECT nin FROM resident WHERE nin NOT IN "
            "(SELECT nin FROM card WHERE status = 'valid') LIMIT 1"
        ).fetchone()[0]
        db.execute("UPDATE card SET nin = ? WHERE card_number = ?", (other, number))
    return Expect(Check.REGISTRY, f"card {number}", f"NIN {other}")


def card_qr_text_edited(world: World) -> Expect:
    """The row's QR text swapped for another card's (validly signed, but not this card's)."""
    with raw(world) as db:
        _, number = a_first_round_card(db)
        _, other = a_second_round_card(db)
        text = db.execute("SELECT qr_text FROM card WHERE card_number = ?", (other,)).fetchone()[0]
        db.execute("UPDATE card SET qr_text = ? WHERE card_number = ?", (text, number))
    return Expect(Check.REGISTRY, f"card {number}", "QR text does not carry the stored COSE_Sign1")


def card_cose_edited(world: World) -> Expect:
    """Row, QR and signed bytes all swapped for another card's: the leaf no longer matches."""
    with raw(world) as db:
        _, number = a_first_round_card(db)
        _, other = a_second_round_card(db)
        cose = _cose(db, other)
        db.execute(
            "UPDATE card SET cose = ?, qr_text = ? WHERE card_number = ?",
            (cose, _qr_text(cose), number),
        )
    return Expect(Check.REGISTRY, f"card {number}", "hashes to")


def card_resigned(world: World) -> Expect:
    """The same claims, signed again by the same Document Signer into other valid bytes.

    Ed25519 is deterministic, so the new signature is made over the same claims
    under a protected header written with its two entries in the other order:
    a different Sig_structure, a valid COSE_Sign1 that any verifier accepts.
    """
    with raw(world) as db:
        _, number = a_first_round_card(db)
        old = decode1(_cose(db, number))
        key = world.store.load_private(old.kid or b"", PASSPHRASE)
        protected = cbor2.dumps({HEADER_KID: old.kid, HEADER_ALG: ALG_EDDSA})
        signature = key.sign(sig_structure(protected, old.payload))
        cose = assemble1(protected, old.payload, signature)
        db.execute(
            "UPDATE card SET cose = ?, qr_text = ? WHERE card_number = ?",
            (cose, _qr_text(cose), number),
        )
    return Expect(Check.REGISTRY, f"card {number}", "hashes to")


def card_signature_broken(world: World) -> Expect:
    """One bit of a card's signature flipped, its row and QR text made to agree."""
    with raw(world) as db:
        _, number = a_first_round_card(db)
        old = decode1(_cose(db, number))
        signature = bytes([old.signature[0] ^ 0x01]) + old.signature[1:]
        cose = assemble1(old.protected, old.payload, signature)
        db.execute(
            "UPDATE card SET cose = ?, qr_text = ? WHERE card_number = ?",
            (cose, _qr_text(cose), number),
        )
    return Expect(Check.REGISTRY, f"card {number}", "signature does not verify")


def _second_card(world: World) -> tuple[str, CardNumber]:
    """A second, validly signed card for a resident, stored without a leaf: (NIN, card number).

    The registry allows one valid card per resident: the insider drops that index
    first, as one with the rights to change the schema could.
    """
    with raw(world) as db:
        db.execute(f"DROP INDEX {ONE_VALID_CARD}")
        _, number = a_second_round_card(db)
        row = db.execute("SELECT * FROM card WHERE card_number = ?", (number,)).fetchone()
        columns = [c[0] for c in db.execute("SELECT * FROM card LIMIT 0").description]
        card = dict(zip(columns, row, strict=True))
        old = decode1(bytes(card["cose"]))
        new_number = CardNumber(number[:2] + "9999999")
        claims = dataclasses.replace(decode_claims(old.payload), card_number=new_number)
        key = world.store.load_private(old.kid or b"", PASSPHRASE)
        signed = sign_credential(claims, kid=Kid(old.kid or b""), key=key)
        card.update(card_number=new_number, cose=signed.cose, qr_text=signed.qr_text)
        marks = ", ".join("?" for _ in columns)
        db.execute(f"INSERT INTO card ({', '.join(columns)}) VALUES ({marks})", list(card.values()))
    return str(card["nin"]), new_number


def card_off_the_books(world: World) -> Expect:
    """A second, validly signed card for a resident, stored without a leaf."""
    _, number = _second_card(world)
    return Expect(Check.REGISTRY, f"card {number}", "no card leaf")


def second_valid_card(world: World) -> Expect:
    """The same second card, seen from its resident: two valid cards where one is allowed."""
    nin, _ = _second_card(world)
    return Expect(Check.REGISTRY, f"resident {nin}", "holds 2 valid cards (")


# --- the leaves -------------------------------------------------------------------------------


def leaf_edited(world: World) -> Expect:
    """A card leaf says another officer asked for it (bytes and column agree; nodes untouched)."""
    with raw(world) as db:
        seq, _ = a_first_round_card(db)
        entry = LogEntry.decode(
            bytes(db.execute("SELECT data FROM log_leaf WHERE seq = ?", (seq,)).fetchone()[0])
        )
        edited = dataclasses.replace(entry, by="officer-9")
        db.execute(
            "UPDATE log_leaf SET data = ?, by = ? WHERE seq = ?",
            (edited.encode(), "officer-9", seq),
        )
    return Expect(Check.TREE, f"leaf {seq}", "stored leaf hash")


def leaf_edited_and_nodes_rebuilt(world: World) -> Expect:
    """The same edit, every stored Merkle node recomputed to match: only checkpoints catch it."""
    with raw(world) as db:
        seq, _ = a_first_round_card(db)
        entry = LogEntry.decode(
            bytes(db.execute("SELECT data FROM log_leaf WHERE seq = ?", (seq,)).fetchone()[0])
        )
        db.execute(
            "UPDATE log_leaf SET data = ?, by = ? WHERE seq = ?",
            (dataclasses.replace(entry, by="officer-9").encode(), "officer-9", seq),
        )
        _rebuild_nodes(db)
    return Expect(Check.TREE, "checkpoint", "the tree rebuilt from leaves")


def leaf_deleted(world: World) -> Expect:
    with raw(world) as db:
        seq, _ = a_first_round_card(db)
        db.execute("DELETE FROM log_leaf WHERE seq = ?", (seq,))
    return Expect(Check.LEAVES, f"leaf {seq}", "missing")


def leaves_swapped(world: World) -> Expect:
    """Two card leaves of different times exchange places (bytes and columns)."""
    with raw(world) as db:
        first, _ = a_first_round_card(db)
        second, _ = a_second_round_card(db)
        rows = {
            seq: db.execute(
                "SELECT data, kind, ref, by, t FROM log_leaf WHERE seq = ?", (seq,)
            ).fetchone()
            for seq in (first, second)
        }
        for seq, other in ((first, second), (second, first)):
            db.execute(
                "UPDATE log_leaf SET data = ?, kind = ?, ref = ?, by = ?, t = ? WHERE seq = ?",
                (*rows[other], seq),
            )
    return Expect(Check.LEAVES, f"leaf {first}", f"say seq {second}")


def leaf_without_card(world: World) -> Expect:
    """A card row removed: its leaf stays, naming a card the registry no longer has."""
    with raw(world) as db:
        seq, number = a_second_round_card(db)
        db.execute("DELETE FROM card WHERE card_number = ?", (number,))
    return Expect(Check.REGISTRY, f"leaf {seq}", f"card {number}, which is not in the registry")


def leaf_for_no_card(world: World) -> Expect:
    """A well-formed leaf appended (tree and nodes right) for a card that was never stored."""
    from aes_id.audit.leaf import LeafKind
    from aes_id.audit.log import LeafDraft, append_leaves

    with raw(world) as db:
        (kid,) = db.execute("SELECT kid FROM card ORDER BY card_number DESC LIMIT 1").fetchone()
        (t,) = db.execute("SELECT max(t) FROM log_leaf").fetchone()
    with world.registry.transaction() as session:
        (entry,) = append_leaves(
            session,
            [
                LeafDraft(
                    t, LeafKind.CARD, Kid(bytes.fromhex(kid)), b"ghost", "NE7777777", "officer-2"
                )
            ],
        )
    return Expect(
        Check.REGISTRY, f"leaf {entry.seq}", "card NE7777777, which is not in the registry"
    )


def card_leaf_backdated(world: World) -> Expect:
    """A card leaf's time moved an hour before its card was signed (bytes, column and nodes)."""
    with raw(world) as db:
        seq, number = a_first_round_card(db)
        entry = LogEntry.decode(
            bytes(db.execute("SELECT data FROM log_leaf WHERE seq = ?", (seq,)).fetchone()[0])
        )
        earlier = dataclasses.replace(entry, t=entry.t - 3600)
        db.execute(
            "UPDATE log_leaf SET data = ?, t = ? WHERE seq = ?", (earlier.encode(), earlier.t, seq)
        )
        _rebuild_nodes(db)
    return Expect(Check.REGISTRY, f"card {number}", "the leaf is 3600 s before the signature")


def log_clock_moved(world: World) -> Expect:
    """The log's clock pushed a day ahead: every desk would be refused as behind it."""
    with raw(world) as db:
        db.execute("UPDATE log_head SET last_t = last_t + 86400")
    return Expect(Check.LEAVES, "log head", "the log's clock is at")


# --- the whole history --------------------------------------------------------------------------


def _rebuild_nodes(db: sqlite3.Connection) -> None:
    """Recompute every stored Merkle node from the leaves, as a careful forger would."""
    data = [bytes(d) for (d,) in db.execute("SELECT data FROM log_leaf ORDER BY seq")]
    store = merkle.MemoryNodeStore()
    nodes = merkle.nodes_for_append(store, [merkle.leaf_hash(d) for d in data])
    db.execute("DELETE FROM merkle_node")
    db.executemany("INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)", nodes)
    db.execute("UPDATE log_head SET size = ?", (len(data),))


def history_rewritten(world: World) -> Expect:
    """One card removed, the whole log renumbered, rehashed and every checkpoint re-signed.

    Every table agrees with every other afterwards and every signature is
    valid: only a checkpoint saved before the rewrite can tell.
    """
    signer = log_signer(world.store, PASSPHRASE)
    with raw(world) as db:
        _, number = a_first_round_card(db)
        old_sizes = [size for (size,) in db.execute("SELECT size FROM checkpoint ORDER BY size")]
        entries = [
            LogEntry.decode(bytes(d))
            for (d,) in db.execute("SELECT data FROM log_leaf ORDER BY seq")
        ]
        kept = [e for e in entries if e.ref != number]
        db.execute("DELETE FROM card WHERE card_number = ?", (number,))
        db.execute("DELETE FROM log_leaf")
        for seq, entry in enumerate(kept):
            renumbered = dataclasses.replace(entry, seq=seq)
            db.execute(
                "INSERT INTO log_leaf (seq, data, kind, ref, by, t) VALUES (?, ?, ?, ?, ?, ?)",
                (seq, renumbered.encode(), entry.kind.value, entry.ref, entry.by, entry.t),
            )
        _rebuild_nodes(db)
        db.execute("DELETE FROM checkpoint")
        data = [bytes(d) for (d,) in db.execute("SELECT data FROM log_leaf ORDER BY seq")]
        store = merkle.MemoryNodeStore()
        merkle.append(store, [merkle.leaf_hash(d) for d in data])
        for size in sorted({min(s, len(data)) for s in old_sizes}):
            root = merkle.root(store, size)
            note = sign_checkpoint(Checkpoint(LOG_ORIGIN, size, root), signer)
            db.execute(
                "INSERT INTO checkpoint (size, root, note, created_at) VALUES (?, ?, ?, ?)",
                (size, root, note, "2026-03-14 13:30:00.000000"),
            )
    return Expect(Check.SAVED, "saved checkpoint", "history was rewritten")


def checkpoint_signature_altered(world: World) -> Expect:
    """One bit of the log's signature on the latest checkpoint flipped (still canonical base64)."""
    with raw(world) as db:
        size, note = db.execute(
            "SELECT size, note FROM checkpoint ORDER BY size DESC LIMIT 1"
        ).fetchone()
        text, _, line = note.rpartition("\u2014 ")
        name, blob = line.rstrip("\n").split(" ")
        raw_sig = bytearray(base64.b64decode(blob))
        raw_sig[10] ^= 0x01
        altered = f"{text}\u2014 {name} {base64.b64encode(bytes(raw_sig)).decode()}\n"
        db.execute("UPDATE checkpoint SET note = ? WHERE size = ?", (altered, size))
    return Expect(Check.CHECKPOINTS, f"checkpoint {size}", "does not verify")


ATTACKS: dict[str, Callable[[World], Expect]] = {
    "card nin edited": card_nin_edited,
    "card qr_text edited": card_qr_text_edited,
    "card cose edited": card_cose_edited,
    "card re-signed": card_resigned,
    "card signature broken": card_signature_broken,
    "card off the books": card_off_the_books,
    "second valid card": second_valid_card,
    "leaf edited": leaf_edited,
    "leaf edited, nodes rebuilt": leaf_edited_and_nodes_rebuilt,
    "leaf deleted": leaf_deleted,
    "leaves swapped": leaves_swapped,
    "leaf without card": leaf_without_card,
    "leaf for no card": leaf_for_no_card,
    "card leaf backdated": card_leaf_backdated,
    "log clock moved": log_clock_moved,
    "history rewritten": history_rewritten,
    "checkpoint signature altered": checkpoint_signature_altered,
}
