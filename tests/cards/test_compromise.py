"""Key compromise and the way back: cards marked, re-issued, verified, and a clean audit.

The history every test starts from (a copy per test)::

    NOW        4 residents per state enrolled; keys made; a checkpoint, saved as a file
    NOW + 1h   2 cards per state ("before": signed before the compromise date)
    D          NOW + 2h, the date the key is revoked from
    NOW + 3h   2 more cards per state ("after": signed on or after D)

and the tests revoke at LATER (NOW + 5h): a Document Signer, or a State CA.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aes_id.audit.auditor import run_audit
from aes_id.audit.checkpoint import make_checkpoint, write_checkpoint_file
from aes_id.audit.log import ENV_CLOCK_TOLERANCE
from aes_id.border.sync import ListParser, merge_lists, read_list_files
from aes_id.cards.compromise import cards_signed_by, revoke_key
from aes_id.cards.issue import IssuedCard, issue_cards, pending_nins
from aes_id.cards.revoke import revoke_card
from aes_id.cards.views import card_view
from aes_id.domain import CardNumber, CardStatus, Country, Kid, Nin, RevocationReason, Verdict
from aes_id.errors import KeyStoreError
from aes_id.formats.cose import decode1
from aes_id.pki.exports import revocation_file
from aes_id.pki.keys import KeyEventKind, KeyRole, KeyStatus, KeyStore
from aes_id.publishing import init_keys, replace_state_ca
from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.simulate.enrolment import enrol_synthetic
from aes_id.verify.lists import lists_for
from aes_id.verify.verifier import Lists, verify_qr_text
from tests.conftest import NOW
from tests.pki.conftest import snapshot

PASSPHRASE = "compromise test passphrase"
HOUR = dt.timedelta(hours=1)
D = NOW + 2 * HOUR
LATER = NOW + 5 * HOUR


@dataclass
class World:
    path: Path
    registry: Registry
    store: KeyStore
    before: dict[Country, list[IssuedCard]]
    after: dict[Country, list[IssuedCard]]

    @property
    def keys(self) -> Path:
        return self.path / "keys"

    @property
    def saved(self) -> str:
        return (self.path / "saved.checkpoint").read_text(encoding="utf-8")

    def signer(self, state: Country) -> Kid:
        return self.store.active_signer(state)[0]

    def status(self, card: IssuedCard) -> tuple[str, str | None]:
        view = card_view(self.registry, card.card_number)
        return view.card.status.value, view.revocation_reason

    def verdict(self, card: IssuedCard, at: dt.datetime, lists: Lists | None = None) -> Verdict:
        lists = lists if lists is not None else lists_for(self.keys)
        return verify_qr_text(card.qr_text, lists, now=at).verdict

    def audit_is_clean(self, at: dt.datetime) -> list[str]:
        make_checkpoint(self.registry, self.store, PASSPHRASE, at)
        report = run_audit(self.registry, self.store, saved_checkpoint=self.saved)
        assert report.saved_checkpoint is not None
        return [str(finding) for finding in report.findings]

    def issue(self, nins: list[str], at: dt.datetime) -> list[IssuedCard]:
        return issue_cards(self.registry, self.store, PASSPHRASE, nins, now=at, officer="o2")

    def counts(self) -> tuple[int, int, int, int]:
        """Cards, revoked cards, log leaves, signed lists: what a failed command must not touch."""
        with self.registry.reader() as session:
            return (
                session.scalar(select(func.count()).select_from(tables.CardRow)) or 0,
                session.scalar(
                    select(func.count())
                    .select_from(tables.CardRow)
                    .where(tables.CardRow.status == CardStatus.REVOKED.value)  # type: ignore[arg-type]
                )
                or 0,
                session.scalar(select(func.count()).select_from(tables.LogLeaf)) or 0,
                session.scalar(select(func.count()).select_from(tables.ListRow)) or 0,
            )


def _build(path: Path) -> None:
    registry = open_registry(path / "registry.db")
    nins: dict[Country, list[Nin]] = {}
    for seed, state in enumerate(Country, start=21):
        nins[state] = enrol_synthetic(
            registry, 4, seed=seed, state=state, officer="o1", site="desk", now=NOW
        )
    store = init_keys(registry, path / "keys", PASSPHRASE, now=NOW, by="operator")
    write_checkpoint_file(
        path / "saved.checkpoint", make_checkpoint(registry, store, PASSPHRASE, NOW)
    )
    for at in (NOW + HOUR, NOW + 3 * HOUR):
        for state in Country:
            which = nins[state][:2] if at < D else nins[state][2:]
            issue_cards(registry, store, PASSPHRASE, which, now=at, officer="o1")
    registry.dispose()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compromise")
    _build(path)
    return path


@pytest.fixture
def world(template: Path, tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "world"
    shutil.copytree(template, path)
    registry = open_registry(path / "registry.db", create=False)
    with registry.reader() as session:
        rows = session.scalars(select(tables.CardRow)).all()
        cards = [
            IssuedCard(
                CardNumber(r.card_number),
                Nin(r.nin),
                Country(r.state),
                Kid(bytes.fromhex(r.kid)),
                r.qr_text,
            )
            for r in sorted(rows, key=lambda r: r.card_number)
        ]
        issued = {r.card_number: r.issued_at for r in rows}
    before = {
        s: [c for c in cards if c.state is s and _at(issued[c.card_number]) < D] for s in Country
    }
    after = {s: [c for c in cards if c.state is s and c not in before[s]] for s in Country}
    yield World(path, registry, KeyStore.open(path / "keys"), before, after)
    registry.dispose()


def _at(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _revoke(world: World, kid: Kid, reason: str, at: dt.datetime = LATER) -> object:
    return revoke_key(
        world.registry, world.store, PASSPHRASE, kid, from_=D, reason=reason, now=at, by="operator"
    )


# --- a Document Signer compromised ------------------------------------------------------------


def test_a_compromised_signer_s_cards_are_revoked_re_issued_and_audited(world: World) -> None:
    old = world.signer(Country.MLI)
    compromise = revoke_key(
        world.registry,
        world.store,
        PASSPHRASE,
        old,
        from_=D,
        reason="key-compromise",
        now=LATER,
        by="operator",
    )
    after = world.after[Country.MLI]
    assert compromise.cards == tuple(c.card_number for c in after)
    for card in after:
        view = card_view(world.registry, card.card_number)
        assert view.card.status is CardStatus.REVOKED
        assert view.revocation_reason == RevocationReason.SIGNER_COMPROMISED.value
        assert _at(view.revoked_at) == LATER  # type: ignore[arg-type]
    for card in world.before[Country.MLI] + world.after[Country.BFA]:
        assert world.status(card) == ("valid", None)
    # The active signer was replaced in the same change.
    assert [e.kind for e in compromise.events] == [KeyEventKind.REVOKED, KeyEventKind.ROTATED]
    new = world.signer(Country.MLI)
    assert new != old and compromise.successor is not None and compromise.successor.kid == new
    assert world.store.record(old).status is KeyStatus.REVOKED
    # The state's revocation list was re-signed with the cards on it.
    lists = lists_for(world.keys)
    revocations = lists.revocations_of(Country.MLI)
    assert revocations is not None
    assert {r.card_number for r in revocations.entries} == set(compromise.cards)
    # Re-issue: the pending residents are exactly the holders of the revoked cards.
    assert pending_nins(world.registry, Country.MLI) == sorted(c.nin for c in after)
    reissued = world.issue(pending_nins(world.registry, Country.MLI), LATER + HOUR)
    assert {card.kid for card in reissued} == {new}
    check = LATER + 2 * HOUR
    for card in after:
        assert world.verdict(card, check) is Verdict.UNTRUSTED_SIGNER
    for card in reissued + world.before[Country.MLI]:
        assert world.verdict(card, check) is Verdict.VALID
    assert world.audit_is_clean(check) == []


def test_revoking_a_retired_signer_leaves_the_active_one(world: World) -> None:
    from aes_id.publishing import rotate_signer

    old = world.signer(Country.NER)
    rotate_signer(world.registry, world.store, PASSPHRASE, Country.NER, now=LATER, by="op")
    active = world.signer(Country.NER)
    compromise = revoke_key(
        world.registry,
        world.store,
        PASSPHRASE,
        old,
        from_=D,
        reason="key-compromise",
        now=LATER,
        by="operator",
    )
    assert compromise.successor is None and world.signer(Country.NER) == active
    assert compromise.cards == tuple(c.card_number for c in world.after[Country.NER])


def test_a_failed_revocation_changes_nothing(world: World) -> None:
    before, keys = world.counts(), snapshot(world.keys)
    for kid in (world.signer(Country.BFA), world.store.state_ca(Country.BFA)[0]):
        with pytest.raises(KeyStoreError, match="wrong passphrase"):
            revoke_key(
                world.registry,
                world.store,
                "not the passphrase at all",
                kid,
                from_=D,
                reason="key-compromise",
                now=LATER,
                by="operator",
            )
        assert world.counts() == before
        assert snapshot(world.keys) == keys
        assert KeyStore.open(world.keys).record(kid).status is KeyStatus.ACTIVE
    _revoke(world, world.store.state_ca(Country.BFA)[0], "ca-compromise")
    before, keys = world.counts(), snapshot(world.keys)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        replace_state_ca(
            world.registry,
            world.store,
            "not the passphrase at all",
            Country.BFA,
            now=LATER,
            by="op",
        )
    assert world.counts() == before and snapshot(world.keys) == keys
    assert KeyStore.open(world.keys).state_ca_revoked(Country.BFA) is not None


# --- a State CA compromised, and replaced ---------------------------------------------------


def test_a_compromised_state_ca_is_replaced_and_its_cards_re_issued(world: World) -> None:
    state = Country.BFA
    old_ca, old_signer = world.store.state_ca(state)[0], world.signer(state)
    compromise = revoke_key(
        world.registry,
        world.store,
        PASSPHRASE,
        old_ca,
        from_=D,
        reason="ca-compromise",
        now=LATER,
        by="operator",
    )
    after = world.after[state]
    assert compromise.cards == tuple(c.card_number for c in after)
    assert compromise.successor is None
    assert all(world.status(c) == ("revoked", "signer-compromised") for c in after)
    # No card is issued under the revoked CA, and the refusal writes nothing.
    counts = world.counts()
    with pytest.raises(KeyStoreError, match="State CA of BFA is revoked") as refused:
        world.issue(pending_nins(world.registry, state), LATER)
    assert "aes-id keys replace-ca --state BFA" in (refused.value.hint or "")
    assert world.counts() == counts
    # Verifiers already void the old cards from D on, before the replacement.
    assert world.verdict(after[0], LATER) is Verdict.UNTRUSTED_SIGNER
    change = replace_state_ca(
        world.registry, world.store, PASSPHRASE, state, now=LATER + HOUR, by="operator"
    )
    new_ca, new_signer = change.events[0].kid, change.events[1].kid
    assert world.store.state_ca(state)[0] == new_ca != old_ca
    assert world.signer(state) == new_signer and world.store.record(new_signer).issuer == new_ca
    assert world.store.record(old_signer).status is KeyStatus.RETIRED
    exported = (world.keys / revocation_file(state)).read_bytes()
    assert decode1(exported).kid == new_ca
    reissued = world.issue(pending_nins(world.registry, state), LATER + 2 * HOUR)
    assert len(reissued) == len(after) and {c.kid for c in reissued} == {new_signer}
    check = LATER + 3 * HOUR
    lists = lists_for(world.keys)
    assert lists.trust_list.find(old_ca) is not None
    for card in after:
        assert world.verdict(card, check, lists) is Verdict.UNTRUSTED_SIGNER
    for card in reissued + world.before[state]:
        assert world.verdict(card, check, lists) is Verdict.VALID
    assert world.audit_is_clean(check) == []


def test_a_list_the_revoked_ca_signed_after_the_date_is_withdrawn(world: World) -> None:
    """The CA signed a list between D and its revocation: verifiers and posts must still
    give verdicts, not refuse the whole folder, before and after the replacement."""
    state = Country.MLI
    parser = ListParser(world.store.root_certificate())
    post = merge_lists(parser, None, read_list_files(world.keys))
    revoke_card(
        world.registry,
        world.store,
        PASSPHRASE,
        world.before[state][0].card_number,
        RevocationReason.LOST,
        now=NOW + 4 * HOUR,
        by="o1",
    )
    post = merge_lists(parser, post.files, read_list_files(world.keys))
    revoke_key(
        world.registry,
        world.store,
        PASSPHRASE,
        world.store.state_ca(state)[0],
        from_=D,
        reason="ca-compromise",
        now=LATER,
        by="operator",
    )
    assert not (world.keys / revocation_file(state)).exists()
    old = world.after[state][0]
    assert world.verdict(old, LATER) is Verdict.UNTRUSTED_SIGNER
    post = merge_lists(parser, post.files, read_list_files(world.keys))
    assert post.lists.revocations_of(state) is None
    assert verify_qr_text(old.qr_text, post.lists, now=LATER).verdict is Verdict.UNTRUSTED_SIGNER
    replace_state_ca(world.registry, world.store, PASSPHRASE, state, now=LATER, by="operator")
    post = merge_lists(parser, post.files, read_list_files(world.keys))
    revocations = post.lists.revocations_of(state)
    assert revocations is not None and len(revocations) == 1 + len(world.after[state])
    assert verify_qr_text(old.qr_text, post.lists, now=LATER).verdict is Verdict.UNTRUSTED_SIGNER
    assert world.verdict(world.before[state][0], LATER) is Verdict.REVOKED
    assert world.verdict(world.before[state][1], LATER) is Verdict.VALID


def test_the_audit_stays_clean_when_the_revoked_ca_had_signed_lists_since(world: World) -> None:
    card = world.before[Country.NER][0].card_number
    revoke_card(
        world.registry,
        world.store,
        PASSPHRASE,
        card,
        RevocationReason.LOST,
        now=NOW + 4 * HOUR,
        by="o1",
    )
    _revoke(world, world.store.state_ca(Country.NER)[0], "ca-compromise")
    replace_state_ca(world.registry, world.store, PASSPHRASE, Country.NER, now=LATER, by="op")
    assert world.audit_is_clean(LATER) == []


def test_replace_ca_refuses_a_state_ca_that_is_not_revoked(world: World) -> None:
    from aes_id.errors import UsageError

    with pytest.raises(UsageError, match="is not revoked") as info:
        replace_state_ca(world.registry, world.store, PASSPHRASE, Country.NER, now=LATER, by="op")
    assert "--reason ca-compromise" in (info.value.hint or "")


def test_cards_signed_by_counts_valid_cards_only(world: World) -> None:
    signers = [r.kid for r in world.store.list_keys() if r.role is KeyRole.DOCUMENT_SIGNER]
    assert cards_signed_by(world.registry, signers) == 12
    _revoke(world, world.signer(Country.MLI), "key-compromise")
    assert cards_signed_by(world.registry, signers) == 10
    assert cards_signed_by(world.registry, [world.signer(Country.MLI)]) == 0


def test_the_cards_from_the_date_on_are_found_on_every_database(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compromise date is compared with the stored issue times: SQLite and PostgreSQL."""
    # The fixed test clock is months from a PostgreSQL server's: allow it.
    monkeypatch.setenv(ENV_CLOCK_TOLERANCE, str(10 * 365 * 86400))
    nins = enrol_synthetic(registry, 4, seed=5, state=Country.NER, officer="o", site="s", now=NOW)
    store = init_keys(registry, tmp_path / "keys", PASSPHRASE, now=NOW, by="operator")
    issue_cards(registry, store, PASSPHRASE, nins[:2], now=D - dt.timedelta(seconds=1), officer="o")
    after = issue_cards(registry, store, PASSPHRASE, nins[2:], now=D, officer="o")
    kid = store.active_signer(Country.NER)[0]
    compromise = revoke_key(
        registry, store, PASSPHRASE, kid, from_=D, reason="key-compromise", now=LATER, by="op"
    )
    assert compromise.cards == tuple(card.card_number for card in after)
    assert pending_nins(registry, Country.NER) == sorted(card.nin for card in after)
