"""The symposium, its days and its registration settings as the open registration form reads
them on every request, kept between requests on PostgreSQL: loading them as objects costs a
fifth of a registration, checking them costs one small statement.

The check reads what identifies each row's current version (PostgreSQL's ``xmin`` and
``ctid``, which every UPDATE of a row replaces, whoever makes it) of the symposium and of each
of its days, and the settings' own values (their row also counts the places taken, which
changes with every registration), as one digest: their ``version``. When it differs from what
was kept, the rows are read again. The copies handed to a request are the request's own
(``Session.merge`` without loading), so nothing a request does reaches what is kept; the
settings' counters are read afresh if asked for.

A registration sent on the open form skips even the check (``unchecked``): the statement that
writes it computes the version itself, under the symposium's lock, and writes nothing when it
is not the one the request used (``registration_rows``); the request then starts again with the
rows checked. SQLite reads the rows every time (they cost a third of what they cost on
PostgreSQL).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from registration.models import RegistrationSettings
from symposium import db
from symposium.models import Symposium, SymposiumDay

Found = tuple[Symposium, RegistrationSettings]
_COUNTERS = ("changes", "places_taken")  # kept by registrations, not by the organisers
_KEPT = 64  # symposia kept by each process
_kept: OrderedDict[tuple, tuple[str, Found]] = OrderedDict()  # (version, rows) by key
_kept_lock = threading.Lock()


_SPACE = sa.literal_column("' '", sa.Text)  # written into the statement: no parameter


def _row_version(table: sa.FromClause) -> sa.ColumnElement[str]:
    """What identifies the row's current version: a new one has another."""
    system = (sa.literal_column(f"{table.name}.{name}", sa.Text) for name in ("xmin", "ctid"))
    return sa.func.concat_ws(_SPACE, *system)


def version(
    symposium_id: sa.ColumnElement[int], settings: Sequence[sa.ColumnElement]
) -> sa.ColumnElement[str]:
    """The digest of what identifies the symposium's rows as the open form reads them: its row's
    version, each of its days' (id and version), and ``settings``, the own values of its
    registration settings (the ``OWN_SETTINGS`` columns of their row, or of a statement's)."""
    symposia, days = Symposium.__table__.alias("s"), SymposiumDay.__table__.alias("d")
    symposium_version = sa.select(_row_version(symposia)).where(symposia.c.id == symposium_id)
    day_version = sa.func.concat_ws(_SPACE, days.c.id, _row_version(days))
    day_versions = sa.select(
        sa.func.string_agg(day_version, aggregate_order_by(_SPACE, days.c.id))
    ).where(days.c.symposium_id == symposium_id)
    own_values = sa.cast(sa.tuple_(*settings), sa.Text)  # the row's text: one value
    return sa.func.md5(
        sa.func.concat_ws(
            _SPACE,
            symposium_version.scalar_subquery(),
            day_versions.scalar_subquery(),
            own_values,
        )
    )


OWN_SETTINGS = tuple(
    column.name for column in RegistrationSettings.__table__.c if column.name not in _COUNTERS
)  # what registrations do not change: an organiser's change of any of them is a new version


@functools.lru_cache(maxsize=16)  # a few engines: the app's, a test's, a command's
def _check(dialect: sa.Dialect) -> str:
    """The statement that reads the version of the symposium's rows (no row: no settings)."""
    settings = RegistrationSettings.__table__
    symposium_id = sa.bindparam("symposium_id")
    own = [settings.c[name] for name in OWN_SETTINGS]
    return str(
        sa.select(version(symposium_id, own))
        .where(settings.c.symposium_id == symposium_id)
        .compile(dialect=dialect)
    )


class KeptCopyOutdated(Exception):
    """The symposium's rows changed since the copy a request used was kept: nothing was
    written, and the request starts again with the rows checked."""


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
    if kept is None or kept[0] != seen[0]:
        # Read after the check: if the rows change in between, the next check reads them again.
        with Session(bind=connection, expire_on_commit=False) as own:
            found = load(own, symposium_id)
            own.expunge_all()
        if found is None or found[1] is None:  # gone in between: as the request finds it
            return load(session, symposium_id)
        kept = (seen[0], found)
        with _kept_lock:
            _kept[key] = kept
            _kept.move_to_end(key)
            while len(_kept) > _KEPT:
                _kept.popitem(last=False)
    return _copied(session, kept[1])


def unchecked(session: Session, symposium_id: int) -> tuple[*Found, str] | None:
    """What this process kept of the symposium, in ``session`` as ``kept_symposium_and_settings``
    gives it, without asking the database whether it changed, and its ``version``; None when
    nothing is kept (always on SQLite). Only for a write that compares the version itself."""
    with _kept_lock:
        kept = _kept.get((session.get_bind().engine, symposium_id))
    if kept is None:
        return None
    symposium, settings = _copied(session, kept[1])
    return symposium, settings, kept[0]


def _copied(session: Session, found: Found) -> Found:
    """The request's own copies of what was kept, the settings' counters read afresh if asked."""
    symposium, settings = (session.merge(row, load=False) for row in found)
    session.expire(settings, _COUNTERS)
    return symposium, settings
