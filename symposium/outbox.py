"""The mail outbox: mails are rows written with the change that causes them; workers send them.

How a mail is neither lost nor sent twice:

- ``queue_mail`` writes the row in the caller's transaction, so a mail exists exactly when the
  change that causes it was committed. Its idempotency key names the purpose and the recipient:
  queuing the same key again yields the same row.
- A worker claims a batch (status ``sending``, ``claimed_at``) in one commit, with
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional update on every database, so two
  workers never claim the same row.
- Before each mail the worker makes sure it still holds the claim: one younger than half the
  lease cannot have been taken over; an older one is renewed (only if still held). It sends the
  mail and commits "sent" at once. A worker killed mid-batch leaves its unsent claims in
  ``sending``; once the lease (counted from the last renewal) runs out, another worker takes
  them over.
  A worker asked to stop (SIGTERM) finishes the mail in hand and hands the rest back at once.
- A mail refused with a 5xx reply fails at once; other errors are retried with back-off (1, 2,
  4… minutes) until ``MAIL_MAX_ATTEMPTS``, then it fails. Organisers can queue it again.

The one residual window lies between the mail server accepting a mail (its reply to the data)
and the commit of "sent" — one round trip to the database. A worker killed there, or losing
its database there, leaves a delivered mail in ``sending``, and it is sent again when the lease
runs out; a connection lost while waiting for that reply is the same window seen from the
other side (the mail may have been accepted, so it is retried). SMTP offers no way to close
it; the Message-ID derived from the idempotency key lets mail clients drop such a copy.
Keep the lease well above the SMTP timeout (30 s), or a slow send can be taken over.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from symposium.mailers import Mailer, breaks_connection, describe_error, is_permanent
from symposium.models import MailStatus, OutboxMessage, utcnow

MAX_ATTEMPTS = 5  # the default of MAIL_MAX_ATTEMPTS
PAGE_SIZE = 100


class RequeueError(ValueError):
    """A mail that cannot be queued again; the message says why."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def queue_mail(
    session: Session,
    key: str,
    recipient: str,
    subject: str,
    body: str,
    attachments: Iterable[Attachment] = (),
) -> OutboxMessage:
    """Queue a mail in the caller's transaction; a key already queued returns that mail."""
    find = sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    existing = session.scalar(find)
    if existing is not None:
        return existing
    values = {
        "idempotency_key": key,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ],
    }
    # Another transaction may queue the same key meanwhile: then this insert waits for it and
    # does nothing. (A savepoint would not do: on SQLite, releasing a savepoint that opened the
    # transaction commits it, and the mail would no longer go with the caller's change.)
    insert = _insert_for(session.get_bind().dialect.name)
    session.execute(
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[OutboxMessage.idempotency_key])
    )
    return session.scalars(find).one()


def _insert_for(dialect: str):
    """The INSERT construct of ``dialect``, which knows ON CONFLICT DO NOTHING."""
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"The outbox runs on PostgreSQL or SQLite, not {dialect}.")


def _due(now: dt.datetime, lease: dt.timedelta) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        # Claimed by a worker that died before sending: its lease has run out.
        sa.and_(
            OutboxMessage.status == MailStatus.SENDING, OutboxMessage.claimed_at <= now - lease
        ),
    )


def claim_batch(session: Session, limit: int, lease: dt.timedelta) -> list[OutboxMessage]:
    """Mark up to ``limit`` due mails as being sent by this worker, and commit."""
    claimed: list[int] = []
    while not claimed:
        now = utcnow()
        query = sa.select(OutboxMessage.id).where(_due(now, lease)).order_by(OutboxMessage.id)
        query = query.limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        candidates = session.scalars(query).all()
        if not candidates:
            break
        # One statement for the batch; the condition is checked again row by row, so mails
        # another worker claimed since the select (SQLite has no SKIP LOCKED) are left out.
        claimed = list(
            session.scalars(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(candidates), _due(now, lease))
                .values(
                    status=MailStatus.SENDING,
                    claimed_at=now,
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        # Commit even an empty claim: on SQLite the lost update holds the write lock. Another
        # worker took every candidate, so look again.
        session.commit()
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.id.in_(claimed))
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)  # the session may hold them unclaimed
        )
    )


def retry_delay(attempts: int) -> dt.timedelta:
    """Back-off after a failed attempt: 1, 2, 4, 8… minutes."""
    return dt.timedelta(minutes=2 ** max(attempts - 1, 0))


@dataclass
class DeliveryReport:
    """What one run of ``deliver_batch`` did with the mails it claimed."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0  # handed back unsent (stop asked for, or the connection broke)

    def add(self, other: DeliveryReport) -> None:
        """Add another run's figures to these."""
        for name in ("claimed", "sent", "retrying", "failed", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def deliver_batch(
    sessions: sessionmaker[Session],
    mailer_factory: Callable[[], Mailer],
    *,
    batch_size: int = 50,
    lease: dt.timedelta = dt.timedelta(minutes=10),
    max_attempts: int = MAX_ATTEMPTS,
    pause: float = 0.0,
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """Claim a batch and send it over one connection, committing each outcome at once.

    ``pause`` waits that many seconds between mails; once ``stop`` is set the mail in hand is
    finished and the rest of the batch is handed back for another run.
    """
    report = DeliveryReport()
    with sessions() as session:
        batch = claim_batch(session, batch_size, lease)
        report.claimed = len(batch)
        if batch:
            _send_batch(
                session,
                batch,
                mailer_factory,
                report,
                lease=lease,
                max_attempts=max_attempts,
                pause=pause,
                stop=stop or threading.Event(),
            )
    return report


def _send_batch(
    session: Session,
    batch: list[OutboxMessage],
    mailer_factory: Callable[[], Mailer],
    report: DeliveryReport,
    *,
    lease: dt.timedelta,
    max_attempts: int,
    pause: float,
    stop: threading.Event,
) -> None:
    # Claim tokens: a claim is ours while the row still carries the claimed_at we gave it.
    tokens = {message.id: message.claimed_at for message in batch}
    pending = list(batch)
    try:
        with contextlib.ExitStack() as connection:
            try:
                mailer = connection.enter_context(mailer_factory())
            except Exception as error:  # no connection: every mail of the batch waits its turn
                for message in pending:
                    token = tokens[message.id]
                    _record_failure(session, message, token, error, max_attempts, report)
                pending.clear()
                return
            while pending and not stop.is_set():
                message = pending.pop(0)
                tried, error = _send_one(
                    session, mailer, message, tokens, lease, max_attempts, report
                )
                if error is not None and breaks_connection(error):
                    break
                if tried and pause and pending:
                    stop.wait(pause)
    finally:
        if pending:
            _release(session, pending, tokens, report)


def _send_one(
    session: Session,
    mailer: Mailer,
    message: OutboxMessage,
    tokens: dict[int, dt.datetime | None],
    lease: dt.timedelta,
    max_attempts: int,
    report: DeliveryReport,
) -> tuple[bool, Exception | None]:
    """Send one claimed mail and commit the outcome; return whether it was tried, and how
    it failed."""
    now, token = utcnow(), tokens[message.id]
    # A claim younger than half its lease cannot be taken over before this mail is sent (the
    # lease is well above the SMTP timeout), so it is renewed only once older: this spares a
    # commit per mail, which is most of a worker's time beside the SMTP dialogue itself.
    if token is None or now - token >= lease / 2:
        if not _update_claimed(session, message.id, token, claimed_at=now):
            return False, None  # our lease ran out and another worker took the mail over
        tokens[message.id] = token = now
    try:
        mailer.send(message)
    except Exception as error:
        _record_failure(session, message, token, error, max_attempts, report)
        return True, error
    # Not conditional on the claim: the mail *was* accepted, and saying so stops any resend.
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(status=MailStatus.SENT, sent_at=utcnow(), last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    report.sent += 1
    return True, None


def _update_claimed(
    session: Session, message_id: int, token: dt.datetime | None, **values: object
) -> bool:
    """Apply ``values`` if this worker still holds the claim on the mail, and commit."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MailStatus.SENDING,
            OutboxMessage.claimed_at == token,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def _record_failure(
    session: Session,
    message: OutboxMessage,
    token: dt.datetime | None,
    error: Exception,
    max_attempts: int,
    report: DeliveryReport,
) -> None:
    """Retry later with back-off, or give up: at once on a 5xx reply, else after the limit."""
    if is_permanent(error) or message.attempts >= max_attempts:
        values: dict[str, object] = {"status": MailStatus.FAILED}
    else:
        values = {
            "status": MailStatus.QUEUED,
            "next_attempt_at": utcnow() + retry_delay(message.attempts),
        }
    values["last_error"] = describe_error(error)[:2000]
    if _update_claimed(session, message.id, token, **values):
        if values["status"] == MailStatus.FAILED:
            report.failed += 1
        else:
            report.retrying += 1


def _release(
    session: Session,
    pending: list[OutboxMessage],
    tokens: dict[int, dt.datetime | None],
    report: DeliveryReport,
) -> None:
    """Hand unsent claims back, due at once, without counting an attempt they never had."""
    session.rollback()  # after an unexpected error the session may be mid-transaction
    for message in pending:
        if _update_claimed(
            session,
            message.id,
            tokens[message.id],
            status=MailStatus.QUEUED,
            claimed_at=None,
            attempts=OutboxMessage.attempts - 1,
        ):
            report.released += 1


def requeue(session: Session, message: OutboxMessage) -> None:
    """Give a failed mail a fresh set of attempts, now."""
    if message.status != MailStatus.FAILED:
        raise RequeueError(f"Only failed mails can be queued again; this one is {message.status}.")
    message.status, message.attempts = MailStatus.QUEUED, 0
    message.next_attempt_at = utcnow()
    session.flush()


def requeue_failed(session: Session) -> int:
    """Give every failed mail a fresh set of attempts, now; return how many."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.FAILED)
        .values(status=MailStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def status_counts(session: Session) -> dict[str, int]:
    """How many mails are in each status (every status listed, zeros included)."""
    rows = session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    )
    counts = {status.value: 0 for status in MailStatus}
    counts.update({status: count for status, count in rows})
    return counts


@dataclass(frozen=True)
class MessagePage:
    """One page of the outbox listing, newest first."""

    messages: list[OutboxMessage]
    page: int
    pages: int
    total: int


def message_page(
    session: Session, status: str | None = None, page: int = 1, per_page: int = PAGE_SIZE
) -> MessagePage:
    """The mails on ``page`` (from 1), newest first, only those in ``status`` if given."""
    condition = sa.true() if status is None else OutboxMessage.status == status
    total = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(condition))
    messages = session.scalars(
        sa.select(OutboxMessage)
        .where(condition)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    pages = max(math.ceil((total or 0) / per_page), 1)
    return MessagePage(list(messages), page, pages, total or 0)
