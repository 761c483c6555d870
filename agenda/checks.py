"""Warnings about an agenda: they point at problems without refusing the organiser's choice."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from agenda.schedule import ITEM_KINDS, KINDS_NEEDING_SPEAKER, DaySchedule, TimedItem


@dataclass(frozen=True)
class Warning:
    message: str
    item_uid: str | None = None


def long_days(days: Sequence[DaySchedule], daily_max_minutes: int | None) -> list[Warning]:
    """Days whose items add up to more than the symposium's daily maximum."""
    if not daily_max_minutes:
        return []
    return [
        Warning(
            f"Day {day.number} runs {day.total_minutes} minutes, longer than the "
            f"{daily_max_minutes}-minute maximum of this symposium."
        )
        for day in days
        if day.total_minutes > daily_max_minutes
    ]


def missing_speakers(days: Sequence[DaySchedule]) -> list[Warning]:
    """Items of a kind that needs a speaker (keynote, panel, presentation…) with none."""
    return [
        Warning(
            f"{ITEM_KINDS[timed.item.kind]} “{timed.item.title}” (day {day.number}) "
            "has no speaker.",
            timed.item.uid,
        )
        for day in days
        for timed in day.items
        if timed.item.kind in KINDS_NEEDING_SPEAKER
        and not timed.item.cancelled
        and not timed.item.speakers
    ]


def double_bookings(timed_items: Iterable[tuple[str, TimedItem]]) -> list[Warning]:
    """People due in two items at once; each entry is (where, item), e.g. a symposium's title.

    Within one symposium items follow each other, so this finds people booked in overlapping
    items of different symposia (the same expert is often invited to several).
    """
    held = [(where, t) for where, t in timed_items if not t.item.cancelled]
    warnings = []
    for (where_a, a), (where_b, b) in combinations(held, 2):
        if a.start >= b.end or b.start >= a.end:
            continue
        people_a = {p.key: p for p in (*a.item.speakers, *a.item.moderators)}
        for person in (*b.item.speakers, *b.item.moderators):
            if person.key in people_a:
                warnings.append(
                    Warning(
                        f"{person.name} is due in “{a.item.title}” ({where_a}) and in "
                        f"“{b.item.title}” ({where_b}) at the same time.",
                        a.item.uid,
                    )
                )
    return warnings
