"""Delivering the outbox: claim a batch of due mails, send it over one connection, record each
outcome at once. Why no mail is lost or sent twice is told in ``symposium/outbox.py``.

Each outcome is one statement on an autocommit connection held for the batch: on PostgreSQL
one round trip per mail instead of three (BEGIN, UPDATE, COMMIT), which runs while the next
mail's envelope (MAIL FROM, RCPT TO) goes to the mail server; the next mail's DATA waits until
it is committed (``symposium/outbox_outcomes.py``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from symposium.mailers import Mailer, breaks_connection, describe_error, is_permanent
from symposium.models import MailStatus, OutboxMessage, utcnow
from symposium.outbox_outcomes import OutcomeNotRecorded, Recorder

MAX_ATTEMPTS = 5  # the default of MAIL_MAX_ATTEMPTS


@dataclass(frozen=True, slots=True)
class ClaimedMail:
    """A mail as this worker claimed it: what sending it needs, read back by the claim itself
    (not as ORM objects, which cost more than the claim's statements)."""

    id: int
    idempotency_key: str
    recipient: str
    subject: str
    body: str
    attachments: list[dict]
    attempts: int  # this attempt included
    claimed_at: dt.datetime


_TABLE = OutboxMessage.__table__
_CLAIMED = [getattr(_TABLE.c, field.name) for field in fields(ClaimedMail)]


def claim_batch(session: Session, limit: int, lease: dt.timedelta) -> list[ClaimedMail]:
    """Mark up to ``limit`` due mails as being sent by this worker, and commit.

    Claims whose lease ran out (their worker died before sending) go back to the queue first,
    with the attempt they had, and are claimed like any due mail.

    The due mails are found by status, then id (``ix_outbox_message_status_id``), so a claim
    does not pass over the mails sent before. (It did when one statement looked for either
    kind of claimable mail: PostgreSQL then read and sorted every due mail for each batch.)
    """
    claimed: list[ClaimedMail] = []
    while not claimed:
        connection, now = session.connection(), utcnow()
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            connection.execute(_WALK_THE_INDEXES)
        _hand_back_expired(connection, now - lease)
        claim = _claim_postgresql if postgresql else _claim_sqlite
        found, claimed = claim(connection, now, limit)
        # Commit even an empty claim: on SQLite the lost update holds the write lock.
        session.commit()
        if not found:
            break
        # Another worker took every mail found (SQLite), so look again.
    return claimed


# Until the claim's commit, PostgreSQL walks the indexes in order and stops after the batch,
# as it does by itself once it has statistics on the table. On a new table (no ANALYZE yet) it
# reads every due mail and sorts them for each batch (4 ms a claim with 5,000 queued), and
# reads every claim made since the last VACUUM to hand back expired ones (1 ms with 10,000).
_WALK_THE_INDEXES = sa.select(
    sa.func.set_config("enable_sort", "off", True),
    sa.func.set_config("enable_bitmapscan", "off", True),
)


def _hand_back_expired(connection: sa.Connection, claimed_before: dt.datetime) -> None:
    """Put the mails claimed before ``claimed_before`` and still unsent back in the queue."""
    expired = sa.and_(_TABLE.c.status == MailStatus.SENDING, _TABLE.c.claimed_at <= claimed_before)
    if connection.dialect.name == "postgresql":
        # Rows another worker holds (handing them back too, or renewing its claim) are left to
        # it: a claim never waits for another worker, so two can never wait for each other.
        expired = _not_held(sa.select(_TABLE.c.id).where(expired))
    connection.execute(
        sa.update(_TABLE).where(expired).values(status=MailStatus.QUEUED, claimed_at=None)
    )


def _not_held(ids: sa.Select) -> sa.ColumnElement[bool]:
    """PostgreSQL: the rows among ``ids`` that no other transaction holds, locked until the
    commit (SKIP LOCKED, in a subquery run once)."""
    locked = ids.with_for_update(skip_locked=True).scalar_subquery()
    return _TABLE.c.id == sa.any_(sa.func.array(locked))


def _due(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(_TABLE.c.status == MailStatus.QUEUED, _TABLE.c.next_attempt_at <= now)


def _first_due(now: dt.datetime, limit: int) -> sa.Select:
    return sa.select(_TABLE.c.id).where(_due(now)).order_by(_TABLE.c.id).limit(limit)


def _claim(condition: sa.ColumnElement[bool], now: dt.datetime) -> sa.Update:
    return (
        sa.update(_TABLE)
        .where(condition)
        .values(status=MailStatus.SENDING, claimed_at=now, attempts=_TABLE.c.attempts + 1)
        .returning(*_CLAIMED)
    )


def _claimed(result: sa.CursorResult) -> list[ClaimedMail]:
    rows = result.all()  # at once: row by row costs a third of the claim
    return sorted((ClaimedMail(*row) for row in rows), key=lambda mail: mail.id)


def _claim_postgresql(
    connection: sa.Connection, now: dt.datetime, limit: int
) -> tuple[bool, list[ClaimedMail]]:
    """One statement: the first due mails no other worker is claiming are locked (SKIP
    LOCKED) until the commit, and marked."""
    claimed = _claimed(connection.execute(_claim(_not_held(_first_due(now, limit)), now)))
    return bool(claimed), claimed


def _claim_sqlite(
    connection: sa.Connection, now: dt.datetime, limit: int
) -> tuple[bool, list[ClaimedMail]]:
    """SQLite has no SKIP LOCKED: the mails found are marked if they are still due, so those
    another worker claimed since are left out."""
    found = connection.scalars(_first_due(now, limit)).all()
    if not found:
        return False, []
    return True, _claimed(
        connection.execute(_claim(sa.and_(_TABLE.c.id.in_(found), _due(now)), now))
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
    batch_size: int = 200,
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
        bind = session.get_bind()
    report.claimed = len(batch)
    if not batch:
        return report
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    with Recorder(engine) as outcomes:
        _send_batch(
            outcomes,
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
    outcomes: Recorder,
    batch: list[ClaimedMail],
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
                    _record_failure(outcomes, message, token, error, max_attempts, report)
                pending.clear()
                return
            while pending and not stop.is_set():
                message = pending.pop(0)
                try:
                    tried, error = _send_one(
                        outcomes, mailer, message, tokens, lease, max_attempts, report
                    )
                except OutcomeNotRecorded:
                    pending.insert(0, message)  # its data never went out: hand it back too
                    raise
                if error is not None and breaks_connection(error):
                    break
                if tried and pause and pending:
                    stop.wait(pause)
    finally:
        if pending:
            _release(outcomes, pending, tokens, report)


def _send_one(
    outcomes: Recorder,
    mailer: Mailer,
    message: ClaimedMail,
    tokens: dict[int, dt.datetime | None],
    lease: dt.timedelta,
    max_attempts: int,
    report: DeliveryReport,
) -> tuple[bool, Exception | None]:
    """Send one claimed mail and record the outcome; return whether it was tried, and how
    it failed."""
    now, token = utcnow(), tokens[message.id]
    # A claim younger than half its lease cannot be taken over before this mail is sent (the
    # lease is well above the SMTP timeout), so it is renewed only once older: this spares a
    # write per mail, which is most of a worker's time beside the SMTP dialogue itself.
    if token is None or now - token >= lease / 2:
        if not outcomes.call(_update_claimed, message.id, token, {"claimed_at": now}):
            return False, None  # our lease ran out and another worker took the mail over
        tokens[message.id] = token = now
    try:
        # The last mail's "sent" is committed while this one's envelope goes out; this mail's
        # DATA waits for that commit (settle), so a crash never leaves two sent mails unrecorded.
        mailer.send(message, before_data=outcomes.settle)
    except OutcomeNotRecorded:
        raise
    except Exception as error:
        _record_failure(outcomes, message, token, error, max_attempts, report)
        return True, error
    outcomes.record_sent(message)
    report.sent += 1
    return True, None


def _update_claimed(
    connection: sa.Connection,
    message_id: int,
    token: dt.datetime | None,
    values: dict[str, object],
) -> bool:
    """Apply ``values`` if this worker still holds the claim on the mail."""
    result = connection.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MailStatus.SENDING,
            OutboxMessage.claimed_at == token,
        )
        .values(**values)
    )
    return result.rowcount == 1


def _record_failure(
    outcomes: Recorder,
    message: ClaimedMail,
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
    if outcomes.call(_update_claimed, message.id, token, values):
        if values["status"] == MailStatus.FAILED:
            report.failed += 1
        else:
            report.retrying += 1


def _release(
    outcomes: Recorder,
    pending: list[ClaimedMail],
    tokens: dict[int, dt.datetime | None],
    report: DeliveryReport,
) -> None:
    """Hand unsent claims back, due at once, without counting an attempt they never had."""
    back = {"status": MailStatus.QUEUED, "claimed_at": None, "attempts": OutboxMessage.attempts - 1}
    for message in pending:
        if outcomes.call(_update_claimed, message.id, tokens[message.id], back):
            report.released += 1
