"""Issuance: card numbers, dates, one valid card per resident, QR size, interop, atomicity.

The desk (twelve synthetic residents, fixed-seed keys) is in ``tests/cards/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

import claim169
import pytest
from sqlalchemy import select, update
from sqlmodel import col

import aes_id.cards.issue
from aes_id.audit.leaf import LeafKind, LogEntry
from aes_id.cards.issue import pending_nins
from aes_id.cards.revoke import revoke_card
from aes_id.cards.views import card_view
from aes_id.domain import CardStatus, Country, RevocationReason, Verdict
from aes_id.errors import AesIdError, InputError, NotFoundError, StorageError, UsageError
from aes_id.formats.credential import parse_qr_text
from aes_id.formats.mrz import parse_td1
from aes_id.formats.numbers import CARD_SERIAL_MAX
from aes_id.formats.qr import MAX_QR_CHARS, qr_version
from aes_id.pki.certs import public_key_of
from aes_id.pki.keys import KeyStore
from aes_id.publishing import publish_lists
from aes_id.registry import tables
from aes_id.registry.db import open_registry
from aes_id.verify.lists import lists_for
from aes_id.verify.verifier import verify_qr_text
from tests.cards.conftest import LATER, NOW, PER_STATE, Desk
from tests.verify.conftest import PASSPHRASE


def test_card_numbers_run_in_sequence_per_state(desk: Desk) -> None:
    nins = pending_nins(desk.registry)
    cards = desk.issue(nins)
    assert [c.nin for c in cards] == nins
    for state in Country:
        numbers = [c.card_number for c in cards if c.state is state]
        assert numbers == [f"{state.alpha2}{serial:07d}" for serial in range(1, PER_STATE + 1)]
    assert len({c.card_number for c in cards}) == len(cards) == 3 * PER_STATE
    more = desk.issue([nins[0]], LATER, replace=RevocationReason.LOST)
    assert more[0].card_number == f"{more[0].state.alpha2}{PER_STATE + 1:07d}"


def test_dates_are_the_second_of_issue_and_ten_years_less_a_day(desk: Desk) -> None:
    (card,) = desk.issue(pending_nins(desk.registry)[:1])
    claims = parse_qr_text(card.qr_text).claims
    assert claims.issued_at == NOW.replace(microsecond=0)
    assert claims.expires_at == dt.datetime(2036, 3, 13, 23, 59, 59, tzinfo=dt.UTC)
    (row,) = desk.rows()
    assert row.expires_on == dt.date(2036, 3, 13) == claims.expires_on


def test_a_card_issued_on_29_february_expires_on_28_february(desk: Desk) -> None:
    leap = dt.datetime(2028, 2, 29, 10, 0, tzinfo=dt.UTC)
    (card,) = desk.issue(pending_nins(desk.registry)[:1], leap)
    assert parse_qr_text(card.qr_text).claims.expires_on == dt.date(2038, 2, 28)


def test_a_second_card_without_replace_is_refused_and_changes_nothing(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    (first,) = desk.issue([nin])
    before = desk.snapshot()
    with pytest.raises(UsageError) as caught:
        desk.issue([nin], LATER)
    assert caught.value.message == f"resident {nin} already has valid card {first.card_number}"
    assert caught.value.hint is not None and "--replace" in caught.value.hint
    assert desk.snapshot() == before


def test_replace_revokes_the_old_card_with_its_reason_and_the_new_one_verifies(
    desk: Desk,
) -> None:
    nin = pending_nins(desk.registry)[0]
    (old,) = desk.issue([nin])
    (new,) = desk.issue([nin], LATER, replace=RevocationReason.STOLEN)
    assert new.card_number != old.card_number
    rows = {row.card_number: row for row in desk.rows()}
    assert rows[old.card_number].status == CardStatus.REVOKED.value
    assert rows[old.card_number].revocation_reason == "stolen"
    assert rows[new.card_number].status == CardStatus.VALID.value
    publish_lists(desk.registry, desk.store, PASSPHRASE, now=LATER, by="o1", trust_list=False)
    lists = lists_for(desk.store.path)
    check = LATER + dt.timedelta(minutes=1)
    assert verify_qr_text(new.qr_text, lists, now=check).verdict is Verdict.VALID
    revoked = verify_qr_text(old.qr_text, lists, now=check)
    assert revoked.verdict is Verdict.REVOKED and "(stolen)" in revoked.reasons[0]
    assert nin not in pending_nins(desk.registry)


def test_every_card_fits_version_20m_and_verifies_with_claim169(desk: Desk) -> None:
    cards = desk.issue(pending_nins(desk.registry))
    for card in cards:
        assert len(card.qr_text) <= MAX_QR_CHARS == 970
        assert qr_version(card.qr_text) <= 20
        public = public_key_of(desk.store.certificate(card.kid)).public_bytes_raw()
        decoded = claim169.decode_with_ed25519(card.qr_text, public, validate_timestamps=False)
        assert decoded.is_verified()
        assert decoded.claim169.id == card.nin
        assert decoded.claim169.country_of_issuance == card.state.value
        assert decoded.claim169.face and decoded.claim169.face[0].data[:4] == b"RIFF"
        neighbour = next(s for s in Country if s is not card.state)
        other = public_key_of(desk.store.active_signer(neighbour)[1]).public_bytes_raw()
        with pytest.raises(claim169.SignatureError):
            claim169.decode_with_ed25519(card.qr_text, other, validate_timestamps=False)


def test_every_card_has_its_log_leaf(desk: Desk) -> None:
    cards = desk.issue(pending_nins(desk.registry))
    with desk.registry.reader() as session:
        leaves = session.scalars(
            select(tables.LogLeaf).where(col(tables.LogLeaf.kind) == LeafKind.CARD.value)
        ).all()
        entries = {leaf.ref: LogEntry.decode(leaf.data) for leaf in leaves}
    rows = {row.card_number: row for row in desk.rows()}
    assert set(entries) == {c.card_number for c in cards}
    for card in cards:
        entry = entries[card.card_number]
        assert entry.kid == card.kid and entry.by == "o1"
        assert entry.h == hashlib.sha256(rows[card.card_number].cose).digest()
        assert parse_qr_text(card.qr_text).cose_bytes == rows[card.card_number].cose


def test_an_unknown_nin_in_the_middle_of_a_batch_writes_nothing(desk: Desk) -> None:
    nins = pending_nins(desk.registry)
    before = desk.snapshot()
    with pytest.raises(NotFoundError, match="no resident with NIN 000000000000"):
        desk.issue([*nins[:5], "000000000000", *nins[5:]])
    assert desk.snapshot() == before
    assert desk.issue(nins[:1])[0].card_number.endswith("0000001")  # no serial was used up


def test_a_signing_failure_in_the_middle_of_a_batch_writes_nothing(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = aes_id.cards.issue.sign_job
    calls = iter(range(100))

    def failing(*args: Any) -> Any:
        if next(calls) == 4:
            raise RuntimeError("signing device unplugged")
        return real(*args)

    monkeypatch.setattr(aes_id.cards.issue, "sign_job", failing)
    before = desk.snapshot()
    with pytest.raises(RuntimeError, match="unplugged"):
        desk.issue(pending_nins(desk.registry))
    assert desk.snapshot() == before


def test_a_failure_in_a_later_batch_leaves_earlier_batches_whole(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch is one transaction: what was committed is complete, nothing is half-written."""
    monkeypatch.setattr(aes_id.cards.issue, "BATCH", 3)
    nins = pending_nins(desk.registry)
    with pytest.raises(NotFoundError):
        desk.issue([*nins[:3], *nins[3:5], "000000000000"])
    assert sorted(row.nin for row in desk.rows()) == sorted(nins[:3])
    with desk.registry.reader() as session:
        card_leaves = session.scalars(
            select(col(tables.LogLeaf.ref)).where(col(tables.LogLeaf.kind) == "card")
        ).all()
        serials = session.scalars(select(col(tables.CardCounter.last_serial))).all()
    assert sorted(card_leaves) == sorted(row.card_number for row in desk.rows())
    assert sum(serials) == 3


def test_a_nin_twice_in_one_list_is_refused(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    with pytest.raises(UsageError, match="appears twice"):
        desk.issue([nin, nin])
    assert desk.rows() == []


def test_a_deceased_resident_gets_no_card(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    with desk.registry.transaction() as session:
        session.execute(
            update(tables.Resident).where(col(tables.Resident.nin) == nin).values(status="deceased")
        )
    with pytest.raises(InputError, match=f"resident {nin} is deceased"):
        desk.issue([nin])
    assert nin not in pending_nins(desk.registry)


def test_pending_lists_residents_without_a_valid_card(desk: Desk) -> None:
    everyone = pending_nins(desk.registry)
    mali = pending_nins(desk.registry, Country.MLI)
    assert len(everyone) == 3 * PER_STATE and len(mali) == PER_STATE
    assert everyone == sorted(everyone) and set(mali) < set(everyone)
    desk.issue(mali[:2])
    assert pending_nins(desk.registry, Country.MLI) == mali[2:]
    assert len(pending_nins(desk.registry)) == 3 * PER_STATE - 2


@pytest.mark.parametrize(
    "when",
    [NOW - dt.timedelta(days=1), dt.datetime(2030, 1, 1, tzinfo=dt.UTC)],
    ids=["before-the-signer-existed", "after-its-signing-period"],
)
def test_no_card_is_signed_outside_the_signers_period(desk: Desk, when: dt.datetime) -> None:
    """Such a card could never verify (UNTRUSTED_SIGNER): issuing it must fail instead."""
    before = desk.snapshot()
    with pytest.raises(AesIdError, match="Document Signer"):
        desk.issue(pending_nins(desk.registry)[:1], when)
    assert desk.snapshot() == before


def test_two_signing_processes_issue_the_same_cards_as_one(
    desk_template: Path, tmp_path: Path
) -> None:
    texts = []
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        shutil.copytree(desk_template, folder)
        registry = open_registry(folder / "registry.db", create=False)
        desk = Desk(registry, KeyStore.open(folder / "keys"))
        cards = desk.issue(pending_nins(registry)[:6], workers=workers)
        texts.append([(c.card_number, c.qr_text) for c in cards])
        registry.dispose()
    assert texts[0] == texts[1]


def _set_counters(desk: Desk, **last_serial: int) -> None:
    """Put a state's counter (keyed by its alpha-3 code) where a busy registry would have it."""
    with desk.registry.transaction() as session:
        for state, serial in last_serial.items():
            session.merge(tables.CardCounter(state=state, last_serial=serial))


def test_serials_are_base_33_from_the_tenth_card(desk: Desk) -> None:
    _set_counters(desk, MLI=8, BFA=31)
    cards = desk.issue(pending_nins(desk.registry))
    by_state = {s: [c.card_number for c in cards if c.state is s] for s in Country}
    assert by_state[Country.MLI] == ["ML0000009", "ML000000A", "ML000000B", "ML000000C"]
    assert by_state[Country.BFA] == ["BF000000Z", "BF0000010", "BF0000011", "BF0000012"]
    assert by_state[Country.NER] == ["NE0000001", "NE0000002", "NE0000003", "NE0000004"]


def test_a_card_past_the_ten_millionth_is_issued_printed_verified_and_revocable(
    desk: Desk,
) -> None:
    _set_counters(desk, NER=10_000_000)
    cards = desk.issue(pending_nins(desk.registry))
    card = next(c for c in cards if c.state is Country.NER)
    # 10,000,001 = 8*33**4 + 14*33**3 + 8*33**2 + 24*33 + 11: digits 8 E 8 R B
    assert card.card_number == "NE008E8RB"
    assert parse_qr_text(card.qr_text).claims.card_number == "NE008E8RB"
    # Doc 9303 check digit, letters at their ICAO values (N 23, E 14, R 27, B 11), weights 731:
    # 23*7 + 14*3 + 0 + 0 + 8*3 + 14*1 + 8*7 + 27*3 + 11*1 = 389, so 9
    line1 = card_view(desk.registry, card.card_number).mrz[0]
    assert line1 == f"IDNERNE008E8RB9{card.nin}<<<"
    parsed = parse_td1(card_view(desk.registry, card.card_number).mrz, today=NOW.date())
    assert parsed.document_number == card.card_number
    publish_lists(desk.registry, desk.store, PASSPHRASE, now=NOW, by="o1", trust_list=False)
    check = NOW + dt.timedelta(minutes=1)
    assert verify_qr_text(card.qr_text, lists_for(desk.store.path), now=check).verdict is (
        Verdict.VALID
    )
    revoke_card(
        desk.registry,
        desk.store,
        PASSPHRASE,
        "ne008e8rb",
        RevocationReason.STOLEN,
        now=LATER,
        by="o1",
    )
    lists = lists_for(desk.store.path)
    ner = lists.revocations_of(Country.NER)
    assert ner is not None and ner.is_revoked("NE008E8RB") is not None
    revoked = verify_qr_text(card.qr_text, lists, now=LATER + dt.timedelta(minutes=1))
    assert revoked.verdict is Verdict.REVOKED and "NE008E8RB" in revoked.reasons[0]
    other = next(c for c in cards if c.state is Country.NER and c is not card)
    assert verify_qr_text(other.qr_text, lists, now=LATER).verdict is Verdict.VALID


def test_a_state_out_of_serials_issues_nothing(desk: Desk) -> None:
    _set_counters(desk, NER=CARD_SERIAL_MAX - 1)
    before = desk.snapshot()
    with pytest.raises(StorageError, match="NER has issued all 42,618,442,976 card numbers"):
        desk.issue(pending_nins(desk.registry))
    assert desk.snapshot() == before
