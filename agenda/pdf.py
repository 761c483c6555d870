"""The agenda as a printable PDF: each day's items with times in the host zone and one more."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from agenda.schedule import ITEM_KINDS, AgendaDocument, in_zone
from symposium.pdf_fonts import pdf_fonts, pdf_text
from symposium.pdf_layout import a4_pdf


def _span(start: dt.datetime, end: dt.datetime, zone: str, host_date: dt.date) -> str:
    local_start, local_end = in_zone(start, zone), in_zone(end, zone)
    text = f"{local_start:%H:%M}–{local_end:%H:%M}"
    if local_start.date() != host_date:
        text += f" ({local_start:%a %-d %b})"
    return text


def agenda_pdf(
    document: AgendaDocument,
    *,
    display_timezone: str | None = None,
    generated_on: dt.date | None = None,
) -> bytes:
    """A4 PDF of the agenda; the second time column is UTC unless another zone is asked for."""
    fonts = pdf_fonts()
    regular, bold = fonts.regular, fonts.bold
    styles = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=styles["BodyText"], fontName=regular, fontSize=9, leading=11
    )
    title = ParagraphStyle("title", parent=styles["Title"], fontName=bold, fontSize=16)
    heading = ParagraphStyle("h", parent=styles["Heading2"], fontName=bold, fontSize=12)
    other = (
        display_timezone
        if display_timezone and display_timezone != document.host_timezone
        else "UTC"
    )
    made = generated_on or dt.date.today()

    story: list = [
        Paragraph(pdf_text(document.title), title),
        Paragraph(
            f"Project {escape(document.project_number)} · {escape(document.platform_name)} · "
            f"times in {escape(document.host_timezone)} (host) and {escape(other)}",
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    for day in document.days:
        story.append(Paragraph(f"Day {day.number} — {day.date:%A %-d %B %Y}", heading))
        rows = [
            [
                Paragraph(f"<b>{escape(document.host_timezone)}</b>", body),
                Paragraph(f"<b>{escape(other)}</b>", body),
                Paragraph("<b>Item</b>", body),
                Paragraph("<b>Min.</b>", body),
            ]
        ]
        for timed in day.items:
            item = timed.item
            kind = escape(ITEM_KINDS.get(item.kind, item.kind))
            text = f"<b>{pdf_text(item.title)}</b> <i>({kind})</i>"
            if item.cancelled:
                text = f"<strike>{text}</strike> (cancelled)"
            for role, people in (("Speakers", item.speakers), ("Moderators", item.moderators)):
                if people:
                    names = "; ".join(pdf_text(p.label()) for p in people)
                    text += f"<br/>{role}: {names}"
            rows.append(
                [
                    Paragraph(
                        _span(timed.start, timed.end, document.host_timezone, day.date), body
                    ),
                    Paragraph(escape(_span(timed.start, timed.end, other, day.date)), body),
                    Paragraph(text, body),
                    Paragraph(str(item.duration), body),
                ]
            )
        table = Table(rows, colWidths=[30 * mm, 38 * mm, 95 * mm, 12 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 5 * mm)]

    return a4_pdf(
        story,
        title=f"Agenda — {document.title}",
        author="symposium",
        footer=f"{document.project_number} · agenda of {made:%-d %B %Y}",
    )
