"""The time-zone planner: local times on the actual dates, time outside the window (one that
crosses midnight too), the suggested start; the window chosen on the page."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.planner import (
    DaySlot,
    Window,
    ZoneGroup,
    local_spans,
    outside_minutes,
    person_hours_outside,
    suggest_start,
)
from agenda.planning import invited_groups, planner_days
from agenda.services import agenda_document
from tests.agenda.test_public import demo_agenda

LIMA = "America/Lima"


def day(date: dt.date, start: dt.time = dt.time(8), minutes: int = 180, number: int = 1):
    return DaySlot(number, date, start, minutes)


def test_local_times_of_a_lima_morning_across_economies():
    groups = [
        ZoneGroup("Viet Nam", "Asia/Ho_Chi_Minh"),
        ZoneGroup("Chinese Taipei", "Asia/Taipei"),
        ZoneGroup("Mexico", "America/Mexico_City"),
    ]
    viet_nam, taipei, mexico = (
        row[0] for row in local_spans([day(dt.date(2027, 3, 30))], LIMA, groups)
    )
    # 08:00 Lima = 13:00 UTC = 20:00 Hanoi (UTC+7): 20:00–23:00, the last hour after 22:00.
    assert (f"{viet_nam.start:%H:%M}", f"{viet_nam.end:%H:%M}", viet_nam.outside_minutes) == (
        "20:00",
        "23:00",
        60,
    )
    assert viet_nam.utc_offset == "UTC+07:00" and not viet_nam.date_differs
    # 21:00 Taipei to midnight: two hours outside.
    assert (f"{taipei.start:%H:%M}", taipei.end.date(), taipei.outside_minutes) == (
        "21:00",
        dt.date(2027, 3, 31),
        120,
    )
    # Mexico City (UTC−6, no DST since 2022): 07:00–10:00, all inside.
    assert (f"{mexico.start:%H:%M}", mexico.outside_minutes, mexico.utc_offset) == (
        "07:00",
        0,
        "UTC−06:00",
    )


def test_the_same_host_start_moves_with_dst_on_the_actual_dates():
    auckland = [ZoneGroup("New Zealand", "Pacific/Auckland")]
    before, after = local_spans(
        [day(dt.date(2027, 3, 30)), day(dt.date(2027, 4, 6), number=2)], LIMA, auckland
    )[0]
    # NZ leaves DST on 4 April 2027: 13:00 UTC is 02:00 NZDT (+13) before, 01:00 NZST (+12) after.
    assert (f"{before.start:%H:%M}", before.utc_offset) == ("02:00", "UTC+13:00")
    assert (f"{after.start:%H:%M}", after.utc_offset) == ("01:00", "UTC+12:00")
    assert before.date_differs and after.date_differs
    # The United States enter DST on 14 March 2027: 08:00 Lima is 08:00 then 09:00 in New York.
    us = [ZoneGroup("The United States", "America/New_York")]
    march_10, march_17 = local_spans(
        [day(dt.date(2027, 3, 10)), day(dt.date(2027, 3, 17), number=2)], LIMA, us
    )[0]
    assert (f"{march_10.start:%H:%M}", f"{march_17.start:%H:%M}") == ("08:00", "09:00")


def test_outside_minutes_counts_real_minutes_across_midnight_and_dst():
    zone = ZoneInfo("America/Santiago")
    # 21:00 −03 on 3 April 2027 for 4 real hours: 21:00, 22:00, 23:00, (00:00→23:00 −04), 00:00.
    start = dt.datetime(2027, 4, 3, 21, 0, tzinfo=zone)
    end = (start.astimezone(dt.UTC) + dt.timedelta(hours=4)).astimezone(zone)
    assert f"{end:%H:%M}" == "00:00"
    # Inside 21:00–22:00 (60), outside the other three real hours.
    assert outside_minutes(start, end, Window()) == 180
    late = dt.datetime(2027, 6, 1, 21, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    # 21:30 to 08:30 next morning: only 22:00–07:00 is outside.
    assert outside_minutes(late, late + dt.timedelta(hours=11), Window()) == 9 * 60


def test_person_hours_weigh_each_group():
    groups = [ZoneGroup("Viet Nam", "Asia/Ho_Chi_Minh", 4), ZoneGroup("Peru", LIMA, 10)]
    days = [day(dt.date(2027, 3, 30)), day(dt.date(2027, 3, 31), number=2)]
    # Hanoi: one hour outside each day, four people; Lima: none.
    assert person_hours_outside(days, LIMA, groups) == 8.0


def test_suggestion_for_the_demo_economies_beats_the_current_start():
    zones = [
        ("Peru", LIMA),
        ("Viet Nam", "Asia/Ho_Chi_Minh"),
        ("Chile", "America/Santiago"),
        ("Mexico", "America/Mexico_City"),
        ("Singapore", "Asia/Singapore"),
        ("Chinese Taipei", "Asia/Taipei"),
        ("Hong Kong, China", "Asia/Hong_Kong"),
    ]
    groups = [ZoneGroup(label, zone) for label, zone in zones]
    days = [
        day(dt.date(2027, 3, 30), minutes=190),
        day(dt.date(2027, 3, 31), minutes=190, number=2),
    ]
    suggestion = suggest_start(days, LIMA, groups)
    assert suggestion.current_person_hours == person_hours_outside(days, LIMA, groups)
    assert suggestion.person_hours < suggestion.current_person_hours
    # 18:45 Lima is 07:45 in Taipei, Singapore and Hong Kong and 06:45 in Hanoi; Chile 20:45.
    moved = [DaySlot(d.number, d.date, suggestion.start, d.minutes) for d in days]
    assert person_hours_outside(moved, LIMA, groups) == pytest.approx(suggestion.person_hours)
    assert suggestion.start.minute % 15 == 0


def test_suggestion_prefers_the_start_closest_to_the_current_one():
    groups = [ZoneGroup("Somewhere", "Asia/Shanghai")]  # UTC+8
    days = [day(dt.date(2027, 3, 30), start=dt.time(1, 0), minutes=180)]
    suggestion = suggest_start(days, "UTC", groups)
    # 01:00 UTC is 09:00 in Shanghai, already inside: keep it.
    assert (suggestion.start, suggestion.person_hours) == (dt.time(1, 0), 0.0)


def test_window_cannot_start_and_end_at_once_and_no_groups_cost_nothing():
    for same in (dt.time(10), dt.time(0)):
        with pytest.raises(ValueError, match="must start and end at different times"):
            Window(same, same)
    assert person_hours_outside([day(dt.date(2027, 3, 30))], LIMA, []) == 0


NIGHT = Window(dt.time(20), dt.time(2))


def test_a_window_ending_before_it_starts_runs_past_midnight():
    assert NIGHT.crosses_midnight and not Window().crosses_midnight
    inside = [minute for minute in range(24 * 60) if NIGHT.contains(minute)]
    assert inside == [*range(0, 2 * 60), *range(20 * 60, 24 * 60)]
    assert NIGHT.contains(20 * 60) and not NIGHT.contains(19 * 60 + 59)
    tokyo = ZoneInfo("Asia/Tokyo")
    evening = dt.datetime(2027, 6, 1, 19, 0, tzinfo=tokyo)
    # 19:00 to 03:00: the hour before 20:00 and the hour after 02:00 are outside.
    assert outside_minutes(evening, evening + dt.timedelta(hours=8), NIGHT) == 120
    late = dt.datetime(2027, 6, 1, 22, 30, tzinfo=tokyo)
    assert outside_minutes(late, late + dt.timedelta(hours=3), NIGHT) == 0
    # The default window counts the same night the other way round.
    assert outside_minutes(late, late + dt.timedelta(hours=3), Window()) == 180


def test_the_night_across_a_dst_change_counts_real_minutes():
    # Santiago puts its clocks back at midnight on 4 April 2027 (00:00 −03 is 23:00 −04):
    # 22:00 to 02:00 on the clock is five real hours, all inside 20:00–02:00.
    zone = ZoneInfo("America/Santiago")
    start = dt.datetime(2027, 4, 3, 22, 0, tzinfo=zone)

    def after(hours: int) -> dt.datetime:
        return (start.astimezone(dt.UTC) + dt.timedelta(hours=hours)).astimezone(zone)

    assert f"{after(5):%H:%M}" == "02:00"
    assert outside_minutes(start, after(5), NIGHT) == 0
    assert outside_minutes(start, after(6), NIGHT) == 60


def test_the_suggestion_fits_the_day_into_a_window_past_midnight():
    groups = [ZoneGroup("Japan", "Asia/Tokyo")]  # UTC+9
    days = [day(dt.date(2027, 6, 1), start=dt.time(1, 0), minutes=180)]  # 10:00 in Tokyo
    suggestion = suggest_start(days, "UTC", groups, NIGHT)
    assert suggestion.current_person_hours == 3.0
    # 11:00 UTC is 20:00 in Tokyo: 20:00–23:00, the start inside the window closest to 01:00.
    assert (suggestion.start, suggestion.person_hours) == (dt.time(11, 0), 0.0)
    spans = local_spans(days, "UTC", groups, NIGHT)
    assert spans[0][0].outside_minutes == 180


ZONES = ["Asia/Tokyo", "America/Santiago", "Pacific/Auckland", "Europe/Berlin", "UTC"]


@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=dt.datetime(2027, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    minutes=st.integers(0, 600),
)
def test_a_wider_window_never_has_more_minutes_outside(zone, start, minutes):
    begin = start.replace(second=0, microsecond=0, tzinfo=ZoneInfo(zone))
    end = begin + dt.timedelta(minutes=minutes)
    narrow = outside_minutes(begin, end, Window(dt.time(9), dt.time(17)))
    wide = outside_minutes(begin, end, Window(dt.time(7), dt.time(22)))
    elapsed = int((end.astimezone(dt.UTC) - begin.astimezone(dt.UTC)).total_seconds() // 60)
    assert 0 <= wide <= narrow <= elapsed


WINDOW_ZONES = ["Asia/Tokyo", "America/Santiago", "Pacific/Auckland", "Europe/Berlin", "UTC"]
CLOCK = st.integers(0, 23 * 60 + 59).map(lambda m: dt.time(m // 60, m % 60))


@given(
    zone=st.sampled_from(WINDOW_ZONES),
    start=st.datetimes(min_value=dt.datetime(2027, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    minutes=st.integers(0, 2000),
    opens=CLOCK,
    closes=CLOCK,
)
def test_a_window_and_the_hours_it_leaves_out_share_every_minute(
    zone, start, minutes, opens, closes
):
    """20:00–02:00 and 02:00–20:00 between them hold each real minute once, whichever way
    round either crosses midnight."""
    if opens == closes:
        return
    begin = start.replace(second=0, microsecond=0, tzinfo=ZoneInfo(zone))
    end = begin + dt.timedelta(minutes=minutes)
    elapsed = int((end.astimezone(dt.UTC) - begin.astimezone(dt.UTC)).total_seconds() // 60)
    window, rest = Window(opens, closes), Window(closes, opens)
    assert outside_minutes(begin, end, window) + outside_minutes(begin, end, rest) == elapsed


# --- the page ---------------------------------------------------------------------------------


def _cells(page: str, table: str) -> dict[str, list[str]]:
    """Each row of a planner table by its heading: the text of its day cells."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', body, re.S)
    return {
        label: [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in
                re.findall(r"<td class=\"[^\"]*\">(.*?)</td>", cells, re.S)][1:]
        for label, cells in rows
    }  # fmt: skip


@pytest.fixture
def peru_and_viet_nam(session, create_symposium_record, economies):
    """The demo agenda (09:00 Lima: 170 and 135 minutes), invited Peru and Viet Nam (21:00)."""
    invited = [economies[name].id for name in ("Peru", "Viet Nam")]
    return demo_agenda(session, create_symposium_record, invited_economy_ids=invited)


def test_planner_page_with_a_window_past_midnight(client, login, session, peru_and_viet_nam):
    symposium = peru_and_viet_nam
    login()
    base = f"/symposia/{symposium.id}/agenda/planner"
    default = client.get(base).get_data(as_text=True)
    assert _cells(default, "planner-table")["Viet Nam"] == [
        "21:00–23:50 UTC+07:00 110 min outside the window",
        "21:00–23:15 UTC+07:00 75 min outside the window",
    ]
    assert "An end earlier than the start runs past midnight" in default

    response = client.get(base, query_string={"window_start": "20:00", "window_end": "02:00"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="20:00"' in page and 'value="02:00"' in page
    assert "<strong>20:00–02:00</strong> (past midnight, ending the next day)" in page
    cells = _cells(page, "planner-table")
    # Hanoi's evening is inside the night window; Lima's morning is not.
    assert cells["Viet Nam"] == ["21:00–23:50 UTC+07:00", "21:00–23:15 UTC+07:00"]
    assert cells["Peru"] == [
        "09:00–11:50 UTC−05:00 170 min outside the window",
        "09:00–11:15 UTC−05:00 135 min outside the window",
    ]
    # The suggestion is the one for the night window.
    document = agenda_document(session, symposium, with_platform_link=False)
    days, groups = planner_days(symposium, document), invited_groups(symposium)
    expected = suggest_start(days, LIMA, groups, NIGHT)
    assert expected != suggest_start(days, LIMA, groups)
    shown = re.search(
        r"every day at <strong>(\d\d:\d\d) America/Lima</strong> puts\s*"
        r"<strong>([\d.]+)</strong> economy-hours outside the window,\s*"
        r"against <strong>([\d.]+)</strong>",
        page,
    ).groups()
    assert shown == (
        f"{expected.start:%H:%M}",
        f"{expected.person_hours:.1f}",
        f"{expected.current_person_hours:.1f}",
    )
    assert f'name="start_time" required type="time" value="{expected.start:%H:%M}"' in page


def test_planner_window_starting_and_ending_at_once_is_a_field_error(
    client, login, peru_and_viet_nam
):
    login()
    base = f"/symposia/{peru_and_viet_nam.id}/agenda/planner"
    response = client.get(base, query_string={"window_start": "10:00", "window_end": "10:00"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'id="window_end-error">([^<]+)<', page).group(1)
    assert error.startswith("The window must end at another time than it starts")
    assert "(such as 20:00 to 02:00)" in error
    assert 'href="#window_end" class="alert-link">Working window to</a>' in page
    # What was asked stays in the fields; the tables meanwhile use the default window.
    assert re.search(r'aria-invalid="true" class="form-control is-invalid" id="window_end"', page)
    assert page.count('value="10:00"') == 2
    assert "the tables use the default one: <strong>07:00–22:00</strong>" in page
    assert "110 min outside the window" in page
