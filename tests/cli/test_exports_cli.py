"""Exported files: ``--out`` means what ``--help`` says; public files world-readable, keys not."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.cli.conftest import Cli, Issued


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_public_files_are_world_readable_and_private_keys_are_not(cli: Cli, home: Path) -> None:
    cli.ok("keys", "init")
    keys = home / "keys"
    public = [keys / "trust-list.cose", keys / "root.crt.pem", *keys.glob("revocations-*.cose")]
    public += list(keys.glob("*.crt.pem"))
    private = list(keys.glob("*.key.pem"))
    assert len(private) == 8 and len(public) >= 12
    assert {_mode(p) for p in public} == {0o644}
    assert {_mode(p) for p in private} == {0o600}


def test_revocations_export_out_is_a_folder_even_for_one_state(cli: Cli, issued: Issued) -> None:
    out = issued.home / "copies"
    cli.ok("revocations", "export", "--state", "MLI", "--out", str(out))
    assert (out / "revocations-MLI.cose").is_file()
    assert _mode(out / "revocations-MLI.cose") == 0o644


def test_trust_list_out_is_a_file_or_an_existing_folder(cli: Cli, issued: Issued) -> None:
    file = issued.home / "trust.cose"
    cli.ok("keys", "trust-list", "--out", str(file))
    assert file.is_file() and file.read_bytes()[:1] in (b"\xd2", b"\x84")
    folder = issued.home / "posts-share"
    folder.mkdir()
    cli.ok("keys", "trust-list", "--out", str(folder))
    assert (folder / "trust-list.cose").is_file()


def _help(cli: Cli, *command: str) -> str:
    return " ".join(cli.ok(*command, "--help").out.split())


def test_the_help_says_so(cli: Cli) -> None:
    assert "into this folder" in _help(cli, "revocations", "export")
    assert "to this file (or into this existing folder)" in _help(cli, "keys", "trust-list")
