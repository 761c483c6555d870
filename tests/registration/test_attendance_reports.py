"""The reader of Zoom and Teams attendance reports (pure): formats, encodings, time zones across
daylight-saving changes, merging rejoins, and refusing bad files by line."""

from __future__ import annotations

import codecs
import datetime as dt
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration.attendance_reports import AttendanceReportError, parse_attendance_report
from registration.report_times import merge_intervals, merged_minutes

REPORTS = Path(__file__).parent / "reports"
LIMA = "America/Lima"
ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def report(name: str) -> bytes:
    return (REPORTS / name).read_bytes()


def zoom(*rows: str, header: str = ZOOM_HEADER) -> bytes:
    return "\n".join([header, *rows, ""]).encode()


def problems_of(data: bytes, zone: str = LIMA, source: str | None = None) -> list[tuple[int, str]]:
    with pytest.raises(AttendanceReportError) as caught:
        parse_attendance_report(data, zone, source)
    return caught.value.problems


def minutes_of(rows, name: str) -> int:
    return merged_minutes((row.joined, row.left) for row in rows if row.name == name)


# --- Zoom -------------------------------------------------------------------------------------


def test_zoom_report_with_a_meeting_summary_lists_every_join_in_utc():
    parsed = parse_attendance_report(report("zoom_participants.csv"), LIMA)
    assert parsed.source == "zoom" and parsed.zone == LIMA
    # Line 6 is time in the waiting room, not in the meeting.
    assert [row.line for row in parsed.rows] == [5, 7, 8, 9, 10, 11, 12, 13]
    ana = parsed.rows[1]
    assert (ana.name, ana.email) == ("Ana Pérez", "ana.perez@example.pe")  # address lower-cased
    # Lima is UTC−5 all year.
    assert (ana.joined, ana.left) == (utc(2027, 3, 23, 13, 58), utc(2027, 3, 23, 15, 0))
    assert parsed.rows[3].name == "Lan N (Nguyễn Thị Lan)"  # kept whole; matching tries both


def test_rejoins_merge_so_that_overlapping_time_counts_once():
    rows = parse_attendance_report(report("zoom_participants.csv"), LIMA).rows
    # 08:58–10:00 and 09:45–10:30: 92 minutes present, not 62 + 45.
    assert minutes_of(rows, "Ana Pérez") == 92
    # 09:10–10:10 and 10:20–10:40: the gap is not counted.
    assert minutes_of(rows, "Jorge Q.") == 80


def test_older_zoom_headers_and_iso_times_are_read():
    data = zoom(
        "Ana Pérez,ana@example.pe,2027-03-23 08:59:12,2027-03-23 10:00:00,61",
        header="Name (original name),Email,Join time,Leave time,Duration (minutes)",
    )
    (row,) = parse_attendance_report(data, LIMA).rows
    assert (row.email, row.joined) == ("ana@example.pe", utc(2027, 3, 23, 13, 59, 12))


def test_times_with_their_own_offset_ignore_the_chosen_zone():
    data = zoom("Ana,ana@example.pe,2027-03-23T13:59:12Z,2027-03-23T10:00:00-05:00,1")
    (row,) = parse_attendance_report(data, "Asia/Tokyo").rows
    assert (row.joined, row.left) == (utc(2027, 3, 23, 13, 59, 12), utc(2027, 3, 23, 15))


def test_day_month_order_is_recognised_when_a_day_is_past_12():
    data = zoom(
        "Ana,a@x.pe,23/03/2027 08:59,23/03/2027 10:00,61",
        "Bo,b@x.pe,05/03/2027 08:00,05/03/2027 09:00,60",
    )
    rows = parse_attendance_report(data, "UTC").rows
    assert [row.joined.date() for row in rows] == [dt.date(2027, 3, 23), dt.date(2027, 3, 5)]


def test_semicolon_separated_cp1252_file_saved_by_excel_is_read():
    data = (
        "Name (Original Name);User Email;Join Time;Leave Time\n"
        "José Núñez;j@x.pe;03/23/2027 9:00 AM;03/23/2027 12:00 PM\n"
    )
    (row,) = parse_attendance_report(data.encode("cp1252"), LIMA).rows
    assert row.name == "José Núñez" and row.left - row.joined == dt.timedelta(hours=3)


def test_utf8_with_a_byte_order_mark_is_read():
    data = codecs.BOM_UTF8 + zoom("Nguyễn Thị Lan,lan@x.vn,03/23/2027 09:00 AM,03/23/2027 10:00 AM")
    assert parse_attendance_report(data, LIMA).rows[0].name == "Nguyễn Thị Lan"


# --- Teams ------------------------------------------------------------------------------------


def test_teams_utf16_tab_separated_list_reads_the_in_meeting_activities():
    parsed = parse_attendance_report(report("teams_attendance.csv"), LIMA)
    assert parsed.source == "teams"
    # Every join from section 3, not first join / last leave from section 2.
    assert [row.line for row in parsed.rows] == [18, 19, 20, 21, 22, 23]
    assert minutes_of(parsed.rows, "PÉREZ, Ana") == 92
    assert minutes_of(parsed.rows, "Kenji Sato") == 20  # 10 + 10, not 09:00–11:20
    assert parsed.rows[1].email == "ana.perez@example.pe"
    assert parsed.rows[0].joined == utc(2027, 3, 23, 13, 50, 3)  # "8:50:03\u202fAM" in Lima


def test_teams_list_without_activities_counts_the_in_meeting_duration():
    text = report("teams_attendance.csv").decode("utf-16").split("3. In-Meeting")[0]
    rows = parse_attendance_report(text.encode("utf-16"), LIMA).rows
    kenji = next(row for row in rows if row.name == "Kenji Sato")
    assert kenji.joined == utc(2027, 3, 23, 14) and kenji.left == utc(2027, 3, 23, 14, 20)
    # A guest's UPN (…#EXT#@tenant) is not their address.
    assert next(row for row in rows if row.name == "Nguyễn Thị Lan").email == ""


def test_older_teams_list_pairs_joined_and_left_actions():
    rows = parse_attendance_report(report("teams_actions.csv"), LIMA).rows
    assert [(row.line, row.name) for row in rows] == [
        (2, "Ana Pérez"),
        (3, "Kenji Sato"),
        (5, "Ana Pérez"),
    ]
    assert minutes_of(rows, "Ana Pérez") == 62 + 45
    assert minutes_of(rows, "Kenji Sato") == 30


def test_older_teams_list_with_someone_in_twice_at_once_counts_the_whole_span():
    """Joined on a laptop, then on a phone, left from each: 9:00–11:00 is 120 minutes (the
    second "Left" was refused as leaving without having joined, and the second join lost)."""
    lines = [
        "Full Name\tUser Action\tTimestamp",
        "Ana Pérez\tJoined\t3/23/2027, 9:00:00 AM",
        "Ana Pérez\tJoined\t3/23/2027, 9:30:00 AM",
        "Ana Pérez\tLeft\t3/23/2027, 10:00:00 AM",
        "Ana Pérez\tLeft\t3/23/2027, 11:00:00 AM",
    ]
    data = codecs.BOM_UTF16_LE + "\r\n".join(lines).encode("utf-16-le")
    rows = parse_attendance_report(data, LIMA, "teams").rows
    assert [row.line for row in rows] == [2, 3]
    assert minutes_of(rows, "Ana Pérez") == 120


def test_teams_list_in_europe_london_after_summer_time_began():
    text = (
        "2. Participants\nName\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\n"
        "Ana\t3/26/27, 9:00:00 AM\t3/26/27, 10:00:00 AM\t1h\ta@x.uk\n"
        "Bo\t3/29/27, 9:00:00 AM\t3/29/27, 10:00:00 AM\t1h\tb@x.uk\n"
    )
    rows = parse_attendance_report(text.encode("utf-16"), "Europe/London").rows
    # GMT before 28 March 2027, BST (UTC+1) after.
    assert [row.joined for row in rows] == [utc(2027, 3, 26, 9), utc(2027, 3, 29, 8)]


# --- daylight-saving changes -----------------------------------------------------------------


def test_times_across_the_spring_change_in_new_york_count_real_minutes():
    rows = parse_attendance_report(report("zoom_new_york_dst.csv"), "America/New_York").rows
    # 01:30 EST to 03:30 EDT is one hour: the clocks skipped 02:00–03:00.
    assert (rows[0].joined, rows[0].left) == (utc(2027, 3, 14, 6, 30), utc(2027, 3, 14, 7, 30))
    assert merged_minutes([(rows[0].joined, rows[0].left)]) == 60
    assert merged_minutes((row.joined, row.left) for row in rows) == 90


def test_a_time_the_clocks_skipped_is_a_problem_of_its_line():
    data = zoom("Ana,a@x.org,03/14/2027 02:30:00 AM,03/14/2027 04:00:00 AM")
    ((line, reason),) = problems_of(data, "America/New_York")
    assert line == 2 and "does not exist in America/New_York" in reason


def test_leaving_in_the_repeated_hour_when_clocks_go_back_is_the_second_one():
    # 01:50 BST, then 01:10 GMT: twenty minutes later, though the clock shows earlier.
    data = zoom("Ana,a@x.uk,2027-10-31 01:50:00,2027-10-31 01:10:00")
    (row,) = parse_attendance_report(data, "Europe/London").rows
    assert (row.joined, row.left) == (utc(2027, 10, 31, 0, 50), utc(2027, 10, 31, 1, 10))


def test_zoom_minutes_tell_which_repeated_hour_a_row_means():
    # The night the clocks go back in London, 01:00–02:00 happens twice (BST, then GMT).
    def read(join: str, leave: str, minutes: str | None) -> tuple[dt.datetime, dt.datetime]:
        header = ZOOM_HEADER if minutes is not None else ZOOM_HEADER.rsplit(",", 2)[0]
        row = f"Ana,a@x.uk,2027-10-31 {join},2027-10-31 {leave}"
        (parsed,) = parse_attendance_report(
            zoom(row + (f",{minutes},No" if minutes is not None else ""), header=header),
            "Europe/London",
        ).rows
        return parsed.joined, parsed.left

    # 01:10 to 01:50: from the first 01:10 to the second 01:50 is 100 minutes.
    assert read("01:10:00", "01:50:00", "100") == (
        utc(2027, 10, 31, 0, 10),
        utc(2027, 10, 31, 1, 50),
    )
    assert read("01:10:00", "01:50:00", "40") == (
        utc(2027, 10, 31, 0, 10),
        utc(2027, 10, 31, 0, 50),
    )
    # Joined in the second 01:10 and left at 02:30 GMT: 80 minutes, not 140.
    assert read("01:10:00", "02:30:00", "80") == (
        utc(2027, 10, 31, 1, 10),
        utc(2027, 10, 31, 2, 30),
    )
    # A report without Zoom's count: the first reading that does not leave before joining.
    assert read("01:10:00", "01:50:00", None) == (
        utc(2027, 10, 31, 0, 10),
        utc(2027, 10, 31, 0, 50),
    )


# --- bad files --------------------------------------------------------------------------------

BAD_FILES = {
    "empty": (b"", [(0, "The file is empty.")]),
    "blank": (b"\r\n \r\n", [(0, "The file is empty.")]),
    "workbook": (b"PK\x03\x04rest", [(0, "workbook")]),
    "wrong columns": (b"Meeting\nFull name,Address,Arrived\nAna,a@x,9:00\n", [(2, "No header")]),
    "bad date": (zoom("Ana,a@x,03/23/2027 9:00 AM,yesterday"), [(2, "“yesterday” is not a date")]),
    "month 13": (zoom("Ana,a@x,13/13/2027 9:00,03/23/2027 10:00"), [(2, "not a date")]),
    "leave before join": (
        zoom(
            "Ana,a@x,03/23/2027 09:00 AM,03/23/2027 10:00 AM",
            "Bo,b@x,03/23/2027 10:00 AM,03/23/2027 9:00 AM",
        ),
        [(3, "before the join time")],
    ),
    "no one": (zoom("  ,,03/23/2027 09:00 AM,03/23/2027 10:00 AM"), [(2, "neither a name")]),
    "header only": (zoom(), [(1, "not followed by any row")]),
    "not cp1252 either": (
        zoom("Ana,a@x,03/23/2027 09:00 AM,03/23/2027 10:00 AM") + b"Bo\x81,b@x\n",
        [(3, "not text")],
    ),
    "utf-16 without BOM": (zoom("Ana,a@x,1,2").decode().encode("utf-16-le"), [(1, "NUL")]),
    "bad quotes": (
        zoom('"Ana" x,a@x,03/23/2027 09:00 AM,03/23/2027 10:00 AM'),
        [(2, "cannot be read")],
    ),
    "teams as zoom": (report("teams_attendance.csv"), [(10, "looks like a Microsoft Teams")]),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_refused_with_the_line_to_look_at(name):
    data, expected = BAD_FILES[name]
    source = "zoom" if name == "teams as zoom" else None
    problems = problems_of(data, source=source)
    assert [line for line, _ in problems] == [line for line, _ in expected]
    for (_, reason), (_, part) in zip(problems, expected, strict=True):
        assert part in reason


def test_every_bad_row_is_listed_at_once():
    data = zoom(
        "Ana,a@x,03/23/2027 09:00 AM,03/23/2027 10:00 AM",
        "Bo,b@x,03/23/2027 09:00 AM,later",
        "Cy,c@x,soon,03/23/2027 10:00 AM",
    )
    assert [line for line, _ in problems_of(data)] == [3, 4]


def test_unknown_zone_and_platform_are_refused():
    good = zoom("Ana,a@x,03/23/2027 09:00 AM,03/23/2027 10:00 AM")
    assert "not a known time zone" in problems_of(good, zone="Mars/Olympus")[0][1]
    assert "Unknown platform" in problems_of(good, source="webex")[0][1]


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused_with_problems(data):
    try:
        parse_attendance_report(data, LIMA)
    except AttendanceReportError as error:
        assert error.problems


CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=6),
    st.sampled_from(["utf-8", "utf-16"]),
)
def test_any_rows_under_a_good_header_are_read_or_refused_with_problems(rows, encoding):
    lines = [ZOOM_HEADER] + [
        ",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows
    ]
    try:
        parsed = parse_attendance_report("\n".join(lines).encode(encoding), LIMA)
    except AttendanceReportError as error:
        assert error.problems and all(line >= 0 for line, _ in error.problems)
    else:
        assert all(row.left >= row.joined and row.joined.tzinfo for row in parsed.rows)


START = dt.datetime(2027, 3, 23)
INTERVAL = st.tuples(st.integers(0, 300), st.integers(0, 120)).map(
    lambda p: (START + dt.timedelta(minutes=p[0]), START + dt.timedelta(minutes=p[0] + p[1]))
)


@given(st.lists(INTERVAL, max_size=12))
def test_merged_minutes_count_each_minute_covered_once(intervals):
    covered = set()
    for start, end in intervals:
        first = int((start - START).total_seconds() // 60)
        covered.update(range(first, first + int((end - start).total_seconds() // 60)))
    assert merged_minutes(intervals) == len(covered)
    merged = merge_intervals(intervals)
    assert all(a[1] < b[0] for a, b in pairwise(merged))
