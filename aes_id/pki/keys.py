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
from collections.abc import Iterable
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
    read_file,
    read_metadata,
    utc_second,
)
from aes_id.pki.keygen import (
    LOG_KEY_NAME,
    MIN_PASSPHRASE,
    KeyEvent,
    KeyEventKind,
    KeyFactory,
    KeyRevocationReason,
    SigningKey,
    Stage,
    check_clock,
    event_json,
    log_kid,
    note_key_id,
    note_verifier_key,
    retire,
    revocation,
    secret,
    successor,
)
from aes_id.pki.staging import StagedChange, prepare_new_store
from aes_id.pki.trust import TrustEntry, TrustList, build_trust_list

__all__ = [
    "DEFAULT_STORE",
    "LOG_KEY_NAME",
    "MIN_PASSPHRASE",
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
Reason = KeyRevocationReason | str


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

    @staticmethod
    def exists(path: Path | str = DEFAULT_STORE) -> bool:
        """Whether ``path`` holds a key store (its ``store.json``)."""
        return (Path(path) / METADATA_FILE).exists()

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
        """The State CA of ``state`` (signs the state's revocation list); refused once revoked."""
        return self._signing_key(self._usable_ca(state).kid, passphrase)

    def state_ca_revoked(self, state: Country) -> KeyRecord | None:
        """The record of the state's current State CA if it is revoked, else ``None``."""
        record = self._one(KeyRole.STATE_CA, state)
        return record if record.status is KeyStatus.REVOKED else None

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
        old = [r for r in self._signers(state) if r.status is KeyStatus.ACTIVE]
        record, event, created = self._new_signer(state, passphrase, now, key_factory)
        if old:
            event = successor(event, old[0], "retired")
        metadata = self._metadata.with_changes([*retire(old, now), record], [event_json(event)])
        return StagedChange(self, metadata, (event,), created, self._metadata)

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
        self,
        kid: bytes,
        from_: dt.datetime,
        reason: Reason,
        now: dt.datetime,
        *,
        passphrase: str | None = None,
        key_factory: KeyFactory | None = None,
    ) -> StagedChange[KeyStore]:
        """Stage the revocation of a State CA or Document Signer from ``from_`` on.

        Given the ``passphrase``, revoking the state's active Document Signer also
        stages its successor (certified by the State CA, unless that is revoked
        too), so that the state is not left without a signer: the events are the
        revocation, then the new signer's.
        """
        record = self.record(kid)
        if record.role in (KeyRole.ROOT, KeyRole.LOG):
            raise UsageError(
                f"the {record.role.value} key cannot be revoked: replace the whole store "
                "with `aes-id keys init --force`"
            )
        if record.revoked_from is not None:
            raise UsageError(f"key {kid.hex()} is already revoked from {record.revoked_from}")
        why = KeyRevocationReason.parse(reason) if isinstance(reason, str) else reason
        now = utc_second(now)
        revoked, event = revocation(record, utc_second(from_), why, now)
        changes, events, created = [revoked], [event], list[Path]()
        if passphrase is not None and self._needs_successor(record):
            assert record.state is not None
            signer, new, created = self._new_signer(record.state, passphrase, now, key_factory)
            changes.append(signer)
            events.append(successor(new, record, "revoked"))
        metadata = self._metadata.with_changes(changes, [event_json(e) for e in events])
        return StagedChange(self, metadata, tuple(events), created, self._metadata)

    def revoke(self, kid: bytes, from_: dt.datetime, reason: Reason, now: dt.datetime) -> KeyEvent:
        """Revoke a key from a date: what it signed from then on becomes invalid."""
        staged = self.stage_revoke(kid, from_, reason, now)
        staged.commit()
        return staged.events[0]

    def stage_replace_ca(
        self,
        state: Country,
        passphrase: str,
        now: dt.datetime,
        key_factory: KeyFactory | None = None,
    ) -> StagedChange[KeyStore]:
        """Stage a new State CA for ``state`` (its CA is revoked) and a first signer under it.

        The root certifies the new CA; the state's signers under the old one that
        are still active retire. The events are the new CA's, then the new signer's.
        """
        now = utc_second(now)
        old_ca = self._one(KeyRole.STATE_CA, state)
        if old_ca.status is not KeyStatus.REVOKED:
            raise UsageError(
                f"the State CA {old_ca.kid.hex()} of {state.value} is not revoked: "
                "only a revoked State CA is replaced",
                hint=f"revoke it first: `aes-id keys revoke {old_ca.kid.hex()} --from DATE "
                "--reason ca-compromise`",
            )
        check_clock(self._metadata.keys, now)
        root = self.root_key(passphrase)
        stage = Stage(self.path, passphrase, key_factory)
        with stage.cleanup_on_error():
            records, events = stage.replacement_ca(root, old_ca, self._signers(state), now)
        metadata = self._metadata.with_changes(records, [event_json(e) for e in events])
        return StagedChange(self, metadata, events, stage.created, self._metadata)

    # --- internals -----------------------------------------------------------------------

    def _signing_key(self, kid: Kid, passphrase: str) -> SigningKey:
        return SigningKey(kid, self.load_private(kid, passphrase), self.certificate(kid))

    def _usable_ca(self, state: Country) -> KeyRecord:
        record = self._one(KeyRole.STATE_CA, state)
        if record.revoked_from is not None:
            raise KeyStoreError(
                f"the State CA of {state.value} is revoked from "
                f"{record.revoked_from:%Y-%m-%d %H:%M} UTC (kid {record.kid.hex()}): "
                "it signs nothing more",
                hint=f"run `aes-id keys replace-ca --state {state.value}`",
            )
        return record

    def _needs_successor(self, record: KeyRecord) -> bool:
        """Whether revoking ``record`` leaves its state without an active signer to replace."""
        return (
            record.role is KeyRole.DOCUMENT_SIGNER
            and record.status is KeyStatus.ACTIVE
            and record.state is not None
            and self.state_ca_revoked(record.state) is None
        )

    def _new_signer(
        self, state: Country, passphrase: str, now: dt.datetime, key_factory: KeyFactory | None
    ) -> tuple[KeyRecord, KeyEvent, list[Path]]:
        """A new Document Signer of ``state``, certified by its State CA, staged on disk."""
        ca_record = self._usable_ca(state)
        check_clock(self._metadata.keys, now)
        ca = self._signing_key(ca_record.kid, passphrase)
        stage = Stage(self.path, passphrase, key_factory)
        with stage.cleanup_on_error():
            record, event = stage.document_signer(state, ca, now, len(self._signers(state)) + 1)
        return record, event, stage.created

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
    path = Path(path)
    new = prepare_new_store(path, passphrase, utc_second(now), tuple(states), force, key_factory)
    store = KeyStore(path, StoreMetadata(new.metadata.generation - 1, (), ()))
    return StagedChange(store, new.metadata, new.events, new.created, new.old, new.on_commit)


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
