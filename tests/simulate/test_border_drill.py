"""The border drill end to end: real artefacts through real checks, recorded and reported.

The agent's eye is set to be always fooled, so that what is caught is caught by the
machine: signatures, lists, dates, correlation and, when on, fingerprints.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from aes_id.border.folders import RUN_FILE
from aes_id.border.journal import Journal
from aes_id.border.records import Crossing, Decision, FaceCheck, FingerCheck, Truth
from aes_id.errors import UsageError
from aes_id.simulate.border_sim import DrillSettings, DrillSummary, run_drill
from aes_id.simulate.fraud import EyeSettings, FraudKind, FraudMix
from aes_id.simulate.report import BorderReport, load_report
from tests.border import world

FOOLED = EyeSettings(reject_genuine=0.0, accept_lookalike=1.0, accept_stranger=1.0)
EVEN = FraudMix(dict.fromkeys(FraudKind, 1.0))
SETTINGS = DrillSettings(
    days=6, travellers=250, fraud_rate=0.6, seed=3, eye=FOOLED, mix=EVEN, start=world.START
)


def _drill(folder: Path, **changes: Any) -> tuple[DrillSummary, BorderReport]:
    settings = dataclasses.replace(SETTINGS, **changes)
    summary = run_drill(world.holders(settings.travellers), settings, folder)
    with Journal.open(folder / RUN_FILE) as journal:
        return summary, load_report(journal)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[DrillSummary, BorderReport]:
    return _drill(tmp_path_factory.mktemp("drill") / "plain")


@pytest.fixture(scope="module")
def with_fingers(tmp_path_factory: pytest.TempPathFactory) -> tuple[DrillSummary, BorderReport]:
    lent = FraudMix({FraudKind.IMPOSTOR: 1.0, FraudKind.PHOTO_SUBSTITUTION: 1.0})
    return _drill(
        tmp_path_factory.mktemp("drill") / "fingers",
        fingerprints=True,
        mix=lent,
        travellers=120,
        days=4,
    )


def _outcomes(report: BorderReport) -> dict[str, object]:
    return {o.kind: o for o in report.frauds}


def test_every_fraud_kind_is_injected(plain: tuple[DrillSummary, BorderReport]) -> None:
    summary, report = plain
    assert summary.crossings == report.crossings > 100
    assert all(o.injected >= 1 for o in report.frauds), [
        (o.kind, o.injected) for o in report.frauds
    ]
    assert sum(o.injected for o in report.frauds) == summary.frauds


def test_machine_checks_catch_what_they_are_meant_to(
    plain: tuple[DrillSummary, BorderReport],
) -> None:
    by_kind = {o.kind: o for o in plain[1].frauds}
    for kind, mechanism in (
        ("forged", "signature"),
        ("tampered", "signature"),
        ("expired", "validity dates"),
    ):
        outcome = by_kind[kind]
        assert outcome.by_mechanism == {mechanism: outcome.injected}, kind
    compromised = by_kind["compromised-signer"].by_mechanism
    assert set(compromised) <= {"trust list", "re-check"}, compromised
    stolen = by_kind["stolen"].by_mechanism
    assert set(stolen) <= {"revocation list", "re-check", "missed"}, stolen
    assert stolen.get("revocation list", 0) >= 1
    cloned = by_kind["cloned"].by_mechanism
    assert cloned.get("clone correlation", 0) >= 1 and set(cloned) <= {
        "clone correlation",
        "missed",
    }


def test_without_fingerprints_the_fooled_eye_lets_impostors_through(
    plain: tuple[DrillSummary, BorderReport],
) -> None:
    by_kind = {o.kind: o for o in plain[1].frauds}
    for kind in ("impostor", "photo-substitution"):
        assert by_kind[kind].missed == by_kind[kind].injected, kind
    assert plain[1].genuine_not_admitted == {}
    assert plain[1].false_alerts == 0


def test_with_fingerprints_impostors_are_caught(
    with_fingers: tuple[DrillSummary, BorderReport],
) -> None:
    by_kind = {o.kind: o for o in with_fingers[1].frauds}
    for kind in ("impostor", "photo-substitution"):
        assert by_kind[kind].injected >= 2
        assert by_kind[kind].by_mechanism == {"fingerprint": by_kind[kind].injected}, kind
    assert with_fingers[1].genuine_not_admitted == {}, "genuine holders match their own cards"


def _without_timings(report: BorderReport) -> BorderReport:
    return dataclasses.replace(report, timings=[], timing_histogram={})


def test_same_seed_same_drill(tmp_path: Path) -> None:
    small = {"travellers": 100, "days": 4}
    first = _drill(tmp_path / "first", **small)[1]
    again = _drill(tmp_path / "again", **small)[1]
    assert first.crossings > 15 and sum(o.injected for o in first.frauds) > 3
    assert _without_timings(again) == _without_timings(first)


def test_a_run_folder_is_never_overwritten(plain: tuple[DrillSummary, BorderReport]) -> None:
    with pytest.raises(UsageError, match="already holds a run"):
        run_drill(world.holders(5), SETTINGS, plain[0].folder)


# --- genuine travellers with the agent's real eye -------------------------------------------

SWAPPED_BEARERS = (
    FraudKind.IMPOSTOR,
    FraudKind.PHOTO_SUBSTITUTION,
    FraudKind.CLONED,
    FraudKind.STOLEN,
)
"""Frauds whose bearer is not the card's holder: their fingers never match the card's."""
REAL_EYE = DrillSettings(
    days=5,
    travellers=600,
    fraud_rate=0.15,
    seed=5,
    mix=FraudMix(dict.fromkeys(SWAPPED_BEARERS, 1.0)),
    start=world.START,
)


@pytest.fixture(scope="module")
def real_eye(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[bool, tuple[DrillSummary, BorderReport, list[Crossing], dict[int, Truth]]]:
    """The same drill with the default (White et al.) eye, without and with readers."""
    runs = {}
    for fingers in (False, True):
        folder = tmp_path_factory.mktemp("real-eye") / f"fingers-{fingers}"
        settings = dataclasses.replace(REAL_EYE, fingerprints=fingers)
        summary = run_drill(world.holders(settings.travellers), settings, folder)
        with Journal.open(folder / RUN_FILE) as journal:
            runs[fingers] = (
                summary,
                load_report(journal),
                list(journal.crossings()),
                journal.truths(),
            )
    return runs


def _stopped_share(report: BorderReport) -> float:
    assert report.genuine_travellers > 50
    return report.genuine_travellers_stopped / report.genuine_travellers


def test_with_fingerprints_few_genuine_travellers_are_stopped(real_eye: Any) -> None:
    report = real_eye[True][1]
    assert report.settings["eye"] == EyeSettings().describe(), "the eye of White et al."
    assert _stopped_share(report) <= 0.03, report.genuine_not_admitted
    assert "agent's eye" not in report.genuine_not_admitted


def test_a_fingerprint_match_settles_what_the_eye_doubts(real_eye: Any) -> None:
    for fingers, (_, _, crossings, truths) in real_eye.items():
        doubted = [
            c
            for c in crossings
            if truths[c.id].kind == "genuine"
            and c.verdict == "VALID"
            and c.face is FaceCheck.MISMATCH
        ]
        assert len(doubted) >= 5, fingers
        if fingers:
            assert all(c.finger is FingerCheck.MATCH for c in doubted)
            assert all(c.decision is Decision.ADMIT for c in doubted)
        else:  # no reader: the eye's doubt is referred, as it always was
            assert all(c.finger is FingerCheck.NOT_DONE for c in doubted)
            assert all(c.decision is Decision.REFER for c in doubted)


def test_without_fingerprints_the_eye_stops_genuine_travellers(real_eye: Any) -> None:
    report = real_eye[False][1]
    assert _stopped_share(report) > 0.05
    assert set(report.genuine_not_admitted) <= {"agent's eye", "QR unreadable"}


def test_with_fingerprints_every_swapped_bearer_is_stopped_at_the_post(real_eye: Any) -> None:
    outcomes = {o.kind: o for o in real_eye[True][1].frauds}
    assert sum(outcomes[k.value].injected for k in SWAPPED_BEARERS) >= 15
    for kind in SWAPPED_BEARERS:
        outcome = outcomes[kind.value]
        assert outcome.injected >= 2, kind
        assert outcome.caught_at_post == outcome.injected, (kind, outcome.by_mechanism)
        assert set(outcome.by_mechanism) <= {"fingerprint", "revocation list"}, kind


def test_the_report_has_one_day_per_drill_day(real_eye: Any) -> None:
    for summary, report, crossings, _ in real_eye.values():
        assert len(report.per_day) == REAL_EYE.days
        assert next(iter(report.per_day)) == world.START.date().isoformat()
        shown = sum(sum(posts.values()) for posts in report.per_day.values())
        assert shown + report.checks_after_end == summary.crossings == len(crossings)
