"""The time-zone planner: local times on the actual dates, time outside the window, the
suggested start."""

from __future__ import annotations

import datetime as dt
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


def test_window_must_end_after_it_starts_and_no_groups_cost_nothing():
    with pytest.raises(ValueError, match="must end after it starts"):
        Window(dt.time(22), dt.time(7))
    assert person_hours_outside([day(dt.date(2027, 3, 30))], LIMA, []) == 0


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
