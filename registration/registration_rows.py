"""Registration rows written without the ORM's unit of work, which for one row costs more than
the rest of registering: a new registration, and a first registration on the open form written
together with its confirmation mail by one statement on PostgreSQL (the lock, then the
statement, on SQLite).

On PostgreSQL that statement takes the symposium's lock itself, and on the open form (whose
reads run outside a transaction) it is a transaction of its own, which also checks that the
symposium's rows are still as the request read them from what the process kept
(``kept_symposia``): a registration then takes one round trip, and the lock is held only while
the server runs the write, never while it waits for this process. The statement is prepared on
each connection (psycopg's cache of prepared statements), so the server plans it once."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from psycopg.types.json import Json
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Compiled
from sqlalchemy.orm import Session, make_transient_to_detached

from registration.kept_symposia import OWN_SETTINGS, KeptCopyOutdated, version
from registration.models import Registration, RegistrationSettings, RegistrationStatus
from symposium import db
from symposium.models import MailStatus, OutboxMessage, Symposium
from symposium.names import name_key
from symposium.outbox import Mail, mail_values, queue_built_mail

_REGISTRATION = Registration.__table__
_OUTBOX = OutboxMessage.__table__
_SETTINGS = RegistrationSettings.__table__


def _lock(symposium_id: sa.BindParameter) -> sa.Update:
    """The symposium's lock (see registrations.py), in Core on the session's connection:
    nothing in the session reads ``changes``."""
    settings = _SETTINGS.c
    return (
        sa.update(_SETTINGS)
        .where(settings.symposium_id == symposium_id)
        .values(changes=settings.changes + 1)
    )


LOCK_PLACES = _lock(sa.bindparam("locked_symposium"))
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
    session: Session,
    symposium: Symposium,
    values: dict,
    *,
    mail: Mail,
    kept_version: str | None = None,
) -> int | None:
    """Take the symposium's lock, then write a registration of an address that has none for
    ``symposium`` yet, with the status it was built for (``values["status"]``: pending
    approval in a moderated symposium, else confirmed), and queue its ``mail``, if that is the
    status the database gives it now. The symposium's registration settings row exists.

    The registration's id, else None with nothing written: when the address has a registration,
    the last place went meanwhile, or the moderation was switched (``register`` then decides,
    in a transaction). On PostgreSQL, outside a transaction
    (``db.reads_outside_a_transaction``), the statement is a transaction of its own; with a
    ``kept_version`` (``kept_symposia.unchecked``) it writes only if the symposium's rows are
    still at that version, else raises KeptCopyOutdated."""
    row = full_row(symposium, values)
    params = {column.key: row[column.key] for column in _COLUMNS}
    session.flush()  # the statements run on the connection, which does not flush the session
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        queued = mail_values("", mail) | {"status": MailStatus.QUEUED.value, "attempts": 0}
        queued |= {"next_attempt_at": values["created_at"], "created_at": values["created_at"]}
        params |= {f"mail_{name}": value for name, value in queued.items()}
        params |= {"key_suffix": values["manage_token_hash"][:16], "kept_version": kept_version}
        row_id = _locked_and_written(connection, params)
    else:
        connection.execute(LOCK_PLACES, {"locked_symposium": symposium.id})
        row_id = connection.scalar(_registration_statement(), params)
        if row_id is not None:
            key = confirmation_key(row_id, values["manage_token_hash"])
            queue_built_mail(session, key, mail)
    return row_id


_SYMPOSIUM_ID = sa.bindparam("symposium_id", type_=sa.Integer)


def _status(moderated: sa.ColumnElement, confirmed: sa.ColumnElement) -> sa.Case:
    """The status the database gives a registration now, from the symposium's moderation and
    its confirmed registrations (the symposium is ``:symposium_id``)."""
    symposia = Symposium.__table__
    capacity = sa.select(symposia.c.capacity).where(symposia.c.id == _SYMPOSIUM_ID)
    capacity = capacity.scalar_subquery()
    return sa.case(
        (moderated, RegistrationStatus.PENDING.value),
        (sa.or_(capacity.is_(None), confirmed < capacity), RegistrationStatus.CONFIRMED.value),
        else_=RegistrationStatus.WAITING.value,
    )


def _inserted_if(
    insert, status: sa.Case, locked: sa.CTE | None = None, *conditions: sa.ColumnElement[bool]
) -> sa.Insert:
    """INSERT … SELECT of a registration with the status it was built for (``status``), when
    that is ``status`` as the statement runs and the ``conditions`` hold: nothing when the
    address is registered, or when the status would be another."""
    table = _REGISTRATION
    chosen = sa.select(*(sa.bindparam(column.key, type_=column.type) for column in _COLUMNS))
    if locked is not None:
        chosen = chosen.select_from(locked)
    # The WHERE also keeps SQLite from reading ON CONFLICT as part of the SELECT.
    return (
        insert(table)
        .from_select(_COLUMNS, chosen.where(status == sa.bindparam("status"), *conditions))
        .on_conflict_do_nothing(index_elements=[table.c.symposium_id, table.c.email])
        .returning(table.c.id)
    )


@functools.cache
def _registration_statement() -> sa.Insert:
    """SQLite, after the lock: the registration (``_inserted_if``), its status from the
    symposium's settings row, read afresh (the places taken are kept on it by the database's
    triggers: not counted)."""
    moderated = sa.select(_SETTINGS.c.moderated).where(_SETTINGS.c.symposium_id == _SYMPOSIUM_ID)
    confirmed = places_taken(_SYMPOSIUM_ID).scalar_subquery()
    return _inserted_if(sqlite.insert, _status(moderated.scalar_subquery(), confirmed))


@functools.cache
def _registration_and_mail() -> sa.Select:
    """PostgreSQL: the lock, the registration (``_inserted_if``) and its mail in one statement;
    a row with the registration's id (none when nothing was written) and whether the
    symposium's rows are still at the version the request used (``:kept_version``, from
    ``kept_symposia``; none given: yes), without which nothing is written.

    The status, and the settings' part of the version, are read from the settings row as the
    lock leaves it: an UPDATE that waited for another transaction's lock carries on with the
    row that transaction committed, so its RETURNING gives the places taken, the moderation and
    the other settings as they are once the lock is granted (the statement's snapshot, taken
    before the wait, would not)."""
    own = [_SETTINGS.c[name] for name in OWN_SETTINGS]
    locked = _lock(_SYMPOSIUM_ID).returning(_SETTINGS.c.places_taken, *own).cte("locked")
    kept_version = sa.bindparam("kept_version", type_=sa.Text)
    now = version(_SYMPOSIUM_ID, [locked.c[name] for name in OWN_SETTINGS])
    current = sa.select(sa.or_(kept_version.is_(None), now == kept_version).label("current"))
    current = current.select_from(locked).cte("current")
    status = _status(locked.c.moderated, locked.c.places_taken)
    written = _inserted_if(postgresql.insert, status, locked, current.c.current)
    registered = written.cte("registered")
    # Every column with a default too: the defaults of an INSERT inside a WITH are not filled in.
    columns = ["idempotency_key", "recipient", "subject", "body", "attachments", "status"]
    columns += ["attempts", "next_attempt_at", "created_at"]
    chosen = [
        _key_in_sql(registered.c.id),
        *(sa.bindparam(f"mail_{name}", type_=_OUTBOX.c[name].type) for name in columns[1:]),
    ]
    mailed = postgresql.insert(_OUTBOX).from_select(columns, sa.select(*chosen))
    mailed = mailed.returning(_OUTBOX.c.id).cte("mailed")
    registration_id = sa.select(registered.c.id).where(sa.exists(sa.select(mailed.c.id)))
    return sa.select(registration_id.scalar_subquery(), current.c.current)


def _locked_and_written(connection: sa.Connection, params: dict) -> int | None:
    """PostgreSQL: run ``_registration_and_mail`` on the session's connection; the
    registration's id, or None (KeptCopyOutdated when the symposium's rows are not at
    ``params["kept_version"]``). Outside a transaction the statement is a transaction of its
    own, and when it wrote nothing a transaction is begun, in which ``register`` goes on."""
    write = _compiled(connection.dialect)
    values = write.construct_params(params)
    values["mail_attachments"] = Json(values["mail_attachments"])  # as SQLAlchemy does
    with db.driver_of(connection) as driver:
        own = driver.autocommit and driver.info.transaction_status == TransactionStatus.IDLE
        with driver.cursor() as cursor:
            found = cursor.execute(write.string, values, prepare=True).fetchone()
        registration_id, current = found if found is not None else (None, True)
        if own and registration_id is None:
            driver.execute("BEGIN")
    if not current:
        raise KeptCopyOutdated
    return registration_id


@functools.lru_cache(maxsize=16)  # a few engines: the app's, a test's, a command's
def _compiled(dialect: sa.Dialect) -> Compiled:
    return _registration_and_mail().compile(dialect=dialect)
