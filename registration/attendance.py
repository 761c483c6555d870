"""Attendance of a symposium: each registrant's presence per day, reviewing the rows of an
imported report no registration was matched to, and manual check-ins (importing a report is in
attendance_import.py).

Every change to a day's attendance locks the day's row before it writes anything (see lock_day),
so that two of them (an import and a review decision, say) are applied one after the other, each
seeing what the other did, and the day's figures stay true.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from registration.attendance_models import (
    AttendanceImport,
    AttendanceRow,
    DayAttendance,
    ManualCheck,
    MatchStatus,
)
from registration.matching import Person, match_rows, normalise_name
from registration.models import Registration, RegistrationSettings, RegistrationStatus
from registration.report_times import merged_minutes
from symposium.models import Symposium, SymposiumDay, User
from symposium.services import guard_days

# The threshold of a symposium whose registration settings were never saved: the column's own
# default, so the two cannot disagree.
DEFAULT_THRESHOLD: int = RegistrationSettings.__table__.c.attendance_threshold_minutes.default.arg
COUNTED = (MatchStatus.MATCHED.value, MatchStatus.ASSIGNED.value)
TO_REVIEW = (MatchStatus.UNMATCHED.value, MatchStatus.AMBIGUOUS.value)


class AttendanceError(ValueError):
    """A change to attendance that cannot be made; the message says why, for the organiser."""


class AlreadyCheckedIn(AttendanceError):
    """The same check-in is recorded already (the form was sent twice): nothing to do."""


@dataclass(frozen=True)
class ReviewItem:
    """A person of a report that needs an organiser: their rows (the joins of one name and
    address) and the registrations to offer first."""

    day: SymposiumDay
    rows: list[AttendanceRow]
    minutes: int
    candidates: list[Registration]

    @property
    def row(self) -> AttendanceRow:
        return self.rows[0]


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """An aware datetime as the naive UTC the database stores."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def lock_day(session: Session, day: SymposiumDay) -> None:
    """Serialise the changes to ``day``'s attendance: the first statement of each, before any
    write. Writing first would deadlock on PostgreSQL: a new row referring to the day holds a
    share lock on it, which two such changes would each wait for the other to give up. An
    update that changes nothing rather than SELECT … FOR UPDATE, so that on SQLite too it takes
    the write lock and what follows reads the latest state (objects read before it need
    reading again)."""
    session.execute(
        sa.update(SymposiumDay)
        .where(SymposiumDay.id == day.id)
        .values(number=SymposiumDay.number)
        .execution_options(synchronize_session=False)
    )


def lock_every_day(session: Session, symposium_id: int) -> None:
    """``lock_day`` for every day of a symposium, for a change that may touch the attendance of
    any of them (erasing a person, whose rows can be on any day, or be imported onto one until
    the lock is held). In the days' id order, so that two such changes take the locks in the
    same order and never each hold one the other waits for."""
    days = session.scalars(
        sa.select(SymposiumDay)
        .where(SymposiumDay.symposium_id == symposium_id)
        .order_by(SymposiumDay.id)
    )
    for day in days.all():
        lock_day(session, day)


def attendance_threshold(session: Session, symposium_id: int) -> int:
    """Minutes present on a day for a registrant to count as attending it."""
    settings = session.get(RegistrationSettings, symposium_id)
    return settings.attendance_threshold_minutes if settings else DEFAULT_THRESHOLD


def eligible_query(symposium_id: int) -> sa.Select:
    return sa.select(Registration).where(
        Registration.symposium_id == symposium_id,
        Registration.status == RegistrationStatus.CONFIRMED.value,
        Registration.erased_at.is_(None),
    )


def eligible_registrations(session: Session, symposium: Symposium) -> list[Registration]:
    """The registrations attendance may be credited to (confirmed, not erased), by name."""
    query = eligible_query(symposium.id).options(selectinload(Registration.economy))
    return sorted(session.scalars(query), key=lambda registration: registration.name_order)


def _check_eligible(session: Session, registration: Registration, symposium_id: int) -> None:
    """Read ``registration`` again and raise AttendanceError, before anything is written, unless
    attendance may be credited to it. Callers lock the day first: the registration the request
    loaded may be older than an erasure committed since, and erasure locks every day before
    it writes, so what is read once the day is locked stays true until the commit."""
    name = registration.full_name  # as the organiser chose it, before an erasure blanks it
    current = session.scalar(
        sa.select(Registration)
        .where(Registration.id == registration.id)
        .execution_options(populate_existing=True)
    )
    if current is None or current.symposium_id != symposium_id:
        raise AttendanceError("That registration is not of this symposium.")
    if current.erased_at is not None:
        raise AttendanceError(
            f"{name}'s registration was erased (perhaps by another organiser); nothing changed."
        )
    if current.status != RegistrationStatus.CONFIRMED:
        raise AttendanceError(f"{name}'s registration is not confirmed.")


def recompute_day(session: Session, day: SymposiumDay) -> None:
    """Recompute every registrant's DayAttendance of ``day`` from its imported rows (matched or
    assigned) and manual checks: minutes are the merged intervals, overlaps counted once; a
    check-in without a check-out adds no minutes but counts as present. Callers lock the day
    (lock_day) before they change its sources; it is locked here again for those that don't."""
    lock_day(session, day)
    session.flush()
    threshold = attendance_threshold(session, day.symposium_id)
    intervals: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    imported = session.execute(
        sa.select(AttendanceRow.registration_id, AttendanceRow.joined_at, AttendanceRow.left_at)
        .join(AttendanceImport)
        .where(
            AttendanceImport.day_id == day.id,
            AttendanceRow.status.in_(COUNTED),
            AttendanceRow.registration_id.is_not(None),
        )
    )
    for registration_id, joined_at, left_at in imported:
        intervals[registration_id].append((joined_at, left_at))
    checked_in: set[int] = set()
    for check in session.scalars(sa.select(ManualCheck).where(ManualCheck.day_id == day.id)):
        if check.checked_out_at is None:
            checked_in.add(check.registration_id)
        else:
            intervals[check.registration_id].append((check.checked_in_at, check.checked_out_at))
    existing = {
        record.registration_id: record
        for record in session.scalars(
            sa.select(DayAttendance).where(DayAttendance.day_id == day.id)
        )
    }
    for registration_id in intervals.keys() | checked_in:
        record = existing.pop(registration_id, None) or DayAttendance(
            registration_id=registration_id, day_id=day.id
        )
        record.minutes = merged_minutes(intervals[registration_id])
        record.checked_in = registration_id in checked_in
        record.attended = record.minutes >= threshold or record.checked_in
        session.add(record)
    for stale in existing.values():  # nothing credits them any more
        session.delete(stale)
    session.flush()


# --- reviewing --------------------------------------------------------------------------------


def _same_person(
    session: Session, row: AttendanceRow, statuses: tuple[str, ...] = TO_REVIEW
) -> list[AttendanceRow]:
    """``row`` and the other rows of its import in ``statuses`` (still to review by default) of
    the same name and address (a person who rejoined): a decision about one is about all."""
    key = normalise_name(row.name)
    siblings = session.scalars(
        sa.select(AttendanceRow).where(
            AttendanceRow.import_id == row.import_id,
            AttendanceRow.email == row.email,
            AttendanceRow.status.in_(statuses),
            AttendanceRow.id != row.id,
        )
    )
    return [row, *(r for r in siblings if normalise_name(r.name) == key)]


def review_rows(
    session: Session, symposium: Symposium, statuses: tuple[str, ...] = TO_REVIEW
) -> list[ReviewItem]:
    """The people of the symposium's reports that match no registration, or several (or, with
    ``statuses``, those in other statuses), one item per person and day, by day and line."""
    rows = session.scalars(
        sa.select(AttendanceRow)
        .join(AttendanceImport)
        .join(SymposiumDay, SymposiumDay.id == AttendanceImport.day_id)
        .where(AttendanceImport.symposium_id == symposium.id, AttendanceRow.status.in_(statuses))
        .options(selectinload(AttendanceRow.report))
        .order_by(SymposiumDay.number, AttendanceRow.line)
    ).all()
    days = {day.id: day for day in symposium.days}
    eligible = {r.id: r for r in eligible_registrations(session, symposium)}
    groups: dict[tuple[int, str, str], list[AttendanceRow]] = {}
    for row in rows:
        groups.setdefault((row.import_id, normalise_name(row.name), row.email), []).append(row)
    return [
        ReviewItem(
            day=days[group[0].report.day_id],
            rows=group,
            minutes=merged_minutes((r.joined_at, r.left_at) for r in group),
            candidates=[eligible[i] for i in group[0].candidates if i in eligible],
        )
        for group in groups.values()
    ]


def _day_of(session: Session, row: AttendanceRow) -> SymposiumDay:
    return session.get_one(SymposiumDay, row.report.day_id)


def _lock_row(session: Session, row: AttendanceRow, statuses: tuple[str, ...]) -> SymposiumDay:
    """Lock ``row``'s day, then read ``row`` again: the screen the decision was taken on may be
    older than another organiser's decision, or than an import of the day. Raises
    AttendanceError, changing nothing, unless the row is still in one of ``statuses``."""
    day = _day_of(session, row)
    name = row.name or row.email or "That row"
    lock_day(session, day)
    current = session.scalar(
        sa.select(AttendanceRow)
        .where(AttendanceRow.id == row.id)
        .execution_options(populate_existing=True)
    )
    if current is None:
        raise AttendanceError(
            f"The report of day {day.number} was imported again since the review screen was "
            f"shown, so {name} may be listed differently now; nothing changed."
        )
    if current.status in statuses:
        return day
    if current.status in COUNTED:
        who = current.registration.full_name if current.registration else ""
        done = f"was already credited to {who or 'a registrant'}"
    elif current.status == MatchStatus.IGNORED:
        done = "was already ignored"
    else:
        done = "was already brought back to review"
    raise AttendanceError(f"{name} {done} (perhaps by another organiser); nothing changed.")


def assign_row(session: Session, row: AttendanceRow, registration: Registration) -> int:
    """Credit ``row`` (and the same person's other rows to review) to ``registration``; returns
    how many rows were assigned. Raises AttendanceError, changing nothing, if the row is no
    longer to review or the registration may not be credited (erased, say, since the screen)."""
    day = _lock_row(session, row, TO_REVIEW)
    _check_eligible(session, registration, row.report.symposium_id)
    rows = _same_person(session, row)
    for each in rows:
        each.status = MatchStatus.ASSIGNED.value
        each.registration_id = registration.id
    recompute_day(session, day)
    return len(rows)


def ignore_row(session: Session, row: AttendanceRow) -> int:
    """Leave ``row`` (and the same person's other rows to review) out of attendance — the host's
    account, a room, a test; returns how many rows were ignored. Raises AttendanceError if the
    row is no longer to review."""
    day = _lock_row(session, row, TO_REVIEW)
    rows = _same_person(session, row)
    for each in rows:
        each.status = MatchStatus.IGNORED.value
        each.registration_id = None
    recompute_day(session, day)
    return len(rows)


def review_again(session: Session, row: AttendanceRow) -> int:
    """Undo "ignore": ``row`` (and the same person's other ignored rows that day) is matched
    again as an import would match it — credited if it now matches a registrant for certain,
    otherwise back on the review screen. Returns how many rows came back. Raises
    AttendanceError if the row is not ignored (any more)."""
    day = _lock_row(session, row, (MatchStatus.IGNORED.value,))
    rows = _same_person(session, row, (MatchStatus.IGNORED.value,))
    people = [
        Person(r.id, r.given_name, r.family_name, r.email)
        for r in session.scalars(eligible_query(row.report.symposium_id))
    ]
    for each, match in zip(rows, match_rows(rows, people), strict=True):
        each.status = match.status
        each.registration_id = match.person_id
        each.candidates = list(match.candidates)
    recompute_day(session, day)
    return len(rows)


# --- manual check-in --------------------------------------------------------------------------


def check_in(
    session: Session,
    registration: Registration,
    day: SymposiumDay,
    checked_in_at: dt.datetime,
    checked_out_at: dt.datetime | None,
    user: User | None,
    note: str = "",
) -> ManualCheck:
    """Record that ``registration`` was present on ``day`` from ``checked_in_at`` (aware) to
    ``checked_out_at`` (or, without one, present without a count of minutes). Raises
    AlreadyCheckedIn when the very same check-in is recorded already (a form sent twice), and
    AttendanceError, changing nothing, when the registration may not be credited (as read once
    the day is locked: erased or cancelled since the form was drawn, say)."""
    local_date = checked_in_at.astimezone(day.symposium.zone).date()
    if local_date != day.date:
        raise AttendanceError(f"Day {day.number} is {day.date:%d %B %Y}, not {local_date:%d %B}.")
    if checked_out_at is not None and checked_out_at <= checked_in_at:
        raise AttendanceError("The check-out must be later than the check-in.")
    lock_day(session, day)
    _check_eligible(session, registration, day.symposium_id)
    arrived, left = naive_utc(checked_in_at), checked_out_at and naive_utc(checked_out_at)
    same = sa.select(ManualCheck.id).where(
        ManualCheck.registration_id == registration.id,
        ManualCheck.day_id == day.id,
        ManualCheck.checked_in_at == arrived,
        ManualCheck.checked_out_at.is_not_distinct_from(left),
    )
    if session.scalar(same) is not None:
        zone = day.symposium.zone
        times = f"at {checked_in_at.astimezone(zone):%H:%M}"
        if checked_out_at is not None:
            times = f"from {checked_in_at.astimezone(zone):%H:%M} to "
            times += f"{checked_out_at.astimezone(zone):%H:%M}"
        raise AlreadyCheckedIn(
            f"{registration.full_name}'s check-in on day {day.number} {times} is recorded "
            "already; nothing changed."
        )
    check = ManualCheck(
        registration_id=registration.id,
        day_id=day.id,
        checked_in_at=arrived,
        checked_out_at=left,
        recorded_by_id=user.id if user else None,
        note=note.strip()[:300],
    )
    session.add(check)
    session.flush()
    recompute_day(session, day)
    return check


def remove_check(session: Session, check: ManualCheck) -> None:
    """Take back a manual check-in recorded by mistake; the day's attendance follows. Raises
    AttendanceError if it was removed already (the button pressed in two tabs)."""
    day = check.day
    lock_day(session, day)
    if session.scalar(sa.select(ManualCheck.id).where(ManualCheck.id == check.id)) is None:
        raise AttendanceError(
            f"The check-in of {check.registration.full_name} on day {day.number} was removed "
            "already; nothing changed."
        )
    session.delete(check)
    session.flush()
    recompute_day(session, day)


@guard_days
def attendance_on_days(session: Session, days: list[SymposiumDay]) -> list[str]:
    """What a set-up with fewer days would take of the attendance: the removed days' imported
    reports and check-ins (and with them who attended)."""
    ids = [day.id for day in days]
    reports = session.scalar(
        sa.select(sa.func.count(AttendanceImport.id)).where(AttendanceImport.day_id.in_(ids))
    )
    checks = session.scalar(
        sa.select(sa.func.count(ManualCheck.id)).where(ManualCheck.day_id.in_(ids))
    )
    return ["the attendance recorded for it"] if reports or checks else []
