"""The key store: the AES hierarchy's private keys, encrypted on disk, and their bookkeeping.

A directory (``keys/`` by default, see ``keys/README.md``) holds one encrypted
PKCS#8 PEM per private key (mode 0600), one PEM per certificate, and
``store.json``, the metadata of every key and the history of key events. Every
change stages its new files first and replaces ``store.json`` last
(``os.replace``), so a failure leaves the store as it was; :class:`StagedChange`
lets a caller put that last step inside its own database transaction::

    with store.stage_rotate(Country.MLI, passphrase, now) as staged:
        with registry.transaction() as session:   # the audit log records the events
            append(session, staged.events)
            staged.commit()                        # reverted if the transaction fails

Only the PKI modules touch the key files. The clock is always a parameter.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aes_id.domain import Country, Kid
from aes_id.errors import InputError, KeyStoreError, NotFoundError, UsageError
from aes_id.pki import certs
from aes_id.pki.certs import KeyRole, KeyStatus
from aes_id.pki.keyfiles import (
    METADATA_FILE,
    KeyRecord,
    StoreMetadata,
    archive,
    read_file,
    read_metadata,
    unarchive,
    utc_second,
)
from aes_id.pki.keygen import (
    LOG_KEY_NAME,
    KeyEvent,
    KeyEventKind,
    KeyFactory,
    SigningKey,
    Stage,
    event_json,
    log_kid,
    note_key_id,
    note_verifier_key,
    secret,
)
from aes_id.pki.staging import StagedChange
from aes_id.pki.trust import TrustEntry, TrustList, build_trust_list

__all__ = [
    "DEFAULT_STORE",
    "LOG_KEY_NAME",
    "KeyEvent",
    "KeyEventKind",
    "KeyFactory",
    "KeyRecord",
    "KeyRevocationReason",
    "KeyRole",
    "KeyStatus",
    "KeyStore",
    "SigningKey",
    "StagedChange",
    "init_store",
    "log_kid",
    "note_key_id",
    "note_verifier_key",
    "stage_init",
]

DEFAULT_STORE = Path("keys")
PASSPHRASE_HINT = "give the passphrase used at `aes-id keys init` (AES_ID_KEY_PASSPHRASE)"


class KeyRevocationReason(enum.Enum):
    """Why a key is revoked: the reason codes of RFC 5280 §5.3.1 that apply to a key."""

    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "key-compromise"
    CA_COMPROMISE = "ca-compromise"
    AFFILIATION_CHANGED = "affiliation-changed"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessation-of-operation"
    PRIVILEGE_WITHDRAWN = "privilege-withdrawn"

    @classmethod
    def parse(cls, text: str) -> KeyRevocationReason:
        wanted = text.strip().lower().replace("_", "-")
        for reason in cls:
            if reason.value == wanted:
                return reason
        choices = ", ".join(reason.value for reason in cls)
        raise UsageError(f"unknown key revocation reason {text!r}: expected one of {choices}")


class KeyStore:
    """The key store in one directory: :meth:`open` it, or create it with :func:`init_store`."""

    def __init__(self, path: Path, metadata: StoreMetadata) -> None:
        self.path = path
        self._metadata = metadata
        self._certificates: dict[str, x509.Certificate] = {}

    def _adopt(self, metadata: StoreMetadata) -> None:
        """Take the metadata a :class:`StagedChange` committed or reverted."""
        self._metadata = metadata

    @classmethod
    def open(cls, path: Path | str = DEFAULT_STORE) -> KeyStore:
        """Read ``store.json``; :class:`KeyStoreError` if there is no store or it is damaged."""
        path = Path(path)
        return cls(path, read_metadata(path))

    # --- reading -------------------------------------------------------------------------

    def list_keys(self) -> tuple[KeyRecord, ...]:
        """Every key, in order of creation."""
        return self._metadata.keys

    def record(self, kid: bytes) -> KeyRecord:
        """The record of ``kid``; :class:`NotFoundError` if the store has no such key."""
        for record in self._metadata.keys:
            if record.kid == kid:
                return record
        raise NotFoundError(f"no key with kid {kid.hex()} in the key store at {self.path}")

    def certificate(self, kid: bytes) -> x509.Certificate:
        """The certificate of a root, State CA or Document Signer key."""
        record = self.record(kid)
        if record.role is KeyRole.LOG:
            raise UsageError("the log key has no certificate: use log_public_key()")
        return self._load_certificate(record.cert_file)

    def root_certificate(self) -> x509.Certificate:
        """The trust anchor that verifiers need beside the trust list."""
        return self.certificate(self._one(KeyRole.ROOT, None).kid)

    def state_ca(self, state: Country) -> tuple[Kid, x509.Certificate]:
        """The kid and certificate of the State CA of ``state``."""
        record = self._one(KeyRole.STATE_CA, state)
        return record.kid, self.certificate(record.kid)

    def active_signer(self, state: Country) -> tuple[Kid, x509.Certificate]:
        """The kid and certificate of the state's active Document Signer."""
        record = self._active_signer_record(state)
        return record.kid, self.certificate(record.kid)

    def log_public_key(self) -> Ed25519PublicKey:
        """The public key that verifies the log's checkpoints."""
        file = self.path / self._one(KeyRole.LOG, None).cert_file
        try:
            key = ser.load_pem_public_key(read_file(file))
        except ValueError as exc:
            raise KeyStoreError(f"{file} is damaged: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise KeyStoreError(f"{file} is not an Ed25519 public key")
        return key

    def log_verifier(self) -> str:
        """The C2SP signed-note verifier key of the log: ``name+hex(key id)+base64(0x01||key)``."""
        return note_verifier_key(LOG_KEY_NAME, self.log_public_key())

    def events(self) -> tuple[KeyEvent, ...]:
        """Every key event since ``init``, with the certificate bytes each signing produced."""
        out = []
        for item in self._metadata.events:
            record = self.record(bytes.fromhex(item["kid"]))
            kind = KeyEventKind(item["kind"])
            at = dt.datetime.fromisoformat(item["at"])
            event = KeyEvent(kind, record.kid, record.state, record.role, at, item["detail"])
            if kind is not KeyEventKind.REVOKED and record.role is not KeyRole.LOG:
                der = certs.der_of(self.certificate(record.kid))
                event = replace(event, signed=der, signed_by=record.issuer)
            out.append(event)
        return tuple(out)

    def trust_entries(self) -> tuple[TrustEntry, ...]:
        """A trust list entry for every State CA and Document Signer, whatever its status."""
        return tuple(
            TrustEntry(
                kid=r.kid,
                role=r.role,
                state=r.state,
                certificate=certs.der_of(self.certificate(r.kid)),
                status=r.status,
                revoked_from=r.revoked_from,
                reason=r.reason,
                retired_at=r.retired_at,
            )
            for r in self._metadata.keys
            if r.state is not None and r.role in (KeyRole.STATE_CA, KeyRole.DOCUMENT_SIGNER)
        )

    def trust_list(
        self, sequence: int, now: dt.datetime, next_update: dt.datetime | None = None
    ) -> TrustList:
        """The current trust list, unsigned (sign it with ``trust.sign_trust_list``)."""
        return build_trust_list(sequence, now, self.trust_entries(), next_update)

    # --- private keys --------------------------------------------------------------------

    def load_private(self, kid: bytes, passphrase: str) -> Ed25519PrivateKey:
        """Decrypt one private key; :class:`KeyStoreError` on a wrong passphrase or a bad file."""
        record = self.record(kid)
        file = self.path / record.key_file
        data = read_file(file)
        try:
            key = ser.load_pem_private_key(data, secret(passphrase))
        except TypeError:
            raise KeyStoreError(f"{file} is not encrypted: refusing to use it") from None
        except ValueError as exc:
            if b"ENCRYPTED PRIVATE KEY" in data:
                raise KeyStoreError(
                    f"wrong passphrase for {file}: {exc}", hint=PASSPHRASE_HINT
                ) from None
            raise KeyStoreError(f"{file} is damaged: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyStoreError(f"{file} holds a {type(key).__name__}, expected Ed25519")
        expected = (
            self.log_public_key()
            if record.role is KeyRole.LOG
            else certs.public_key_of(self.certificate(kid))
        )
        if expected.public_bytes_raw() != key.public_key().public_bytes_raw():
            raise KeyStoreError(f"{file} does not match the public key of kid {kid.hex()}")
        return key

    def signer_key(self, state: Country, passphrase: str) -> SigningKey:
        """The state's active Document Signer, ready to sign cards."""
        return self._signing_key(self._active_signer_record(state).kid, passphrase)

    def state_ca_key(self, state: Country, passphrase: str) -> SigningKey:
        """The State CA of ``state`` (signs the state's revocation list)."""
        return self._signing_key(self._one(KeyRole.STATE_CA, state).kid, passphrase)

    def root_key(self, passphrase: str) -> SigningKey:
        """The root (signs the trust list)."""
        return self._signing_key(self._one(KeyRole.ROOT, None).kid, passphrase)

    def log_key(self, passphrase: str) -> Ed25519PrivateKey:
        """The signature log's checkpoint key (C2SP signed note, name :data:`LOG_KEY_NAME`)."""
        return self.load_private(self._one(KeyRole.LOG, None).kid, passphrase)

    # --- changes -------------------------------------------------------------------------

    def stage_rotate(
        self,
        state: Country,
        passphrase: str,
        now: dt.datetime,
        key_factory: KeyFactory | None = None,
    ) -> StagedChange[KeyStore]:
        """Stage a new active Document Signer for ``state``; the current one is retired."""
        now = utc_second(now)
        ca_record = self._one(KeyRole.STATE_CA, state)
        if ca_record.status is KeyStatus.REVOKED:
            raise KeyStoreError(f"the State CA of {state.value} is revoked: it cannot certify")
        newest = max(record.created_at for record in self._metadata.keys)
        if now < newest:
            raise UsageError(
                f"the clock reads {now:%Y-%m-%d %H:%M}, before the newest key was made "
                f"({newest:%Y-%m-%d %H:%M}): check the clock"
            )
        ca = self._signing_key(ca_record.kid, passphrase)
        signers = self._signers(state)
        old = [r for r in signers if r.status is KeyStatus.ACTIVE]
        stage = Stage(self.path, passphrase, key_factory)
        with stage.cleanup_on_error():
            record, event = stage.document_signer(state, ca, now, len(signers) + 1)
        if old:
            detail = f"{event.detail}; replaces {old[0].kid.hex()}, now retired"
            event = replace(event, kind=KeyEventKind.ROTATED, detail=detail)
        retired = [replace(r, status=KeyStatus.RETIRED, retired_at=now) for r in old]
        metadata = self._metadata.with_changes([*retired, record], [event_json(event)])
        return StagedChange(self, metadata, (event,), stage.created, self._metadata)

    def rotate(
        self,
        state: Country,
        passphrase: str,
        now: dt.datetime,
        key_factory: KeyFactory | None = None,
    ) -> KeyEvent:
        """Make a new active Document Signer; the old one is retired and its cards stay valid."""
        staged = self.stage_rotate(state, passphrase, now, key_factory)
        staged.commit()
        return staged.events[0]

    def stage_revoke(
        self, kid: bytes, from_: dt.datetime, reason: KeyRevocationReason | str, now: dt.datetime
    ) -> StagedChange[KeyStore]:
        """Stage the revocation of a State CA or Document Signer from ``from_`` on."""
        record = self.record(kid)
        if record.role in (KeyRole.ROOT, KeyRole.LOG):
            raise UsageError(
                f"the {record.role.value} key cannot be revoked: replace the whole store "
                "with `aes-id keys init --force`"
            )
        if record.revoked_from is not None:
            raise UsageError(f"key {kid.hex()} is already revoked from {record.revoked_from}")
        why = (
            reason if isinstance(reason, KeyRevocationReason) else KeyRevocationReason.parse(reason)
        )
        now, from_ = utc_second(now), utc_second(from_)
        revoked = replace(
            record, status=KeyStatus.REVOKED, revoked_from=from_, revoked_at=now, reason=why.value
        )
        detail = f"{record.subject} revoked from {from_.isoformat()} ({why.value})"
        event = KeyEvent(KeyEventKind.REVOKED, record.kid, record.state, record.role, now, detail)
        metadata = self._metadata.with_changes([revoked], [event_json(event)])
        return StagedChange(self, metadata, (event,), [], self._metadata)

    def revoke(
        self, kid: bytes, from_: dt.datetime, reason: KeyRevocationReason | str, now: dt.datetime
    ) -> KeyEvent:
        """Revoke a key from a date: what it signed from then on becomes invalid."""
        staged = self.stage_revoke(kid, from_, reason, now)
        staged.commit()
        return staged.events[0]

    # --- internals -----------------------------------------------------------------------

    def _signing_key(self, kid: Kid, passphrase: str) -> SigningKey:
        return SigningKey(kid, self.load_private(kid, passphrase), self.certificate(kid))

    def _one(self, role: KeyRole, state: Country | None) -> KeyRecord:
        found = [r for r in self._metadata.keys if r.role is role and r.state is state]
        if not found:
            where = f" for {state.value}" if state else ""
            raise KeyStoreError(
                f"the key store at {self.path} has no {role.value} key{where}",
                hint="run `aes-id keys init` (with --force to replace the store)",
            )
        return found[-1]

    def _signers(self, state: Country) -> list[KeyRecord]:
        return [
            r for r in self._metadata.keys if r.role is KeyRole.DOCUMENT_SIGNER and r.state is state
        ]

    def _active_signer_record(self, state: Country) -> KeyRecord:
        active = [r for r in self._signers(state) if r.status is KeyStatus.ACTIVE]
        if not active:
            raise KeyStoreError(
                f"no active Document Signer for {state.value} in {self.path}",
                hint=f"run `aes-id keys rotate --state {state.value}`",
            )
        return active[-1]

    def _load_certificate(self, name: str) -> x509.Certificate:
        if name not in self._certificates:
            file = self.path / name
            try:
                self._certificates[name] = certs.load_pem(read_file(file), str(file))
            except InputError as exc:
                raise KeyStoreError(exc.message) from None
        return self._certificates[name]


def stage_init(
    path: Path | str,
    passphrase: str,
    now: dt.datetime,
    states: Iterable[Country] = tuple(Country),
    *,
    force: bool = False,
    key_factory: KeyFactory | None = None,
) -> StagedChange[KeyStore]:
    """Stage a new store: the root, a State CA and a Document Signer per state, the log key.

    Refuses to replace an existing store unless ``force``; then, at the commit,
    the old store's files move to ``replaced-<time>/`` inside the directory (never
    deleted, and moved back if the change is reverted). ``staged.store`` is the
    new store and ``staged.events`` the key events of its creation.
    """
    path, now = Path(path), utc_second(now)
    secret(passphrase)
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
        records, events = stage.hierarchy(tuple(states), now)
    empty = StoreMetadata(old.generation if old else 0, (), ())
    metadata = empty.with_changes(records, [event_json(event) for event in events])

    def set_old_store_aside() -> Callable[[], None]:
        assert old is not None
        target, moved = archive(path, old, metadata, now)
        return lambda: unarchive(path, target, moved)

    on_commit = set_old_store_aside if old is not None else None
    store = KeyStore(path, empty)
    return StagedChange(store, metadata, tuple(events), stage.created, old, on_commit)


def init_store(
    path: Path | str,
    passphrase: str,
    now: dt.datetime,
    states: Iterable[Country] = tuple(Country),
    *,
    force: bool = False,
    key_factory: KeyFactory | None = None,
) -> KeyStore:
    """Create and commit a new store at once (see :func:`stage_init`); its creation
    events are in :meth:`KeyStore.events`."""
    staged = stage_init(path, passphrase, now, states, force=force, key_factory=key_factory)
    staged.commit()
    return staged.store
