"""Making keys: the hierarchy's keys and certificates, written as new files of the store.

:class:`Stage` generates Ed25519 keys, has them certified (see :mod:`aes_id.pki.certs`),
writes each as an encrypted PKCS#8 PEM (mode 0600) beside its certificate, and
describes what it made as :class:`~aes_id.pki.keyfiles.KeyRecord` rows and
:class:`KeyEvent` values. Nothing is visible until the key store replaces
``store.json`` (:mod:`aes_id.pki.keys`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aes_id.domain import Country, Kid
from aes_id.errors import KeyStoreError, UsageError
from aes_id.formats.note import NoteVerifier
from aes_id.pki import certs
from aes_id.pki.certs import Issuer, KeyRole, KeyStatus
from aes_id.pki.keyfiles import KeyRecord, write_file

LOG_KEY_NAME = "aes-id/registry-log"
"""The C2SP signed-note key name of the signature log (equal to the log's origin)."""
MIN_PASSPHRASE = 12
"""The fewest characters of a new key store's passphrase (its keys are only as strong)."""
KeyFactory = Callable[[], Ed25519PrivateKey]


class KeyEventKind(enum.Enum):
    """What happened to a key: the first key of a role, a new signer replacing one, a revocation."""

    GENERATED = "generated"
    ROTATED = "rotated"
    REVOKED = "revoked"


@dataclass(frozen=True)
class KeyEvent:
    """A key generated, rotated in, or revoked: what the audit log records as a ``key`` leaf.

    ``signed`` holds the exact bytes that were signed (the certificate DER) and
    ``signed_by`` the issuer's kid; both are ``None`` when no signature was made
    (a revocation, which takes effect through the next signed trust list; the
    log key, which has no certificate).
    """

    kind: KeyEventKind
    kid: Kid
    state: Country | None
    role: KeyRole
    at: dt.datetime
    detail: str
    signed: bytes | None = None
    signed_by: Kid | None = None

    def logged_bytes(self) -> bytes:
        """What the leaf's ``h`` hashes: the signed bytes, else the event's deterministic CBOR."""
        if self.signed is not None:
            return self.signed
        record = {
            "kind": self.kind.value,
            "kid": bytes(self.kid),
            "at": int(self.at.timestamp()),
            "detail": self.detail,
        }
        return bytes(cbor2.dumps(record, canonical=True))

    def log_hash(self) -> bytes:
        """The leaf's ``h``: SHA-256 of :meth:`logged_bytes`."""
        return hashlib.sha256(self.logged_bytes()).digest()


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


def revocation(
    record: KeyRecord, from_: dt.datetime, reason: KeyRevocationReason, now: dt.datetime
) -> tuple[KeyRecord, KeyEvent]:
    """``record`` revoked from ``from_`` (decided ``now``), and the event that says so."""
    revoked = replace(
        record, status=KeyStatus.REVOKED, revoked_from=from_, revoked_at=now, reason=reason.value
    )
    detail = f"{record.subject} revoked from {from_.isoformat()} ({reason.value})"
    event = KeyEvent(KeyEventKind.REVOKED, record.kid, record.state, record.role, now, detail)
    return revoked, event


def retire(records: Iterable[KeyRecord], now: dt.datetime) -> list[KeyRecord]:
    """``records`` retired at ``now``: what they signed before stays valid."""
    return [replace(r, status=KeyStatus.RETIRED, retired_at=now) for r in records]


def successor(event: KeyEvent, old: KeyRecord, what: str) -> KeyEvent:
    """A key's generation event, told as the rotation that replaces ``old`` (now ``what``)."""
    detail = f"{event.detail}; replaces {old.kid.hex()}, now {what}"
    return replace(event, kind=KeyEventKind.ROTATED, detail=detail)


class SigningKey(NamedTuple):
    """A private key ready to sign, with its kid and certificate."""

    kid: Kid
    private_key: Ed25519PrivateKey
    certificate: x509.Certificate


def note_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """C2SP signed-note key id: ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``."""
    return NoteVerifier(name, public_key.public_bytes_raw()).key_id


def note_verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """C2SP signed-note verifier key: ``name+hex(key id)+base64(0x01 || public key)``."""
    return NoteVerifier(name, public_key.public_bytes_raw()).to_text()


def log_kid(public_key: Ed25519PublicKey) -> Kid:
    """The log key's kid (it has no certificate): SHA-256 over its SubjectPublicKeyInfo DER."""
    spki = public_key.public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
    return Kid(hashlib.sha256(spki).digest()[:8])


class Stage:
    """Writes the files of new keys and remembers them, so that a failure removes them all."""

    def __init__(self, path: Path, passphrase: str, key_factory: KeyFactory | None) -> None:
        self.path = path
        self.created: list[Path] = []
        self._encryption = ser.BestAvailableEncryption(secret(passphrase))
        self._new_key = key_factory or Ed25519PrivateKey.generate

    @contextlib.contextmanager
    def cleanup_on_error(self) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            for file in self.created:
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()
            if isinstance(exc, OSError):
                raise KeyStoreError(
                    f"could not write the key store at {self.path}: {exc}"
                ) from None
            raise

    def hierarchy(
        self, states: tuple[Country, ...], now: dt.datetime
    ) -> tuple[list[KeyRecord], list[KeyEvent]]:
        """Root, then per state a State CA and its first Document Signer, then the log key."""
        root_key = self._new_key()
        root_cert = certs.build_root(root_key, now)
        record, event = self._certified(KeyRole.ROOT, None, root_key, root_cert, None, now)
        root = SigningKey(record.kid, root_key, root_cert)
        records, events = [record], [event]
        for state in states:
            record, event, ca = self.state_ca(state, root, now)
            signer, signer_event = self.document_signer(state, ca, now, 1)
            records += [record, signer]
            events += [event, signer_event]
        record, event = self._log_key(now)
        return [*records, record], [*events, event]

    def state_ca(
        self, state: Country, root: SigningKey, now: dt.datetime
    ) -> tuple[KeyRecord, KeyEvent, SigningKey]:
        """A State CA certified by the root: its record, its event, and the key to certify with."""
        key = self._new_key()
        cert = certs.build_state_ca(state, key, Issuer(root.private_key, root.certificate), now)
        record, event = self._certified(KeyRole.STATE_CA, state, key, cert, root, now)
        return record, event, SigningKey(record.kid, key, cert)

    def document_signer(
        self, state: Country, ca: SigningKey, now: dt.datetime, number: int
    ) -> tuple[KeyRecord, KeyEvent]:
        """The state's Document Signer number ``number``, certified by its State CA ``ca``."""
        key = self._new_key()
        issuer = Issuer(ca.private_key, ca.certificate)
        cert = certs.build_document_signer(state, key, issuer, now, number)
        return self._certified(KeyRole.DOCUMENT_SIGNER, state, key, cert, ca, now)

    def replacement_ca(
        self, root: SigningKey, old_ca: KeyRecord, signers: list[KeyRecord], now: dt.datetime
    ) -> tuple[list[KeyRecord], tuple[KeyEvent, KeyEvent]]:
        """A State CA replacing the revoked ``old_ca``, with a first signer under it.

        The state's ``signers`` still active retire. Returns the changed and new
        records, and the two events (the new CA's, the new signer's).
        """
        assert old_ca.state is not None
        record, event, ca = self.state_ca(old_ca.state, root, now)
        signer, signer_event = self.document_signer(old_ca.state, ca, now, len(signers) + 1)
        old = [r for r in signers if r.status is KeyStatus.ACTIVE]
        if old:
            signer_event = successor(signer_event, old[0], "retired")
        records = [*retire(old, now), record, signer]
        return records, (successor(event, old_ca, "revoked"), signer_event)

    def _certified(
        self,
        role: KeyRole,
        state: Country | None,
        key: Ed25519PrivateKey,
        cert: x509.Certificate,
        issuer: SigningKey | None,
        now: dt.datetime,
    ) -> tuple[KeyRecord, KeyEvent]:
        kid = certs.kid_of(cert)
        stem = "-".join(
            part for part in (role.value, state.value if state else "", kid.hex()) if part
        )
        self._write(f"{stem}.key.pem", self._private_pem(key), 0o600)
        self._write(f"{stem}.crt.pem", cert.public_bytes(ser.Encoding.PEM), 0o644)
        signing = certs.signing_period(cert) if role is KeyRole.DOCUMENT_SIGNER else (None, None)
        issuer_kid = issuer.kid if issuer else kid
        record = KeyRecord(
            kid=kid,
            role=role,
            state=state,
            status=KeyStatus.ACTIVE,
            subject=certs.common_name(cert),
            created_at=now,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            key_file=f"{stem}.key.pem",
            cert_file=f"{stem}.crt.pem",
            issuer=issuer_kid,
            signing_from=signing[0],
            signing_until=signing[1],
        )
        detail = (
            f"{record.subject} generated, valid {record.not_before:%Y-%m-%d} "
            f"to {cert.not_valid_after_utc:%Y-%m-%d}"
        )
        event = KeyEvent(KeyEventKind.GENERATED, kid, state, role, now, detail)
        return record, replace(event, signed=certs.der_of(cert), signed_by=issuer_kid)

    def _log_key(self, now: dt.datetime) -> tuple[KeyRecord, KeyEvent]:
        key = self._new_key()
        kid = log_kid(key.public_key())
        stem = f"log-{kid.hex()}"
        public = key.public_key().public_bytes(
            ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo
        )
        self._write(f"{stem}.key.pem", self._private_pem(key), 0o600)
        self._write(f"{stem}.pub.pem", public, 0o644)
        record = KeyRecord(
            kid=kid,
            role=KeyRole.LOG,
            state=None,
            status=KeyStatus.ACTIVE,
            subject=LOG_KEY_NAME,
            created_at=now,
            not_before=now,
            not_after=None,
            key_file=f"{stem}.key.pem",
            cert_file=f"{stem}.pub.pem",
        )
        verifier = note_verifier_key(LOG_KEY_NAME, key.public_key())
        detail = f"log key generated, verifier key {verifier}"
        return record, KeyEvent(KeyEventKind.GENERATED, kid, None, KeyRole.LOG, now, detail)

    def _private_pem(self, key: Ed25519PrivateKey) -> bytes:
        return key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, self._encryption)

    def _write(self, name: str, data: bytes, mode: int) -> None:
        file = self.path / name
        existed = file.exists()
        write_file(file, data, mode)
        if not existed:
            self.created.append(file)


def event_json(event: KeyEvent) -> dict[str, str]:
    return {
        "kind": event.kind.value,
        "kid": event.kid.hex(),
        "at": event.at.isoformat(),
        "detail": event.detail,
    }


def secret(passphrase: str) -> bytes:
    if not passphrase:
        raise UsageError("the key store passphrase is empty")
    return passphrase.encode()


def check_clock(keys: Iterable[KeyRecord], now: dt.datetime) -> None:
    """Refuse to make a key dated before the newest one: the clock was set back."""
    newest = max(record.created_at for record in keys)
    if now < newest:
        raise UsageError(
            f"the clock reads {now:%Y-%m-%d %H:%M}, before the newest key was made "
            f"({newest:%Y-%m-%d %H:%M}): check the clock"
        )


def check_new_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too short for a new key store (:data:`MIN_PASSPHRASE` characters)."""
    secret(passphrase)
    if len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(
            f"the key store passphrase has {len(passphrase)} characters: "
            f"it needs at least {MIN_PASSPHRASE}",
            hint="choose a longer one (a few words), in AES_ID_KEY_PASSPHRASE or at the prompt",
        )
