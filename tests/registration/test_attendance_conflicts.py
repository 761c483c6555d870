"""Attendance changed by several organisers at the same moment, or from a screen older than the
last change, on both databases: check-ins of one day at once over real HTTP, a decision taken on
a stale review screen, a check-in sent twice."""

from __future__ import annotations

import html
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from registration.attendance_models import AttendanceRow, DayAttendance, ManualCheck
from tests.conftest import CSRF_META, PASSWORD, post_form
from tests.registration.test_attendance import (  # the fixtures and helpers of the pages
    check_in,
    decide,
    people,
    presence,
    row_of,
    snapshot,
    symposium,
    upload,
)

__all__ = ["people", "symposium"]  # fixtures, used by name


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is the answer to look at, not a page to fetch


class Organiser:
    """An organiser's browser over real HTTP: cookies of its own, redirects not followed."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(), _KeepRedirects()
        )
        self.token = self._token("/login")
        assert self.post("/login", {"email": email, "password": PASSWORD}) == 302
        self.token = self._token("/symposia")

    def _token(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return CSRF_META.search(response.read().decode()).group(1)

    def post(self, path: str, fields: dict[str, Any]) -> int:
        data = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        try:
            with self.opener.open(self.base + path, data, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as answer:  # 302 and errors alike
            return answer.code


def at_once(calls: list[Callable[[], int]]) -> list[int]:
    """Run ``calls`` in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def organisers(live_server: str, create_user_account, number: int) -> list[Organiser]:
    return [Organiser(live_server, create_user_account().email) for _ in range(number)]


def check_in_fields(registration, arrived="09:00", left="11:00", day=1) -> dict[str, Any]:
    return {
        "registration_id": registration.id,
        "day_number": day,
        "checked_in": arrived,
        "checked_out": left,
        "note": "",
    }


def test_check_ins_of_one_day_at_the_same_moment_are_all_recorded(
    live_server, session, symposium, create_registration, create_user_account
):
    """Two organisers at the doors check people in at once; on PostgreSQL each new check-in
    refers to the day's row, and taking the day's lock after that deadlocked."""
    registrants = [create_registration(symposium) for _ in range(20)]
    doors = organisers(live_server, create_user_account, 4)
    url = f"/symposia/{symposium.id}/attendance/check-in"
    calls = [
        (lambda door=doors[i % 4], person=person: door.post(url, check_in_fields(person)))
        for i, person in enumerate(registrants)
    ]
    assert at_once(calls) == [302] * 20
    stored = session.scalars(sa.select(ManualCheck.registration_id)).all()
    assert sorted(stored) == sorted(person.id for person in registrants)
    counted = session.execute(sa.select(DayAttendance.minutes, DayAttendance.attended)).all()
    assert counted == [(120, True)] * 20


def second_organiser(app, create_user_account):
    """Another organiser's browser (the Flask test client), logged in."""
    other = app.test_client()
    email = create_user_account().email
    assert post_form(other, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return other


def flashed(client, symposium) -> str:
    page = client.get(f"/symposia/{symposium.id}/attendance/review").get_data(as_text=True)
    return " ".join(re.findall(r'<div class="alert [^"]*" role="status">(.*?)</div>', page, re.S))


def test_a_decision_from_a_stale_review_screen_changes_nothing(
    app, client, login, session, symposium, people, create_user_account
):
    login()
    other = second_organiser(app, create_user_account)
    upload(client, symposium)
    jorge, host = row_of(session, "Jorge Q."), row_of(session, "APEC Symposium Host")
    # Both organisers open the review screen; the first credits Jorge Q. (two joins, 80 min).
    assert decide(client, symposium, jorge.id, "assign", people["jorge"].id).status_code == 302
    assert presence(session, people["jorge"]) == (80, False, True)
    before = snapshot(session)

    # The second, from the screen as it was, ignores him, or credits him to someone else.
    response = decide(other, symposium, jorge.id, "ignore")
    assert response.headers["Location"].endswith(f"/symposia/{symposium.id}/attendance/review")
    assert flashed(other, symposium) == (
        "Jorge Q. was already credited to Jorge Quispe (perhaps by another organiser); "
        "nothing changed."
    )
    decide(other, symposium, jorge.id, "assign", people["ana"].id)
    assert "already credited to Jorge Quispe" in flashed(other, symposium)
    assert snapshot(session) == before
    assert presence(session, people["jorge"]) == (80, False, True)
    session.expire_all()
    statuses = session.execute(
        sa.select(AttendanceRow.status, AttendanceRow.registration_id).where(
            AttendanceRow.name == "Jorge Q."
        )
    ).all()
    assert statuses == [("assigned", people["jorge"].id)] * 2

    # Ignoring twice, and undoing an ignore twice, do it once and say so the second time.
    decide(client, symposium, host.id, "ignore")
    decide(other, symposium, host.id, "ignore")
    assert flashed(other, symposium) == (
        "APEC Symposium Host was already ignored (perhaps by another organiser); nothing changed."
    )
    decide(client, symposium, host.id, "review-again")
    before = snapshot(session)
    decide(other, symposium, host.id, "review-again")
    assert "APEC Symposium Host was already brought back to review" in flashed(other, symposium)
    assert snapshot(session) == before


def test_a_check_in_sent_twice_is_recorded_once(client, login, session, symposium, people):
    login()
    kenji = people["kenji"]
    assert check_in(client, symposium, kenji, "09:00", "11:00", day=2).status_code == 302
    again = check_in(client, symposium, kenji, "09:00", "11:00", day=2)
    assert again.headers["Location"].endswith(f"/symposia/{symposium.id}/attendance")
    overview = html.unescape(
        client.get(f"/symposia/{symposium.id}/attendance").get_data(as_text=True)
    )
    assert (
        "Kenji Sato's check-in on day 2 from 09:00 to 11:00 is recorded already; nothing changed."
        in overview
    )
    assert "Manual check-ins (1)" in overview
    day = re.search(r'<tr id="day-2">(.*?)</tr>', overview, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", day)[-1] == "1"  # manual check-ins of the day
    assert "1 of 6 confirmed" in day
    assert len(snapshot(session)[3]) == 1

    # Another time the same day, or a check-in without a check-out, is another check-in.
    assert check_in(client, symposium, kenji, "14:00", "15:00", day=2).status_code == 302
    assert check_in(client, symposium, kenji, "16:00", day=2).status_code == 302
    check_in(client, symposium, kenji, "16:00", day=2)
    assert "at 16:00 is recorded already" in client.get(
        f"/symposia/{symposium.id}/attendance"
    ).get_data(as_text=True)
    assert len(snapshot(session)[3]) == 3


def test_the_same_check_in_sent_several_times_at_once_is_recorded_once(
    live_server, session, symposium, people, create_user_account
):
    (door,) = organisers(live_server, create_user_account, 1)
    url = f"/symposia/{symposium.id}/attendance/check-in"
    fields = check_in_fields(people["ana"])
    assert at_once([lambda: door.post(url, fields)] * 6) == [302] * 6
    assert len(snapshot(session)[3]) == 1
    assert presence(session, people["ana"]) == (120, False, True)
