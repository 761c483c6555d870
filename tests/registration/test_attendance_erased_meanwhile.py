"""A person erased by another organiser between the moment a check-in or a review decision read
their registration and the moment it locked the day, on both databases: the request is refused
with a message and credits nothing (erasure locks every day, so only what is read after the
day's lock is sure to stay true)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from registration.attendance_models import DayAttendance
from registration.erasure import erase_registration
from registration.models import Registration
from symposium import db
from symposium.models import SymposiumDay
from tests.registration.test_attendance import (  # the fixtures and helpers of the pages
    check_in,
    decide,
    people,
    row_of,
    snapshot,
    symposium,
    upload,
)

__all__ = ["people", "symposium"]  # fixtures, used by name

LOCK_OF_A_DAY = re.compile(rf"^\s*UPDATE\s+{SymposiumDay.__tablename__}\b", re.I)


@contextmanager
def erased_just_before_a_day_is_locked(app, session, registration, user) -> Iterator[None]:
    """Erase ``registration`` in the test's own session, and commit, just before the first
    statement that locks a day runs (the request's, which has read the registration already;
    the erasure's own locks come after, once this has fired)."""
    engine = db.database(app).engine
    pending = [registration.id]

    def erase_first(_connection, _cursor, statement: str, *_args) -> None:
        if pending and LOCK_OF_A_DAY.match(statement):
            erase_registration(session, session.get_one(Registration, pending.pop()), user)
            session.commit()

    sa.event.listen(engine, "before_cursor_execute", erase_first)
    try:
        yield
        assert not pending, "no day was locked"
    finally:
        sa.event.remove(engine, "before_cursor_execute", erase_first)


def day_figures(client, symposium) -> str:
    """The first day's row of the attendance overview: who attended, of how many."""
    page = client.get(f"/symposia/{symposium.id}/attendance").get_data(as_text=True)
    return " ".join(re.search(r'<tr id="day-1">(.*?)</tr>', page, re.S).group(1).split())


def credited(session, registration) -> list[tuple[int, bool]]:
    session.expire_all()
    return session.execute(
        sa.select(DayAttendance.minutes, DayAttendance.attended).where(
            DayAttendance.registration_id == registration.id
        )
    ).all()


def _check_in_jorge(client, symposium, session, jorge) -> tuple[int, str]:
    """At the doors: the check-in form, whose page says why when it records nothing."""
    response = check_in(client, symposium, jorge, "09:00", "11:00")
    return response.status_code, response.get_data(as_text=True)


def _assign_jorge(client, symposium, session, jorge) -> tuple[int, str]:
    """On the review screen: the unmatched row of "Jorge Q." credited to him; back on the
    screen, whose flashed message says why not."""
    response = decide(client, symposium, row_of(session, "Jorge Q.").id, "assign", jorge.id)
    back = client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, back


@pytest.mark.parametrize(
    ("credit", "refused"),
    [(_check_in_jorge, 422), (_assign_jorge, 302)],
    ids=["check-in", "assign"],
)
def test_a_person_erased_before_the_day_is_locked_is_not_credited(
    credit: Callable[..., tuple[int, str]],
    refused: int,
    app,
    client,
    login,
    session,
    symposium,
    people,
):
    """Jorge Quispe is erased after the request read his registration (checked in at the
    doors, or chosen on the review screen for an unmatched row of his) and before it locked
    the day. When it checked him before taking the lock, it credited the erased person (and
    an assigned row kept the name "Jorge Q." linked to him)."""
    organiser = login()
    assert upload(client, symposium).status_code == 302
    jorge = people["jorge"]
    before, figures = snapshot(session), day_figures(client, symposium)

    with erased_just_before_a_day_is_locked(app, session, jorge, organiser):
        status, page = credit(client, symposium, session, jorge)

    assert session.get(Registration, jorge.id).erased_at is not None
    assert credited(session, jorge) == []
    assert snapshot(session) == before  # no check-in, no row assigned, the same attendance
    assert day_figures(client, symposium) == figures
    assert status == refused
    message = "Jorge Quispe's registration was erased (perhaps by another organiser); nothing"
    assert message in html.unescape(page)
    if credit is _check_in_jorge:  # the form shown again no longer offers him
        offered = re.findall(r'<option[^>]*value="(\d+)"', page)
        assert str(people["ana"].id) in offered and str(jorge.id) not in offered
