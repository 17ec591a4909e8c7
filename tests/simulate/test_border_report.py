"""The report's numbers, checked against a small scenario built by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import BarChart
from reportlab.graphics.shapes import Drawing
from rich.console import Console

from aes_id.border.records import (
    Alert,
    AlertKind,
    Crossing,
    Decision,
    FaceCheck,
    InjectedFraud,
    Source,
    Truth,
)
from aes_id.simulate.border_pdf import (
    crossings_per_day,
    detection_by_kind,
    missed_revocations,
    verification_time,
    write_report_pdf,
)
from aes_id.simulate.report import BorderReport, build_report, report_tables

DAY1 = dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)
H = dt.timedelta(hours=1)
POSTS = {
    "nim": {"sync_hours": 1.0},
    "koloko": {"sync_hours": 24.0},
    "labbezanga": {"sync_hours": 168.0},
}


def _c(
    ident: int,
    post: str,
    at: dt.datetime,
    verdict: str,
    decision: Decision,
    age: float | None,
    face: FaceCheck = FaceCheck.MATCH,
    source: Source = Source.QR_TEXT,
    ms: float = 1.0,
) -> Crossing:
    return Crossing(
        at=at,
        post=post,
        verdict=verdict,
        decision=decision,
        card_number=f"BF{ident:07d}",
        face=face,
        revocation_age=None if age is None else age * H,
        source=source,
        verify_ms=ms,
        scan_ms=5.0 if source is Source.IMAGE else 0.0,
        id=ident,
    )


A, R, F = Decision.ADMIT, Decision.REFER, Decision.REFUSE
CROSSINGS = [
    _c(1, "koloko", DAY1, "VALID", A, 5),
    _c(2, "koloko", DAY1, "VALID", R, 5, face=FaceCheck.MISMATCH),
    _c(3, "koloko", DAY1, "INVALID_SIGNATURE", F, 30, face=FaceCheck.NOT_DONE),
    _c(4, "labbezanga", DAY2, "VALID", A, 100),
    _c(5, "koloko", DAY2, "REVOKED", F, 0.5, face=FaceCheck.NOT_DONE),
    _c(6, "koloko", DAY2, "VALID", A, 200),
    _c(7, "koloko", DAY2, "VALID", A, 12),
    _c(8, "labbezanga", DAY2 + H, "VALID", A, 100),
    _c(9, "nim", DAY2, "UNREADABLE", R, None, face=FaceCheck.NOT_DONE, source=Source.IMAGE, ms=3.0),
]
TRUTHS = {
    t.crossing_id: t
    for t in [
        Truth(1, 10, "genuine"),
        Truth(2, 11, "genuine"),
        Truth(3, 12, "forged", 1),
        Truth(4, 13, "stolen", 2),
        Truth(5, 14, "stolen", 3),
        Truth(6, 15, "impostor", 4),
        Truth(7, 16, "cloned", 5),
        Truth(8, 17, "genuine"),
        Truth(9, 11, "genuine"),
    ]
}
FRAUDS = [
    InjectedFraud(1, "forged", "BF8000001", DAY1),
    InjectedFraud(2, "stolen", "BF0000004", DAY2, revoked_at=DAY1),
    InjectedFraud(3, "stolen", "BF0000005", DAY2, revoked_at=DAY1),
    InjectedFraud(4, "impostor", "BF0000006", DAY2),
    InjectedFraud(5, "cloned", "BF0000007", DAY2),
]
ALERTS = [
    Alert(DAY2 + 3 * H, AlertKind.REVOKED_SINCE, 4),
    Alert(DAY2 + 3 * H, AlertKind.CLONE, 8, 7),
    Alert(DAY2 + 3 * H, AlertKind.CLONE, 8, 1),  # two genuine crossings: a false alert
]


def _report() -> BorderReport:
    return build_report(CROSSINGS, TRUTHS, FRAUDS, ALERTS, {"posts": POSTS, "seed": 1})


def test_fraud_outcomes() -> None:
    got = {
        o.kind: (o.injected, o.caught_at_post, o.caught_later, o.missed, o.by_mechanism)
        for o in _report().frauds
    }
    assert got == {
        "forged": (1, 1, 0, 0, {"signature": 1}),
        "tampered": (0, 0, 0, 0, {}),
        "photo-substitution": (0, 0, 0, 0, {}),
        "stolen": (2, 1, 1, 0, {"re-check": 1, "revocation list": 1}),
        "expired": (0, 0, 0, 0, {}),
        "compromised-signer": (0, 0, 0, 0, {}),
        "impostor": (1, 0, 0, 1, {"missed": 1}),
        "cloned": (1, 0, 1, 0, {"clone correlation": 1}),
    }


def test_genuine_travellers_posts_and_ages() -> None:
    report = _report()
    assert report.crossings == 9 and report.genuine_checks == 4
    assert report.genuine_not_admitted == {
        "QR unreadable": {"refer": 1, "refuse": 0},
        "agent's eye": {"refer": 1, "refuse": 0},
    }
    assert report.genuine_travellers_stopped == 1  # traveller 11, twice
    posts = [
        (
            p.code,
            p.crossings,
            p.admitted,
            p.referred,
            p.refused,
            p.revocations_due,
            p.revocations_missed,
            p.median_list_age_h,
        )
        for p in report.posts
    ]
    assert posts == [
        ("nim", 1, 0, 1, 0, 0, 0, None),
        ("koloko", 6, 3, 1, 2, 1, 0, 8.5),
        ("labbezanga", 2, 2, 0, 0, 1, 1, 100.0),
    ]
    assert report.list_age == {
        "< 1 h": 1,
        "1-6 h": 2,
        "6-24 h": 1,
        "1-2 d": 1,
        "2-7 d": 2,
        "> 7 d": 1,
    }
    assert report.per_day == {
        "2026-03-16": {"koloko": 3},
        "2026-03-17": {"koloko": 3, "labbezanga": 2, "nim": 1},
    }
    assert report.alerts == {"revoked-since": 1, "clone": 2} and report.false_alerts == 1


def test_timings() -> None:
    timings = {t.source: (t.count, t.mean_ms, t.max_ms) for t in _report().timings}
    assert timings == {
        "verify (qr)": (8, 1.0, 1.0),
        "verify (image)": (1, 3.0, 3.0),
        "scan (image)": (1, 5.0, 5.0),
    }
    assert _report().timing_histogram["qr"]["1-2"] == 8


def test_terminal_and_pdf_views(tmp_path: Path) -> None:
    report = _report()
    console = Console(record=True, width=120)
    for renderable in report_tables(report):
        console.print(renderable)
    text = console.export_text()
    assert (
        "Genuine travellers not admitted: 2 of 4 checks (50.0 %), 1 of 3 travellers (33.3 %)"
        in text
    )
    assert "labbezanga" in text and "clone correlation 1" in text
    write_report_pdf(report, tmp_path / "r.pdf")
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    assert report.to_json()["frauds"][0]["kind"] == "forged"


def test_an_empty_run_still_reports(tmp_path: Path) -> None:
    report = build_report([], {}, [], [], {})
    assert report.crossings == 0 and all(o.injected == 0 for o in report.frauds)
    Console(record=True).print(*report_tables(report))
    write_report_pdf(report, tmp_path / "empty.pdf")


def _three_day_report() -> BorderReport:
    """The scenario as a 3-day drill from DAY1's midnight, with a late entry check after it."""
    start = DAY1.replace(hour=0)
    late = _c(10, "nim", start + dt.timedelta(days=3, hours=1), "VALID", A, 2)
    settings = {"posts": POSTS, "start": start.isoformat(), "days": 3}
    return build_report([*CROSSINGS, late], TRUTHS, FRAUDS, ALERTS, settings)


def test_per_day_has_exactly_the_drill_s_days() -> None:
    report = _three_day_report()
    assert report.per_day == {
        "2026-03-16": {"koloko": 3},
        "2026-03-17": {"koloko": 3, "labbezanga": 2, "nim": 1},
        "2026-03-18": {},
    }
    assert report.checks_after_end == 1


def test_per_day_without_the_drill_s_dates_fills_the_gaps() -> None:
    third = DAY1 + dt.timedelta(days=2)
    crossings = [CROSSINGS[0], _c(10, "nim", third, "VALID", A, 2)]
    report = build_report(crossings, TRUTHS, [], [], {})
    assert report.per_day == {
        "2026-03-16": {"koloko": 1},
        "2026-03-17": {},
        "2026-03-18": {"nim": 1},
    }
    assert report.checks_after_end == 0


def _chart(drawing: Drawing) -> BarChart:
    renderPDF.drawToString(drawing)  # lays the axes out
    return next(item for item in drawing.contents if isinstance(item, BarChart))


def test_the_day_chart_shows_one_bar_per_drill_day() -> None:
    chart = _chart(crossings_per_day(_three_day_report()))
    assert chart.categoryAxis.categoryNames == ["03-16", "03-17", "03-18"]


@pytest.mark.parametrize("chart", [crossings_per_day, detection_by_kind, missed_revocations])
def test_count_charts_have_integer_ticks(chart: Callable[[BorderReport], Drawing]) -> None:
    axis = _chart(chart(_report())).valueAxis
    ticks = list(axis._tickValues)
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
    assert axis.labelTextFormat == "%d"


def test_image_path_bars_are_shares_of_their_own_checks() -> None:
    """8 QR-text checks and 1 image check: as counts, the image bar would be 1/8 of the
    QR one; as shares of each path's checks, both reach 100 % in their band."""
    chart = _chart(verification_time(_report()))
    sources = list(_report().timing_histogram)
    image, qr = chart.data[sources.index("image")], chart.data[sources.index("qr")]
    assert max(image) == max(qr) == 100.0
    assert [round(v) for v in image] == [0, 0, 0, 0, 100, 0, 0]  # 3 ms: band 2-5 ms
