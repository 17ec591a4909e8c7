"""A resident's life seen by the cards: a death, a fraud, changed data and the card they outdate.

Each revocation (by hand, by a recorded death, by a new card superseding an
outdated one) re-signs the issuing state's list in the same transaction, and
a border post reading the exported list sees the card revoked with its reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from aes_id.cards.issue import issue_cards, pending_nins
from aes_id.cards.revoke import ListSigning, record_death, revoke_card
from aes_id.cards.views import card_view
from aes_id.domain import CardStatus, Country, PartialDate, RevocationReason, Verdict
from aes_id.errors import InputError, KeyStoreError, UsageError
from aes_id.formats.credential import parse_qr_text
from aes_id.registry import tables
from aes_id.registry.enrol import get_resident
from aes_id.registry.life import resident_life, update_resident
from aes_id.verify.lists import lists_for
from aes_id.verify.verifier import verify_qr_text
from tests.cards.conftest import LATER, NOW, Desk
from tests.verify.conftest import PASSPHRASE

HOUR = dt.timedelta(hours=1)
LIFE_TABLES = ("resident", "resident_change", "signed_list")


def verdict_of(desk: Desk, qr_text: str) -> tuple[Verdict, str]:
    """What a border post that synced the exported lists says of a card, and why."""
    result = verify_qr_text(qr_text, lists_for(desk.store.path), now=LATER + HOUR)
    return result.verdict, " ".join(result.reasons)


def list_count(desk: Desk, state: Country) -> int:
    with desk.registry.reader() as session:
        query = select(func.count()).where(
            col(tables.ListRow.kind) == "revocation-list", col(tables.ListRow.scope) == state.value
        )
        return int(session.scalar(query) or 0)


def exported(desk: Desk) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(desk.store.path).glob("*.cose"))}


def marry(desk: Desk, nin: str, name: str = "Coulibaly", **more: str) -> None:
    update_resident(
        desk.registry,
        nin,
        {"family_name": name, **more},
        reason="marriage certificate 2026/113",
        by="o2",
        now=NOW + HOUR,
    )


# -- a death, a fraud --------------------------------------------------------------------------


def test_a_card_revoked_for_death_records_it_and_no_card_is_issued_after(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    (card,) = desk.issue([nin])
    done = revoke_card(
        desk.registry,
        desk.store,
        PASSPHRASE,
        card.card_number,
        RevocationReason.DECEASED,
        now=LATER,
        by="o2",
        deceased_on=PartialDate(2026, 3, 20),
    )
    assert done.resident_changed and done.resident_status.value == "deceased"
    assert get_resident(desk.registry, nin).status.value == "deceased"
    assert nin not in pending_nins(desk.registry)
    before = desk.snapshot(*LIFE_TABLES)
    with pytest.raises(InputError) as refused:
        desk.issue([nin], LATER + HOUR)
    assert refused.value.message == (
        f"resident {nin} is deceased (died 2026-03-20; recorded 2026-04-13: "
        f"card {card.card_number} revoked: deceased): no card issued"
    )
    assert desk.snapshot(*LIFE_TABLES) == before
    verdict, reasons = verdict_of(desk, card.qr_text)
    assert verdict is Verdict.REVOKED and "(deceased)" in reasons


def test_a_card_revoked_for_fraud_suspends_the_holder(desk: Desk) -> None:
    nins = pending_nins(desk.registry)
    cards = desk.issue(nins[:2])
    revoke = [RevocationReason.FRAUD, RevocationReason.STOLEN]
    for card, reason in zip(cards, revoke, strict=True):
        revoke_card(
            desk.registry, desk.store, PASSPHRASE, card.card_number, reason, now=LATER, by="o2"
        )
    assert get_resident(desk.registry, nins[0]).status.value == "suspended"
    assert get_resident(desk.registry, nins[1]).status.value == "active"  # a theft is not theirs
    pending = pending_nins(desk.registry)
    assert nins[0] not in pending and nins[1] in pending
    with pytest.raises(InputError, match=r"is suspended \(since 2026-04-13: card .* fraud\)"):
        desk.issue([nins[0]], LATER + HOUR, replace=RevocationReason.LOST)
    assert nins[1] in {c.nin for c in desk.issue(pending_nins(desk.registry), LATER + HOUR)}


def test_a_date_of_death_goes_only_with_the_reason_deceased(desk: Desk) -> None:
    (card,) = desk.issue(pending_nins(desk.registry)[:1])
    before = desk.snapshot(*LIFE_TABLES)
    with pytest.raises(UsageError, match="a date of death goes with the reason deceased"):
        revoke_card(
            desk.registry,
            desk.store,
            PASSPHRASE,
            card.card_number,
            RevocationReason.LOST,
            now=LATER,
            by="o2",
            deceased_on=PartialDate(2026, 3, 20),
        )
    assert desk.snapshot(*LIFE_TABLES) == before


def test_a_recorded_death_revokes_the_valid_card_and_resigns_its_list(desk: Desk) -> None:
    nin = pending_nins(desk.registry, Country.NER)[0]
    (card,) = desk.issue([nin])
    lists = list_count(desk, Country.NER)
    death = record_death(
        desk.registry,
        ListSigning(desk.store, PASSPHRASE),
        nin,
        on=PartialDate(2026, 4, 0),
        reason="acte de décès 2026/77",
        now=LATER,
        by="o3",
    )
    assert death.revoked == (card.card_number,)
    assert [(p.scope, p.sequence) for p in death.published] == [("NER", lists + 1)]
    assert death.status_text.startswith("deceased (died 2026-04-XX; recorded 2026-04-13")
    (row,) = desk.rows()
    assert (row.status, row.revocation_reason) == ("revoked", "deceased")
    verdict, reasons = verdict_of(desk, card.qr_text)
    assert verdict is Verdict.REVOKED and "(deceased)" in reasons
    changes = resident_life(desk.registry, nin).changes
    assert [(c.field, c.reason, c.changed_by) for c in changes] == [
        ("status", "acte de décès 2026/77", "o3"),
        ("deceased_on", "acte de décès 2026/77", "o3"),
    ]
    with pytest.raises(UsageError, match=f"resident {nin} is already recorded deceased"):
        record_death(
            desk.registry, None, nin, on=PartialDate(2026, 4, 0), reason="", now=LATER, by="o3"
        )


def test_a_death_without_a_card_needs_no_keys(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    death = record_death(
        desk.registry, None, nin, on=PartialDate(2026, 3, 1), reason="", now=LATER, by="o3"
    )
    assert death.revoked == () and death.published == ()
    assert get_resident(desk.registry, nin).status.value == "deceased"


def test_a_death_with_a_card_and_no_keys_writes_nothing(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    (card,) = desk.issue([nin])
    before = desk.snapshot(*LIFE_TABLES)
    with pytest.raises(UsageError, match=f"holds valid card {card.card_number}"):
        record_death(
            desk.registry, None, nin, on=PartialDate(2026, 3, 1), reason="", now=LATER, by="o3"
        )
    assert desk.snapshot(*LIFE_TABLES) == before


def test_a_death_whose_list_cannot_be_signed_leaves_everything_as_it_was(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    (card,) = desk.issue([nin])
    before, files = desk.snapshot(*LIFE_TABLES), exported(desk)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        record_death(
            desk.registry,
            ListSigning(desk.store, "not " + PASSPHRASE),
            nin,
            on=PartialDate(2026, 3, 1),
            reason="",
            now=LATER,
            by="o3",
        )
    assert desk.snapshot(*LIFE_TABLES) == before and exported(desk) == files
    assert verdict_of(desk, card.qr_text)[0] is Verdict.VALID


# -- changed data, outdated cards --------------------------------------------------------------


def test_changed_data_outdates_the_card_and_makes_the_resident_pending(desk: Desk) -> None:
    nins = pending_nins(desk.registry)
    cards = desk.issue(nins)
    assert pending_nins(desk.registry) == []
    marry(desk, nins[3])
    assert pending_nins(desk.registry) == [nins[3]]
    assert pending_nins(desk.registry, cards[3].state) == [nins[3]]
    view = card_view(desk.registry, cards[3].card_number)
    assert view.outdated and (view.data_version, view.resident_data_version) == (1, 2)
    assert view.to_json()["outdated"] is True
    assert not card_view(desk.registry, cards[0].card_number).outdated


def test_the_new_card_supersedes_the_outdated_one_and_resigns_its_list(desk: Desk) -> None:
    old = next(
        card for card in desk.issue(pending_nins(desk.registry)) if card.state.alpha2 == "BF"
    )
    nin = old.nin
    marry(desk, nin)
    lists = list_count(desk, Country.BFA)
    (new,) = desk.issue(pending_nins(desk.registry), LATER)
    assert new.nin == nin and new.card_number != old.card_number
    assert parse_qr_text(new.qr_text).claims.identity.family_name == "Coulibaly"
    rows = {row.card_number: row for row in desk.rows()}
    assert (rows[old.card_number].status, rows[old.card_number].revocation_reason) == (
        CardStatus.REVOKED.value,
        "superseded",
    )
    assert rows[new.card_number].data_version == 2
    assert list_count(desk, Country.BFA) == lists + 1
    verdict, reasons = verdict_of(desk, old.qr_text)
    assert verdict is Verdict.REVOKED and "(superseded)" in reasons
    assert verdict_of(desk, new.qr_text)[0] is Verdict.VALID
    assert not card_view(desk.registry, new.card_number).outdated
    assert pending_nins(desk.registry) == []


def test_a_resident_who_moved_gets_a_card_of_the_new_state_and_the_old_one_revokes(
    desk: Desk,
) -> None:
    nin = pending_nins(desk.registry, Country.MLI)[0]
    (old,) = desk.issue([nin])
    update_resident(
        desk.registry,
        nin,
        {"state": "NER", "region": "Niamey"},
        reason="moved",
        by="o2",
        now=NOW + HOUR,
    )
    mali, niger = list_count(desk, Country.MLI), list_count(desk, Country.NER)
    (new,) = desk.issue([nin], LATER)
    assert new.state is Country.NER and new.card_number.startswith("NE")
    assert (list_count(desk, Country.MLI), list_count(desk, Country.NER)) == (mali + 1, niger)
    verdict, reasons = verdict_of(desk, old.qr_text)
    assert verdict is Verdict.REVOKED and "(superseded)" in reasons


def test_replacing_an_outdated_card_keeps_the_reason_given(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    (old,) = desk.issue([nin])
    marry(desk, nin)
    desk.issue([nin], LATER, replace=RevocationReason.LOST)
    rows = {row.card_number: row for row in desk.rows()}
    assert rows[old.card_number].revocation_reason == "lost"


def test_a_current_card_still_needs_replace_after_a_change_off_the_card(desk: Desk) -> None:
    nin = pending_nins(desk.registry, Country.MLI)[0]
    (card,) = desk.issue([nin])
    region = "Kayes" if get_resident(desk.registry, nin).region != "Kayes" else "Ségou"
    update_resident(desk.registry, nin, {"region": region}, reason="moved", by="o2", now=LATER)
    assert nin not in pending_nins(desk.registry)
    with pytest.raises(UsageError, match=f"already has valid card {card.card_number}"):
        desk.issue([nin], LATER)


def test_a_superseding_issue_that_fails_writes_nothing(desk: Desk) -> None:
    nin = pending_nins(desk.registry)[0]
    (old,) = desk.issue([nin])
    marry(desk, nin)
    before, files = desk.snapshot(*LIFE_TABLES), exported(desk)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        issue_cards(desk.registry, desk.store, "not " + PASSPHRASE, [nin], now=LATER, officer="o1")
    assert desk.snapshot(*LIFE_TABLES) == before and exported(desk) == files
    assert verdict_of(desk, old.qr_text)[0] is Verdict.VALID
