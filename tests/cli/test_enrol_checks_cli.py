"""``aes-id enrol`` and ``aes-id residents find``: nationality refused, MRZ warnings, accents."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli

PERSON = {
    "--family-name": "Keïta",
    "--given-names": "Aïssata",
    "--dob": "1987-11-00",
    "--sex": "F",
    "--nationality": "MLI",
    "--place-of-birth": "Ségou",
    "--state": "MLI",
    "--region": "Bamako",
}
CSV_HEADER = "family_name,given_names,dob,sex,nationality,place_of_birth,state,region\n"


def enrol_args(**changes: str) -> list[str]:
    fields = {**PERSON, **{f"--{k.replace('_', '-')}": v for k, v in changes.items()}}
    return ["enrol", *(part for pair in fields.items() for part in pair)]


def test_a_user_assigned_nationality_is_refused_on_one_line(cli: Cli) -> None:
    outcome = cli(*enrol_args(nationality="ZZZ"))
    assert outcome.code == 2
    assert "nationality 'ZZZ' is a user-assigned code" in outcome.err
    assert "XXA, XXB, XXC, XXX" in outcome.err
    assert "Traceback" not in outcome.err


def test_a_stateless_resident_is_enrolled(cli: Cli) -> None:
    nin = cli.ok(*enrol_args(nationality="XXA")).out.strip()
    assert cli.ok("residents", "show", nin, "--json").json()["nationality"] == "XXA"


def test_a_name_the_mrz_shortens_is_enrolled_with_a_warning(cli: Cli) -> None:
    outcome = cli.ok(*enrol_args(family_name="Ag Mohamed Ag Intalla", given_names="Alghabass"))
    assert outcome.out.strip().isdigit()
    assert outcome.err.startswith("warning: the MRZ holds 30 characters of name")
    assert "AG<MOHAMED<AG<INTALLA<<ALGHABA" in outcome.err
    assert cli.ok(*enrol_args(given_names="Mariam")).err == ""


def test_a_given_name_list_the_card_cannot_print_is_refused(cli: Cli) -> None:
    names = "Mohamed Lamine Abdoulaye Ousmane Boubacar Hamidou Seydou Alassane Moussa Issa"
    outcome = cli(*enrol_args(given_names=names))
    assert outcome.code == 2
    assert "is too long for the MLI card, which would print it cut" in outcome.err


def test_csv_rows_are_warned_and_refused_by_line(cli: Cli, tmp_path: Path) -> None:
    rows = [
        "Walet Alhousseini,Fatimata Zahra Aminatou,1990-01-01,F,NER,Agadez,NER,Agadez",
        "Keïta,Awa,1990-01-01,F,ZZZ,Ségou,MLI,Ségou",
        "Sawadogo,Awa,1990-01-01,F,BFA,Kaya,BFA,Centre-Nord",
    ]
    batch = tmp_path / "batch.csv"
    batch.write_text(CSV_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    outcome = cli("enrol", "--csv", str(batch))
    assert outcome.code == 1
    assert "line 2: warning: the MRZ holds 30 characters" in outcome.err
    assert "WALET<ALHOUSSEINI<<FATIMAT<Z<A" in outcome.err
    assert "line 3: rejected: nationality 'ZZZ' is a user-assigned code" in outcome.err
    assert "line 4: warning" not in outcome.err
    assert "2 enrolled, 1 rejected" in outcome.out


def test_find_ignores_case_and_accents_and_takes_wildcards_literally(cli: Cli) -> None:
    cli.ok(*enrol_args())
    cli.ok(*enrol_args(family_name="Traoré", given_names="Jean-Baptiste"))
    found = cli.ok("residents", "find", "--name", "keita", "--json").json()
    assert [r["family_name"] for r in found] == ["Keïta"]
    found = cli.ok("residents", "find", "--name", "JEAN BAPTISTE", "--json").json()
    assert [r["family_name"] for r in found] == ["Traoré"]
    for wildcard in ("%", "_", "%a%"):
        outcome = cli("residents", "find", "--name", wildcard, "--json")
        assert (outcome.code, outcome.json()) == (1, [])  # no match
    assert "no resident matches" in cli("residents", "find", "--name", "%").err
