"""Attendance through the pages, on both databases: importing a day's Zoom report, reviewing
the people it did not match, importing again, refusing bad files, manual check-ins."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from registration.attendance_import import import_attendance_report
from registration.attendance_models import (
    AttendanceImport,
    AttendanceRow,
    DayAttendance,
    ManualCheck,
)
from registration.models import RegistrationSettings
from tests.conftest import post_form

REPORTS = Path(__file__).parent / "reports"
ZOOM = (REPORTS / "zoom_participants.csv").read_bytes()


@pytest.fixture
def symposium(create_symposium_record):
    """Days on 23 and 24 March 2027, hosted in Lima: the dates of the sample reports."""
    return create_symposium_record()


@pytest.fixture
def people(symposium, create_registration):
    """The registrants of the sample Zoom report, by a short name."""

    def add(given, family, email, economy="Peru", **kw):
        return create_registration(
            symposium, given_name=given, family_name=family, email=email, economy=economy, **kw
        )

    return {
        "ana": add("Ana", "Pérez", "ana.perez@example.pe"),
        "lan": add("Lan", "Nguyễn Thị", "lan@example.vn", "Viet Nam"),
        "kenji": add("Kenji", "Sato", "k.sato@example.jp", "Japan"),
        "maria_cl": add("María", "García", "maria.garcia@example.cl", "Chile"),
        "maria_pe": add("Maria", "Garcia", "mgarcia@example.pe"),
        "jorge": add("Jorge", "Quispe", "jorge@example.pe"),
    }


def upload(
    client, symposium, data=ZOOM, day=1, zone="America/Lima", source="auto", name="participants.csv"
):
    url = f"/symposia/{symposium.id}/attendance/day/{day}/import"
    fields = {"file": (io.BytesIO(data), name), "source": source, "timezone": zone}
    return post_form(client, url, fields)


def decide(client, symposium, row_id, action, registration_id=""):
    url = f"/symposia/{symposium.id}/attendance/review/{row_id}"
    return post_form(client, url, {"action": action, "registration_id": registration_id})


def presence(session, registration) -> tuple[int, bool, bool] | None:
    """(minutes, checked in, attended) of ``registration`` on day 1, or None."""
    session.expire_all()
    record = session.scalar(
        sa.select(DayAttendance).where(DayAttendance.registration_id == registration.id)
    )
    return (record.minutes, record.checked_in, record.attended) if record else None


def row_of(session, name) -> AttendanceRow:
    session.expire_all()
    return session.scalars(sa.select(AttendanceRow).where(AttendanceRow.name == name)).first()


def person_cell(page: str, registration) -> str:
    match = re.search(rf'<tr id="registration-{registration.id}">(.*?)</tr>', page, re.S)
    assert match, f"{registration.full_name} is listed"
    return " ".join(match.group(1).split())


def snapshot(session):
    session.expire_all()
    return (
        session.execute(sa.select(AttendanceImport.filename, AttendanceImport.source)).all(),
        session.execute(
            sa.select(
                AttendanceRow.line, AttendanceRow.status, AttendanceRow.registration_id
            ).order_by(AttendanceRow.line)
        ).all(),
        session.execute(
            sa.select(
                DayAttendance.registration_id, DayAttendance.minutes, DayAttendance.attended
            ).order_by(DayAttendance.registration_id)
        ).all(),
        session.execute(sa.select(ManualCheck.registration_id)).all(),
    )


def test_zoom_report_credits_a_rejoined_person_once_with_merged_minutes(
    client, login, session, symposium, people
):
    login()
    page = client.get(f"/symposia/{symposium.id}/attendance/day/1/import").get_data(as_text=True)
    assert "Reports › Usage" in page and "Attendance" in page  # where each platform keeps it
    response = upload(client, symposium)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/symposia/{symposium.id}/attendance/review")
    # Ana joined at 08:58, again at 09:45 on a second device, and left at 10:30.
    assert presence(session, people["ana"]) == (92, False, True)
    assert presence(session, people["lan"]) == (118, False, True)  # by her original name
    assert presence(session, people["kenji"]) == (20, False, False)  # below 30 minutes
    overview = client.get(f"/symposia/{symposium.id}/attendance").get_data(as_text=True)
    assert "92 min" in person_cell(overview, people["ana"])
    assert "attended" in person_cell(overview, people["ana"])
    assert "below 30 min" in person_cell(overview, people["kenji"])
    day = re.search(r'<tr id="day-1">(.*?)</tr>', overview, re.S).group(1)
    assert "2 of 6 confirmed" in day and "participants.csv" in day


def test_threshold_comes_from_the_registration_settings(client, login, session, symposium, people):
    session.add(RegistrationSettings(symposium_id=symposium.id, attendance_threshold_minutes=15))
    session.commit()
    login()
    upload(client, symposium)
    assert presence(session, people["kenji"]) == (20, False, True)

    # Raising the threshold afterwards counts the day again: 20 minutes no longer do.
    saved = post_form(
        client,
        f"/symposia/{symposium.id}/registration/settings",
        {"mode": "both", "threshold": "25", "privacy_notice": "We keep what the report needs."},
    )
    assert saved.status_code == 302
    session.expire_all()
    assert presence(session, people["kenji"]) == (20, False, False)


def test_unmatched_person_is_assigned_on_review_and_then_attends(
    client, login, session, symposium, people
):
    login()
    upload(client, symposium)
    review = client.get(f"/symposia/{symposium.id}/attendance/review").get_data(as_text=True)
    jorge_row = row_of(session, "Jorge Q.")
    item = re.search(rf'<tr id="row-{jorge_row.id}">(.*?)</tr>', review, re.S).group(1)
    assert "lines 12, 13" in item and "80 min" in item
    # The likely registrant is offered first.
    likely = re.search(r'<optgroup label="Likely">(.*?)</optgroup>', item, re.S).group(1)
    assert "Quispe, Jorge" in likely
    assert presence(session, people["jorge"]) is None
    response = decide(client, symposium, jorge_row.id, "assign", people["jorge"].id)
    assert response.status_code == 302
    # Both of his joins are credited: 60 + 20 minutes.
    assert presence(session, people["jorge"]) == (80, False, True)
    review = client.get(f"/symposia/{symposium.id}/attendance/review").get_data(as_text=True)
    assert f'id="row-{jorge_row.id}"' not in review


def test_ambiguous_name_is_listed_with_its_candidates_and_credited_to_nobody(
    client, login, session, symposium, people
):
    login()
    upload(client, symposium)
    maria_row = row_of(session, "Maria Garcia")
    assert maria_row.status == "ambiguous"
    review = client.get(f"/symposia/{symposium.id}/attendance/review").get_data(as_text=True)
    item = re.search(rf'<tr id="row-{maria_row.id}">(.*?)</tr>', review, re.S).group(1)
    candidates = re.search(r'<td class="candidates">(.*?)</td>', item, re.S).group(1)
    assert "María García (Chile)" in candidates and "Maria Garcia (Peru)" in candidates
    assert "several match" in candidates
    assert presence(session, people["maria_cl"]) is None
    assert presence(session, people["maria_pe"]) is None


def test_ignoring_the_host_account_takes_it_off_the_review_screen(
    client, login, session, symposium, people
):
    login()
    upload(client, symposium)
    host = row_of(session, "APEC Symposium Host")
    assert decide(client, symposium, host.id, "ignore").status_code == 302
    assert row_of(session, "APEC Symposium Host").status == "ignored"
    review = client.get(f"/symposia/{symposium.id}/attendance/review").get_data(as_text=True)
    assert f'id="row-{host.id}"' not in review
    # Assigning needs a registrant; a registration of no symposium here is refused.
    jorge = row_of(session, "Jorge Q.")
    decide(client, symposium, jorge.id, "assign", "")
    decide(client, symposium, jorge.id, "assign", 999_999)
    assert row_of(session, "Jorge Q.").status == "unmatched"


def test_an_ignored_person_can_be_reviewed_again(
    client, login, session, symposium, people, create_registration
):
    login()
    upload(client, symposium)
    review_url = f"/symposia/{symposium.id}/attendance/review"
    jorge = row_of(session, "Jorge Q.")
    decide(client, symposium, jorge.id, "ignore")
    review = client.get(review_url).get_data(as_text=True)
    ignored = re.search(r'id="ignored"(.*?)</table>', review, re.S).group(1)
    assert "Jorge Q." in ignored and "lines 12, 13" in ignored and "Review again" in ignored
    assert f'id="row-{jorge.id}"' not in review

    response = decide(client, symposium, jorge.id, "review-again")
    assert response.status_code == 302
    page = client.get(review_url).get_data(as_text=True)
    assert "Jorge Q. is no longer ignored: to review." in page
    assert f'id="row-{jorge.id}"' in page and 'id="ignored"' not in page
    session.expire_all()
    rows = session.scalars(sa.select(AttendanceRow).where(AttendanceRow.name == "Jorge Q.")).all()
    assert [(r.status, r.candidates) for r in rows] == [("unmatched", [people["jorge"].id])] * 2
    assert presence(session, people["jorge"]) is None

    # Ignored, then the host registers after all: reviewed again, the rows are hers at once.
    host = row_of(session, "APEC Symposium Host")
    decide(client, symposium, host.id, "ignore")
    organiser = create_registration(
        symposium, given_name="Rosa", family_name="Host", email="organiser@example.org"
    )
    decide(client, symposium, host.id, "review-again")
    assert row_of(session, "APEC Symposium Host").status == "matched"
    assert presence(session, organiser) == (195, False, True)  # 08:50:03 to 12:05:41
    # A row that is not ignored (any more) is left as it is.
    before = snapshot(session)
    decide(client, symposium, host.id, "review-again")
    refused = "APEC Symposium Host was already credited to Rosa Host (perhaps by another organiser)"
    assert refused in client.get(review_url).get_data(as_text=True)
    assert snapshot(session) == before


def test_importing_again_replaces_the_day_and_keeps_review_decisions(
    client, login, session, symposium, people
):
    login()
    upload(client, symposium)
    decide(client, symposium, row_of(session, "Jorge Q.").id, "assign", people["jorge"].id)
    decide(client, symposium, row_of(session, "APEC Symposium Host").id, "ignore")
    before = snapshot(session)
    assert upload(client, symposium).status_code == 302
    after = snapshot(session)
    assert after == before
    assert len(after[0]) == 1 and len(after[1]) == 8  # one import of 8 rows, not two
    assert presence(session, people["ana"]) == (92, False, True)
    # An updated report: Kenji stayed longer; his minutes follow the new file.
    updated = ZOOM.replace(b"09:20:00 AM,20", b"09:50:00 AM,50")
    assert upload(client, symposium, updated).status_code == 302
    assert presence(session, people["kenji"]) == (50, False, True)
    assert len(snapshot(session)[1]) == 8


def test_malformed_upload_names_the_lines_and_leaves_the_previous_import(
    client, login, session, symposium, people
):
    login()
    upload(client, symposium)
    before = snapshot(session)
    bad = ZOOM.replace(b"09:20:00 AM,20", b"08:20:00 AM,20").replace(b"03/23/2027 09:10", b"3/23")
    response = upload(client, symposium, bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    problems = re.search(
        r'<table class="table table-sm mb-0" id="import-problems">(.*?)</table>', page, re.S
    )
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", problems.group(1))
    assert [line for line, _ in rows] == ["10", "12"]
    assert "before the join time" in rows[0][1] and "“3/23:00 AM” is not a date" in rows[1][1]
    assert "previous import of this day is unchanged" in page
    assert snapshot(session) == before
    empty = upload(client, symposium, b"")
    assert empty.status_code == 400 and "The file is empty." in empty.get_data(as_text=True)
    assert snapshot(session) == before


def test_report_of_another_day_is_refused(client, login, session, symposium, people):
    login()
    response = upload(client, symposium, day=2)
    assert response.status_code == 400
    assert "is it the report of another day?" in response.get_data(as_text=True)
    assert snapshot(session)[0] == []


def test_cancelled_registrations_are_not_credited(
    client, login, session, symposium, create_registration
):
    create_registration(
        symposium, given_name="Ana", family_name="Pérez", email="ana.perez@example.pe",
        status="cancelled",
    )  # fmt: skip
    login()
    upload(client, symposium)
    assert {row.status for row in session.scalars(sa.select(AttendanceRow))} == {"unmatched"}


def check_in(client, symposium, registration, arrived, left="", day=1, note=""):
    fields = {
        "registration_id": registration.id,
        "day_number": day,
        "checked_in": arrived,
        "checked_out": left,
        "note": note,
    }
    return post_form(client, f"/symposia/{symposium.id}/attendance/check-in", fields)


def test_manual_check_in_counts_and_is_listed_apart(client, login, session, symposium, people):
    login()
    assert client.get(f"/symposia/{symposium.id}/attendance/check-in").status_code == 200
    response = check_in(client, symposium, people["maria_cl"], "09:05", note="by telephone")
    assert response.status_code == 302
    # Without a check-out: present, though no minutes are known.
    assert presence(session, people["maria_cl"]) == (0, True, True)
    check_in(client, symposium, people["maria_pe"], "09:00", "09:10")
    assert presence(session, people["maria_pe"]) == (10, False, False)
    stored = session.scalars(sa.select(ManualCheck).order_by(ManualCheck.id)).all()
    # Entered in Lima time (UTC−5), stored in UTC.
    assert [check.checked_in_at.hour for check in stored] == [14, 14]
    overview = client.get(f"/symposia/{symposium.id}/attendance").get_data(as_text=True)
    checks = re.search(r'id="manual-checks">(.*?)</table>', overview, re.S).group(1)
    assert "María García" in checks and "09:05" in checks and "by telephone" in checks


def test_a_manual_check_in_recorded_by_mistake_is_removed(
    client, login, session, symposium, people, create_symposium_record
):
    login()
    check_in(client, symposium, people["maria_cl"], "09:05", note="by telephone")
    check_in(client, symposium, people["ana"], "09:00", "09:30")
    assert presence(session, people["maria_cl"]) == (0, True, True)
    mistake = session.scalar(
        sa.select(ManualCheck.id).where(ManualCheck.registration_id == people["maria_cl"].id)
    )
    base = f"/symposia/{symposium.id}/attendance"
    other = create_symposium_record(title="Another symposium")
    assert (
        post_form(
            client, f"/symposia/{other.id}/attendance/check-in/{mistake}/remove", {}
        ).status_code
        == 404
    )

    response = post_form(client, f"{base}/check-in/{mistake}/remove", {})
    assert response.status_code == 302
    overview = client.get(base).get_data(as_text=True)
    assert "Removed the check-in of María García on day 1." in overview
    checks = re.search(r'id="manual-checks">(.*?)</table>', overview, re.S).group(1)
    assert "María García" not in checks and "Ana Pérez" in checks
    assert presence(session, people["maria_cl"]) is None  # no longer present that day
    assert presence(session, people["ana"]) == (30, False, True)
    assert post_form(client, f"{base}/check-in/{mistake}/remove", {}).status_code == 404


def test_manual_time_and_report_overlapping_count_once(client, login, session, symposium, people):
    login()
    upload(client, symposium)  # Kenji: 09:00–09:20
    check_in(client, symposium, people["kenji"], "09:10", "09:40")
    assert presence(session, people["kenji"]) == (40, False, True)


def test_check_out_before_check_in_is_refused(client, login, session, symposium, people):
    login()
    response = check_in(client, symposium, people["ana"], "10:00", "09:00")
    assert response.status_code == 422
    assert "The check-out must be later than the check-in." in response.get_data(as_text=True)
    assert snapshot(session)[3] == []


def test_viewer_reads_attendance_but_changes_nothing(client, login, session, symposium, people):
    import_attendance_report(
        session, symposium, symposium.days[0], ZOOM, "zoom.csv", "America/Lima", None, None
    )
    session.commit()
    before = snapshot(session)
    login("viewer")
    base = f"/symposia/{symposium.id}/attendance"
    overview = client.get(base)
    assert overview.status_code == 200 and "92 min" in overview.get_data(as_text=True)
    assert "Import the report" not in overview.get_data(as_text=True)
    for page in (f"{base}/day/1/import", f"{base}/review", f"{base}/check-in"):
        assert client.get(page).status_code == 403, page
    row = row_of(session, "Jorge Q.")
    assert upload(client, symposium).status_code == 403
    assert decide(client, symposium, row.id, "assign", people["jorge"].id).status_code == 403
    assert decide(client, symposium, row.id, "ignore").status_code == 403
    assert check_in(client, symposium, people["ana"], "09:00").status_code == 403
    assert decide(client, symposium, row.id, "review-again").status_code == 403
    assert snapshot(session) == before
