"""Agenda warnings: long days, missing speakers, people booked twice."""

from __future__ import annotations

import datetime as dt

from agenda.checks import double_bookings, long_days, missing_speakers
from agenda.schedule import ItemPlan, PersonRef, schedule_day

LAN = PersonRef("Nguyễn Thị Lan", "Viet Nam", key="lan@example.org")
DANIEL = PersonRef("Daniel Fuentes", "Chile", key="daniel@example.org")


def test_a_day_longer_than_the_maximum_is_flagged():
    items = [ItemPlan(str(i), "other", f"Item {i}", 50) for i in range(4)]
    day = schedule_day(2, dt.date(2027, 3, 31), dt.time(8), "America/Lima", items)
    (warning,) = long_days([day], 180)
    assert warning.message == (
        "Day 2 runs 200 minutes, longer than the 180-minute maximum of this symposium."
    )
    assert long_days([day], 200) == [] and long_days([day], None) == []


def test_items_that_need_a_speaker_without_one_are_flagged():
    items = [
        ItemPlan("k", "keynote", "Keynote without speaker", 30),
        ItemPlan("p", "panel", "Panel with speaker", 30, speakers=(LAN,)),
        ItemPlan("b", "break", "Break", 10),
        ItemPlan("x", "presentation", "Cancelled talk", 30, cancelled=True),
    ]
    day = schedule_day(1, dt.date(2027, 3, 30), dt.time(8), "America/Lima", items)
    warnings = missing_speakers([day])
    assert [w.item_uid for w in warnings] == ["k"]
    assert warnings[0].message == "Keynote “Keynote without speaker” (day 1) has no speaker."


def test_a_person_in_two_overlapping_items_of_different_symposia_is_flagged():
    lima = schedule_day(
        1,
        dt.date(2027, 3, 30),
        dt.time(8),
        "America/Lima",
        [ItemPlan("lima-1", "keynote", "Lima keynote", 60, speakers=(LAN,))],
    )
    # 22:30 in Hanoi is 10:30 in Lima: no overlap with 08:00–09:00 Lima...
    hanoi_late = schedule_day(
        1,
        dt.date(2027, 3, 30),
        dt.time(22, 30),
        "Asia/Ho_Chi_Minh",
        [ItemPlan("hanoi-1", "panel", "Hanoi panel", 30, speakers=(LAN, DANIEL))],
    )
    # ...but 20:30 in Hanoi is 08:30 in Lima: Lan is due in both at once.
    hanoi_early = schedule_day(
        1,
        dt.date(2027, 3, 30),
        dt.time(20, 30),
        "Asia/Ho_Chi_Minh",
        [ItemPlan("hanoi-2", "panel", "Hanoi panel", 30, moderators=(LAN,))],
    )
    pair = lambda where, day: [(where, t) for t in day.items]  # noqa: E731
    assert double_bookings(pair("Lima", lima) + pair("Hanoi", hanoi_late)) == []
    (warning,) = double_bookings(pair("Lima", lima) + pair("Hanoi", hanoi_early))
    assert warning.message == (
        "Nguyễn Thị Lan is due in “Lima keynote” (Lima) and in “Hanoi panel” (Hanoi) "
        "at the same time."
    )
