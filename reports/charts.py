"""The report's charts: horizontal bar charts described once as data, then drawn as inline SVG
for the dashboard (no script, no style attribute: the CSP allows neither) and as reportlab
drawings for the PDF, from the same layout so both show the same picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from reports.figures import CompletionFigures, SexCounts
from symposium.models import SEXES

WIDTH = 680
LABEL_WIDTH = 260  # category labels, right-aligned against the axis
VALUE_ROOM = 80  # value labels after the longest bar
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_ROOM
BAR, BAR_GAP, GROUP_GAP = 14, 2, 10
TITLE, LEGEND, AXIS = 22, 24, 24
FONT_SIZE = 11
COLOURS = ("#1f5f99", "#e08a1e", "#4d9c5a", "#8a8a8a")
TARGET_COLOUR, INTERVAL_COLOUR, AXIS_COLOUR = "#c0392b", "#222222", "#999999"


def nice_ceiling(value: float) -> float:
    """The axis end for counts: 2, 4, 6, 8 or 10 × a power of ten, so the middle tick is whole."""
    power = 10 ** max(0, math.floor(math.log10(value)))
    for step in (2, 4, 6, 8, 10):
        if step * power >= value:
            return float(step * power)
    return float(20 * power)


@dataclass(frozen=True)
class Series:
    """One bar per category, all in one colour."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class BarChart:
    """Categories down the side, one bar per series in each; optional per-category target
    lines and 95% intervals (on the first series), both in the unit of the values."""

    key: str
    title: str
    unit: str  # "people" or "%"
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    targets: tuple[float | None, ...] = ()
    intervals: tuple[tuple[float, float] | None, ...] = ()

    @property
    def maximum(self) -> float:
        """The value at the end of the axis."""
        if self.unit == "%":
            return 100.0
        values = [v for s in self.series for v in s.values if v is not None]
        return nice_ceiling(max([*values, 1]))

    def label(self, value: float | None) -> str:
        """A value as written beside its bar."""
        if value is None:
            return "no data"
        return f"{value:.1f}%" if self.unit == "%" else f"{value:,.0f}"

    @property
    def description(self) -> str:
        """The chart in words: its text alternative."""
        parts = []
        for index, category in enumerate(self.categories):
            values = ", ".join(f"{s.name} {self.label(s.values[index])}" for s in self.series)
            target = self.targets[index] if self.targets else None
            if target is not None:
                values += f" (target {self.label(target)})"
            interval = self.intervals[index] if self.intervals else None
            if interval:
                values += f", 95% interval {self.label(interval[0])}–{self.label(interval[1])}"
            parts.append(f"{category}: {values}")
        return f"{self.title}. " + "; ".join(parts) + "."


@dataclass
class Layout:
    """Shapes in a top-left-origin box WIDTH × height (SVG's convention)."""

    height: float
    rects: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    lines: list[tuple[float, float, float, float, str, float]] = field(default_factory=list)
    # x, y (baseline), text, anchor (start|end|middle), bold
    texts: list[tuple[float, float, str, str, bool]] = field(default_factory=list)


def _x(chart: BarChart, value: float) -> float:
    return LABEL_WIDTH + PLOT_WIDTH * min(value, chart.maximum) / chart.maximum


def _legend(chart: BarChart, layout: Layout) -> None:
    layout.texts.append((0, 15, chart.title, "start", True))
    x = LABEL_WIDTH
    entries = [(s.name, COLOURS[i % len(COLOURS)]) for i, s in enumerate(chart.series)]
    if len(entries) > 1:
        for name, colour in entries:
            layout.rects.append((x, TITLE + 8, 10, 10, colour))
            layout.texts.append((x + 14, TITLE + 17, name, "start", False))
            x += 22 + 7 * len(name)
    if any(t is not None for t in chart.targets):
        layout.lines.append((x, TITLE + 6, x, TITLE + 20, TARGET_COLOUR, 2))
        layout.texts.append((x + 6, TITLE + 17, "target", "start", False))
        x += 56
    if any(chart.intervals):
        layout.lines.append((x, TITLE + 13, x + 14, TITLE + 13, INTERVAL_COLOUR, 1))
        layout.texts.append((x + 18, TITLE + 17, "95% interval", "start", False))


def layout(chart: BarChart) -> Layout:
    """Where every bar, line and label of ``chart`` goes."""
    count = len(chart.series)
    group = count * BAR + (count - 1) * BAR_GAP + 2 * GROUP_GAP
    legend = len(chart.series) > 1 or any(t is not None for t in chart.targets)
    top = TITLE + (LEGEND if legend or any(chart.intervals) else 0)
    shape = Layout(height=top + group * max(len(chart.categories), 1) + AXIS)
    _legend(chart, shape)
    for index, category in enumerate(chart.categories):
        y0 = top + index * group
        shape.texts.append((LABEL_WIDTH - 6, y0 + group / 2 + 4, category, "end", False))
        interval = chart.intervals[index] if chart.intervals else None
        for number, series in enumerate(chart.series):
            y = y0 + GROUP_GAP + number * (BAR + BAR_GAP)
            value = series.values[index]
            width = _x(chart, value or 0) - LABEL_WIDTH
            if width > 0:
                shape.rects.append((LABEL_WIDTH, y, width, BAR, COLOURS[number % len(COLOURS)]))
            # The value goes after the bar, or after the interval drawn across the first bar.
            end = LABEL_WIDTH + width
            if interval and number == 0:
                end = max(end, _x(chart, interval[1]))
            shape.texts.append((end + 4, y + BAR - 3, chart.label(value), "start", False))
        target = chart.targets[index] if chart.targets else None
        if target is not None:
            x = _x(chart, target)
            shape.lines.append((x, y0 + 3, x, y0 + group - 3, TARGET_COLOUR, 2))
        if interval:
            low, high, middle = _x(chart, interval[0]), _x(chart, interval[1]), y0 + group / 2
            shape.lines.append((low, middle, high, middle, INTERVAL_COLOUR, 1))
            for end in (low, high):
                shape.lines.append((end, middle - 4, end, middle + 4, INTERVAL_COLOUR, 1))
    bottom = shape.height - AXIS
    shape.lines.append((LABEL_WIDTH, top, LABEL_WIDTH, bottom, AXIS_COLOUR, 1))
    shape.lines.append((LABEL_WIDTH, bottom, LABEL_WIDTH + PLOT_WIDTH, bottom, AXIS_COLOUR, 1))
    for fraction in (0, 0.5, 1):
        value = chart.maximum * fraction
        shape.texts.append((_x(chart, value), bottom + 15, chart.label(value), "middle", False))
    return shape


def svg(chart: BarChart) -> Markup:
    """The chart as inline SVG with a title and a description for screen readers."""
    shape = layout(chart)
    ident = f"chart-{chart.key}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" id="{ident}" '
        f'viewBox="0 0 {WIDTH} {shape.height:g}" width="100%" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="sans-serif" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
    ]
    for x, y, width, height, colour in shape.rects:
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
            f'fill="{colour}"/>'
        )
    for x1, y1, x2, y2, colour, stroke in shape.lines:
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{colour}" stroke-width="{stroke:g}"/>'
        )
    for x, y, text, anchor, bold in shape.texts:
        weight = ' font-weight="bold"' if bold else ""
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{weight} aria-hidden="true">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    # Safe: numbers are formatted here and every piece of text went through escape().
    return Markup("".join(parts))  # noqa: S704


def drawing(chart: BarChart, width: float, font: str, max_height: float | None = None):
    """The chart as a reportlab Drawing ``width`` points wide (for the PDF), scaled down further
    when it would be taller than ``max_height`` (a page cannot split a drawing)."""
    from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
    from reportlab.lib import colors

    shape = layout(chart)
    scale = width / WIDTH
    if max_height is not None:
        scale = min(scale, max_height / shape.height)
    group = Group()
    flip = shape.height  # reportlab's y grows upwards
    for x, y, w, h, colour in shape.rects:
        group.add(Rect(x, flip - y - h, w, h, fillColor=colors.HexColor(colour), strokeColor=None))
    for x1, y1, x2, y2, colour, stroke in shape.lines:
        group.add(
            Line(
                x1,
                flip - y1,
                x2,
                flip - y2,
                strokeColor=colors.HexColor(colour),
                strokeWidth=stroke,
            )
        )
    for x, y, text, anchor, _bold in shape.texts:
        group.add(String(x, flip - y, text, fontName=font, fontSize=FONT_SIZE, textAnchor=anchor))
    group.scale(scale, scale)
    result = Drawing(WIDTH * scale, shape.height * scale)
    result.add(group)
    return result


def _sex_values(counts: SexCounts) -> tuple[float, ...]:
    return tuple(float(n) for n in counts.counts)


def completion_charts(figures: CompletionFigures) -> tuple[BarChart, ...]:
    """The report's charts: sex splits, economies, days, and the outcomes against targets."""
    economies = figures.economy_rows
    charts = [
        BarChart(
            "participants",
            "Participants by sex",
            "people",
            SEXES,
            (
                Series("Registered", _sex_values(figures.registered)),
                Series("Attended", _sex_values(figures.attended)),
            ),
        ),
        BarChart(
            "speakers",
            "Speakers and experts by sex",
            "people",
            SEXES,
            (Series("Speakers / experts", _sex_values(figures.speakers)),),
        ),
        BarChart(
            "economies",
            "Participants by economy",
            "people",
            tuple(row.name for row in economies) or ("(none yet)",),
            (
                Series("Registered", tuple(float(r.registered.total) for r in economies) or (0,)),
                Series("Attended", tuple(float(r.attended.total) for r in economies) or (0,)),
            ),
        ),
        BarChart(
            "days",
            "Participants attending each day, by sex",
            "people",
            tuple(f"Day {d.number} ({d.date:%-d %b})" for d in figures.days) or ("(no days)",),
            tuple(
                Series(sex, tuple(float(d.attended.counts[i]) for d in figures.days) or (0,))
                for i, sex in enumerate(SEXES)
            ),
        ),
    ]
    checks = [check for check in figures.targets if check.unit == "%"]
    if checks:
        charts.append(
            BarChart(
                "outcomes",
                "Outcomes against their targets",
                "%",
                tuple(check.label for check in checks),
                (Series("Actual", tuple(check.actual for check in checks)),),
                targets=tuple(check.target for check in checks),
                intervals=tuple(
                    (check.low, check.high) if check.low is not None else None for check in checks
                ),
            )
        )
    return tuple(charts)
