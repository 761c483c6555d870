"""Attendance reports as workbooks (.xlsx): Teams' download and a Zoom report saved again by
Excel, imported through the page with the same figures as the same report in CSV; broken,
hostile and formula-bearing workbooks refused with their row and sheet, writing nothing."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from registration.attendance_models import AttendanceImport, AttendanceRow, DayAttendance
from registration.attendance_reports import AttendanceReportError, parse_attendance_report
from registration.report_times import duration_of
from tests.registration.test_attendance import (  # the fixtures and helpers of the pages
    REPORTS,
    ZOOM,
    people,
    presence,
    snapshot,
    symposium,
    upload,
)
from tests.registration.workbooks import cells, csv_rows, teams_sheets, workbook

__all__ = ["people", "symposium"]  # fixtures, used by name

TEAMS = (REPORTS / "teams_attendance.csv").read_bytes()
LIMA = "America/Lima"


def zoom_workbook(excel: bool = True) -> bytes:
    """The Zoom sample as Excel saves it again: one sheet named after the file (participants.csv,
    named as Teams names a section)."""
    return workbook(("participants", cells(csv_rows(ZOOM), excel)))


def teams_workbook(excel: bool = True) -> bytes:
    """The Teams sample with each section on a sheet of its own."""
    return workbook(*((title, cells(rows, excel)) for title, rows in teams_sheets(csv_rows(TEAMS))))


def figures(session) -> tuple:
    """What an import leaves: the platform, each row (by time and name), each day's count."""
    session.expire_all()
    return (
        session.scalars(sa.select(AttendanceImport.source)).all(),
        session.execute(
            sa.select(
                AttendanceRow.name,
                AttendanceRow.email,
                AttendanceRow.joined_at,
                AttendanceRow.left_at,
                AttendanceRow.status,
                AttendanceRow.registration_id,
            ).order_by(AttendanceRow.joined_at, AttendanceRow.name)
        ).all(),
        session.execute(
            sa.select(
                DayAttendance.registration_id, DayAttendance.minutes, DayAttendance.attended
            ).order_by(DayAttendance.registration_id)
        ).all(),
    )


def lines(session) -> list[int]:
    session.expire_all()
    return session.scalars(sa.select(AttendanceRow.line).order_by(AttendanceRow.line)).all()


def problems_on_the_page(response) -> list[tuple[str, str]]:
    page = response.get_data(as_text=True)
    table = re.search(r'id="import-problems">(.*?)</table>', page, re.S).group(1)
    return re.findall(r"<tr><td>([^<]+)</td><td>(.*?)</td></tr>", table)


# --- through the page -------------------------------------------------------------------------


def test_the_upload_page_takes_workbooks(client, login, symposium):
    login()
    page = client.get(f"/symposia/{symposium.id}/attendance/day/1/import").get_data(as_text=True)
    assert re.search(r'accept="[^"]*\.xlsx', page)
    assert "CSV or Excel workbook (.xlsx)" in page and "not formulas" in page


@pytest.mark.parametrize("excel", [True, False], ids=["date cells", "text cells"])
def test_teams_workbook_with_a_sheet_per_section_counts_as_its_csv(
    client, login, session, symposium, people, excel
):
    login()
    assert upload(client, symposium, TEAMS, name="attendance.csv").status_code == 302
    from_csv = figures(session)
    response = upload(client, symposium, teams_workbook(excel), name="attendance.xlsx")
    assert response.status_code == 302
    assert figures(session) == from_csv
    assert from_csv[0] == ["teams"]
    # Every join of "In-Meeting Activities": Ana 08:58–10:00 and 09:45–10:30.
    assert presence(session, people["ana"]) == (92, False, True)
    assert presence(session, people["kenji"]) == (20, False, False)
    overview = client.get(f"/symposia/{symposium.id}/attendance").get_data(as_text=True)
    assert "attendance.xlsx" in re.search(r'<tr id="day-1">(.*?)</tr>', overview, re.S).group(1)


def test_teams_workbook_with_its_sections_on_one_sheet_keeps_the_lines_of_the_csv(
    client, login, session, symposium, people
):
    login()
    upload(client, symposium, TEAMS)
    from_csv, csv_lines = figures(session), lines(session)
    one_sheet = workbook(("Attendance report", cells(csv_rows(TEAMS))))
    assert upload(client, symposium, one_sheet, name="report.xlsx").status_code == 302
    assert figures(session) == from_csv
    assert lines(session) == csv_lines == [18, 19, 20, 21, 22, 23]


def test_zoom_report_saved_by_excel_counts_as_its_csv(client, login, session, symposium, people):
    login()
    upload(client, symposium, ZOOM)
    from_csv, csv_lines = figures(session), lines(session)
    assert upload(client, symposium, zoom_workbook(), name="participants.xlsx").status_code == 302
    assert figures(session) == from_csv and lines(session) == csv_lines
    assert from_csv[0] == ["zoom"]
    assert presence(session, people["ana"]) == (92, False, True)
    review = client.get(f"/symposia/{symposium.id}/attendance/review").get_data(as_text=True)
    assert "lines 12, 13" in review  # Jorge's two joins, rows 12 and 13 as in the CSV


def _damaged() -> bytes:
    return b"PK\x03\x04" + random.Random(7).randbytes(3000)


def _not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _with_a_formula() -> bytes:
    rows = cells(csv_rows(ZOOM))
    rows[8][3] = "=C9+TIME(0,20,0)"  # Lan's leave time, row 9
    return workbook(("participants", rows))


BROKEN = {
    "random bytes after the zip header": (_damaged, "(.xlsx) but cannot be read"),
    "another kind of zip": (_not_a_workbook, "not an Excel workbook (.xlsx)"),
    "no report in it": (
        lambda: workbook(("Budget", [["Item", "Amount"], ["Interpretation", 1200]])),
        "No sheet of the workbook has a header row of attendance",
    ),
    "a formula": (_with_a_formula, "Sheet “participants”: cell D9 holds a formula (=C9+TIME"),
    "empty": (lambda: workbook(("Sheet", [])), "The workbook is empty."),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_workbooks_are_refused_and_leave_the_previous_import(
    client, login, session, symposium, people, case
):
    make, message = BROKEN[case]
    login()
    upload(client, symposium)
    before = snapshot(session)
    response = upload(client, symposium, make(), name="report.xlsx")
    assert response.status_code == 400
    ((line, reason),) = problems_on_the_page(response)
    assert message in reason
    assert line == ("9" if case == "a formula" else "whole file")
    assert "previous import of this day is unchanged" in response.get_data(as_text=True)
    assert snapshot(session) == before


def test_bad_rows_of_a_workbook_are_named_by_row_and_sheet(
    client, login, session, symposium, people
):
    sheets = dict(teams_sheets(csv_rows(TEAMS)))
    activities = cells(sheets["In-Meeting Activities"])
    activities[3][2] = dt.datetime(2027, 3, 23, 9, 0)  # Ana's second join, 09:45, "leaves" 09:00
    activities[5][1] = "yesterday"
    data = workbook(
        ("Summary", cells(sheets["Summary"])),
        ("Participants", cells(sheets["Participants"])),
        ("In-Meeting Activities", activities),
    )
    login()
    response = upload(client, symposium, data, name="attendance.xlsx")
    assert response.status_code == 400
    (row_4, reason_4), (row_6, reason_6) = problems_on_the_page(response)
    assert (row_4, row_6) == ("4", "6")
    assert reason_4.startswith("Sheet “In-Meeting Activities”: The leave time (2027-03-23 09:00")
    assert reason_6 == "Sheet “In-Meeting Activities”: “yesterday” is not a date and time " + (
        "(such as 03/23/2027 08:59:12 AM)."
    )
    assert snapshot(session) == ([], [], [], [])


# --- the reader -------------------------------------------------------------------------------


def problems_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(AttendanceReportError) as caught:
        parse_attendance_report(data, LIMA)
    return caught.value.problems


def _rewritten(data: bytes, member: str, text: str) -> bytes:
    """``data`` with one part of the archive replaced or added (as no spreadsheet program would
    write it)."""
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != member:
                archive.writestr(info.filename, source.read(info))
        archive.writestr(member, text)
    return buffer.getvalue()


def _sheet_data(rows: str) -> bytes:
    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    return _rewritten(workbook(("Sheet", [["x"]])), "xl/worksheets/sheet1.xml", xml)


HOSTILE = {
    # 15 kB that openpyxl alone takes a minute and gigabytes over.
    "a row of millions of cells": (
        lambda: _sheet_data(f'<row r="1">{"<c/>" * 2_000_000}</row>'),
        "a row of over 1,000 cells",
    ),
    "a million cells": (
        lambda: _sheet_data(f"<row>{'<c/>' * 999}</row>" * 1100),
        "over a million cells",
    ),
    "a row far down": (
        lambda: _sheet_data('<row r="999999999"><c><v>1</v></c></row>'),
        "rows past row 50,000",
    ),
    "a part unpacking to 60 MB": (
        lambda: _rewritten(workbook(("Sheet", [["x"]])), "xl/padding.bin", "\0" * 60_000_000),
        "more than 50 MB",
    ),
    "an Excel 97 file": (
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "Excel 97–2003 workbook (.xls)",
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_workbooks_larger_than_a_report_are_refused_before_they_are_read(case):
    make, message = HOSTILE[case]
    ((line, reason),) = problems_of(make())
    assert line == 0 and message in reason


def test_times_of_day_and_durations_in_cells_are_read_as_teams_means_them():
    header = ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email"]
    ana = ["Ana", dt.datetime(2027, 3, 23, 9), dt.datetime(2027, 3, 23, 11), dt.time(0, 45), "a@x"]
    (row,) = parse_attendance_report(workbook(("Participants", [header, ana])), LIMA).rows
    assert row.left - row.joined == dt.timedelta(minutes=45)  # capped by the duration
    assert duration_of("1:05:12") == dt.timedelta(hours=1, minutes=5, seconds=12)
    # A time without its date cannot be placed on a day.
    bo = ["Bo", dt.time(9), dt.time(10), dt.time(1), "b@x"]
    ((line, reason),) = problems_of(workbook(("Participants", [header, bo])))
    assert line == 2 and "“9:00:00” is not a date and time" in reason


VALUES = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.sampled_from(["=1+1", '=HYPERLINK("http://x")', "03/23/2027 09:00 AM", "1h 5m"]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(9998, 1, 1)),
    st.times(),
    st.booleans(),
)
ZOOM_HEADER = ["Name (Original Name)", "User Email", "Join Time", "Leave Time"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(VALUES, max_size=6), max_size=6), st.sampled_from(["Sheet", "3. X"]))
def test_any_cells_under_a_good_header_are_read_or_refused_with_problems(rows, title):
    try:
        parsed = parse_attendance_report(workbook((title, [ZOOM_HEADER, *rows])), LIMA)
    except AttendanceReportError as error:
        assert error.problems and all(line >= 0 for line, _ in error.problems)
    else:
        assert all(row.left >= row.joined and row.joined.tzinfo for row in parsed.rows)
