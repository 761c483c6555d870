"""The symposium, its days and its registration settings as the open registration form reads
them on every request, kept between requests on PostgreSQL: loading them as objects costs a
fifth of a registration, checking them costs one small statement.

The check reads what identifies each row's current version (PostgreSQL's ``xmin`` and
``ctid``, which every UPDATE of a row replaces, whoever makes it) of the symposium and of each
of its days, and the settings' own values (their row also counts the places taken, which
changes with every registration). Whatever differs from what was kept, the rows are read again.
The copies handed to a request are the request's own (``Session.merge`` without loading), so
nothing a request does reaches what is kept; the settings' counters are read afresh if asked
for. SQLite reads the rows every time (they cost a third of what they cost on PostgreSQL).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from registration.models import RegistrationSettings
from symposium import db
from symposium.models import Symposium, SymposiumDay

Found = tuple[Symposium, RegistrationSettings]
_COUNTERS = ("changes", "places_taken")  # kept by registrations, not by the organisers
_KEPT = 64  # symposia kept by each process
_kept: OrderedDict[tuple, tuple[tuple, Found]] = OrderedDict()
_kept_lock = threading.Lock()


_SPACE = sa.literal_column("' '", sa.Text)  # written into the statement: no parameter


def _row_version(table: sa.FromClause) -> sa.ColumnElement[str]:
    """What identifies the row's current version: a new one has another."""
    system = (sa.literal_column(f"{table.name}.{name}", sa.Text) for name in ("xmin", "ctid"))
    return sa.func.concat_ws(_SPACE, *system)


@functools.lru_cache(maxsize=16)  # a few engines: the app's, a test's, a command's
def _check(dialect: sa.Dialect) -> str:
    """The statement that reads the versions of the symposium's rows and its settings."""
    symposia, settings = Symposium.__table__, RegistrationSettings.__table__
    days = SymposiumDay.__table__.alias("d")
    day_version = sa.func.concat_ws(_SPACE, days.c.id, _row_version(days))
    day_versions = sa.func.string_agg(day_version, aggregate_order_by(_SPACE, days.c.id))
    own_values = [column for column in settings.c if column.name not in _COUNTERS]
    return str(
        sa.select(
            _row_version(symposia),
            sa.select(day_versions).where(days.c.symposium_id == symposia.c.id).scalar_subquery(),
            *own_values,
        )
        .join_from(symposia, settings, settings.c.symposium_id == symposia.c.id)
        .where(symposia.c.id == sa.bindparam("symposium_id"))
        .compile(dialect=dialect)
    )


def kept_symposium_and_settings(
    session: Session, symposium_id: int, load: Callable[[Session, int], Found | None]
) -> Found | None:
    """``load(session, symposium_id)``: the symposium (its days loaded) and its settings, in
    ``session`` as if loaded there, from what this process kept when their rows have not
    changed since."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return load(session, symposium_id)
    check = _check(connection.dialect)
    with db.driver_of(connection) as driver, driver.cursor() as cursor:
        seen = cursor.execute(check, {"symposium_id": symposium_id}, prepare=True).fetchone()
    if seen is None:  # no such symposium, or its settings row is still to be made
        return load(session, symposium_id)
    key = (connection.engine, symposium_id)  # the engine itself: its URL is slow to hash
    with _kept_lock:
        kept = _kept.get(key)
    if kept is None or kept[0] != seen:
        # Read after the check: if the rows change in between, the next check reads them again.
        with Session(bind=connection, expire_on_commit=False) as own:
            found = load(own, symposium_id)
            own.expunge_all()
        if found is None or found[1] is None:  # gone in between: as the request finds it
            return load(session, symposium_id)
        kept = (seen, found)
        with _kept_lock:
            _kept[key] = kept
            _kept.move_to_end(key)
            while len(_kept) > _KEPT:
                _kept.popitem(last=False)
    symposium, settings = (session.merge(row, load=False) for row in kept[1])
    session.expire(settings, _COUNTERS)
    return symposium, settings
