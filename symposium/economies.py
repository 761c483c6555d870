"""The APEC member economies under APEC nomenclature, with their capitals' time zones.

Names follow APEC usage: "Chinese Taipei", "Hong Kong, China", "Viet Nam" — never "Taiwan",
"Hong Kong" alone or "Vietnam".
"""

from __future__ import annotations

import threading
import weakref
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session


class EconomyData(NamedTuple):
    code: str
    name: str
    timezone: str
    is_member: bool = True


APEC_ECONOMIES: tuple[EconomyData, ...] = (
    EconomyData("AUS", "Australia", "Australia/Sydney"),
    EconomyData("BRN", "Brunei Darussalam", "Asia/Brunei"),
    EconomyData("CAN", "Canada", "America/Toronto"),
    EconomyData("CHL", "Chile", "America/Santiago"),
    EconomyData("CHN", "China", "Asia/Shanghai"),
    EconomyData("HKG", "Hong Kong, China", "Asia/Hong_Kong"),
    EconomyData("IDN", "Indonesia", "Asia/Jakarta"),
    EconomyData("JPN", "Japan", "Asia/Tokyo"),
    EconomyData("KOR", "Republic of Korea", "Asia/Seoul"),
    EconomyData("MYS", "Malaysia", "Asia/Kuala_Lumpur"),
    EconomyData("MEX", "Mexico", "America/Mexico_City"),
    EconomyData("NZL", "New Zealand", "Pacific/Auckland"),
    EconomyData("PNG", "Papua New Guinea", "Pacific/Port_Moresby"),
    EconomyData("PER", "Peru", "America/Lima"),
    EconomyData("PHL", "The Philippines", "Asia/Manila"),
    EconomyData("RUS", "Russia", "Europe/Moscow"),
    EconomyData("SGP", "Singapore", "Asia/Singapore"),
    EconomyData("TPE", "Chinese Taipei", "Asia/Taipei"),
    EconomyData("THA", "Thailand", "Asia/Bangkok"),
    EconomyData("USA", "The United States", "America/New_York"),
    EconomyData("VNM", "Viet Nam", "Asia/Ho_Chi_Minh"),
)

NON_MEMBER = EconomyData("XXX", "Non-member / international organisation", "UTC", is_member=False)

ALL_ECONOMIES: tuple[EconomyData, ...] = (*APEC_ECONOMIES, NON_MEMBER)


def sync_economies(session: Session) -> int:
    """Insert or correct the reference rows; return how many rows changed.

    Rows are matched by code, so ids (and everything that points at them) stay put.
    """
    from symposium.models import Economy

    existing = {e.code: e for e in session.scalars(sa.select(Economy))}
    changed = 0
    for position, data in enumerate(ALL_ECONOMIES):
        economy = existing.get(data.code)
        if economy is None:
            economy = Economy(code=data.code)
            session.add(economy)
        values = {
            "name": data.name,
            "timezone": data.timezone,
            "is_member": data.is_member,
            "position": position,
        }
        if any(getattr(economy, key, None) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(economy, key, value)
            changed += 1
    session.flush()
    if changed:
        forget_economies(session)
    return changed


# --- the rows, read once per process ----------------------------------------------------------


class EconomyRow(NamedTuple):
    """One economy as read from the database: the registration form and its mail read these
    on every request, so they are read once per process and database (see ``economy_rows``)."""

    id: int
    code: str
    name: str
    timezone: str
    is_member: bool
    position: int


_ROWS: weakref.WeakKeyDictionary[sa.Engine, tuple[EconomyRow, ...]] = weakref.WeakKeyDictionary()
_ROWS_LOCK = threading.Lock()


def economy_rows(session: Session) -> tuple[EconomyRow, ...]:
    """Every economy in list order, read from the session's database once per process.

    The rows are reference data: only ``sync_economies`` changes them (``flask db upgrade``,
    run on a deploy, before the workers start), and it forgets what was read here.
    """
    engine = session.get_bind().engine
    rows = _ROWS.get(engine)
    if rows is None:
        from symposium.models import Economy

        columns = [getattr(Economy, name) for name in EconomyRow._fields]
        found = session.execute(sa.select(*columns).order_by(Economy.position))
        rows = tuple(EconomyRow(*row) for row in found)
        with _ROWS_LOCK:
            _ROWS[engine] = rows
    return rows


def economy_row(session: Session, economy_id: int | None) -> EconomyRow | None:
    """The economy with this id, or None."""
    return next((row for row in economy_rows(session) if row.id == economy_id), None)


def forget_economies(session: Session) -> None:
    """Read the economies again on next use (after they changed)."""
    with _ROWS_LOCK:
        _ROWS.pop(session.get_bind().engine, None)
