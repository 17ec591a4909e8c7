"""Checkpoints: C2SP notes, kept, never two roots for one size, saved and read back."""

from __future__ import annotations

import sqlite3

import pytest

from aes_id.audit.checkpoint import (
    LOG_ORIGIN,
    export_checkpoint,
    log_verifier,
    make_checkpoint,
    parse_verifier,
    read_checkpoint,
    read_checkpoint_file,
    write_checkpoint_file,
)
from aes_id.audit.log import log_size
from aes_id.errors import InputError, KeyStoreError, StorageError, UsageError
from aes_id.formats.note import NoteSigner, NoteVerificationError, open_checkpoint
from tests.audit.conftest import LATER, PASSPHRASE, World


def test_a_checkpoint_is_a_c2sp_note_signed_by_the_log_key(world: World) -> None:
    note = make_checkpoint(world.registry, world.store, PASSPHRASE, LATER)
    lines = note.split("\n")
    assert lines[0] == LOG_ORIGIN == "aes-id/registry-log"
    assert lines[3] == "" and lines[4].startswith("\u2014 aes-id/registry-log ")
    checkpoint = open_checkpoint(note, [log_verifier(world.store)], origin=LOG_ORIGIN)
    with world.registry.reader() as session:
        assert checkpoint.size == log_size(session) == int(lines[1])


def test_the_same_size_gives_back_the_kept_note_not_a_new_signature(world: World) -> None:
    first = make_checkpoint(world.registry, world.store, PASSPHRASE, LATER)
    again = make_checkpoint(world.registry, world.store, PASSPHRASE, LATER)
    assert again == first == export_checkpoint(world.registry)


def test_a_second_root_for_a_kept_size_is_refused(world: World) -> None:
    note = make_checkpoint(world.registry, world.store, PASSPHRASE, LATER)
    size = read_checkpoint(note, log_verifier(world.store)).size
    top = size.bit_length() - 1  # the first perfect subtree the root is folded from
    with sqlite3.connect(world.db) as db:  # the tree changes under a kept checkpoint
        db.execute("UPDATE merkle_node SET hash = ? WHERE level = ? AND idx = 0", (bytes(32), top))
    with pytest.raises(StorageError, match="refusing to sign a second root"):
        make_checkpoint(world.registry, world.store, PASSPHRASE, LATER)
    assert export_checkpoint(world.registry, size) == note


def test_a_log_that_lost_leaves_is_not_signed(world: World) -> None:
    with sqlite3.connect(world.db) as db:
        db.execute("UPDATE log_head SET size = size - 1")
    with pytest.raises(StorageError, match="leaves were removed"):
        make_checkpoint(world.registry, world.store, PASSPHRASE, LATER)


def test_a_wrong_passphrase_signs_and_keeps_nothing(world: World) -> None:
    before = export_checkpoint(world.registry)
    with sqlite3.connect(world.db) as db:
        db.execute("DELETE FROM checkpoint WHERE note = ?", (before,))
    with pytest.raises(KeyStoreError):
        make_checkpoint(world.registry, world.store, "not the passphrase", LATER)
    assert export_checkpoint(world.registry) != before


def test_a_saved_file_reads_back_byte_for_byte(world: World) -> None:
    note = export_checkpoint(world.registry)
    path = world.path / "latest.checkpoint"
    write_checkpoint_file(path, note)
    assert read_checkpoint_file(path) == note
    assert read_checkpoint(read_checkpoint_file(path), log_verifier(world.store)).size > 0
    with pytest.raises(InputError, match="cannot read"):
        read_checkpoint_file(world.path / "missing.checkpoint")
    path.write_bytes(b"\xff\xfe not text")
    with pytest.raises(InputError, match="not UTF-8"):
        read_checkpoint_file(path)


def test_a_checkpoint_signed_by_another_key_is_refused(world: World) -> None:
    impostor = NoteSigner.generate(LOG_ORIGIN)
    forged = export_checkpoint(world.registry).split("\n\n")[0] + "\n"
    from aes_id.formats.note import sign_note

    with pytest.raises(NoteVerificationError, match="no signature by a trusted key"):
        read_checkpoint(sign_note(forged, impostor), log_verifier(world.store))


def test_only_the_logs_own_verifier_key_is_accepted(world: World) -> None:
    assert parse_verifier(world.store.log_verifier()).name == LOG_ORIGIN
    other = NoteSigner.generate("example.org/log").verifier.to_text()
    with pytest.raises(UsageError, match="expected the log's key"):
        parse_verifier(other)
