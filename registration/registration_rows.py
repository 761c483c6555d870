"""Registration rows written without the ORM's unit of work, which for one row costs more than
the rest of registering: a new registration, and a first registration on the open form written
together with its confirmation mail by one statement on PostgreSQL (two on SQLite)."""

from __future__ import annotations

import functools

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from psycopg.types.json import Json
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from registration.models import Registration, RegistrationSettings, RegistrationStatus
from symposium.models import MailStatus, OutboxMessage, Symposium
from symposium.names import name_key
from symposium.outbox import Mail, mail_values, queue_built_mail

_REGISTRATION = Registration.__table__
_OUTBOX = OutboxMessage.__table__
_SETTINGS = RegistrationSettings.__table__

# The symposium's lock (see registrations.py), in Core on the session's connection: nothing in
# the session reads ``changes``.
LOCK_PLACES = (
    sa.update(_SETTINGS)
    .where(_SETTINGS.c.symposium_id == sa.bindparam("locked_symposium"))
    .values(changes=_SETTINGS.c.changes + 1)
)
_COLUMNS = [column for column in _REGISTRATION.c if column.key != "id"]


def confirmation_key(registration_id: int, token_hash: str) -> str:
    """The outbox key of a registration's confirmation. A new manage link means a new (or
    renewed) registration: a new key. ``_key_in_sql`` writes the same key in SQL."""
    return f"registration:{registration_id}:{token_hash[:16]}"


def _key_in_sql(registration_id: sa.ColumnElement) -> sa.ColumnElement:
    prefix = sa.literal("registration:", sa.String)
    suffix = sa.bindparam("key_suffix", type_=sa.String)
    return prefix + sa.cast(registration_id, sa.String) + sa.literal(":", sa.String) + suffix


def full_row(symposium: Symposium, values: dict) -> dict:
    """Every column of a new registration of ``symposium`` from what registering decided.
    The model's ``before_insert`` listener does not run for rows written here: ``name_key`` is
    set here."""
    return {
        "symposium_id": symposium.id,
        "nomination_id": None,
        "name_key": name_key(values["given_name"], values["family_name"]),
        "updated_at": values["created_at"],
        "erased_at": None,
        "erased_by_id": None,
        **values,
    }


def _in_session(session: Session, row: dict) -> Registration:
    """The written row as a registration in ``session``, as if it had been loaded."""
    registration = Registration(**row)
    make_transient_to_detached(registration)
    session.add(registration)
    return registration


_INSERT = sa.insert(_REGISTRATION).returning(_REGISTRATION.c.id)


def insert_registration(session: Session, symposium: Symposium, values: dict) -> Registration:
    """A new registration row, written with one Core INSERT."""
    row = full_row(symposium, values)
    row["id"] = session.connection().execute(_INSERT, row).scalar_one()
    return _in_session(session, row)


def insert_first_registration(
    session: Session, symposium: Symposium, values: dict, *, moderated: bool, mail: Mail
) -> tuple[Registration, bool] | None:
    """Take the symposium's lock, then write a registration of an address that has none for
    ``symposium`` yet, its status decided by the statement itself (pending approval, confirmed
    while places last, else waiting), and queue ``mail`` when that status is the one it was
    written for (``values["status"]``). The symposium's registration settings row exists.

    None, with nothing written, when the address has a registration already; else the
    registration and whether ``mail`` was queued."""
    row = full_row(symposium, values)
    params = {column.key: row[column.key] for column in _COLUMNS if column.key != "status"}
    params["moderated"] = moderated
    locked = {"locked_symposium": symposium.id}
    session.flush()  # the statements run on the connection, which does not flush the session
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        queued = mail_values("", mail) | {"status": MailStatus.QUEUED.value, "attempts": 0}
        queued |= {"next_attempt_at": values["created_at"], "created_at": values["created_at"]}
        params |= {f"mail_{name}": value for name, value in queued.items()}
        params |= {"key_suffix": values["manage_token_hash"][:16], "expected": values["status"]}
        found = _locked_and_written(connection, locked, params)
        if found is None:
            return None
        row["id"], row["status"], mail_id = found
        return _in_session(session, row), mail_id is not None
    connection.execute(LOCK_PLACES, locked)
    found = connection.execute(_registration_statement(dialect), params).one_or_none()
    if found is None:
        return None
    row["id"], row["status"] = found
    mailed = row["status"] == values["status"]
    if mailed:
        key = confirmation_key(row["id"], values["manage_token_hash"])
        queue_built_mail(session, key, mail)
    return _in_session(session, row), mailed


@functools.cache
def _registration_statement(dialect: str) -> sa.Insert:
    """INSERT … SELECT of a registration whose status is decided by what the database holds
    when the statement runs (after the lock): nothing when the address is registered."""
    table, symposia = _REGISTRATION, Symposium.__table__
    symposium_id = sa.bindparam("symposium_id", type_=sa.Integer)
    # Kept on the locked settings row by the database's triggers, so not counted here.
    taken = sa.select(_SETTINGS.c.places_taken).where(_SETTINGS.c.symposium_id == symposium_id)
    confirmed = taken.scalar_subquery()
    capacity = sa.select(symposia.c.capacity).where(symposia.c.id == symposium_id)
    capacity = capacity.scalar_subquery()
    status = sa.case(
        (sa.bindparam("moderated", type_=sa.Boolean), RegistrationStatus.PENDING.value),
        (sa.or_(capacity.is_(None), confirmed < capacity), RegistrationStatus.CONFIRMED.value),
        else_=RegistrationStatus.WAITING.value,
    )
    chosen = [
        status if column.key == "status" else sa.bindparam(column.key, type_=column.type)
        for column in _COLUMNS
    ]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # WHERE true: SQLite could otherwise read ON CONFLICT as part of the SELECT.
    return (
        insert(table)
        .from_select(_COLUMNS, sa.select(*chosen).where(sa.true()))
        .on_conflict_do_nothing(index_elements=[table.c.symposium_id, table.c.email])
        .returning(table.c.id, table.c.status)
    )


@functools.cache
def _registration_and_mail() -> sa.Select:
    """PostgreSQL: the registration and, when its status is the expected one, its mail, in one
    statement (one round trip while the lock is held); a row of (id, status, mail id)."""
    registered = _registration_statement("postgresql").cte("registered")
    # Every column with a default too: the defaults of an INSERT inside a WITH are not filled in.
    columns = ["idempotency_key", "recipient", "subject", "body", "attachments", "status"]
    columns += ["attempts", "next_attempt_at", "created_at"]
    chosen = [
        _key_in_sql(registered.c.id),
        *(sa.bindparam(f"mail_{name}", type_=_OUTBOX.c[name].type) for name in columns[1:]),
    ]
    expected = sa.bindparam("expected", type_=sa.String)
    mailed = (
        postgresql.insert(_OUTBOX)
        .from_select(columns, sa.select(*chosen).where(registered.c.status == expected))
        .returning(_OUTBOX.c.id)
        .cte("mailed")
    )
    return sa.select(registered.c.id, registered.c.status, sa.select(mailed.c.id).scalar_subquery())


def _locked_and_written(connection: sa.Connection, locked: dict, params: dict) -> tuple | None:
    """PostgreSQL: the lock, then the registration and its mail, sent together (psycopg's
    pipeline mode), so the write runs the moment the lock is granted instead of a round trip
    to this process later, and the lock is held that much less. Two statements still: the
    write's count sees every registration committed before the lock was granted."""
    lock = _compiled(LOCK_PLACES, connection.dialect)
    write = _compiled(_registration_and_mail(), connection.dialect)
    params = {**params, "mail_attachments": Json(params["mail_attachments"])}  # as SQLAlchemy does
    driver = connection.connection.driver_connection
    # Outside a transaction (``db.reads_outside_a_transaction``): this begins it, in the same
    # round trip, and the session's commit ends it.
    begin = driver.autocommit and driver.info.transaction_status == TransactionStatus.IDLE
    try:
        with driver.pipeline(), driver.cursor() as locking, driver.cursor() as writing:
            if begin:
                locking.execute("BEGIN")
            locking.execute(lock.string, lock.construct_params(locked))
            writing.execute(write.string, write.construct_params(params))
            return writing.fetchone()
    except psycopg.Error:
        # SQLAlchemy did not run these statements, so it would not notice a lost connection:
        # keep the pool from handing it out again.
        if driver.broken:
            connection.invalidate()
        raise


@functools.lru_cache(maxsize=16)  # a few engines: the app's, a test's, a command's
def _compiled(statement: sa.Executable, dialect: sa.Dialect) -> sa.engine.Compiled:
    return statement.compile(dialect=dialect)
