"""ICAO Doc 9303 TD1 MRZ: names, composing, parsing, cross-checking (docs/mrz.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.domain import Card, CardNumber, Country, Identity, Kid, PartialDate, Sex
from aes_id.errors import InputError
from aes_id.formats.mrz import (
    MrzData,
    MrzError,
    ParsedMrz,
    compose_td1,
    mrz_matches,
    name_field,
    parse_td1,
    transliterate,
)
from aes_id.formats.numbers import format_card_number, generate_nin

TODAY = dt.date(2026, 3, 14)
SPECIMEN = json.loads(
    (Path(__file__).parent.parent / "vectors" / "mrz_icao9303_td1_specimen.json").read_text()
)
NIN = generate_nin(random.Random(2026))


def weighted_check(field: str) -> str:
    """An independent reading of Doc 9303 Part 3 §4.9, to cross-check the module."""
    values = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def aes_data(**changes: object) -> MrzData:
    data = MrzData(
        issuing_state="MLI",
        document_number=format_card_number(Country.MLI, 145_966),  # ML0004217 (base 33)
        optional_data1=NIN,
        date_of_birth=PartialDate(1988, 5, 21),
        sex=Sex.F,
        expiry=dt.date(2036, 3, 13),
        nationality="MLI",
        family_name="Keïta",
        given_names="Aminata Mariam",
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


def decoded(parsed: ParsedMrz) -> MrzData:
    return parsed.as_data()


# -- The ICAO specimen -------------------------------------------------------------------------


def test_specimen_parses_to_its_published_fields() -> None:
    parsed = parse_td1(SPECIMEN["lines"], today=dt.date.fromisoformat(SPECIMEN["today"]))
    fields = SPECIMEN["fields"]
    assert parsed.document_code == fields["document_code"]
    assert parsed.issuing_state == fields["issuing_state"]
    assert parsed.document_number == fields["document_number"]
    assert parsed.optional_data1 == fields["optional_data1"]
    assert parsed.date_of_birth == PartialDate.parse(fields["date_of_birth"])
    assert parsed.sex is Sex(fields["sex"])
    assert parsed.expiry == dt.date.fromisoformat(fields["expiry"])
    assert parsed.nationality == fields["nationality"]
    assert parsed.optional_data2 == fields["optional_data2"]
    assert (parsed.family_name, parsed.given_names) == (
        fields["family_name"],
        fields["given_names"],
    )
    assert not parsed.possibly_truncated


@pytest.mark.parametrize("name", ["document_number", "date_of_birth", "expiry", "composite"])
def test_specimen_check_digits(name: str) -> None:
    vector = SPECIMEN["check_digits"][name]
    assert weighted_check(vector["over"]) == vector["digit"]
    line1, line2, _ = SPECIMEN["lines"]
    composite_input = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    spans = {
        "document_number": (line1[5:14], line1[14]),
        "date_of_birth": (line2[0:6], line2[6]),
        "expiry": (line2[8:14], line2[14]),
        "composite": (composite_input, line2[29]),
    }
    assert spans[name] == (vector["over"], vector["digit"])


def test_specimen_recomposes_from_its_fields() -> None:
    fields = SPECIMEN["fields"]
    data = MrzData(
        issuing_state=fields["issuing_state"],
        document_number=CardNumber(fields["document_number"]),
        optional_data1=fields["optional_data1"],
        date_of_birth=PartialDate.parse(fields["date_of_birth"]),
        sex=Sex(fields["sex"]),
        expiry=dt.date.fromisoformat(fields["expiry"]),
        nationality=fields["nationality"],
        family_name="Eriksson",
        given_names="Anna Maria",
        document_code=fields["document_code"],
    )
    assert compose_td1(data) == tuple(SPECIMEN["lines"])
    parsed = parse_td1(SPECIMEN["lines"], today=TODAY)
    assert compose_td1(parsed.as_data()) == tuple(SPECIMEN["lines"])
    assert mrz_matches(parsed, data) == []


def test_specimen_accepts_one_text_in_any_layout() -> None:
    lines = SPECIMEN["lines"]
    expected = parse_td1(lines, today=TODAY)
    assert parse_td1("\n".join(lines) + "\n", today=TODAY) == expected
    assert parse_td1("\r\n".join(lines), today=TODAY) == expected
    assert parse_td1("".join(lines), today=TODAY) == expected


# -- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("letters", "target"),
    [
        ("ÉÈÊË", "E"),
        ("Ç", "C"),
        ("ÏÎÍÌ", "I"),
        ("Ñ", "N"),
        ("Ä", "AE"),
        ("Ö", "OE"),
        ("Ü", "UE"),
        ("Å", "AA"),
        ("Æ", "AE"),
        ("Ø", "OE"),
        ("Œ", "OE"),
        ("ß", "SS"),
        ("ÀÁÂÃ", "A"),
        ("ÔÓÒÕ", "O"),
        ("ÙÚÛ", "U"),
        ("ŸÝ", "Y"),
        ("Þ", "TH"),
        ("ŁŠŽ", "L S Z"),
    ],
)
def test_transliteration_table(letters: str, target: str) -> None:
    wanted = target.split() if " " in target else [target] * len(letters)
    for letter, want in zip(letters, wanted, strict=True):
        assert transliterate(letter) == want
        assert transliterate(letter.lower()) == want


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Keïta", "KEITA"),
        ("Ouédraogo", "OUEDRAOGO"),
        ("Maïga", "MAIGA"),
        ("Ag Ghaly", "AG<GHALY"),
        ("Jean-Baptiste", "JEAN<BAPTISTE"),
        ("N'Diaye", "NDIAYE"),
        ("N’Diaye", "NDIAYE"),
        ("Kei\u0308ta", "KEITA"),  # decomposed diaeresis
        ("  Sidi  -  Mohamed ", "SIDI<MOHAMED"),
        ("Müller", "MUELLER"),
        ("'", ""),
    ],
)
def test_transliterate_names(name: str, mrz: str) -> None:
    assert transliterate(name) == mrz


@pytest.mark.parametrize(
    ("name", "named"),
    [("Ɗan Baba", "'Ɗ'"), ("Traoré 2", "'2'"), ("Dr. Sy", "'.'"), ("محمد", "ARABIC")],
)
def test_untransliterable_characters_are_named(name: str, named: str) -> None:
    with pytest.raises(MrzError, match=named) as caught:
        transliterate(name)
    assert isinstance(caught.value, InputError)


@pytest.mark.parametrize(
    ("family", "given", "field"),
    [
        ("Keïta", "Aminata", "KEITA<<AMINATA<<<<<<<<<<<<<<<<"),
        ("Ag Ghaly", "Iyad", "AG<GHALY<<IYAD<<<<<<<<<<<<<<<<"),
        ("Diallo", "Jean-Baptiste", "DIALLO<<JEAN<BAPTISTE<<<<<<<<<"),
        ("N'Diaye", "Fatou", "NDIAYE<<FATOU<<<<<<<<<<<<<<<<<"),
        ("Abdou", "", "ABDOU<<<<<<<<<<<<<<<<<<<<<<<<<"),
        # step 1, the last given names to initials first; the one whose turn makes the
        # name fit is cut instead, so that the field is full and ends in a letter
        ("Ouédraogo", "Marie Jeanne Clarisse Wendkuuni", "OUEDRAOGO<<MARIE<JEANNE<CLAR<W"),
        ("Sawadogo", "Abdoul Aziz Boukary Salif", "SAWADOGO<<ABDOUL<AZIZ<BOUKAR<S"),
        ("Diallo", "Mamadou Oumar Abdoulaye Hamidou", "DIALLO<<MAMADOU<OUMAR<ABDOUL<H"),
        ("Kaboré-Ouédraogo Zida", "Fatoumata Binta Aïssata", "KABORE<OUEDRAOGO<ZIDA<<FAT<B<A"),
        # Tuareg and Hausa compound names
        ("Ag Mohamed Ag Intalla", "Alghabass", "AG<MOHAMED<AG<INTALLA<<ALGHABA"),
        ("Walet Alhousseini", "Fatimata Zahra Aminatou", "WALET<ALHOUSSEINI<<FATIMAT<Z<A"),
        ("Abdoulkarim Oumarou Hamani", "Hassane Moussa Issoufou", "ABDOULKARIM<OUMAROU<HAMANI<<HA"),
        # step 2, the first initials kept; a spare place is the first name's second letter
        (
            "Traoré-Coulibaly Diabaté",
            "Fatoumata Binta Aïssata Kadi",
            "TRAORE<COULIBALY<DIABATE<<FA<B",
        ),
        # step 3, the family name cut on a letter, the given names filling the rest
        (
            "Abdoulkadri Maïga-Ould Mohamedoune",
            "Mohamed Abdoulaye",
            "ABDOULKADRI<MAIGA<OULD<MOHA<<M",
        ),
        ("Abdoulkadri Maïga Ould Cheikh", "Mohamed Ibrahim", "ABDOULKADRI<MAIGA<OULD<CHEI<<M"),
        ("Abdoulkadri Maïga Ould Moh Sidi", "Awa", "ABDOULKADRI<MAIGA<OULD<MOH<<AW"),
        ("Ag Mohamed Ag Intalla Ag Attaher Ag Ghaly", "Ahmed", "AG<MOHAMED<AG<INTALLA<AG<AT<<A"),
        # step 4, a family name alone: cut at 30, or shortened when 30 would be a filler
        ("Abdoulkadri Maïga-Ould Mohamedoune", "", "ABDOULKADRI<MAIGA<OULD<MOHAMED"),
        ("Abdoulkadri Maïga Ould Mohame Sidi", "", "ABDOULKADRI<MAIGA<OULD<MOHAM<S"),
    ],
)
def test_name_field(family: str, given: str, field: str) -> None:
    assert name_field(family, given) == field
    assert len(field) == 30


def test_step_two_keeps_the_first_initials() -> None:
    # 21 + 2 leave 7 places for G<A<M<I<Z: four initials survive, the last letter marks the cut
    field = name_field("Ouedraogo Kabore Zida", "Gaston Aime Michel Idrissa Zakaria")
    assert field == "OUEDRAOGO<KABORE<ZIDA<<G<A<M<I"
    line1, line2, _ = compose_td1(aes_data())
    parsed = parse_td1((line1, line2, field), today=TODAY)
    assert parsed.possibly_truncated
    assert parsed.given_names == "G A M I"


@pytest.mark.parametrize(
    ("family", "given"),
    [
        # each of these used to end in fillers although the name had been shortened
        ("Diallo", "Mamadou Oumar Abdoulaye Hamidou"),
        ("Ouédraogo-Kaboré", "Marie Françoise Wendkouni Aïcha"),
        ("Traoré-Coulibaly Diabaté", "Fatoumata Binta Aïssata Kadi"),
        ("Abdoulkadri Maïga Ould Moh Sidi", "Awa"),
        ("Sawadogo", "Abdoul Aziz Boukary Salif Moussa Issa Amadou Hamidou Ousmane Seydou"),
    ],
)
def test_a_shortened_name_ends_in_a_letter(family: str, given: str) -> None:
    line1, line2, _ = compose_td1(aes_data())
    line3 = name_field(family, given)
    assert line3[29] != "<", line3
    assert parse_td1((line1, line2, line3), today=TODAY).possibly_truncated


@settings(max_examples=300)
@given(
    st.lists(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=14),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=14), max_size=6),
)
def test_the_last_letter_tells_whether_a_name_was_shortened(
    family: list[str], given: list[str]
) -> None:
    whole = "<".join(family) + ("<<" + "<".join(given) if given else "")
    field = name_field(" ".join(family), " ".join(given))
    if len(whole) <= 30:
        assert field == whole.ljust(30, "<")
    elif any(len(part) > 1 for part in family + given):
        assert field[29] != "<", field
    assert "<<<" not in field.rstrip("<")


def test_name_field_other_widths() -> None:
    assert name_field("Eriksson", "Anna Maria", width=39) == "ERIKSSON<<ANNA<MARIA" + "<" * 19
    assert name_field("Eriksson", "Anna Maria", width=12) == "ERIKSSON<<AN"


def test_name_field_width_must_hold_a_name() -> None:
    assert name_field("Sy", "Awa", width=5) == "SY<<A"
    assert name_field("Sy", "Awa", width=4) == "S<<A"
    assert name_field("Diallo", "Awa", width=4) == "D<<A"
    with pytest.raises(ValueError, match="width 3"):
        name_field("Sy", "Awa", width=3)


def test_family_name_needs_a_letter() -> None:
    with pytest.raises(MrzError, match="no letter"):
        name_field("'", "Awa")


# -- Composing and parsing AES cards -----------------------------------------------------------


def test_aes_card_layout() -> None:
    line1, line2, line3 = compose_td1(aes_data())
    assert line1 == f"IDMLIML0004217{weighted_check('ML0004217')}{NIN}<<<"
    assert line2[:18] == "8805212F3603136MLI"
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    assert line2[29] == weighted_check(composite)
    assert line3 == "KEITA<<AMINATA<MARIAM<<<<<<<<<"


@pytest.mark.parametrize(
    ("dob", "field"),
    [
        (PartialDate(1974, 8, 12), "740812"),
        (PartialDate(1974, 8), "7408<<"),
        (PartialDate(1974), "74<<<<"),
        (PartialDate(2008, 2, 29), "080229"),
    ],
)
def test_partial_dates_of_birth(dob: PartialDate, field: str) -> None:
    line2 = compose_td1(aes_data(date_of_birth=dob))[1]
    assert line2[:7] == field + weighted_check(field.replace("<", "0"))
    assert parse_td1(compose_td1(aes_data(date_of_birth=dob)), today=TODAY).date_of_birth == dob


def test_composite_covers_line_two_optional_data() -> None:
    line1, line2, _ = compose_td1(aes_data(optional_data2="ABCDEFGHIJK"))
    assert line2[18:29] == "ABCDEFGHIJK"
    assert line2[29] == weighted_check(line1[5:30] + line2[0:7] + line2[8:15] + "ABCDEFGHIJK")


def test_sex_x_is_a_filler() -> None:
    lines = compose_td1(aes_data(sex=Sex.X))
    assert lines[1][7] == "<"
    assert parse_td1(lines, today=TODAY).sex is Sex.X


def test_full_aes_round_trip() -> None:
    data = aes_data(family_name="Ag Ghaly", given_names="Iyad", sex=Sex.M)
    parsed = parse_td1(compose_td1(data), today=TODAY)
    assert parsed.family_name == "AG GHALY" and parsed.given_names == "IYAD"
    assert parsed.as_data() == dataclasses.replace(data, family_name="AG GHALY", given_names="IYAD")


@pytest.mark.parametrize(
    ("yymmdd", "today", "year"),
    [
        ("740812", dt.date(2026, 3, 14), 1974),
        ("200101", dt.date(2026, 3, 14), 2020),
        ("260314", dt.date(2026, 3, 14), 2026),
        ("260315", dt.date(2026, 3, 14), 1926),
        ("26<<<<", dt.date(2026, 3, 14), 2026),
        ("2604<<", dt.date(2026, 3, 14), 1926),
    ],
)
def test_birth_century_is_never_in_the_future(yymmdd: str, today: dt.date, year: int) -> None:
    line2 = f"{yymmdd}{weighted_check(yymmdd)}F3603136MLI<<<<<<<<<<<"
    line1 = compose_td1(aes_data())[0]
    line2 += weighted_check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    parsed = parse_td1([line1, line2, "KEITA<<AWA" + "<" * 20], today=today)
    assert parsed.date_of_birth.year == year


def test_expiry_years_are_this_century() -> None:
    data = aes_data(expiry=dt.date(2099, 12, 31))
    assert parse_td1(compose_td1(data), today=TODAY).expiry == dt.date(2099, 12, 31)
    with pytest.raises(MrzError, match="2000-2099"):
        aes_data(expiry=dt.date(2100, 1, 1))


# -- Parse errors ------------------------------------------------------------------------------


def _corrupt(lines: tuple[str, str, str], line: int, at: int, char: str) -> list[str]:
    out = list(lines)
    out[line] = out[line][:at] + char + out[line][at + 1 :]
    return out


@pytest.mark.parametrize(
    ("line", "at", "message"),
    [
        (0, 14, "document number check digit: expected 7, found 3"),
        (1, 6, "date of birth check digit: expected 2, found 3"),
        (1, 14, "date of expiry check digit: expected 9, found 3"),
        (1, 29, "composite check digit: expected 6, found 3"),
    ],
)
def test_each_check_digit_is_named(line: int, at: int, message: str) -> None:
    lines = _corrupt(tuple(SPECIMEN["lines"]), line, at, "3")
    with pytest.raises(MrzError, match=message) as caught:
        parse_td1(lines, today=TODAY)
    assert caught.value.field == message.split(":")[0]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (SPECIMEN["lines"][:2], "MRZ has 2 lines: expected 3"),
        ([*SPECIMEN["lines"][:2], SPECIMEN["lines"][2][:29]], "line 3 has 29 characters"),
        ([SPECIMEN["lines"][0].lower(), *SPECIMEN["lines"][1:]], r"line 1, position 1: 'i'"),
        ("I<UTO", "MRZ has 1 line: expected 3"),
        ("I<UTO\n7408122\nERIKSSON", "MRZ line 1 has 5 characters"),
        ("", "MRZ has 0 lines"),
    ],
)
def test_shape_and_alphabet(lines: list[str] | str, message: str) -> None:
    with pytest.raises(MrzError, match=message):
        parse_td1(lines, today=TODAY)


def _resealed(line1: str, line2: str, line3: str) -> list[str]:
    """Fix every check digit after an edit, so that only the field rules can fail."""
    line1 = line1[:14] + weighted_check(line1[5:14]) + line1[15:]
    line2 = line2[:6] + weighted_check(line2[0:6]) + line2[7:14] + weighted_check(line2[8:14])
    line2 = line2 + "UTO<<<<<<<<<<<"[: 29 - len(line2)]
    line2 += weighted_check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2, line3]


@pytest.mark.parametrize(
    ("line2", "line3", "message"),
    [
        ("740812 X120415 ", "ERIKSSON<<ANNA", "sex 'X': expected M, F or <"),
        ("740800 F120415 ", "ERIKSSON<<ANNA", "an unknown part is <<, not 00"),
        ("7400<< F120415 ", "ERIKSSON<<ANNA", "an unknown part is <<, not 00"),
        ("74<<12 F120415 ", "ERIKSSON<<ANNA", "a day is given but the month is unknown"),
        ("741312 F120415 ", "ERIKSSON<<ANNA", "month 13"),
        ("7A0812 F120415 ", "ERIKSSON<<ANNA", "year of birth '7A'"),
        ("740812 F120431 ", "ERIKSSON<<ANNA", "date of expiry '120431'"),
        ("740812 F12<<15 ", "ERIKSSON<<ANNA", "date of expiry '12<<15'"),
        ("740812 F120415 ", "ERIKSS0N<<ANNA", "position 7: digit 0"),
        ("740812 F120415 ", "<ERIKSSON<<ANNA", "empty name part"),
        ("740812 F120415 ", "ERIKSSON<<<ANNA", "empty name part"),
    ],
)
def test_field_rules(line2: str, line3: str, message: str) -> None:
    line1 = SPECIMEN["lines"][0]
    lines = _resealed(line1, line2.replace(" ", "0"), line3.ljust(30, "<"))
    with pytest.raises(MrzError, match=message):
        parse_td1(lines, today=TODAY)


def test_document_code_must_be_a_td1_code() -> None:
    with pytest.raises(MrzError, match="starts with A, C or I"):
        parse_td1(_corrupt(tuple(SPECIMEN["lines"]), 0, 0, "P"), today=TODAY)
    with pytest.raises(MrzError, match="starts with A, C or I"):
        aes_data(document_code="P<")


@pytest.mark.parametrize(
    ("changes", "label"),
    [
        ({"issuing_state": "ML"}, "issuing state"),
        ({"nationality": "mli"}, "nationality"),
        ({"document_number": "ML00042170"}, "document number"),
        ({"optional_data1": NIN + "0000"}, "optional data"),
        ({"optional_data2": "É"}, "optional data (line 2)"),
    ],
)
def test_mrz_data_is_checked_on_creation(changes: dict[str, object], label: str) -> None:
    with pytest.raises(MrzError, match="characters of A-Z, 0-9 and <") as caught:
        aes_data(**changes)
    assert caught.value.field == label


# -- Cross-checking ----------------------------------------------------------------------------


def test_mrz_matches_lists_each_difference() -> None:
    data = aes_data()
    parsed = parse_td1(compose_td1(data), today=TODAY)
    assert mrz_matches(parsed, data) == []
    assert mrz_matches(parsed, dataclasses.replace(data, family_name="Keita")) == []
    other = dataclasses.replace(
        data,
        family_name="Coulibaly",
        date_of_birth=PartialDate(1988, 5),
        optional_data1=generate_nin(random.Random(1)),
        expiry=dt.date(2036, 3, 14),
    )
    differences = mrz_matches(parsed, other)
    assert [d.split(":")[0] for d in differences] == [
        "NIN (optional data)",
        "date of birth",
        "date of expiry",
        "name",
    ]
    assert "date of birth: MRZ has 880521, expected 8805" in differences
    assert "name: MRZ has KEITA<<AMINATA<MARIAM, expected COULIBALY<<AMINATA<MARIAM" in differences


def test_mrz_data_from_a_card() -> None:
    identity = Identity(
        nin=NIN,
        family_name="Maïga",
        given_names="Oumou",
        date_of_birth=PartialDate(1990),
        sex=Sex.F,
        nationality="NER",
        place_of_birth="Gao",
    )
    card = Card(
        card_number=format_card_number(Country.NER, 35),  # NE0000012 (base 33)
        issuing_state=Country.NER,
        identity=identity,
        issued_at=dt.datetime(2026, 3, 14, tzinfo=dt.UTC),
        expires_on=dt.date(2036, 3, 13),
        kid=Kid(b"\x00" * 8),
        qr_text="AES1:",
    )
    data = MrzData.for_card(card)
    assert (data.issuing_state, data.document_number, data.optional_data1) == (
        "NER",
        "NE0000012",
        NIN,
    )
    line1, line2, line3 = compose_td1(data)
    assert line1.startswith("IDNERNE0000012") and line2[:6] == "90<<<<"
    assert line3.startswith("MAIGA<<OUMOU<")


# -- Properties --------------------------------------------------------------------------------

WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12)


@st.composite
def mrz_data(draw: st.DrawFn, short_names: bool = False) -> MrzData:
    most = 1 if short_names else 3
    family = " ".join(draw(st.lists(WORD, min_size=1, max_size=most)))
    given = " ".join(draw(st.lists(WORD, min_size=0, max_size=1 if short_names else 5)))
    if short_names:
        family, given = family[:12], given[:14].strip()
    born = draw(st.dates(dt.date(TODAY.year - 99, 1, 1), TODAY))
    unknown = draw(st.sampled_from(["", "day", "month"]))
    dob = PartialDate(
        born.year, 0 if unknown == "month" else born.month, born.day if not unknown else 0
    )
    state = draw(st.sampled_from(list(Country)))
    return MrzData(
        issuing_state=state.value,
        document_number=format_card_number(state, draw(st.integers(1, 33**7 - 1))),
        optional_data1=generate_nin(random.Random(draw(st.integers(0, 2**32)))),
        date_of_birth=dob,
        sex=draw(st.sampled_from(list(Sex))),
        expiry=draw(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))),
        nationality=draw(st.sampled_from(["MLI", "BFA", "NER", "CIV", "D<<"])),
        family_name=family,
        given_names=given,
    )


@settings(max_examples=200)
@given(mrz_data(short_names=True))
def test_compose_then_parse_gives_the_data_back(data: MrzData) -> None:
    parsed = parse_td1(compose_td1(data), today=TODAY)
    assert parsed.as_data() == data
    assert mrz_matches(parsed, data) == []


@settings(max_examples=200)
@given(mrz_data())
def test_any_name_length_recomposes_identically(data: MrzData) -> None:
    lines = compose_td1(data)
    assert all(len(line) == 30 for line in lines)
    parsed = parse_td1(lines, today=TODAY)
    assert compose_td1(parsed.as_data()) == lines
    assert mrz_matches(parsed, data) == []


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


def _each_single_change_is_noticed(
    lines: tuple[str, str, str], line: int, at: int, char: str
) -> None:
    original = decoded(parse_td1(lines, today=TODAY))
    changed = _corrupt(lines, line, at, char)
    try:
        result = decoded(parse_td1(changed, today=TODAY))
    except MrzError:
        return
    assert result != original, f"line {line + 1} position {at + 1} -> {char} went unnoticed"


@settings(max_examples=300)
@given(mrz_data(), st.integers(0, 2), st.integers(0, 29), st.sampled_from(ALPHABET))
def test_a_changed_character_fails_or_changes_the_data(
    data: MrzData, line: int, at: int, char: str
) -> None:
    lines = compose_td1(data)
    if lines[line][at] != char:
        _each_single_change_is_noticed(lines, line, at, char)


@pytest.mark.parametrize(
    "lines", [tuple(SPECIMEN["lines"]), compose_td1(aes_data(date_of_birth=PartialDate(1974, 8)))]
)
def test_every_single_change_of_a_known_mrz_is_noticed(lines: tuple[str, str, str]) -> None:
    for line in range(3):
        for at in range(30):
            for char in ALPHABET:
                if lines[line][at] != char:
                    _each_single_change_is_noticed(lines, line, at, char)


def test_docstring_examples() -> None:
    import doctest

    from aes_id.formats import mrz

    result = doctest.testmod(mrz)
    assert result.attempted >= 5
    assert result.failed == 0
