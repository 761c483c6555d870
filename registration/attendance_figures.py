"""What the attendance pages read: each day's figures, each registrant's presence by day, and
the manual check-ins (the changes themselves are in attendance.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from registration.attendance import TO_REVIEW
from registration.attendance_models import (
    AttendanceImport,
    AttendanceRow,
    DayAttendance,
    ManualCheck,
    MatchStatus,
)
from registration.models import Registration, RegistrationStatus
from symposium.models import Symposium, SymposiumDay


@dataclass(frozen=True)
class DaySummary:
    """A day's figures for the overview."""

    day: SymposiumDay
    report: AttendanceImport | None
    confirmed: int  # registered and confirmed (the same every day)
    attended: int
    imported_rows: int
    to_review: int  # unmatched or ambiguous
    ignored: int
    manual_checks: int


def _per_day(session: Session, query: sa.Select) -> dict:
    result: dict = defaultdict(dict)
    for day_id, key, count in session.execute(query):
        result[day_id][key] = count
    return result


def attendance_summary(session: Session, symposium: Symposium) -> list[DaySummary]:
    """Per day: whether and what was imported, how many attended, and what is left to review."""
    day_ids = [day.id for day in symposium.days]
    # Counted as the completion report counts: confirmed registrations, erased ones included
    # (they keep their attendance); a cancelled person's minutes do not count.
    counted = sa.select(Registration.id).where(
        Registration.symposium_id == symposium.id,
        Registration.status == RegistrationStatus.CONFIRMED,
    )
    confirmed = session.scalar(sa.select(sa.func.count()).select_from(counted.subquery()))
    reports = session.scalars(
        sa.select(AttendanceImport).where(AttendanceImport.day_id.in_(day_ids))
    )
    by_day = {report.day_id: report for report in reports}
    count = sa.func.count()
    rows = _per_day(
        session,
        sa.select(AttendanceImport.day_id, AttendanceRow.status, count)
        .join(AttendanceRow.report)
        .where(AttendanceImport.day_id.in_(day_ids))
        .group_by(AttendanceImport.day_id, AttendanceRow.status),
    )
    attended = _per_day(
        session,
        sa.select(DayAttendance.day_id, DayAttendance.attended, count)
        .where(DayAttendance.day_id.in_(day_ids), DayAttendance.registration_id.in_(counted))
        .group_by(DayAttendance.day_id, DayAttendance.attended),
    )
    manual = session.execute(
        sa.select(ManualCheck.day_id, count)
        .where(ManualCheck.day_id.in_(day_ids))
        .group_by(ManualCheck.day_id)
    )
    manual_by_day = {day_id: number for day_id, number in manual}
    return [
        DaySummary(
            day=day,
            report=by_day.get(day.id),
            confirmed=confirmed or 0,
            attended=attended[day.id].get(True, 0),
            imported_rows=sum(rows[day.id].values()),
            to_review=sum(rows[day.id].get(status, 0) for status in TO_REVIEW),
            ignored=rows[day.id].get(MatchStatus.IGNORED.value, 0),
            manual_checks=manual_by_day.get(day.id, 0),
        )
        for day in symposium.days
    ]


def attendance_by_person(
    session: Session, symposium: Symposium
) -> list[tuple[Registration, dict[int, DayAttendance]]]:
    """Each registrant with any attendance, with their DayAttendance by day number."""
    numbers = {day.id: day.number for day in symposium.days}
    records = session.execute(
        sa.select(Registration, DayAttendance)
        .join(DayAttendance, DayAttendance.registration_id == Registration.id)
        .where(Registration.symposium_id == symposium.id)
        .options(selectinload(Registration.economy))
    ).all()
    people: dict[int, tuple[Registration, dict[int, DayAttendance]]] = {}
    for registration, record in records:
        people.setdefault(registration.id, (registration, {}))[1][numbers[record.day_id]] = record
    return sorted(people.values(), key=lambda person: person[0].name_order)


def manual_checks(
    session: Session, symposium: Symposium
) -> list[tuple[ManualCheck, Registration, SymposiumDay]]:
    """The symposium's manual check-ins with whom and which day, the latest recorded first."""
    query = (
        sa.select(ManualCheck, Registration, SymposiumDay)
        .join(Registration, Registration.id == ManualCheck.registration_id)
        .join(SymposiumDay, SymposiumDay.id == ManualCheck.day_id)
        .where(SymposiumDay.symposium_id == symposium.id)
        .order_by(ManualCheck.recorded_at.desc(), ManualCheck.id.desc())
    )
    return [tuple(row) for row in session.execute(query)]
