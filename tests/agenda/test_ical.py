"""iCalendar exports, read back by icalendar and by an independent parser (vobject)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import vobject
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from agenda.ical import agenda_calendar, build_calendar, webcal_url
from tests.agenda.sample import sample_document

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def parse_both(data: bytes):
    return Calendar.from_ical(data), vobject.readOne(data.decode("utf-8"))


def test_whole_agenda_one_event_per_item_with_host_zone():
    data = agenda_calendar(sample_document(), now=NOW)
    calendar, other = parse_both(data)
    events = calendar.walk("VEVENT")
    assert len(events) == len(other.vevent_list) == 12
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Lima"]
    # Subscribed calendars are asked to fetch the feed again within the hour.
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data
    assert other.contents["x-published-ttl"][0].value == "PT1H"
    keynote = events[1]
    assert keynote["DTSTART"].params["TZID"] == "America/Lima"
    start = other.vevent_list[1].dtstart.value
    assert (start.hour, start.minute) == (8, 15)
    assert start.astimezone(dt.UTC).strftime("%H:%M") == "13:15"
    assert str(keynote["UID"]) == "agenda-item-1-1@symposium"
    assert keynote["SEQUENCE"] == 1
    assert keynote.decoded("LAST-MODIFIED") == dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    assert str(keynote["URL"]) == "https://zoom.example.org/j/1"
    assert "Speakers: Nguyễn Thị Lan (Agency; for e-commerce, digital, Viet Nam)" in str(
        keynote["DESCRIPTION"]
    )


def test_uids_are_stable_between_exports_and_cancelled_items_stay():
    first = parse_both(agenda_calendar(sample_document(), now=NOW))[1]
    later = parse_both(agenda_calendar(sample_document(), now=NOW + dt.timedelta(days=3)))[1]
    assert [e.uid.value for e in first.vevent_list] == [e.uid.value for e in later.vevent_list]
    statuses = {e.summary.value: e.status.value for e in first.vevent_list}
    cancelled = [title for title, status in statuses.items() if status == "CANCELLED"]
    assert cancelled == [
        "Presentation of the collaborative work proposal on the promotion of e-commerce in "
        "MSMEs of the 7 prioritized economies"
    ]


def test_one_day_and_one_persons_feed():
    day2 = parse_both(agenda_calendar(sample_document(), day_number=2, now=NOW))[1]
    assert len(day2.vevent_list) == 5
    chen = parse_both(
        agenda_calendar(sample_document(), people_keys=frozenset({"chen@example.org"}), now=NOW)
    )[1]
    assert {e.categories.value[0] for e in chen.vevent_list} == {"Panel"}
    assert len(chen.vevent_list) == 3


def test_hostile_and_non_latin_text_round_trips():
    title = '<script>alert("x")</script>, semi;colon\nnew line 陈静 Nguyễn'
    document = sample_document(title=title)
    days = list(document.days)
    first = days[0].items[0]
    item = dataclasses.replace(first.item, title=title)
    days[0] = dataclasses.replace(
        days[0], items=(dataclasses.replace(first, item=item), *days[0].items[1:])
    )
    data = agenda_calendar(dataclasses.replace(document, days=tuple(days)), now=NOW)
    calendar, other = parse_both(data)
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == title
    assert other.vevent_list[0].summary.value == title
    assert other.x_wr_calname.value == title


# "X-WR-CALNAME:" is 13 octets: names that make lines of 73 to 76 octets, on either side of
# where a line must fold, with characters of one to three octets at either end.
_AT_THE_FOLD = [
    lead + "n" * (61 - len(lead.encode()) - len(tail.encode()) + extra) + tail
    for lead in ("", "ñ") for tail in ("a", "é", "陈") for extra in (-1, 0, 1, 2)
]  # fmt: skip
assert {len(f"X-WR-CALNAME:{name}".encode()) for name in _AT_THE_FOLD} == {73, 74, 75, 76}


def test_a_calendar_from_the_cache_is_the_one_built_from_scratch():
    """Each agenda's file is built once; each call puts in its own name and time stamp, which
    must give the very bytes a fresh build gives, whatever the name holds."""
    document = sample_document()
    names = [
        None,
        "Ana",
        'Ana, María; "Pérez" \\ back\nslash <script>alert(1)</script>',
        "陈静 — " + "a very long name that folds over more than one line " * 3,
        "DTSTAMP:20000101T000000Z",
        *_AT_THE_FOLD,
    ]
    for number, name in enumerate(names):
        stamp = NOW + dt.timedelta(hours=number, seconds=number)
        for day, keys in [(None, None), (2, None), (None, frozenset({"chen@example.org"}))]:
            cached = agenda_calendar(
                document, day_number=day, people_keys=keys, calendar_name=name, now=stamp
            )
            fresh = build_calendar(document, day, keys, name or document.title, stamp)
            assert cached == fresh
    changed = dataclasses.replace(document, platform_name="Webex")
    assert b"LOCATION:Webex" in agenda_calendar(changed, now=NOW)
    assert b"LOCATION:Webex" not in agenda_calendar(document, now=NOW)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=70))
@example("")
def test_a_personal_calendar_name_gives_the_bytes_of_a_fresh_build(name):
    """The name line is written without icalendar when it does not fold: whatever the name,
    the file must be the one icalendar builds from scratch."""
    document = sample_document()
    fresh = build_calendar(document, None, None, name or document.title, NOW)
    assert agenda_calendar(document, calendar_name=name, now=NOW) == fresh


def test_utc_hosted_agenda_uses_utc_times_without_vtimezone():
    calendar, other = parse_both(agenda_calendar(sample_document(host="UTC"), now=NOW))
    assert calendar.walk("VTIMEZONE") == []
    assert b"DTSTART:20270330T080000Z" in calendar.to_ical()
    assert other.vevent_list[0].dtstart.value.utcoffset() == dt.timedelta(0)


def test_webcal_url():
    assert (
        webcal_url("https://example.org/agenda/feed/x.ics")
        == "webcal://example.org/agenda/feed/x.ics"
    )
    assert webcal_url("http://localhost/f.ics") == "webcal://localhost/f.ics"
