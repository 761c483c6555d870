"""PostgreSQL connections in the pool: one that sat idle is tested before use, so a server
restart (or a firewall that dropped it) costs no request; one in steady use is not tested,
which saves a round trip on every request under load. Where the app talks to psycopg directly
(the open form's check of its kept symposium and its registering, the outbox's "sent"), a
connection lost there leaves the pool too. And what the outbox's claim changes on its
connection (the planner's settings) ends with its transaction."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from registration import kept_symposia, registration_rows
from registration.models import Registration
from symposium import db
from symposium.mailers import message_id_for
from symposium.models import Economy, MailStatus, Symposium, utcnow
from symposium.outbox_delivery import claim_batch
from symposium.outbox_outcomes import OutcomeNotRecorded, Recorder
from symposium.services import create_symposium
from tests.conftest import (
    POSTGRES_SERVER,
    delete_written_rows,
    make_app,
    post_form,
    symposium_setup,
)
from tests.symposium.outbox_support import (
    SENDER,
    count,
    deliver,
    queue_mails,
    received_keys,
    rows,
    use_smtp,
)


@pytest.fixture
def pg_app(postgresql_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(postgresql_url, tmp_path)
    yield app
    with db.database(app).engine.begin() as connection:
        delete_written_rows(connection, restart_ids=True)
    db.database(app).engine.dispose()


def _backend_pids(app: Flask) -> set[int]:
    """The server processes of the connections in the app's pool (one per checkout here)."""
    with db.database(app).engine.connect() as connection:
        return {connection.scalar(sa.text("SELECT pg_backend_pid()"))}


def _terminate(pids: set[int]) -> None:
    """What a restart of PostgreSQL does to the app's connections."""
    admin = db.make_engine(POSTGRES_SERVER)
    try:
        with admin.begin() as connection:
            for pid in pids:
                connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def test_an_idle_connection_killed_by_the_server_is_replaced_before_the_request_uses_it(
    pg_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    create_pg_symposium: Callable[[], Symposium],
) -> None:
    symposium = create_pg_symposium()
    client = pg_app.test_client()
    page = f"/register/{symposium.id}"
    assert client.get(page).status_code == 200
    pids = _backend_pids(pg_app)
    _terminate(pids)
    # Every connection counts as idle: the dead one is found before the request uses it.
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
    answer = client.get(page)
    assert answer.status_code == 200
    assert "Digital skills for MSMEs" in answer.get_data(as_text=True)
    assert _backend_pids(pg_app).isdisjoint(pids)


def test_a_connection_in_steady_use_is_not_tested_first(
    pg_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    create_pg_symposium: Callable[[], Symposium],
) -> None:
    """The trade-off, shown: with no idle time allowed before a test, a connection the server
    killed a moment ago fails the one request that meets it; the pool then starts afresh."""
    symposium = create_pg_symposium()
    client = pg_app.test_client()
    page = f"/register/{symposium.id}"
    assert client.get(page).status_code == 200
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 3600.0)
    _terminate(_backend_pids(pg_app))
    pg_app.config["PROPAGATE_EXCEPTIONS"] = True
    # Met by SQLAlchemy or by a statement sent to psycopg directly: either way it leaves.
    with pytest.raises((sa.exc.OperationalError, psycopg.OperationalError)):
        client.get(page)
    assert client.get(page).status_code == 200


def test_a_connection_lost_while_registering_is_not_handed_out_again(
    pg_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    create_pg_symposium: Callable[[], Symposium],
) -> None:
    """Registering on the open form writes with psycopg directly: a connection
    that breaks there must still leave the pool, as one that breaks under SQLAlchemy does."""
    symposium = create_pg_symposium()
    client = pg_app.test_client()
    page = f"/register/{symposium.id}"
    assert client.get(page).status_code == 200
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 3600.0)
    engine = db.database(pg_app).engine
    with engine.connect() as connection:
        peru = connection.scalar(sa.select(Economy.id).where(Economy.name == "Peru"))
    killed: list[int] = []
    write = registration_rows._locked_and_written

    def killed_before_writing(connection, *args):
        # What a restart of PostgreSQL at that moment does.
        killed.append(connection.connection.driver_connection.info.backend_pid)
        _terminate(set(killed))
        return write(connection, *args)

    def register(email: str):
        fields = {"given_name": "Ana", "family_name": "Pérez", "email": email}
        fields |= {"economy_id": peru, "organisation": "PRODUCE", "job_title": "Analyst"}
        fields |= {"organisation_type": "Government", "sex": "Female", "youth": "no"}
        fields |= {"timezone": "America/Lima", "consent_privacy": "y"}
        return post_form(client, page, fields)

    monkeypatch.setattr(registration_rows, "_locked_and_written", killed_before_writing)
    pg_app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(psycopg.OperationalError):
        register("first@example.pe")
    monkeypatch.setattr(registration_rows, "_locked_and_written", write)
    assert killed and _backend_pids(pg_app).isdisjoint(killed)
    assert register("second@example.pe").status_code == 302
    with engine.connect() as connection:
        stored = connection.scalars(sa.select(Registration.email)).all()
    assert stored == ["second@example.pe"]


def test_a_connection_lost_while_the_open_form_checks_its_symposium_is_not_handed_out_again(
    pg_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    create_pg_symposium: Callable[[], Symposium],
) -> None:
    """The open form checks the symposium it kept with psycopg directly (``kept_symposia``):
    a connection that breaks there leaves the pool too."""
    symposium = create_pg_symposium()
    client = pg_app.test_client()
    page = f"/register/{symposium.id}"
    assert client.get(page).status_code == 200
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 3600.0)
    pids = _backend_pids(pg_app)  # the pool's one connection, which the next request gets
    check = kept_symposia._check

    def killed_before_checking(dialect):
        _terminate(pids)  # what a restart of PostgreSQL at that moment does
        return check(dialect)

    monkeypatch.setattr(kept_symposia, "_check", killed_before_checking)
    pg_app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(psycopg.OperationalError):
        client.get(page)
    monkeypatch.setattr(kept_symposia, "_check", check)
    assert _backend_pids(pg_app).isdisjoint(pids)
    assert client.get(page).status_code == 200


def test_an_outbox_worker_that_loses_its_connection_stops_before_the_next_mail_data(
    pg_app: Flask, smtp_server
) -> None:
    """The worker sends each "sent" without waiting for the answer (libpq directly, as
    SQLAlchemy does not): a connection lost meanwhile must stop the batch before a second mail
    is accepted unrecorded, and leave the pool, so the unsent mail is handed back."""
    use_smtp(pg_app, smtp_server)
    with db.database(pg_app).sessionmaker() as session:
        keys = queue_mails(session, 3)
    engine = db.database(pg_app).engine
    rcpts: list[str] = []
    handle_rcpt = smtp_server.handler.handle_RCPT

    async def rcpt_after_a_restart(server, smtp_session, envelope, address, options):
        rcpts.append(address)
        if len(rcpts) == 2:  # the first mail is accepted and its "sent" on its way
            with engine.connect() as connection:
                deadline = time.monotonic() + 30
                while count(engine, MailStatus.SENT) == 0 and time.monotonic() < deadline:
                    time.sleep(0.01)
                query = "SELECT pid FROM pg_stat_activity WHERE query LIKE 'UPDATE outbox%'"
                query += " AND pid <> pg_backend_pid() AND datname = current_database()"
                recorders = set(connection.scalars(sa.text(query)))
            assert recorders
            _terminate(recorders)  # what a restart of PostgreSQL at that moment does
        return await handle_rcpt(server, smtp_session, envelope, address, options)

    smtp_server.handler.handle_RCPT = rcpt_after_a_restart

    with pytest.raises(OutcomeNotRecorded) as raised:
        deliver(pg_app)

    assert isinstance(raised.value.__cause__, psycopg.OperationalError)
    with db.database(pg_app).sessionmaker() as session:
        statuses = {key: message.status for key, message in rows(session).items()}
    assert statuses == {
        keys[0]: MailStatus.SENT,
        keys[1]: MailStatus.SENDING,  # accepted, not recorded: the one window
        keys[2]: MailStatus.QUEUED,  # handed back on a new connection, no attempt counted
    }
    assert deliver(pg_app).sent == 1
    assert received_keys(smtp_server) == {message_id_for(key, SENDER): 1 for key in keys}


@pytest.fixture
def create_pg_symposium(pg_app: Flask) -> Callable[[], Symposium]:
    def factory() -> Symposium:
        with db.database(pg_app).sessionmaker() as session:
            made = create_symposium(session, symposium_setup())
            session.commit()
            return made

    return factory


def test_the_planner_settings_of_a_claim_end_with_it(pg_app: Flask) -> None:
    """The claim turns off sorting and bitmap scans for its own transaction (so that it walks
    the indexes in order on a table without statistics); the connection then goes back to the
    pool, and the next user of it must plan as usual."""
    with db.database(pg_app).engine.connect() as connection, Session(bind=connection) as session:
        keys = queue_mails(session, 3)
        claimed = claim_batch(session, 10, dt.timedelta(minutes=10))
        assert [mail.idempotency_key for mail in claimed] == keys
        # The same connection, its next transaction.
        settings = sa.text(
            "SELECT current_setting('enable_sort'), current_setting('enable_bitmapscan')"
        )
        assert session.execute(settings).one() == ("on", "on")


def test_a_claim_does_not_wait_for_an_expired_claim_another_worker_holds(pg_app: Flask) -> None:
    """Two workers handing back the same expired claims would each wait for the other's rows:
    a claim leaves the rows another worker holds to it (SKIP LOCKED) instead of waiting."""
    engine = db.database(pg_app).engine
    with db.database(pg_app).sessionmaker() as session:
        keys = queue_mails(session, 3)
    long_ago = utcnow() - dt.timedelta(hours=1)
    died = sa.text(
        "UPDATE outbox_message SET status = 'sending', claimed_at = :at "
        "WHERE idempotency_key IN ('test:0', 'test:1')"
    )
    with engine.begin() as connection:
        connection.execute(died, {"at": long_ago})
    hold = sa.text("SELECT id FROM outbox_message WHERE idempotency_key = 'test:0' FOR UPDATE")
    with engine.connect() as other, db.database(pg_app).sessionmaker() as session:
        other.execute(hold)  # another worker is handing test:0 back at this moment
        session.execute(sa.text("SET LOCAL lock_timeout = '5s'"))  # a wait fails the test
        claimed = claim_batch(session, 10, dt.timedelta(minutes=10))
        assert [mail.idempotency_key for mail in claimed] == keys[1:]
        other.rollback()
    assert count(engine, MailStatus.SENDING) == 3  # test:0 still claimed by the dead worker


def test_a_sent_mail_is_recorded_after_the_connection_lost_its_prepared_statement(
    pg_app: Flask,
) -> None:
    """On PostgreSQL "sent" is a statement prepared once per connection. psycopg deallocates
    every prepared statement of a connection after a rollback there (when it had prepared
    statements of its own): the next "sent" must prepare it again, not stop the batch."""
    engine = db.database(pg_app).engine
    with db.database(pg_app).sessionmaker() as session:
        keys = queue_mails(session, 3)
        mails = rows(session)
    prepared = sa.text(
        "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'symposium_outbox_%'"
    )
    with Recorder(engine) as outcomes:
        outcomes.record_sent(mails[keys[0]])
        assert outcomes.call(lambda connection: connection.scalar(prepared)) == 1
        outcomes.record_sent(mails[keys[1]])  # the same statement, not prepared again
        outcomes.call(lambda connection: connection.exec_driver_sql("DEALLOCATE ALL"))
        outcomes.record_sent(mails[keys[2]])
        outcomes.settle()
        assert outcomes.call(lambda connection: connection.scalar(prepared)) == 1
    assert count(engine, MailStatus.SENT) == 3
