"""The SQLAlchemy engine and the one session each request (or CLI command) works in.

Views commit once, at the end of the work; services only flush.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from flask import Flask, abort, current_app, g, request
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; constraint names are stable so migrations can refer to them."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


@dataclass
class Database:
    engine: sa.Engine
    sessionmaker: sessionmaker[Session]


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (``postgresql://``)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers go on while one writer works; foreign keys are off by default in SQLite.
    # In WAL mode, synchronous=NORMAL syncs at checkpoints instead of at every commit (about
    # 4 ms each here): a crash of the app loses nothing; a power cut may lose the last commits.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """Create an engine for ``url`` with the settings this application relies on."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = sa.create_engine(url)
    sa.event.listen(engine, "checkin", _note_checkin)
    sa.event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection unused for this long is tested before use (PostgreSQL may have been
# restarted, or a firewall dropped the idle connection); one in steady use is not, which saves
# a round trip on every request under load.
IDLE_BEFORE_PING = 5.0  # seconds


def _note_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """Before a checkout: a connection that is new or was idle answers a trivial query first."""
    returned = record.info.get("checked_in_at")
    if returned is not None and time.monotonic() - returned < IDLE_BEFORE_PING:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except psycopg.Error as error:
        # The pool throws this connection away and checks out another (or a new one).
        raise sa.exc.DisconnectionError(str(error)) from error


def init_app(app: Flask) -> None:
    """Create the engine for ``app`` and close the request's session when the request ends."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["symposium.db"] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    # A request inside an already pushed app context (tests, CLI) still gets its own session.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)
    app.before_request(_refuse_nul_characters)


NUL_REFUSED = (
    "Something you entered contains an invisible control character (NUL), which cannot be "
    "saved. It usually comes with text pasted from another program. Nothing was saved: go "
    "back, type that text again instead of pasting it (or paste it into a plain text editor "
    "first), and send the form again."
)


def _refuse_nul_characters() -> None:
    """Refuse (400) a query string, form or file name with a NUL character: PostgreSQL cannot
    store one in text, and no name, address or answer needs it."""
    sent = [*request.args.items(multi=True), *request.form.items(multi=True)]
    sent += [(name, upload.filename or "") for name, upload in request.files.items(multi=True)]
    if any("\x00" in name or "\x00" in value for name, value in sent):
        abort(400, description=NUL_REFUSED)


def reads_outside_a_transaction(session: Session) -> None:
    """PostgreSQL: run ``session``'s statements without a BEGIN and a COMMIT around them, each
    committing on its own, until one of them begins a transaction, which the session's commit
    or rollback then ends as usual (``registration_rows`` writes with one statement, its own
    transaction, and begins a transaction when it wrote nothing). For a view that
    reads, then writes in one place: a page that only read saves two round trips to the
    server, a registration three.

    Call it before the session's first statement. What the session writes before that BEGIN
    commits at once, statement by statement, so it may only be a write that stands alone (a
    settings row made on first use). SQLite has no round trips to save: nothing changes there.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@contextlib.contextmanager
def driver_of(connection: sa.Connection) -> Iterator[psycopg.Connection]:
    """PostgreSQL: the psycopg connection under ``connection``, for statements sent to it
    directly. SQLAlchemy does not see those, so it would not notice the connection being lost
    there: one lost is invalidated here, and the pool never hands it out again."""
    driver = connection.connection.driver_connection
    try:
        yield driver
    except psycopg.Error:
        if driver.broken:  # libpq's own status: also for what went through ``driver.pgconn``
            connection.invalidate()
        raise


def database(app: Flask | None = None) -> Database:
    """The engine and session factory of ``app`` (the current app by default)."""
    return (app or current_app).extensions["symposium.db"]


def session() -> Session:
    """The session of the current request or command, created on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None = None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()  # rolls back whatever was not committed
