"""Clock times from durations: the pure heart of the agenda (plain data in, plain data out).

A day starts at a wall-clock time in the host time zone; each item lasts its duration and the
next one starts when it ends. Arithmetic is done in UTC, so a day that crosses a DST change
still shows the right wall-clock times. A cancelled item keeps the slot it would have had (for
calendar feeds, which announce the cancellation) but takes no time: what follows moves up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class PersonRef:
    """A speaker or moderator as the agenda shows them."""

    name: str
    economy: str | None = None
    organisation: str | None = None
    key: str = ""  # stable identity (e.g. "speaker-12"), to find double bookings

    def label(self) -> str:
        details = ", ".join(part for part in (self.organisation, self.economy) if part)
        return f"{self.name} ({details})" if details else self.name


@dataclass(frozen=True)
class ItemPlan:
    """An agenda item before it has clock times."""

    uid: str  # stable across exports and edits, e.g. "item-42@symposium"
    kind: str  # one of ITEM_KINDS
    title: str
    duration: int  # minutes
    description: str = ""
    speakers: tuple[PersonRef, ...] = ()
    moderators: tuple[PersonRef, ...] = ()
    materials: tuple[str, ...] = ()
    cancelled: bool = False
    sequence: int = 0  # grows each time the item changes (iCalendar SEQUENCE)
    last_modified: dt.datetime = field(
        default_factory=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )  # aware, UTC


@dataclass(frozen=True)
class TimedItem:
    item: ItemPlan
    start: dt.datetime  # aware, in the host time zone
    end: dt.datetime

    @property
    def minutes(self) -> int:
        return self.item.duration


@dataclass(frozen=True)
class DaySchedule:
    number: int
    date: dt.date
    start: dt.datetime  # aware, host time zone
    items: tuple[TimedItem, ...]

    @property
    def end(self) -> dt.datetime:
        """When the last item that takes place ends (the start if there is none)."""
        held = [timed.end for timed in self.items if not timed.item.cancelled]
        return max(held, default=self.start)

    @property
    def total_minutes(self) -> int:
        return sum(t.item.duration for t in self.items if not t.item.cancelled)


@dataclass(frozen=True)
class AgendaDocument:
    """Everything an export needs: the symposium's details and its timed days."""

    title: str
    project_number: str
    host_timezone: str
    platform_name: str
    platform_url: str | None
    days: tuple[DaySchedule, ...]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.host_timezone)


ITEM_KINDS: dict[str, str] = {
    "opening": "Opening",
    "keynote": "Keynote",
    "panel": "Panel",
    "presentation": "Presentation",
    "economy_presentation": "Economy presentation",
    "break": "Break",
    "closing": "Conclusions / closing",
    "other": "Other",
}

# Kinds that make no sense without someone speaking.
KINDS_NEEDING_SPEAKER = frozenset({"keynote", "panel", "presentation", "economy_presentation"})


def schedule_day(
    number: int,
    date: dt.date,
    start_time: dt.time,
    timezone: str,
    items: Sequence[ItemPlan],
) -> DaySchedule:
    """Give each item its start and end, in order, from the day's start in ``timezone``."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(date, start_time, tzinfo=zone)
    cursor = start.astimezone(dt.UTC)
    timed = []
    for item in items:
        end = cursor + dt.timedelta(minutes=item.duration)
        timed.append(TimedItem(item, cursor.astimezone(zone), end.astimezone(zone)))
        if not item.cancelled:
            cursor = end
    return DaySchedule(number, date, start, tuple(timed))


def current_and_next(
    days: Sequence[DaySchedule], now: dt.datetime
) -> tuple[TimedItem | None, TimedItem | None]:
    """The item under way at ``now`` (aware) and the one after it, skipping cancelled items."""
    held = [t for day in days for t in day.items if not t.item.cancelled]
    current = next((t for t in held if t.start <= now < t.end), None)
    upcoming = next((t for t in held if t.start >= now and t is not current), None)
    return current, upcoming


def in_zone(moment: dt.datetime, timezone: str) -> dt.datetime:
    """``moment`` on the wall clock of ``timezone``."""
    return moment.astimezone(ZoneInfo(timezone))
