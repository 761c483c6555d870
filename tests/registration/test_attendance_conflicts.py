"""Attendance changed by several organisers at the same moment, or from a screen older than the
last change, on both databases: check-ins of one day at once over real HTTP, a decision taken on
a stale review screen, a check-in sent twice; a person erased while their day is imported
again or people are checked in."""

from __future__ import annotations

import html
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from registration import attendance_import
from registration.attendance_models import (
    AttendanceImport,
    AttendanceRow,
    DayAttendance,
    ManualCheck,
)
from registration.matching import match_rows
from registration.models import Registration
from symposium import privacy
from tests.conftest import CSRF_META, PASSWORD, post_form, wait_until_a_statement_waits_for_a_lock
from tests.registration.test_attendance import (  # the fixtures and helpers of the pages
    ZOOM,
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


# --- erasing a person while their day's attendance changes -----------------------------------


class Pause:
    """Holds one request in the middle of its transaction until the test lets it go on."""

    def __init__(self) -> None:
        self.reached, self.released = threading.Event(), threading.Event()

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def paused(*args: Any, **kwargs: Any) -> Any:
            self.reached.set()
            assert self.released.wait(timeout=60), "the test never let the request go on"
            return function(*args, **kwargs)

        return paused


def in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(response=call()))
    thread.start()
    return thread, result


def wait_for_the_second(app, session) -> None:
    """Until the second request waits for the first's lock (on SQLite, where nothing shows a
    waiting statement, a second to reach it; either way the first has not committed yet)."""
    if session.get_bind().dialect.name == "postgresql":
        wait_until_a_statement_waits_for_a_lock(app)
    else:
        time.sleep(1.0)


def erased_traces(session, person: str, email: str) -> list[Any]:
    """The attendance rows still carrying the person's name or address."""
    session.expire_all()
    return session.execute(
        sa.select(AttendanceRow.line, AttendanceRow.name, AttendanceRow.email).where(
            sa.or_(AttendanceRow.name == person, sa.func.lower(AttendanceRow.email) == email)
        )
    ).all()


@pytest.mark.parametrize("first", ["import", "erasure"])
def test_erasing_a_person_while_their_day_is_imported_again_keeps_both(
    first, app, client, login, session, symposium, people, create_user_account, monkeypatch
):
    """One organiser erases Ana Pérez while another imports day 1 again, each request caught
    in the middle of its transaction while the other starts. Without the erasure taking the
    day's lock, on PostgreSQL the import wrote her name and address back (in one order it had
    matched the file before the erasure committed; in the other the erasure's update never saw
    the rows the import was adding). On SQLite, whose write lock is the whole database's, the
    two were one after the other even then."""
    login()
    other = second_organiser(app, create_user_account)
    assert upload(client, symposium).status_code == 302
    ana = people["ana"]
    assert presence(session, ana) == (92, False, True)
    first_import = session.scalar(sa.select(AttendanceImport.imported_at))
    pause = Pause()
    if first == "import":
        monkeypatch.setattr(attendance_import, "match_rows", pause.wrap(match_rows))
    else:
        monkeypatch.setattr(privacy, "_steps", [pause.wrap(lambda *a: None), *privacy._steps])

    def erase() -> Any:
        url = f"/symposia/{symposium.id}/registrations/{ana.id}/erase"
        return post_form(client, url, {"understood": "y"})

    def import_again() -> Any:
        return upload(other, symposium, ZOOM)

    calls = {"import": import_again, "erasure": erase}
    running = {first: in_thread(calls[first])}
    try:
        assert pause.reached.wait(timeout=30), f"the {first} never reached its pause"
        (second,) = set(calls) - {first}
        running[second] = in_thread(calls[second])
        wait_for_the_second(app, session)
    finally:
        pause.released.set()
        for thread, _ in running.values():
            thread.join(timeout=60)
    statuses = {name: result["response"].status_code for name, (_, result) in running.items()}
    assert statuses == {"import": 302, "erasure": 302}
    assert erased_traces(session, "Ana Pérez", "ana.perez@example.pe") == []
    assert session.get(Registration, ana.id).erased_at is not None
    # Her attendance is still counted, and the import's matches of everyone else are there.
    assert presence(session, ana) == (92, False, True)
    assert presence(session, people["lan"]) == (118, False, True)
    assert session.scalar(sa.select(AttendanceImport.imported_at)) > first_import


def test_erasures_and_check_ins_at_the_same_moment_all_go_through(
    live_server, client, login, session, symposium, people, create_user_account
):
    """Two organisers erase the same person (one finds it done), a third erases another, and
    the doors check people in on both days, all at once over real HTTP: nobody deadlocks."""
    login()
    assert upload(client, symposium).status_code == 302
    staff = organisers(live_server, create_user_account, 4)
    erase = f"/symposia/{symposium.id}/registrations/{{}}/erase"
    check = f"/symposia/{symposium.id}/attendance/check-in"
    calls = [
        lambda: staff[0].post(erase.format(people["ana"].id), {"understood": "y"}),
        lambda: staff[1].post(erase.format(people["ana"].id), {"understood": "y"}),
        lambda: staff[2].post(erase.format(people["kenji"].id), {"understood": "y"}),
        lambda: staff[3].post(check, check_in_fields(people["jorge"])),
        lambda: staff[0].post(check, check_in_fields(people["maria_pe"], day=2)),
        lambda: staff[1].post(check, check_in_fields(people["lan"], day=2)),
    ]
    assert at_once(calls) == [302] * 6
    assert erased_traces(session, "Ana Pérez", "ana.perez@example.pe") == []
    assert erased_traces(session, "Kenji Sato", "k.sato@example.jp") == []
    assert presence(session, people["ana"]) == (92, False, True)
    checked = session.execute(sa.select(ManualCheck.registration_id, ManualCheck.day_id)).all()
    days = {day.number: day.id for day in symposium.days}
    assert sorted(checked) == sorted(
        [
            (people["jorge"].id, days[1]),
            (people["maria_pe"].id, days[2]),
            (people["lan"].id, days[2]),
        ]
    )
