"""The mail outbox against a real SMTP server: queuing, delivery, retries, concurrent workers,
the organiser page (worker processes, crashes and the command: test_outbox_worker.py)."""

from __future__ import annotations

import datetime as dt
import threading
import time

from symposium import db
from symposium.models import MailStatus, utcnow
from symposium.outbox import Attachment, queue_mail, withdraw_queued
from symposium.outbox_delivery import retry_delay
from tests.conftest import post_form
from tests.registration.test_registration import MANAGE, form
from tests.symposium.outbox_support import (
    SENDER,
    count,
    deliver,
    expected_keys,
    queue_mails,
    received_keys,
    rows,
    use_smtp,
)

# --- queuing ----------------------------------------------------------------------------


def test_a_queued_mail_lives_and_dies_with_the_callers_transaction(session):
    queue_mail(session, "gic:1:focal-1", "fp@example.org", "Circular", "Hello")
    session.rollback()
    assert rows(session) == {}

    first = queue_mail(session, "gic:1:focal-1", "fp@example.org", "Circular", "Hello")
    session.commit()
    again = queue_mail(session, "gic:1:focal-1", "fp@example.org", "Circular (again)", "Hi")
    session.commit()
    assert again == first
    assert [m.subject for m in rows(session).values()] == ["Circular"]


def test_a_mail_still_queued_can_be_withdrawn_but_not_one_that_went_out(
    app, client, login, session
):
    queue_mails(session, 3)
    messages = rows(session)
    messages["test:1"].status = MailStatus.SENDING  # a worker has it in hand
    messages["test:2"].status = MailStatus.SENT
    session.commit()

    assert withdraw_queued(session, "test:0", "the invitation was revoked")
    assert not withdraw_queued(session, "test:1", "the invitation was revoked")
    assert not withdraw_queued(session, "test:2", "the invitation was revoked")
    assert not withdraw_queued(session, "test:9", "no such mail")
    session.commit()
    assert {k: (m.status, m.last_error) for k, m in rows(session).items()} == {
        "test:0": ("failed", "withdrawn before sending: the invitation was revoked"),
        "test:1": ("sending", None),
        "test:2": ("sent", None),
    }

    # Queuing failed mails again leaves a withdrawn one failed: its reason still holds.
    login()
    page = client.get("/outbox?status=failed").get_data(as_text=True)
    assert "withdrawn before sending" in page and "Queue again" not in page
    one = post_form(client, f"/outbox/{messages['test:0'].id}/requeue", {}, follow_redirects=True)
    assert "it is not queued again" in one.get_data(as_text=True)
    every = post_form(client, "/outbox/requeue-failed", {}, follow_redirects=True)
    assert "No failed mail to queue again." in every.get_data(as_text=True)
    assert rows(session)["test:0"].status == MailStatus.FAILED


def test_one_key_queued_by_two_transactions_at_once_is_one_mail(app, session):
    mine = queue_mail(session, "invite:7", "guest@example.org", "Invitation", "Come")
    session.flush()  # holds the key, not yet committed
    theirs: list[int] = []

    def queue_from_another_transaction() -> None:
        with db.database(app).sessionmaker() as other:
            theirs.append(queue_mail(other, "invite:7", "guest@example.org", "Invitation", ""))
            other.commit()

    racer = threading.Thread(target=queue_from_another_transaction)
    racer.start()
    racer.join(timeout=0.5)
    assert racer.is_alive(), "the other insert waits for this transaction"
    session.commit()
    racer.join(timeout=30)
    assert theirs == [mine]
    assert list(rows(session)) == ["invite:7"]


# --- delivery ---------------------------------------------------------------------------


def test_a_batch_goes_over_one_connection_and_arrives_whole(app, session, smtp_server):
    use_smtp(app, smtp_server)
    keys = queue_mails(session, 4)
    pdf = Attachment("circular.pdf", "application/pdf", b"%PDF-1.7 test")
    queue_mail(session, "with-pdf", "chair@example.org", "Circular", "See attached.", [pdf])
    session.commit()

    report = deliver(app)

    assert (report.claimed, report.sent, report.failed) == (5, 5, 0)
    assert smtp_server.connections == 1
    assert received_keys(smtp_server) == expected_keys([*keys, "with-pdf"])
    by_recipient = {m.envelope_recipients[0]: m for m in smtp_server.messages}
    assert sorted(by_recipient) == sorted(
        [*(f"person{n}@example.org" for n in range(4)), "chair@example.org"]
    )
    with_pdf = by_recipient["chair@example.org"]
    assert with_pdf["Subject"] == "Circular" and with_pdf.envelope_from == SENDER
    assert with_pdf.get_body(("plain",)).get_content().strip() == "See attached."
    (attachment,) = with_pdf.iter_attachments()
    assert attachment.get_filename() == "circular.pdf"
    assert attachment.get_content() == b"%PDF-1.7 test"
    assert all(m.status == MailStatus.SENT and m.sent_at for m in rows(session).values())
    assert deliver(app).claimed == 0  # nothing is sent twice


def test_a_sent_mail_keeps_no_personal_link_that_works(
    app, client, session, smtp_server, economies, create_symposium_record
):
    """Personal links are stored only as hashes; the kept copy of a sent mail is no
    exception. A mail that was not delivered keeps its link for the next attempt."""
    use_smtp(app, smtp_server)
    symposium = create_symposium_record()
    for email in ("ana@example.pe", "refused@example.pe"):
        fields = form(economies, email=email)
        assert post_form(client, f"/register/{symposium.id}", fields).status_code == 302
    smtp_server.reject("refused@example.pe")
    deliver(app)

    (received,) = smtp_server.messages
    token = MANAGE.search(received.get_body(("plain",)).get_content()).group(1)
    assert client.get(f"/registration/{token}").status_code == 200  # the link that was sent
    kept = {m.recipient: m for m in rows(session).values()}
    assert kept["ana@example.pe"].status == MailStatus.SENT
    assert token not in kept["ana@example.pe"].body
    assert "/registration/[link-removed]" in kept["ana@example.pe"].body
    # The rest is kept as it went out, accents and all ("Pérez").
    sent_text = received.get_body(("plain",)).get_content()
    assert "Pérez" in sent_text
    expected = sent_text.replace(token, "[link-removed]").splitlines()
    assert kept["ana@example.pe"].body.splitlines() == expected
    refused = kept["refused@example.pe"]
    assert refused.status == MailStatus.FAILED and MANAGE.search(refused.body) is not None


def test_a_subject_from_a_title_with_a_line_break_or_too_long_still_goes_out(
    app, session, smtp_server
):
    # A title posted with a line break (no browser sends one, a script can), or so long that
    # the subject's prefix takes it over the column: the mail is queued and arrives.
    use_smtp(app, smtp_server)
    queue_mail(session, "broken", "a@example.org", "Your link: Digital\r\nskills  for", "Hi")
    queue_mail(session, "long", "b@example.org", "Registration confirmed: " + "x" * 300, "Hi")
    session.commit()

    report = deliver(app)

    assert (report.sent, report.failed) == (2, 0)
    subjects = {m.envelope_recipients[0]: m["Subject"] for m in smtp_server.messages}
    assert subjects["a@example.org"] == "Your link: Digital skills for"
    long = subjects["b@example.org"]
    assert len(long) == 300 and long.startswith("Registration confirmed: xxx") and long[-1] == "…"


def test_a_refused_recipient_fails_with_the_reply_and_the_rest_go_through(
    app, session, smtp_server
):
    use_smtp(app, smtp_server)
    queue_mails(session, 3)
    smtp_server.reject("person1@example.org")

    report = deliver(app)

    assert (report.sent, report.failed, report.retrying) == (2, 1, 0)
    assert smtp_server.connections == 1  # the refusal did not cost the connection
    assert sorted(smtp_server.recipients()) == ["person0@example.org", "person2@example.org"]
    refused = rows(session)["test:1"]
    # A 5xx reply is final: retrying would only be refused again.
    assert refused.status == MailStatus.FAILED and refused.attempts == 1
    assert "550 5.1.1 Mailbox unavailable" in refused.last_error


def test_a_temporary_refusal_is_retried_with_back_off_up_to_the_limit(app, session, smtp_server):
    use_smtp(app, smtp_server)
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue_mails(session, 1)
    smtp_server.reject("person0@example.org", "451 4.3.0 Try again later")

    for attempt in (1, 2):
        before = utcnow()
        assert deliver(app).retrying == 1
        message = rows(session)["test:0"]
        assert (message.status, message.attempts) == (MailStatus.QUEUED, attempt)
        assert "451 4.3.0 Try again later" in message.last_error
        wait = message.next_attempt_at - before
        assert retry_delay(attempt) <= wait < retry_delay(attempt) + dt.timedelta(seconds=5)
        assert deliver(app).claimed == 0, "not due before its back-off"
        message.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
        session.commit()

    assert deliver(app).failed == 1
    message = rows(session)["test:0"]
    assert (message.status, message.attempts) == (MailStatus.FAILED, 3)
    assert smtp_server.messages == []


def test_back_off_doubles_from_a_minute():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [
        dt.timedelta(minutes=minutes) for minutes in (1, 2, 4, 8)
    ]


def test_an_unreachable_server_leaves_every_mail_queued_for_a_retry(app, session, smtp_server):
    use_smtp(app, smtp_server)
    app.config["MAIL_PORT"] = 1  # nothing listens there
    queue_mails(session, 3)

    report = deliver(app)

    assert (report.claimed, report.retrying, report.sent) == (3, 3, 0)
    for message in rows(session).values():
        assert (message.status, message.attempts) == (MailStatus.QUEUED, 1)
        assert "ConnectionRefusedError" in message.last_error


def test_a_worker_whose_lease_ran_out_skips_mails_another_took_over(app, session, smtp_server):
    use_smtp(app, smtp_server)
    keys = queue_mails(session, 10)
    lease = dt.timedelta(seconds=0.1)
    slow: list = []
    worker = threading.Thread(
        target=lambda: slow.append(deliver(app, lease=lease, pause=0.6)), daemon=True
    )
    worker.start()
    assert smtp_server.wait_for(1)
    time.sleep(0.2)  # the slow worker's claims on the other nine are now past their lease
    fast = deliver(app, lease=lease)
    worker.join(timeout=30)

    assert fast.sent == 9 and slow[0].sent == 1
    assert received_keys(smtp_server) == expected_keys(keys)


def test_concurrent_workers_send_each_mail_exactly_once(app, session, smtp_server):
    use_smtp(app, smtp_server)
    keys = queue_mails(session, 200)
    start = threading.Barrier(4)
    reports: list[list] = [[] for _ in range(4)]

    def work(mine: list) -> None:
        start.wait()
        while (report := deliver(app, batch_size=10)).claimed:
            mine.append(report)

    workers = [threading.Thread(target=work, args=(mine,)) for mine in reports]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert received_keys(smtp_server) == expected_keys(keys)
    assert count(db.database(app).engine, MailStatus.SENT) == 200
    batches = [report for mine in reports for report in mine]
    assert sum(report.sent for report in batches) == 200
    assert smtp_server.connections == len(batches)  # one connection per batch
    assert sum(1 for mine in reports if mine) >= 2, "the workers really ran side by side"


# --- the organiser page ------------------------------------------------------------------


def test_organiser_sees_a_failed_mail_with_its_error_and_queues_it_again(
    app, client, login, session, smtp_server
):
    use_smtp(app, smtp_server)
    queue_mails(session, 2)
    smtp_server.reject("person1@example.org", "550 5.1.1 No such person here")
    deliver(app)
    failed = rows(session)["test:1"]
    login()

    page = client.get("/outbox?status=failed").get_data(as_text=True)
    assert "person1@example.org" in page and "550 5.1.1 No such person here" in page
    assert "person0@example.org" not in page
    assert f'action="/outbox/{failed.id}/requeue"' in page

    response = post_form(client, f"/outbox/{failed.id}/requeue", {"status": "failed"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/outbox?status=failed"
    assert "is queued again" in client.get("/outbox").get_data(as_text=True)
    assert (rows(session)["test:1"].status, rows(session)["test:1"].attempts) == ("queued", 0)

    smtp_server.accept("person1@example.org")
    assert deliver(app).sent == 1
    assert smtp_server.recipients() == ["person0@example.org", "person1@example.org"]
    sent_page = client.get("/outbox?status=sent").get_data(as_text=True)
    assert "person1@example.org" in sent_page


def test_queue_all_failed_again_leaves_other_mail_alone(app, client, login, session):
    queue_mails(session, 3)
    messages = rows(session)
    for key in ("test:0", "test:2"):
        messages[key].status, messages[key].attempts = MailStatus.FAILED, 5
    messages["test:1"].status = MailStatus.SENT
    session.commit()
    login()

    response = post_form(client, "/outbox/requeue-failed", {}, follow_redirects=True)

    assert "2 failed mails are queued again" in response.get_data(as_text=True)
    assert {k: (m.status, m.attempts) for k, m in rows(session).items()} == {
        "test:0": ("queued", 0),
        "test:1": ("sent", 0),
        "test:2": ("queued", 0),
    }
    not_failed = post_form(client, f"/outbox/{messages['test:1'].id}/requeue", {})
    assert not_failed.status_code == 302
    assert "Only failed mails" in client.get("/outbox").get_data(as_text=True)
    assert rows(session)["test:1"].status == MailStatus.SENT
    assert post_form(client, "/outbox/999999/requeue", {}).status_code == 404


def test_viewer_reads_the_outbox_but_cannot_queue_anything_again(client, login, session):
    queue_mails(session, 1)
    message = rows(session)["test:0"]
    message.status, message.last_error = MailStatus.FAILED, "550 refused"
    session.commit()
    login("viewer")

    page = client.get("/outbox").get_data(as_text=True)
    assert "550 refused" in page and "Queue again" not in page
    assert post_form(client, f"/outbox/{message.id}/requeue", {}).status_code == 403
    assert post_form(client, "/outbox/requeue-failed", {}).status_code == 403
    assert rows(session)["test:0"].status == MailStatus.FAILED


def test_the_listing_is_newest_first_filtered_and_paged(client, login, session):
    queue_mails(session, 205)
    rows(session)["test:3"].status = MailStatus.SENT
    session.commit()
    login()

    first = client.get("/outbox").get_data(as_text=True)
    assert first.count('<tr id="message-') == 100
    assert first.index("person204@") < first.index("person203@") < first.index("person105@")
    assert "person104@" not in first and "Page 1 of 3" in first
    last = client.get("/outbox?page=3").get_data(as_text=True)
    assert last.count('<tr id="message-') == 5 and "person0@" in last
    assert client.get("/outbox?page=4").status_code == 404
    sent = client.get("/outbox?status=sent").get_data(as_text=True)
    assert sent.count('<tr id="message-') == 1 and "person3@" in sent
    assert client.get("/outbox?status=lost").status_code == 400


def test_the_page_says_when_mail_has_stopped_going_out(client, login, session):
    queue_mails(session, 2)
    session.commit()
    login()
    page = client.get("/outbox").get_data(as_text=True)
    assert "Mail is not going out" not in page  # just queued: a worker would send it now

    waiting = rows(session)["test:1"]
    waiting.next_attempt_at = utcnow() - dt.timedelta(minutes=15)
    session.commit()
    page = client.get("/outbox?status=sent").get_data(as_text=True)  # on every filter
    notice = page[page.index('id="outbox-stalled"') :].split("</div>")[0]
    assert "Mail is not going out" in notice
    assert f"{waiting.next_attempt_at:%-d %b %Y %H:%M} UTC" in notice

    waiting.status = MailStatus.SENT  # delivered after all: the warning goes
    session.commit()
    assert "Mail is not going out" not in client.get("/outbox").get_data(as_text=True)
