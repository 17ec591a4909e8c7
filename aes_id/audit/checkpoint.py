"""Checkpoints of the signature log: signed tree heads in the C2SP formats (docs/audit-log.md).

A checkpoint is the C2SP ``tlog-checkpoint`` text (origin, tree size, base64
root) inside a C2SP ``signed-note``, signed with the log's own Ed25519 key
(key name = origin = :data:`LOG_ORIGIN`). The log keeps every checkpoint it
signs and never signs two roots for one size, so any two can later be proved
consistent; an auditor keeps some as files and brings them back
(:mod:`aes_id.audit.proofs`, :mod:`aes_id.audit.auditor`).

    checkpoint = make_checkpoint(registry, store, passphrase, now)   # sign and keep
    write_checkpoint_file(Path("log-2026-03-14.checkpoint"), checkpoint)
    read_checkpoint(read_checkpoint_file(path), log_verifier(store)).size
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from aes_id.audit.log import log_size, read_store, store_checkpoint
from aes_id.errors import InputError, NotFoundError, StorageError, UsageError
from aes_id.formats import merkle
from aes_id.formats.note import (
    Checkpoint,
    NoteFormatError,
    NoteSigner,
    NoteVerificationError,
    NoteVerifier,
    open_checkpoint,
    sign_checkpoint,
)
from aes_id.pki.keys import LOG_KEY_NAME, KeyStore
from aes_id.registry import tables
from aes_id.registry.db import Registry

LOG_ORIGIN = LOG_KEY_NAME
"""The log's origin line: names this log, and equals the name of the key that signs it."""

CHECKPOINT_SUFFIX = ".checkpoint"


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as the log keeps it: the signed note, and the size and root filed with it."""

    size: int
    root: bytes
    note: str
    created_at: dt.datetime


def log_signer(store: KeyStore, passphrase: str) -> NoteSigner:
    """The log's note signer (decrypts the log key)."""
    return NoteSigner(LOG_KEY_NAME, store.log_key(passphrase))


def log_verifier(store: KeyStore) -> NoteVerifier:
    """The log's published verifier key, as the key store holds it."""
    return NoteVerifier.parse(store.log_verifier())


def parse_verifier(text: str) -> NoteVerifier:
    """A verifier key string ``name+keyid+base64`` that must name this log."""
    verifier = NoteVerifier.parse(text.strip())
    if verifier.name != LOG_ORIGIN:
        raise UsageError(
            f"verifier key is for {verifier.name!r}, expected the log's key {LOG_ORIGIN!r}"
        )
    return verifier


def read_checkpoint(note: str, verifier: NoteVerifier) -> Checkpoint:
    """The checkpoint in ``note`` once its signature verifies with ``verifier``.

    Raises :class:`~aes_id.formats.note.NoteFormatError` for a malformed note and
    :class:`~aes_id.formats.note.NoteVerificationError` for a bad signature or origin.
    """
    return open_checkpoint(note, [verifier], origin=LOG_ORIGIN)


def make_checkpoint(registry: Registry, store: KeyStore, passphrase: str, now: dt.datetime) -> str:
    """Sign, keep and return a checkpoint of the log as it is now (a C2SP signed note).

    If a checkpoint of the current size exists, it is returned as it was kept:
    the log never signs a second root for one size, and refuses (with
    :class:`StorageError`) when the tree no longer has the root it signed, or
    has fewer leaves than a checkpoint already signed.
    """
    signer = log_signer(store, passphrase)  # the passphrase is checked before any write
    with registry.transaction() as session:
        size = log_size(session)
        root = merkle.root(read_store(session), size)
        _refuse_shrink(session, size)
        existing = session.get(tables.CheckpointRow, size)
        if existing is not None:
            return _existing(existing, root, signer.verifier)
        note = sign_checkpoint(Checkpoint(LOG_ORIGIN, size, root), signer)
        store_checkpoint(session, size, root, note, now)
    return note


def _refuse_shrink(session: Session, size: int) -> None:
    largest = session.scalar(select(func.max(col(tables.CheckpointRow.size))))
    if largest is not None and largest > size:
        raise StorageError(
            f"the log has {size} leaves but a checkpoint of {largest} leaves was signed: "
            "leaves were removed; refusing to sign",
            hint="run `aes-id audit verify`",
        )


def _existing(row: tables.CheckpointRow, root: bytes, verifier: NoteVerifier) -> str:
    if row.root != root:
        raise StorageError(
            f"the checkpoint of size {row.size} has root {row.root.hex()}, but the tree of that "
            f"size now has root {root.hex()}: refusing to sign a second root",
            hint="run `aes-id audit verify`",
        )
    try:
        checkpoint = read_checkpoint(row.note, verifier)
    except (NoteFormatError, NoteVerificationError) as exc:
        raise StorageError(f"the kept checkpoint of size {row.size} is damaged: {exc}") from None
    if checkpoint.size != row.size or checkpoint.root_hash != row.root:
        raise StorageError(
            f"the kept checkpoint of size {row.size} signs size {checkpoint.size} "
            f"and root {checkpoint.root_hash.hex()}"
        )
    return row.note


def list_checkpoints(session: Session) -> list[StoredCheckpoint]:
    """Every kept checkpoint, smallest tree first (signatures not checked here)."""
    rows = session.scalars(select(tables.CheckpointRow).order_by(col(tables.CheckpointRow.size)))
    return [StoredCheckpoint(r.size, r.root, r.note, r.created_at) for r in rows]


def export_checkpoint(registry: Registry, size: int | None = None) -> str:
    """The kept signed note of the checkpoint of ``size`` (default: the latest)."""
    with registry.reader() as session:
        if size is None:
            rows = list_checkpoints(session)
            if not rows:
                raise NotFoundError(
                    "the log has no checkpoint yet", hint="run `aes-id audit checkpoint`"
                )
            return rows[-1].note
        row = session.get(tables.CheckpointRow, size)
    if row is None:
        raise NotFoundError(f"the log kept no checkpoint of size {size}")
    return row.note


def read_checkpoint_file(path: Path) -> str:
    """The text of a saved checkpoint (or proof) file, as UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text: expected a C2SP signed note") from None


def write_checkpoint_file(path: Path, note: str) -> None:
    """Save a checkpoint (or proof) text exactly, bytes for bytes, for a later audit."""
    try:
        path.write_bytes(note.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
