"""iCalendar (RFC 5545) files of the agenda: the whole symposium, one day, or one person's."""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache

from icalendar import Calendar, Event, Timezone, vDatetime, vDuration, vText

from agenda.schedule import ITEM_KINDS, AgendaDocument, TimedItem

REFRESH = dt.timedelta(hours=1)  # how often subscribed calendars are asked to fetch again


def _description(timed: TimedItem, document: AgendaDocument) -> str:
    item = timed.item
    lines = [ITEM_KINDS.get(item.kind, item.kind)]
    if item.description:
        lines.append(item.description)
    if item.speakers:
        lines.append("Speakers: " + "; ".join(p.label() for p in item.speakers))
    if item.moderators:
        lines.append("Moderators: " + "; ".join(p.label() for p in item.moderators))
    lines += list(item.materials)
    platform = document.platform_name
    if document.platform_url:
        platform += f": {document.platform_url}"
    lines.append(f"Platform: {platform}")
    return "\n".join(lines)


@cache
def _vtimezone(tzid: str, year: int) -> Timezone:
    """The host zone's rules from a year before the event to two after (built once: slow)."""
    return Timezone.from_tzid(
        tzid, first_date=dt.date(year - 1, 1, 1), last_date=dt.date(year + 2, 1, 1)
    )


def _wanted(timed: TimedItem, people_keys: frozenset[str] | None) -> bool:
    if people_keys is None:
        return True
    people = (*timed.item.speakers, *timed.item.moderators)
    return any(person.key in people_keys for person in people)


# What the cached calendars carry in place of their name and time stamp.
_NAME_HOLDER = "symposium-calendar-name"
_STAMP_HOLDER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def agenda_calendar(
    document: AgendaDocument,
    *,
    day_number: int | None = None,
    people_keys: frozenset[str] | None = None,
    calendar_name: str | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """One VEVENT per item (of one day, or with one of ``people_keys``), with stable UIDs.

    Cancelled items stay in the file with STATUS:CANCELLED, so subscribed calendars drop them.
    The file is built once per agenda (the document is the cache key, so any change to the
    agenda makes a new one); each call puts its own name and time stamp into it.
    """
    template = _calendar_template(document, day_number, people_keys)
    name = _content_line("X-WR-CALNAME", vText(calendar_name or document.title))
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    return template.replace(_NAME_LINE, name, 1).replace(_STAMP_LINE, _stamp_line(stamp))


@lru_cache(maxsize=4)  # the files made in the same second share it
def _stamp_line(stamp: dt.datetime) -> bytes:
    return _content_line("DTSTAMP", vDatetime(stamp))


_FOLD_AT = 75  # octets: icalendar folds a line before it reaches this many (RFC 5545, 3.1)


def _content_line(name: str, value: vText | vDatetime) -> bytes:
    """``name:value`` as it stands in a file, folded, between its line breaks. A line without
    parameters that is short enough not to fold (most calendar names) is written here, as
    icalendar would write it: its folding goes character by character, and took a quarter of
    the time a registration spends on its personal calendar."""
    if not value.params:
        line = f"{name}:{value.to_ical().decode()}".encode()
        if len(line) < _FOLD_AT:
            return b"\r\n" + line + b"\r\n"
    return b"\r\n" + Calendar().content_line(name, value).to_ical() + b"\r\n"


_NAME_LINE = _content_line("X-WR-CALNAME", vText(_NAME_HOLDER))
_STAMP_LINE = _content_line("DTSTAMP", vDatetime(_STAMP_HOLDER))


@lru_cache(maxsize=64)
def _calendar_template(
    document: AgendaDocument, day_number: int | None, people_keys: frozenset[str] | None
) -> bytes:
    return build_calendar(document, day_number, people_keys, _NAME_HOLDER, _STAMP_HOLDER)


def build_calendar(
    document: AgendaDocument,
    day_number: int | None,
    people_keys: frozenset[str] | None,
    calendar_name: str,
    stamp: dt.datetime,
) -> bytes:
    """The calendar file, built from scratch (``agenda_calendar`` serves it from a cache)."""
    utc_host = document.host_timezone in {"UTC", "Etc/UTC"}
    calendar = Calendar()
    calendar.add("prodid", "-//symposium//agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is not known to be text, so say so (its newlines must be escaped too).
    calendar.add("x-wr-calname", vText(calendar_name))
    calendar.add("x-wr-timezone", document.host_timezone)
    # How often a subscribed calendar should fetch the feed again (RFC 7986; Outlook and
    # Apple read X-PUBLISHED-TTL): a session moved on the day reaches subscribers within it.
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for day in document.days:
        if day_number is not None and day.number != day_number:
            continue
        for timed in day.items:
            if not _wanted(timed, people_keys):
                continue
            item = timed.item
            event = Event()
            event.add("uid", item.uid)
            event.add("dtstamp", stamp.astimezone(dt.UTC))
            start, end = timed.start, timed.end
            if utc_host:
                start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("summary", item.title)
            event.add("description", _description(timed, document))
            event.add("location", document.platform_name)
            if document.platform_url:
                event.add("url", document.platform_url)
            event.add("sequence", item.sequence)
            event.add("last-modified", item.last_modified.astimezone(dt.UTC))
            event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
            event.add("categories", [ITEM_KINDS.get(item.kind, item.kind)])
            calendar.add_component(event)
    if not utc_host and document.days:
        year = document.days[0].date.year
        calendar.subcomponents.insert(0, _vtimezone(document.host_timezone, year))
    return calendar.to_ical()


def webcal_url(https_url: str) -> str:
    """The ``webcal://`` form of a feed's address, which calendar programs subscribe to."""
    for scheme in ("https://", "http://"):
        if https_url.startswith(scheme):
            return "webcal://" + https_url[len(scheme) :]
    return https_url
