"""Fixtures for the border tests: synthetic card holders and a drill operator's PKI."""

from __future__ import annotations

from pathlib import Path

import pytest

from aes_id.simulate.border_world import Cardholder, DrillOperator
from tests.border import world


@pytest.fixture(scope="session")
def holders() -> list[Cardholder]:
    return world.holders(40)


@pytest.fixture(scope="module")
def shared_operator(tmp_path_factory: pytest.TempPathFactory) -> DrillOperator:
    """An operator that tests must not change (no revocations)."""
    return world.operator(tmp_path_factory.mktemp("operator"))


@pytest.fixture
def operator(tmp_path: Path) -> DrillOperator:
    """A fresh operator a test may revoke cards and keys with."""
    return world.operator(tmp_path)
