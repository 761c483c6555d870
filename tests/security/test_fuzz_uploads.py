"""Fuzzing the uploads with hypothesis: focal-point CSV files and Zoom and Teams reports (CSV
and workbooks), as sent and mangled. Nothing answers 500 and a refused upload leaves the tables
exactly as they were: no partial import."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from registration.attendance_models import AttendanceImport
from registration.demo_people import Attendee, zoom_report
from registration.models import Registration
from symposium.models import Symposium
from tests.conftest import csrf_token
from tests.registration.workbooks import cells, csv_rows, workbook
from tests.security.conftest import FullSymposium
from tests.security.database import database_rows
from tests.security.fuzzing import ANY_TEXT, FUZZ, assert_mails_build, count_case

SAMPLE_REPORTS = Path(__file__).parent.parent / "registration" / "reports"


def _upload(full: FullSymposium, url: str, data: bytes, name: str, **fields: str):
    sent = {"csrf_token": csrf_token(full.organiser), **fields,
            "file": (io.BytesIO(data), name)}  # fmt: skip
    return full.organiser.post(url, data=sent, content_type="multipart/form-data")


def header_rows(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    """A CSV-like text: cells joined as they are, so quotes and separators inside stay raw."""
    return "\n".join(delimiter.join(cells) for cells in [header, *rows])


FOCAL_HEADERS = (["name", "email", "economy", "role"], ["Name", "E-mail", "Economy"],
                 ["email", "name"], [])  # fmt: skip
CELL = st.one_of(
    ANY_TEXT,
    st.sampled_from(["Peru", "PER", "Viet Nam", "Vietnam", "Hong Kong", "focal@example.org",
                     "Focal Point", '"quoted, cell"', '"unterminated']),
    st.emails().map(str),
)  # fmt: skip
FOCAL_FILES = st.one_of(
    st.binary(max_size=2000),
    st.builds(
        lambda header, rows, delimiter, encoding, bom: (
            bom + header_rows(header, rows, delimiter)
        ).encode(encoding, errors="replace"),
        st.sampled_from(FOCAL_HEADERS),
        st.lists(st.lists(CELL, max_size=5), max_size=6),
        st.sampled_from([",", ";", "\t"]),
        st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]),
        st.sampled_from(["", "\ufeff"]),
    ),
)


def _focal_points(full: FullSymposium) -> list[dict[str, Any]]:
    return database_rows(full.app, "focal_point")["focal_point"]


def test_focal_point_csv_uploads_import_all_or_nothing(pristine, request):
    full = pristine
    url = f"/symposia/{full.id}/focal-points/import"

    def upload(data: bytes, name: str) -> int:
        before = _focal_points(full)
        response = _upload(full, url, data, name)
        assert response.status_code < 500
        after = _focal_points(full)
        if response.status_code != 302:
            assert after == before, "a refused file changed the focal points"
            return 0
        added = after[len(before) :]
        assert after[: len(before)] == before and added, "an import only ever adds"
        text = data.decode("utf-8-sig", errors="replace").lower()
        assert all(point["email"] in text for point in added)
        return len(added)

    # The way through works, once: the same addresses again are refused as a whole.
    good = b"name,email,economy\nAna,ana.fp@example.pe,Peru\nLe,le.fp@example.vn,VNM\n"
    assert upload(good, "focal.csv") == 2
    assert upload(good + b"New,new.fp@example.cl,Chile\n", "focal.csv") == 0

    @settings(FUZZ, max_examples=40)
    @given(data=FOCAL_FILES, name=st.sampled_from(["focal.csv", "x.xlsx", "", "a\x00.csv"]))
    def fuzz(data: bytes, name: str) -> None:
        count_case(request)
        upload(data, name)

    fuzz()


ATTENDANCE_TABLES = ("attendance_import", "attendance_row", "day_attendance", "manual_check")


def _attendance(full: FullSymposium) -> dict[str, list[dict[str, Any]]]:
    return database_rows(full.app, *ATTENDANCE_TABLES)


def _valid_zoom_report(full: FullSymposium, day_number: int) -> bytes:
    """A Zoom report of the day for twenty registrants, as the demo makes them."""
    with full.session() as session:
        symposium = session.get(Symposium, full.id)
        people = session.scalars(
            sa.select(Registration)
            .where(Registration.symposium_id == full.id, Registration.status == "confirmed")
            .order_by(Registration.id)
            .limit(20)
        ).all()
        attendees = [Attendee(p.full_name, p.email or "") for p in people]
        day = symposium.days[day_number - 1]
        return zoom_report(symposium.title, day.starts_at, 170, attendees, seed=day_number)


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` cut short, with a slice replaced by random bytes or hostile text, or a line
    dropped: files that are almost right, where parsers break."""

    def cut(at: float) -> bytes:
        return base[: int(len(base) * at)]

    def splice(at: float, length: int, insert: bytes) -> bytes:
        start = int(len(base) * at)
        return base[:start] + insert + base[start + length :]

    def drop_line(at: float) -> bytes:
        lines = base.split(b"\n")
        del lines[int(len(lines) * at) % len(lines)]
        return b"\n".join(lines)

    fraction = st.floats(0, 1)
    noise = st.one_of(st.binary(max_size=40), ANY_TEXT.map(lambda t: t.encode("utf-8")[:200]))
    return st.one_of(
        st.just(base),
        st.builds(cut, fraction),
        st.builds(splice, fraction, st.integers(0, 40), noise),
        st.builds(drop_line, fraction),
    )


def _import_report(
    full: FullSymposium, data: bytes, day: int, zone: str, source: str, name: str = "report.csv"
) -> int:
    """Upload a day's report; a refused one must leave attendance as it was, an accepted one
    must replace the day's report."""
    before = _attendance(full)
    url = f"/symposia/{full.id}/attendance/day/{day}/import"
    response = _upload(full, url, data, name, timezone=zone, source=source)
    assert response.status_code < 500
    if response.status_code != 302:
        assert _attendance(full) == before, "a refused report changed the attendance"
        return response.status_code
    with full.session() as session:
        day_id = session.get(Symposium, full.id).days[day - 1].id
        reports = session.scalars(
            sa.select(AttendanceImport).where(AttendanceImport.day_id == day_id)
        ).all()
        assert len(reports) == 1, "importing a day again replaces its report"
    return response.status_code


def test_zoom_and_teams_uploads_import_all_or_nothing(pristine, request):
    full = pristine
    valid = {day: _valid_zoom_report(full, day) for day in (1, 2)}
    samples = [path.read_bytes() for path in sorted(SAMPLE_REPORTS.glob("*.csv"))]
    # Mostly a day's own report, cut or spliced, sent as the organiser would; else anything.
    as_sent = st.sampled_from([1, 2]).flatmap(
        lambda day: st.tuples(
            mutated(valid[day]), st.just(day), st.just("America/Lima"),
            st.sampled_from(["auto", "zoom"]),
        )
    )  # fmt: skip
    anything = st.tuples(
        st.one_of(st.sampled_from([*valid.values(), *samples]).flatmap(mutated), st.binary()),
        st.sampled_from([1, 2]),
        st.sampled_from(["America/Lima", "UTC", "Asia/Tokyo", "Nowhere/Zone", ""]),
        st.sampled_from(["auto", "zoom", "teams", "webex", ""]),
    )

    def upload(data: bytes, day: int, zone: str, source: str) -> int:
        return _import_report(full, data, day, zone, source)

    # The way through works: a day's report is taken, and taken again in its place.
    assert upload(valid[1], 1, "America/Lima", "zoom") == 302
    assert upload(valid[1], 1, "America/Lima", "auto") == 302

    @settings(FUZZ, max_examples=40)
    @given(case=st.one_of(as_sent, anything))
    def fuzz(case: tuple[bytes, int, str, str]) -> None:
        count_case(request)
        upload(*case)

    fuzz()
    assert_mails_build(full)


# Cells as a spreadsheet holds them: hostile text (formulas among it: "=1+1"), dates and times
# anywhere, numbers, nothing. Control characters cannot be written in a workbook at all.
WORKBOOK_CELL = st.one_of(
    ANY_TEXT.map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(9998, 12, 31)),
    st.times(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)


def workbooks(report: bytes) -> st.SearchStrategy[bytes]:
    """The CSV ``report`` as Excel saves it (a workbook of dates and numbers), with some cells
    replaced by hostile ones, or its archive cut short or spliced."""
    rows = cells(csv_rows(report))

    def with_cells(changes: list[tuple[float, float, object]]) -> bytes:
        changed = [list(row) for row in rows]
        for down, across, value in changes:
            row = changed[int(down * len(changed)) % len(changed)]
            if row:
                row[int(across * len(row)) % len(row)] = value
            else:  # the blank line under the meeting's summary
                row.append(value)
        return workbook(("participants", changed))

    fraction = st.floats(0, 1)
    change = st.tuples(fraction, fraction, WORKBOOK_CELL)
    return st.one_of(
        st.builds(with_cells, st.lists(change, min_size=1, max_size=4)),
        mutated(workbook(("participants", rows))),
    )


def test_workbook_uploads_import_all_or_nothing(pristine, request):
    full = pristine
    valid = {day: _valid_zoom_report(full, day) for day in (1, 2)}
    # The way through works: the day's report saved by Excel is taken.
    as_excel = workbook(("participants", cells(csv_rows(valid[1]))))
    assert _import_report(full, as_excel, 1, "America/Lima", "zoom", "report.xlsx") == 302

    @settings(FUZZ, max_examples=40)
    @given(
        data=st.sampled_from([1, 2]).flatmap(lambda day: workbooks(valid[day])),
        day=st.sampled_from([1, 2]),
        source=st.sampled_from(["auto", "zoom", "teams"]),
    )
    def fuzz(data: bytes, day: int, source: str) -> None:
        count_case(request)
        _import_report(full, data, day, "America/Lima", source, "report.xlsx")

    fuzz()
