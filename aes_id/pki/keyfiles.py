"""The key store on disk: ``store.json`` records, atomic writes, the lock. Internal to the PKI.

Every file is written to a temporary file in the same directory, flushed with
``fsync`` and moved into place with ``os.replace`` (atomic on POSIX), then the
directory is synced, so a crash leaves either the old file or the new one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aes_id.domain import Country, Kid
from aes_id.errors import KeyStoreError
from aes_id.files import sync_directory, write_atomic
from aes_id.pki.certs import KeyRole, KeyStatus

METADATA_FILE = "store.json"
LOCK_FILE = ".lock"
STORE_FORMAT = "aes-id-keystore/1"
INIT_HINT = "run `aes-id keys init` to create the key store"


@dataclass(frozen=True)
class KeyRecord:
    """One key as ``store.json`` lists it.

    ``signing_from``/``signing_until`` are a Document Signer's signing period
    (also in its certificate's PrivateKeyUsagePeriod); ``revoked_from`` is the
    time from which its signatures are void, ``revoked_at`` when that was decided.
    """

    kid: Kid
    role: KeyRole
    state: Country | None
    status: KeyStatus
    subject: str
    created_at: dt.datetime
    not_before: dt.datetime
    not_after: dt.datetime | None
    key_file: str
    cert_file: str
    issuer: Kid | None = None
    signing_from: dt.datetime | None = None
    signing_until: dt.datetime | None = None
    retired_at: dt.datetime | None = None
    revoked_from: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in vars(self).items():
            if isinstance(value, bytes):
                value = value.hex()
            elif isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, dt.datetime):
                value = value.isoformat()
            out[name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyRecord:
        def time(name: str) -> dt.datetime | None:
            value = data.get(name)
            return None if value is None else dt.datetime.fromisoformat(value)

        def kid(name: str) -> Kid | None:
            value = data.get(name)
            return None if value is None else Kid(bytes.fromhex(value))

        created, not_before = time("created_at"), time("not_before")
        if created is None or not_before is None:
            raise ValueError("created_at and not_before are required")
        return cls(
            kid=Kid(bytes.fromhex(data["kid"])),
            role=KeyRole(data["role"]),
            state=None if data.get("state") is None else Country(data["state"]),
            status=KeyStatus(data["status"]),
            subject=str(data["subject"]),
            created_at=created,
            not_before=not_before,
            not_after=time("not_after"),
            key_file=str(data["key_file"]),
            cert_file=str(data["cert_file"]),
            issuer=kid("issuer"),
            signing_from=time("signing_from"),
            signing_until=time("signing_until"),
            retired_at=time("retired_at"),
            revoked_from=time("revoked_from"),
            revoked_at=time("revoked_at"),
            reason=data.get("reason"),
        )


@dataclass(frozen=True)
class StoreMetadata:
    """The content of ``store.json``: a generation counter, the keys, the key events."""

    generation: int
    keys: tuple[KeyRecord, ...]
    events: tuple[Mapping[str, str], ...]

    def to_bytes(self) -> bytes:
        body = {
            "format": STORE_FORMAT,
            "generation": self.generation,
            "keys": [record.to_json() for record in self.keys],
            "events": [dict(event) for event in self.events],
        }
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> StoreMetadata:
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("format") != STORE_FORMAT:
            raise ValueError(f"format is not {STORE_FORMAT!r}")
        keys = tuple(KeyRecord.from_json(item) for item in body["keys"])
        events = tuple({str(k): str(v) for k, v in item.items()} for item in body["events"])
        return cls(int(body["generation"]), keys, events)

    def with_changes(
        self, records: Iterable[KeyRecord], events: Iterable[Mapping[str, str]]
    ) -> StoreMetadata:
        """The next generation: ``records`` replace those of the same kid or are appended."""
        changed = {record.kid: record for record in records}
        kept = tuple(changed.pop(record.kid, record) for record in self.keys)
        added = tuple(changed.values())
        return StoreMetadata(self.generation + 1, kept + added, self.events + tuple(events))


def read_metadata(path: Path) -> StoreMetadata:
    """Read ``store.json``; :class:`KeyStoreError` saying to run ``init`` when it is missing."""
    file = path / METADATA_FILE
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise KeyStoreError(f"no key store at {path} (no {file})", hint=INIT_HINT) from None
    except OSError as exc:
        raise KeyStoreError(f"cannot read {file}: {exc.strerror}") from None
    try:
        return StoreMetadata.from_bytes(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyStoreError(f"{file} is damaged: {exc}") from None


def generation_on_disk(path: Path) -> int | None:
    """The generation of the store as it is now on disk, ``None`` if there is none."""
    if not (path / METADATA_FILE).exists():
        return None
    return read_metadata(path).generation


def read_file(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise KeyStoreError(
            f"{file} is missing: the key store is damaged", hint=INIT_HINT
        ) from None
    except OSError as exc:
        raise KeyStoreError(f"cannot read {file}: {exc.strerror}") from None


def write_file(file: Path, data: bytes, mode: int) -> None:
    """Write a key store file atomically with permissions ``mode`` (see :mod:`aes_id.files`)."""
    write_atomic(file, data, mode=mode)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the store's exclusive lock (``flock`` on ``.lock``) between processes."""
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def archive(
    path: Path, old: StoreMetadata, new: StoreMetadata, now: dt.datetime
) -> tuple[Path, list[str]]:
    """Move the files of a replaced store to ``replaced-<time>/`` (a key is never deleted).

    Returns the folder and the names moved; on failure, what was moved goes back.
    """
    stamp = f"replaced-{now:%Y%m%dT%H%M%SZ}"
    target, suffix = path / stamp, 1
    while target.exists():
        suffix += 1
        target = path / f"{stamp}-{suffix}"
    target.mkdir(mode=0o700)
    in_use = {name for record in new.keys for name in (record.key_file, record.cert_file)}
    moved: list[str] = []
    try:
        write_file(target / METADATA_FILE, old.to_bytes(), 0o600)
        for record in old.keys:
            for name in (record.key_file, record.cert_file):
                if name not in in_use and (path / name).exists():
                    os.replace(path / name, target / name)
                    moved.append(name)
        sync_directory(path)
    except BaseException:
        unarchive(path, target, moved)
        raise
    return target, moved


def unarchive(path: Path, target: Path, moved: Iterable[str]) -> None:
    """Undo :func:`archive`: move the files back and remove the folder."""
    for name in moved:
        os.replace(target / name, path / name)
    (target / METADATA_FILE).unlink(missing_ok=True)
    target.rmdir()
    sync_directory(path)


def utc_second(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC, cut to the second; a naive time is a caller's mistake."""
    if moment.tzinfo is None:
        raise ValueError(f"time {moment.isoformat()} must be timezone-aware (UTC)")
    return moment.astimezone(dt.UTC).replace(microsecond=0)
