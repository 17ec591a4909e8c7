"""The layers of docs/architecture.md hold: import-linter's contracts, and pure formats.

``make test`` runs ``lint-imports`` too; these tests also prove that a broken
layer is caught and named, so the contract cannot pass by checking nothing.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import aes_id.formats

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
FORMATS = Path(aes_id.formats.__file__).parent
IO_MODULES = {"os", "pathlib", "shutil", "tempfile", "socket", "subprocess", "urllib", "http"}
"""Standard-library modules that reach files, processes or the network."""


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=package_parent,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(package_parent)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_layer_contract_is_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_verifier_reaching_the_registry_is_caught_and_named(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "aes_id", tmp_path / "aes_id", ignore=shutil.ignore_patterns("*.pyc"))
    scan = tmp_path / "aes_id" / "verify" / "scan.py"
    scan.write_text(scan.read_text() + "\nfrom aes_id.registry import db  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "aes_id.verify.scan -> aes_id.registry.db" in result.stdout


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _calls_open(path: Path) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


@pytest.mark.parametrize("path", sorted(FORMATS.glob("*.py")), ids=lambda p: p.name)
def test_formats_do_no_io(path: Path) -> None:
    reached = _imported_modules(path) & IO_MODULES
    assert not reached, f"aes_id/formats/{path.name} imports {sorted(reached)}"
    assert not _calls_open(path), f"aes_id/formats/{path.name} opens a file"


def test_the_io_check_sees_an_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import os.path\nfrom pathlib import Path\nwith open('x') as f: pass\n")
    assert _imported_modules(module) & IO_MODULES == {"os", "pathlib"}
    assert _calls_open(module)


def test_an_import_cycle_is_caught_and_named(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "aes_id", tmp_path / "aes_id", ignore=shutil.ignore_patterns("*.pyc"))
    trust = tmp_path / "aes_id" / "pki" / "trust.py"
    trust.write_text(trust.read_text() + "\nfrom aes_id.pki import revocation  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "No cycles are allowed in aes_id.pki" in result.stdout
    assert ".trust -> .revocation" in result.stdout
