"""The General Information Circular as an A4 PDF, from the same document the page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from registration.circular import CircularDocument, change_line
from symposium.formatting import deadline
from symposium.markdown import markdown_blocks
from symposium.pdf_fonts import pdf_fonts, pdf_text
from symposium.pdf_layout import MARGIN, HouseStyles, a4_pdf, house_styles

WIDTH = A4[0] - 2 * MARGIN
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


@dataclass(frozen=True)
class _Styles(HouseStyles):
    """The house styles and what the organiser's Markdown needs besides."""

    subheading: ParagraphStyle
    quote: ParagraphStyle
    code: ParagraphStyle
    notice: ParagraphStyle


def _styles() -> _Styles:
    house, fonts = house_styles(), pdf_fonts()
    body = house.body
    return _Styles(
        **{f.name: getattr(house, f.name) for f in fields(HouseStyles)},
        subheading=ParagraphStyle(
            "gic-h3", parent=body, fontName=fonts.bold, fontSize=10.5, spaceBefore=6
        ),
        quote=ParagraphStyle(
            "gic-quote", parent=body, leftIndent=6 * mm, textColor=colors.HexColor("#444444")
        ),
        code=ParagraphStyle(
            "gic-code", parent=body, fontSize=9, leftIndent=4 * mm, backColor=colors.whitesmoke
        ),
        notice=ParagraphStyle(
            "gic-notice",
            parent=body,
            backColor=colors.HexColor("#fff3cd"),
            borderPadding=4,
            spaceBefore=4,
            spaceAfter=8,
        ),
    )


def _markdown(text: str, styles: _Styles) -> list[Flowable]:
    """The organiser's Markdown as flowables; every piece of text arrives escaped."""
    story: list[Flowable] = []
    for block in markdown_blocks(text):
        if block.kind == "heading":
            story.append(Paragraph(block.markup, styles.subheading))
        elif block.kind == "item":
            indent = ParagraphStyle(
                f"gic-item-{block.depth}",
                parent=styles.body,
                leftIndent=6 * mm * block.depth,
                bulletIndent=6 * mm * block.depth - 4 * mm,
                spaceAfter=2,
            )
            story.append(Paragraph(block.markup, indent, bulletText=block.bullet or None))
        elif block.kind == "quote":
            story.append(Paragraph(block.markup, styles.quote))
        elif block.kind == "code":
            story.append(Paragraph(block.markup, styles.code))
        elif block.kind == "table" and block.rows:
            rows = [[Paragraph(cell, styles.cell) for cell in row] for row in block.rows]
            # A row may be taller than a page (a long cell): it is split across pages.
            table = Table(rows, repeatRows=1, hAlign="LEFT", splitInRow=1)
            table.setStyle(GRID)
            story += [table, Spacer(1, 2 * mm)]
        else:
            story.append(Paragraph(block.markup, styles.body))
    return story or [Paragraph("<i>To be announced.</i>", styles.body)]


def _table(rows: list[list[str]], widths: list[float], styles: _Styles) -> Table:
    """A grid of escaped-markup cells with a header row that repeats on each page."""
    cells = [[Paragraph(text, styles.cell) for text in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(GRID)
    return table


def _title_block(document: CircularDocument, styles: _Styles) -> list[Flowable]:
    facts = document.facts
    label = f"General Information Circular · Version {document.version}"
    if document.is_revision:
        label += " · REVISED"
    issued = (
        f"Issued {document.issued_on:%-d %B %Y}"
        if document.issued_on
        else "Draft — not yet distributed"
    )
    story: list[Flowable] = [
        Paragraph(escape(label), styles.kicker),
        Paragraph(pdf_text(facts.title), styles.title),
        Paragraph(
            f"Project {escape(facts.project_number)} · {escape(facts.forum)} · {issued}",
            styles.body,
        ),
    ]
    if document.is_revision:
        story.append(Paragraph(f"<b>{escape(change_line(document))}</b>", styles.notice))
    return story


def _when_and_where(document: CircularDocument, styles: _Styles) -> list[Flowable]:
    facts = document.facts
    rows = [["<b>Day</b>", f"<b>Host time ({escape(facts.host_timezone)})</b>", "<b>UTC</b>"]]
    for day in document.days:
        rows.append(
            [
                f"Day {day.number} — {day.date:%a %-d %b %Y}",
                f"{escape(day.host_span)} ({escape(day.utc_offset)})",
                escape(day.utc_span),
            ]
        )
    languages = escape(", ".join(facts.languages)) or "English"
    details = f"<b>Platform:</b> {escape(facts.platform_name)} (the link is sent to registered "
    details += f"participants) · <b>Languages:</b> {languages}"
    if facts.interpretation:
        details += f" · <b>Interpretation:</b> {escape(facts.interpretation)}"
    return [
        Paragraph("Dates and times", styles.heading),
        _table(rows, [45 * mm, 70 * mm, WIDTH - 115 * mm], styles),
        Spacer(1, 2 * mm),
        Paragraph(details, styles.body),
    ]


def _local_times(document: CircularDocument, styles: _Styles) -> list[Flowable]:
    if not document.local_times:
        return []
    header = ["<b>Economy</b>"] + [
        f"<b>Day {day.number}</b> ({day.date:%a %-d %b})" for day in document.days
    ]
    rows = [header]
    for row in document.local_times:
        cells = [f"{escape(row.economy)}<br/><font size=7>{escape(row.timezone)}</font>"]
        cells += [
            f"{escape(t.label)}<br/><font size=7>{escape(t.utc_offset)}</font>" for t in row.times
        ]
        rows.append(cells)
    first = 48 * mm
    rest = (WIDTH - first) / max(len(document.days), 1)
    return [
        Paragraph("Local time in each invited economy", styles.heading),
        _table(rows, [first] + [rest] * len(document.days), styles),
    ]


def _agenda(document: CircularDocument, styles: _Styles) -> list[Flowable]:
    zone = escape(document.facts.host_timezone)
    story: list[Flowable] = []
    for number, day in enumerate(document.agenda):
        rows = [["<b>Time</b>", "<b>Kind</b>", "<b>Item</b>"]]
        for entry in day.entries:
            text = f"<b>{pdf_text(entry.title)}</b>"
            for role, people in (("Speakers", entry.speakers), ("Moderators", entry.moderators)):
                if people:
                    text += f"<br/>{role}: {pdf_text('; '.join(people))}"
            rows.append([escape(entry.span), escape(entry.kind), text])
        if len(rows) == 1:
            rows.append(["", "", "<i>To be announced.</i>"])
        # The section heading stays with the first day's table, never alone at a page's foot.
        heading = (
            [Paragraph("Draft agenda", styles.heading), Paragraph(f"Times in {zone}.", styles.body)]
            if number == 0
            else []
        )
        story.append(
            KeepTogether(
                [
                    *heading,
                    Paragraph(f"Day {day.number} — {day.date:%A %-d %B %Y}", styles.subheading),
                    _table(rows, [28 * mm, 32 * mm, WIDTH - 60 * mm], styles),
                ]
            )
        )
    return story


def _deadline(label: str, value: dt.date | None, timezone: str, styles: _Styles) -> Paragraph:
    when = escape(deadline(value, timezone, spelled_out=True)) if value else "to be announced"
    return Paragraph(f"<b>{label}:</b> {when}", styles.body)


def _story(document: CircularDocument, styles: _Styles) -> list[Flowable]:
    facts, sections = document.facts, document.sections
    story = [*_title_block(document, styles), Spacer(1, 3 * mm)]
    if sections.introduction.strip():
        story += _markdown(sections.introduction, styles)
    story += _when_and_where(document, styles) + _local_times(document, styles)
    story += [Paragraph("Objectives", styles.heading), *_markdown(sections.objectives, styles)]
    story += [
        Paragraph("Target participants", styles.heading),
        *_markdown(sections.target_participants, styles),
    ]
    if document.agenda:
        story += _agenda(document, styles)
    exceptions = "; ".join(f"{escape(q.economy)}: {q.quota}" for q in facts.quota_exceptions)
    delegates = "delegate" if facts.quota == 1 else "delegates"
    quota = f"<b>Quota:</b> up to {facts.quota} {delegates} per economy"
    quota += f" ({exceptions})" if exceptions else ""
    story += [
        Paragraph("Nomination procedure", styles.heading),
        *_markdown(sections.nomination_procedure, styles),
        Paragraph(quota, styles.body),
        _deadline("Nomination deadline", facts.nomination_deadline, facts.host_timezone, styles),
        Paragraph("Registration", styles.heading),
        *_markdown(sections.registration_instructions, styles),
        _deadline(
            "Registration deadline", facts.registration_deadline, facts.host_timezone, styles
        ),
        Paragraph("Privacy notice", styles.heading),
        *_markdown(sections.privacy_notice, styles),
        Paragraph("Contact", styles.heading),
        Paragraph(
            f"{escape(facts.po_name)}, project overseer — {escape(facts.po_email)}", styles.body
        ),
    ]
    return story


def circular_pdf(document: CircularDocument) -> bytes:
    """The circular as A4 PDF bytes: title block, sections, time tables, agenda, page numbers."""
    styles = _styles()
    facts = document.facts
    footer = f"GIC · {facts.project_number} · version {document.version}"
    if document.is_revision:
        footer += " (Revised)"
    return a4_pdf(
        _story(document, styles),
        title=f"General Information Circular — {facts.title}",
        author=facts.po_name,
        footer=footer,
    )
