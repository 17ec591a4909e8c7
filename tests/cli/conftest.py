"""Running ``aes-id`` in-process: a fresh home per test, a fixed clock, and a ready-issued registry.

Every test gets its own folder (registry, key store, working directory) and the
environment a real user would set: ``AES_ID_DB``, ``AES_ID_KEYS``,
``AES_ID_KEY_PASSPHRASE`` and ``AES_ID_NOW``. The registry with issued cards is
made once per session through the CLI itself and copied into each test that
asks for it.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aes_id.cli.app import main

PASSPHRASE = "cli tests passphrase"
NOW = "2026-03-14T09:30:00+00:00"
SYNTHETIC = 6


def environment(home: Path) -> dict[str, str]:
    return {
        "AES_ID_DB": str(home / "registry.db"),
        "AES_ID_KEYS": str(home / "keys"),
        "AES_ID_KEY_PASSPHRASE": PASSPHRASE,
        "AES_ID_NOW": NOW,
    }


@dataclass(frozen=True)
class Outcome:
    """What one command did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_main(args: list[str]) -> int:
    """``aes-id ARGS`` in this process; the exit code (Typer always ends with SystemExit)."""
    try:
        main(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


@dataclass
class Cli:
    """Runs commands against one home folder and captures their output."""

    home: Path
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str) -> Outcome:
        self.capsys.readouterr()
        code = run_main(list(args))
        captured = self.capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    def ok(self, *args: str) -> Outcome:
        """Run and require success."""
        outcome = self(*args)
        assert outcome.code == 0, (args, outcome.err)
        return outcome


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    for name, value in environment(folder).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(home, capsys)


@pytest.fixture(scope="session")
def issued_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with six synthetic residents, a key store and a card for each (via the CLI)."""
    folder = tmp_path_factory.mktemp("cli-issued")
    commands = [
        ["enrol", "--synthetic", str(SYNTHETIC), "--seed", "3"],
        ["keys", "init"],
        ["issue", "--pending", "--workers", "1", "--json"],
    ]
    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment(folder).items():
            patch.setenv(name, value)
        for args in commands:
            output = io.StringIO()
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
                assert run_main(args) == 0, args
    (folder / "cards.json").write_text(output.getvalue())
    return folder


@dataclass(frozen=True)
class Issued:
    """A test's copy of the issued home: its cards as ``aes-id issue --json`` listed them."""

    home: Path
    cards: list[dict[str, str]]


@pytest.fixture
def issued(home: Path, issued_template: Path) -> Issued:
    shutil.copytree(issued_template, home, dirs_exist_ok=True)
    cards = json.loads((home / "cards.json").read_text())
    assert len(cards) == SYNTHETIC
    return Issued(home, cards)


@pytest.fixture
def qr_of(cli: Cli) -> Iterator[Any]:
    """The QR text of a card number, read back with ``aes-id card show --json``."""

    def read(card_number: str) -> str:
        text: str = cli.ok("card", "show", card_number, "--json").json()["qr_text"]
        return text

    yield read
