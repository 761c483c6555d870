"""Importing a day's videoconference report: parsed, kept to the day's date, matched to the
registrations, replacing the day's previous import (its review decisions and the attendance of
people erased since are kept), and the day counted again."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.attendance import (
    COUNTED,
    AttendanceError,
    eligible_query,
    lock_day,
    naive_utc,
    recompute_day,
)
from registration.attendance_models import AttendanceImport, AttendanceRow, MatchStatus
from registration.attendance_reports import (
    CONTROL,
    AttendanceReportError,
    ParsedReport,
    ReportRow,
    parse_attendance_report,
)
from registration.matching import Person, match_rows, normalise_name
from registration.models import Registration, RegistrationStatus
from symposium.models import Symposium, SymposiumDay, User
from symposium.services import is_known_timezone


def _rows_of_the_day(report: ParsedReport, day: SymposiumDay) -> list[ReportRow]:
    """The report's rows that fall on the day's date in the host zone (a report of a meeting
    used on several days lists them all). Raises AttendanceReportError when none does: most
    likely the report of another day, or day and month read the wrong way round."""
    zone = day.symposium.zone
    start = dt.datetime.combine(day.date, dt.time(), tzinfo=zone)
    end = start + dt.timedelta(days=1)
    on_the_day = [row for row in report.rows if row.joined < end and row.left >= start]
    if on_the_day:
        return on_the_day
    first = min(row.joined for row in report.rows).astimezone(zone)
    message = (
        f"The report's first join is on {first:%A %d %B %Y} ({zone.key}), but day {day.number} "
        f"is {day.date:%A %d %B %Y}: is it the report of another day?"
    )
    raise AttendanceReportError([(0, message)])


def _file_name(filename: str) -> str:
    """The name of an uploaded file without the folders some browsers send, for display."""
    return CONTROL.sub(" ", re.split(r"[\\/]", filename)[-1]).strip()[:255] or "report"


def _decisions(report: AttendanceImport | None) -> dict[tuple[str, str], AttendanceRow]:
    """The previous import's review decisions, by person (normalised name and address)."""
    if report is None:
        return {}
    done = (MatchStatus.ASSIGNED, MatchStatus.IGNORED)
    return {(normalise_name(r.name), r.email): r for r in report.rows if r.status in done}


def import_attendance_report(
    session: Session,
    symposium: Symposium,
    day: SymposiumDay,
    data: bytes,
    filename: str,
    zone: str,
    source: str | None,
    user: User | None,
) -> ImportResult:
    """Import ``day``'s videoconference report, replacing the day's previous import (decisions
    taken on its review screen are kept for the same people, and people erased since keep
    their attendance). Rows on other dates are left out. Raises AttendanceReportError, and
    changes nothing, when the file cannot be read or is not of this day."""
    if day.symposium_id != symposium.id:
        raise AttendanceError("That day is not of this symposium.")
    if not is_known_timezone(zone):
        raise AttendanceError(f"“{zone}” is not a known time zone.")
    report = parse_attendance_report(data, zone, source)
    if not report.rows:
        raise AttendanceReportError([(0, "The report lists nobody.")])
    try:
        rows = _rows_of_the_day(report, day)
    except AttendanceReportError as other_day:
        # Dates that read either way (05/06/2027) are month/day first; a report written
        # day/month (an Australian account, say) may be of this day the other way round.
        turned = parse_attendance_report(data, zone, source, prefer_day_first=True)
        try:
            rows = _rows_of_the_day(turned, day)
        except AttendanceReportError:
            raise other_day from None
        report = turned
    lock_day(session, day)
    eligible = {r.id: r for r in session.scalars(eligible_query(symposium.id))}
    people = [Person(r.id, r.given_name, r.family_name, r.email) for r in eligible.values()]
    others = session.scalars(  # addresses of registrations that may not be credited
        sa.select(Registration.email).where(
            Registration.symposium_id == symposium.id,
            Registration.status != RegistrationStatus.CONFIRMED,
            Registration.email.is_not(None),  # erased people have none
        )
    ).all()
    previous = session.scalar(sa.select(AttendanceImport).where(AttendanceImport.day_id == day.id))
    decisions = _decisions(previous)
    carried = _rows_of_erased(session, previous)
    erased_times = Counter((row.joined_at, row.left_at) for row in carried)
    if previous is not None:
        session.delete(previous)  # its rows go with it
        session.flush()
    imported = AttendanceImport(
        symposium_id=symposium.id,
        day_id=day.id,
        source=report.source,
        filename=_file_name(filename),
        timezone=zone,
        imported_by_id=user.id if user else None,
    )
    for row, match in zip(rows, match_rows(rows, people, others), strict=True):
        times = (naive_utc(row.joined), naive_utc(row.left))
        if match.status != MatchStatus.MATCHED and erased_times[times] > 0:
            # An erased person's row: their credit is carried over, their name is not kept.
            erased_times[times] -= 1
            continue
        record = AttendanceRow(
            line=row.line,
            name=row.name,
            email=row.email,
            joined_at=naive_utc(row.joined),
            left_at=naive_utc(row.left),
            status=match.status,
            registration_id=match.person_id,
            candidates=list(match.candidates),
        )
        earlier = decisions.get((normalise_name(row.name), row.email))
        if match.status != MatchStatus.MATCHED and earlier is not None:
            if earlier.status == MatchStatus.IGNORED:
                record.status = MatchStatus.IGNORED.value
            elif earlier.registration_id in eligible:
                record.status = MatchStatus.ASSIGNED.value
                record.registration_id = earlier.registration_id
        imported.rows.append(record)
    imported.rows.extend(carried)
    session.add(imported)
    session.flush()
    recompute_day(session, day)
    others = {row.joined.astimezone(symposium.zone).date() for row in report.rows} - {day.date}
    return ImportResult(imported, len(report.rows) - len(rows), tuple(sorted(others)))


@dataclass(frozen=True)
class ImportResult:
    """An import, and the rows of the file left out because they fall on other dates."""

    imported: AttendanceImport
    left_out: int = 0
    other_dates: tuple[dt.date, ...] = ()


def _rows_of_erased(session: Session, report: AttendanceImport | None) -> list[AttendanceRow]:
    """Copies of the previous import's rows credited to people since erased: the file can no
    longer be matched to them, so their attendance is carried into the new import as it was
    (already without name or address)."""
    if report is None:
        return []
    erased = set(
        session.scalars(
            sa.select(Registration.id).where(
                Registration.symposium_id == report.symposium_id,
                Registration.erased_at.is_not(None),
            )
        )
    )
    return [
        AttendanceRow(
            line=row.line,
            name="",
            email="",
            joined_at=row.joined_at,
            left_at=row.left_at,
            status=row.status,
            registration_id=row.registration_id,
            candidates=[],
        )
        for row in report.rows
        if row.status in COUNTED and row.registration_id in erased
    ]
