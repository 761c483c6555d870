"""The public agenda page, its downloads, the personal feeds and the time-zone planner."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import vobject

from agenda.demo import add_demo_agenda
from agenda.plans import person_ref
from agenda.services import agenda_document, items_by_day, set_cancelled
from tests.conftest import SCROLLING_TABLE, post_form


def demo_agenda(session, create_symposium_record, **kw):
    """A symposium with the demo's agenda (2-day template with speakers), committed."""
    symposium = create_symposium_record(**kw)
    add_demo_agenda(session, symposium)
    session.commit()
    return symposium


def test_anyone_reads_the_agenda_in_host_time_and_their_own(
    client, session, create_symposium_record
):
    symposium = demo_agenda(
        session, create_symposium_record, platform_url="https://zoom.example.org/j/secret"
    )
    page = client.get(f"/agenda/{symposium.id}").get_data(as_text=True)
    assert (
        '09:15–09:45 <span class="small text-muted d-none d-sm-inline">America/Lima</span>' in page
    )
    assert "Nguyễn Thị Lan (E-commerce and Digital Economy Agency, Viet Nam)" in page
    assert "zoom.example.org/j/secret" not in page  # the join link is for registrants only

    tokyo = client.get(f"/agenda/{symposium.id}?tz=Asia/Tokyo").get_data(as_text=True)
    # 09:15 in Lima (UTC−5) is 23:15 in Tokyo (UTC+9), same date.
    assert (
        '23:15–23:45 <span class="small text-muted d-none d-sm-inline">Asia/Tokyo</span>' in tokyo
    )
    auckland = client.get(f"/agenda/{symposium.id}?tz=Pacific/Auckland").get_data(as_text=True)
    # 09:00 Lima = 14:00 UTC = 03:00 NZDT the next day.
    assert "03:00–03:15" in auckland and "Wed 24 Mar 2027" in auckland

    unknown = client.get(f"/agenda/{symposium.id}?tz=Mars/Base").get_data(as_text=True)
    assert "is not a time zone we know" in unknown


def test_items_past_midnight_say_their_date_in_both_columns(
    client, login, session, create_symposium_record
):
    from symposium.services import DayPlan

    # Day 1, Sat 13 Mar 2027 in New York, starts at 22:00: the template runs past midnight.
    symposium = demo_agenda(
        session, create_symposium_record, host_timezone="America/New_York",
        days=[DayPlan(dt.date(2027, 3, 13), dt.time(22, 0)), DayPlan(dt.date(2027, 3, 15))],
    )  # fmt: skip
    page = client.get(f"/agenda/{symposium.id}?tz=Asia/Kathmandu").get_data(as_text=True)
    rows = page.split('id="day-1"')[1].split("</table>")[0].split("<tr")[2:]
    sunday = "Sun 14 Mar 2027"
    dated = [tuple(sunday in half for half in row.split('class="viewer-time"')) for row in rows]
    # Kathmandu is 10 h 45 ahead: every item is on the 14th there; in New York, from midnight.
    assert dated[0] == (False, True) and dated[-1] == (True, True)
    login()
    builder = client.get(f"/symposia/{symposium.id}/agenda").get_data(as_text=True)
    assert "Sun 14 Mar 2027" in builder


def test_the_agenda_fits_a_phone(client, session, create_symposium_record):
    """Each day's table scrolls inside the page, the times may wrap after their dash and the
    zone names in the headers after "/" or "_", so the item titles keep most of a 375 px
    screen."""
    symposium = demo_agenda(session, create_symposium_record)
    page = client.get(f"/agenda/{symposium.id}?tz=Asia/Ho_Chi_Minh").get_data(as_text=True)
    scrolled = re.findall(SCROLLING_TABLE, page)
    assert len(scrolled) == page.count("<table") == 2  # one per day
    assert '<td class="host-time">09:00–09:15 <span' in page  # not text-nowrap
    assert '<td class="viewer-time">21:00–21:15 <span' in page
    assert '<th scope="col">America/<wbr>Lima (host)</th>' in page
    assert "Asia/<wbr>Ho_<wbr>Chi_<wbr>Minh (yours)</th>" in page


def test_calendar_downloads_parse_in_an_independent_parser(
    client, session, create_symposium_record
):
    symposium = demo_agenda(session, create_symposium_record)
    whole = client.get(f"/agenda/{symposium.id}.ics")
    assert whole.status_code == 200 and whole.mimetype == "text/calendar"
    calendar = vobject.readOne(whole.get_data(as_text=True))
    assert len(calendar.vevent_list) == 12
    day2 = vobject.readOne(client.get(f"/agenda/{symposium.id}/day-2.ics").get_data(as_text=True))
    assert len(day2.vevent_list) == 5
    assert client.get(f"/agenda/{symposium.id}/day-3.ics").status_code == 404
    # Stable UIDs: the same on a second download.
    again = vobject.readOne(client.get(f"/agenda/{symposium.id}.ics").get_data(as_text=True))
    assert [e.uid.value for e in again.vevent_list] == [e.uid.value for e in calendar.vevent_list]
    # Another installation's events never share a UID with these: its host is in each UID.
    client.application.config["BASE_URL"] = "https://symposium.example.org"
    site = vobject.readOne(client.get(f"/agenda/{symposium.id}.ics").get_data(as_text=True))
    assert {e.uid.value.split("@")[1] for e in site.vevent_list} == {"symposium.example.org"}


def test_pdf_and_csv_downloads(client, session, create_symposium_record):
    symposium = demo_agenda(session, create_symposium_record, title='=HYPERLINK("http://x")')
    pdf = client.get(f"/agenda/{symposium.id}.pdf?tz=Asia/Ho_Chi_Minh")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    response = client.get(f"/agenda/{symposium.id}.csv?tz=Asia/Ho_Chi_Minh")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Day", "Date", "Start", "End", "Time zone"]
    assert len(rows) == 13
    # 09:00 Lima is 21:00 in Ho Chi Minh City.
    assert rows[1][2:5] == ["21:00", "21:15", "Asia/Ho_Chi_Minh"]
    assert rows[1][5] == "2027-03-23 14:00"


def test_formula_like_titles_reach_the_csv_as_text(client, login, session, create_symposium_record):
    symposium = create_symposium_record()
    login()
    post_form(
        client,
        f"/symposia/{symposium.id}/agenda/days/1/items/new",
        {
            "kind": "other",
            "title": '=HYPERLINK("http://evil")',
            "duration": "10",
            "insert_at": "end",
        },
    )
    text = client.get(f"/agenda/{symposium.id}.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert not re.search(r'(^|,)"?=HYPERLINK', text, re.M)


def test_speaker_feed_has_only_their_sessions_and_the_join_link(
    client, login, session, create_symposium_record
):
    symposium = demo_agenda(
        session, create_symposium_record, platform_url="https://zoom.example.org/j/9"
    )
    login("viewer")
    speakers_page = client.get(f"/symposia/{symposium.id}/agenda/speakers").get_data(as_text=True)
    row = next(r for r in speakers_page.split("<tr>") if "Mei-Ling Chen" in r)
    feed = re.search(r'href="([^"]*/agenda/feed/[^"]+)"', row).group(1)
    assert feed.startswith("http://localhost/agenda/feed/")
    calendar = vobject.readOne(
        client.get(feed.removeprefix("http://localhost")).get_data(as_text=True)
    )
    titles = sorted(e.summary.value for e in calendar.vevent_list)
    assert titles == sorted(
        [
            "E-commerce as a key accelerator for the development of MSMEs",
            "Policies, experiences and practices applied for the promotion of e-commerce for the "
            "benefit of MSMEs and gender equality",
            "Next steps for the promotion of e-commerce in MSMEs through collaborative work among "
            "APEC economies",
        ]
    )
    assert all(e.url.value == "https://zoom.example.org/j/9" for e in calendar.vevent_list)
    # A token that was tampered with is a plain 404.
    tampered = feed.removeprefix("http://localhost")[:-8] + "AAAA.ics"
    assert client.get(tampered).status_code == 404


def test_planner_suggests_a_start_and_the_organiser_applies_it(
    client, login, session, create_symposium_record, economies
):
    invited = [economies[name].id for name in ("Peru", "Viet Nam", "Chinese Taipei", "Singapore")]
    symposium = demo_agenda(session, create_symposium_record, invited_economy_ids=invited)
    login()
    page = client.get(f"/symposia/{symposium.id}/agenda/planner").get_data(as_text=True)
    assert "Viet Nam" in page and "Asia/Ho_Chi_Minh" in page
    assert "min outside the window" in page  # 09:00 Lima is 21:00 in Hanoi
    suggested = re.search(r"Starting every day at <strong>(\d\d:\d\d) America/Lima", page).group(1)
    figures = re.findall(r"<strong>([\d.]+)</strong> economy-hours", page)
    assert figures and "person-hours" not in page
    response = post_form(
        client,
        f"/symposia/{symposium.id}/agenda/planner/apply",
        {"start_time": suggested},
    )
    assert response.status_code == 302
    session.expire_all()
    assert all(
        f"{day.start_time:%H:%M}" == suggested
        for day in session.get(type(symposium), symposium.id).days
    )


def test_planner_shows_where_registrants_are_and_suggests_a_start_for_them(
    client, login, session, create_symposium_record, create_registration
):
    symposium = demo_agenda(session, create_symposium_record)
    login()
    page = client.get(f"/symposia/{symposium.id}/agenda/planner").get_data(as_text=True)
    assert "Nobody has registered yet." in page and "registrants-table" not in page
    # Three in Los Angeles (of the United States, whose capital's clock is New York's), one in
    # Lima; a cancelled registrant and an erased one do not count.
    for zone, status in [("America/Los_Angeles", "confirmed")] * 2 + [
        ("America/Los_Angeles", "waiting"), ("America/Lima", "confirmed"),
        ("Asia/Tokyo", "cancelled"),
    ]:  # fmt: skip
        create_registration(symposium, timezone=zone, status=status)
    create_registration(symposium, timezone="Asia/Tokyo", erased_at=dt.datetime(2026, 1, 1))
    page = client.get(f"/symposia/{symposium.id}/agenda/planner").get_data(as_text=True)
    table = page.split('id="registrants-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>(\d+)</td>', table)
    assert rows == [("America/Los_Angeles", "3"), ("America/Lima", "1")]
    assert "Asia/Tokyo" not in table
    people = page.split('id="people-suggestion"', 1)[1]
    suggested = re.search(r"every day at <strong>(\d\d:\d\d) America/Lima", people).group(1)
    assert re.search(r"<strong>[\d.]+</strong> person-hours outside the window", people)
    response = post_form(
        client, f"/symposia/{symposium.id}/agenda/planner/apply", {"start_time": suggested}
    )
    assert response.status_code == 302
    session.expire_all()
    days = session.get(type(symposium), symposium.id).days
    assert {f"{day.start_time:%H:%M}" for day in days} == {suggested}


def test_planner_window_from_the_address_and_a_bad_one_refused(
    client, login, session, create_symposium_record, economies
):
    invited = [economies[name].id for name in ("Peru", "Viet Nam")]
    symposium = demo_agenda(session, create_symposium_record, invited_economy_ids=invited)
    login()
    base = f"/symposia/{symposium.id}/agenda/planner"
    page = client.get(base, query_string={"window_start": "06:30", "window_end": "23:00"})
    assert page.status_code == 200
    assert 'value="06:30"' in page.get_data(as_text=True)
    # A time with a UTC offset was compared with the local times: a 500. It is a bad value,
    # said under its field; the tables use the default window meanwhile.
    offset = client.get(base, query_string={"window_start": "06:30+05:00", "window_end": "23:00"})
    assert offset.status_code == 422
    text = offset.get_data(as_text=True)
    assert 'id="window_start-error">Not a valid time value.' in text
    assert "the tables use the default one: <strong>07:00–22:00</strong>" in text


def test_team_feed_has_every_session_with_the_join_link(
    client, login, session, create_symposium_record
):
    symposium = demo_agenda(
        session, create_symposium_record, platform_url="https://zoom.example.org/j/7"
    )
    login("viewer")
    page = client.get(f"/symposia/{symposium.id}/agenda").get_data(as_text=True)
    webcal = re.search(r'href="(webcal://[^"]+)" id="team-feed"', page).group(1)
    path = webcal.removeprefix("webcal://localhost")
    calendar = vobject.readOne(client.get(path).get_data(as_text=True))
    assert len(calendar.vevent_list) == 12
    assert {e.url.value for e in calendar.vevent_list} == {"https://zoom.example.org/j/7"}
    # The public download of the same agenda carries no join link.
    public = client.get(f"/agenda/{symposium.id}.ics").get_data(as_text=True)
    assert "zoom.example.org/j/7" not in public


def test_the_document_holds_each_item_and_its_people_as_the_database_has_them(
    session, create_symposium_record
):
    """The agenda document is read as plain rows; it must say what the items say."""
    symposium = demo_agenda(session, create_symposium_record)
    cancelled = items_by_day(session, symposium)[symposium.days[0].id][2]
    set_cancelled(session, cancelled, True)
    session.commit()
    document = agenda_document(session, symposium, with_platform_link=False)
    for day, schedule in zip(symposium.days, document.days, strict=True):
        items = items_by_day(session, symposium)[day.id]
        assert [timed.item.uid for timed in schedule.items] == [
            f"agenda-item-{item.id}@symposium.local" for item in items
        ]
        for timed, item in zip(schedule.items, items, strict=True):
            plan = timed.item
            assert (plan.title, plan.kind, plan.duration, plan.cancelled, plan.sequence) == (
                item.title, item.kind, item.duration_minutes, item.cancelled, item.sequence
            )  # fmt: skip
            assert plan.speakers == tuple(person_ref(s) for s in item.people_in("speaker"))
            assert plan.moderators == tuple(person_ref(s) for s in item.people_in("moderator"))
            assert plan.materials == tuple(item.materials)
    people = [p for day in document.days for t in day.items for p in t.item.speakers]
    assert people and any(p.economy for p in people)
    assert any(t.item.cancelled for day in document.days for t in day.items)
