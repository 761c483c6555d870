"""Clock times from durations, cancelled items, DST, the current item, and the templates."""

from __future__ import annotations

import datetime as dt

from agenda.presets import THREE_DAY, TWO_DAY_APEC
from agenda.schedule import ItemPlan, current_and_next, schedule_day


def plan(uid: str, minutes: int, cancelled: bool = False) -> ItemPlan:
    return ItemPlan(uid, "other", uid, minutes, cancelled=cancelled)


def clock(day) -> list[str]:
    return [f"{t.start:%H:%M}-{t.end:%H:%M}" for t in day.items]


def test_times_follow_from_the_start_and_the_durations():
    day = schedule_day(
        1,
        dt.date(2027, 3, 30),
        dt.time(8, 0),
        "America/Lima",
        [plan("a", 15), plan("b", 30), plan("c", 45), plan("d", 10)],
    )
    assert clock(day) == ["08:00-08:15", "08:15-08:45", "08:45-09:30", "09:30-09:40"]
    assert day.total_minutes == 100
    assert f"{day.end:%H:%M}" == "09:40"


def test_a_cancelled_item_keeps_its_slot_but_takes_no_time():
    items = [plan("a", 15), plan("b", 30, cancelled=True), plan("c", 45)]
    day = schedule_day(1, dt.date(2027, 3, 30), dt.time(8, 0), "America/Lima", items)
    assert clock(day) == ["08:00-08:15", "08:15-08:45", "08:15-09:00"]
    assert day.total_minutes == 60


def test_wall_clock_times_are_right_across_a_dst_change():
    # Santiago leaves DST at 00:00 on Sunday 4 April 2027: clocks go back to 23:00 on the 3rd.
    items = [plan("a", 60), plan("b", 60), plan("c", 60)]
    day = schedule_day(1, dt.date(2027, 4, 3), dt.time(22, 30), "America/Santiago", items)
    # 22:30 −03 → 23:30 −03 → (00:00 −03 = 23:00 −04) 23:30 −04 → 00:30 −04.
    assert clock(day) == ["22:30-23:30", "23:30-23:30", "23:30-00:30"]
    assert [t.start.utcoffset() for t in day.items][::2] == [
        dt.timedelta(hours=-3),
        dt.timedelta(hours=-4),
    ]
    # Elapsed time, measured in UTC (Python subtracts same-zone datetimes by wall clock).
    elapsed = day.items[-1].end.astimezone(dt.UTC) - day.items[0].start.astimezone(dt.UTC)
    assert elapsed == dt.timedelta(hours=3)


def test_current_and_next_item_skip_cancelled_ones():
    items = [plan("a", 15), plan("b", 30, cancelled=True), plan("c", 45)]
    day = schedule_day(1, dt.date(2027, 3, 30), dt.time(8, 0), "America/Lima", items)
    at = dt.datetime(2027, 3, 30, 13, 5, tzinfo=dt.UTC)  # 08:05 in Lima
    current, upcoming = current_and_next([day], at)
    assert (current.item.uid, upcoming.item.uid) == ("a", "c")
    after = current_and_next([day], dt.datetime(2027, 3, 30, 15, 0, tzinfo=dt.UTC))
    assert after == (None, None)


def test_the_two_day_template_is_the_proposal_agenda_minute_by_minute():
    day1, day2 = TWO_DAY_APEC.days
    assert [i.duration for i in day1] == [15, 30, 45, 10, 30, 30, 10]
    assert [i.duration for i in day2] == [15, 45, 20, 45, 10]
    assert day1[1].title == "E-commerce as a key accelerator for the development of MSMEs"
    assert day1[3].kind == "break" and day1[4].title == "The importance of women in e-commerce"
    assert day2[-1].title == "Final conclusions and closing"


def test_the_three_day_template_keeps_to_about_three_hours_a_day():
    assert len(THREE_DAY.days) == 3
    for day in THREE_DAY.days:
        assert 165 <= sum(i.duration for i in day) <= 180
    economy_presentations = [
        i for d in THREE_DAY.days for i in d if i.kind == "economy_presentation"
    ]
    assert len(economy_presentations) == 3  # the proposal's target of 3 economy presentations
