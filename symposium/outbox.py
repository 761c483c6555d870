"""The mail outbox: mails are rows written with the change that causes them; workers send them.

Delivery claims a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and a conditional update on
every database, so two workers never claim the same row), then sends each claimed mail and
marks it sent in its own commit. A worker killed mid-batch leaves its unsent claims in
``sending``; once their lease runs out another run sends them. The one mail that can be sent
twice is one whose server acceptance and "sent" commit were split by the kill — a window of
one round trip to the database.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from symposium.mailers import Mailer
from symposium.models import MailStatus, OutboxMessage, utcnow

MAX_ATTEMPTS = 5


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
    existing = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    if existing is not None:
        return existing
    message = OutboxMessage(
        idempotency_key=key,
        recipient=recipient,
        subject=subject,
        body=body,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ],
    )
    try:
        with session.begin_nested():  # another transaction may queue the same key meanwhile
            session.add(message)
    except IntegrityError:
        return session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()
    return message


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
    now = utcnow()
    query = sa.select(OutboxMessage.id).where(_due(now, lease)).order_by(OutboxMessage.id)
    query = query.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message_id in session.scalars(query).all():
        result = session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now, lease))
            .values(
                status=MailStatus.SENDING,
                claimed_at=now,
                attempts=OutboxMessage.attempts + 1,
            )
        )
        if result.rowcount == 1:  # another worker did not get there first
            claimed.append(message_id)
    session.commit()
    return list(
        session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        )
    )


def retry_delay(attempts: int) -> dt.timedelta:
    """Back-off after a failed attempt: 1, 2, 4, 8… minutes."""
    return dt.timedelta(minutes=2 ** max(attempts - 1, 0))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_batch(
    sessions: sessionmaker[Session],
    mailer_factory: Callable[[], Mailer],
    *,
    batch_size: int = 50,
    lease: dt.timedelta = dt.timedelta(minutes=10),
    pause: float = 0.0,
) -> DeliveryReport:
    """Claim a batch and send it over one connection; every outcome is committed at once."""
    report = DeliveryReport()
    with sessions() as session:
        batch = claim_batch(session, batch_size, lease)
        if not batch:
            return report
        with mailer_factory() as mailer:
            for message in batch:
                try:
                    mailer.send(message)
                except Exception as error:
                    _record_failure(message, error)
                    if message.status == MailStatus.FAILED:
                        report.failed += 1
                    else:
                        report.retrying += 1
                else:
                    message.status, message.sent_at = MailStatus.SENT, utcnow()
                    message.last_error = None
                    report.sent += 1
                session.commit()
                if pause:
                    time.sleep(pause)
    return report


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = MailStatus.FAILED
    else:
        message.status = MailStatus.QUEUED
        message.next_attempt_at = utcnow() + retry_delay(message.attempts)


def requeue(session: Session, message: OutboxMessage) -> None:
    """Give a failed mail a fresh set of attempts, now."""
    if message.status != MailStatus.FAILED:
        raise ValueError("Only failed mails can be queued again.")
    message.status, message.attempts = MailStatus.QUEUED, 0
    message.next_attempt_at = utcnow()
    session.flush()


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    )
    counts = {status.value: 0 for status in MailStatus}
    counts.update({status: count for status, count in rows})
    return counts
