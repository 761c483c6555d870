"""A realistic agenda document for the export tests: the 2-day template with speakers."""

from __future__ import annotations

import datetime as dt

from agenda.presets import TWO_DAY_APEC
from agenda.schedule import AgendaDocument, ItemPlan, PersonRef, schedule_day

LAN = PersonRef("Nguyễn Thị Lan", "Viet Nam", "Agency; for e-commerce, digital", "lan@example.org")
CHEN = PersonRef("陈静", "China", None, "chen@example.org")
EDITED = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def sample_document(host: str = "America/Lima", title: str = "E-commerce symposium"):
    days = []
    dates = (dt.date(2027, 3, 30), dt.date(2027, 3, 31))
    for number, (date, items) in enumerate(zip(dates, TWO_DAY_APEC.days, strict=True), 1):
        plans = []
        for position, entry in enumerate(items):
            speakers = (LAN,) if entry.kind == "keynote" else ()
            if entry.kind == "panel":
                speakers = (LAN, CHEN)
            plans.append(
                ItemPlan(
                    uid=f"agenda-item-{number}-{position}@symposium",
                    kind=entry.kind,
                    title=entry.title,
                    duration=entry.duration,
                    speakers=speakers,
                    cancelled=(number, position) == (2, 2),
                    sequence=position,
                    last_modified=EDITED,
                )
            )
        days.append(schedule_day(number, date, dt.time(8, 0), host, plans))
    return AgendaDocument(
        title, "SME 10 2022A", host, "Zoom", "https://zoom.example.org/j/1", tuple(days)
    )
