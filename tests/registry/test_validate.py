"""What enrolment accepts: nationalities, names and places the card prints whole; MRZ warnings."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from aes_id.errors import InputError
from aes_id.formats.mrz import name_field
from aes_id.registry.cardfit import mrz_name_warning
from aes_id.registry.desk import check_field
from aes_id.registry.enrol import Demographics, demographics_from_fields
from aes_id.render.templates import DEFAULT_DIRECTORY, ENV_DIRECTORY

TODAY = dt.date(2026, 3, 14)
FIELDS = {
    "family_name": "Keïta",
    "given_names": "Aïssata",
    "dob": "1990-05-00",
    "sex": "F",
    "nationality": "MLI",
    "place_of_birth": "Ségou",
    "state": "MLI",
    "region": "Ségou",
}
MANY_GIVEN_NAMES = (
    "Mohamed Lamine Abdoulaye Ousmane Boubacar Hamidou Seydou Alassane Moussa Issa Amadou"
)


def person(**changes: str) -> Demographics:
    return demographics_from_fields({**FIELDS, **changes}, today=TODAY)


# -- Nationality ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["MLI", "bfa", " NER ", "CIV", "SSD", "XXA", "XXB", "XXC", "XXX"])
def test_assigned_and_icao_nationalities_are_accepted(code: str) -> None:
    assert person(nationality=code).nationality == code.strip().upper()


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("ZZZ", "'ZZZ' is a user-assigned code"),
        ("XYZ", "'XYZ' is a user-assigned code"),
        ("ABC", "'ABC' is not an assigned ISO 3166-1 alpha-3 code"),
        ("Mali", "'MALI' is not an ISO 3166 alpha-3 code"),
    ],
)
def test_other_nationalities_are_refused_at_enrolment(code: str, why: str) -> None:
    with pytest.raises(InputError) as caught:
        person(nationality=code)
    message = caught.value.message
    assert message.startswith(f"nationality {why}")
    assert "XXA, XXB, XXC, XXX" in message and "\n" not in message


def test_the_desk_prompt_checks_the_nationality_the_same_way() -> None:
    check_field("nationality", "XXB", FIELDS, today=TODAY)
    with pytest.raises(InputError, match="nationality 'ZZZ' is a user-assigned code"):
        check_field("nationality", "ZZZ", FIELDS, today=TODAY)


# -- Names and places on the card -------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "given"),
    [
        ("Ag Mohamed Ag Intalla", "Alghabass"),
        ("Walet Alhousseini", "Fatimata Zahra Aminatou"),
        ("Abdoulkarim Oumarou Hamani", "Hassane Moussa Issoufou"),
        ("Ouédraogo-Kaboré", "Marie Françoise Wendkouni Aïcha"),
    ],
)
def test_long_compound_names_are_enrolled_whole(family: str, given: str) -> None:
    enrolled = person(family_name=family, given_names=given)
    assert (enrolled.family_name, enrolled.given_names) == (family, given)


def test_a_given_name_list_the_card_would_cut_is_refused() -> None:
    assert len(MANY_GIVEN_NAMES) <= 90  # within what the registry holds
    with pytest.raises(InputError) as caught:
        person(given_names=MANY_GIVEN_NAMES)
    error = caught.value
    assert error.message.startswith(f"given names {MANY_GIVEN_NAMES!r} is too long for the")
    assert "which would print it cut: 'Mohamed Lamine" in error.message
    assert error.message.endswith("…'")
    assert error.hint and "abbreviates" in error.hint


def test_a_place_the_card_would_cut_is_refused() -> None:
    place = "Saint-Louis-du-Sénégal Ndar Toute Guet Ndar Gokhou Mbathie"
    assert len(place) <= 60
    with pytest.raises(InputError, match=r"place of birth .* is too long for the .* card"):
        person(place_of_birth=place)
    assert person(place_of_birth="Dioundiou Tessaoua Mirriah Magaria").place_of_birth


def test_a_letter_the_card_font_lacks_is_refused() -> None:
    # capital sharp s has an MRZ transliteration (SS), but no glyph in the card font
    with pytest.raises(InputError, match="the card's font has no 'ẞ'"):
        person(given_names="ẞarah")


def test_registry_limits_still_come_first() -> None:
    with pytest.raises(InputError, match="at most 60"):
        person(family_name="A" * 61)
    with pytest.raises(InputError, match="at most 90"):
        person(given_names=" ".join(["Awa"] * 23))


def test_the_check_reads_the_card_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    common = folder / "common.toml"
    text = common.read_text(encoding="utf-8")
    narrow = re.sub(
        r'(id = "place_of_birth"\ntype = "field"\nx = [\d.]+\ny = [\d.]+\nw = )[\d.]+',
        r"\g<1>6.0",
        text,
    )
    assert narrow != text
    common.write_text(narrow, encoding="utf-8")
    assert person(place_of_birth="Ouagadougou").place_of_birth == "Ouagadougou"
    monkeypatch.setenv(ENV_DIRECTORY, str(folder))
    with pytest.raises(InputError, match="place of birth 'Ouagadougou' is too long"):
        person(place_of_birth="Ouagadougou")
    assert person(place_of_birth="Kaya").place_of_birth == "Kaya"


# -- The MRZ ----------------------------------------------------------------------------------


def test_no_warning_when_the_mrz_holds_the_name() -> None:
    assert mrz_name_warning("Keïta", "Aïssata") is None
    assert mrz_name_warning("Ag Ghaly", "Iyad") is None
    assert mrz_name_warning("Abdou", "") is None


@pytest.mark.parametrize(
    ("family", "given", "written"),
    [
        ("Ag Mohamed Ag Intalla", "Alghabass", "AG<MOHAMED<AG<INTALLA<<ALGHABA"),
        ("Walet Alhousseini", "Fatimata Zahra Aminatou", "WALET<ALHOUSSEINI<<FATIMAT<Z<A"),
        ("Abdoulkarim Oumarou Hamani", "Hassane Moussa Issoufou", "ABDOULKARIM<OUMAROU<HAMANI<<HA"),
    ],
)
def test_a_warning_names_what_the_mrz_will_hold(family: str, given: str, written: str) -> None:
    warning = mrz_name_warning(family, given)
    assert warning is not None and "\n" not in warning
    assert f"it is written {written} " in warning
    assert written == name_field(family, given)
    assert "the printed card and the QR keep the whole name" in warning
