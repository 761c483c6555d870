"""The open registration form keeps the symposium, its days and its settings between requests
(on PostgreSQL): whatever changes them, the next registrant sees the change at once, and while
nothing changes they are not read again, nor checked before the registration is written: the
registration is one statement, one round trip to the server."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from psycopg import pq

from registration import kept_symposia
from registration.registrations import symposium_and_settings
from symposium import db
from tests.conftest import csrf_token, post_form
from tests.registration.test_registration import form, mails, registrations


@contextlib.contextmanager
def round_trips(engine: sa.Engine, folder: Path) -> Iterator[list[int]]:
    """PostgreSQL: the round trips to the server of the connections the pool hands out
    meanwhile, counted in libpq's own trace of the protocol (each ends with ReadyForQuery);
    the count is in the list once the block ends."""
    trace = folder / "libpq-trace.txt"
    counted: list[int] = []
    with trace.open("w") as output:

        def traced(dbapi_connection, *_) -> None:
            dbapi_connection.pgconn.trace(output.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

        def untraced(dbapi_connection, *_) -> None:
            dbapi_connection.pgconn.untrace()

        sa.event.listen(engine, "checkout", traced)
        sa.event.listen(engine, "checkin", untraced)
        try:
            yield counted
        finally:
            sa.event.remove(engine, "checkout", traced)
            sa.event.remove(engine, "checkin", untraced)
    lines = trace.read_text().splitlines()
    counted.append(sum(line.startswith("B") and "\tReadyForQuery" in line for line in lines))


def test_a_change_made_anywhere_reaches_the_next_registrant_at_once(
    app, client, session, economies, invited_symposium, tmp_path
):
    url = f"/register/{invited_symposium.id}"
    engine = db.database(app).engine
    where = {"id": invited_symposium.id}
    on_postgresql = engine.dialect.name == "postgresql"
    trips: list[int] = []  # each registration's round trips to PostgreSQL

    def changed(statement: str) -> None:
        # Behind the app's back, as psql or a migration would: not through its objects.
        with engine.begin() as connection:
            connection.execute(sa.text(statement), where)

    def registered(email: str) -> list[str]:
        """Register ``email``; the statements the app ran that read the symposium."""
        statements: list[str] = []

        def seen(connection, cursor, statement, *_) -> None:
            statements.append(statement)

        sent = {"csrf_token": csrf_token(client), **form(economies, email=email)}
        sa.event.listen(engine, "before_cursor_execute", seen)
        counting = round_trips(engine, tmp_path) if on_postgresql else contextlib.nullcontext([])
        try:
            with counting as counted:
                response = client.post(url, data=sent)
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        assert response.status_code == 302
        trips.extend(counted)
        return [s for s in statements if "FROM symposium" in s]

    client.get(url)  # makes the settings row (its first use)
    client.get(url)  # keeps the rows
    reads = registered("first@example.pe")  # also prepares the write and keeps the agenda
    if on_postgresql:
        assert reads == [], "unchanged since the page was shown: not read again"
        registered("again@example.pe")
        assert trips[1] == 1, "not even checked: the statement that writes checks the version"
    else:
        assert reads, "SQLite reads the symposium on every request"

    # Each change alone, each seen by the next registrant.
    changed("UPDATE symposium SET title = 'Renamed symposium' WHERE id = :id")
    assert "Renamed symposium" in client.get(url).get_data(as_text=True)
    registered("second@example.pe")
    (mail,) = mails(session, "second@example.pe")
    assert mail.subject == "Registration confirmed: Renamed symposium"

    changed(
        "UPDATE symposium_day SET start_time = '10:30:00' WHERE symposium_id = :id AND number = 2"
    )
    registered("third@example.pe")
    (mail,) = mails(session, "third@example.pe")
    assert "Day 1 starts 09:00 America/Lima" in mail.body
    assert "Day 2 starts 10:30 America/Lima" in mail.body

    changed("DELETE FROM symposium_day WHERE symposium_id = :id AND number = 2")
    registered("fourth@example.pe")
    (mail,) = mails(session, "fourth@example.pe")
    assert "Day 1 starts 09:00" in mail.body and "Day 2" not in mail.body

    changed("UPDATE registration_settings SET moderated = TRUE WHERE symposium_id = :id")
    registered("fifth@example.pe")
    statuses = {p.email: p.status for p in registrations(session)}
    assert statuses["fifth@example.pe"] == "pending"
    assert {statuses[f"{n}@example.pe"] for n in ("first", "second", "third", "fourth")} == {
        "confirmed"
    }
    assert statuses.get("again@example.pe", "confirmed") == "confirmed"

    registered("sixth@example.pe")
    if on_postgresql:
        # The second registrant came after the page that read the new title; each of the next
        # three sent a copy the write found outdated, then the view checked, read and wrote.
        second, *outdated, sixth = trips[2:]
        assert second == 1 and sixth == 1, "nothing changed before these: one round trip"
        assert len(outdated) == 3 and all(trip > 1 for trip in outdated), trips


def test_a_registration_refused_by_an_outdated_copy_is_taken_once_the_rows_are_read_again(
    client, session, economies, invited_symposium, create_symposium_record
):
    """The copy the open form kept says registration closed; an organiser (or psql) has moved the
    deadline since: the registration is taken, not refused with what was kept."""
    url = f"/register/{invited_symposium.id}"
    invited_symposium.registration_deadline = dt.date.today() - dt.timedelta(days=3)
    session.commit()
    client.get(url)  # makes the settings row (its first use)
    assert "Registration closed on" in client.get(url).get_data(as_text=True)  # kept: closed
    with db.database(client.application).engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE symposium SET registration_deadline = :day WHERE id = :id"),
            {"day": dt.date.today() + dt.timedelta(days=5), "id": invited_symposium.id},
        )
    response = post_form(client, url, form(economies, email="late@example.pe"))
    assert response.status_code == 302
    assert [p.email for p in registrations(session)] == ["late@example.pe"]
    assert len(mails(session, "late@example.pe")) == 1


def test_each_day_links_back_to_the_symposium_the_request_was_given(app, client, invited_symposium):
    """The days come with their link back to the symposium set, to the request's own copy:
    each mail and calendar reads a day's start in the symposium's time zone through it, and a
    link left to be loaded on first use cost a lookup per day every time."""
    url = f"/register/{invited_symposium.id}"
    client.get(url)  # makes the settings row (its first use)
    client.get(url)  # keeps the rows (PostgreSQL)
    with app.test_request_context(url):
        session = db.session()
        given = [symposium_and_settings(session, invited_symposium.id)[0]]
        if session.get_bind().dialect.name == "postgresql":
            session.expunge_all()
            kept = kept_symposia.unchecked(session, invited_symposium.id)
            assert kept is not None, "kept by the pages above"
            given.append(kept[0])
        for symposium in given:
            assert [day.number for day in symposium.days] == [1, 2]
            for day in symposium.days:
                link = sa.inspect(day).attrs.symposium.loaded_value
                assert link is symposium, "linked as loaded, to the request's own copy"
