"""The time-zone planner: when each symposium day falls in every participant's local time, and
the common start that keeps the fewest economy-hours outside a working window of local hours
(each invited economy's hours outside it, added up: one clock per economy, not weighted by
people). A window may cross midnight (20:00–02:00, for people willing to join late)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from symposium.services import utc_offset_label


@dataclass(frozen=True)
class ZoneGroup:
    label: str  # an economy's name, or a zone's
    timezone: str  # IANA name
    weight: float = 1.0  # how much the group counts (the planner page: 1 per economy)


@dataclass(frozen=True)
class DaySlot:
    number: int
    date: dt.date  # in the host time zone
    start: dt.time  # host wall clock
    minutes: int


def _minutes_of_day_time(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


@dataclass(frozen=True)
class Window:
    """Acceptable local hours, from ``start`` up to ``end``; an end earlier than the start is on
    the next day (20:00–02:00 is the night). The same time twice is refused: it could mean no
    hour or every hour, and neither tells the planner anything."""

    start: dt.time = dt.time(7, 0)
    end: dt.time = dt.time(22, 0)

    def __post_init__(self) -> None:
        if _minutes_of_day_time(self.start) == _minutes_of_day_time(self.end):
            raise ValueError("The working window must start and end at different times.")

    @property
    def crosses_midnight(self) -> bool:
        return _minutes_of_day_time(self.end) < _minutes_of_day_time(self.start)

    def contains(self, minute_of_day: int) -> bool:
        """Whether a local clock time (minutes after midnight) is inside the window."""
        opens, closes = _minutes_of_day_time(self.start), _minutes_of_day_time(self.end)
        if self.crosses_midnight:
            return minute_of_day >= opens or minute_of_day < closes
        return opens <= minute_of_day < closes

    def next_edge(self, minute_of_day: int) -> int:
        """The next minute of the day (midnight being 1440) at which being inside may change."""
        edges = (_minutes_of_day_time(self.start), _minutes_of_day_time(self.end), 24 * 60)
        return min(edge for edge in edges if edge > minute_of_day)


@dataclass(frozen=True)
class LocalSpan:
    group: ZoneGroup
    day_number: int
    start: dt.datetime  # aware, group's zone
    end: dt.datetime
    outside_minutes: int
    date_differs: bool
    utc_offset: str


@dataclass(frozen=True)
class Suggestion:
    start: dt.time
    person_hours: float
    current_person_hours: float


def _host_start(day: DaySlot, host: ZoneInfo, start: dt.time | None = None) -> dt.datetime:
    """The day's start as a UTC instant (a wall time in a DST gap resolves as zoneinfo does)."""
    local = dt.datetime.combine(day.date, start or day.start, tzinfo=host)
    return local.astimezone(dt.UTC)


def _minutes_of_day(moment: dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


def outside_minutes(start: dt.datetime, end: dt.datetime, window: Window) -> int:
    """Real minutes of [start, end) whose local wall-clock time is outside the window.

    Walks the span in pieces that end at the next local window edge, midnight or DST change,
    so long spans are cheap and a span across a DST change counts the minutes that elapse.
    """
    zone = start.tzinfo
    total = 0
    cursor = start.astimezone(dt.UTC)
    finish = end.astimezone(dt.UTC)
    while cursor < finish:
        local = cursor.astimezone(zone)
        now = _minutes_of_day(local)
        # Step at most to the next edge; also at most an hour, so DST jumps are seen.
        step = max(1, min(window.next_edge(now) - now, 60 - local.minute if local.minute else 60))
        piece_end = min(cursor + dt.timedelta(minutes=step), finish)
        if not window.contains(now):
            total += int((piece_end - cursor).total_seconds() // 60)
        cursor = piece_end
    return total


def local_spans(
    days: Sequence[DaySlot],
    host_timezone: str,
    groups: Sequence[ZoneGroup],
    window: Window = Window(),
) -> list[list[LocalSpan]]:
    """One row per group, one span per day: the day's start and end on the group's clock."""
    host = ZoneInfo(host_timezone)
    rows = []
    for group in groups:
        zone = ZoneInfo(group.timezone)
        row = []
        for day in days:
            start_utc = _host_start(day, host)
            start = start_utc.astimezone(zone)
            end = (start_utc + dt.timedelta(minutes=day.minutes)).astimezone(zone)
            row.append(
                LocalSpan(
                    group,
                    day.number,
                    start,
                    end,
                    outside_minutes(start, end, window),
                    start.date() != day.date,
                    utc_offset_label(zone, start),
                )
            )
        rows.append(row)
    return rows


def person_hours_outside(
    days: Sequence[DaySlot],
    host_timezone: str,
    groups: Sequence[ZoneGroup],
    window: Window = Window(),
) -> float:
    """Hours spent outside the window, over every group and day, times each group's weight
    (economy-hours when every economy weighs 1, as on the planner page)."""
    rows = local_spans(days, host_timezone, groups, window)
    return sum(span.group.weight * span.outside_minutes / 60 for row in rows for span in row)


def suggest_start(
    days: Sequence[DaySlot],
    host_timezone: str,
    groups: Sequence[ZoneGroup],
    window: Window = Window(),
    step_minutes: int = 15,
) -> Suggestion:
    """The common start (host time, in steps) with the fewest weighted hours outside the window.

    Ties go to the start closest to day 1's current one, then to the earlier one.
    """
    current = person_hours_outside(days, host_timezone, groups, window)
    reference = _minutes_of_day_time(days[0].start) if days else 0
    best: tuple[float, int, int] | None = None
    for minute in range(0, 24 * 60, step_minutes):
        start = dt.time(minute // 60, minute % 60)
        moved = [DaySlot(d.number, d.date, start, d.minutes) for d in days]
        cost = round(person_hours_outside(moved, host_timezone, groups, window), 6)
        key = (cost, abs(minute - reference), minute)
        if best is None or key < best:
            best = key
    assert best is not None
    return Suggestion(dt.time(best[2] // 60, best[2] % 60), best[0], current)
