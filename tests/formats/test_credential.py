"""The card credential: claims <-> CBOR, signing, QR text <-> parsed credential.

Run as a script to rebuild tests/vectors/credential_known_answer.json from
the fixed key and clock (``python -m tests.formats.test_credential``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import zlib
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.domain import CardNumber, Country, Identity, Kid, Nin, PartialDate, Sex
from aes_id.errors import UsageError
from aes_id.formats import base45
from aes_id.formats.cose import (
    CoseFormatError,
    CoseSignatureError,
    protected_header,
    sig_structure,
    sign1,
    verify1,
)
from aes_id.formats.credential import (
    MAX_INFLATED_BYTES,
    MAX_QR_BYTES,
    CredentialClaims,
    CredentialTooLarge,
    FingerTemplate,
    MalformedCredential,
    ParsedCredential,
    build_qr_text,
    decode_claims,
    encode_claims,
    encode_qr_text,
    end_of_day,
    face_budget,
    finish,
    issuer_url,
    parse_qr_text,
    prepare,
    sign_credential,
)
from aes_id.formats.qr import MAX_QR_CHARS, qr_version

KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"aes-id test document signer").digest())
KID = Kid(hashlib.sha256(b"aes-id test certificate").digest()[:8])
NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
VECTOR = Path(__file__).parents[1] / "vectors" / "credential_known_answer.json"


def webp_stand_in(size: int, seed: int = 0) -> bytes:
    """Bytes with a WebP RIFF header and incompressible content, as a face of ``size``."""
    body = hashlib.shake_256(seed.to_bytes(4, "big")).digest(size - 12)
    return b"RIFF" + (size - 8).to_bytes(4, "little") + b"WEBP" + body


def sample_identity() -> Identity:
    return Identity(
        nin=Nin("274913058627"),
        family_name="Keïta",
        given_names="Aïssata Maïmouna",
        date_of_birth=PartialDate(1987, 11, 0),
        sex=Sex.F,
        nationality="MLI",
        place_of_birth="Ségou",
    )


def sample_claims(face: bytes = b"", **changes: Any) -> CredentialClaims:
    claims = CredentialClaims.for_card(
        identity=sample_identity(),
        issuing_state=Country.MLI,
        card_number=CardNumber("ML0004217"),
        issued_at=NOW,
        expires_on=dt.date(2036, 3, 13),
        face=face,
    )
    return dataclasses.replace(claims, **changes)


def qr_from_cwt(cwt: Any, *, protected: bytes | None = None, unprotected: Any = None) -> str:
    """A QR text around any claims map, signed with the test key."""
    payload = cbor2.dumps(cwt)
    header = protected_header(KID) if protected is None else protected
    signature = KEY.sign(sig_structure(header, payload))
    cose = cbor2.dumps(cbor2.CBORTag(18, [header, unprotected or {}, payload, signature]))
    return encode_qr_text(cose)


def sample_cwt() -> dict[int, Any]:
    return dict(cbor2.loads(encode_claims(sample_claims(face=webp_stand_in(100)))))


# -- claims <-> CBOR ------------------------------------------------------------------------


def test_claims_map_follows_the_spec_table() -> None:
    cwt = cbor2.loads(encode_claims(sample_claims(face=webp_stand_in(40))))
    assert list(cwt) == [1, 4, 5, 6, 7, 169]
    assert cwt[1] == "https://aes-id.example/MLI"
    assert cwt[4] == int(dt.datetime(2036, 3, 13, 23, 59, 59, tzinfo=dt.UTC).timestamp())
    assert cwt[5] == cwt[6] == int(NOW.timestamp())
    assert cwt[7] == b"ML0004217"
    assert cwt[169] == {
        1: "274913058627",
        3: "fra",
        4: "Aïssata Maïmouna Keïta",
        5: "Aïssata Maïmouna",
        7: "Keïta",
        8: "19871100",
        9: 2,
        13: "MLI",
        23: "MLI",
        62: [{0: webp_stand_in(40), 1: 0, 2: 4}],
        75: "Ségou",
    }


def test_claims_cbor_is_deterministic() -> None:
    fingers = (FingerTemplate(56, b"\x01" * 30, 1), FingerTemplate(50, b"\x02" * 30, 1))
    claims = sample_claims(face=webp_stand_in(60), fingerprints=fingers)
    encoded = encode_claims(claims)
    assert encoded == cbor2.dumps(cbor2.loads(encoded), canonical=True)
    assert cbor2.loads(encoded)[169][50] == [{0: b"\x02" * 30, 1: 1, 2: 1}]
    assert [finger.key for finger in claims.fingerprints] == [50, 56]
    assert decode_claims(encoded) == claims


def test_claims_without_face_omit_key_62() -> None:
    cwt = cbor2.loads(encode_claims(sample_claims()))
    assert 62 not in cwt[169]
    assert decode_claims(encode_claims(sample_claims())).face == b""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"issued_at": dt.datetime(2026, 3, 14, 9, 30)}, "timezone-aware UTC"),
        ({"issued_at": NOW.replace(microsecond=5)}, "whole seconds"),
        ({"expires_at": NOW + dt.timedelta(days=3)}, "not the end of a day"),
        ({"expires_at": end_of_day(dt.date(2020, 1, 1))}, "after issued_at"),
        ({"card_number": CardNumber("BF0004217")}, "is not ML then 7 digits"),
        ({"issuer": "https://aes-id.example/BFA"}, "does not end in /MLI"),
        ({"face": b"\x89PNG\r\n\x1a\n" + bytes(20)}, "not a WebP image"),
        ({"language": "fr"}, "ISO 639"),
        ({"fingerprints": (FingerTemplate(50, b"a", 1), FingerTemplate(50, b"b", 1))}, "50-59"),
        ({"fingerprints": (FingerTemplate(62, b"a", 1),)}, "50-59"),
        ({"identity": dataclasses.replace(sample_identity(), nin=Nin("12345"))}, "12 digits"),
    ],
)
def test_claims_refuse_what_cannot_be_encoded(change: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        sample_claims(**change)


def test_for_card_cuts_to_whole_utc_seconds() -> None:
    bamako = dt.timezone(dt.timedelta(hours=0), "GMT")
    claims = sample_claims(issued_at=NOW)
    moved = CredentialClaims.for_card(
        identity=claims.identity,
        issuing_state=Country.MLI,
        card_number=claims.card_number,
        issued_at=NOW.replace(tzinfo=bamako, microsecond=999_999),
        expires_on=claims.expires_on,
    )
    assert moved.issued_at == NOW and moved.issued_at.tzinfo is dt.UTC
    assert issuer_url(Country.NER, "https://id.aes.example/") == "https://id.aes.example/NER"


# -- signing --------------------------------------------------------------------------------


def test_signed_credential_is_base45_of_zlib_of_cose_sign1() -> None:
    signed = sign_credential(sample_claims(), kid=KID, key=KEY)
    deflated = base45.decode(signed.qr_text)
    assert deflated[:2] == b"\x78\xda"  # RFC 1950 header: 32 KiB window, level 9
    assert zlib.decompress(deflated) == signed.cose
    tag = cbor2.loads(signed.cose)
    assert tag.tag == 18
    protected, unprotected, payload, signature = tag.value
    assert protected == bytes.fromhex("a2012704") + b"\x48" + KID  # {1: -8, 4: h'kid'}
    assert unprotected == {}
    assert payload == encode_claims(sample_claims())
    KEY.public_key().verify(signature, cbor2.dumps(["Signature1", protected, b"", payload]))
    assert signed.cose_sha256 == hashlib.sha256(signed.cose).digest()
    assert build_qr_text(sample_claims(), kid=KID, key=KEY) == signed.qr_text


def test_two_step_signing_equals_one_step() -> None:
    prepared = prepare(sample_claims(), kid=KID)
    signature = KEY.sign(prepared.to_be_signed())
    assert finish(prepared, signature) == sign_credential(sample_claims(), kid=KID, key=KEY)
    with pytest.raises(UsageError, match="64 bytes"):
        finish(prepared, signature[:32])
    with pytest.raises(UsageError, match="kid must be 8 bytes"):
        prepare(sample_claims(), kid=Kid(b"short"))


def test_known_answer_vector_rebuilds() -> None:
    vector = json.loads(VECTOR.read_text())
    assert known_answer() == vector


def test_face_budget_is_what_fits_version_20m() -> None:
    claims = sample_claims()
    budget = face_budget(claims)
    assert 300 <= budget <= 450
    text = build_qr_text(sample_claims(face=webp_stand_in(budget)), kid=KID, key=KEY)
    assert len(text) <= MAX_QR_CHARS and qr_version(text) <= 20
    with pytest.raises(CredentialTooLarge, match=f"a version-20, level-M QR holds {MAX_QR_CHARS}"):
        build_qr_text(sample_claims(face=webp_stand_in(budget + 12)), kid=KID, key=KEY)
    assert MAX_QR_BYTES == 646


# -- reading --------------------------------------------------------------------------------


def test_parse_returns_claims_kid_and_alg_without_checking_the_signature() -> None:
    claims = sample_claims(face=webp_stand_in(200))
    signed = sign_credential(claims, kid=KID, key=KEY)
    parsed = parse_qr_text(signed.qr_text + "\r\n")
    assert parsed.claims == claims
    assert parsed.cose_bytes == signed.cose
    assert (parsed.kid, parsed.alg, parsed.kid_in_unprotected) == (KID, -8, False)
    assert verify1(parsed.cose, KEY.public_key()) == parsed.cose.payload
    forged = bytearray(signed.cose)
    forged[-1] ^= 1
    assert parse_qr_text(base45.encode(zlib.compress(bytes(forged)))).claims == claims


def test_kid_in_unprotected_header_is_a_flagged_hint() -> None:
    text = qr_from_cwt(sample_cwt(), protected=cbor2.dumps({1: -8}), unprotected={4: KID})
    parsed = parse_qr_text(text)
    assert (parsed.kid, parsed.kid_in_unprotected) == (KID, True)


def test_algorithm_is_exposed_from_the_protected_header() -> None:
    parsed = parse_qr_text(qr_from_cwt(sample_cwt(), protected=cbor2.dumps({1: -7, 4: KID})))
    assert parsed.alg == -7


def test_unknown_keys_are_ignored() -> None:
    cwt = sample_cwt()
    cwt[999] = "later"
    cwt[169] = {**cwt[169], 10: "Quartier du fleuve", 80: [1, 2]}
    assert parse_qr_text(qr_from_cwt(cwt)).claims == sample_claims(face=webp_stand_in(100))


def _deflated(data: bytes) -> str:
    return base45.encode(zlib.compress(data, 9))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "QR text is empty"),
        ("A" * 4097, "QR text is 4097 characters: expected at most 4096"),
        ("nc f", "not Base45: character 'n' at position 0"),
        (base45.encode(b"hello"), "not a zlib stream"),
        (base45.encode(zlib.compress(b"\0" * (MAX_INFLATED_BYTES + 1))), "more than 65536 bytes"),
        (
            base45.encode(zlib.compress(sign1(b"x", kid=KID, key=KEY))[:-3]),
            "zlib stream is truncated",
        ),
        (
            base45.encode(zlib.compress(sign1(b"x", kid=KID, key=KEY)) + b"!!"),
            "2 bytes follow the zlib",
        ),
        (_deflated(sign1(b"x", kid=KID, key=KEY) + b"\0"), "1 byte follows the COSE_Sign1"),
        (_deflated(cbor2.dumps([1, 2])), "not a COSE_Sign1: COSE_Sign1 must be an array of 4"),
        (_deflated(cbor2.dumps(cbor2.CBORTag(98, []))), "CBOR tag 98 is not COSE_Sign1"),
        (_deflated(sign1(b"\xa1\x01", kid=KID, key=KEY)), "claims are not CBOR"),
        (_deflated(sign1(cbor2.dumps([1]), kid=KID, key=KEY)), "expected a CBOR map, found array"),
        (
            _deflated(sign1(cbor2.dumps({}) + b"\0", kid=KID, key=KEY)),
            "1 byte follows the CBOR map",
        ),
        (_deflated(sign1(bytes.fromhex("a201020103"), kid=KID, key=KEY)), "Duplicate map key"),
    ],
)
def test_malformed_layers_are_named(text: str, message: str) -> None:
    with pytest.raises(MalformedCredential) as caught:
        parse_qr_text(text)
    assert message in str(caught.value)


def test_inflated_size_cap_is_exact() -> None:
    with pytest.raises(MalformedCredential, match="not a COSE_Sign1"):
        parse_qr_text(_deflated(b"\0" * MAX_INFLATED_BYTES))  # inflates fully, then is no COSE


def _without(mapping: dict[int, Any], key: int) -> dict[int, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def _identity_with(**items: Any) -> dict[int, Any]:
    cwt = sample_cwt()
    identity = dict(cwt[169])
    for key, value in items.items():
        identity[int(key[1:])] = value
    cwt[169] = identity
    return cwt


@pytest.mark.parametrize(
    ("cwt", "message"),
    [
        (_without(sample_cwt(), 4), "claim 4 (exp) is missing"),
        (_without(sample_cwt(), 169), "claim 169 (identity) is missing"),
        ({**sample_cwt(), 169: [1]}, "claim 169 (identity): expected map, found array"),
        (
            {**sample_cwt(), 6: "today"},
            "claim 6 (iat): expected int (seconds since 1970), found tstr",
        ),
        ({**sample_cwt(), 6: True}, "claim 6 (iat): expected int (seconds since 1970), found bool"),
        (
            {**sample_cwt(), 5: -1, 6: -1},
            "claim 5 (nbf): expected a time from 1970 to 9999, found -1",
        ),
        ({**sample_cwt(), 5: sample_cwt()[6] + 60}, "claim 5 (nbf): expected the time of issue"),
        ({**sample_cwt(), 4: sample_cwt()[4] - 1}, "claim 4 (exp): expected the end of a day"),
        ({**sample_cwt(), 4: sample_cwt()[6] - 1}, "claim 4 (exp): expected the end of a day"),
        (
            {**sample_cwt(), 1: "https://aes-id.example/BFA"},
            "claim 1 (iss): expected a URL ending in /MLI",
        ),
        (
            {**sample_cwt(), 7: "ML0004217"},
            "claim 7 (cti): expected bstr (the card number in ASCII)",
        ),
        ({**sample_cwt(), 7: b"BF0004217"}, "claim 7 (cti): expected ML then 7 digits"),
        (
            _identity_with(k8=19871100),
            "claim 169 key 8 (date of birth): expected tstr YYYYMMDD, found int",
        ),
        (
            _identity_with(k8="1987-11-00"),
            "claim 169 key 8 (date of birth): expected tstr YYYYMMDD, found '1987-11-00'",
        ),
        (_identity_with(k8="19871131"), "claim 169 key 8 (date of birth): expected a real date"),
        (_identity_with(k8="19870012"), "claim 169 key 8 (date of birth): expected a real date"),
        (
            _identity_with(k9=4),
            "claim 169 key 9 (sex): expected 1 (male), 2 (female) or 3 (other), found 4",
        ),
        (_identity_with(k9="F"), "claim 169 key 9 (sex): expected int 1, 2 or 3, found tstr"),
        (
            _identity_with(k23="FRA"),
            "claim 169 key 23 (issuing state): expected MLI, BFA or NER, found 'FRA'",
        ),
        (
            _identity_with(k13="Mali"),
            "claim 169 key 13 (nationality): expected an ISO 3166 alpha-3",
        ),
        (_identity_with(k1="27491305862"), "claim 169 key 1 (NIN): expected tstr of 12 digits"),
        (
            _identity_with(k4="Keïta Aïssata"),
            "claim 169 key 4 (full name): expected 'Aïssata Maïmouna Keïta'",
        ),
        (_identity_with(k3="FR"), "claim 169 key 3 (language): expected an ISO 639 alpha-3"),
        (_identity_with(k75=None), "claim 169 key 75 (place of birth): expected tstr, found null"),
        (
            _identity_with(k62=[]),
            "claim 169 key 62 (face): expected array of one biometric, found array of 0",
        ),
        (
            _identity_with(k62=[{0: webp_stand_in(20), 1: 0, 2: 1}]),
            "expected a WebP image (sub-format 4)",
        ),
        (
            _identity_with(k62=[{0: b"\xff\xd8" * 10, 1: 0, 2: 4}]),
            "expected a WebP image (sub-format 4)",
        ),
        (
            _identity_with(k62=[{0: "x", 1: 0, 2: 4}]),
            "expected biometric data (key 0) as bstr, found tstr",
        ),
        (
            _identity_with(k62=[{0: webp_stand_in(20), 1: 1, 2: 4}]),
            "expected biometric format (key 1) 0",
        ),
        (_identity_with(k62=[7]), "claim 169 key 62 (face): expected a biometric map, found int"),
        (
            _identity_with(k50=[{0: b"t", 1: 0, 2: 1}]),
            "claim 169 key 50 (right thumb): expected biometric format (key 1) 1",
        ),
        (
            _identity_with(k59=[{0: b"t", 1: 1, 2: -1}]),
            "claim 169 key 59 (left little finger): expected biometric sub-format",
        ),
    ],
)
def test_bad_claims_name_the_claim(cwt: dict[int, Any], message: str) -> None:
    with pytest.raises(MalformedCredential) as caught:
        parse_qr_text(qr_from_cwt(cwt))
    assert message in str(caught.value)


# -- known answer ---------------------------------------------------------------------------


def known_answer() -> dict[str, Any]:
    """The credential of the sample card with a face and two fingers, from the fixed key."""
    fingers = (FingerTemplate(50, bytes(range(40)), 1), FingerTemplate(55, bytes(40), 1))
    claims = sample_claims(face=webp_stand_in(250, seed=7), fingerprints=fingers)
    signed = sign_credential(claims, kid=KID, key=KEY)
    return {
        "about": "sample MLI card from tests/formats/test_credential.py (fixed key and clock)",
        "ed25519_private_key": KEY.private_bytes_raw().hex(),
        "kid": KID.hex(),
        "cose_sha256": signed.cose_sha256.hex(),
        "qr_text": signed.qr_text,
    }


def test_known_answer_parses_back() -> None:
    vector = json.loads(VECTOR.read_text())
    parsed = parse_qr_text(vector["qr_text"])
    assert hashlib.sha256(parsed.cose_bytes).hexdigest() == vector["cose_sha256"]
    assert parsed.claims.identity == sample_identity()
    assert [finger.key for finger in parsed.claims.fingerprints] == [50, 55]


if __name__ == "__main__":
    VECTOR.write_text(json.dumps(known_answer(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {VECTOR}")


# -- properties -----------------------------------------------------------------------------

NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàâçéèêëïîôöüÉÈÏÖ '-"
names = st.text(alphabet=NAME_CHARS, max_size=30) | st.text(max_size=12)


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31)))
    known = draw(st.sampled_from(["day", "month", "year"]))
    if known == "year":
        return PartialDate(day.year)
    return PartialDate(day.year, day.month, day.day if known == "day" else 0)


@st.composite
def any_claims(draw: st.DrawFn) -> CredentialClaims:
    state = draw(st.sampled_from(list(Country)))
    identity = Identity(
        nin=Nin(draw(st.from_regex(r"[0-9]{12}", fullmatch=True))),
        family_name=draw(names),
        given_names=draw(names),
        date_of_birth=draw(partial_dates()),
        sex=draw(st.sampled_from(list(Sex))),
        nationality=draw(st.sampled_from(["MLI", "BFA", "NER", "CIV", "SEN", "GHA", "XXA"])),
        place_of_birth=draw(names),
    )
    issued = draw(st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2040, 1, 1)))
    keys = draw(st.lists(st.sampled_from(range(50, 60)), unique=True, max_size=3))
    return CredentialClaims.for_card(
        identity=identity,
        issuing_state=state,
        card_number=CardNumber(state.alpha2 + draw(st.from_regex(r"[0-9]{7}", fullmatch=True))),
        issued_at=issued.replace(tzinfo=dt.UTC),
        expires_on=issued.date() + dt.timedelta(days=draw(st.integers(1, 3653))),
        face=draw(st.sampled_from([b"", webp_stand_in(60), webp_stand_in(200, seed=3)])),
        fingerprints=[FingerTemplate(key, draw(st.binary(max_size=40)), 1) for key in keys],
        issuer_base=draw(st.sampled_from(["https://aes-id.example", "https://id.aes.example/"])),
    )


@settings(max_examples=60, deadline=None)
@given(any_claims())
def test_claims_round_trip(claims: CredentialClaims) -> None:
    assert decode_claims(encode_claims(claims)) == claims
    assert vars(decode_claims(encode_claims(claims))) == vars(claims)  # every field is set
    assert parse_qr_text(build_qr_text(claims, kid=KID, key=KEY)).claims == claims


LAYERS = {
    "text": r"QR text ",
    "base45": r"not Base45: ",
    "zlib": (
        r"not a zlib stream|inflates to more than|zlib stream is truncated"
        r"|\d+ bytes? follows? the zlib stream"
    ),
    "cose": r"not a COSE_Sign1: |\d+ bytes? follows? the COSE_Sign1",
    "claims": r"claims are not CBOR: |claims: |claim \d+ ",
}
"""How a :class:`MalformedCredential` message starts, by the layer that refused the text."""


def read(text: str) -> ParsedCredential | MalformedCredential:
    """``parse_qr_text``'s answer: the credential, or the clean error that refused it.

    Any other exception propagates: it is a defect of the parser, and fails the test.
    A refusal must name its layer in one line; an acceptance must be claims that
    re-encode to themselves and that the constructor's own checks accept too
    (decode_claims builds claims without them: it makes its own).
    """
    try:
        parsed = parse_qr_text(text)
    except MalformedCredential as exc:
        assert re.match("|".join(LAYERS.values()), exc.message), exc.message
        assert "\n" not in exc.message
        return exc
    assert decode_claims(encode_claims(parsed.claims)) == parsed.claims  # accepted = re-encodable
    assert dataclasses.replace(parsed.claims) == parsed.claims
    return parsed


def assert_malformed(text: str, *layers: str) -> MalformedCredential:
    """``text`` is refused, with a message from one of ``layers``."""
    answer = read(text)
    assert isinstance(answer, MalformedCredential), f"accepted: {answer.claims}"
    pattern = "|".join(f"(?:{LAYERS[layer]})" for layer in layers)
    assert re.match(pattern, answer.message), f"{answer.message!r} is not from {layers}"
    return answer


VALID_TEXT = build_qr_text(sample_claims(face=webp_stand_in(120)), kid=KID, key=KEY)
VALID_COSE = sign_credential(sample_claims(face=webp_stand_in(120)), kid=KID, key=KEY).cose


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80) | st.text(alphabet=base45.ALPHABET, max_size=300))
def test_random_text_is_malformed(text: str) -> None:
    assert_malformed(text, "text", "base45", "zlib")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_deflated_bytes_are_malformed(data: bytes) -> None:
    assert_malformed(_deflated(data), "cose", "claims")
    tagged = cbor2.dumps(cbor2.CBORTag(18, [data[:9], {}, data, data]))
    assert_malformed(_deflated(tagged), "cose", "claims")


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.binary(max_size=20)
    | st.text(max_size=20)
    | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.integers(-2, 200) | st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)
cwt_items = st.dictionaries(st.sampled_from([1, 4, 5, 6, 7, 169, 8]), cbor_values, max_size=6)
identity_items = st.dictionaries(
    st.sampled_from([1, 3, 4, 5, 7, 8, 9, 13, 23, 50, 62, 75]), cbor_values
)


@settings(max_examples=150, deadline=None)
@given(cwt_items)
def test_random_claims_are_malformed(cwt: dict[Any, Any]) -> None:
    """A claims map made of random values alone (claim 169 needs ten keys: at most 4 here)."""
    assert_malformed(qr_from_cwt(cwt), "claims")


@settings(max_examples=150, deadline=None)
@given(cwt_items, identity_items)
def test_random_claim_values_are_refused_by_claim_or_re_encodable(
    cwt: dict[Any, Any], identity: dict[Any, Any]
) -> None:
    """Random values over a genuine card's claims: some are valid claims (any text is a place
    of birth), so the text is refused by the claims layer or read as consistent claims."""
    for overlay in (
        {**sample_cwt(), 169: {**sample_cwt()[169], **identity}},
        {**sample_cwt(), **cwt},
    ):
        answer = read(qr_from_cwt(overlay))
        if isinstance(answer, MalformedCredential):
            assert re.match(LAYERS["claims"], answer.message), answer.message


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID_TEXT) - 1), st.characters() | st.sampled_from(base45.ALPHABET))
def test_single_character_mutations_are_malformed_or_change_no_cose_byte(
    position: int, char: str
) -> None:
    """A changed character is refused, unless it only changed unsigned zlib bits (the level
    hint, padding): then the text inflates to the very same COSE_Sign1."""
    if char == VALID_TEXT[position]:
        return  # not a change
    answer = read(VALID_TEXT[:position] + char + VALID_TEXT[position + 1 :])
    if not isinstance(answer, MalformedCredential):
        assert answer.cose_bytes == VALID_COSE


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID_COSE) - 1), st.integers(1, 255))
def test_single_byte_mutations_of_the_cose_are_malformed_or_fail_the_signature(
    position: int, flip: int
) -> None:
    """The parser does not check the signature, so a changed byte of signed data may still
    parse (a letter of a name, a byte of the kid or of the signature): it must not verify."""
    mutated = bytearray(VALID_COSE)
    mutated[position] ^= flip
    answer = read(_deflated(bytes(mutated)))
    if not isinstance(answer, MalformedCredential):
        with pytest.raises((CoseSignatureError, CoseFormatError)):
            verify1(answer.cose, KEY.public_key())
