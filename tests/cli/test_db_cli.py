"""The registry options on the command line: clear errors, no schema written by a reader."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli


def test_the_cli_says_it_in_one_line(cli: Cli) -> None:
    outcome = cli("residents", "find", "--name", "x", "--db", "mysql://u:p@h/db")
    assert outcome.code == 2
    assert "Traceback" not in outcome.err
    assert outcome.err.splitlines()[0].startswith("error: unsupported database URL mysql://")


def test_a_read_only_command_on_an_empty_file_fails_cleanly(cli: Cli, home: Path) -> None:
    (home / "registry.db").touch()
    outcome = cli("residents", "find", "--name", "keita")
    assert outcome.code != 0 and "no registry" in outcome.err
    assert (home / "registry.db").stat().st_size == 0
