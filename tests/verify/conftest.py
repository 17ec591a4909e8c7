"""A small issuing world for the verifier tests, built once per test session.

Twelve synthetic residents (four per state), a key store made from fixed-seed
keys and a fixed clock, and one history that gives every signer status the
spec names::

    T0        keys init; cards for MLI x3, BFA x3, NER x4 (first signers)
    T0 + 1d   MLI signer rotated: the first one retires
              (BFA's signer will be revoked from this moment, see below)
    T0 + 2d   a card for the 4th MLI resident (new signer) and one for the 4th BFA
              resident (BFA signer, after the date it is later revoked from)
    T0 + 3d   BFA signer revoked from T0 + 1d; one NER card revoked (stolen);
              every list re-published

The lists are read back from the exported files (``lists_for``), as
``aes-id verify`` reads them. Tests must not change the world; a test that
needs another history builds its own lists from these parts.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import aes_id.publishing
from aes_id.cards.issue import IssuedCard, issue_cards, pending_nins
from aes_id.cards.revoke import revoke_card
from aes_id.domain import Country, Kid, RevocationReason
from aes_id.pki.keys import KeyFactory, KeyStore, SigningKey, stage_init
from aes_id.publishing import init_keys, publish_lists, revoke_key, rotate_signer
from aes_id.registry.db import Registry, open_registry
from aes_id.simulate.enrolment import enrol_synthetic
from aes_id.verify.lists import lists_for
from aes_id.verify.verifier import Lists

PASSPHRASE = "verifier tests passphrase"
T0 = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
ROTATED_AT = T0 + dt.timedelta(days=1)
BFA_REVOKED_FROM = T0 + dt.timedelta(days=1)
LATE = T0 + dt.timedelta(days=2)
PUBLISHED = T0 + dt.timedelta(days=3)
CHECK = PUBLISHED + dt.timedelta(hours=1)
"""When the tests verify, unless they say otherwise: every list is fresh."""


def seeded_keys(seed: str) -> KeyFactory:
    """A key factory that makes the same keys, in the same order, for the same seed."""
    counter = itertools.count()

    def make() -> Ed25519PrivateKey:
        material = hashlib.sha256(f"{seed}/{next(counter)}".encode()).digest()
        return Ed25519PrivateKey.from_private_bytes(material)

    return make


def init_seeded_keys(
    registry: Registry, path: Path, *, seed: str, now: dt.datetime, passphrase: str = PASSPHRASE
) -> KeyStore:
    """``operator.init_keys`` with fixed-seed keys (it takes no key factory of its own)."""
    factory = seeded_keys(seed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            aes_id.publishing, "stage_init", functools.partial(stage_init, key_factory=factory)
        )
        return init_keys(registry, path, passphrase, now=now, by="operator")


def rotate_seeded(
    registry: Registry, store: KeyStore, state: Country, *, seed: str, now: dt.datetime
) -> None:
    """``operator.rotate_signer`` with a fixed-seed key."""
    factory = seeded_keys(seed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            store, "stage_rotate", functools.partial(store.stage_rotate, key_factory=factory)
        )
        rotate_signer(registry, store, PASSPHRASE, state, now=now, by="operator")


@dataclass(frozen=True)
class World:
    """The registry, the key store and the cards of the history above."""

    registry: Registry
    keys: Path
    lists: Lists
    cards: dict[str, IssuedCard]
    first_signers: dict[Country, Kid]

    @property
    def store(self) -> KeyStore:
        return KeyStore.open(self.keys)

    def signer(self, state: Country) -> SigningKey:
        """The active Document Signer of ``state`` (none for BFA: it is revoked)."""
        return self.store.signer_key(state, PASSPHRASE)

    def key(self, kid: Kid) -> Ed25519PrivateKey:
        """Any private key of the store, retired or revoked ones too."""
        return self.store.load_private(kid, PASSPHRASE)

    def card(self, role: str) -> IssuedCard:
        return self.cards[role]


def _enrol(registry: Registry) -> dict[Country, list[str]]:
    nins: dict[Country, list[str]] = {}
    for seed, state in enumerate(Country, start=11):
        enrol_synthetic(registry, 4, seed=seed, state=state, officer="o1", site="desk", now=T0)
        nins[state] = pending_nins(registry, state)
    return nins


def build_world(folder: Path) -> World:
    """Run the history of the module docstring in ``folder``."""
    registry = open_registry(folder / "registry.db")
    nins = _enrol(registry)
    store = init_seeded_keys(registry, folder / "keys", seed="verify-world", now=T0)
    first = {state: store.active_signer(state)[0] for state in Country}

    def issue(which: list[str], now: dt.datetime) -> list[IssuedCard]:
        return issue_cards(registry, store, PASSPHRASE, which, now=now, officer="o1")

    mli = issue(nins[Country.MLI][:3], T0)
    bfa = issue(nins[Country.BFA][:3], T0)
    ner = issue(nins[Country.NER], T0)
    rotate_seeded(registry, store, Country.MLI, seed="verify-rotation", now=ROTATED_AT)
    (mli_new,) = issue(nins[Country.MLI][3:], LATE)
    (bfa_late,) = issue(nins[Country.BFA][3:], LATE)
    revoke_key(
        registry,
        store,
        PASSPHRASE,
        first[Country.BFA],
        from_=BFA_REVOKED_FROM,
        reason="key-compromise",
        now=PUBLISHED,
        by="operator",
    )
    revoke_card(
        registry,
        store,
        PASSPHRASE,
        ner[1].card_number,
        RevocationReason.STOLEN,
        now=PUBLISHED,
        by="o1",
    )
    publish_lists(registry, store, PASSPHRASE, now=PUBLISHED, by="operator")
    cards = {
        "valid": ner[0],
        "revoked": ner[1],
        "ner_other": ner[2],
        "retired_signer": mli[0],
        "mli_other": mli[1],
        "active_signer": mli_new,
        "bfa_before_revocation": bfa[0],
        "bfa_after_revocation": bfa_late,
    }
    return World(registry, folder / "keys", lists_for(folder / "keys"), cards, first)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = build_world(tmp_path_factory.mktemp("verify-world"))
    yield built
    built.registry.dispose()


@pytest.fixture(scope="session")
def valid_text(world: World) -> str:
    """The QR text of a genuine, valid NER card."""
    return world.card("valid").qr_text
