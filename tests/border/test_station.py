"""A post on disk: first sync pins the root; syncs keep the newest lists and refuse rollbacks;
the check uses only the post's own files; crossings go to the central journal on sync."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from aes_id.border.journal import Journal
from aes_id.border.records import AlertKind, Decision
from aes_id.border.station import PostStation
from aes_id.domain import Country, RevocationReason
from aes_id.errors import InputError, TrustError, UsageError
from aes_id.pki.exports import TRUST_LIST_FILE
from aes_id.simulate.border_world import Cardholder, DrillOperator
from tests.border import world
from tests.border.world import START

NOW = START + dt.timedelta(hours=2)


def _snapshot(operator: DrillOperator, folder: Path) -> Path:
    shutil.copytree(operator.exports, folder)
    return folder


def test_a_post_without_lists_cannot_check(tmp_path: Path) -> None:
    station = PostStation.open(tmp_path, "koloko")
    with pytest.raises(UsageError, match="post koloko has no lists yet"):
        station.check("anything", now=NOW)


def test_first_sync_needs_a_root_then_pins_it(
    tmp_path: Path, shared_operator: DrillOperator
) -> None:
    operator = shared_operator
    station = PostStation.open(tmp_path / "border", "kantchari")
    with pytest.raises(UsageError, match="no root certificate pinned"):
        station.sync(operator.exports, now=NOW)
    synced = station.sync(operator.exports, now=NOW, root=operator.root_certificate())
    assert synced.outcome.changes[0] == "trust list #1"
    assert station.pinned_root() == operator.root_certificate()
    again = station.sync(operator.exports, now=NOW)
    assert again.outcome.changes == ()
    other = world.operator(tmp_path / "other", seed=2)
    with pytest.raises(TrustError, match="pinned to another root"):
        station.sync(other.exports, now=NOW, root=other.root_certificate())
    with pytest.raises(TrustError):  # lists of another PKI do not verify under the pinned root
        station.sync(other.exports, now=NOW)
    with station.journal() as journal:
        assert [s.ok for s in journal.syncs()] == [True, True, False]


def test_an_older_list_never_replaces_a_newer_one(
    tmp_path: Path, operator: DrillOperator, holders: list[Cardholder]
) -> None:
    old = _snapshot(operator, tmp_path / "old")
    holder = holders[0]
    operator.revoke_card(holder.card_number, holder.state, RevocationReason.STOLEN, NOW)
    operator.publish(NOW + dt.timedelta(minutes=5))
    station = PostStation.open(tmp_path / "border", "bko")
    station.sync(operator.exports, now=NOW, root=operator.root_certificate())
    replay = station.sync(old, now=NOW + dt.timedelta(hours=1))
    assert replay.outcome.changes == ()
    assert any("older than the post's #2: kept #2" in w for w in replay.outcome.warnings)
    _, crossing = station.check(operator.sign(holder.claims), now=NOW + dt.timedelta(hours=2))
    assert (crossing.verdict, crossing.decision) == ("REVOKED", Decision.REFUSE)


def test_a_damaged_revocation_list_is_skipped_and_the_old_one_kept(
    tmp_path: Path, shared_operator: DrillOperator
) -> None:
    operator = shared_operator
    station = PostStation.open(tmp_path / "border", "nim")
    station.sync(operator.exports, now=NOW, root=operator.root_certificate())
    damaged = _snapshot(operator, tmp_path / "damaged")
    (damaged / "revocations-NER.cose").write_bytes(b"\xa0")
    synced = station.sync(damaged, now=NOW)
    assert any(w.startswith("revocation list of NER refused") for w in synced.outcome.warnings)
    assert station.lists().revocations_of(Country.NER) is not None


def test_a_bad_trust_list_fails_the_sync_and_changes_nothing(
    tmp_path: Path, shared_operator: DrillOperator
) -> None:
    operator = shared_operator
    station = PostStation.open(tmp_path / "border", "oua")
    station.sync(operator.exports, now=NOW, root=operator.root_certificate())
    before = (station.folder / "lists" / TRUST_LIST_FILE).read_bytes()
    broken = _snapshot(operator, tmp_path / "broken")
    (broken / TRUST_LIST_FILE).write_bytes(before[:-5])
    with pytest.raises(InputError):
        station.sync(broken, now=NOW)
    assert (station.folder / "lists" / TRUST_LIST_FILE).read_bytes() == before


def test_check_records_and_sync_rechecks_and_uploads(
    tmp_path: Path, operator: DrillOperator, holders: list[Cardholder]
) -> None:
    border = tmp_path / "border"
    holder = holders[1]
    card = operator.sign(holder.claims)
    labbezanga = PostStation.open(border, "labbezanga")
    koloko = PostStation.open(border, "koloko")
    for station in (labbezanga, koloko):
        station.sync(operator.exports, now=NOW, root=operator.root_certificate())
    operator.revoke_card(
        holder.card_number, holder.state, RevocationReason.STOLEN, NOW + dt.timedelta(hours=1)
    )
    _, first = labbezanga.check(card, now=NOW + dt.timedelta(hours=3))
    _, second = koloko.check(card, now=NOW + dt.timedelta(hours=4))
    assert first.admitted and second.admitted and first.id == 1
    synced = labbezanga.sync(operator.exports, now=NOW + dt.timedelta(days=1))
    assert [a.kind for a in synced.alerts] == [AlertKind.REVOKED_SINCE]
    with Journal.open(border / "central.sqlite") as central:
        assert labbezanga.upload(central, now=NOW + dt.timedelta(days=1)) == ()
        clones = koloko.upload(central, now=NOW + dt.timedelta(days=1))
        assert [a.kind for a in clones] == [AlertKind.CLONE]
        assert koloko.upload(central, now=NOW + dt.timedelta(days=2)) == ()
        assert central.crossing_count() == 2
