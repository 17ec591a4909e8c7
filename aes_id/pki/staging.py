"""A change to the key store, staged: new files written, ``store.json`` not yet replaced.

The key store stages every change (:mod:`aes_id.pki.keys`); this is the handle
that commits, discards or reverts it, so that a caller can make the key store
and its own database transaction succeed or fail together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Generic, Protocol, TypeVar

from aes_id.domain import Country
from aes_id.errors import KeyStoreError, UsageError
from aes_id.pki.keyfiles import (
    METADATA_FILE,
    StoreMetadata,
    archive,
    generation_on_disk,
    locked,
    read_metadata,
    unarchive,
    write_file,
)
from aes_id.pki.keygen import KeyEvent, KeyFactory, Stage, check_new_passphrase, event_json


class Store(Protocol):
    """What a staged change needs of its key store (:class:`aes_id.pki.keys.KeyStore`)."""

    @property
    def path(self) -> Path: ...

    def _adopt(self, metadata: StoreMetadata) -> None: ...


S = TypeVar("S", bound=Store)


class StagedChange(Generic[S]):
    """A change whose new key files are written but not yet part of the store.

    1. :meth:`commit` replaces ``store.json``: the change is visible.
    2. :meth:`discard`, before a commit, removes the staged files.
    3. :meth:`revert`, after a commit, puts the previous ``store.json`` back and
       removes the new files: for a caller whose own transaction failed later.

    As a context manager it discards the change if the block ends without a
    commit, and reverts it if the block raises after the commit, so that a
    database transaction and the key store succeed or fail together::

        with store.stage_rotate(state, passphrase, now) as staged:
            with registry.transaction() as session:
                record(session, staged.events)
                staged.commit()
    """

    def __init__(
        self,
        store: S,
        metadata: StoreMetadata,
        events: tuple[KeyEvent, ...],
        created: list[Path],
        previous: StoreMetadata | None,
        on_commit: Callable[[], Callable[[], None]] | None = None,
    ) -> None:
        self.events = events
        self.store = store
        self._metadata, self._created, self._previous = metadata, created, previous
        self._on_commit = on_commit
        self._undo: Callable[[], None] | None = None
        self._state = "staged"

    @property
    def committed(self) -> bool:
        return self._state == "committed"

    def commit(self) -> None:
        """Make the change visible (replace ``store.json``); the store object sees it too."""
        if self._state != "staged":
            raise UsageError(f"this key store change was already {self._state}")
        path = self.store.path
        try:
            with locked(path):
                self._expect_generation(self._previous.generation if self._previous else None)
                write_file(path / METADATA_FILE, self._metadata.to_bytes(), 0o644)
                try:
                    self._undo = self._on_commit() if self._on_commit else None
                except BaseException:
                    self._restore_previous()
                    raise
        except BaseException as exc:
            self.discard()
            if isinstance(exc, OSError):
                raise KeyStoreError(f"could not update the key store at {path}: {exc}") from None
            raise
        self._state = "committed"
        self.store._adopt(self._metadata)

    def discard(self) -> None:
        """Remove the staged files; the store stays as it was. No effect after a commit."""
        if self._state == "staged":
            self._state = "discarded"
            self._remove_created()

    def revert(self) -> None:
        """Undo a commit: the previous ``store.json`` comes back, the new files go."""
        if self._state != "committed":
            raise UsageError(f"only a committed key store change can be reverted ({self._state})")
        path = self.store.path
        try:
            with locked(path):
                self._expect_generation(self._metadata.generation)
                if self._undo:
                    self._undo()
                self._restore_previous()
        except OSError as exc:
            raise KeyStoreError(f"could not revert the key store at {path}: {exc}") from None
        self._remove_created()
        self._state = "reverted"
        self.store._adopt(self._previous or StoreMetadata(0, (), ()))

    def __enter__(self) -> StagedChange[S]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._state == "committed" and error is not None:
            try:
                self.revert()
            except KeyStoreError as failure:
                error.add_note(f"the key store change could not be reverted: {failure}")
        self.discard()

    def _expect_generation(self, expected: int | None) -> None:
        on_disk = generation_on_disk(self.store.path)
        if on_disk != expected:
            raise KeyStoreError(
                f"the key store at {self.store.path} changed while this operation ran "
                f"(generation {on_disk}, expected {expected}): try again"
            )

    def _restore_previous(self) -> None:
        file = self.store.path / METADATA_FILE
        if self._previous is None:
            file.unlink(missing_ok=True)
        else:
            write_file(file, self._previous.to_bytes(), 0o644)

    def _remove_created(self) -> None:
        for file in self._created:
            file.unlink(missing_ok=True)


@dataclass(frozen=True)
class NewStore:
    """A whole new store, its files written: what :func:`aes_id.pki.keys.stage_init` stages."""

    metadata: StoreMetadata
    events: tuple[KeyEvent, ...]
    created: list[Path]
    old: StoreMetadata | None
    """The store it replaces, if any (its files are set aside at the commit)."""
    on_commit: Callable[[], Callable[[], None]] | None


def prepare_new_store(
    path: Path,
    passphrase: str,
    now: dt.datetime,
    states: tuple[Country, ...],
    force: bool,
    key_factory: KeyFactory | None,
) -> NewStore:
    """Write the files of a new hierarchy in ``path``; refuse an existing store unless ``force``."""
    check_new_passphrase(passphrase)
    old = read_metadata(path) if (path / METADATA_FILE).exists() else None
    if old is not None and not force:
        raise KeyStoreError(
            f"a key store already exists at {path} ({len(old.keys)} keys)",
            hint="use `aes-id keys init --force` to replace it (the old keys are kept aside)",
        )
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise KeyStoreError(f"cannot create the key store directory {path}: {exc}") from None
    stage = Stage(path, passphrase, key_factory)
    with stage.cleanup_on_error():
        records, events = stage.hierarchy(states, now)
    empty = StoreMetadata(old.generation if old else 0, (), ())
    metadata = empty.with_changes(records, [event_json(event) for event in events])

    def set_old_store_aside() -> Callable[[], None]:
        assert old is not None
        target, moved = archive(path, old, metadata, now)
        return lambda: unarchive(path, target, moved)

    on_commit = set_old_store_aside if old is not None else None
    return NewStore(metadata, tuple(events), stage.created, old, on_commit)
