"""The organisers' participant list: search and filters, counts, the waiting line, the status
changes that go with mails, the registration report and the summary by economy and sex
(erasure is in erasure.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from agenda.planning import counts_people_in_zones
from registration.attendance_models import DayAttendance
from registration.models import (
    ParticipantRole,
    Registration,
    RegistrationStatus,
)
from registration.places import approve, change_status
from registration.registrations import ACTIVE, RegistrationError
from symposium.models import SEXES, Economy, Symposium

PAGE_SIZE = 100
APPROVE = "approve"
# What an organiser may set a status to ("pending" is where registrants start, not a choice).
STATUS_ACTIONS = (APPROVE, *(s.value for s in RegistrationStatus if s != "pending"))
ROLES = tuple(role.value for role in ParticipantRole)


@dataclass(frozen=True)
class ParticipantFilter:
    """What the organiser searches for; None or "" means any."""

    search: str = ""
    economy_id: int | None = None
    sex: str | None = None
    role: str | None = None
    status: str | None = None
    attended: bool | None = None  # present on at least one day


# --- the list --------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i"})


def folded(text: str) -> str:
    """``text`` without case or accents, so "nguyen" finds "Nguyễn" and "JOSE" finds "José"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _conditions(symposium: Symposium, wanted: ParticipantFilter) -> list[sa.ColumnElement[bool]]:
    conditions = [Registration.symposium_id == symposium.id]
    if wanted.economy_id is not None:
        conditions.append(Registration.economy_id == wanted.economy_id)
    for column, value in (
        (Registration.sex, wanted.sex),
        (Registration.role, wanted.role),
        (Registration.status, wanted.status),
    ):
        if value:
            conditions.append(column == value)
    if wanted.attended is not None:
        present = sa.exists().where(
            DayAttendance.registration_id == Registration.id, DayAttendance.attended
        )
        conditions.append(present if wanted.attended else ~present)
    return conditions


_ORDER = (
    Economy.position,
    sa.func.lower(Registration.family_name),
    sa.func.lower(Registration.given_name),
    Registration.id,
)


def search_registrations(
    session: Session,
    symposium: Symposium,
    wanted: ParticipantFilter,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[Registration], int]:
    """One page (from 1) of the registrations that match, by economy then name; and how many
    match in all."""
    ids_query = (
        sa.select(
            Registration.id,
            Registration.given_name,
            Registration.family_name,
            Registration.email,
            Registration.organisation,
        )
        .join(Economy, Economy.id == Registration.economy_id)
        .where(*_conditions(symposium, wanted))
        .order_by(*_ORDER)
    )
    words = folded(wanted.search).split()
    # The text search runs here rather than in SQL: neither SQLite nor a plain PostgreSQL
    # ignores accents, and one symposium's registrations are a few hundred rows.
    ids = [
        id_
        for id_, *texts in session.execute(ids_query)
        # The e-mail is None once erased.
        if all(word in folded(" ".join(filter(None, texts))) for word in words)
    ]
    chosen = ids[(page - 1) * per_page : page * per_page]
    found = session.scalars(
        sa.select(Registration)
        .where(Registration.id.in_(chosen))
        .options(selectinload(Registration.economy))
    )
    by_id = {r.id: r for r in found}
    return [by_id[i] for i in chosen], len(ids)


def attended_ids(session: Session, registration_ids: Iterable[int]) -> set[int]:
    """Those of ``registration_ids`` present on at least one day."""
    ids = list(registration_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            sa.select(DayAttendance.registration_id)
            .where(DayAttendance.registration_id.in_(ids), DayAttendance.attended)
            .distinct()
        )
    )


@dataclass(frozen=True)
class RegistrationCounts:
    """How many registrations are in each status, beside the symposium's capacity."""

    confirmed: int
    waiting: int
    pending: int
    cancelled: int
    rejected: int
    capacity: int | None

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.confirmed, 0)


def registration_counts(session: Session, symposium: Symposium) -> RegistrationCounts:
    """The counts at the top of the list."""
    rows = session.execute(
        sa.select(Registration.status, sa.func.count(Registration.id))
        .where(Registration.symposium_id == symposium.id)
        .group_by(Registration.status)
    )
    counts = {status.value: 0 for status in RegistrationStatus}
    counts.update({status: number for status, number in rows})
    return RegistrationCounts(**counts, capacity=symposium.capacity)


def waiting_list(session: Session, symposium: Symposium) -> list[Registration]:
    """The waiting list in the order places are given (the first gets the next free place)."""
    return list(
        session.scalars(
            sa.select(Registration)
            .where(
                Registration.symposium_id == symposium.id,
                Registration.status == RegistrationStatus.WAITING,
            )
            .options(selectinload(Registration.economy))
            .order_by(Registration.created_at, Registration.id)  # as promote_waiting does
        )
    )


def symposium_registrations(
    session: Session, symposium: Symposium, ids: Iterable[int]
) -> list[Registration]:
    """The registrations with these ids that belong to ``symposium``, in order of the line."""
    ids = list(ids)
    if not ids:
        return []
    return list(
        session.scalars(
            sa.select(Registration)
            .where(Registration.symposium_id == symposium.id, Registration.id.in_(ids))
            .order_by(Registration.created_at, Registration.id)
        )
    )


# --- changes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    """What a status change did, for the mails the caller queues in the same transaction."""

    registration: Registration
    approved: bool = False  # tell them the outcome of moderation
    placed: tuple[Registration, ...] = ()  # now confirmed: tell them they have a place


def set_status(session: Session, registration: Registration, action: str) -> StatusChange:
    """Approve a pending registration, or set the status to one of ``STATUS_ACTIONS``."""
    if action not in STATUS_ACTIONS:
        raise RegistrationError("Choose a status.")
    if registration.erased_at is not None:
        raise RegistrationError("This registration was erased.")
    if action == APPROVE:
        approve(session, registration)
        return StatusChange(registration, approved=True)
    before = registration.status
    promoted = change_status(session, registration, action)
    if registration in promoted:
        raise RegistrationError(
            f"There are free places, so {registration.full_name} would be confirmed again at "
            "once: the waiting list is for a full symposium."
        )
    newly_confirmed = action == RegistrationStatus.CONFIRMED and before != action
    placed = (registration, *promoted) if newly_confirmed else tuple(promoted)
    return StatusChange(registration, placed=placed)


# --- the report ------------------------------------------------------------------------------

# fmt: off
REPORT_HEADER = (
    "Given name", "Family name", "E-mail", "Economy", "Organisation", "Organisation type",
    "Job title", "Sex", "Youth (under 35)", "Role", "Status", "Time zone", "Language",
    "Accessibility needs", "Privacy notice version", "Evaluation consent",
    "Registered at (UTC)", "Nominated", "Erased",
)
# fmt: on


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def report_header(symposium: Symposium) -> list[str]:
    """The report's columns: the person's fields, then attended and minutes for each day."""
    days = [
        f"Day {day.number} {what}" for day in symposium.days for what in ("attended", "minutes")
    ]
    return [*REPORT_HEADER, *days]


def report_rows(session: Session, symposium: Symposium) -> list[list[Any]]:
    """One row per registration (erased ones too, blank), by economy then name."""
    registrations = session.scalars(
        sa.select(Registration)
        .join(Economy, Economy.id == Registration.economy_id)
        .where(Registration.symposium_id == symposium.id)
        .options(selectinload(Registration.economy))
        .order_by(*_ORDER)
    ).all()
    presence = {
        (a.registration_id, a.day_id): a
        for a in session.scalars(
            sa.select(DayAttendance)
            .join(Registration, Registration.id == DayAttendance.registration_id)
            .where(Registration.symposium_id == symposium.id)
        )
    }
    rows = []
    for r in registrations:
        row = [
            r.given_name,
            r.family_name,
            r.email or "",
            r.economy.name,
            r.organisation,
            r.organisation_type,
            r.job_title,
            r.sex,
            _yes_no(r.youth),
            r.role,
            r.status,
            r.timezone,
            r.language or "",
            r.accessibility_needs,
            r.privacy_notice_version,
            _yes_no(r.consent_evaluation),
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            _yes_no(r.nomination_id is not None),
            _yes_no(r.erased_at is not None),
        ]
        for day in symposium.days:
            attendance = presence.get((r.id, day.id))
            row += [
                _yes_no(bool(attendance and attendance.attended)),
                attendance.minutes if attendance else 0,
            ]
        rows.append(row)
    return rows


# --- the summary by economy and sex ----------------------------------------------------------

SUMMARY_HEADER = ("Economy", *SEXES, "Total")


@dataclass(frozen=True)
class SummaryRow:
    """Confirmed registrations of one economy, by sex in the order of ``SEXES``."""

    economy: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class EconomySexSummary:
    rows: list[SummaryRow]

    @property
    def totals(self) -> SummaryRow:
        columns = zip(*(row.counts for row in self.rows), strict=True)
        sums = tuple(sum(column) for column in columns) or (0,) * len(SEXES)
        return SummaryRow("Total", sums)


def summarise(people: Iterable[tuple[str, str]]) -> EconomySexSummary:
    """Count ``(economy, sex)`` pairs given in economy order. A sex outside ``SEXES`` (none
    should exist) counts as "Prefer not to say": undisclosed, but never dropped."""
    undisclosed = SEXES.index("Prefer not to say")
    counts: dict[str, list[int]] = {}
    for economy, sex in people:
        column = SEXES.index(sex) if sex in SEXES else undisclosed
        counts.setdefault(economy, [0] * len(SEXES))[column] += 1
    return EconomySexSummary([SummaryRow(e, tuple(c)) for e, c in counts.items()])


def summary_by_economy_and_sex(session: Session, symposium: Symposium) -> EconomySexSummary:
    """Confirmed registrations (erased ones included) by economy and sex."""
    pairs = session.execute(
        sa.select(Economy.name, Registration.sex)
        .join(Economy, Economy.id == Registration.economy_id)
        .where(
            Registration.symposium_id == symposium.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Economy.position)
    )
    return summarise((economy, sex) for economy, sex in pairs)


def summary_rows(summary: EconomySexSummary) -> Iterator[Sequence[Any]]:
    """The summary as rows under ``SUMMARY_HEADER``, the total row last."""
    for row in [*summary.rows, summary.totals]:
        yield (row.economy, *row.counts, row.total)


@counts_people_in_zones
def registrants_by_zone(session: Session, symposium: Symposium) -> list[tuple[str, int]]:
    """For the time-zone planner: how many live registrations (confirmed, waiting, awaiting
    approval; not erased) gave each time zone."""
    people = sa.func.count(Registration.id)
    return [
        (zone, count)
        for zone, count in session.execute(
            sa.select(Registration.timezone, people)
            .where(
                Registration.symposium_id == symposium.id,
                Registration.status.in_(ACTIVE),
                Registration.erased_at.is_(None),
            )
            .group_by(Registration.timezone)
        )
    ]
