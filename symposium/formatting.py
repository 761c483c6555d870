"""Template filters for dates and times, always labelled with their zone."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup

from symposium.markdown import render_markdown
from symposium.models import SymposiumDay
from symposium.services import known_timezones, utc_offset_label


def long_date(value: dt.date | None) -> str:
    """``Tue 28 Mar 2023``."""
    return value.strftime("%a %-d %b %Y") if value else "—"


def deadline(value: dt.date | None, timezone: str, *, spelled_out: bool = False) -> str:
    """``Tue 2 Mar 2027, 23:59 America/Lima time`` (``Tuesday 2 March 2027, …`` spelled out,
    for mails and the circular's PDF): a deadline runs to the end of its day in the host time
    zone (13:00 the next day in Taipei), so it says which clock it is on."""
    if value is None:
        return "—"
    day = f"{value:%A %-d %B %Y}" if spelled_out else long_date(value)
    return f"{day}, 23:59 {timezone} time"


def day_span(days: list[SymposiumDay]) -> str:
    """The dates of a symposium's days, e.g. ``Tue 28 Mar 2023, Wed 29 Mar 2023``."""
    return ", ".join(long_date(day.date) for day in days) if days else "No dates yet"


def day_start(day: SymposiumDay) -> str:
    """``08:00 America/Lima (UTC−05:00) = 13:00 UTC`` for the day's own date."""
    starts = day.starts_at
    zone = day.symposium.host_timezone
    in_utc = starts.astimezone(dt.UTC)
    utc_note = in_utc.strftime("%H:%M UTC")
    if in_utc.date() != starts.date():
        utc_note += in_utc.strftime(" (%a %-d %b)")
    return f"{starts:%H:%M} {zone} ({utc_offset_label(day.symposium.zone, starts)}) = {utc_note}"


def your_time(moment: dt.datetime, timezone: str) -> str:
    """``Wed 24 Mar 03:00 your time (Asia/Singapore)``: an instant on the reader's own clock,
    with the weekday and date, which differ from the host's as often as not."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a %-d %b %H:%M} your time ({timezone})"


def utc_moment(moment: dt.datetime) -> str:
    """``at 10:42 UTC``, with the day when it was not today: when something was just done, for
    a message (moments are stored in naive UTC)."""
    if moment.date() == dt.datetime.now(dt.UTC).date():
        return f"at {moment:%H:%M} UTC"
    return f"on {moment:%-d %B} at {moment:%H:%M} UTC"


@cache
def zone_options() -> Markup:
    """The ``<option>`` of every known time zone, for a ``<datalist>``: the same ~600 for
    every page that offers a zone, so made once."""
    option = Markup('<option value="{}">')  # format() escapes the name
    return Markup("").join(option.format(name) for name in sorted(known_timezones()))


def init_app(app: Flask) -> None:
    app.add_template_global(zone_options)
    app.add_template_filter(long_date)
    app.add_template_filter(deadline)
    app.add_template_filter(day_span)
    app.add_template_filter(day_start)
    app.add_template_filter(your_time)
    # Organiser-written Markdown (the circular, later the survey), sanitised.
    app.add_template_filter(render_markdown, "markdown")
