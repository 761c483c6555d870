"""Registration rows written without the ORM's unit of work, which for one row costs more than
the rest of registering: a new registration, and a first registration on the open form written
together with its confirmation mail by one statement on PostgreSQL (two on SQLite).

On PostgreSQL that statement goes to the server with the symposium's lock in one message, and
on the open form (whose reads run outside a transaction) with the BEGIN and the COMMIT too: a
registration then takes two round trips, one to read and one to write, and the lock is held
only while the server runs the write, never while it waits for this process."""

from __future__ import annotations

import functools

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from psycopg.types.json import Json
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Compiled
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


def places_taken(symposium_id: int | sa.ColumnElement[int]) -> sa.Select:
    """The confirmed registrations of a symposium, as its settings row keeps them (the
    database's triggers change the number, not the session's copy of the row: read it afresh)."""
    return sa.select(_SETTINGS.c.places_taken).where(_SETTINGS.c.symposium_id == symposium_id)


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
    session: Session, symposium: Symposium, values: dict, *, mail: Mail
) -> Registration | None:
    """Take the symposium's lock, then write a registration of an address that has none for
    ``symposium`` yet, with the status it was built for (``values["status"]``: pending
    approval in a moderated symposium, else confirmed), and queue its ``mail``, if that is the
    status the database gives it now. The symposium's registration settings row exists.

    The registration, else None with nothing written: when the address has a registration,
    the last place went meanwhile, or the moderation was switched (``register`` then decides,
    in a transaction). On PostgreSQL, outside a transaction
    (``db.reads_outside_a_transaction``), the statements begin and commit their own."""
    row = full_row(symposium, values)
    params = {column.key: row[column.key] for column in _COLUMNS}
    locked = {"locked_symposium": symposium.id}
    session.flush()  # the statements run on the connection, which does not flush the session
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        queued = mail_values("", mail) | {"status": MailStatus.QUEUED.value, "attempts": 0}
        queued |= {"next_attempt_at": values["created_at"], "created_at": values["created_at"]}
        params |= {f"mail_{name}": value for name, value in queued.items()}
        params |= {"key_suffix": values["manage_token_hash"][:16]}
        row_id = _locked_and_written(connection, locked, params)
    else:
        connection.execute(LOCK_PLACES, locked)
        row_id = connection.scalar(_registration_statement(dialect), params)
        if row_id is not None:
            key = confirmation_key(row_id, values["manage_token_hash"])
            queue_built_mail(session, key, mail)
    if row_id is None:
        return None
    row["id"] = row_id
    return _in_session(session, row)


@functools.cache
def _registration_statement(dialect: str) -> sa.Insert:
    """INSERT … SELECT of a registration with the status it was built for (``status``), when
    that is the status the database gives it as the statement runs (after the lock): nothing
    when the address is registered, or when the status would be another."""
    table, symposia = _REGISTRATION, Symposium.__table__
    symposium_id = sa.bindparam("symposium_id", type_=sa.Integer)

    # Places taken are kept on the locked settings row by the database's triggers: not counted.
    confirmed = places_taken(symposium_id).scalar_subquery()
    moderated = sa.select(_SETTINGS.c.moderated).where(_SETTINGS.c.symposium_id == symposium_id)
    moderated = moderated.scalar_subquery()
    capacity = sa.select(symposia.c.capacity).where(symposia.c.id == symposium_id)
    capacity = capacity.scalar_subquery()
    status = sa.case(
        (moderated, RegistrationStatus.PENDING.value),
        (sa.or_(capacity.is_(None), confirmed < capacity), RegistrationStatus.CONFIRMED.value),
        else_=RegistrationStatus.WAITING.value,
    )
    chosen = [sa.bindparam(column.key, type_=column.type) for column in _COLUMNS]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The WHERE also keeps SQLite from reading ON CONFLICT as part of the SELECT.
    return (
        insert(table)
        .from_select(_COLUMNS, sa.select(*chosen).where(status == sa.bindparam("status")))
        .on_conflict_do_nothing(index_elements=[table.c.symposium_id, table.c.email])
        .returning(table.c.id)
    )


@functools.cache
def _registration_and_mail() -> sa.Select:
    """PostgreSQL: the registration and its mail in one statement; a row with the
    registration's id, or none when nothing was written."""
    registered = _registration_statement("postgresql").cte("registered")
    # Every column with a default too: the defaults of an INSERT inside a WITH are not filled in.
    columns = ["idempotency_key", "recipient", "subject", "body", "attachments", "status"]
    columns += ["attempts", "next_attempt_at", "created_at"]
    chosen = [
        _key_in_sql(registered.c.id),
        *(sa.bindparam(f"mail_{name}", type_=_OUTBOX.c[name].type) for name in columns[1:]),
    ]
    mailed = postgresql.insert(_OUTBOX).from_select(columns, sa.select(*chosen))
    mailed = mailed.returning(_OUTBOX.c.id).cte("mailed")
    return sa.select(registered.c.id).where(sa.exists(sa.select(mailed.c.id)))


def _locked_and_written(connection: sa.Connection, locked: dict, params: dict) -> int | None:
    """PostgreSQL: the lock, then the registration and its mail, sent in one message, so the
    write runs the moment the lock is granted instead of a round trip to this process later.
    Outside a transaction, a BEGIN and a COMMIT go in the same message: the lock is then held
    only while the server runs the statements, and registering takes one round trip. Two
    statements still: the write sees every registration committed before the lock was granted.

    The values go into the SQL as literals (psycopg's client-side binding, which quotes them),
    as several statements can only be sent together that way."""
    driver = connection.connection.driver_connection
    own = driver.autocommit and driver.info.transaction_status == TransactionStatus.IDLE
    statements, lock, write = _statements(connection.dialect, own)
    values = lock.construct_params(locked) | write.construct_params(params)
    values["mail_attachments"] = Json(values["mail_attachments"])  # as SQLAlchemy does
    try:
        with psycopg.ClientCursor(driver) as cursor:
            cursor.execute(statements, values)
            for _ in range(1 + own):  # to the write's answer, past the BEGIN and the lock's
                cursor.nextset()
            found = cursor.fetchone()
            if own and found is None:
                cursor.execute("BEGIN")  # ``register`` goes on, in a transaction
    except psycopg.Error:
        # SQLAlchemy did not run these statements, so it would not notice a lost connection:
        # keep the pool from handing it out again.
        if driver.broken:
            connection.invalidate()
        raise
    return None if found is None else found[0]


@functools.lru_cache(maxsize=16)  # a few engines: the app's, a test's, a command's
def _statements(dialect: sa.Dialect, own_transaction: bool) -> tuple[str, Compiled, Compiled]:
    """The lock and the write as one text (with a BEGIN and a COMMIT around them), and each
    compiled, whose parameters it takes."""
    lock, write = (
        LOCK_PLACES.compile(dialect=dialect),
        _registration_and_mail().compile(dialect=dialect),
    )
    assert not set(lock.params) & set(write.params), "one name, two values"
    both = [lock.string, write.string]
    text = ";\n".join(["BEGIN", *both, "COMMIT"] if own_transaction else both)
    return text, lock, write
