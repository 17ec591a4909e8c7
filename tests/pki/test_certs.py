"""X.509 hierarchy: extensions, names, validity, chains; the checks that refuse the wrong ones."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from aes_id.domain import Country
from aes_id.errors import InputError
from aes_id.pki import certs
from aes_id.pki.certs import CertificateError, Issuer, KeyRole
from aes_id.pki.keys import KeyStore, init_store
from tests.pki.conftest import NOW, PASSPHRASE, seeded_keys


def _ext(
    cert: x509.Certificate, kind: type[x509.ExtensionType]
) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


Hierarchy = tuple[Ed25519PrivateKey, x509.Certificate, Ed25519PrivateKey, x509.Certificate]


def _hierarchy(seed: str = "certs") -> Hierarchy:
    """A root and the State CA of Burkina Faso, from seeded keys."""
    keys = seeded_keys(seed)
    root_key, ca_key = keys(), keys()
    root = certs.build_root(root_key, NOW)
    ca = certs.build_state_ca(Country.BFA, ca_key, Issuer(root_key, root), NOW)
    return root_key, root, ca_key, ca


def test_root_is_a_self_signed_ca_with_path_length_one() -> None:
    _, root, _, _ = _hierarchy()
    basic = _ext(root, x509.BasicConstraints)
    usage = _ext(root, x509.KeyUsage)
    assert basic.critical and basic.value.ca and basic.value.path_length == 1
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    ski = _ext(root, x509.SubjectKeyIdentifier).value.digest
    assert _ext(root, x509.AuthorityKeyIdentifier).value.key_identifier == ski
    assert root.subject == root.issuer
    assert (
        root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        == "AES Confederal Root CA"
    )
    assert root.not_valid_after_utc == NOW.replace(year=2056)
    certs.check_root(root)


def test_state_ca_names_its_state_and_chains_to_the_root() -> None:
    _, root, _, ca = _hierarchy()
    basic = _ext(ca, x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    assert _ext(ca, x509.KeyUsage).value.key_cert_sign
    root_ski = _ext(root, x509.SubjectKeyIdentifier).value.digest
    assert _ext(ca, x509.AuthorityKeyIdentifier).value.key_identifier == root_ski
    assert ca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "BF"
    org = ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert org == "Confédération des États du Sahel"
    assert certs.state_of(ca) is Country.BFA
    assert ca.not_valid_after_utc == NOW.replace(year=2051)
    certs.check_role(ca, KeyRole.STATE_CA)
    certs.check_issued_by(ca, root)


def test_document_signer_signs_three_years_and_outlives_its_cards() -> None:
    _, _, ca_key, ca = _hierarchy()
    key = seeded_keys("ds")()
    signer = certs.build_document_signer(Country.BFA, key, Issuer(ca_key, ca), NOW, 4)
    basic = _ext(signer, x509.BasicConstraints)
    usage = _ext(signer, x509.KeyUsage)
    assert basic.critical and not basic.value.ca
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert certs.common_name(signer) == "AES Document Signer BFA 04"
    start, end = certs.signing_period(signer)
    assert (start, end) == (NOW, NOW.replace(year=2029))
    last_card_expiry = end.replace(year=end.year + certs.CARD_VALIDITY_YEARS)
    assert signer.not_valid_after_utc > last_card_expiry
    assert signer.not_valid_after_utc <= ca.not_valid_after_utc
    certs.check_role(signer, KeyRole.DOCUMENT_SIGNER)
    certs.check_issued_by(signer, ca)


def test_signing_period_shrinks_as_the_state_ca_nears_its_end() -> None:
    _, _, ca_key, ca = _hierarchy()
    late = NOW.replace(year=2039)  # the CA ends in 2051: 2039 + 3 + 10 + margin is too far
    signer = certs.build_document_signer(
        Country.BFA, seeded_keys("x")(), Issuer(ca_key, ca), late, 9
    )
    _, end = certs.signing_period(signer)
    assert late < end < late.replace(year=2042)
    assert signer.not_valid_after_utc <= ca.not_valid_after_utc
    with pytest.raises(CertificateError, match="too soon"):
        certs.build_document_signer(
            Country.BFA, seeded_keys("y")(), Issuer(ca_key, ca), NOW.replace(year=2041), 10
        )


def test_kid_is_the_first_eight_bytes_of_the_der_hash() -> None:
    _, root, _, _ = _hierarchy()
    assert certs.kid_of(root) == hashlib.sha256(certs.der_of(root)).digest()[:8]


def test_same_keys_and_clock_give_the_same_certificates() -> None:
    assert certs.der_of(_hierarchy()[3]) == certs.der_of(_hierarchy()[3])


def test_wrong_issuer_and_wrong_role_are_refused() -> None:
    _, root, _, ca = _hierarchy()
    _, other_root, _, _ = _hierarchy("other")
    with pytest.raises(CertificateError, match="not issued by"):
        certs.check_issued_by(ca, other_root)
    with pytest.raises(CertificateError, match="is a CA, expected a document-signer"):
        certs.check_role(ca, KeyRole.DOCUMENT_SIGNER)
    with pytest.raises(CertificateError, match="path length 1, expected 0"):
        certs.check_role(root, KeyRole.STATE_CA)


def test_a_certificate_without_key_usage_is_refused() -> None:
    key = seeded_keys("bare")()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bare")])
    bare = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, None)
    )
    with pytest.raises(CertificateError, match="lacks an extension"):
        certs.check_root(bare)


def test_garbage_is_not_a_certificate() -> None:
    with pytest.raises(InputError, match=r"not a DER X\.509 certificate") as info:
        certs.load_der(b"\x30\x03\x02\x01\x00", "probe")
    assert "probe" in str(info.value)


def test_add_years_keeps_29_february_sensible() -> None:
    leap = dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC)
    assert certs.add_years(leap, 1) == dt.datetime(2029, 2, 28, 12, tzinfo=dt.UTC)
    assert certs.add_years(leap, 4) == dt.datetime(2032, 2, 29, 12, tzinfo=dt.UTC)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_every_signer_chain(store: KeyStore, store_path: Path) -> None:
    """An independent implementation agrees the chains are valid under strict X.509 rules."""
    root = store_path / store.record(certs.kid_of(store.root_certificate())).cert_file
    for state in Country:
        ca = store_path / store.record(store.state_ca(state)[0]).cert_file
        signer = store_path / store.record(store.active_signer(state)[0]).cert_file
        result = subprocess.run(
            ["openssl", "verify", "-x509_strict", "-CAfile", root, "-untrusted", ca, signer],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_init_with_the_same_seed_and_clock_is_reproducible(tmp_path: Path) -> None:
    one = init_store(tmp_path / "a", PASSPHRASE, NOW, key_factory=seeded_keys("same"))
    two = init_store(tmp_path / "b", PASSPHRASE, NOW, key_factory=seeded_keys("same"))
    assert [r.kid for r in one.list_keys()] == [r.kid for r in two.list_keys()]
