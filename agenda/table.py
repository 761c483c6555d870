"""The agenda as a CSV table (one row per item), safe to open in a spreadsheet."""

from __future__ import annotations

from agenda.schedule import ITEM_KINDS, AgendaDocument, in_zone
from symposium.spreadsheet import csv_bytes

HEADER = (
    "Day",
    "Date",
    "Start",
    "End",
    "Time zone",
    "Start (UTC)",
    "End (UTC)",
    "Minutes",
    "Kind",
    "Title",
    "Speakers",
    "Moderators",
    "Status",
)


def agenda_csv(document: AgendaDocument, display_timezone: str | None = None) -> bytes:
    """Times in the host zone (or ``display_timezone``) and in UTC, each column labelled."""
    zone = display_timezone or document.host_timezone
    rows = []
    for day in document.days:
        for timed in day.items:
            start, end = in_zone(timed.start, zone), in_zone(timed.end, zone)
            rows.append(
                (
                    day.number,
                    start.date().isoformat(),
                    f"{start:%H:%M}",
                    f"{end:%H:%M}",
                    zone,
                    f"{in_zone(timed.start, 'UTC'):%Y-%m-%d %H:%M}",
                    f"{in_zone(timed.end, 'UTC'):%Y-%m-%d %H:%M}",
                    timed.item.duration,
                    ITEM_KINDS.get(timed.item.kind, timed.item.kind),
                    timed.item.title,
                    "; ".join(p.label() for p in timed.item.speakers),
                    "; ".join(p.label() for p in timed.item.moderators),
                    "cancelled" if timed.item.cancelled else "confirmed",
                )
            )
    return csv_bytes(HEADER, rows)
