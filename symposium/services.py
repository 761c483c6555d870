"""Setting up a symposium: the rules a set-up must satisfy, and creating or changing one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from symposium.economies import APEC_ECONOMIES
from symposium.links import is_web_link
from symposium.models import Economy, SupersededDate, Symposium, SymposiumDay

MIN_DAYS, MAX_DAYS = 2, 3


@cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name this machine knows (from the tzdata package if the OS has none)."""
    return frozenset(available_timezones())


def is_known_timezone(name: str) -> bool:
    return name in known_timezones()


def skipped_start(date: dt.date, start: dt.time, timezone: str) -> str | None:
    """Why a day cannot start at ``start`` on ``date`` in ``timezone`` (the clocks go forward
    over that time, which zoneinfo would quietly move an hour), or None when it can."""
    zone = ZoneInfo(timezone)
    wall = dt.datetime.combine(date, start)
    if wall.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return None
    return (
        f"{start:%H:%M} on {date:%a %-d %b %Y} does not exist in {timezone}: the clocks go "
        "forward over it that night. Choose an earlier or a later start."
    )


@dataclass
class DayPlan:
    date: dt.date
    start_time: dt.time = dt.time(9, 0)


@dataclass
class SymposiumSetup:
    """Everything an organiser enters to set a symposium up, as plain data."""

    title: str
    project_number: str
    forum: str
    po_name: str
    po_email: str
    host_timezone: str
    days: list[DayPlan]
    platform_name: str = "Zoom"
    platform_url: str | None = None
    languages: list[str] = field(default_factory=lambda: ["English"])
    interpretation: str | None = None
    invited_economy_ids: list[int] = field(default_factory=list)
    nomination_deadline: dt.date | None = None
    registration_deadline: dt.date | None = None
    capacity: int | None = None
    daily_max_minutes: int | None = 180
    target_women_participants_pct: int | None = 50
    target_women_speakers_pct: int | None = 30
    target_attendees: int | None = None
    target_economies: int | None = None
    target_knowledge_pct: int | None = 60
    target_collaboration_pct: int | None = 60
    target_women_or_youth_pct: int | None = None


PERCENT_TARGETS = (
    "target_women_participants_pct",
    "target_women_speakers_pct",
    "target_knowledge_pct",
    "target_collaboration_pct",
    "target_women_or_youth_pct",
)

# Fields copied as they are between SymposiumSetup and Symposium.
MEMBERS = len(APEC_ECONOMIES)  # 21

_PLAIN_FIELDS = tuple(
    f.name for f in fields(SymposiumSetup) if f.name not in {"days", "invited_economy_ids"}
)


class SetupError(ValueError):
    """A set-up that breaks the rules; ``problems`` maps each field to a readable message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def setup_problems(setup: SymposiumSetup) -> dict[str, str]:
    """Check the rules that involve more than one field or the reference data."""
    problems: dict[str, str] = {}
    if not is_known_timezone(setup.host_timezone):
        problems["host_timezone"] = (
            f"“{setup.host_timezone}” is not an IANA time zone; use a name such as America/Lima."
        )
    dates = [day.date for day in setup.days]
    if len(dates) < MIN_DAYS:
        problems["days"] = (
            f"A symposium has {MIN_DAYS} or {MAX_DAYS} days: give at least two dates."
        )
    elif len(dates) > MAX_DAYS:
        problems["days"] = (
            f"A symposium has {MIN_DAYS} or {MAX_DAYS} days; {len(dates)} dates were given."
        )
    elif any(later <= earlier for earlier, later in pairwise(dates)):
        problems["days"] = "Give the days in order, each on a later date than the one before."
    if "host_timezone" not in problems:
        for day in setup.days:
            if skipped := skipped_start(day.date, day.start_time, setup.host_timezone):
                problems.setdefault("days", skipped)
    first_day = dates[0] if dates else None
    if (
        setup.nomination_deadline
        and setup.registration_deadline
        and setup.nomination_deadline > setup.registration_deadline
    ):
        problems["nomination_deadline"] = (
            "The nomination deadline must not fall after the registration deadline."
        )
    for name in ("nomination_deadline", "registration_deadline"):
        deadline = getattr(setup, name)
        if deadline and first_day and deadline > first_day:
            problems.setdefault(name, "The deadline must not fall after the first day.")
    for name in PERCENT_TARGETS:
        value = getattr(setup, name)
        if value is not None and not 0 <= value <= 100:
            problems[name] = "Enter a percentage between 0 and 100."
    if setup.capacity is not None and setup.capacity < 1:
        problems["capacity"] = "Capacity must be at least 1, or left empty for no limit."
    if setup.daily_max_minutes is not None and not 30 <= setup.daily_max_minutes <= 720:
        problems["daily_max_minutes"] = "Give the longest day in minutes, between 30 and 720."
    if setup.target_attendees is not None and setup.target_attendees < 0:
        problems["target_attendees"] = "The number of attendees cannot be negative."
    if setup.target_economies is not None and not 0 <= setup.target_economies <= MEMBERS:
        problems["target_economies"] = f"APEC has {MEMBERS} member economies: enter 0 to {MEMBERS}."
    if setup.platform_url and not is_web_link(setup.platform_url):
        problems["platform_url"] = "Give a web address starting with https://."
    return problems


def setup_notices(symposium: Symposium, today: dt.date, *, created: bool) -> list[str]:
    """What a saved set-up may have got wrong without breaking a rule, to say at once: a new
    symposium dated in the past, a target of more economies than are invited."""
    notices = []
    if created and symposium.first_day is not None and symposium.first_day < today:
        notices.append(
            f"The first day, {symposium.first_day:%-d %B %Y}, is in the past: check the dates, "
            "unless you are recording a symposium that has already taken place."
        )
    invited = len(symposium.invited_economies)
    if symposium.target_economies is not None and symposium.target_economies > invited:
        notices.append(
            f"The target is {symposium.target_economies} economies represented, but "
            f"{invited} {'is' if invited == 1 else 'are'} invited: people from other economies "
            "can only come through the open registration form."
        )
    return notices


# What features keep on a day (agenda items, attendance), so that a set-up with fewer days
# does not delete it unseen: each guard gets the days that would go and says what is on them.
DayGuard = Callable[[Session, list[SymposiumDay]], list[str]]
_day_guards: list[DayGuard] = []


def guard_days(guard: DayGuard) -> DayGuard:
    """Register ``guard`` to be asked before days are removed from a set-up (idempotent)."""
    if guard not in _day_guards:
        _day_guards.append(guard)
    return guard


def _apply(session: Session, symposium: Symposium, setup: SymposiumSetup) -> None:
    problems = setup_problems(setup)
    economies = list(
        session.scalars(sa.select(Economy).where(Economy.id.in_(setup.invited_economy_ids)))
    )
    if len(economies) != len(set(setup.invited_economy_ids)):
        problems["invited_economy_ids"] = "One of the invited economies is not known."
    leaving = [day for day in symposium.days[len(setup.days) :] if day.id is not None]
    if leaving and "days" not in problems:
        kept = [found for guard in _day_guards for found in guard(session, leaving)]
        if kept:
            numbers = " and ".join(f"day {day.number}" for day in leaving)
            problems["days"] = (
                f"Removing {numbers} would delete {'; '.join(kept)}: move or remove them "
                "first, or keep the day."
            )
    if problems:
        raise SetupError(problems)
    for name in _PLAIN_FIELDS:
        setattr(symposium, name, getattr(setup, name))
    symposium.invited_economies = sorted(economies, key=lambda e: e.position)
    # Days keep their identity by position so what later hangs on a day (its agenda) stays.
    for number, plan in enumerate(setup.days, start=1):
        if number <= len(symposium.days):
            day = symposium.days[number - 1]
            day.date, day.start_time = plan.date, plan.start_time
        else:
            symposium.days.append(
                SymposiumDay(number=number, date=plan.date, start_time=plan.start_time)
            )
    del symposium.days[len(setup.days) :]


def create_symposium(session: Session, setup: SymposiumSetup) -> Symposium:
    """Create a symposium from ``setup``; raises SetupError and adds nothing if it is wrong,
    or if it is already there (the same project number and title: the form sent twice)."""
    lock_new_symposia(session)  # the form sent twice at once: the second finds the first
    if same := _same_symposium(session, setup):
        raise _already_set_up(same, "Open it from the list of symposia to change it, or")
    symposium = Symposium()
    _apply(session, symposium, setup)
    session.add(symposium)
    session.flush()
    return symposium


def _same_symposium(
    session: Session, setup: SymposiumSetup, other_than: int | None = None
) -> Symposium | None:
    """Another symposium with this project number and title, as people mean them: letter case
    (any alphabet: SQL's lower() knows only ASCII on SQLite) and runs of spaces aside."""
    wanted = _identity(setup.project_number, setup.title)
    query = sa.select(Symposium.id, Symposium.project_number, Symposium.title)
    if other_than is not None:
        query = query.where(Symposium.id != other_than)
    for symposium_id, number, title in session.execute(query.order_by(Symposium.id)):
        if _identity(number, title) == wanted:
            return session.get(Symposium, symposium_id)
    return None


def _identity(project_number: str, title: str) -> tuple[str, str]:
    """What makes two set-ups the same symposium: number and title, case and spacing aside."""
    return (" ".join(project_number.split()).casefold(), " ".join(title.split()).casefold())


def _already_set_up(same: Symposium, advice: str) -> SetupError:
    return SetupError(
        {
            "project_number": f"“{same.title}” ({same.project_number}) is already set up, "
            f"since {same.created_at:%-d %b %Y}. {advice} give this one its own project number "
            "or title."
        }
    )


# What features do when a set-up changes (registration: new places go to the waiting list).
# Each step gets the session, the symposium and the names of the plain fields that changed
# ("days" when a day's date or start did, or days came or went); it only flushes.
SetupStep = Callable[[Session, Symposium, frozenset[str]], None]
_setup_steps: list[SetupStep] = []


def on_setup_change(step: SetupStep) -> SetupStep:
    """Register ``step`` to run after every saved change to a set-up (idempotent)."""
    if step not in _setup_steps:
        _setup_steps.append(step)
    return step


# Deadlines whose old values are kept when they change (see SupersededDate).
DATED_FIELDS = ("nomination_deadline", "registration_deadline")


def _superseded_dates(
    symposium: Symposium, before: dict[str, Any], dates_before: list[dt.date]
) -> list[SupersededDate]:
    """The dates a change takes out of the set-up: days keep their number, so day 1 moved
    from 23 to 30 March supersedes 23 March as day 1; a removed day supersedes its date."""
    gone = [
        SupersededDate(symposium_id=symposium.id, field=name, old_date=before[name])
        for name in DATED_FIELDS
        if before[name] is not None and getattr(symposium, name) != before[name]
    ]
    dates_now = [day.date for day in symposium.days]
    gone += [
        SupersededDate(symposium_id=symposium.id, field="days", day_number=number, old_date=date)
        for number, date in enumerate(dates_before, start=1)
        if number > len(dates_now) or dates_now[number - 1] != date
    ]
    return gone


def update_symposium(session: Session, symposium: Symposium, setup: SymposiumSetup) -> None:
    """Change a symposium's set-up; raises SetupError and changes nothing if it is wrong, or
    if it gives the symposium another one's project number and title. That is checked only
    when they change (two already alike stay editable), under the creations' lock: a creation
    or another edit at the same moment waits, then finds this one."""
    if _identity(setup.project_number, setup.title) != _identity(
        symposium.project_number, symposium.title
    ):
        lock_new_symposia(session)
        if same := _same_symposium(session, setup, other_than=symposium.id):
            raise _already_set_up(same, "Two symposia cannot share both:")
    before = {name: getattr(symposium, name) for name in _PLAIN_FIELDS}
    days_before = [(day.date, day.start_time) for day in symposium.days]
    _apply(session, symposium, setup)
    session.flush()
    changed = {name for name, was in before.items() if getattr(symposium, name) != was}
    if [(day.date, day.start_time) for day in symposium.days] != days_before:
        changed.add("days")
    session.add_all(_superseded_dates(symposium, before, [date for date, _ in days_before]))
    session.flush()
    for step in _setup_steps:
        step(session, symposium, frozenset(changed))


def setup_of(symposium: Symposium) -> SymposiumSetup:
    """The set-up of an existing symposium, to fill the edit form."""
    values = {name: getattr(symposium, name) for name in _PLAIN_FIELDS}
    return SymposiumSetup(
        **values,
        days=[DayPlan(day.date, day.start_time) for day in symposium.days],
        invited_economy_ids=[economy.id for economy in symposium.invited_economies],
    )


def list_symposia(session: Session) -> list[Symposium]:
    """All symposia in the order of their first day (undated ones last), days loaded."""
    rows = session.scalars(
        sa.select(Symposium).options(selectinload(Symposium.days)).order_by(Symposium.id.desc())
    ).all()
    return sorted(rows, key=lambda s: (s.first_day is None, s.first_day or dt.date.max))


def get_symposium(session: Session, symposium_id: int) -> Symposium | None:
    """The symposium with its days (nearly every page shows them), in one query."""
    return session.get(Symposium, symposium_id, options=[joinedload(Symposium.days)])


def member_economies(session: Session) -> list[Economy]:
    return list(
        session.scalars(sa.select(Economy).where(Economy.is_member).order_by(Economy.position))
    )


def utc_offset_label(zone: ZoneInfo, moment: dt.datetime) -> str:
    """``UTC−05:00`` for a moment in a zone (with a real minus sign, as printed schedules do)."""
    offset = moment.astimezone(zone).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def lock_symposium(session: Session, symposium_id: int) -> None:
    """Serialise changes to one symposium that check before they write (an agenda that must be
    empty, a speaker not listed yet, a circular draft not yet sent): the first statement of
    each. An update of the symposium's row that changes nothing (``updated_at`` named, so not
    bumped): on PostgreSQL it takes the row lock (FOR NO KEY UPDATE: rows referring to the
    symposium can still be added), on SQLite the database's write lock, so a second request
    waits here until the first has committed and then sees its rows."""
    session.execute(
        sa.update(Symposium)
        .where(Symposium.id == symposium_id)
        .values(updated_at=Symposium.updated_at)
        .execution_options(synchronize_session=False)
    )


# PostgreSQL's advisory locks are named by a number shared with every user of the database:
# this one spells "symposia".
_NEW_SYMPOSIA_LOCK = int.from_bytes(b"symposia", "big")


def lock_new_symposia(session: Session) -> None:
    """Serialise the creation of symposia and the edits of a project number or title, which
    check that the same one is not set up yet and have no row to lock: on PostgreSQL a lock of
    the transaction's (an advisory lock), on SQLite the database's write lock (an update that
    matches no row takes it too). A second request waits here until the first has committed,
    then finds its symposium."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_NEW_SYMPOSIA_LOCK)))
        return
    session.execute(
        sa.update(Symposium)
        .where(sa.false())
        .values(updated_at=Symposium.updated_at)
        .execution_options(synchronize_session=False)
    )
