"""The open registration form keeps the symposium, its days and its settings between requests
(on PostgreSQL): whatever changes them, the next registrant sees the change at once, and while
nothing changes they are not read again."""

from __future__ import annotations

import sqlalchemy as sa

from symposium import db
from tests.conftest import post_form
from tests.registration.test_registration import form, mails, registrations


def test_a_change_made_anywhere_reaches_the_next_registrant_at_once(
    app, client, session, economies, invited_symposium
):
    url = f"/register/{invited_symposium.id}"
    engine = db.database(app).engine
    where = {"id": invited_symposium.id}

    def changed(statement: str) -> None:
        # Behind the app's back, as psql or a migration would: not through its objects.
        with engine.begin() as connection:
            connection.execute(sa.text(statement), where)

    def registered(email: str) -> list[str]:
        """Register ``email``; the statements the app ran that read the symposium."""
        statements: list[str] = []

        def seen(connection, cursor, statement, *_) -> None:
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            response = post_form(client, url, form(economies, email=email))
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        assert response.status_code == 302
        return [s for s in statements if "FROM symposium" in s]

    client.get(url)  # makes the settings row (its first use)
    client.get(url)  # keeps the rows
    reads = registered("first@example.pe")
    if engine.dialect.name == "postgresql":
        assert reads == [], "unchanged since the page was shown: checked, not read again"
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
