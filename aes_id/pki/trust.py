"""The trust list: every State CA and Document Signer certificate, signed by the root. Pure.

This module is also the one door to the lists a verifier needs: it re-exports the
revocation list (:mod:`aes_id.pki.revocation`) and the freshness warnings
(:mod:`aes_id.pki.signedlist`).

A border post holds the root certificate (its trust anchor) and the trust list;
:func:`parse_trust_list` turns the file into a checked :class:`TrustList`, and
:meth:`TrustList.signer_status` answers "may this kid have signed at that time".
The payload is deterministic CBOR (RFC 8949 §4.2.1) in a COSE_Sign1 (RFC 9052)::

    {"type": "aes-id/trust-list", "v": 1, "seq": 3,
     "issued_at": 1773480600, "next_update": 1774085400,
     "entries": [{"kid": h'…', "role": "state-ca" | "document-signer", "state": "MLI",
                  "cert": h'<DER>', "status": "active" | "retired" | "revoked",
                  ? "revoked_from": 1773400000, ? "reason": "key-compromise",
                  ? "retired_at": 1773480600}, …]}

The clock is always a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aes_id.domain import Country, Kid
from aes_id.errors import InputError
from aes_id.formats.cose import sign1
from aes_id.pki.certs import (
    CertificateError,
    KeyRole,
    KeyStatus,
    check_issued_by,
    check_role,
    check_root,
    kid_of,
    load_der,
    public_key_of,
    signing_period,
    state_of,
)
from aes_id.pki.signedlist import (
    FORMAT_VERSION,
    ListFormatError,
    ListSignatureError,
    body_of,
    check_header,
    check_time,
    clock_warning,
    encode,
    freshness_warnings,
    require_deterministic,
    seconds,
    staleness_warning,
    time_field,
    typed_field,
    uint_field,
    verified_payload,
    whole_second,
)

__all__ = [
    "TRUST_LIST_NEXT_UPDATE",
    "ListFormatError",
    "ListSignatureError",
    "SignerStatus",
    "TrustEntry",
    "TrustList",
    "build_trust_list",
    "clock_warning",
    "encode_trust_list",
    "freshness_warnings",
    "parse_trust_list",
    "sign_trust_list",
    "staleness_warning",
]

TRUST_LIST_TYPE = "aes-id/trust-list"
TRUST_LIST_NEXT_UPDATE = dt.timedelta(days=7)


@dataclass(frozen=True)
class TrustEntry:
    """One State CA or Document Signer certificate in the trust list, with its status."""

    kid: Kid
    role: KeyRole
    state: Country
    certificate: bytes = dataclass_field(repr=False)
    status: KeyStatus
    revoked_from: dt.datetime | None = None
    reason: str | None = None
    retired_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.role not in (KeyRole.STATE_CA, KeyRole.DOCUMENT_SIGNER):
            raise ValueError(
                f"a trust list holds State CAs and Document Signers, not a {self.role.value} key"
            )
        if (self.status is KeyStatus.REVOKED) != (self.revoked_from is not None):
            raise ValueError("revoked_from is set exactly when the status is revoked")
        for moment in (self.revoked_from, self.retired_at):
            if moment is not None:
                check_time(moment)

    @cached_property
    def cert(self) -> x509.Certificate:
        """The parsed certificate (parsed once)."""
        return load_der(self.certificate, f"certificate of kid {self.kid.hex()}")

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        return public_key_of(self.cert)

    @cached_property
    def signing_period(self) -> tuple[dt.datetime, dt.datetime]:
        """When this key may sign: its certificate's period, cut at retirement."""
        start, end = signing_period(self.cert)
        return start, min(end, self.retired_at) if self.retired_at else end

    @cached_property
    def issuer_key(self) -> tuple[bytes, bytes | None]:
        """The issuer's name (DER) and key identifier, to find the State CA that signed this."""
        return self.cert.issuer.public_bytes(), _authority_key_id(self.cert)

    def revoked_as_of(self, at: dt.datetime) -> bool:
        """A signature made at ``at`` or later is void once the key is revoked from a date."""
        return self.revoked_from is not None and at >= self.revoked_from


@dataclass(frozen=True)
class SignerStatus:
    """What the trust list says about a kid that signed something at time ``at``."""

    kid: Kid
    at: dt.datetime
    entry: TrustEntry | None
    revoked_from: dt.datetime | None
    in_period: bool
    problems: tuple[str, ...]

    @property
    def known(self) -> bool:
        return self.entry is not None

    @property
    def revoked(self) -> bool:
        return self.revoked_from is not None

    @property
    def trusted(self) -> bool:
        """Known, a Document Signer, not revoked as of ``at``, and signing inside its period."""
        return self.entry is not None and not self.problems

    @property
    def state(self) -> Country | None:
        return self.entry.state if self.entry else None

    @property
    def public_key(self) -> Ed25519PublicKey | None:
        return self.entry.public_key if self.entry else None


@dataclass(frozen=True)
class TrustList:
    """The root-signed list of State CA and Document Signer certificates."""

    sequence: int
    issued_at: dt.datetime
    next_update: dt.datetime
    entries: tuple[TrustEntry, ...]

    def __post_init__(self) -> None:
        check_header(self.sequence, self.issued_at, self.next_update)
        if len({entry.kid for entry in self.entries}) != len(self.entries):
            raise ValueError("a kid appears twice in the trust list")

    @property
    def label(self) -> str:
        return "trust list"

    @cached_property
    def _by_kid(self) -> dict[bytes, TrustEntry]:
        return {entry.kid: entry for entry in self.entries}

    def find(self, kid: bytes) -> TrustEntry | None:
        """The entry of ``kid``, or ``None``."""
        return self._by_kid.get(kid)

    @cached_property
    def _state_cas(self) -> dict[tuple[bytes, bytes | None], TrustEntry]:
        return {
            (entry.cert.subject.public_bytes(), _subject_key_id(entry.cert)): entry
            for entry in self.entries
            if entry.role is KeyRole.STATE_CA
        }

    def issuer_of(self, entry: TrustEntry) -> TrustEntry | None:
        """The State CA entry that issued ``entry``, by issuer name and authority key id."""
        return self._state_cas.get(entry.issuer_key)

    def verify_chains(self, root_certificate: x509.Certificate) -> None:
        """Check every entry: kid, role, state and the chain up to the root.

        Raises :class:`CertificateError` naming the first entry that fails.
        """
        check_root(root_certificate)
        active: set[Country] = set()
        for entry in self.entries:  # each link is checked once: State CAs against the root
            problem = self._link_error(entry, root_certificate)
            if problem:
                raise CertificateError(f"trust list entry {entry.kid.hex()}: {problem}")
            if entry.role is KeyRole.DOCUMENT_SIGNER and entry.status is KeyStatus.ACTIVE:
                if entry.state in active:
                    raise CertificateError(f"two active Document Signers for {entry.state.value}")
                active.add(entry.state)

    def chain_error(self, kid: bytes, root_certificate: x509.Certificate) -> str | None:
        """Why the certificate of ``kid`` does not chain to the root, or ``None`` if it does."""
        entry = self.find(kid)
        if entry is None:
            return f"kid {kid.hex()} is not in the trust list"
        problem = self._link_error(entry, root_certificate)
        issuer = self.issuer_of(entry) if entry.role is KeyRole.DOCUMENT_SIGNER else None
        if problem is None and issuer is not None:
            problem = self._link_error(issuer, root_certificate)
        return problem

    def _link_error(self, entry: TrustEntry, root_certificate: x509.Certificate) -> str | None:
        """Check one entry against its certificate and its direct issuer."""
        try:
            if kid_of(entry.cert) != entry.kid:
                return f"kid {entry.kid.hex()} is not the hash of its certificate"
            check_role(entry.cert, entry.role)
            named = state_of(entry.cert)
            if named is not entry.state:
                found = named.value if named else "none"
                return f"certificate names state {found}, entry says {entry.state.value}"
            if entry.role is KeyRole.STATE_CA:
                check_issued_by(entry.cert, root_certificate)
                return None
            issuer = self.issuer_of(entry)
            if issuer is None or issuer.state is not entry.state:
                return f"the State CA of {entry.state.value} that issued it is not in the list"
            check_issued_by(entry.cert, issuer.cert)
        except (CertificateError, InputError) as exc:
            return exc.message
        return None

    def signer_status(self, kid: bytes, at: dt.datetime) -> SignerStatus:
        """May ``kid`` have signed a card at ``at`` (the card's iat)?

        A signer revoked from date D (or whose State CA is) voids what it signed
        at D or later; a retired signer's earlier signatures stand.
        """
        entry = self.find(kid)
        if entry is None:
            problem = f"kid {kid.hex()} is not in the trust list #{self.sequence}"
            return SignerStatus(Kid(kid), at, None, None, False, (problem,))
        problems: list[str] = []
        if entry.role is not KeyRole.DOCUMENT_SIGNER:
            problems.append(f"kid {kid.hex()} is a State CA, not a Document Signer")
        revocations = [
            (holder, item.revoked_from)
            for holder, item in (("signer", entry), ("its State CA", self.issuer_of(entry)))
            if item is not None and item.revoked_from is not None and item.revoked_as_of(at)
        ]
        for holder, since in revocations:
            problems.append(f"{holder} is revoked from {since:%Y-%m-%d %H:%M} UTC")
        revoked_from = min((since for _, since in revocations), default=None)
        start, end = entry.signing_period
        in_period = start <= at <= end
        if not in_period:
            problems.append(
                f"signed at {at:%Y-%m-%d %H:%M} UTC, outside the signer's period "
                f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
            )
        return SignerStatus(Kid(kid), at, entry, revoked_from, in_period, tuple(problems))


def build_trust_list(
    sequence: int,
    now: dt.datetime,
    entries: Iterable[TrustEntry],
    next_update: dt.datetime | None = None,
) -> TrustList:
    """A trust list issued ``now``: State CAs first, then signers, each by state and age."""
    issued = whole_second(now)
    order = {country: index for index, country in enumerate(Country)}
    ordered = sorted(
        entries,
        key=lambda e: (
            e.role is KeyRole.DOCUMENT_SIGNER,
            order[e.state],
            e.cert.not_valid_before_utc,
        ),
    )
    due = whole_second(next_update) if next_update else issued + TRUST_LIST_NEXT_UPDATE
    return TrustList(sequence, issued, due, tuple(ordered))


def encode_trust_list(trust_list: TrustList) -> bytes:
    """The deterministic CBOR payload of a trust list."""
    body = {
        "type": TRUST_LIST_TYPE,
        "v": FORMAT_VERSION,
        "seq": trust_list.sequence,
        "issued_at": seconds(trust_list.issued_at),
        "next_update": seconds(trust_list.next_update),
        "entries": [_entry_map(entry) for entry in trust_list.entries],
    }
    return encode(body)


def sign_trust_list(trust_list: TrustList, root_key: Ed25519PrivateKey, root_kid: bytes) -> bytes:
    """The COSE_Sign1 file of a trust list, signed by the root."""
    return sign1(encode_trust_list(trust_list), kid=root_kid, key=root_key)


def parse_trust_list(data: bytes, root_certificate: x509.Certificate) -> TrustList:
    """Verify and read a trust list file.

    1. COSE_Sign1 structure, EdDSA in the protected header (RFC 9052 §4.2).
    2. The protected kid is the root's and the signature verifies with its key.
    3. The payload is the deterministic CBOR of a well-formed trust list.
    4. Every certificate matches its kid, role and state and chains to the root.
    """
    check_root(root_certificate)
    payload = verified_payload(data, "trust list", kid_of(root_certificate), root_certificate)
    body = body_of(payload, TRUST_LIST_TYPE, "trust list")
    entries = typed_field(body, "entries", Sequence, "trust list")
    try:
        trust_list = TrustList(
            sequence=uint_field(body, "seq", "trust list"),
            issued_at=time_field(body, "issued_at", "trust list"),
            next_update=time_field(body, "next_update", "trust list"),
            entries=tuple(_parse_entry(item, index) for index, item in enumerate(entries)),
        )
    except ListFormatError:
        raise
    except ValueError as exc:
        raise ListFormatError(f"trust list: {exc}") from None
    require_deterministic(payload, encode_trust_list(trust_list), "trust list")
    trust_list.verify_chains(root_certificate)
    return trust_list


# --- internals -----------------------------------------------------------------------------


def _parse_entry(item: Any, index: int) -> TrustEntry:
    what = f"trust list entry {index}"
    if not isinstance(item, Mapping):
        raise ListFormatError(f"{what} is not a map")
    kid = typed_field(item, "kid", bytes, what)
    if len(kid) != 8:
        raise ListFormatError(f"{what}: kid has {len(kid)} bytes, expected 8")
    try:
        role = KeyRole(typed_field(item, "role", str, what))
        state = Country(typed_field(item, "state", str, what))
        status = KeyStatus(typed_field(item, "status", str, what))
    except ValueError as exc:
        raise ListFormatError(f"{what}: {exc}") from None
    return TrustEntry(
        kid=Kid(kid),
        role=role,
        state=state,
        certificate=typed_field(item, "cert", bytes, what),
        status=status,
        revoked_from=time_field(item, "revoked_from", what) if "revoked_from" in item else None,
        reason=typed_field(item, "reason", str, what) if "reason" in item else None,
        retired_at=time_field(item, "retired_at", what) if "retired_at" in item else None,
    )


def _entry_map(entry: TrustEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kid": bytes(entry.kid),
        "role": entry.role.value,
        "state": entry.state.value,
        "cert": entry.certificate,
        "status": entry.status.value,
    }
    if entry.revoked_from is not None:
        item["revoked_from"] = seconds(entry.revoked_from)
    if entry.reason is not None:
        item["reason"] = entry.reason
    if entry.retired_at is not None:
        item["retired_at"] = seconds(entry.retired_at)
    return item


def _authority_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        ext = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        return None
    return ext.value.key_identifier


def _subject_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        ext = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return None
    return ext.value.digest
