"""Once through a real process: the installed ``aes-id`` script, its exit codes and streams.

The in-process tests call :func:`aes_id.cli.app.main`; this one runs the console
script a user runs, so the entry point, the environment and the process exit
status are the real ones.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import PASSPHRASE, environment


def command() -> list[str]:
    """The ``aes-id`` script beside this interpreter (a venv's bin/), else the same entry point."""
    script = Path(sys.executable).with_name("aes-id")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from aes_id.cli.app import main; main()"]


@pytest.mark.slow
def test_the_whole_chain_in_real_processes(tmp_path: Path) -> None:
    """Six processes (each pays the CLI's import time); the rest is covered in-process."""
    env = {**os.environ, **environment(tmp_path), "AES_ID_KEY_PASSPHRASE": PASSPHRASE}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command(), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )

    enrolled = run("enrol", "--synthetic", "2", "--seed", "5", "--json")
    assert enrolled.returncode == 0, enrolled.stderr
    assert json.loads(enrolled.stdout)["enrolled"] == 2
    assert run("keys", "init").returncode == 0
    issued = run("issue", "--pending", "--workers", "1", "--json")
    assert issued.returncode == 0, issued.stderr
    cards = json.loads(issued.stdout)
    assert len(cards) == 2
    with sqlite3.connect(tmp_path / "registry.db") as db:
        (text,) = db.execute(
            "SELECT qr_text FROM card WHERE card_number = ?", (cards[0]["card_number"],)
        ).fetchone()

    valid = run("verify", "--qr", text)
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.splitlines()[0] == "VALID" and valid.stderr == ""
    middle = len(text) // 2
    forged = text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1 :]
    refused = run("verify", "--qr", forged, "--json")
    assert refused.returncode == 1 and json.loads(refused.stdout)["verdict"] != "VALID"
    usage = run("verify")
    assert usage.returncode == 2 and usage.stdout == ""
    assert usage.stderr.strip().splitlines() == [
        "error: give a photo/scan/PDF file, or --qr TEXT (one of them)"
    ]
