"""X.509 v3 certificates of the AES hierarchy: build them, read them, check them.

```
AES Confederal Root CA        self-signed, CA, path length 1, 30 years
  └─ AES State CA MLI/BFA/NER  CA, path length 0, 25 years
       └─ AES Document Signer   end entity, digitalSignature, signs cards for 3 years
                                 (PrivateKeyUsagePeriod), certificate valid 14 years
```

All keys are Ed25519 (RFC 8410). Extensions follow RFC 5280 §4.2: basic
constraints and key usage critical, subject and authority key identifiers on
every certificate. A Document Signer's signing period is carried in the
PrivateKeyUsagePeriod extension (OID 2.5.29.16, RFC 3280 §4.2.1.4; left out of
RFC 5280's profile, kept by ICAO Doc 9303 Part 12 for document signers); its
certificate stays valid for the card validity (10 years) and a margin past the
end of that period, so that it outlives every card it signed.

Pure: no file I/O, the clock is a parameter.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from aes_id.domain import Country, Kid
from aes_id.errors import InputError, TrustError

ORGANIZATION = "Confédération des États du Sahel"
ROOT_COMMON_NAME = "AES Confederal Root CA"

ROOT_VALIDITY_YEARS = 30
STATE_CA_VALIDITY_YEARS = 25
SIGNING_PERIOD_YEARS = 3
CARD_VALIDITY_YEARS = 10
SIGNER_MARGIN = dt.timedelta(days=365)
"""Past the last card's expiry: covers the end-of-day expiry rule and clock skew."""


class KeyRole(enum.Enum):
    """What a key is for."""

    ROOT = "root"
    STATE_CA = "state-ca"
    DOCUMENT_SIGNER = "document-signer"
    LOG = "log"


class KeyStatus(enum.Enum):
    """Where a key is in its life: signing, retired (its signatures stand), or revoked."""

    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


class CertificateError(TrustError):
    """A certificate that is not what the AES hierarchy issues, or not signed by its issuer."""


@dataclass(frozen=True)
class Issuer:
    """The key and certificate that sign a new certificate."""

    key: Ed25519PrivateKey
    certificate: x509.Certificate


def kid_of(certificate: x509.Certificate) -> Kid:
    """The kid: the first 8 bytes of SHA-256 over the certificate's DER (docs/credential.md)."""
    return Kid(hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest()[:8])


def der_of(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.DER)


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    """The same instant ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def build_root(key: Ed25519PrivateKey, now: dt.datetime) -> x509.Certificate:
    """The self-signed AES Confederal Root CA (path length 1: State CAs below, nothing more)."""
    name = _name(None, ROOT_COMMON_NAME)
    start = _second(now)
    builder = _base(name, name, key.public_key(), start, add_years(start, ROOT_VALIDITY_YEARS))
    builder = _ca_extensions(builder, key.public_key(), key.public_key(), path_length=1)
    return builder.sign(key, None)


def build_state_ca(
    state: Country, key: Ed25519PrivateKey, root: Issuer, now: dt.datetime
) -> x509.Certificate:
    """A State CA certificate, signed by the root (path length 0: it signs only end entities)."""
    start = _second(now)
    end = min(add_years(start, STATE_CA_VALIDITY_YEARS), root.certificate.not_valid_after_utc)
    name = _name(state, f"AES State CA {state.value}")
    builder = _base(name, root.certificate.subject, key.public_key(), start, end)
    builder = _ca_extensions(builder, key.public_key(), root.key.public_key(), path_length=0)
    return builder.sign(root.key, None)


def build_document_signer(
    state: Country, key: Ed25519PrivateKey, ca: Issuer, now: dt.datetime, number: int
) -> x509.Certificate:
    """A Document Signer certificate for ``state``, signed by its State CA.

    The signing period is ``now`` plus 3 years, shortened if needed so that the
    certificate (signing period + card validity + margin) ends within its CA's.
    """
    start = _second(now)
    ca_end = ca.certificate.not_valid_after_utc
    latest_signing_end = add_years(ca_end - SIGNER_MARGIN, -CARD_VALIDITY_YEARS)
    signing_end = min(add_years(start, SIGNING_PERIOD_YEARS), latest_signing_end)
    if signing_end <= start:
        raise CertificateError(
            f"State CA {state.value} expires {ca_end:%Y-%m-%d}: too soon to certify a signer "
            f"whose cards must stay valid {CARD_VALIDITY_YEARS} years",
            hint="renew the State CA (not supported by this simulator: run `aes-id keys init`)",
        )
    end = add_years(signing_end, CARD_VALIDITY_YEARS) + SIGNER_MARGIN
    name = _name(state, f"AES Document Signer {state.value} {number:02d}")
    builder = _base(name, ca.certificate.subject, key.public_key(), start, end)
    usage = _key_usage(digital_signature=True)
    builder = (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_authority_key_id(ca.key.public_key()), critical=False)
        .add_extension(_usage_period(start, signing_end), critical=False)
    )
    return builder.sign(ca.key, None)


def load_der(der: bytes, what: str = "certificate") -> x509.Certificate:
    """Parse DER bytes; :class:`InputError` naming ``what`` when they are not a certificate."""
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise InputError(f"{what} is not a DER X.509 certificate: {exc}") from None


def load_pem(pem: bytes, what: str = "certificate") -> x509.Certificate:
    """Parse PEM bytes; :class:`InputError` naming ``what`` when they are not a certificate."""
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise InputError(f"{what} is not a PEM X.509 certificate: {exc}") from None


def public_key_of(certificate: x509.Certificate) -> Ed25519PublicKey:
    key = certificate.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise CertificateError(
            f"certificate {certificate.subject.rfc4514_string()} has a "
            f"{type(key).__name__}, expected an Ed25519 key"
        )
    return key


def state_of(certificate: x509.Certificate) -> Country | None:
    """The state named by the subject's C attribute (``None`` for the root)."""
    values = certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    if not values:
        return None
    return Country.parse(str(values[0].value))


def common_name(certificate: x509.Certificate) -> str:
    values = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else certificate.subject.rfc4514_string()


def signing_period(certificate: x509.Certificate) -> tuple[dt.datetime, dt.datetime]:
    """When the key may sign: PrivateKeyUsagePeriod if present, else the certificate validity."""
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    try:
        period = certificate.extensions.get_extension_for_class(x509.PrivateKeyUsagePeriod).value
    except x509.ExtensionNotFound:
        return start, end
    if period.not_before is not None:
        start = period.not_before.replace(tzinfo=dt.UTC)
    if period.not_after is not None:
        end = period.not_after.replace(tzinfo=dt.UTC)
    return start, end


def check_role(certificate: x509.Certificate, role: KeyRole) -> None:
    """Check basic constraints and key usage against ``role``; :class:`CertificateError` if not."""
    public_key_of(certificate)
    who = common_name(certificate)
    try:
        basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    except x509.ExtensionNotFound as exc:
        raise CertificateError(f"certificate {who!r} lacks an extension: {exc}") from None
    if not (basic.critical and usage.critical):
        raise CertificateError(
            f"certificate {who!r}: basic constraints and key usage must be critical"
        )
    is_ca = role in (KeyRole.ROOT, KeyRole.STATE_CA)
    if basic.value.ca != is_ca:
        found = "a CA" if basic.value.ca else "not a CA"
        raise CertificateError(f"certificate {who!r} is {found}, expected a {role.value}")
    if role is KeyRole.STATE_CA and basic.value.path_length != 0:
        raise CertificateError(
            f"State CA {who!r} has path length {basic.value.path_length}, expected 0"
        )
    if is_ca and not (usage.value.key_cert_sign and usage.value.crl_sign):
        raise CertificateError(f"CA {who!r} lacks keyCertSign and cRLSign key usage")
    if not is_ca and (not usage.value.digital_signature or usage.value.key_cert_sign):
        raise CertificateError(
            f"Document Signer {who!r} must have digitalSignature key usage and no other"
        )


def check_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> None:
    """Check the signature of ``issuer`` on ``certificate`` and that the validity nests."""
    who, by = common_name(certificate), common_name(issuer)
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature) as exc:
        detail = str(exc) or "signature does not verify"
        raise CertificateError(f"certificate {who!r} is not issued by {by!r}: {detail}") from None
    if (
        certificate.not_valid_before_utc < issuer.not_valid_before_utc
        or certificate.not_valid_after_utc > issuer.not_valid_after_utc
    ):
        raise CertificateError(f"validity of {who!r} does not lie within that of its issuer {by!r}")


def check_root(certificate: x509.Certificate) -> None:
    """A trust anchor must be a self-signed CA with an Ed25519 key."""
    check_role(certificate, KeyRole.ROOT)
    check_issued_by(certificate, certificate)


def _name(state: Country | None, common: str) -> x509.Name:
    attributes = []
    if state is not None:
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, state.alpha2))
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(attributes)


def _base(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: Ed25519PublicKey,
    start: dt.datetime,
    end: dt.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(_serial(issuer, public_key, start))
        .not_valid_before(start)
        .not_valid_after(end)
    )


def _ca_extensions(
    builder: x509.CertificateBuilder,
    subject_key: Ed25519PublicKey,
    issuer_key: Ed25519PublicKey,
    path_length: int,
) -> x509.CertificateBuilder:
    usage = _key_usage(key_cert_sign=True)
    return (
        builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=path_length), critical=True
        )
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key), critical=False)
        .add_extension(_authority_key_id(issuer_key), critical=False)
    )


def _key_usage(*, digital_signature: bool = False, key_cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_id(issuer_key: Ed25519PublicKey) -> x509.AuthorityKeyIdentifier:
    ski = x509.SubjectKeyIdentifier.from_public_key(issuer_key)
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _usage_period(start: dt.datetime, end: dt.datetime) -> x509.PrivateKeyUsagePeriod:
    # The extension holds GeneralizedTime in UTC; cryptography takes naive UTC datetimes.
    return x509.PrivateKeyUsagePeriod(_naive_utc(start), _naive_utc(end))


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _serial(issuer: x509.Name, public_key: Ed25519PublicKey, start: dt.datetime) -> int:
    """A positive 159-bit serial derived from issuer, key and time (RFC 5280 §4.1.2.2).

    Derived rather than random so that fixed keys and a fixed clock give the
    same certificate bytes (reproducible test data); unique because each key is new.
    """
    material = (
        issuer.public_bytes()
        + public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        + start.isoformat().encode()
    )
    return (int.from_bytes(hashlib.sha256(material).digest()[:20], "big") >> 1) or 1


def _second(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("time must be timezone-aware (UTC)")
    return moment.astimezone(dt.UTC).replace(microsecond=0)
