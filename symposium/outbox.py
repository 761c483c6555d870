"""The mail outbox: mails are rows written with the change that causes them; workers send them
(``symposium/outbox_delivery.py``).

How a mail is neither lost nor sent twice:

- ``queue_mail`` writes the row in the caller's transaction, so a mail exists exactly when the
  change that causes it was committed. Its idempotency key names the purpose and the recipient:
  queuing the same key again yields the same row.
- A worker claims a batch (status ``sending``, ``claimed_at``) in one commit, with
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional update on SQLite, so two workers
  never claim the same row.
- Before each mail the worker makes sure it still holds the claim: one younger than half the
  lease cannot have been taken over; an older one is renewed (only if still held). It sends the
  mail and commits "sent" at once. A worker killed mid-batch leaves its unsent claims in
  ``sending``; once the lease (counted from the last renewal) runs out, the next claim of
  another worker hands them back to the queue and takes them over.
  A worker asked to stop (SIGTERM) finishes the mail in hand and hands the rest back at once.
- A mail refused with a 5xx reply fails at once; other errors are retried with back-off (1, 2,
  4… minutes) until ``MAIL_MAX_ATTEMPTS``, then it fails. Organisers can queue it again.

The one residual window lies between the mail server accepting a mail (its reply to the data)
and the commit of "sent" — one round trip to the database, which overlaps the next mail's
envelope (the next mail's data waits for it, so only one mail at a time is in the window).
A worker killed there, or losing
its database there, leaves a delivered mail in ``sending``, and it is sent again when the lease
runs out; a connection lost while waiting for that reply is the same window seen from the
other side (the mail may have been accepted, so it is retried). SMTP offers no way to close
it; the Message-ID derived from the idempotency key lets mail clients drop such a copy.
Keep the lease well above the SMTP timeout (30 s), or a slow send can be taken over.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from symposium.models import WITHDRAWN_BEFORE_SENDING, MailStatus, OutboxMessage, utcnow

PAGE_SIZE = 100


class RequeueError(ValueError):
    """A mail that cannot be queued again; the message says why."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    """A mail as built, before it is queued under its idempotency key."""

    recipient: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


SUBJECT_LENGTH = 300  # the column's


def subject_line(subject: str) -> str:
    """``subject`` as a mail header can carry it: one line (a line break in a title would be
    refused when the mail is built, and never sent) and no longer than the column."""
    line = " ".join(subject.split())
    return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 1] + "…"


def queue_mail(
    session: Session,
    key: str,
    recipient: str,
    subject: str,
    body: str,
    attachments: Iterable[Attachment] = (),
) -> int:
    """Queue a mail in the caller's transaction and return its id; a key already queued
    returns that mail's id (and leaves it as it is)."""
    return queue_built_mail(session, key, Mail(recipient, subject, body, tuple(attachments)))


def queue_built_mail(session: Session, key: str, mail: Mail) -> int:
    """``queue_mail`` for a mail built beforehand."""
    values = mail_values(key, mail)
    # One statement when the key is new. Another transaction may queue the same key meanwhile:
    # then this insert waits for it and does nothing. (A savepoint would not do: on SQLite,
    # releasing a savepoint that opened the transaction commits it, and the mail would no
    # longer go with the caller's change.) On the session's connection, not through the ORM:
    # registering queues a mail on every request, and the ORM's bulk insert machinery cost
    # more than the statement itself.
    connection = session.connection()
    queued = connection.scalar(_queue_statement(connection.dialect.name), values)
    if queued is not None:
        return queued
    table = OutboxMessage.__table__
    return connection.execute(
        sa.select(table.c.id).where(table.c.idempotency_key == key)
    ).scalar_one()


def mail_values(key: str, mail: Mail) -> dict:
    """The outbox row's values for ``mail`` queued under ``key`` (the other columns take their
    defaults). For a caller that writes the row in a statement of its own."""
    return {
        "idempotency_key": key,
        "recipient": mail.recipient,
        "subject": subject_line(mail.subject),
        "body": mail.body,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in mail.attachments
        ],
    }


@functools.cache
def _queue_statement(dialect: str) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect (the values are
    parameters)."""
    table = OutboxMessage.__table__
    return (
        _insert_for(dialect)(table)
        .on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
        .returning(table.c.id)
    )


def _insert_for(dialect: str):
    """The INSERT construct of ``dialect``, which knows ON CONFLICT DO NOTHING."""
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"The outbox runs on PostgreSQL or SQLite, not {dialect}.")


def withdraw_queued(session: Session, key: str, why: str) -> bool:
    """Keep a mail that has not gone out yet from going out, in the caller's transaction: a
    still-queued mail under ``key`` is marked failed, ``withdrawn before sending: <why>``.

    Returns whether a mail was withdrawn. One a worker has claimed (sending) or sent cannot
    be called back. The update is conditional, so a worker claiming the mail at the same
    moment either gets it first (then it goes) or finds it failed (then it does not).
    """
    withdrawn = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.idempotency_key == key, OutboxMessage.status == MailStatus.QUEUED)
        .values(status=MailStatus.FAILED, last_error=f"{WITHDRAWN_BEFORE_SENDING}: {why}")
        .execution_options(synchronize_session="fetch")
    )
    return withdrawn.rowcount > 0


def requeue(session: Session, message: OutboxMessage) -> None:
    """Give a failed mail a fresh set of attempts, now (not one withdrawn before sending)."""
    if message.status != MailStatus.FAILED:
        raise RequeueError(f"Only failed mails can be queued again; this one is {message.status}.")
    if message.withdrawn:
        raise RequeueError(f"This mail was {message.last_error}; it is not queued again.")
    message.status, message.attempts = MailStatus.QUEUED, 0
    message.next_attempt_at = utcnow()
    session.flush()


def requeue_failed(session: Session) -> int:
    """Give every failed mail a fresh set of attempts, now, but those withdrawn before
    sending; return how many."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == MailStatus.FAILED,
            sa.or_(
                OutboxMessage.last_error.is_(None),
                sa.not_(OutboxMessage.last_error.startswith(WITHDRAWN_BEFORE_SENDING)),
            ),
        )
        .values(status=MailStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


STALLED_AFTER = dt.timedelta(minutes=10)


def stalled_since(session: Session, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the longest-waiting due mail became due, if that was over ``STALLED_AFTER`` ago:
    a worker polls every few seconds, so such a wait means no worker is running (or none can
    reach the database). None when mail is moving."""
    now = now or utcnow()
    oldest = session.scalar(
        sa.select(sa.func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == MailStatus.QUEUED
        )
    )
    return oldest if oldest is not None and now - oldest > STALLED_AFTER else None


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
    """The mails on ``page`` (from 1), newest first, only those in ``status`` if given; none
    for a page before the first or after the last."""
    condition = sa.true() if status is None else OutboxMessage.status == status
    total = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(condition))
    pages = max(math.ceil((total or 0) / per_page), 1)
    if not 1 <= page <= pages:  # PostgreSQL refuses a negative or a 64-bit-overflowing offset
        return MessagePage([], page, pages, total or 0)
    messages = session.scalars(
        sa.select(OutboxMessage)
        .where(condition)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return MessagePage(list(messages), page, pages, total or 0)
