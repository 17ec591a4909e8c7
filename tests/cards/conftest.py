"""A desk for the card tests: twelve synthetic residents (four per state) and fixed-seed keys.

The registry and key store are built once per session; each test works on its
own copy of that folder.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from aes_id.cards.issue import IssuedCard, issue_cards
from aes_id.domain import Country
from aes_id.pki.keys import KeyStore
from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.simulate.enrolment import enrol_synthetic
from tests.verify.conftest import PASSPHRASE, init_seeded_keys

NOW = dt.datetime(2026, 3, 14, 9, 30, 15, 123456, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=30)
PER_STATE = 4


@dataclass
class Desk:
    """One test's registry and key store (a copy of the session's template)."""

    registry: Registry
    store: KeyStore

    def issue(self, nins: list[str], now: dt.datetime = NOW, **kw: Any) -> list[IssuedCard]:
        return issue_cards(self.registry, self.store, PASSPHRASE, nins, now=now, officer="o1", **kw)

    def rows(self) -> list[tables.CardRow]:
        with self.registry.reader() as session:
            return list(session.scalars(select(tables.CardRow)))

    def snapshot(self, *extra: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the tables issuance writes (and ``extra``): proof that nothing changed."""
        found = {}
        names = ("card", "card_counter", "log_leaf", "log_head", "merkle_node", *extra)
        with self.registry.reader() as session:
            for name in names:
                rows = session.execute(select(SQLModel.metadata.tables[name])).all()
                found[name] = sorted(tuple(row) for row in rows)
        return found


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("issuance")
    registry = open_registry(folder / "registry.db")
    for seed, state in enumerate(Country, start=21):
        enrol_synthetic(
            registry, PER_STATE, seed=seed, state=state, officer="o1", site="desk", now=NOW
        )
    init_seeded_keys(registry, folder / "keys", seed="issuance", now=NOW)
    registry.dispose()
    return folder


@pytest.fixture
def desk(desk_template: Path, tmp_path: Path) -> Iterator[Desk]:
    shutil.copytree(desk_template, tmp_path / "desk")
    registry = open_registry(tmp_path / "desk" / "registry.db", create=False)
    yield Desk(registry, KeyStore.open(tmp_path / "desk" / "keys"))
    registry.dispose()
