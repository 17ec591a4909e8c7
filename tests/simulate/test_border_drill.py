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
