"""``--db`` and ``--keys`` work before or after the command; ``--help`` names their variables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aes_id.cli.app import hoist_global_options
from tests.cli.conftest import Cli


def test_db_after_the_command_is_the_registry_used(cli: Cli, home: Path) -> None:
    other = home / "other.db"
    cli.ok("enrol", "--db", str(other), "--synthetic", "2", "--seed", "5", "--state", "NER")
    assert other.is_file()
    assert not (home / "registry.db").exists()
    found = cli.ok("residents", "find", "--state", "NER", f"--db={other}", "--json").json()
    assert len(found) == 2


def test_keys_after_the_command_is_the_key_store_used(cli: Cli, home: Path) -> None:
    cli.ok("keys", "init", "--keys", str(home / "elsewhere"))
    assert (home / "elsewhere" / "trust-list.cose").is_file()
    assert not (home / "keys").exists()
    listed = cli.ok("keys", "list", "--json", "--keys", str(home / "elsewhere")).json()
    assert listed


def test_the_global_options_are_in_the_help(cli: Cli) -> None:
    text = cli.ok("--help").out
    assert "AES_ID_DB" in text and "AES_ID_KEYS" in text


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        (
            ["enrol", "--db", "a.db", "--synthetic", "1"],
            ["--db", "a.db", "enrol", "--synthetic", "1"],
        ),
        (["keys", "init", "--keys=k"], ["--keys=k", "keys", "init"]),
        (["--db", "a.db", "issue"], ["--db", "a.db", "issue"]),
        (["verify", "-v", "--qr", "X"], ["-v", "verify", "--qr", "X"]),
        (["verify", "--", "--db", "x"], ["verify", "--", "--db", "x"]),
        (["enrol", "--db"], ["enrol", "--db"]),
    ],
)
def test_hoisting(given: list[str], parsed: list[str]) -> None:
    assert hoist_global_options(given) == parsed


def test_version_is_an_option(cli: Cli) -> None:
    from aes_id import __version__

    assert cli.ok("--version").out.strip() == f"aes-id {__version__}"


@pytest.mark.parametrize(
    "command", [[], ["enrol"], ["issue"], ["verify"], ["border", "simulate"], ["audit", "verify"]]
)
def test_help_shows_no_type_placeholder_for_flags_and_no_issue_numbers(
    cli: Cli, command: list[str]
) -> None:
    text = cli.ok(*command, "--help").out
    assert "<bool>" not in text
    assert not re.search(r"\bissue \d", text)


def test_a_json_error_is_json_with_the_same_exit_code(cli: Cli) -> None:
    plain = cli("card", "show", "XX0000000")
    machine = cli("card", "show", "XX0000000", "--json")
    assert plain.code == machine.code != 0
    error = machine.json()
    assert error["exit_code"] == machine.code and error["error"]


def test_no_match_has_the_same_exit_code_with_and_without_json(cli: Cli, home: Path) -> None:
    cli.ok("enrol", "--synthetic", "2", "--seed", "5")
    plain = cli("residents", "find", "--name", "zzzzqq")
    machine = cli("residents", "find", "--name", "zzzzqq", "--json")
    assert plain.code == machine.code == 1
    assert machine.json() == []
