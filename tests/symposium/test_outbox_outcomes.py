"""The outbox worker records each sent mail while the next mail's envelope goes out: what that
must never give up (symposium/outbox_delivery.py, ``_Recorder``). Against a real SMTP server and
a database refusing one write for real (a trigger), not a patched function."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from symposium import db
from symposium.mailers import message_id_for
from symposium.models import MailStatus
from symposium.outbox_delivery import OutcomeNotRecorded
from tests.symposium.outbox_support import SENDER, deliver, queue_mails, rows, use_smtp


def test_a_mail_reaches_the_server_only_once_the_mail_before_it_is_recorded_as_sent(
    app, session, smtp_server
):
    """The invariant as the server sees it. Without the wait before DATA this still passes
    whenever the database happens to be quicker than the envelope; the next test is the one
    that fails for certain without it."""
    use_smtp(app, smtp_server)
    keys = queue_mails(session, 6)
    engine = db.database(app).engine
    seen_at_data: list[dict[str, str]] = []
    handle_data = smtp_server.handler.handle_DATA

    async def data_after_looking(server, smtp_session, envelope):
        # What the database holds when the server is about to accept this mail.
        with engine.connect() as connection:
            query = sa.text("SELECT idempotency_key, status FROM outbox_message")
            seen_at_data.append(dict(connection.execute(query).all()))
        return await handle_data(server, smtp_session, envelope)

    smtp_server.handler.handle_DATA = data_after_looking

    report = deliver(app)

    assert report.sent == 6
    for number, seen in enumerate(seen_at_data):
        assert [seen[key] for key in keys[:number]] == [MailStatus.SENT] * number, number
        assert seen[keys[number]] == MailStatus.SENDING
    assert {m.status for m in rows(session).values()} == {MailStatus.SENT}


@pytest.fixture
def refuse_to_record_sent(app, session):
    """A trigger that makes the database refuse to mark the mail ``test:1`` as sent."""
    engine = db.database(app).engine
    if engine.dialect.name == "sqlite":
        create = [
            "CREATE TRIGGER refuse_sent BEFORE UPDATE OF status ON outbox_message "
            "WHEN NEW.status = 'sent' AND OLD.idempotency_key = 'test:1' "
            "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
        ]
        drop = ["DROP TRIGGER refuse_sent"]
    else:
        create = [
            "CREATE FUNCTION refuse_sent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'the disk is full'; END $$",
            "CREATE TRIGGER refuse_sent BEFORE UPDATE ON outbox_message FOR EACH ROW "
            "WHEN (NEW.status = 'sent' AND OLD.idempotency_key = 'test:1') "
            "EXECUTE FUNCTION refuse_sent()",
        ]
        drop = ["DROP TRIGGER refuse_sent ON outbox_message", "DROP FUNCTION refuse_sent()"]
    with engine.begin() as connection:
        for statement in create:
            connection.execute(sa.text(statement))
    yield
    session.rollback()  # its reads hold a lock on the table that dropping the trigger needs
    with engine.begin() as connection:
        for statement in drop:
            connection.execute(sa.text(statement))


def test_when_a_sent_mail_cannot_be_recorded_the_next_mail_is_not_sent(
    app, session, smtp_server, refuse_to_record_sent
):
    use_smtp(app, smtp_server)
    keys = queue_mails(session, 4)

    with pytest.raises(OutcomeNotRecorded) as raised:
        deliver(app)

    assert "the disk is full" in str(raised.value.__cause__)
    # Mail 1 went out but is not recorded; mail 2's envelope had gone out, its data had not.
    received = [message["Message-ID"] for message in smtp_server.messages]
    assert received == [message_id_for(key, SENDER) for key in keys[:2]]
    statuses = {key: message.status for key, message in rows(session).items()}
    assert statuses == {
        "test:0": MailStatus.SENT,
        "test:1": MailStatus.SENDING,  # sent again once its lease runs out: the one window
        "test:2": MailStatus.QUEUED,  # handed back, due at once, no attempt counted
        "test:3": MailStatus.QUEUED,
    }
    assert rows(session)["test:2"].attempts == 0
