"""Repeat enrolments through the officer's commands: stopped, listed, confirmed or cleared."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from aes_id.biometrics.iso19794 import write_fingers
from aes_id.biometrics.template import decode_fingers
from aes_id.registry.capture import synthetic_capture
from aes_id.simulate.enrolment import with_repeats
from aes_id.simulate.population import SyntheticPerson, generate
from tests.cli.conftest import NOW, Cli, environment, run_main

SEED, COUNT, RATE = 5, 40, 0.25
SCORE = r"\(score [01]\.\d\d\)"
CSV_HEADER = "family_name,given_names,dob,sex,nationality,place_of_birth,state,region\n"
FLAGS = [
    "--family-name",
    "Maïga",
    "--given-names",
    "Hadiza",
    "--dob",
    "1991-04-12",
    "--sex",
    "F",
    "--nationality",
    "NER",
    "--place-of-birth",
    "Tillabéri",
    "--state",
    "NER",
    "--region",
    "Niamey",
]


def planted() -> list[SyntheticPerson]:
    """The people ``enrol --synthetic COUNT --seed SEED --repeat-rate RATE`` enrols."""
    people = generate(COUNT, seed=SEED, today=dt.date.fromisoformat(NOW[:10]))
    return list(with_repeats(people, rate=RATE, seed=SEED))


@pytest.fixture(scope="module")
def stopped_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home where ``enrol --synthetic`` with planted repeats ran once (its JSON kept)."""
    folder = tmp_path_factory.mktemp("cli-repeats")
    args = ["enrol", "--synthetic", str(COUNT), "--seed", str(SEED)]
    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment(folder).items():
            patch.setenv(name, value)
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
            assert run_main([*args, "--repeat-rate", str(RATE), "--json"]) == 0
    (folder / "enrolled.json").write_text(output.getvalue())
    return folder


@pytest.fixture
def stopped(home: Path, stopped_template: Path) -> dict[str, Any]:
    shutil.copytree(stopped_template, home, dirs_exist_ok=True)
    data: dict[str, Any] = json.loads((home / "enrolled.json").read_text())
    return data


def rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "registry.db") as db:
        return db.execute(sql).fetchall()


def residents(home: Path) -> int:
    return int(str(rows(home, "SELECT count(*) FROM resident")[0][0]))


def scan(path: Path, seed: int, session: int) -> str:
    """The scanner's ISO/IEC 19794-2 record of body ``seed`` pressed at ``session``; its name."""
    path.write_bytes(write_fingers(decode_fingers(synthetic_capture(seed, session).fingers or b"")))
    return path.name


# -- stopped at enrolment ---------------------------------------------------------------------


def test_synthetic_repeats_are_stopped_and_listed(cli: Cli) -> None:
    mixed = planted()
    repeats = sum(p.repeat_of is not None for p in mixed)
    assert repeats >= 3
    outcome = cli.ok(
        "enrol", "--synthetic", str(COUNT), "--seed", str(SEED), "--repeat-rate", str(RATE)
    )
    assert f"enrolled {COUNT - repeats} synthetic residents (seed {SEED})" in outcome.out
    assert f"{repeats} stopped as suspected duplicates: `aes-id adjudicate`" in outcome.out
    stops = outcome.err.splitlines()
    assert len(stops) == repeats
    for number, line in enumerate(stops, start=1):
        assert line.startswith("suspected duplicate of ") and "pending" not in line
        assert line.endswith(f"case #{number} awaits adjudication")
    enrolled = {str(r[0]) for r in rows(cli.home, "SELECT nin FROM resident")}
    for line in stops:
        assert line.split()[3] in enrolled  # the NIN of someone enrolled


def test_synthetic_json_names_the_cases(stopped: dict[str, Any], cli: Cli) -> None:
    repeats = sum(p.repeat_of is not None for p in planted())
    assert stopped["enrolled"] == COUNT - repeats and len(stopped["nins"]) == COUNT - repeats
    assert stopped["suspected_duplicates"] == list(range(1, repeats + 1))
    assert residents(cli.home) == COUNT - repeats


def test_a_bad_repeat_rate_is_a_usage_error(cli: Cli) -> None:
    outcome = cli("enrol", "--synthetic", "5", "--repeat-rate", "1.5")
    assert outcome.code == 2 and "repeat rate 1.5 is not in [0, 1)" in outcome.err
    assert residents(cli.home) == 0


def test_a_repeat_enrolled_from_flags_is_stopped(cli: Cli, stopped: dict[str, Any]) -> None:
    fingers = scan(cli.home / "maiga.fmr", planted()[0].biometric_seed, 3)
    before = residents(cli.home)
    outcome = cli("enrol", *FLAGS, "--fingers", fingers)
    assert outcome.code == 1 and outcome.out == ""
    lines = outcome.err.splitlines()
    case = len(stopped["suspected_duplicates"]) + 1
    assert re.match(rf"error: suspected duplicate of {stopped['nins'][0]} {SCORE}: ", lines[0])
    assert lines[0].endswith(f"case #{case} awaits adjudication")
    assert lines[1:] == ["hint: `aes-id adjudicate` to decide"] and "Traceback" not in outcome.err
    assert residents(cli.home) == before  # no NIN allocated
    listed = cli.ok("adjudicate", "--json").json()
    assert listed[-1]["number"] == case and listed[-1]["person"]["family_name"] == "Maïga"


def test_a_csv_row_repeating_an_earlier_row_is_rejected_by_line(cli: Cli, home: Path) -> None:
    bodies = [(900, 1), (901, 1), (900, 2), (902, 1)]  # the third: Keïta's fingers again
    names = [scan(home / f"{seed}-{session}.fmr", seed, session) for seed, session in bodies]
    people = [
        "Keïta,Aïssata,1987-11-00,F,MLI,Ségou,MLI,Bamako",
        "Traoré,Awa,1990-01-01,F,MLI,Kayes,MLI,Kayes",
        "Diallo,Kadiatou,1989-03-04,F,MLI,Kayes,MLI,Kayes",
        "Cissé,Modibo,1975-06-30,M,MLI,Mopti,MLI,Mopti",
    ]
    rows = [f"{row},{name}" for row, name in zip(people, names, strict=True)]
    header = CSV_HEADER.strip() + ",fingers\n"
    (home / "people.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    outcome = cli("enrol", "--csv", "people.csv", "--json")
    assert outcome.code == 1
    report = outcome.json()
    assert [item["line"] for item in report["enrolled"]] == [2, 3, 5]
    (rejected,) = report["rejected"]
    keita = report["enrolled"][0]["nin"]
    assert rejected["line"] == 4
    assert re.match(rf"suspected duplicate of {keita} {SCORE}: ", rejected["reason"])
    assert rejected["reason"].endswith("case #1 awaits adjudication")
    text = cli("enrol", "--csv", "people.csv")  # the same file again: every row a repeat now
    assert text.code == 1
    assert text.out.strip().endswith("0 enrolled, 4 rejected")
    assert "line 4: rejected: suspected duplicate of" in text.err


# -- listing ----------------------------------------------------------------------------------


def test_adjudicate_lists_the_pending_cases(cli: Cli, stopped: dict[str, Any]) -> None:
    cases = stopped["suspected_duplicates"]
    listed = cli.ok("adjudicate", "--json").json()
    assert [case["number"] for case in listed] == cases
    for case in listed:
        assert case["status"] == "pending" and case["nin"] is None
        assert case["candidates"][0][0] in stopped["nins"] and case["candidates"][0][1] > 0.25
        assert case["created_at"].startswith("2026-03-14") and case["officer"] == "officer"
    table = cli.ok("adjudicate").out
    assert all(f"#{number}" in table for number in cases) and table.count("pending") == len(cases)


def test_adjudicate_with_nothing_pending(cli: Cli) -> None:
    cli.ok("enrol", "--synthetic", "2")
    assert "no case awaits adjudication" in cli.ok("adjudicate").out
    assert cli.ok("adjudicate", "--json").json() == []


def test_adjudicate_without_a_registry(cli: Cli) -> None:
    outcome = cli("adjudicate")
    assert outcome.code == 1 and "no registry at" in outcome.err


# -- decisions --------------------------------------------------------------------------------


def test_confirm_refuses_and_the_case_leaves_the_list(cli: Cli, stopped: dict[str, Any]) -> None:
    before = residents(cli.home)
    out = cli.ok("adjudicate", "confirm", "1", "--officer", "sup-2").out
    assert out.strip() == "case #1 confirmed: enrolment refused and recorded as a fraud attempt"
    assert residents(cli.home) == before
    assert 1 not in [case["number"] for case in cli.ok("adjudicate", "--json").json()]
    everything = cli.ok("adjudicate", "--all", "--json").json()
    assert everything[0]["status"] == "confirmed" and everything[0]["decided_by"] == "sup-2"
    assert "confirmed" in cli.ok("adjudicate", "--all").out


def test_clear_enrols_and_prints_the_new_nin(cli: Cli, stopped: dict[str, Any]) -> None:
    pending = cli.ok("adjudicate", "--json").json()
    applicant = pending[1]["person"]
    number = pending[1]["number"]
    out = cli.ok("adjudicate", "clear", str(number)).out.strip()
    prefix = f"case #{number} cleared as a false match: enrolled with NIN "
    assert out.startswith(prefix)
    nin = out[len(prefix) :]
    shown = cli.ok("residents", "show", nin, "--json").json()
    assert (shown["family_name"], shown["given_names"]) == (
        applicant["family_name"],
        applicant["given_names"],
    )
    decided = [c for c in cli.ok("adjudicate", "--all", "--json").json() if c["number"] == number]
    assert decided[0]["status"] == "cleared" and decided[0]["nin"] == nin


@pytest.mark.parametrize(
    ("first", "second", "status"),
    [("confirm", "clear", "confirmed"), ("clear", "clear", "cleared")],
)
def test_deciding_twice_is_one_line_and_exit_2(
    cli: Cli, stopped: dict[str, Any], first: str, second: str, status: str
) -> None:
    cli.ok("adjudicate", first, "2")
    count = residents(cli.home)
    outcome = cli("adjudicate", second, "2")
    assert outcome.code == 2 and outcome.out == ""
    assert outcome.err.strip() == f"error: case #2 was already decided ({status})"
    assert residents(cli.home) == count


def test_an_unknown_case(cli: Cli, stopped: dict[str, Any]) -> None:
    outcome = cli("adjudicate", "confirm", "99")
    assert outcome.code == 1 and outcome.err.strip() == "error: no adjudication case #99"
