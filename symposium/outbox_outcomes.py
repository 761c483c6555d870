"""Recording what became of each mail an outbox worker sends, on an autocommit connection held
for the batch (``outbox_delivery.deliver_batch``).

The rule: a mail's DATA goes to the mail server only once the mail before it is committed as
sent, so at most one accepted mail at a time is not yet recorded (``symposium/outbox.py``).
Within that rule the database's turn overlaps the mail server's:

- On PostgreSQL the "sent" UPDATE goes to the server without waiting for its answer (libpq's
  asynchronous command processing): the server runs and commits it while this process builds
  the next mail and sends its envelope, and its answer is read just before that mail's DATA.
  It is prepared once per connection: parsing and planning it took half the server's work for
  each mail (150 µs of its CPU per mail, 80 µs prepared).
- SQLite runs in this process, so there is no wait to overlap: the UPDATE runs at once, and a
  failure is raised at the same point.

A thread did the PostgreSQL part before; its Python work and its turns with the interpreter's
lock slowed the SMTP dialogue itself (MAIL FROM took 0.6-0.9 ms instead of 0.4-0.5 ms). In
three alternating runs of ``bench/outbox_kill.py`` on PostgreSQL (4,000 mails) the worker
sent 263-280 mails/s with the thread and 275-330 without it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.dialects import postgresql

from symposium import db
from symposium.mailers import MailRow
from symposium.models import MailStatus, OutboxMessage, utcnow
from symposium.tokens import redact_tokens


class OutcomeNotRecorded(Exception):
    """The database did not take a sent mail's outcome: the batch stops before the next mail
    can be accepted (the cause is chained)."""


# Built once: making the statement anew for every mail costs more than running it on SQLite.
_SENT = (
    sa.update(OutboxMessage)
    .where(OutboxMessage.id == sa.bindparam("message_id"))
    .values(status=MailStatus.SENT, sent_at=sa.bindparam("sent_at"), last_error=None)
)

# The same, keeping the body with its personal links' tokens removed: a sent mail has done its
# work, and the copy kept for the organisers must not open anybody's link (tokens are stored
# only as hashes everywhere else).
_SENT_REDACTED = _SENT.values(body=sa.bindparam("redacted_body"))


def _sent(message: MailRow) -> tuple[sa.Update, dict[str, Any]]:
    """The statement recording ``message`` as sent, and its values. Not conditional on the
    claim: the mail *was* accepted, and saying so stops any resend."""
    values: dict[str, Any] = {"message_id": message.id, "sent_at": utcnow()}
    redacted = redact_tokens(message.body)
    if redacted == message.body:
        return _SENT, values
    return _SENT_REDACTED, {**values, "redacted_body": redacted}


class Recorder:
    """The batch's autocommit connection. ``record_sent`` starts recording a sent mail and
    returns; ``settle`` waits until that is committed (OutcomeNotRecorded if it was not);
    ``call`` runs a function with the connection and returns its result. Each of them settles
    the last sent mail first, so outcomes are committed in order, never more than one
    outstanding."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None
        self._pending: Callable[[], None] | None = None

    def __enter__(self) -> Recorder:
        self._connect()
        return self

    def _connect(self) -> sa.Connection:
        """The connection, a new one after it was lost: SQLAlchemy would replace a lost one by
        itself, but without autocommit, and nothing would ever commit what it wrote."""
        if self._connection is not None and self._connection.invalidated:
            self._connection.close()
            self._connection = None
        if self._connection is None:
            connection = self._engine.connect()
            self._connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def __exit__(self, *exc: object) -> None:
        try:
            self.settle()  # a mail the server accepted: its "sent" must not be dropped
        finally:
            if self._connection is not None:
                self._connection.close()

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        self.settle()
        return function(self._connect(), *args)

    def record_sent(self, message: MailRow) -> None:
        self.settle()
        connection = self._connect()
        statement, values = _sent(message)
        if connection.dialect.name == "postgresql":
            self._pending = _Unanswered(connection, statement, values).answer
        else:
            self._pending = _run_at_once(connection, statement, values)

    def settle(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            pending()
        except Exception as error:
            raise OutcomeNotRecorded("a sent mail could not be recorded as sent") from error


def _run_at_once(
    connection: sa.Connection, statement: sa.Update, values: dict
) -> Callable[[], None] | None:
    """SQLite: run the statement now (in this process, there is no wait to overlap). Its
    failure is raised when the recorder settles, as PostgreSQL's answer is read then."""
    try:
        connection.execute(statement, values)
    except Exception as error:  # the cause OutcomeNotRecorded will carry
        failure = error

        def fail() -> None:
            raise failure

        return fail
    return None


# PostgreSQL's own placeholders ($1, $2…), so that libpq sends the values beside the statement
# and nothing has to quote them into its text.
_NUMBERED = postgresql.psycopg.dialect(paramstyle="numeric_dollar")

# The key, in a pooled connection's ``info``, of the names of the statements prepared on it.
_PREPARED = "symposium.outbox_outcomes.prepared"

# What PostgreSQL answers for a prepared statement the connection no longer has (psycopg runs
# DEALLOCATE ALL after a rollback on a connection where it prepared statements of its own).
_NO_SUCH_STATEMENT = b"26000"


@dataclass(frozen=True)
class _Positional:
    """A statement's text for PostgreSQL, the name it is prepared under, the names of its
    values in order, and the values it fixes itself (``status``, ``last_error``)."""

    text: bytes
    name: bytes
    names: tuple[str, ...]
    fixed: dict[str, Any]

    def values(self, values: dict[str, Any], encoding: str) -> list[bytes | None]:
        """``values`` (with the fixed ones) in order, each in PostgreSQL's text input form."""
        given = {**self.fixed, **values}
        return [_text(given[name], encoding) for name in self.names]


@functools.cache  # two statements
def _positional(statement: sa.Update) -> _Positional:
    compiled = statement.compile(dialect=_NUMBERED)
    text = compiled.string.encode()
    name = b"symposium_outbox_" + hashlib.sha256(text).hexdigest()[:16].encode()
    names = tuple(compiled.positiontup or ())
    binds = compiled.binds
    fixed = {name: binds[name].effective_value for name in names if not binds[name].required}
    return _Positional(text, name, names, fixed)


def _text(value: Any, encoding: str) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat().encode()
    return str(value).encode(encoding)  # a number, a string, a MailStatus


class _Unanswered:
    """PostgreSQL: a statement sent on the connection without waiting; ``answer`` waits for
    its result and raises if it failed. Nothing else may use the connection in between.

    The statement is prepared once per connection (a round trip, the first time): the server
    then neither parses nor plans it for each mail, which halves its work for a "sent"."""

    def __init__(self, connection: sa.Connection, statement: sa.Update, values: dict) -> None:
        self._connection = connection
        driver = connection.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        self._driver = driver
        self._prepared: set[bytes] = connection.connection.info.setdefault(_PREPARED, set())
        self._error: Exception | None = None
        try:
            self._positional = _positional(statement)
            self._params = self._positional.values(values, driver.info.encoding)
            self._send()
        except Exception as error:  # raised by ``answer``, where a failure is expected
            self._error = error

    def _send(self) -> None:
        """Send the statement with its values, preparing it first (and waiting for that) if
        this connection has not got it."""
        pgconn, positional = self._driver.pgconn, self._positional
        if positional.name not in self._prepared:
            pgconn.send_prepare(positional.name, positional.text)
            self._flush()
            _raise_if_failed(self._results())
            self._prepared.add(positional.name)
        pgconn.send_query_prepared(positional.name, self._params)
        self._flush()

    def _wait(self, events: int) -> int:
        """Wait until the socket is ready for ``events`` (``select.POLLIN``/``POLLOUT``)."""
        poller = select.poll()  # one system call per wait (an epoll selector takes four)
        poller.register(self._driver.pgconn.socket, events)
        ready = poller.poll()
        return ready[0][1] if ready else 0

    def _flush(self) -> None:
        """Send what the (non-blocking) socket did not take at once; read meanwhile, as the
        server may wait for its own output to be read before it reads more."""
        pgconn = self._driver.pgconn
        while pgconn.flush():
            if self._wait(select.POLLIN | select.POLLOUT) & select.POLLIN:
                pgconn.consume_input()

    def _results(self) -> list[pq.abc.PGresult]:
        """Wait for the answer and take every result of it (for the connection to be free
        again)."""
        pgconn = self._driver.pgconn
        pgconn.consume_input()
        while pgconn.is_busy():
            self._wait(select.POLLIN)
            pgconn.consume_input()
        results = []
        while (result := pgconn.get_result()) is not None:
            results.append(result)
        return results

    def answer(self) -> None:
        with db.driver_of(self._connection):  # a connection lost leaves the pool
            if self._error is not None:
                raise self._error
            results = self._results()
            if any(_state(result) == _NO_SUCH_STATEMENT for result in results):
                # Deallocated behind our back: nothing ran, so prepare it again and run it.
                self._prepared.clear()
                self._send()
                results = self._results()
            _raise_if_failed(results)


def _state(result: pq.abc.PGresult) -> bytes | None:
    return result.error_field(pq.DiagnosticField.SQLSTATE)


def _raise_if_failed(results: list[pq.abc.PGresult]) -> None:
    for result in results:
        if result.status != pq.ExecStatus.COMMAND_OK:
            failed = result.error_field(pq.DiagnosticField.MESSAGE_PRIMARY)
            raise psycopg.DatabaseError((failed or b"").decode(errors="replace"))
