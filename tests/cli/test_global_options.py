"""``--db`` and ``--keys`` work before or after the command; ``--help`` names their variables."""

from __future__ import annotations

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
