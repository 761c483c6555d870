"""What the time-zone planner looks at: the symposium's days and where its people are."""

from __future__ import annotations

from agenda.planner import DaySlot, ZoneGroup
from agenda.schedule import AgendaDocument
from symposium.models import Symposium

DEFAULT_DAY_MINUTES = 180


def planner_days(symposium: Symposium, document: AgendaDocument) -> list[DaySlot]:
    """Each day with its current start and length (the daily maximum while a day is empty)."""
    fallback = symposium.daily_max_minutes or DEFAULT_DAY_MINUTES
    return [
        DaySlot(
            day.number,
            day.date,
            day.start.timetz().replace(tzinfo=None),
            day.total_minutes or fallback,
        )
        for day in document.days
    ]


def invited_groups(symposium: Symposium) -> list[ZoneGroup]:
    """Each invited economy once (weight 1), in its capital's time zone.

    Once registration lands, this is where registrants per economy (and their own time
    zones) will weigh in instead.
    """
    return [ZoneGroup(e.name, e.timezone, 1.0) for e in symposium.invited_economies]
