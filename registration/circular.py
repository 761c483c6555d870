"""The General Information Circular (GIC) as plain data: what the organiser wrote plus what the
app fills in from the symposium, built without a database and frozen as JSON when sent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from agenda.planner import DaySlot, ZoneGroup, local_spans
from agenda.schedule import ITEM_KINDS, DaySchedule
from symposium.services import utc_offset_label

# Bumped when the frozen JSON changes shape in a way older documents must be read around.
DOCUMENT_FORMAT = 1


@dataclass(frozen=True)
class CircularTexts:
    """The sections the organiser writes, in Markdown."""

    introduction: str = ""
    objectives: str = ""
    target_participants: str = ""
    nomination_procedure: str = ""
    registration_instructions: str = ""
    privacy_notice: str = ""


# Sections a circular should not go out without, with the names organisers see.
ESSENTIAL_SECTIONS = {
    "objectives": "Objectives",
    "target_participants": "Target participants",
    "nomination_procedure": "Nomination procedure",
    "registration_instructions": "Registration",
    "privacy_notice": "Privacy notice",
}


@dataclass(frozen=True)
class QuotaException:
    economy: str
    quota: int


@dataclass(frozen=True)
class CircularFacts:
    """What the app fills in from the symposium's set-up."""

    title: str
    project_number: str
    forum: str
    host_timezone: str
    platform_name: str
    po_name: str
    po_email: str
    languages: tuple[str, ...] = ()
    interpretation: str | None = None
    nomination_deadline: dt.date | None = None
    registration_deadline: dt.date | None = None
    quota: int = 2
    quota_exceptions: tuple[QuotaException, ...] = ()


def _fixed(moment: dt.datetime) -> dt.datetime:
    """The same instant with a fixed UTC offset, as it reads back from JSON.

    Zone-aware times inside a repeated hour (the night a DST change sets clocks back) never
    compare equal to another zone's, so documents hold fixed offsets from the start.
    """
    return moment.astimezone(dt.timezone(moment.utcoffset() or dt.timedelta(0)))


def span_label(start: dt.datetime, end: dt.datetime, reference: dt.date) -> str:
    """``08:00–11:00`` on the reference date; otherwise with weekdays, ``22:00 Mon – 01:00 Tue``."""
    if start.date() == reference and end.date() == reference:
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%H:%M %a} – {end:%H:%M %a}"


@dataclass(frozen=True)
class CircularDay:
    """A symposium day in host time (aware datetimes in the host zone)."""

    number: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    utc_offset: str  # of the host zone on that day, e.g. "UTC−05:00"

    @property
    def host_span(self) -> str:
        return span_label(self.start, self.end, self.date)

    @property
    def utc_span(self) -> str:
        utc_start, utc_end = self.start.astimezone(dt.UTC), self.end.astimezone(dt.UTC)
        return f"{span_label(utc_start, utc_end, self.date)} UTC"


@dataclass(frozen=True)
class LocalTime:
    """One day on an economy's clock."""

    day_number: int
    host_date: dt.date
    start: dt.datetime  # aware, in the economy's zone
    end: dt.datetime
    utc_offset: str

    @property
    def label(self) -> str:
        return span_label(self.start, self.end, self.host_date)


@dataclass(frozen=True)
class LocalTimeRow:
    economy: str
    timezone: str
    times: tuple[LocalTime, ...]


@dataclass(frozen=True)
class AgendaEntry:
    start: dt.datetime  # aware, host zone
    end: dt.datetime
    kind: str  # the label, e.g. "Keynote"
    title: str
    speakers: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()

    @property
    def span(self) -> str:
        return span_label(self.start, self.end, self.start.date())


@dataclass(frozen=True)
class AgendaDay:
    number: int
    date: dt.date
    entries: tuple[AgendaEntry, ...]


@dataclass(frozen=True)
class CircularDocument:
    """Everything a circular shows, ready for the HTML partial and the PDF."""

    version: int
    facts: CircularFacts
    sections: CircularTexts
    days: tuple[CircularDay, ...]
    local_times: tuple[LocalTimeRow, ...]
    agenda: tuple[AgendaDay, ...] = ()  # empty while the agenda has no items
    change_summary: str | None = None
    issued_on: dt.date | None = None  # the day it was distributed; None for a draft
    format: int = DOCUMENT_FORMAT

    @property
    def is_revision(self) -> bool:
        return self.version > 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form (dates as ISO strings) for ``CircularVersion.document``."""
        return _encode(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CircularDocument:
        """The document back from ``to_dict``; unknown keys are ignored, missing ones default."""
        return _decode(cls, data)


def change_line(document: CircularDocument) -> str:
    """The one-liner a revised circular carries, e.g. ``Revised (version 2): new dates.``;
    empty for the first version."""
    if not document.is_revision:
        return ""
    summary = (document.change_summary or "").strip()
    return f"Revised (version {document.version})" + (f": {summary}" if summary else "")


def missing_sections(document: CircularDocument) -> list[str]:
    """Names of the essential sections still empty, to warn the organiser before sending."""
    return [
        label
        for name, label in ESSENTIAL_SECTIONS.items()
        if not getattr(document.sections, name).strip()
    ]


def build_circular(
    *,
    version: int,
    facts: CircularFacts,
    texts: CircularTexts,
    days: Sequence[DaySlot],
    economies: Sequence[ZoneGroup],
    agenda_days: Sequence[DaySchedule] = (),
    change_summary: str | None = None,
    issued_on: dt.date | None = None,
) -> CircularDocument:
    """Fill in a circular from plain data.

    ``days`` give each day's start (host wall clock) and length; ``economies`` the invited
    economies with their zones, in the order the table lists them; ``agenda_days`` the timed
    agenda (cancelled items are left out, being no longer planned).
    """
    host = ZoneInfo(facts.host_timezone)
    circular_days = []
    for day in days:
        start = dt.datetime.combine(day.date, day.start, tzinfo=host)
        # Through UTC, so a day that crosses a DST change ends at the right wall-clock time.
        end = (start.astimezone(dt.UTC) + dt.timedelta(minutes=day.minutes)).astimezone(host)
        circular_days.append(
            CircularDay(
                day.number, day.date, _fixed(start), _fixed(end), utc_offset_label(host, start)
            )
        )
    host_dates = {day.number: day.date for day in days}
    rows = tuple(
        LocalTimeRow(
            group.label,
            group.timezone,
            tuple(
                LocalTime(
                    s.day_number,
                    host_dates[s.day_number],
                    _fixed(s.start),
                    _fixed(s.end),
                    s.utc_offset,
                )
                for s in spans
            ),
        )
        for group, spans in zip(
            economies, local_spans(days, facts.host_timezone, economies), strict=True
        )
    )
    return CircularDocument(
        version=version,
        facts=facts,
        sections=texts,
        days=tuple(circular_days),
        local_times=rows,
        agenda=_agenda(agenda_days),
        change_summary=(change_summary or "").strip() or None,
        issued_on=issued_on,
    )


def _agenda(agenda_days: Sequence[DaySchedule]) -> tuple[AgendaDay, ...]:
    planned = tuple(
        AgendaDay(
            day.number,
            day.date,
            tuple(
                AgendaEntry(
                    _fixed(timed.start),
                    _fixed(timed.end),
                    ITEM_KINDS.get(timed.item.kind, timed.item.kind),
                    timed.item.title,
                    tuple(person.label() for person in timed.item.speakers),
                    tuple(person.label() for person in timed.item.moderators),
                )
                for timed in day.items
                if not timed.item.cancelled
            ),
        )
        for day in agenda_days
    )
    # "When the agenda exists": a circular without a single item says nothing about it.
    return planned if any(day.entries for day in planned) else ()


# --- JSON round trip ----------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.date):  # datetimes too: ISO with their UTC offset
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    return value


def _decode(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        (kind,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _decode(kind, value)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(_decode(item_kind, item) for item in value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(
            **{
                f.name: _decode(hints[f.name], value[f.name])
                for f in dataclasses.fields(kind)
                if f.name in value
            }
        )
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    return value
