"""Registering on the open form when several people press the button at the same moment, and
when the database refuses part of a registration: capacity holds, an address registers once,
and a registration is kept with its mail or not at all, on both databases."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from registration.models import Registration
from registration.registration_rows import LOCK_PLACES
from symposium.models import OutboxMessage
from tests.conftest import at_once, csrf_token, posted_at_once, waiting_for_the_lock
from tests.registration.test_registration import form, mails, registrations


def test_200_registrants_at_once_for_the_last_50_places(
    app, session, economies, create_symposium_record, create_registration
):
    symposium = create_symposium_record(capacity=60)
    for number in range(10):
        create_registration(symposium, email=f"early{number}@example.org")
    url = f"/register/{symposium.id}"
    pages = posted_at_once(
        [
            (app.test_client(), url, form(economies, email=f"late{i}@example.org"))
            for i in range(200)
        ]
    )
    assert all("A mail with the details is on its way" in page for page in pages)
    people = registrations(session)
    late = [p for p in people if p.email.startswith("late")]
    assert len(late) == 200 and len({p.email for p in late}) == 200
    assert sum(p.status == "confirmed" for p in people) == 60
    assert sum(p.status == "waiting" for p in late) == 150
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 200
    # Each mail is built before the lock for a place; when the last place went meanwhile, the
    # registrant is told about the waiting list instead.
    subjects = {"confirmed": "Registration confirmed", "waiting": "Waiting list"}
    for person in late:
        (mail,) = mails(session, person.email)
        assert mail.subject.startswith(subjects[person.status]), (person.status, mail.subject)


@pytest.mark.parametrize("full", [False, True], ids=["a place left", "full"])
def test_a_registration_whose_mail_cannot_be_queued_leaves_nothing_behind(
    app, client, session, economies, create_symposium_record, create_registration, full
):
    """The registration and its mail are one transaction, whichever way they are written (one
    statement for a place, the mail built again for the waiting list): when the database
    refuses the mail, the registration is not kept either."""
    symposium = create_symposium_record(capacity=1)
    if full:
        create_registration(symposium, email="first@example.org")
    token = csrf_token(client)
    client.get(f"/register/{symposium.id}")  # the settings row exists, as for anyone after
    postgresql = session.get_bind().dialect.name == "postgresql"
    refusal = (
        "CREATE FUNCTION refuse_mail() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the outbox is full'; END $$; "
        "CREATE TRIGGER refuse_mail BEFORE INSERT ON outbox_message "
        "FOR EACH ROW EXECUTE FUNCTION refuse_mail()"
        if postgresql
        else "CREATE TRIGGER refuse_mail BEFORE INSERT ON outbox_message "
        "BEGIN SELECT RAISE(ABORT, 'the outbox is full'); END"
    )
    with session.get_bind().begin() as connection:
        connection.exec_driver_sql(refusal)
    try:
        # From SQLAlchemy, or from the driver for the statement that registering sends itself.
        with pytest.raises((sa.exc.DBAPIError, psycopg.Error), match="the outbox is full"):
            client.post(
                f"/register/{symposium.id}",
                data={"csrf_token": token, **form(economies, email="late@example.org")},
            )
    finally:
        with session.get_bind().begin() as connection:
            connection.exec_driver_sql(
                "DROP TRIGGER refuse_mail" + (" ON outbox_message" if postgresql else "")
            )
            if postgresql:
                connection.exec_driver_sql("DROP FUNCTION refuse_mail()")
    assert [p.email for p in registrations(session)] == (["first@example.org"] if full else [])
    assert mails(session, "late@example.org") == []
    # The form still takes the registration once the mail can be queued.
    response = client.post(
        f"/register/{symposium.id}",
        data={"csrf_token": token, **form(economies, email="late@example.org")},
    )
    assert response.status_code == 302
    (late,) = [p for p in registrations(session) if p.email == "late@example.org"]
    assert late.status == ("waiting" if full else "confirmed")
    assert len(mails(session, "late@example.org")) == 1


def test_one_address_sent_from_six_browsers_at_once_registers_once(
    app, session, economies, create_symposium_record
):
    symposium = create_symposium_record(capacity=10)
    clients = [app.test_client() for _ in range(6)]
    pages = at_once(clients, f"/register/{symposium.id}", form(economies))
    assert sum("You are registered." in page for page in pages) == 1
    assert sum("This e-mail address is already registered" in page for page in pages) == 5
    (person,) = registrations(session)
    assert person.status == "confirmed" and len(mails(session, "ana@example.pe")) == 1


def test_a_registrant_kept_waiting_for_the_lock_counts_the_places_left_once_it_has_it(
    app, client, session, economies, create_symposium_record, create_registration
):
    """Another registration holds the symposium's lock and takes its last place while a
    registrant's write waits for that lock: the registrant joins the waiting list (the places
    are counted as they are once the lock is granted, not as they were when the write began)."""
    symposium = create_symposium_record(capacity=1)
    url = f"/register/{symposium.id}"
    token = csrf_token(client)
    client.get(url)  # the settings row exists, as for anyone after
    # The other registration: the lock, then the last place, not yet committed.
    session.execute(LOCK_PLACES, {"locked_symposium": symposium.id})
    peru = economies["Peru"]
    values = form(economies, email="other@example.org", youth=False, economy_id=peru.id)
    values = {k: v for k, v in values.items() if not k.startswith("consent")}
    session.add(
        Registration(
            symposium_id=symposium.id, **values, role="participant", status="confirmed",
            privacy_notice_version=1,
        )
    )  # fmt: skip
    session.flush()
    response = waiting_for_the_lock(
        app,
        session,
        lambda: client.post(
            url, data={"csrf_token": token, **form(economies)}, follow_redirects=True
        ),
    )
    assert "on the waiting list" in response.get_data(as_text=True)
    statuses = {p.email: p.status for p in registrations(session)}
    assert statuses == {"other@example.org": "confirmed", "ana@example.pe": "waiting"}
    (mail,) = mails(session, "ana@example.pe")
    assert mail.subject.startswith("Waiting list")
