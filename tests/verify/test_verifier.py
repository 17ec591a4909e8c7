"""The verdict matrix of docs/credential.md: every way a card can be good or bad, one test each.

Genuine cards come from the issuing world of ``conftest.py`` (real issuance,
fixed-seed keys, a fixed clock); forgeries are made here from its parts: the
claims re-encoded without a new signature, claims signed by the wrong key,
headers with the wrong algorithm, single bytes changed at every layer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aes_id.cards.views import card_view
from aes_id.domain import CardNumber, Country, Kid, PartialDate, Verdict, VerificationResult
from aes_id.formats import base45
from aes_id.formats.base45 import ALPHABET
from aes_id.formats.claims import issuer_url
from aes_id.formats.cose import sig_structure
from aes_id.formats.credential import (
    MAX_INFLATED_BYTES,
    MAX_QR_TEXT_CHARS,
    CredentialClaims,
    encode_claims,
    encode_qr_text,
    parse_qr_text,
    sign_credential,
)
from aes_id.formats.mrz import MrzData, compose_td1
from aes_id.pki.certs import KeyStatus
from aes_id.pki.revocation import build_revocation_list
from aes_id.pki.trust import TrustList
from aes_id.verify.verifier import Lists, verify_qr_text
from tests.verify.conftest import (
    BFA_REVOKED_FROM,
    CHECK,
    LATE,
    PASSPHRASE,
    PUBLISHED,
    ROTATED_AT,
    T0,
    World,
)

SECOND = dt.timedelta(seconds=1)
STRANGER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def verify(
    world: World, text: str, *, now: dt.datetime = CHECK, lists: Lists | None = None, **kw: Any
) -> VerificationResult:
    return verify_qr_text(text, lists or world.lists, now=now, **kw)


def claims_of(text: str) -> CredentialClaims:
    return parse_qr_text(text).claims


def qr_of(cose: bytes) -> str:
    """The QR text of COSE_Sign1 bytes, as the issuer makes it (zlib level 9, Base45)."""
    return encode_qr_text(cose)


def cose_sign1(
    payload: bytes,
    key: Ed25519PrivateKey,
    protected: Mapping[int, Any],
    unprotected: Mapping[int, Any] | None = None,
) -> bytes:
    """A COSE_Sign1 with any headers, genuinely signed by ``key``."""
    header = cbor2.dumps(dict(protected))
    signature = key.sign(sig_structure(header, payload))
    return bytes(
        cbor2.dumps(cbor2.CBORTag(18, [header, dict(unprotected or {}), payload, signature]))
    )


def cwt_of(text: str) -> dict[int, Any]:
    """The claims map of a QR text as plain, editable dicts."""
    cwt = dict(cbor2.loads(parse_qr_text(text).cose.payload))
    cwt[169] = dict(cwt[169])
    return cwt


def reasons(result: VerificationResult) -> str:
    return " | ".join(result.reasons)


def assert_not_accepted(genuine: str, mutated: str, result: VerificationResult) -> None:
    """A changed QR text never verifies, unless only unsigned zlib bits changed.

    zlib's container has bits that carry no data: the compression-level hint of
    its header, the padding of a stored block's header and of the final byte,
    and in places two encodings of the same bytes. Such a change inflates to the
    very same COSE_Sign1, the bytes the signature covers, so it is the same
    credential; anything else must fail.
    """
    assert mutated != genuine
    if result.verdict is Verdict.VALID:
        assert parse_qr_text(mutated).cose_bytes == parse_qr_text(genuine).cose_bytes


# -- genuine cards ----------------------------------------------------------------------------


def test_a_genuine_card_is_valid_with_its_holder(world: World, valid_text: str) -> None:
    result = verify(world, valid_text)
    assert result.verdict is Verdict.VALID and result.ok
    assert result.reasons == () and result.warnings == ()
    card = world.card("valid")
    assert result.card_number == card.card_number and result.issuing_state is Country.NER
    assert result.identity is not None and result.identity.nin == card.nin
    assert result.kid == world.first_signers[Country.NER] == card.kid
    assert result.face is not None and result.face[:4] == b"RIFF" and result.face[8:12] == b"WEBP"
    assert result.issued_at == T0 and result.expires_at is not None


def test_valid_from_the_second_of_issue_to_the_last_second_of_expiry(
    world: World, valid_text: str
) -> None:
    claims = claims_of(valid_text)
    assert verify(world, valid_text, now=claims.issued_at).verdict is Verdict.VALID
    assert verify(world, valid_text, now=claims.expires_at).verdict is Verdict.VALID


def test_expired(world: World, valid_text: str) -> None:
    expires_at = claims_of(valid_text).expires_at
    result = verify(world, valid_text, now=expires_at + SECOND)
    assert result.verdict is Verdict.EXPIRED
    assert f"expired on {expires_at:%Y-%m-%d}" in reasons(result)


def test_not_yet_valid(world: World, valid_text: str) -> None:
    result = verify(world, valid_text, now=T0 - SECOND)
    assert result.verdict is Verdict.NOT_YET_VALID
    assert "after the time of check" in reasons(result)


def test_revoked_card(world: World) -> None:
    card = world.card("revoked")
    result = verify(world, card.qr_text)
    assert result.verdict is Verdict.REVOKED
    assert f"card {card.card_number} revoked on {PUBLISHED:%Y-%m-%d} (stolen)" in reasons(result)


def test_another_card_of_the_same_state_is_not_revoked(world: World) -> None:
    assert verify(world, world.card("ner_other").qr_text).verdict is Verdict.VALID


def test_the_newest_revocation_list_of_a_state_counts(world: World) -> None:
    current = world.lists.revocations_of(Country.NER)
    assert current is not None and len(current) == 1
    older = build_revocation_list(Country.NER, current.sequence - 1, T0, [])
    for revocations in [(older, *world.lists.revocations), (*world.lists.revocations, older)]:
        lists = Lists(world.lists.trust_list, revocations)
        assert verify(world, world.card("revoked").qr_text, lists=lists).verdict is Verdict.REVOKED


def test_revoked_signer_voids_cards_signed_on_or_after_the_date(world: World) -> None:
    card = world.card("bfa_after_revocation")
    assert claims_of(card.qr_text).issued_at >= BFA_REVOKED_FROM
    result = verify(world, card.qr_text)
    assert result.verdict is Verdict.UNTRUSTED_SIGNER
    assert f"signer is revoked from {BFA_REVOKED_FROM:%Y-%m-%d %H:%M} UTC" in reasons(result)


def test_revoked_signer_cards_signed_before_the_date_stay_valid(world: World) -> None:
    card = world.card("bfa_before_revocation")
    entry = world.lists.trust_list.find(card.kid)
    assert entry is not None and entry.status is KeyStatus.REVOKED
    assert claims_of(card.qr_text).issued_at < BFA_REVOKED_FROM
    assert verify(world, card.qr_text).verdict is Verdict.VALID


def test_revoked_signer_from_exactly_the_time_of_issue(world: World) -> None:
    """``iat`` on the revocation date counts as after it (spec: "on or after D")."""
    card = world.card("bfa_before_revocation")
    trust = _with_entry(world.lists.trust_list, card.kid, revoked_from=T0)
    result = verify(world, card.qr_text, lists=Lists(trust, world.lists.revocations))
    assert result.verdict is Verdict.UNTRUSTED_SIGNER


def test_retired_signer_cards_stay_valid(world: World) -> None:
    card = world.card("retired_signer")
    entry = world.lists.trust_list.find(card.kid)
    assert entry is not None and entry.status is KeyStatus.RETIRED
    assert entry.retired_at == ROTATED_AT
    assert verify(world, card.qr_text).verdict is Verdict.VALID


def test_the_new_signer_after_rotation_is_valid(world: World) -> None:
    card = world.card("active_signer")
    assert card.kid != world.first_signers[Country.MLI]
    assert verify(world, card.qr_text).verdict is Verdict.VALID


def test_a_retired_signer_signing_after_retirement_is_untrusted(world: World) -> None:
    """A retired key that leaks cannot make new cards: its signing period ended."""
    old = world.first_signers[Country.MLI]
    claims = dataclasses.replace(claims_of(world.card("retired_signer").qr_text), issued_at=LATE)
    forged = sign_credential(claims, kid=old, key=world.key(old)).qr_text
    result = verify(world, forged)
    assert result.verdict is Verdict.UNTRUSTED_SIGNER
    assert "outside the signer's period" in reasons(result)


def test_a_card_backdated_before_its_signer_existed_is_untrusted(
    world: World, valid_text: str
) -> None:
    signer = world.signer(Country.NER)
    claims = dataclasses.replace(claims_of(valid_text), issued_at=T0 - dt.timedelta(days=30))
    result = verify(world, sign_credential(claims, kid=signer.kid, key=signer.private_key).qr_text)
    assert result.verdict is Verdict.UNTRUSTED_SIGNER
    assert "outside the signer's period" in reasons(result)


def test_a_revoked_state_ca_voids_its_signers_later_cards(world: World, valid_text: str) -> None:
    ca_kid, _ = world.store.state_ca(Country.NER)
    trust = _with_entry(world.lists.trust_list, ca_kid, revoked_from=T0 - dt.timedelta(hours=1))
    result = verify(world, valid_text, lists=Lists(trust, world.lists.revocations))
    assert result.verdict is Verdict.UNTRUSTED_SIGNER
    assert "its State CA is revoked" in reasons(result)


def test_a_card_signed_by_a_state_ca_is_untrusted(world: World, valid_text: str) -> None:
    ca = world.store.state_ca_key(Country.NER, PASSPHRASE)
    forged = sign_credential(claims_of(valid_text), kid=ca.kid, key=ca.private_key).qr_text
    result = verify(world, forged)
    assert result.verdict is Verdict.UNTRUSTED_SIGNER
    assert "is a State CA, not a Document Signer" in reasons(result)


def _with_entry(trust: TrustList, kid: bytes, *, revoked_from: dt.datetime) -> TrustList:
    """The trust list with one entry revoked from a date (the verifier is handed objects)."""
    entries = tuple(
        dataclasses.replace(e, status=KeyStatus.REVOKED, revoked_from=revoked_from, retired_at=None)
        if e.kid == kid
        else e
        for e in trust.entries
    )
    return dataclasses.replace(trust, entries=entries)


# -- signers that are not who they say ---------------------------------------------------------


def test_unknown_kid(world: World, valid_text: str) -> None:
    kid = Kid(bytes.fromhex("0123456789abcdef"))
    result = verify(world, sign_credential(claims_of(valid_text), kid=kid, key=STRANGER).qr_text)
    assert result.verdict is Verdict.UNKNOWN_SIGNER
    assert f"kid {kid.hex()} is not in trust list" in reasons(result)


def test_another_key_under_a_genuine_kid_is_an_invalid_signature(
    world: World, valid_text: str
) -> None:
    kid = world.first_signers[Country.NER]
    forged = sign_credential(claims_of(valid_text), kid=kid, key=STRANGER).qr_text
    result = verify(world, forged)
    assert result.verdict is Verdict.INVALID_SIGNATURE
    assert "does not verify" in reasons(result)


def test_another_states_signer_for_a_card_of_niger_is_untrusted(
    world: World, valid_text: str
) -> None:
    mali = world.signer(Country.MLI)
    forged = sign_credential(claims_of(valid_text), kid=mali.kid, key=mali.private_key).qr_text
    result = verify(world, forged)
    assert result.verdict is Verdict.UNTRUSTED_SIGNER
    assert f"claims issuer NER but its signer {mali.kid.hex()} belongs to MLI" in reasons(result)


# -- the claims changed without a new signature ------------------------------------------------

EDITS: dict[str, Any] = {
    "family name": lambda c: _person(c, family_name="Maïga"),
    "given names": lambda c: _person(c, given_names=c.identity.given_names + " Ali"),
    "date of birth": lambda c: _person(c, date_of_birth=PartialDate(1970, 1, 1)),
    "NIN": lambda c: _person(c, nin="274913058627"),
    "expiry": lambda c: dataclasses.replace(c, expires_at=c.expires_at + dt.timedelta(days=3650)),
    "issue time": lambda c: dataclasses.replace(c, issued_at=c.issued_at + SECOND),
    "card number": lambda c: dataclasses.replace(c, card_number=CardNumber("NE0009999")),
    "no face": lambda c: dataclasses.replace(c, face=b""),
    "face pixel": lambda c: dataclasses.replace(c, face=c.face[:-1] + bytes([c.face[-1] ^ 1])),
    "state": lambda c: dataclasses.replace(
        c,
        issuing_state=Country.MLI,
        issuer=issuer_url(Country.MLI),
        card_number=CardNumber("ML" + c.card_number[2:]),
    ),
}


def _person(claims: CredentialClaims, **change: Any) -> CredentialClaims:
    return dataclasses.replace(claims, identity=dataclasses.replace(claims.identity, **change))


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_claims_changed_without_resigning_are_an_invalid_signature(
    world: World, valid_text: str, edit: str
) -> None:
    parsed = parse_qr_text(valid_text)
    claims = EDITS[edit](parsed.claims)
    assert claims != parsed.claims
    payload = encode_claims(claims)
    cose = cbor2.dumps(
        cbor2.CBORTag(18, [parsed.cose.protected, {}, payload, parsed.cose.signature])
    )
    result = verify(world, qr_of(cose))
    assert result.verdict is Verdict.INVALID_SIGNATURE, reasons(result)


# -- one byte changed, at every layer ----------------------------------------------------------

TEXT_POSITIONS = [*range(0, 940, 20), *range(-9, 0)]


@pytest.mark.parametrize("position", TEXT_POSITIONS)
def test_one_character_changed_in_the_qr_text(world: World, valid_text: str, position: int) -> None:
    at = position % len(valid_text)
    original = ALPHABET.index(valid_text[at])
    for shift in (1, 16, 22, 44):
        char = ALPHABET[(original + shift) % len(ALPHABET)]
        mutated = valid_text[:at] + char + valid_text[at + 1 :]
        assert_not_accepted(valid_text, mutated, verify(world, mutated))


@pytest.mark.parametrize("position", [*range(0, 600, 12), *range(-8, 0)])
def test_one_byte_changed_in_the_compressed_bytes(
    world: World, valid_text: str, position: int
) -> None:
    deflated = base45.decode(valid_text)
    for mask in (0x01, 0x10, 0x80, 0xFF):
        mutated = bytearray(deflated)
        mutated[position] ^= mask
        text = base45.encode(bytes(mutated))
        assert_not_accepted(valid_text, text, verify(world, text))


def test_zlib_level_hint_is_not_signed(world: World, valid_text: str) -> None:
    """Pinned on purpose: RFC 1950's FLEVEL only describes the compressor, nothing is
    signed there, and insisting on it would refuse other Claim 169 encoders' cards."""
    deflated = base45.decode(valid_text)
    assert deflated[:2] == b"\x78\xda"
    other = base45.encode(b"\x78\x9c" + deflated[2:])
    assert verify(world, other).verdict is Verdict.VALID
    assert parse_qr_text(other).cose_bytes == parse_qr_text(valid_text).cose_bytes


@pytest.mark.parametrize("position", [*range(0, 24), *range(24, 600, 9), *range(-70, 0, 7)])
def test_one_byte_changed_in_the_cose_structure(
    world: World, valid_text: str, position: int
) -> None:
    cose = parse_qr_text(valid_text).cose_bytes
    for mask in (0x01, 0x20, 0xFF):
        mutated = bytearray(cose)
        mutated[position] ^= mask
        result = verify(world, qr_of(bytes(mutated)))
        assert result.verdict is not Verdict.VALID, (position, mask)


def test_single_changes_fail_for_the_reason_of_their_layer(world: World, valid_text: str) -> None:
    """The signature byte, the payload, the kid and the tag each give their own verdict."""
    cose = parse_qr_text(valid_text).cose_bytes

    def flip(index: int) -> Verdict:
        mutated = bytearray(cose)
        mutated[index] ^= 0x01
        return verify(world, qr_of(bytes(mutated))).verdict

    assert cose[0] == 0xD2  # tag 18
    assert flip(0) is Verdict.MALFORMED
    assert flip(-1) is Verdict.INVALID_SIGNATURE  # last signature byte
    kid_at = cose.index(bytes(world.first_signers[Country.NER]))
    assert flip(kid_at) is Verdict.UNKNOWN_SIGNER
    place = claims_of(valid_text).identity.place_of_birth.encode()
    assert flip(cose.index(place)) is Verdict.INVALID_SIGNATURE  # still well-formed claims


# -- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", [-7, -35, 1, None, "EdDSA"], ids=repr)
def test_only_eddsa_in_the_protected_header_is_accepted(
    world: World, valid_text: str, alg: object
) -> None:
    signer = world.signer(Country.NER)
    header = {4: bytes(signer.kid)} if alg is None else {1: alg, 4: bytes(signer.kid)}
    payload = parse_qr_text(valid_text).cose.payload
    result = verify(world, qr_of(cose_sign1(payload, signer.private_key, header)))
    assert result.verdict is Verdict.MALFORMED
    assert "alg" in reasons(result)


def test_eddsa_only_in_the_unprotected_header_is_refused(world: World, valid_text: str) -> None:
    signer = world.signer(Country.NER)
    payload = parse_qr_text(valid_text).cose.payload
    cose = cose_sign1(payload, signer.private_key, {4: bytes(signer.kid)}, {1: -8})
    result = verify(world, qr_of(cose))
    assert result.verdict is Verdict.MALFORMED
    assert result.reasons == ("algorithm None in the protected header is not EdDSA (-8)",)


def test_kid_only_in_the_unprotected_header_is_malformed(world: World, valid_text: str) -> None:
    signer = world.signer(Country.NER)
    payload = parse_qr_text(valid_text).cose.payload
    cose = cose_sign1(payload, signer.private_key, {1: -8}, {4: bytes(signer.kid)})
    result = verify(world, qr_of(cose))
    assert result.verdict is Verdict.MALFORMED
    assert "only in the unprotected header" in reasons(result)


# -- inputs that are not credentials -----------------------------------------------------------


def test_a_zlib_bomb_is_refused(world: World, valid_text: str) -> None:
    """A genuinely signed COSE_Sign1 padded past 64 KiB: the cap, not the signature, stops it."""
    signer = world.signer(Country.NER)
    cwt = cwt_of(valid_text)
    cwt[-70000] = bytes(70_000)  # an unknown claim: ignored, but it must be inflated first
    cose = cose_sign1(cbor2.dumps(cwt), signer.private_key, {1: -8, 4: bytes(signer.kid)})
    text = qr_of(cose)
    assert len(cose) > MAX_INFLATED_BYTES and len(text) < MAX_QR_TEXT_CHARS
    result = verify(world, text)
    assert result.verdict is Verdict.MALFORMED
    assert "decompression bomb" in reasons(result)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("hello world", "not Base45"),
        ("NCFO#ABC", "not Base45"),
        ("GGW", "not Base45"),  # 45^3 - 1 > 65535
        ("HC1:NCFOXN%TS3DH", "not Base45"),
        ("AES1:" + "0" * 30, "zlib"),  # ":" is Base45
        ("0" * 30, "zlib"),
        ("", "empty"),
        ("\r\n\t", "empty"),
    ],
    ids=["lowercase", "hash", "overflow", "hc1-prefix", "aes-prefix", "not-zlib", "empty", "ws"],
)
def test_text_that_is_not_a_credential_is_malformed(world: World, text: str, why: str) -> None:
    result = verify(world, text)
    assert result.verdict is Verdict.MALFORMED
    assert why in reasons(result)
    assert result.identity is None and result.card_number is None


def test_a_one_megabyte_input_is_refused_before_any_work(world: World) -> None:
    result = verify(world, "0" * 1_000_000)
    assert result.verdict is Verdict.MALFORMED
    assert "1000000 characters" in reasons(result)


def test_a_non_string_is_malformed(world: World) -> None:
    result = verify_qr_text(b"NCFO", world.lists, now=CHECK)  # type: ignore[arg-type]
    assert result.verdict is Verdict.MALFORMED
    assert result.reasons == ("QR text must be a string, found bytes",)


WRONG_TYPES: dict[str, tuple[int | None, int, Any, str]] = {
    "sex as text": (169, 9, "F", "claim 169 key 9 (sex)"),
    "dob as int": (169, 8, 19900101, "claim 169 key 8 (date of birth)"),
    "nin as int": (169, 1, 274913058627, "claim 169 key 1 (NIN)"),
    "name as bytes": (169, 7, b"Maiga", "claim 169 key 7 (family name)"),
    "state unknown": (169, 23, "FRA", "claim 169 key 23 (issuing state)"),
    "face as text": (169, 62, "face", "claim 169 key 62 (face)"),
    "exp as text": (None, 4, "2036-03-13", "claim 4 (exp)"),
    "iat as float": (None, 6, 1773480600.0, "claim 6 (iat)"),
    "cti as text": (None, 7, "NE0000001", "claim 7 (cti)"),
    "identity as array": (None, 169, [1, 2], "claim 169 (identity)"),
    "sex missing": (169, 9, None, "claim 169 key 9 (sex) is missing"),
}


@pytest.mark.parametrize("case", WRONG_TYPES, ids=list(WRONG_TYPES))
def test_claims_of_the_wrong_type_signed_by_a_genuine_key_are_malformed(
    world: World, valid_text: str, case: str
) -> None:
    where, key, value, message = WRONG_TYPES[case]
    cwt = cwt_of(valid_text)
    target = cwt if where is None else cwt[169]
    if value is None:
        del target[key]
    else:
        target[key] = value
    signer = world.signer(Country.NER)
    cose = cose_sign1(cbor2.dumps(cwt), signer.private_key, {1: -8, 4: bytes(signer.kid)})
    result = verify(world, qr_of(cose))
    assert result.verdict is Verdict.MALFORMED
    assert message in reasons(result)


# -- the MRZ -----------------------------------------------------------------------------------


def test_the_genuine_mrz_agrees(world: World, valid_text: str) -> None:
    lines = card_view(world.registry, world.card("valid").card_number).mrz
    result = verify(world, valid_text, mrz_lines=lines)
    assert result.verdict is Verdict.VALID, reasons(result)


def test_an_mrz_of_another_card_is_a_mismatch(world: World, valid_text: str) -> None:
    lines = card_view(world.registry, world.card("ner_other").card_number).mrz
    result = verify(world, valid_text, mrz_lines=lines)
    assert result.verdict is Verdict.MRZ_MISMATCH
    assert "MRZ differs from QR: document number" in reasons(result)


@pytest.mark.parametrize("field", ["family_name", "date_of_birth", "expiry", "sex"])
def test_an_mrz_with_one_field_changed_is_a_mismatch(
    world: World, valid_text: str, field: str
) -> None:
    claims = claims_of(valid_text)
    data = MrzData.for_identity(
        claims.identity,
        issuing_state=claims.issuing_state,
        card_number=claims.card_number,
        expiry=claims.expires_on,
    )
    other: Any = {
        "family_name": "Traoré",
        "date_of_birth": PartialDate(1955, 6, 1),
        "expiry": claims.expires_on + dt.timedelta(days=365),
        "sex": next(s for s in type(data.sex) if s is not data.sex),
    }[field]
    lines = compose_td1(dataclasses.replace(data, **{field: other}))
    result = verify(world, valid_text, mrz_lines=lines)
    assert result.verdict is Verdict.MRZ_MISMATCH, reasons(result)


def test_an_unreadable_mrz_is_a_mismatch(world: World, valid_text: str) -> None:
    result = verify(world, valid_text, mrz_lines=["IDNER", "garbage", ""])
    assert result.verdict is Verdict.MRZ_MISMATCH
    assert "MRZ unreadable" in reasons(result)


def test_a_forgery_is_reported_before_its_mrz(world: World, valid_text: str) -> None:
    kid = world.first_signers[Country.NER]
    forged = sign_credential(claims_of(valid_text), kid=kid, key=STRANGER).qr_text
    result = verify(world, forged, mrz_lines=["IDNER", "garbage", ""])
    assert result.verdict is Verdict.INVALID_SIGNATURE
    assert any("MRZ" in reason for reason in result.reasons)  # every finding is kept


# -- the lists' freshness, and the order of findings -------------------------------------------


def test_a_stale_revocation_list_is_a_warning_beside_valid(world: World, valid_text: str) -> None:
    result = verify(world, valid_text, now=PUBLISHED + dt.timedelta(days=2))
    assert result.verdict is Verdict.VALID
    assert len(result.warnings) == 1
    assert "revocation list of NER is 2 days old" in result.warnings[0]


def test_a_stale_empty_revocation_list_is_a_warning_too(world: World) -> None:
    """Mali's list has no entries (an empty list has length 0) and still has a due date."""
    mali = world.lists.revocations_of(Country.MLI)
    assert mali is not None and len(mali) == 0
    text = world.card("mli_other").qr_text
    result = verify(world, text, now=PUBLISHED + dt.timedelta(days=2))
    assert result.verdict is Verdict.VALID
    assert result.warnings == (
        f"revocation list of MLI is 2 days old, next update was due {mali.next_update:%Y-%m-%d}",
    )


def test_a_stale_trust_list_is_a_warning_beside_valid(world: World, valid_text: str) -> None:
    result = verify(world, valid_text, now=PUBLISHED + dt.timedelta(days=8))
    assert result.verdict is Verdict.VALID
    assert any(w.startswith("trust list is 8 days old") for w in result.warnings)
    assert any(w.startswith("revocation list of NER") for w in result.warnings)


def test_a_clock_before_the_lists_were_issued_is_a_warning(world: World, valid_text: str) -> None:
    result = verify(world, valid_text, now=PUBLISHED - dt.timedelta(minutes=5))
    assert result.verdict is Verdict.VALID
    assert any("check the device clock" in w for w in result.warnings)


def test_no_revocation_list_for_the_state_is_a_warning(world: World, valid_text: str) -> None:
    kept = tuple(r for r in world.lists.revocations if r.state is not Country.NER)
    assert len(kept) == 2
    result = verify(world, valid_text, lists=Lists(world.lists.trust_list, kept))
    assert result.verdict is Verdict.VALID
    assert result.warnings == ("no revocation list for NER: revocation unchecked",)


def test_malformed_input_still_carries_the_list_warnings(world: World) -> None:
    result = verify(world, "", now=PUBLISHED + dt.timedelta(days=8))
    assert result.verdict is Verdict.MALFORMED and result.reasons == ("QR text is empty",)
    assert any(w.startswith("trust list is 8 days old") for w in result.warnings)


def test_the_most_serious_finding_is_the_verdict_and_every_reason_is_kept(world: World) -> None:
    text = world.card("revoked").qr_text
    result = verify(world, text, now=claims_of(text).expires_at + dt.timedelta(days=1))
    assert result.verdict is Verdict.REVOKED
    assert len(result.reasons) == 2 and "expired on" in result.reasons[1]


def test_a_naive_clock_is_a_caller_mistake(world: World, valid_text: str) -> None:
    with pytest.raises(ValueError, match="timezone"):
        verify(world, valid_text, now=CHECK.replace(tzinfo=None))


def test_the_verifier_never_imports_the_registry() -> None:
    code = (
        "import sys, aes_id.verify.verifier, aes_id.verify.lists\n"
        "bad = [m for m in sys.modules if m.startswith(('aes_id.registry', 'sqlalchemy'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- properties --------------------------------------------------------------------------------

# The suite runs the verifier strict (tests/conftest.py): a defect raises, so "never raises"
# fails on one instead of passing as MALFORMED (tests/verify/test_defects.py shows it).
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(st.text(max_size=1200) | st.text(alphabet=ALPHABET, max_size=1200))
def test_random_text_never_raises_and_never_verifies(world: World, text: str) -> None:
    result = verify(world, text)
    assert result.verdict is Verdict.MALFORMED


@QUICK
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(ALPHABET), st.sampled_from("rid")),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_genuine_texts_never_raise_and_never_verify(
    world: World, valid_text: str, edits: list[tuple[int, str, str]]
) -> None:
    text = valid_text
    for position, char, kind in edits:
        at = position % len(text)
        if kind == "r":  # replace
            text = text[:at] + char + text[at + 1 :]
        elif kind == "i":  # insert
            text = text[:at] + char + text[at:]
        else:  # delete
            text = text[:at] + text[at + 1 :]
    if text == valid_text:
        return
    assert_not_accepted(valid_text, text, verify(world, text))


@QUICK
@given(st.binary(min_size=1, max_size=700))
def test_random_bytes_inside_a_valid_zlib_and_base45_never_verify(
    world: World, data: bytes
) -> None:
    assert verify(world, qr_of(data)).verdict is Verdict.MALFORMED


@QUICK
@given(st.lists(st.text(max_size=40), max_size=4), st.integers(0, 2), st.integers(0, 29))
def test_any_mrz_text_never_raises(
    world: World, valid_text: str, junk: list[str], line: int, column: int
) -> None:
    genuine = list(card_view(world.registry, world.card("valid").card_number).mrz)
    for lines in (junk, _mutated_mrz(genuine, line, column)):
        result = verify(world, valid_text, mrz_lines=lines)
        assert result.verdict in (Verdict.VALID, Verdict.MRZ_MISMATCH)
        if lines != genuine:
            assert result.verdict is Verdict.MRZ_MISMATCH


def _mutated_mrz(lines: list[str], line: int, column: int) -> list[str]:
    text = lines[line]
    char = "X" if text[column] != "X" else "<"
    return [*lines[:line], text[:column] + char + text[column + 1 :], *lines[line + 1 :]]


def test_a_card_revoked_later_was_valid_then(world: World) -> None:
    """--at before the revocation: the card was valid then; the later revocation is a warning."""
    card = world.cards["revoked"]
    revocations = world.lists.revocations_of(card.state)
    assert revocations is not None
    entry = revocations.is_revoked(card.card_number)
    assert entry is not None
    revoked_at = entry.revoked_at
    before = verify_qr_text(card.qr_text, world.lists, now=revoked_at - dt.timedelta(minutes=5))
    assert before.verdict is Verdict.VALID
    assert any("revoked later" in w for w in before.warnings)
    after = verify_qr_text(card.qr_text, world.lists, now=revoked_at + dt.timedelta(minutes=5))
    assert after.verdict is Verdict.REVOKED
