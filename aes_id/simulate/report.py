"""The drill's report: every figure computed from the recorded crossings, syncs and alerts.

:func:`build_report` takes the journal's records (crossings, ground truth,
injected frauds, alerts) and counts; nothing is taken from the simulation's
memory. Per fraud kind: injected, caught at the post (any of its checks not
admitted), caught later (an alert on one of its crossings), missed; by which
mechanism. Genuine travellers not admitted, and why. Crossings per post and per
day; the age of the lists at each decision; revocations the post's list did
not yet carry, against the post's sync interval; verification times.

:func:`report_tables` gives the terminal view as rich renderables (printed by
the CLI only); :func:`report_json` the same figures for machines; the PDF is
:func:`aes_id.simulate.border_pdf.write_report_pdf`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from aes_id.border.journal import Journal
from aes_id.border.records import (
    Alert,
    AlertKind,
    Crossing,
    Decision,
    FaceCheck,
    FingerCheck,
    InjectedFraud,
    Source,
    Truth,
)
from aes_id.domain import Verdict
from aes_id.simulate.fraud import GENUINE, MECHANISM, FraudKind

AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1 h", 1),
    ("1-6 h", 6),
    ("6-24 h", 24),
    ("1-2 d", 48),
    ("2-7 d", 168),
    ("> 7 d", float("inf")),
)
"""Bands of list age (upper bound in hours) for the age-at-decision table."""

_VERDICT_MECHANISM = {
    Verdict.INVALID_SIGNATURE.value: "signature",
    Verdict.UNKNOWN_SIGNER.value: "signature",
    Verdict.UNTRUSTED_SIGNER.value: "trust list",
    Verdict.REVOKED.value: "revocation list",
    Verdict.EXPIRED.value: "validity dates",
    Verdict.NOT_YET_VALID.value: "validity dates",
    Verdict.MALFORMED.value: "malformed credential",
    Verdict.MRZ_MISMATCH.value: "MRZ",
    "UNREADABLE": "QR unreadable",
}
_ALERT_MECHANISM = {AlertKind.CLONE: "clone correlation", AlertKind.REVOKED_SINCE: "re-check"}
_LIST_CATCHES = (Verdict.REVOKED.value, Verdict.UNTRUSTED_SIGNER.value)


def mechanism(crossing: Crossing) -> str:
    """What stopped a crossing that was not admitted."""
    if crossing.verdict in _VERDICT_MECHANISM:
        return _VERDICT_MECHANISM[crossing.verdict]
    if crossing.finger is FingerCheck.MISMATCH:
        return "fingerprint"
    if crossing.face is FaceCheck.MISMATCH:
        return "agent's eye"
    return "admitted"


@dataclass(frozen=True)
class FraudOutcome:
    kind: str
    injected: int
    caught_at_post: int
    caught_later: int
    missed: int
    by_mechanism: dict[str, int]
    meant: str


@dataclass(frozen=True)
class PostFigures:
    code: str
    sync_hours: float
    crossings: int
    admitted: int
    referred: int
    refused: int
    median_list_age_h: float | None
    max_list_age_h: float | None
    stale: int
    revocations_due: int
    """Checks of cards the operator had already revoked (card or signer)."""
    revocations_missed: int
    """Of those, checks where the post's lists did not yet say so."""


@dataclass(frozen=True)
class Timing:
    source: str
    count: int
    mean_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float


@dataclass(frozen=True)
class BorderReport:
    settings: dict[str, Any]
    crossings: int
    frauds: list[FraudOutcome]
    genuine_checks: int
    genuine_not_admitted: dict[str, dict[str, int]]
    """Mechanism -> {"refer": n, "refuse": n} for genuine travellers not admitted."""
    genuine_travellers: int
    """Travellers who crossed (or tried to) with their own genuine card."""
    genuine_travellers_stopped: int
    """Of those, travellers not admitted at one of their checks at least."""
    posts: list[PostFigures]
    list_age: dict[str, int]
    per_day: dict[str, dict[str, int]]
    """Checks per post on each of the drill's days (day i: ``start + i`` days, ``days`` keys)."""
    checks_after_end: int
    """Entry checks after the drill's last day (of trips that left on it): not in ``per_day``."""
    timings: list[Timing]
    timing_histogram: dict[str, dict[str, int]]
    """Checks per band of verification time (ms), by source."""
    alerts: dict[str, int]
    false_alerts: int
    """Alerts touching only genuine crossings."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _hours(span: dt.timedelta | None) -> float | None:
    return None if span is None else span.total_seconds() / 3600


def _age_band(hours: float) -> str:
    return next(name for name, bound in AGE_BUCKETS if hours < bound)


def build_report(
    crossings: Sequence[Crossing],
    truths: Mapping[int, Truth],
    frauds: Sequence[InjectedFraud],
    alerts: Sequence[Alert],
    settings: Mapping[str, Any] | None = None,
) -> BorderReport:
    """Every figure of the report, from the records alone."""
    by_fraud: dict[int, list[Crossing]] = defaultdict(list)
    for crossing in crossings:
        truth = truths.get(crossing.id or 0)
        if truth is not None and truth.fraud_id is not None:
            by_fraud[truth.fraud_id].append(crossing)
    alerted = _alerted_crossings(alerts)
    genuine = [c for c in crossings if _kind(truths, c) == GENUINE]
    meta = dict(settings or {})
    per_day, after_end = _per_day(crossings, meta)
    return BorderReport(
        settings=meta,
        crossings=len(crossings),
        frauds=_fraud_outcomes(frauds, by_fraud, alerted),
        genuine_checks=len(genuine),
        genuine_not_admitted=_genuine_stops(genuine),
        genuine_travellers=len(_travellers(genuine, truths)),
        genuine_travellers_stopped=len(_travellers([c for c in genuine if not c.admitted], truths)),
        posts=_post_figures(crossings, truths, frauds, meta.get("posts", {})),
        list_age=_list_age(crossings),
        per_day=per_day,
        checks_after_end=after_end,
        timings=_timings(crossings),
        timing_histogram=_timing_histogram(crossings),
        alerts=dict(Counter(alert.kind.value for alert in alerts)),
        false_alerts=sum(
            1
            for a in alerts
            if all(
                _kind(truths, i) == GENUINE for i in (a.crossing_id, a.other_id) if i is not None
            )
        ),
    )


def _kind(truths: Mapping[int, Truth], crossing: Crossing | int) -> str:
    ident = crossing if isinstance(crossing, int) else crossing.id
    truth = truths.get(ident or 0)
    return truth.kind if truth else GENUINE


def _travellers(crossings: Iterable[Crossing], truths: Mapping[int, Truth]) -> set[int]:
    return {truths[c.id].traveller for c in crossings if c.id is not None and c.id in truths}


def _alerted_crossings(alerts: Iterable[Alert]) -> dict[int, str]:
    alerted: dict[int, str] = {}
    for alert in alerts:
        for ident in (alert.crossing_id, alert.other_id):
            if ident is not None:
                alerted.setdefault(ident, _ALERT_MECHANISM[alert.kind])
    return alerted


def _fraud_outcomes(
    frauds: Sequence[InjectedFraud],
    by_fraud: Mapping[int, list[Crossing]],
    alerted: Mapping[int, str],
) -> list[FraudOutcome]:
    outcomes = []
    for kind in FraudKind:
        mine = [f for f in frauds if f.kind == kind.value]
        mechanisms: Counter[str] = Counter()
        at_post = later = 0
        for fraud in mine:
            checks = sorted(by_fraud.get(fraud.id, []), key=lambda c: c.at)
            stopped = next((c for c in checks if not c.admitted), None)
            flagged = next(
                (alerted[c.id] for c in checks if c.id is not None and c.id in alerted), None
            )
            if stopped is not None:
                at_post += 1
                mechanisms[mechanism(stopped)] += 1
            elif flagged is not None:
                later += 1
                mechanisms[flagged] += 1
        missed = len(mine) - at_post - later
        if missed:
            mechanisms["missed"] = missed
        outcomes.append(
            FraudOutcome(
                kind.value,
                len(mine),
                at_post,
                later,
                missed,
                dict(sorted(mechanisms.items())),
                MECHANISM[kind],
            )
        )
    return outcomes


def _genuine_stops(genuine: Sequence[Crossing]) -> dict[str, dict[str, int]]:
    stops: dict[str, dict[str, int]] = defaultdict(lambda: {"refer": 0, "refuse": 0})
    for crossing in genuine:
        if not crossing.admitted:
            stops[mechanism(crossing)][crossing.decision.value] += 1
    return dict(sorted(stops.items()))


def _post_figures(
    crossings: Sequence[Crossing],
    truths: Mapping[int, Truth],
    frauds: Sequence[InjectedFraud],
    posts: Mapping[str, Any],
) -> list[PostFigures]:
    revoked_at = {f.id: f.revoked_at for f in frauds if f.revoked_at is not None}
    grouped: dict[str, list[Crossing]] = defaultdict(list)
    for crossing in crossings:
        grouped[crossing.post].append(crossing)
    figures = []
    for code in sorted(
        set(grouped) | set(posts), key=lambda c: (posts.get(c, {}).get("sync_hours", 0), c)
    ):
        mine = grouped.get(code, [])
        ages = [h for c in mine if (h := _hours(c.revocation_age)) is not None]
        due = [
            c
            for c in mine
            if (t := truths.get(c.id or 0)) is not None
            and t.fraud_id in revoked_at
            and revoked_at[t.fraud_id] <= c.at
            and c.verdict != "UNREADABLE"
        ]
        decisions = Counter(c.decision for c in mine)
        figures.append(
            PostFigures(
                code=code,
                sync_hours=float(posts.get(code, {}).get("sync_hours", 0.0)),
                crossings=len(mine),
                admitted=decisions[Decision.ADMIT],
                referred=decisions[Decision.REFER],
                refused=decisions[Decision.REFUSE],
                median_list_age_h=round(statistics.median(ages), 2) if ages else None,
                max_list_age_h=round(max(ages), 2) if ages else None,
                stale=sum(1 for c in mine if c.stale),
                revocations_due=len(due),
                revocations_missed=sum(1 for c in due if c.verdict not in _LIST_CATCHES),
            )
        )
    return figures


def _list_age(crossings: Iterable[Crossing]) -> dict[str, int]:
    bands = {name: 0 for name, _ in AGE_BUCKETS}
    for crossing in crossings:
        hours = _hours(crossing.revocation_age)
        if hours is not None:
            bands[_age_band(hours)] += 1
    return bands


def _per_day(
    crossings: Sequence[Crossing], settings: Mapping[str, Any]
) -> tuple[dict[str, dict[str, int]], int]:
    """Checks per post on each drill day, and the checks after the last day.

    With the drill's ``start`` and ``days`` in ``settings``, day i is ``[start + i days,
    start + i + 1 days)``, labelled by its date: a 7-day drill has 7 days, empty ones too.
    Without them (a report built by hand), the calendar days from the first check to the last.
    """
    start, count = _drill_days(crossings, settings)
    days: list[Counter[str]] = [Counter() for _ in range(count)]
    after_end = 0
    for crossing in crossings:
        index = (crossing.at - start) // dt.timedelta(days=1)
        if 0 <= index < count:
            days[index][crossing.post] += 1
        elif index >= count:
            after_end += 1
    labels = [(start + dt.timedelta(days=i)).date().isoformat() for i in range(count)]
    return {d: dict(sorted(c.items())) for d, c in zip(labels, days, strict=True)}, after_end


def _drill_days(
    crossings: Sequence[Crossing], settings: Mapping[str, Any]
) -> tuple[dt.datetime, int]:
    start, days = settings.get("start"), settings.get("days")
    if isinstance(start, str | dt.datetime) and isinstance(days, int) and days > 0:
        moment = dt.datetime.fromisoformat(start) if isinstance(start, str) else start
        return moment, days
    if not crossings:
        return dt.datetime.min.replace(tzinfo=dt.UTC), 0
    first = min(c.at for c in crossings)
    midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, (max(c.at for c in crossings) - midnight).days + 1


def _timings(crossings: Iterable[Crossing]) -> list[Timing]:
    groups: dict[str, list[float]] = defaultdict(list)
    for crossing in crossings:
        groups[f"verify ({crossing.source.value})"].append(crossing.verify_ms)
        if crossing.source is Source.IMAGE:
            groups["scan (image)"].append(crossing.scan_ms)
    timings = []
    for name, values in sorted(groups.items()):
        values.sort()
        timings.append(
            Timing(
                name,
                len(values),
                round(statistics.fmean(values), 3),
                round(values[len(values) // 2], 3),
                round(values[min(len(values) - 1, int(0.95 * len(values)))], 3),
                round(values[-1], 3),
            )
        )
    return timings


TIME_BANDS: tuple[tuple[str, float], ...] = (
    ("< 0.25", 0.25),
    ("0.25-0.5", 0.5),
    ("0.5-1", 1),
    ("1-2", 2),
    ("2-5", 5),
    ("5-20", 20),
    ("> 20", float("inf")),
)
"""Bands of verification time (upper bound in ms)."""


def _timing_histogram(crossings: Iterable[Crossing]) -> dict[str, dict[str, int]]:
    bands: dict[str, dict[str, int]] = {}
    for crossing in crossings:
        counts = bands.setdefault(crossing.source.value, {name: 0 for name, _ in TIME_BANDS})
        counts[next(name for name, bound in TIME_BANDS if crossing.verify_ms < bound)] += 1
    return dict(sorted(bands.items()))


def load_report(journal: Journal) -> BorderReport:
    """The report of the run recorded in ``journal``."""
    return build_report(
        list(journal.crossings()),
        journal.truths(),
        journal.frauds(),
        journal.alerts(),
        journal.meta(),
    )


# --- the terminal view --------------------------------------------------------------------


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for index, name in enumerate(columns):
        table.add_column(name, justify="left" if index == 0 else "right")
    return table


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _figure(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report_tables(report: BorderReport) -> list[RenderableType]:
    """The report as rich renderables, in reading order (the CLI prints them)."""
    return [
        _settings_text(report),
        _fraud_table(report),
        _mechanisms_text(report),
        _genuine_table(report),
        _post_table(report),
        _age_table(report),
        _timing_table(report),
    ]


def _settings_text(report: BorderReport) -> Text:
    s = report.settings
    eye = s.get("eye", {})
    fingers = (
        "on (a match settles what the agent's eye doubts)"
        if s.get("fingerprints")
        else "off (no fingerprint readers at the posts)"
    )
    return Text(
        f"Border drill: {s.get('travellers', '?')} travellers, {s.get('days', '?')} days from "
        f"{str(s.get('start', '?'))[:10]}, fraud rate {s.get('fraud_rate', '?')}, seed "
        f"{s.get('seed', '?')}: {report.crossings} checks.\n"
        f"Agent's eye (White et al., PLOS ONE 2014): rejects {eye.get('reject_genuine', '?')} of "
        f"genuine bearers, accepts {eye.get('accept_lookalike', '?')} of look-alikes; accepts "
        f"{eye.get('accept_stranger', '?')} of plainly different faces (assumption).\n"
        f"Fingerprint 1:1 at the posts: {fingers}. "
        f"Image path: {s.get('image_sample', 0)} of checks."
    )


def _fraud_table(report: BorderReport) -> Table:
    table = _table("Frauds", "kind", "injected", "at post", "later", "missed", "how")
    table.columns[-1].justify = "left"
    for outcome in report.frauds:
        how = ", ".join(f"{name} {n}" for name, n in outcome.by_mechanism.items())
        table.add_row(
            outcome.kind,
            str(outcome.injected),
            str(outcome.caught_at_post),
            str(outcome.caught_later),
            str(outcome.missed),
            how,
        )
    return table


def _mechanisms_text(report: BorderReport) -> Text:
    return Text(
        "Meant to be caught by:\n"
        + "\n".join(f"  {outcome.kind}: {outcome.meant}" for outcome in report.frauds)
    )


def _genuine_table(report: BorderReport) -> RenderableType:
    stopped = sum(sum(v.values()) for v in report.genuine_not_admitted.values())
    title = Text(
        f"Genuine travellers not admitted: {stopped} of {report.genuine_checks} checks "
        f"({_share(stopped, report.genuine_checks)}), {report.genuine_travellers_stopped} of "
        f"{report.genuine_travellers} travellers "
        f"({_share(report.genuine_travellers_stopped, report.genuine_travellers)})",
        style="bold",
    )
    table = _table("", "why", "referred", "refused")
    for why, counts in report.genuine_not_admitted.items():
        table.add_row(why, str(counts["refer"]), str(counts["refuse"]))
    return Group(title, table)


def _post_table(report: BorderReport) -> RenderableType:
    note = Text(
        "Posts. Due: checks of cards (or signers) the operator had already revoked; "
        "missed: of those, checks where the post's lists did not yet say so.",
        style="bold",
    )
    table = _table(
        "", "post", "sync h", "checks", "admit", "refer", "refuse", "list age h", "due", "missed"
    )
    for p in report.posts:
        table.add_row(
            p.code,
            _figure(p.sync_hours, 0),
            str(p.crossings),
            str(p.admitted),
            str(p.referred),
            str(p.refused),
            _figure(p.median_list_age_h),
            str(p.revocations_due),
            str(p.revocations_missed),
        )
    return Group(note, table)


def _age_table(report: BorderReport) -> RenderableType:
    table = _table("Revocation list age at decisions", "age", "checks", "share")
    total = sum(report.list_age.values())
    for band, count in report.list_age.items():
        table.add_row(band, str(count), _share(count, total))
    alerts = ", ".join(f"{k} {v}" for k, v in sorted(report.alerts.items())) or "none"
    return Group(
        table,
        Text(f"Alerts after sync: {alerts}; on genuine crossings only: {report.false_alerts}."),
    )


def _timing_table(report: BorderReport) -> Table:
    table = _table("Time per check (ms)", "step", "count", "mean", "median", "p95", "max")
    for t in report.timings:
        table.add_row(
            t.source,
            str(t.count),
            f"{t.mean_ms:.3f}",
            f"{t.median_ms:.3f}",
            f"{t.p95_ms:.3f}",
            f"{t.max_ms:.3f}",
        )
    return table
