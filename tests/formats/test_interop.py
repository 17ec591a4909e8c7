"""Outside decoders read what AES-ID issues: the ``claim169`` package and pycose.

``claim169`` (MOSIP Claim 169, Rust core) decodes Base45, zlib, COSE_Sign1 and
the CWT, and verifies the Ed25519 signature with the Document Signer's public
key. pycose checks the COSE_Sign1 on its own: pycose 1.1 expects cbor2 5 (a
``list`` inside the tag, a ``dict`` header), so the outer array is handed to
``Sign1Message.from_cose_obj`` as a list, and pycose parses the protected
header, builds the Sig_structure and verifies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zlib

import cbor2
import claim169
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pycose.algorithms import EdDSA
from pycose.headers import KID as PYCOSE_KID
from pycose.headers import Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from aes_id.domain import CardNumber, Country, Identity, Nin, PartialDate, Sex
from aes_id.formats import base45
from aes_id.formats.credential import (
    CredentialClaims,
    FingerTemplate,
    MalformedCredential,
    face_budget,
    parse_qr_text,
    sign_credential,
)
from aes_id.formats.face import face_thumbnail
from tests.formats.test_credential import KEY, KID, NOW, VECTOR, sample_claims
from tests.formats.test_face import portrait

PUBLIC = KEY.public_key().public_bytes_raw()

PEOPLE = [
    (
        Country.MLI,
        Identity(
            Nin("274913058627"), "Keïta", "Aïssata", PartialDate(1987, 11, 0), Sex.F, "MLI", "Ségou"
        ),
    ),
    (
        Country.BFA,
        Identity(
            Nin("391827364510"),
            "Ouédraogo",
            "Wendkouni Éric",
            PartialDate(1962),
            Sex.M,
            "BFA",
            "Koudougou",
        ),
    ),
    (
        Country.NER,
        Identity(Nin("582910374652"), "Maïga", "", PartialDate(2001, 2, 28), Sex.X, "NER", ""),
    ),
]


def card(state: Country, person: Identity, *, with_face: bool) -> CredentialClaims:
    claims = CredentialClaims.for_card(
        identity=person,
        issuing_state=state,
        card_number=CardNumber(f"{state.alpha2}0{person.nin[:6]}"),
        issued_at=NOW,
        expires_on=dt.date(2036, 3, 13),
        fingerprints=[FingerTemplate(50, hashlib.sha256(person.nin.encode()).digest(), 1)],
    )
    if not with_face:
        return claims
    face = face_thumbnail(portrait(seed=int(person.nin[:3])), max_bytes=face_budget(claims))
    return dataclasses.replace(claims, face=face)


CARDS = [card(state, person, with_face=face) for state, person in PEOPLE for face in (True, False)]


@pytest.mark.parametrize("claims", CARDS, ids=lambda c: f"{c.card_number}-{len(c.face)}")
def test_claim169_decodes_and_verifies(claims: CredentialClaims) -> None:
    text = sign_credential(claims, kid=KID, key=KEY).qr_text
    result = claim169.decode_with_ed25519(text, PUBLIC, validate_timestamps=False)
    assert result.is_verified() and result.verification_status == "verified"
    assert result.detected_compression == "zlib"
    person, decoded = claims.identity, result.claim169
    assert decoded.id == person.nin
    assert decoded.language == "fra"
    assert (decoded.full_name, decoded.first_name, decoded.last_name) == (
        person.full_name,
        person.given_names,
        person.family_name,
    )
    assert decoded.date_of_birth == person.date_of_birth.compact()
    assert decoded.gender == person.sex.claim169
    assert decoded.nationality == person.nationality
    assert decoded.country_of_issuance == claims.issuing_state.value
    assert [(f.data, f.format, f.sub_format) for f in decoded.right_thumb or []] == [
        (claims.fingerprints[0].template, 1, 1)
    ]
    if claims.face:
        assert [(f.data, f.format, f.sub_format) for f in decoded.face or []] == [
            (claims.face, 0, 4)
        ]
    else:
        assert decoded.face is None
    meta = result.cwt_meta
    assert meta.issuer == claims.issuer
    assert meta.issued_at == meta.not_before == int(claims.issued_at.timestamp())
    assert meta.expires_at == int(claims.expires_at.timestamp())


def test_claim169_reads_the_kid_and_algorithm() -> None:
    inspected = claim169.inspect(sign_credential(sample_claims(), kid=KID, key=KEY).qr_text)
    assert (inspected.key_id, inspected.algorithm, inspected.cose_type) == (KID, "EdDSA", "Sign1")
    assert inspected.issuer == "https://aes-id.example/MLI"


def test_claim169_refuses_another_key_and_a_forgery() -> None:
    signed = sign_credential(sample_claims(), kid=KID, key=KEY)
    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes_raw()
    with pytest.raises(claim169.SignatureError):
        claim169.decode_with_ed25519(signed.qr_text, other, validate_timestamps=False)
    forged = signed.cose.replace(b"Ke\xc3\xafta", b"Ke\xc3\xafty")
    assert forged != signed.cose
    with pytest.raises(claim169.SignatureError):
        claim169.decode_with_ed25519(
            base45.encode(zlib.compress(forged, 9)), PUBLIC, validate_timestamps=False
        )


def test_claim169_prefix_is_refused_so_none_is_issued() -> None:
    text = sign_credential(sample_claims(), kid=KID, key=KEY).qr_text
    with pytest.raises(claim169.Base45DecodeError):
        claim169.decode_with_ed25519("AES1:" + text, PUBLIC, validate_timestamps=False)
    for prefixed in ("AES1:" + text, "HC1:" + text):
        with pytest.raises(MalformedCredential) as caught:
            parse_qr_text(prefixed)
        assert caught.value.hint is not None and "have no prefix" in caught.value.hint


def test_claim169_decodes_the_known_answer_vector() -> None:
    vector = json.loads(VECTOR.read_text())
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["ed25519_private_key"]))
    result = claim169.decode_with_ed25519(
        vector["qr_text"], key.public_key().public_bytes_raw(), validate_timestamps=False
    )
    assert result.is_verified()
    assert result.claim169.full_name == "Aïssata Maïmouna Keïta"


def test_a_claim169_encoded_card_reads_through_our_layers() -> None:
    """The other way: claim169's encoder; only the AES claims it cannot carry are missing."""
    identity = claim169.Claim169Input(
        id="274913058627",
        language="fra",
        full_name="Aïssata Keïta",
        first_name="Aïssata",
        last_name="Keïta",
        date_of_birth="19871100",
        gender=2,
        nationality="MLI",
        country_of_issuance="MLI",
    )
    meta = claim169.CwtMetaInput(issuer="https://aes-id.example/MLI", expires_at=2089065599)
    text = claim169.encode_with_ed25519(identity, meta, KEY.private_bytes_raw())
    with pytest.raises(MalformedCredential, match=r"claim \d \((nbf|iat|cti)\) is missing"):
        parse_qr_text(text)


def pycose_verify(cose: bytes, public: bytes) -> Sign1Message:
    tag = cbor2.loads(cose)
    assert tag.tag == 18
    protected, unprotected, payload, signature = tag.value
    message = Sign1Message.from_cose_obj([protected, dict(unprotected), payload, signature], True)
    message.key = OKPKey(crv=Ed25519, x=public)
    return message


@pytest.mark.parametrize("claims", CARDS[:2], ids=["face", "no-face"])
def test_pycose_verifies_the_cose_sign1(claims: CredentialClaims) -> None:
    signed = sign_credential(claims, kid=KID, key=KEY)
    message = pycose_verify(signed.cose, PUBLIC)
    assert message.verify_signature()
    assert message.phdr == {Algorithm: EdDSA, PYCOSE_KID: KID}
    assert message.uhdr == {}
    assert cbor2.loads(message.payload)[7] == claims.card_number.encode()
    tampered = bytearray(signed.cose)
    tampered[-1] ^= 0x01
    assert not pycose_verify(bytes(tampered), PUBLIC).verify_signature()
