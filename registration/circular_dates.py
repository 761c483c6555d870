"""Dates in the circular's hand-written texts that the set-up no longer has.

The tables and the agenda follow the set-up, but the prose keeps whatever dates it was written
with (the default texts spell the deadlines out). Given the dates a set-up was changed from,
this finds where the texts still say them, so the organiser corrects them before the circular
goes to every focal point. Pure: plain dates and texts in, readable findings out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from registration.circular import CircularTexts

# The sections as the edit form labels them.
SECTION_LABELS = {
    "introduction": "Introduction",
    "objectives": "Objectives",
    "target_participants": "Target participants",
    "nomination_procedure": "Nomination procedure",
    "registration_instructions": "Registration instructions",
    "privacy_notice": "Privacy notice",
}

_DEADLINE_NAMES = {
    "nomination_deadline": "nomination deadline",
    "registration_deadline": "registration deadline",
}

_WEEKDAY = (
    r"(?:\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+(?:the\s+)?)?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
# Between the days of a range or list: "23–24 March", "23 and 24 March", "23, 24 and 25 March".
_JOIN = r"\s*(?:[-–—,&]|\band\b|\bto\b)\s*(?:and\s+)?"
_OTHER_DAY = rf"\d{{1,2}}{_ORDINAL}(?!\d)"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?(?!\d)"


def spelled_out(date: dt.date) -> str:
    """``Tuesday 30 March 2027``, as the default texts write a date."""
    return f"{date:%A %-d %B %Y}"


def _month(date: dt.date) -> str:
    full, short = f"{date:%B}", f"{date:%b}"
    names = {full, short} | ({"Sept"} if full == "September" else set())
    return "(?:" + "|".join(sorted(names, key=len, reverse=True)) + r")\b\.?"


def _patterns(date: dt.date) -> list[re.Pattern[str]]:
    day, month = rf"0?{date.day}{_ORDINAL}(?!\d)", _month(date)
    day_first = (
        rf"{_WEEKDAY}(?<!\d)(?:{_OTHER_DAY}{_JOIN})*{day}(?:{_JOIN}{_OTHER_DAY})*"
        rf"\s+(?:of\s+)?{month}{_YEAR}"
    )
    month_first = (
        rf"{_WEEKDAY}{month}\s+(?:{_OTHER_DAY}{_JOIN})*(?<!\d){day}(?:{_JOIN}{_OTHER_DAY})*{_YEAR}"
    )
    iso = rf"(?<!\d)(?P<year>{date.year})-{date.month:02d}-{date.day:02d}(?!\d)"
    return [re.compile(p, re.IGNORECASE) for p in (day_first, month_first, iso)]


def date_mentions(text: str, date: dt.date) -> list[str]:
    """How ``text`` writes ``date``, as written: ``Tuesday 23 March 2027``, ``23 March``,
    ``23–24 March 2027``, ``March 23, 2027``, ``2027-03-23``. A mention with another year is
    another date; one without a year is taken to be this one."""
    found: list[tuple[int, str]] = []
    for pattern in _patterns(date):
        for match in pattern.finditer(text):
            year = match.group("year")
            if year is not None and int(year) != date.year:
                continue
            if not any(start == match.start() for start, _ in found):
                found.append((match.start(), " ".join(match.group(0).split())))
    return [said for _, said in sorted(found)]


@dataclass(frozen=True)
class SetupDate:
    """A day's date or a deadline as the set-up holds it (``date`` None: it has none)."""

    field: str  # "days", "nomination_deadline" or "registration_deadline"
    day_number: int | None
    date: dt.date | None


@dataclass(frozen=True)
class OutdatedDate:
    """A text that still gives a date the set-up was changed from."""

    section: str  # as the edit form labels it
    said: str  # the date as the text writes it
    now: str  # what the set-up says instead

    @property
    def message(self) -> str:
        return f"The “{self.section}” text still says {self.said}; {self.now}."


def _now(old: SetupDate, current: Sequence[SetupDate]) -> str:
    """What the set-up says today in place of ``old``."""
    new = next(
        (c.date for c in current if (c.field, c.day_number) == (old.field, old.day_number)), None
    )
    if old.field == "days":
        if new is None:
            return f"the symposium no longer has a day {old.day_number}"
        if old.day_number == 1:
            return f"the symposium now starts on {spelled_out(new)}"
        return f"day {old.day_number} is now {spelled_out(new)}"
    name = _DEADLINE_NAMES.get(old.field, old.field)
    if new is None:
        return f"the set-up no longer gives a {name}"
    return f"the {name} is now {spelled_out(new)}"


def outdated_dates(
    texts: CircularTexts, superseded: Iterable[SetupDate], current: Sequence[SetupDate]
) -> list[OutdatedDate]:
    """Where ``texts`` still give a date from ``superseded`` (the values the set-up was changed
    from), section by section. A date the set-up still has, for any day or deadline, is left
    alone: a text giving it may be right."""
    still_used = {c.date for c in current if c.date is not None}
    findings: list[OutdatedDate] = []
    for old in dict.fromkeys(superseded):  # each old value once, in the order of the changes
        if old.date is None or old.date in still_used:
            continue
        now = _now(old, current)
        for name, text in dataclasses.asdict(texts).items():
            for said in date_mentions(text, old.date):
                finding = OutdatedDate(SECTION_LABELS[name], said, now)
                if finding not in findings:
                    findings.append(finding)
    return findings
