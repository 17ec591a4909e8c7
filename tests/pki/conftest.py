"""Fixtures for the PKI tests: a fixed passphrase, seeded keys, a key store in tmp_path."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aes_id.pki.keys import KeyFactory, KeyStore, init_store

PASSPHRASE = "correct horse battery staple"
NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)


def seeded_keys(seed: str) -> KeyFactory:
    """A key factory that makes the same keys, in the same order, for the same seed."""
    counter = itertools.count()

    def make() -> Ed25519PrivateKey:
        material = hashlib.sha256(f"{seed}/{next(counter)}".encode()).digest()
        return Ed25519PrivateKey.from_private_bytes(material)

    return make


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def store(store_path: Path) -> KeyStore:
    return init_store(store_path, PASSPHRASE, NOW, key_factory=seeded_keys("store"))


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file of a directory tree with its bytes (to prove nothing changed)."""
    return {
        str(file.relative_to(path)): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file() and file.name != ".lock"
    }
