"""The report's only database code: one lean query per kind of row, each into a DataFrame.

Queries select the few columns the figures need and leave every count to ``stats``, so the
figures are computed in pandas from rows a test can build by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.agenda_speakers import agenda_speakers_query, maybe_on_the_agenda
from registration.attendance_models import AttendanceImport, DayAttendance, ManualCheck
from registration.models import (
    ParticipantRole,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)
from reports.figures import ReportDay, ReportHeader, Targets
from surveys.invitations import counted_invitations
from surveys.models import Answer, Outcome, Question, Survey, SurveyResponse
from surveys.models import SurveySection as Section
from symposium import MAX_ROW_ID
from symposium.models import Economy, Symposium, SymposiumDay

SPEAKING_ROLES = (ParticipantRole.SPEAKER.value, ParticipantRole.MODERATOR.value)
# The column's own default, for a symposium whose registration settings were never saved.
DEFAULT_THRESHOLD: int = RegistrationSettings.__table__.c.attendance_threshold_minutes.default.arg


@dataclass(frozen=True)
class SurveyCounts:
    """Invitations sent and responses submitted."""

    invited: int
    responded: int


@dataclass(frozen=True)
class ReportData:
    """Everything the figures are computed from.

    - ``registrations``: confirmed registrations (erased included): registration_id, role,
      sex, youth, economy_id.
    - ``speaker_registrations``: the confirmed speakers and moderators, and the participants
      who may be agenda speakers (``speaker_registrations_query``): registration_id, name,
      email, role, sex, economy_id.
    - ``attendance``: registration_id, day_number, minutes, checked_in.
    - ``agenda_speakers``: one row per person and role on items not cancelled: speaker_id,
      name, email, role, sex, economy_id, erased_registration_id (the erased registration of
      the same person, if any).
    - ``economies``: economy_id, name, is_member, position.
    - ``answers``: response_id, outcome, number (the outcome questions only).
    - ``survey``: None when the symposium has no survey.
    """

    header: ReportHeader
    registrations: pd.DataFrame
    speaker_registrations: pd.DataFrame
    attendance: pd.DataFrame
    agenda_speakers: pd.DataFrame
    economies: pd.DataFrame
    answers: pd.DataFrame
    survey: SurveyCounts | None


def frame(session: Session, query: sa.Select) -> pd.DataFrame:
    """The rows of ``query`` as a DataFrame whose columns are the query's labels.

    The statement is compiled by SQLAlchemy but its rows are fetched from the driver's own
    cursor (on the session's connection, so in its transaction): building the frame from
    plain tuples takes half the time of going through SQLAlchemy's rows, which is what keeps
    the dashboard of a 100,000-registration symposium under two seconds. The columns read here
    need no conversion but booleans, which SQLite returns as 0/1 and ``stats`` casts.
    """
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        columns = [description[0] for description in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)
    finally:
        cursor.close()


def report_header(session: Session, symposium: Symposium) -> ReportHeader:
    """The symposium's facts, days, invited economies, attendance threshold and targets."""
    settings = session.get(RegistrationSettings, symposium.id)
    threshold = settings.attendance_threshold_minutes if settings else DEFAULT_THRESHOLD
    day_ids = [day.id for day in symposium.days]
    recorded: set[int] = set()  # days with a report imported, a check-in, or someone present
    for model in (AttendanceImport, ManualCheck, DayAttendance):
        recorded.update(session.scalars(sa.select(model.day_id).where(model.day_id.in_(day_ids))))
    targets = Targets(
        women_participants_pct=symposium.target_women_participants_pct,
        women_or_youth_pct=symposium.target_women_or_youth_pct,
        women_speakers_pct=symposium.target_women_speakers_pct,
        attendees=symposium.target_attendees,
        economies=symposium.target_economies,
        knowledge_pct=symposium.target_knowledge_pct,
        collaboration_pct=symposium.target_collaboration_pct,
    )
    return ReportHeader(
        symposium_id=symposium.id,
        title=symposium.title,
        project_number=symposium.project_number,
        forum=symposium.forum,
        po_name=symposium.po_name,
        po_email=symposium.po_email,
        days=tuple(ReportDay(day.number, day.date, day.id in recorded) for day in symposium.days),
        invited_economies=tuple(e.name for e in symposium.invited_economies),
        threshold_minutes=threshold,
        targets=targets,
    )


def _confirmed(symposium_id: int) -> list[sa.ColumnElement[bool]]:
    return [
        Registration.symposium_id == symposium_id,
        Registration.status == RegistrationStatus.CONFIRMED.value,
    ]


def registrations_query(symposium_id: int) -> sa.Select:
    """Confirmed registrations of every role, erased ones included (they keep their data)."""
    return sa.select(
        Registration.id.label("registration_id"),
        Registration.role,
        Registration.sex,
        Registration.youth,
        Registration.economy_id,
    ).where(*_confirmed(symposium_id))


def speaker_registrations_query(symposium_id: int) -> sa.Select:
    """Confirmed registrations that are speakers or may be, with name and e-mail: those whose
    role is speaker or moderator, and the participants who may be an agenda speaker who
    registered (``registration.agenda_speakers``; ``reports.stats`` decides who is the same
    person). Not every participant: a report may have 100,000."""
    return sa.select(
        Registration.id.label("registration_id"),
        Registration.given_name,
        Registration.family_name,
        Registration.family_name_first,
        Registration.email,
        Registration.role,
        Registration.sex,
        Registration.economy_id,
    ).where(
        *_confirmed(symposium_id),
        sa.or_(Registration.role.in_(SPEAKING_ROLES), maybe_on_the_agenda(symposium_id)),
    )


def attendance_query(symposium_id: int) -> sa.Select:
    """Every registrant's minutes and check-in per day (the threshold is applied by stats)."""
    return (
        sa.select(
            DayAttendance.registration_id,
            SymposiumDay.number.label("day_number"),
            DayAttendance.minutes,
            DayAttendance.checked_in,
        )
        .join(SymposiumDay, SymposiumDay.id == DayAttendance.day_id)
        .where(SymposiumDay.symposium_id == symposium_id)
    )


def economies_query() -> sa.Select:
    """The reference economies, in APEC order."""
    return sa.select(
        Economy.id.label("economy_id"), Economy.name, Economy.is_member, Economy.position
    ).order_by(Economy.position)


def answers_query(survey_id: int) -> sa.Select:
    """The answers to the questions marked as outcomes, whatever their wording."""
    return (
        sa.select(Answer.response_id, Question.outcome, Answer.number)
        .join(Question, Question.id == Answer.question_id)
        .join(Section, Section.id == Question.section_id)
        .where(Section.survey_id == survey_id, Question.outcome.in_([o.value for o in Outcome]))
    )


def row_queries(symposium_id: int, survey_id: int | None) -> dict[str, sa.Select]:
    """Every query whose rows the figures read, by the name of its frame in ReportData."""
    queries = {
        "registrations": registrations_query(symposium_id),
        "speaker_registrations": speaker_registrations_query(symposium_id),
        "attendance": attendance_query(symposium_id),
        "agenda_speakers": agenda_speakers_query(symposium_id),
        "economies": economies_query(),
    }
    if survey_id is not None:
        queries["answers"] = answers_query(survey_id)
    return queries


def _speaker_names(rows: pd.DataFrame) -> pd.DataFrame:
    """Given and family name as one ``name`` (family name first if the person asked);
    "(erased)" for an erased registration."""
    given, family = rows["given_name"].fillna(""), rows["family_name"].fillna("")
    names = (given + " " + family).where(
        ~rows["family_name_first"].astype(bool), family + " " + given
    )
    names = names.str.strip()
    rows.insert(1, "name", names.where(names != "", "(erased)"))
    return rows.drop(columns=["given_name", "family_name", "family_name_first"])


def survey_counts(session: Session, survey_id: int) -> SurveyCounts:
    """Invitations sent and responses submitted."""
    invited = session.scalar(
        sa.select(sa.func.count()).select_from(counted_invitations(survey_id).subquery())
    )
    responded = session.scalar(
        sa.select(sa.func.count()).where(SurveyResponse.survey_id == survey_id)
    )
    return SurveyCounts(invited or 0, responded or 0)


def survey_id_of(session: Session, symposium_id: int) -> int | None:
    """The id of the symposium's survey, if it has one."""
    return session.scalar(sa.select(Survey.id).where(Survey.symposium_id == symposium_id))


def report_data(session: Session, symposium: Symposium) -> ReportData:
    """Load every row the completion figures are computed from."""
    survey_id = survey_id_of(session, symposium.id)
    frames = {
        name: frame(session, query) for name, query in row_queries(symposium.id, survey_id).items()
    }
    if survey_id is None:
        frames["answers"] = pd.DataFrame(columns=["response_id", "outcome", "number"])
    return ReportData(
        header=report_header(session, symposium),
        speaker_registrations=_speaker_names(frames.pop("speaker_registrations")),
        survey=None if survey_id is None else survey_counts(session, survey_id),
        **frames,
    )


def find_symposium(session: Session, reference: str) -> Symposium | None:
    """The symposium whose id or project number (letter case ignored) is ``reference``."""
    reference = reference.strip()
    if reference.isdecimal():  # an id beyond the column's range is no symposium (no overflow)
        number = int(reference)
        return session.get(Symposium, number) if number <= MAX_ROW_ID else None
    matches = session.scalars(
        sa.select(Symposium).where(sa.func.lower(Symposium.project_number) == reference.lower())
    ).all()
    return matches[0] if len(matches) == 1 else None
