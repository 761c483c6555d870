"""The survey as a whole: its default questionnaire and settings, and when it takes answers.
Invitations, reminders and the response rate are in ``surveys.invitations``; editing questions
in ``surveys.questionnaire``; answering in ``surveys.responses``.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveys import defaults
from surveys.models import (
    Answer,
    Question,
    Survey,
    SurveyResponse,
    SurveySection,
)
from symposium.models import Symposium


class SurveyError(ValueError):
    """A survey change that cannot be made; ``field`` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SurveySettings:
    """What organisers set about the survey as a whole."""

    title: str
    introduction: str
    anonymous: bool
    invite_all_registrants: bool
    opens_on: dt.date | None
    closes_on: dt.date | None


# --- the survey and its default ---------------------------------------------------------------


def survey_for(session: Session, symposium: Symposium) -> Survey:
    """The symposium's survey, created with the default questionnaire on first use (also when
    two requests are the first at the same moment: only one of them writes the questions)."""
    survey = session.scalar(sa.select(Survey).where(Survey.symposium_id == symposium.id))
    if survey is not None:
        return survey
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    last_day = symposium.last_day
    new_id = session.execute(
        insert(Survey)
        .values(
            symposium_id=symposium.id,
            title=defaults.TITLE.format(title=symposium.title)[:300],
            introduction=defaults.INTRODUCTION.format(title=symposium.title),
            opens_on=last_day,
            closes_on=last_day + dt.timedelta(days=defaults.OPEN_DAYS) if last_day else None,
        )
        .on_conflict_do_nothing()
        .returning(Survey.id)
    ).scalar()
    if new_id is not None:
        _add_default_questions(session, new_id)
    return session.scalars(
        sa.select(Survey)
        .where(Survey.symposium_id == symposium.id)
        .execution_options(populate_existing=True)
    ).one()


def _add_default_questions(session: Session, survey_id: int) -> None:
    for number, section in enumerate(defaults.SECTIONS, start=1):
        record = SurveySection(survey_id=survey_id, position=number, title=section["title"])
        for place, question in enumerate(section["questions"], start=1):
            record.questions.append(
                Question(
                    position=place,
                    kind=question["kind"].value,
                    text=question["text"],
                    help=question.get("help", ""),
                    required=question.get("required", False),
                    options=list(question.get("options", [])),
                    low_label=question.get("low_label", ""),
                    high_label=question.get("high_label", ""),
                    outcome=question["outcome"].value if "outcome" in question else None,
                )
            )
        session.add(record)
    session.flush()


def questions_of(survey: Survey) -> list[Question]:
    """Every question of the survey, in the order respondents see them."""
    return [question for section in survey.sections for question in section.questions]


def has_responses(session: Session, survey: Survey) -> bool:
    """Whether any response has arrived (from then on wording fixes are logged)."""
    return (
        session.scalar(sa.select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id))
        is not None
    )


def question_answered(session: Session, question: Question) -> bool:
    """Whether somebody has answered this question: it keeps its type and options, and stays
    (a question added later, or skipped by everyone, does not)."""
    answered = sa.select(Answer.id).where(Answer.question_id == question.id).exists()
    return bool(session.scalar(sa.select(answered)))


def answered_questions(session: Session, survey: Survey) -> set[int]:
    """The ids of the survey's questions somebody has answered (see ``question_answered``)."""
    return set(
        session.scalars(
            sa.select(Answer.question_id)
            .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
            .where(SurveyResponse.survey_id == survey.id)
            .distinct()
        )
    )


def update_settings(session: Session, survey: Survey, data: SurveySettings) -> None:
    """Change the survey's title, introduction, mode, audience and dates."""
    title = data.title.strip()
    if not title:
        raise SurveyError("Give the survey a title.", "title")
    if data.opens_on and data.closes_on and data.closes_on < data.opens_on:
        raise SurveyError("The survey cannot close before it opens.", "closes_on")
    if survey.opened_at is not None and data.anonymous != survey.anonymous:
        # The invitation mails told people how their answers are kept.
        raise SurveyError(
            "The invitations are out and told people whether their answers are anonymous, "
            "so this can no longer change.",
            "anonymous",
        )
    survey.title, survey.introduction = title[:300], data.introduction.strip()
    survey.anonymous, survey.invite_all_registrants = data.anonymous, data.invite_all_registrants
    survey.opens_on, survey.closes_on = data.opens_on, data.closes_on
    session.flush()


# --- when answers are taken ---------------------------------------------------------------------


class SurveyState(enum.StrEnum):
    NOT_OPENED = "not opened"  # no invitations sent yet
    NOT_YET = "not open yet"  # invitations out, but the opening date was moved later
    OPEN = "open"
    CLOSED = "closed"


def host_today(survey: Survey, now: dt.datetime | None = None) -> dt.date:
    """Today in the symposium's host time zone (the zone the survey's dates are in)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(survey.symposium.zone).date()


def survey_state(survey: Survey, now: dt.datetime | None = None) -> SurveyState:
    """Whether the survey takes answers now (its dates are whole days in host time)."""
    if survey.opened_at is None:
        return SurveyState.NOT_OPENED
    today = host_today(survey, now)
    if survey.opens_on and today < survey.opens_on:
        return SurveyState.NOT_YET
    if survey.closes_on and today > survey.closes_on:
        return SurveyState.CLOSED
    return SurveyState.OPEN
