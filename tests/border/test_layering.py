"""A border post has no registry: nothing under aes_id.border may import it, even indirectly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import aes_id.border

BORDER = Path(aes_id.border.__file__).parent


def test_no_border_module_names_the_registry() -> None:
    for path in sorted(BORDER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(
                n.startswith(("aes_id.registry", "aes_id.cards", "aes_id.publishing"))
                for n in names
            ), f"{path.name} imports {names}"


def test_importing_the_border_loads_no_registry_module() -> None:
    modules = [
        f"aes_id.border.{p.stem}" for p in sorted(BORDER.glob("*.py")) if p.stem != "__init__"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.startswith(('aes_id.registry', 'sqlalchemy', 'sqlmodel')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
