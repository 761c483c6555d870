"""The completion report as an A4 PDF to attach to the project's completion report: title page,
the targets table first, then each group of figures with its chart, then the definitions.

Names are set in DejaVu Sans (accents, Vietnamese); characters it lacks (Chinese, Japanese,
Korean) fall back, run by run, to a CJK TrueType font when the machine has one
(``fonts-wqy-zenhei``, installed by ``make system-packages``).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reports.charts import BarChart, completion_charts, drawing
from reports.figures import (
    CompletionFigures,
    SexCounts,
    interval_text,
    number_text,
    pct_text,
    survey_lines,
)
from symposium.models import SEXES
from symposium.pdf_fonts import pdf_fonts
from symposium.pdf_fonts import pdf_text as text
from symposium.pdf_layout import MARGIN, a4_pdf, house_styles

WIDTH = A4[0] - 2 * MARGIN
NOT_RECORDED = "no attendance recorded yet"
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _table(rows: list[list[str]], widths: list[float], styles, total: bool = False) -> Table:
    """A grid of markup cells whose header row repeats on each page."""
    cells = [[Paragraph(cell, styles.cell) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(GRID)
    if total:  # the last row adds the others up
        table.setStyle(TableStyle([("BACKGROUND", (0, -1), (-1, -1), colors.whitesmoke)]))
    return table


def _chart(chart: BarChart) -> Flowable:
    return drawing(chart, WIDTH, pdf_fonts().regular, max_height=A4[1] - 2 * MARGIN - 30 * mm)


def _title_page(figures: CompletionFigures, styles) -> list[Flowable]:
    header = figures.header
    facts = [
        ("Project number", header.project_number),
        ("Forum", header.forum),
        ("Dates", header.dates),
        ("Project overseer", f"{header.po_name} ({header.po_email})"),
        ("Figures as of", f"{figures.generated_at:%-d %B %Y %H:%M} UTC"),
    ]
    rows = [[f"<b>{label}</b>", text(value)] for label, value in facts]
    table = Table(
        [[Paragraph(a, styles.body), Paragraph(b, styles.body)] for a, b in rows],
        colWidths=[45 * mm, WIDTH - 45 * mm],
        hAlign="LEFT",
    )
    return [
        Spacer(1, 40 * mm),
        Paragraph("Completion report — figures against the proposal's targets", styles.kicker),
        Paragraph(text(header.title), styles.title),
        table,
        PageBreak(),
    ]


def _targets(figures: CompletionFigures, styles) -> list[Flowable]:
    rows = [
        [
            "<b>Target</b>",
            "<b>Target value</b>",
            "<b>Actual</b>",
            "<b>95% interval</b>",
            "<b>Status</b>",
        ]
    ]
    for check in figures.targets:
        status = check.status + (" (uncertain)" if check.uncertain else "")
        basis = figures.basis(check.key)
        rows.append(
            [
                escape(check.label)
                + (f'<br/><font size="7">{escape(basis)}</font>' if basis else ""),
                number_text(check.target, check.unit),
                number_text(check.actual, check.unit),
                interval_text(check.low, check.high),
                f"<b>{status}</b>",
            ]
        )
    if len(rows) == 1:
        rows.append(["No targets set for this symposium.", "", "", "", ""])
    widths = [70 * mm, 25 * mm, 22 * mm, 30 * mm, WIDTH - 147 * mm]
    return [Paragraph("Targets", styles.heading), _table(rows, widths, styles)]


def _sex_table(columns: list[tuple[str, SexCounts]], styles) -> Table:
    header = ["<b>Sex</b>"] + [c for name, _ in columns for c in (f"<b>{name}</b>", "<b>%</b>")]
    rows = [header]
    for sex in (*SEXES, "Total"):
        row = [sex]
        for _name, counts in columns:
            if sex == "Total":
                row += [str(counts.total), pct_text(100.0 if counts.total else None)]
            else:
                row += [str(counts.by_sex()[sex]), pct_text(counts.pct(sex))]
        rows.append(row)
    rest = (WIDTH - 45 * mm) / (2 * len(columns))
    return _table(rows, [45 * mm] + [rest] * 2 * len(columns), styles, total=True)


def _attendance(figures: CompletionFigures, charts, styles) -> list[Flowable]:
    summary = (
        f"{figures.registered.total} participants registered, {figures.attended.total} "
        f"attended. Women: {pct_text(figures.women_participants.pct)} of attended participants; "
        f"women and/or youth: {pct_text(figures.women_or_youth.pct)}."
    )
    table = _sex_table([("Registered", figures.registered), ("Attended", figures.attended)], styles)
    return [
        Paragraph("Participants", styles.heading),
        Paragraph(summary, styles.body),
        table,
        Spacer(1, 3 * mm),
        _chart(charts["participants"]),
    ]


def _speakers(figures: CompletionFigures, charts, styles) -> list[Flowable]:
    summary = (
        f"{figures.speakers.total} speakers and experts; women "
        f"{pct_text(figures.women_speakers.pct)}."
    )
    story = [
        Paragraph("Speakers and experts", styles.heading),
        Paragraph(summary, styles.body),
        _sex_table([("Speakers / experts", figures.speakers)], styles),
        Spacer(1, 3 * mm),
        _chart(charts["speakers"]),
    ]
    if figures.speaker_list:
        rows = [["<b>Name</b>", "<b>Role</b>", "<b>Sex</b>", "<b>Economy</b>"]]
        rows += [
            [text(p.name), escape(p.role), escape(p.sex), text(p.economy)]
            for p in figures.speaker_list
        ]
        widths = [60 * mm, 30 * mm, 30 * mm, WIDTH - 120 * mm]
        story += [Spacer(1, 3 * mm), _table(rows, widths, styles)]
    return story


def _economies(figures: CompletionFigures, charts, styles) -> list[Flowable]:
    header = figures.header
    names = "; ".join(figures.economies_represented) or "none yet"
    summary = (
        f"{len(figures.economies_represented)} member economies with at least one attended "
        f"participant (of {len(header.invited_economies)} invited): {text(names)}."
    )
    summary += "<br/><font size=8>F female, M male, O other, U prefer not to say.</font>"
    sexes = ["F", "M", "O", "U"]
    rows = [
        [
            "<b>Economy</b>",
            "<b>Registered</b>",
            "",
            "",
            "",
            "",
            "<b>Attended</b>",
            "",
            "",
            "",
            "",
            "<b>Speakers</b>",
        ],
        ["", "All", *sexes, "All", *sexes, ""],
    ]
    for row in figures.economy_rows:
        rows.append(
            [
                text(row.name),
                str(row.registered.total),
                *map(str, row.registered.counts),
                str(row.attended.total),
                *map(str, row.attended.counts),
                str(row.speakers),
            ]
        )
    cells = [[Paragraph(cell, styles.cell) for cell in row] for row in rows]
    table = Table(
        cells, colWidths=[46 * mm] + [11 * mm] * 10 + [18 * mm], repeatRows=2, hAlign="LEFT"
    )
    table.setStyle(GRID)
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (0, 1)),
                ("SPAN", (1, 0), (5, 0)),
                ("SPAN", (6, 0), (10, 0)),
                ("SPAN", (11, 0), (11, 1)),
                ("BACKGROUND", (0, 1), (-1, 1), colors.whitesmoke),
            ]
        )
    )
    return [
        Paragraph("Economies", styles.heading),
        Paragraph(summary, styles.body),
        table,
        Spacer(1, 3 * mm),
        _chart(charts["economies"]),
    ]


def _per_day(figures: CompletionFigures, charts, styles) -> list[Flowable]:
    rows = [["<b>Day</b>", "<b>Date</b>", "<b>Attended</b>", *(f"<b>{s}</b>" for s in SEXES)]]
    for day in figures.days:
        if not day.recorded:  # zeros would read as "nobody came"
            rows.append([f"Day {day.number}", f"{day.date:%a %-d %b %Y}", NOT_RECORDED])
            continue
        rows.append(
            [f"Day {day.number}", f"{day.date:%a %-d %b %Y}", str(day.attended.total)]
            + [str(n) for n in day.attended.counts]
        )
    rest = (WIDTH - 60 * mm) / 5
    return [
        Paragraph("Participants per day", styles.heading),
        _table(rows, [20 * mm, 40 * mm] + [rest] * 5, styles),
        Spacer(1, 3 * mm),
        _chart(charts["days"]),
    ]


def _survey(figures: CompletionFigures, charts, styles) -> list[Flowable]:
    rows = [["<b>Measure</b>", "<b>Value</b>"]]
    rows += [[escape(a), escape(b)] for a, b in survey_lines(figures.survey)]
    story = [
        Paragraph("Survey outcomes", styles.heading),
        _table(rows, [70 * mm, WIDTH - 70 * mm], styles),
    ]
    if "outcomes" in charts:
        story += [Spacer(1, 3 * mm), _chart(charts["outcomes"])]
    return story


def _definitions(figures: CompletionFigures, styles) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("Definitions", styles.heading)]
    for term, meaning in figures.definitions:
        story.append(Paragraph(f"<b>{escape(term)}.</b> {escape(meaning)}", styles.small))
    story.append(
        Paragraph(
            f"Data as of {figures.generated_at:%-d %B %Y %H:%M} UTC, read from the symposium's "
            "registrations, agenda, attendance and survey at that moment.",
            styles.small,
        )
    )
    return story


def completion_pdf(figures: CompletionFigures) -> bytes:
    """The completion report as A4 PDF bytes, every font embedded."""
    styles = house_styles()
    charts = {chart.key: chart for chart in completion_charts(figures)}
    header = figures.header
    story = _title_page(figures, styles) + _targets(figures, styles)
    for section in (_attendance, _speakers, _economies, _per_day, _survey):
        # A section's heading and first table stay together; its chart may move to the next page.
        parts = section(figures, charts, styles)
        story += [KeepTogether(parts[:3]), *parts[3:]]
    story += _definitions(figures, styles)
    return a4_pdf(
        story,
        title=f"Completion report — {header.title}",
        author=header.po_name,
        footer=f"Completion report · {header.project_number}",
    )
