"""What the time-zone planner looks at: the symposium's days and where its people are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

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
    """Each invited economy once (weight 1), in its capital's time zone."""
    return [ZoneGroup(e.name, e.timezone, 1.0) for e in symposium.invited_economies]


# Where the people who registered are: registration says so through this hook (the agenda
# does not depend on registration), as (time zone, number of people) pairs.
ZoneCounter = Callable[[Session, Symposium], Iterable[tuple[str, int]]]
_zone_counters: list[ZoneCounter] = []


def counts_people_in_zones(counter: ZoneCounter) -> ZoneCounter:
    """Register ``counter`` (a decorator) as a source of the planner's registrant rows."""
    _zone_counters.append(counter)
    return counter


def registrant_groups(session: Session, symposium: Symposium) -> list[ZoneGroup]:
    """The time zones registrants gave (their own clock, not their capital's: a delegate of
    the United States may be in Los Angeles), each weighing as many people as chose it, the
    most people first."""
    people: Counter[str] = Counter()
    for counter in _zone_counters:
        for zone, count in counter(session, symposium):
            people[zone] += count
    ordered = sorted(people.items(), key=lambda zone_count: (-zone_count[1], zone_count[0]))
    return [ZoneGroup(zone, zone, float(count)) for zone, count in ordered]
