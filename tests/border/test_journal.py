"""The journal keeps every field of what it is given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aes_id.border.journal import Journal
from aes_id.border.records import (
    Alert,
    AlertKind,
    Crossing,
    Decision,
    Direction,
    FaceCheck,
    FingerCheck,
    InjectedFraud,
    Source,
    SyncRecord,
    Truth,
)

AT = dt.datetime(2026, 3, 18, 7, 15, 2, tzinfo=dt.UTC)


def test_round_trip(tmp_path: Path) -> None:
    full = Crossing(
        at=AT,
        post="koloko",
        verdict="VALID",
        decision=Decision.REFER,
        direction=Direction.ENTRY,
        card_number="BF0000012",
        issuing_state="BFA",
        kid="00112233aabbccdd",
        issued_at=AT - dt.timedelta(days=40),
        expires_at=AT + dt.timedelta(days=3000),
        face=FaceCheck.MISMATCH,
        finger=FingerCheck.NO_TEMPLATE,
        trust_seq=3,
        trust_age=dt.timedelta(hours=5),
        revocation_seq=9,
        revocation_age=dt.timedelta(hours=30),
        stale=True,
        reasons=("one", "two"),
        source=Source.IMAGE,
        verify_ms=0.25,
        scan_ms=4.5,
    )
    bare = Crossing(at=AT, post="nim", verdict="UNREADABLE", decision=Decision.REFER, id=10)
    with Journal.open(tmp_path / "j.sqlite") as journal:
        first = journal.record(full)
        journal.record_many([bare])
        journal.record_syncs([SyncRecord("koloko", AT, True, 3, (("BFA", 9), ("MLI", 2)), "x")])
        journal.record_alerts([Alert(AT, AlertKind.CLONE, 1, 10, "d")])
        journal.record_truths([Truth(1, 4, "impostor", 2)])
        journal.record_frauds([InjectedFraud(2, "impostor", "BF0000012", AT, None, "lent")])
        journal.set_meta({"seed": 7, "start": AT})
    with Journal.open(tmp_path / "j.sqlite") as journal:
        assert list(journal.crossings()) == [
            Crossing(**{**full.__dict__, "id": first}),
            bare,
        ]
        assert [c.id for c in journal.crossings(post="nim")] == [10]
        assert journal.last_crossing_id() == 10 and journal.crossing_count() == 2
        assert journal.syncs("koloko")[0].revocation_seqs == (("BFA", 9), ("MLI", 2))
        assert journal.alerts() == [Alert(AT, AlertKind.CLONE, 1, 10, "d")]
        assert journal.truths() == {1: Truth(1, 4, "impostor", 2)}
        assert journal.frauds() == [InjectedFraud(2, "impostor", "BF0000012", AT, None, "lent")]
        assert journal.meta() == {"seed": 7, "start": AT.isoformat()}
        assert journal.crossings_of_card("BF0000012", AT, AT)[0].id == first
