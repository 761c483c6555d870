"""The mail outbox against a real SMTP server: delivery, retries, workers, crashes, the page."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from symposium import db
from symposium.mailers import mailer_for, message_id_for
from symposium.models import MailStatus, OutboxMessage, utcnow
from symposium.outbox import Attachment, queue_mail
from symposium.outbox_delivery import deliver_batch, retry_delay
from tests.conftest import post_form

REPO = Path(__file__).resolve().parents[2]
SENDER = "symposium@localhost"


def queue_mails(session, count: int, prefix: str = "test") -> list[str]:
    """Queue and commit ``count`` mails, each to its own recipient; return their keys."""
    keys = [f"{prefix}:{number}" for number in range(count)]
    for number, key in enumerate(keys):
        queue_mail(session, key, f"person{number}@example.org", f"Mail {number}", f"Body {key}")
    session.commit()
    return keys


def use_smtp(app, server) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST=server.host, MAIL_PORT=server.port)


def deliver(app, **options):
    """One batch, configured as ``flask outbox send`` configures it."""
    sessions = db.database(app).sessionmaker
    options.setdefault("max_attempts", app.config["MAIL_MAX_ATTEMPTS"])
    return deliver_batch(sessions, lambda: mailer_for(app.config), **options)


def rows(session) -> dict[str, OutboxMessage]:
    """Every outbox row by idempotency key, as the database has it now."""
    session.expire_all()
    return {m.idempotency_key: m for m in session.scalars(sa.select(OutboxMessage))}


def count(engine, status: str) -> int:
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).where(OutboxMessage.status == status)
        return connection.scalar(query.select_from(OutboxMessage))


def received_keys(server) -> Counter:
    """How often each Message-ID (so each idempotency key) reached the server."""
    return Counter(message["Message-ID"] for message in server.messages)


def expected_keys(keys) -> Counter:
    return Counter({message_id_for(key, SENDER): 1 for key in keys})


def start_worker(database_url, server, tmp_path, *options) -> subprocess.Popen:
    """``flask outbox send …`` in a process of its own, on the test's database and server."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "x",
        "MAIL_BACKEND": "smtp",
        "MAIL_HOST": server.host,
        "MAIL_PORT": str(server.port),
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", *options]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
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
    assert again.id == first.id
    assert [m.subject for m in rows(session).values()] == ["Circular"]


def test_one_key_queued_by_two_transactions_at_once_is_one_mail(app, session):
    mine = queue_mail(session, "invite:7", "guest@example.org", "Invitation", "Come")
    session.flush()  # holds the key, not yet committed
    theirs: list[int] = []

    def queue_from_another_transaction() -> None:
        with db.database(app).sessionmaker() as other:
            theirs.append(queue_mail(other, "invite:7", "guest@example.org", "Invitation", "").id)
            other.commit()

    racer = threading.Thread(target=queue_from_another_transaction)
    racer.start()
    racer.join(timeout=0.5)
    assert racer.is_alive(), "the other insert waits for this transaction"
    session.commit()
    racer.join(timeout=30)
    assert theirs == [mine.id]
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


def test_concurrent_worker_processes_send_each_mail_exactly_once(
    app, session, smtp_server, database_url, tmp_path
):
    keys = queue_mails(session, 200)
    workers = [
        start_worker(database_url, smtp_server, tmp_path, "--batch", "10", "--pause-ms", "20")
        for _ in range(3)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0, 0], outputs
    assert received_keys(smtp_server) == expected_keys(keys)
    assert count(db.database(app).engine, MailStatus.SENT) == 200
    batch_lines = [out.count("Batch of") for out, _ in outputs]
    assert smtp_server.connections == sum(batch_lines)
    assert sum(1 for lines in batch_lines if lines) >= 2, "the workers really ran side by side"


def test_a_worker_killed_mid_batch_loses_no_mail_and_sends_none_twice(
    app, session, smtp_server, database_url, tmp_path
):
    keys = queue_mails(session, 30)
    engine = db.database(app).engine
    worker = start_worker(database_url, smtp_server, tmp_path, "--batch", "50", "--pause-ms", "200")
    try:
        # Kill right after a "sent" commit, during the pause before the next mail: mid-batch,
        # outside the one window the outbox documents (between acceptance and commit).
        deadline = time.monotonic() + 60
        while not (5 <= (sent := count(engine, MailStatus.SENT)) == len(smtp_server.messages)):
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline, "the worker sent too little in a minute"
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        worker.kill()
    assert worker.returncode == -signal.SIGKILL
    assert sent == len(smtp_server.messages) < 30
    assert count(engine, MailStatus.SENDING) == 30 - sent  # claimed, left behind by the kill

    rerun = start_worker(database_url, smtp_server, tmp_path, "--lease-seconds", "0")
    output, errors = rerun.communicate(timeout=60)

    assert rerun.returncode == 0, errors
    assert f"{30 - sent} sent" in output
    assert received_keys(smtp_server) == expected_keys(keys)
    assert sorted(smtp_server.recipients()) == sorted(f"person{n}@example.org" for n in range(30))
    assert count(engine, MailStatus.SENT) == 30


def test_sigterm_finishes_the_mail_in_hand_and_hands_the_rest_back(
    app, session, smtp_server, database_url, tmp_path
):
    keys = queue_mails(session, 10)
    options = ("--loop", "--interval", "0.2", "--pause-ms", "300")
    worker = start_worker(database_url, smtp_server, tmp_path, *options)
    assert smtp_server.wait_for(2, timeout=60)
    worker.send_signal(signal.SIGTERM)
    output, errors = worker.communicate(timeout=30)

    assert worker.returncode == 0, errors
    assert "handed back unsent" in output
    delivered = len(smtp_server.messages)
    messages = rows(session).values()
    assert Counter(m.status for m in messages) == {"sent": delivered, "queued": 10 - delivered}
    assert all(m.attempts == 0 for m in messages if m.status == MailStatus.QUEUED)

    rerun = start_worker(database_url, smtp_server, tmp_path)
    assert rerun.wait(timeout=60) == 0
    assert received_keys(smtp_server) == expected_keys(keys)


def test_sigterm_stops_an_idle_loop_without_waiting_for_the_next_poll(
    app, smtp_server, database_url, tmp_path
):
    worker = start_worker(database_url, smtp_server, tmp_path, "--loop", "--interval", "60")
    assert "polling every 60 s" in worker.stdout.readline()
    stopped_at = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert time.monotonic() - stopped_at < 10


# --- command line ------------------------------------------------------------------------


def test_send_writes_eml_files_by_default_and_status_counts(app, runner, session, tmp_path):
    keys = queue_mails(session, 2)
    queue_mail(session, "later", "later@example.org", "Later", "Not yet")
    rows(session)["later"].next_attempt_at = utcnow() + dt.timedelta(hours=1)
    session.commit()

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert "Done: 2 sent, 0 to retry, 0 failed." in result.output
    mails = [path.read_text() for path in (tmp_path / "mail").glob("*.eml")]
    assert len(mails) == 2
    assert all(sum(f"Body {key}" in mail for mail in mails) == 1 for key in keys)
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0
    lines = dict(line.split() for line in status.output.splitlines())
    assert lines == {"queued": "1", "sending": "0", "sent": "2", "failed": "0"}


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
