"""The drill's report as a PDF: the tables, and four charts drawn with reportlab graphics.

1. Checks per day and post (stacked bars), one bar per day of the drill.
2. Detection by fraud kind: caught at the post, caught later, missed.
3. Revoked cards met at each post, and those its lists did not yet carry, by sync interval.
4. Verification time per check, by band: the share of each path's checks (the image path
   is a small sample, whose counts would not show beside the QR-text path's).

Count charts have integer ticks. Every number comes from
:class:`~aes_id.simulate.report.BorderReport`. The text is set in the shipped DejaVu Sans
Condensed (embedded): reportlab's defaults for the canvas, the paragraph and table styles
and the chart labels are the standard Helvetica, which is never embedded and which print
shops' preflight rejects.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

from aes_id import __version__
from aes_id.render import fonts
from aes_id.simulate.report import BorderReport

WIDTH = 170 * mm
PALETTE = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
    "#b2df8a",
    "#fb9a99",
)
OUTCOME_COLOURS = ("#1b9e77", "#7570b3", "#d95f02")


@functools.cache
def _fonts() -> tuple[str, str]:
    """The report's (regular, bold) fonts: embedded TrueType, a family for ``<b>``."""
    regular, bold = fonts.base_font(), fonts.base_font(bold=True)
    registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
    return regular, bold


def _styles() -> StyleSheet1:
    """reportlab's sample styles, set in the report's fonts instead of Helvetica."""
    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    for name in styles.byName:
        style = styles[name]
        if isinstance(style, ParagraphStyle):
            style.fontName = bold if "Bold" in style.fontName else regular
            style.bulletFontName = regular
    return styles


def _colour(index: int) -> colors.Color:
    return colors.HexColor(PALETTE[index % len(PALETTE)])


def _legend(drawing: Drawing, names: Sequence[str], colours: Sequence[colors.Color]) -> None:
    """A legend in the column right of the chart, top-aligned."""
    legend = Legend()
    legend.x, legend.y = WIDTH - 100, drawing.height - 10
    legend.fontName = _fonts()[0]
    legend.fontSize = 7
    legend.columnMaximum = 12
    legend.deltay = 9
    legend.alignment = "right"
    legend.colorNamePairs = list(zip(colours, names, strict=True))
    drawing.add(legend)


def tick_step(top: float, ticks: int = 5) -> int:
    """An integer step of 1, 2 or 5 times a power of ten giving at most about ``ticks`` ticks
    from 0 to ``top``.

    >>> [tick_step(t) for t in (0, 1, 4, 7, 60, 133, 580)]
    [1, 1, 1, 2, 20, 50, 200]
    """
    raw = max(top / ticks, 1.0)
    power = int(10 ** math.floor(math.log10(raw)))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _value_axis(
    chart: VerticalBarChart | HorizontalBarChart, top: float, *, percent: bool = False
) -> None:
    """Ticks at whole numbers (counts) or at whole percents, from 0 to a tick above ``top``."""
    step = 20 if percent else tick_step(top)
    axis = chart.valueAxis
    axis.valueMin, axis.valueStep = 0, step
    axis.valueMax = 100 if percent else max(step, math.ceil(top / step) * step)
    axis.labelTextFormat = "%d %%" if percent else "%d"


def _bar_chart(
    data: list[list[float]],
    categories: list[str],
    *,
    height: float,
    stacked: bool,
    horizontal: bool = False,
    percent: bool = False,
) -> tuple[Drawing, VerticalBarChart | HorizontalBarChart]:
    drawing = Drawing(WIDTH, height)
    drawing.initialFontName = _fonts()[0]  # the renderer's first setFont, else Helvetica
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    chart.x, chart.y = (95, 20) if horizontal else (35, 45)
    chart.width = WIDTH - chart.x - 110
    chart.height = height - chart.y - 15
    empty = not categories or not data or not all(data)
    chart.data = [[0.0]] if empty else data
    chart.categoryAxis.categoryNames = [""] if empty else categories
    regular = _fonts()[0]
    for labels in (chart.categoryAxis.labels, chart.valueAxis.labels, chart.barLabels):
        labels.fontName = regular
        labels.fontSize = 7
    columns = [sum(values) for values in zip(*chart.data, strict=True)] if stacked else []
    _value_axis(chart, max(columns or [v for row in chart.data for v in row]), percent=percent)
    if not horizontal:
        chart.categoryAxis.labels.angle = 45 if len(categories) > 8 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 8 else "n"
    if stacked:
        chart.categoryAxis.style = "stacked"
    chart.barSpacing = 1
    drawing.add(chart)
    return drawing, chart


def crossings_per_day(report: BorderReport) -> Drawing:
    days = list(report.per_day)
    posts = [p.code for p in report.posts]
    data = [[float(report.per_day[d].get(p, 0)) for d in days] for p in posts]
    drawing, chart = _bar_chart(data, [d[5:] for d in days], height=70 * mm, stacked=True)
    for index in range(len(posts)):
        chart.bars[index].fillColor = _colour(index)
    _legend(drawing, posts, [_colour(i) for i in range(len(posts))])
    return drawing


def detection_by_kind(report: BorderReport) -> Drawing:
    kinds = [o.kind for o in report.frauds]
    data = [
        [float(o.caught_at_post) for o in report.frauds],
        [float(o.caught_later) for o in report.frauds],
        [float(o.missed) for o in report.frauds],
    ]
    drawing, chart = _bar_chart(data, kinds, height=65 * mm, stacked=True, horizontal=True)
    names = ("caught at the post", "caught later", "missed")
    palette = [colors.HexColor(c) for c in OUTCOME_COLOURS]
    for index, colour in enumerate(palette):
        chart.bars[index].fillColor = colour
    _legend(drawing, names, palette)
    return drawing


def missed_revocations(report: BorderReport) -> Drawing:
    posts = report.posts
    labels = [f"{p.code} ({_interval(p.sync_hours)})" for p in posts]
    data = [[float(p.revocations_due) for p in posts], [float(p.revocations_missed) for p in posts]]
    drawing, chart = _bar_chart(data, labels, height=70 * mm, stacked=False)
    palette = [colors.HexColor("#7570b3"), colors.HexColor("#d95f02")]
    for index, colour in enumerate(palette):
        chart.bars[index].fillColor = colour
    _legend(drawing, ("checks of revoked cards", "lists did not know yet"), palette)
    return drawing


def verification_time(report: BorderReport) -> Drawing:
    """Per path, the share of its checks in each band of verification time."""
    histogram = report.timing_histogram
    sources = list(histogram)
    bands = list(next(iter(histogram.values()), {}))
    totals = {s: sum(histogram[s].values()) for s in sources}
    data = [[100.0 * histogram[s][b] / totals[s] for b in bands] for s in sources]
    drawing, chart = _bar_chart(
        data, [f"{b} ms" for b in bands], height=60 * mm, stacked=False, percent=True
    )
    for index in range(len(sources)):
        chart.bars[index].fillColor = _colour(index)
    names = [f"{s} path ({totals[s]} checks)" for s in sources]
    _legend(drawing, names, [_colour(i) for i in range(len(sources))])
    return drawing


def _interval(hours: float) -> str:
    return f"{hours:.0f} h" if hours < 24 else f"{hours / 24:.0f} d"


def _table(rows: list[list[str]]) -> Table:
    regular, bold = _fonts()
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), regular, 7),
            ("FONT", (0, 0), (-1, 0), bold, 7),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
            ("ALIGN", (1, 0), (-2, -1), "RIGHT"),
        ]
    )
    return table


_FINGERS = ("off", "on (a match settles what the agent's eye doubts)")


def _intro(report: BorderReport) -> str:
    s = report.settings
    eye = s.get("eye", {})
    return (
        f"{s.get('travellers')} travellers over {s.get('days')} days from "
        f"{str(s.get('start'))[:10]}, "
        f"fraud rate {s.get('fraud_rate')}, seed {s.get('seed')}: {report.crossings} checks. "
        f"The agent's eye rejects {eye.get('reject_genuine')} of genuine bearers and accepts "
        f"{eye.get('accept_lookalike')} of look-alikes (White et al., PLOS ONE 2014), and "
        f"{eye.get('accept_stranger')} of plainly different faces (assumption). Fingerprint 1:1: "
        f"{_FINGERS[bool(s.get('fingerprints'))]}. Image path sample: {s.get('image_sample')}."
    )


def _fraud_rows(report: BorderReport) -> list[list[str]]:
    return [["kind", "injected", "at post", "later", "missed", "how"]] + [
        [
            o.kind,
            str(o.injected),
            str(o.caught_at_post),
            str(o.caught_later),
            str(o.missed),
            ", ".join(f"{k} {v}" for k, v in o.by_mechanism.items()),
        ]
        for o in report.frauds
    ]


def _post_rows(report: BorderReport) -> list[list[str]]:
    header = "post sync checks admitted referred refused"
    return [[*header.split(), "list age med. h", "revoked due", "missed"]] + [
        [
            p.code,
            _interval(p.sync_hours),
            str(p.crossings),
            str(p.admitted),
            str(p.referred),
            str(p.refused),
            f"{p.median_list_age_h or 0:.1f}",
            str(p.revocations_due),
            str(p.revocations_missed),
        ]
        for p in report.posts
    ]


def _genuine_text(report: BorderReport) -> str:
    stopped = sum(sum(v.values()) for v in report.genuine_not_admitted.values())
    why = ", ".join(f"{k}: {sum(v.values())}" for k, v in report.genuine_not_admitted.items())
    travellers = report.genuine_travellers
    share = f" ({100 * report.genuine_travellers_stopped / travellers:.1f} %)" if travellers else ""
    return (
        f"Genuine travellers not admitted: {report.genuine_travellers_stopped} of {travellers}"
        f"{share}; {stopped} of {report.genuine_checks} checks" + (f" ({why})." if why else ".")
    )


def _days_text(report: BorderReport) -> str:
    text = f"{len(report.per_day)} days of the drill."
    late = report.checks_after_end
    if late:
        text += (
            f" Not shown: {late} entry {'check' if late == 1 else 'checks'} after the last "
            "day, of trips that left on it."
        )
    return text


TIMING_NOTE = (
    "Share of each path's checks in each band of verification time (the image path's "
    "photograph and scan not included)."
)


def _story(report: BorderReport) -> list[Flowable]:
    styles = _styles()
    heading, body = styles["Heading2"], styles["BodyText"]
    return [
        Paragraph("AES-ID border drill", styles["Title"]),
        Paragraph(_intro(report), body),
        Paragraph("Frauds", heading),
        _table(_fraud_rows(report)),
        Spacer(1, 4 * mm),
        detection_by_kind(report),
        Paragraph(_genuine_text(report), body),
        Paragraph("Checks per day and post", heading),
        Paragraph(_days_text(report), body),
        crossings_per_day(report),
        PageBreak(),
        Paragraph("Posts", heading),
        _table(_post_rows(report)),
        Spacer(1, 4 * mm),
        Paragraph("Revoked cards against the post's sync interval", heading),
        missed_revocations(report),
        Paragraph("Verification time per check", heading),
        Paragraph(TIMING_NOTE, body),
        verification_time(report),
    ]


def write_report_pdf(report: BorderReport, path: Path) -> None:
    """Write the report with its charts to ``path``."""
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="AES-ID border drill",
        author=f"aes-id {__version__}",
        initialFontName=_fonts()[0],
    )
    document.build(_story(report))
