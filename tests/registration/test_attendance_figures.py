"""Attendance as the completion report counts it, on both databases: what an import keeps
of people erased since, rows on other dates, addresses that belong to someone else, reports
written day/month, days with nothing recorded yet; and lists sorted by name as people read them."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa
from pypdf import PdfReader

from registration.attendance_models import AttendanceRow
from symposium.services import DayPlan
from tests.conftest import post_form
from tests.registration.test_attendance import (  # the fixtures and helpers of the pages
    people,
    presence,
    row_of,
    symposium,
    upload,
)

__all__ = ["people", "symposium"]  # fixtures, used by name


ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"


def zoom_rows(*rows: tuple[str, str, str, str]) -> bytes:
    """A minimal Zoom participants report of 23 March 2027: name, e-mail, join, leave."""
    lines = [f"{n},{e},03/23/2027 {a},03/23/2027 {b},1\n" for n, e, a, b in rows]
    return (ZOOM_HEADER + "".join(lines)).encode()


def test_the_day_summary_counts_attendees_as_the_report_does(
    client, login, session, symposium, create_registration
):
    """Confirmed registrations, erased ones included; a cancelled person's minutes do not
    count (the summary said "3 of 1 confirmed" where the report said 2)."""
    people = [
        create_registration(symposium, given_name=name, family_name="Test", email=f"{name}@x.org")
        for name in ("Ana", "Bo", "Cy")
    ]
    login()
    report = zoom_rows(*((f"{p.given_name} Test", p.email, "09:00 AM", "10:00 AM") for p in people))
    assert upload(client, symposium, report).status_code == 302
    ana, bo, _ = people
    erase = f"/symposia/{symposium.id}/registrations/{ana.id}/erase"
    assert post_form(client, erase, {"understood": "y"}).status_code == 302
    cancel = f"/symposia/{symposium.id}/registrations/{bo.id}/status"
    assert post_form(client, cancel, {"status": "cancelled", "back": ""}).status_code == 302

    page = client.get(f"/symposia/{symposium.id}/attendance").get_data(as_text=True)
    assert '<td class="attended">2 of 2 confirmed</td>' in page
    figures = client.get(f"/api/symposia/{symposium.id}/report").get_json()
    assert figures["days"][0]["attended"]["total"] == 2


def test_importing_a_day_again_after_an_erasure_keeps_the_erased_persons_attendance(
    client, login, session, symposium, create_registration
):
    """The file can no longer be matched to an erased person: their credit is carried over as
    it was, and their row in the file is not stored again (their name and address with it)."""
    ana = create_registration(symposium, given_name="Ana", family_name="Perez", sex="Female",
                              email="ana@x.org")  # fmt: skip
    create_registration(symposium, given_name="Bo", family_name="Li", sex="Male", email="bo@x.org")
    report = zoom_rows(
        ("Ana Perez", "ana@x.org", "09:00 AM", "10:00 AM"),
        ("Bo Li", "bo@x.org", "09:00 AM", "10:00 AM"),
    )
    login()
    assert upload(client, symposium, report).status_code == 302
    erase = f"/symposia/{symposium.id}/registrations/{ana.id}/erase"
    assert post_form(client, erase, {"understood": "y"}).status_code == 302
    api = f"/api/symposia/{symposium.id}/report"
    assert client.get(api).get_json()["days"][0]["attended"]["by_sex"]["Female"] == 1

    assert upload(client, symposium, report).status_code == 302  # e.g. another time zone
    day_one = client.get(api).get_json()["days"][0]["attended"]
    assert (day_one["total"], day_one["by_sex"]["Female"]) == (2, 1)
    session.expire_all()
    kept = session.execute(sa.select(AttendanceRow.name, AttendanceRow.email)).all()
    assert sorted(kept) == [("", ""), ("Bo Li", "bo@x.org")]  # nothing of Ana's came back


def test_rows_on_other_dates_are_left_out_and_said(client, login, session, symposium, people):
    """A report of a meeting used on both days lists both: only day 1's rows count for day 1."""
    ana, bo = people["ana"], people["jorge"]
    rows = [
        "Ana Pérez,ana.perez@example.pe,03/23/2027 09:00:00 AM,03/23/2027 09:20:00 AM,20\n",
        "Ana Pérez,ana.perez@example.pe,03/24/2027 09:00:00 AM,03/24/2027 09:20:00 AM,20\n",
        "Jorge Quispe,jorge@example.pe,03/24/2027 09:00:00 AM,03/24/2027 11:00:00 AM,120\n",
    ]
    login()
    done = upload(client, symposium, (ZOOM_HEADER + "".join(rows)).encode())
    assert done.status_code == 302
    message = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "2 rows of the file fall on other dates (Wed 24 Mar 2027) and were left out" in message
    assert presence(session, ana) == (20, False, False)  # 20 minutes: not 40, not attended
    assert presence(session, bo) is None


def test_a_cancelled_registrants_row_is_not_credited_to_someone_of_the_same_name(
    client, login, session, symposium, people
):
    login()
    cancel = f"/symposia/{symposium.id}/registrations/{people['maria_cl'].id}/status"
    assert post_form(client, cancel, {"status": "cancelled", "back": ""}).status_code == 302
    row = ("María García", "maria.garcia@example.cl", "09:00 AM", "11:00 AM")
    assert upload(client, symposium, zoom_rows(row)).status_code == 302
    assert presence(session, people["maria_pe"]) is None  # the Peruvian Maria was not there
    assert row_of(session, "María García").status == "unmatched"


def test_a_day_first_report_of_days_1_to_12_is_read_the_way_that_lands_on_the_day(
    client, login, session, create_symposium_record, create_registration
):
    """05/06/2027 is 6 May month-first and 5 June day-first: an Australian account's report of
    5 June was refused as "the report of another day", with no way to import it."""
    symposium = create_symposium_record(
        host_timezone="Australia/Sydney",
        days=[DayPlan(dt.date(2027, 6, 5)), DayPlan(dt.date(2027, 6, 6))],
    )
    ana = create_registration(symposium, given_name="Ana", family_name="Test", email="ana@x.org")
    data = ZOOM_HEADER + "Ana Test,ana@x.org,05/06/2027 09:00:00,05/06/2027 10:00:00,60\n"
    login()
    done = upload(client, symposium, data.encode(), zone="Australia/Sydney")
    assert done.status_code == 302
    assert presence(session, ana) == (60, False, True)
    # Still refused when neither reading is the day's: 07/06 is 6 July or 7 June.
    wrong = data.replace("05/06/2027", "07/06/2027").encode()
    refused = upload(client, symposium, wrong, zone="Australia/Sydney")
    assert refused.status_code == 400
    assert "is it the report of another day?" in refused.get_data(as_text=True)


def test_a_day_without_any_attendance_recorded_is_not_shown_as_nobody_came(
    client, login, symposium, create_registration
):
    """Day 1 has a check-in; day 2 nothing yet (a report not imported): its zeros would read
    as "nobody came" in every output."""
    ana = create_registration(symposium, given_name="Ana", family_name="Test")
    login()
    check_in = f"/symposia/{symposium.id}/attendance/check-in"
    fields = {"registration_id": ana.id, "day_number": 1, "checked_in": "09:00"}
    assert post_form(client, check_in, fields).status_code == 302
    figures = client.get(f"/api/symposia/{symposium.id}/report").get_json()
    assert [(d["number"], d["recorded"]) for d in figures["days"]] == [(1, True), (2, False)]
    page = client.get(f"/symposia/{symposium.id}/report").get_data(as_text=True)
    assert page.count("No attendance recorded yet") == 1
    pdf = client.get(f"/symposia/{symposium.id}/report.pdf").data
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Day 2 Wed 24 Mar 2027 no attendance recorded yet" in re.sub(r"\s+", " ", text)


def test_people_are_listed_by_name_accents_and_letter_case_aside(
    client, login, session, symposium, create_registration
):
    for family in ("Cheung", "Zapata", "Chávez", "álvarez", "Chang"):
        create_registration(symposium, given_name="Ana", family_name=family)
    login()
    page = client.get(f"/symposia/{symposium.id}/attendance/check-in").get_data(as_text=True)
    # The check-in form's drop-down lists every confirmed person.
    listed = re.findall(r'<option value="\d+">([^,<]+), Ana', page)
    assert listed == ["álvarez", "Chang", "Chávez", "Cheung", "Zapata"]
