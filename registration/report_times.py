"""The times in videoconference reports: clock times as Zoom and Teams write them (day or month
first, 12 or 24 hours), turned into UTC in the zone the organiser names, DST included;
durations; and one person's joins merged so time connected twice counts once. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

SLASHED = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?$"
)
ISO_DATE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}")
DURATION = re.compile(r"^(?:(\d+)\s*h\s*)?(?:(\d+)\s*m(?:in)?\s*)?(?:(\d+)\s*s)?$")
CLOCK_DURATION = re.compile(r"^(\d+):([0-5]\d):([0-5]\d)$")  # a workbook's 1:32:00


# --- intervals --------------------------------------------------------------------------------


def merge_intervals(intervals: Iterable[tuple[dt.datetime, dt.datetime]]):
    """The union of ``intervals`` as sorted, disjoint (start, end) pairs: a person who rejoined
    while still connected on another device is present once, not twice."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def merged_minutes(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> int:
    """Whole minutes covered by ``intervals``, overlaps counted once (rounded down, so nobody is
    credited with time they were not there)."""
    seconds = sum((end - start).total_seconds() for start, end in merge_intervals(intervals))
    return int(seconds // 60)


# --- times ------------------------------------------------------------------------------------


def local_to_utc(wall: dt.datetime, zone: ZoneInfo, fold: int = 0) -> dt.datetime:
    """The UTC instant of a wall-clock time in ``zone``; raises ValueError for a time the clocks
    skipped (zoneinfo would silently shift it by an hour)."""
    utc = wall.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != wall:
        raise ValueError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks were put forward)."
        )
    return utc


def is_day_first(values: Iterable[str], prefer: bool = False) -> bool:
    """Whether slashed dates are day/month: when some cannot be month/day and none cannot be
    day/month; when every one could be either (days 1–12), ``prefer`` (both platforms write
    month/day unless the account's locale says otherwise, so that is the first guess)."""
    firsts, seconds = set(), set()
    for value in values:
        if match := SLASHED.match(_spaces(value)):
            firsts.add(int(match[1]))
            seconds.add(int(match[2]))
    if any(n > 12 for n in seconds):
        return False
    return any(n > 12 for n in firsts) or prefer


def _spaces(value: str) -> str:
    # Newer exports put a narrow no-break space before AM/PM.
    return " ".join(value.replace("\u202f", " ").replace("\xa0", " ").split())


def _wall_time(value: str, day_first: bool) -> dt.datetime:
    text = _spaces(value)
    if ISO_DATE.match(text):
        try:
            return dt.datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            pass
    elif match := SLASHED.match(text):
        first, second, year, hour, minute, second_s, half = match.groups()
        month, day = (int(second), int(first)) if day_first else (int(first), int(second))
        hour_n = int(hour)
        if half:
            if not 1 <= hour_n <= 12:
                raise ValueError(f"“{value}” has an hour of {hour_n} with AM/PM.")
            hour_n = hour_n % 12 + (12 if half in "Pp" else 0)
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        try:
            return dt.datetime(full_year, month, day, hour_n, int(minute), int(second_s or 0))
        except ValueError:
            pass
    raise ValueError(f"“{value}” is not a date and time (such as 03/23/2027 08:59:12 AM).")


def instant(value: str, zone: ZoneInfo, day_first: bool, fold: int = 0) -> dt.datetime:
    """A time of the file as an aware UTC datetime: its own offset if it has one, else ``zone``."""
    wall = _wall_time(value, day_first)
    try:
        if wall.tzinfo is not None:
            return wall.astimezone(dt.UTC)
        return local_to_utc(wall, zone, fold)
    except OverflowError:  # year 1 or 9999 shifted out of range
        raise ValueError(f"“{value}” is not a date of a meeting.") from None


def duration_of(value: str) -> dt.timedelta:
    """Teams' In-Meeting Duration: "1h 5m 12s", or "1:05:12" as a workbook's cell holds it."""
    match = CLOCK_DURATION.match(value.strip()) or DURATION.match(_spaces(value).lower())
    if not value.strip() or match is None or not any(match.groups()):
        raise ValueError(f"“{value}” is not a duration (such as 1h 5m 12s).")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    try:
        return dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(f"“{value}” is not a duration of a meeting.") from None
