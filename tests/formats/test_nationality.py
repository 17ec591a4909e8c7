"""Nationality codes: ISO 3166-1 alpha-3 as assigned, ICAO's XXA/XXB/XXC/XXX, and the credential."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from aes_id.errors import InputError, UsageError
from aes_id.formats.credential import MalformedCredential, parse_qr_text
from aes_id.formats.nationality import (
    ICAO_NATIONALITY,
    ISO_3166_ALPHA3,
    check_nationality,
    is_nationality,
)
from tests.formats.test_credential import qr_from_cwt, sample_claims, sample_cwt, sample_identity

DEBIAN_ISO_CODES = Path("/usr/share/iso-codes/json/iso_3166-1.json")


def test_the_list_is_the_249_assigned_codes() -> None:
    assert len(ISO_3166_ALPHA3) == 249
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in ISO_3166_ALPHA3)
    assert list(ISO_3166_ALPHA3) == sorted(ISO_3166_ALPHA3)
    # the AES, its neighbours, and codes assigned since 2010
    for code in ("MLI", "BFA", "NER", "SEN", "GIN", "CIV", "GHA", "TGO", "BEN", "NGA", "TCD"):
        assert code in ISO_3166_ALPHA3
    assert ISO_3166_ALPHA3["SSD"] == "South Sudan"
    assert {"CUW", "SXM", "BES"} <= ISO_3166_ALPHA3.keys()
    # withdrawn codes are gone: Netherlands Antilles, Serbia and Montenegro, Zaire
    assert not {"ANT", "SCG", "ZAR", "YUG"} & ISO_3166_ALPHA3.keys()


@pytest.mark.skipif(not DEBIAN_ISO_CODES.exists(), reason="Debian's iso-codes is not installed")
def test_the_list_matches_its_named_source() -> None:
    entries = json.loads(DEBIAN_ISO_CODES.read_text(encoding="utf-8"))["3166-1"]
    assert dict(ISO_3166_ALPHA3) == {entry["alpha_3"]: entry["name"] for entry in entries}


def test_no_user_assigned_code_is_a_country() -> None:
    ranges = (("AAA", "AAZ"), ("QMA", "QZZ"), ("XAA", "XZZ"), ("ZZA", "ZZZ"))
    assert not [c for c in ISO_3166_ALPHA3 if any(lo <= c <= hi for lo, hi in ranges)]


@pytest.mark.parametrize("code", ["XXA", "XXB", "XXC", "XXX"])
def test_icao_codes_for_the_stateless_and_refugees(code: str) -> None:
    assert is_nationality(code) and check_nationality(code.lower()) == code
    assert code in ICAO_NATIONALITY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ZZZ", "nationality 'ZZZ' is a user-assigned code (ISO 3166-1 keeps ZZA-ZZZ for users)"),
        ("XYZ", "'XYZ' is a user-assigned code (ISO 3166-1 keeps XAA-XZZ"),
        ("QMA", "'QMA' is a user-assigned code (ISO 3166-1 keeps QMA-QZZ"),
        ("AAB", "'AAB' is a user-assigned code"),
        ("ABC", "'ABC' is not an assigned ISO 3166-1 alpha-3 code"),
        ("ANT", "'ANT' is not an assigned ISO 3166-1 alpha-3 code"),
        ("UTO", "'UTO' is not an assigned"),
        ("Mali", "'MALI' is not an ISO 3166 alpha-3 code (three letters A-Z)"),
        ("ML", "'ML' is not an ISO 3166 alpha-3 code (three letters A-Z)"),
    ],
)
def test_anything_else_is_refused_on_one_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check_nationality(text)
    error = caught.value
    assert message in error.message
    assert "expected an ISO 3166 alpha-3 country code" in error.message
    assert "XXA, XXB, XXC, XXX" in error.message and "\n" not in error.message
    assert error.hint and "stateless" in error.hint


def test_a_credential_with_a_user_assigned_nationality_is_not_encoded() -> None:
    with pytest.raises(UsageError, match="nationality 'ZZZ' is a user-assigned code"):
        sample_claims(identity=dataclasses.replace(sample_identity(), nationality="ZZZ"))
    stateless = sample_claims(identity=dataclasses.replace(sample_identity(), nationality="XXA"))
    assert stateless.identity.nationality == "XXA"


@pytest.mark.parametrize("code", ["ZZZ", "XYZ", "ABC"])
def test_a_card_with_an_unassigned_nationality_is_malformed(code: str) -> None:
    cwt = sample_cwt()
    cwt[169] = {**cwt[169], 13: code}
    with pytest.raises(MalformedCredential) as caught:
        parse_qr_text(qr_from_cwt(cwt))
    assert "claim 169 key 13 (nationality): expected an ISO 3166 alpha-3 country code" in str(
        caught.value
    )


def test_a_card_of_a_refugee_parses() -> None:
    cwt = sample_cwt()
    cwt[169] = {**cwt[169], 13: "XXB"}
    assert parse_qr_text(qr_from_cwt(cwt)).claims.identity.nationality == "XXB"
