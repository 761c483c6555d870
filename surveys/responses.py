"""Answering the survey: checking answers, saving a draft to finish later, and submitting the one
response a personal link allows.

A submission marks its invitation completed with a conditional update (only while it is still
open) in the transaction that writes the response, so of two simultaneous submissions through
one link exactly one counts; the other is told the survey is already answered. The raw form
values (``{"q12": ["4"], …}``, as ``request.form.to_dict(flat=False)``) are what drafts store
and what ``validate_answers`` reads.

How answers are stored, by kind: a scale in ``Answer.number`` (1–5); yes/no in
``Answer.number`` (1 yes, 0 no); one choice and texts in ``Answer.text``; several choices in
``Answer.choices`` (in the question's option order). An unanswered question has no row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from surveys.models import Answer, Question, QuestionKind, SurveyInvitation, SurveyResponse
from surveys.services import SurveyError, SurveyState, questions_of, survey_state
from symposium.models import SEXES, Economy

TEXT_LIMITS = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 5000}
YES_NO = {"yes": 1, "no": 0}
# The anonymous form's own fields; "none" is the economy's "Prefer not to say".
SEX_FIELD, ECONOMY_FIELD, NO_ECONOMY = "sex", "economy", "none"

Raw = Mapping[str, list[str]]


class AlreadyAnswered(SurveyError):
    """The link's one response is in already (perhaps a moment ago, from another tab)."""

    def __init__(self) -> None:
        super().__init__("This survey has already been answered through your link. Thank you!")


def field_name(question: Question) -> str:
    """The name of a question's input in the form (and its key in a draft)."""
    return f"q{question.id}"


def closed_message(state: SurveyState, closes_on: dt.date | None) -> str:
    """What a respondent reads when the survey does not take answers."""
    if state == SurveyState.CLOSED and closes_on:
        return f"This survey closed on {closes_on:%-d %B %Y}. Thank you for your interest."
    return "This survey is not open yet. Please come back with the same link later."


def _validate_one(question: Question, given: list[str]) -> tuple[Any, str | None]:
    """The stored value of one question's raw input (None: not answered) or an error."""
    values = [v.strip() for v in given if v.strip()]
    kind = question.kind
    if not values:
        return None, ("This question needs an answer." if question.required else None)
    if kind == QuestionKind.SCALE:
        if values[0] not in {"1", "2", "3", "4", "5"}:
            return None, "Choose a number from 1 to 5."
        return int(values[0]), None
    if kind == QuestionKind.YES_NO:
        if values[0] not in YES_NO:
            return None, "Answer yes or no."
        return YES_NO[values[0]], None
    if kind == QuestionKind.SINGLE:
        if values[0] not in question.options:
            return None, "Choose one of the options."
        return values[0], None
    if kind == QuestionKind.MULTIPLE:
        if not set(values) <= set(question.options):
            return None, "Choose among the options."
        return [option for option in question.options if option in values], None
    limit = TEXT_LIMITS.get(QuestionKind(kind), 5000)
    text = "\n".join(given).strip()
    if len(text) > limit:
        return None, f"Keep the answer under {limit} characters (it has {len(text)})."
    return text, None


def validate_answers(
    questions: Iterable[Question], raw: Raw
) -> tuple[dict[int, Any], dict[int, str]]:
    """Check the raw form values against the questions.

    Returns the values to store by question id (answered questions only; see the module
    docstring for the form of each kind) and an error message by question id.
    """
    values: dict[int, Any] = {}
    errors: dict[int, str] = {}
    for question in questions:
        value, error = _validate_one(question, list(raw.get(field_name(question), [])))
        if error:
            errors[question.id] = error
        elif value is not None:
            values[question.id] = value
    return values, errors


def validate_respondent(raw: Raw, economy_ids: Iterable[int]) -> tuple[Any, Any, dict[str, str]]:
    """Sex and economy as the anonymous form asks them: (sex, economy id or None, errors)."""
    errors = {}
    sex = next(iter(raw.get(SEX_FIELD, [])), "")
    if sex not in SEXES:
        errors[SEX_FIELD] = "Choose one (or Prefer not to say)."
    economy = next(iter(raw.get(ECONOMY_FIELD, [])), "")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    economy_id = int(economy) if economy.isdecimal() and int(economy) in set(economy_ids) else None
    if economy_id is None and economy != NO_ECONOMY:
        errors[ECONOMY_FIELD] = "Choose your economy (or Prefer not to say)."
    return sex, economy_id, errors


def _check_open(invitation: SurveyInvitation, now: dt.datetime | None) -> None:
    survey = invitation.survey
    state = survey_state(survey, now)
    if state != SurveyState.OPEN:
        raise SurveyError(closed_message(state, survey.closes_on))


def save_draft(
    session: Session, invitation: SurveyInvitation, raw: Raw, now: dt.datetime | None = None
) -> None:
    """Keep what the respondent has entered so far, to finish later with the same link."""
    _check_open(invitation, now)
    names = {field_name(q) for q in questions_of(invitation.survey)} | {SEX_FIELD, ECONOMY_FIELD}
    draft = {name: [v[:5000] for v in raw[name]][:50] for name in names if raw.get(name)}
    result = session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.completed_at.is_(None))
        .values(draft=draft)
    )
    if result.rowcount != 1:
        raise AlreadyAnswered()


def submit_response(
    session: Session,
    invitation: SurveyInvitation,
    answers: dict[int, Any],
    sex: str | None = None,
    economy_id: int | None = None,
    now: dt.datetime | None = None,
) -> SurveyResponse:
    """Record the link's one response (``answers`` as ``validate_answers`` returns them).

    Anonymous surveys store ``sex`` and ``economy_id`` as given and no link to the invitation,
    with the time cut to the day; named ones take both from the registration.
    """
    _check_open(invitation, now)
    survey = invitation.survey
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    if survey.anonymous:
        if sex not in SEXES:
            raise SurveyError("Choose one (or Prefer not to say).", SEX_FIELD)
        if economy_id is not None and session.get(Economy, economy_id) is None:
            raise SurveyError("Choose your economy (or Prefer not to say).", ECONOMY_FIELD)
        # The time of day could match a response to the person who completed at that time.
        stamp = dt.datetime.combine(stamp.date(), dt.time())
    else:
        sex, economy_id = invitation.registration.sex, invitation.registration.economy_id
    completed = session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.completed_at.is_(None))
        .values(completed_at=stamp, draft=None)
    )
    if completed.rowcount != 1:
        raise AlreadyAnswered()
    response = SurveyResponse(
        survey_id=survey.id,
        invitation_id=None if survey.anonymous else invitation.id,
        sex=sex,
        economy_id=economy_id,
        submitted_at=stamp,
    )
    questions = {q.id: q for q in questions_of(survey)}
    for question_id, value in answers.items():
        question = questions.get(question_id)
        if question is not None and value is not None:
            response.answers.append(_answer(question, value))
    session.add(response)
    session.flush()
    return response


def _answer(question: Question, value: Any) -> Answer:
    if question.kind in (QuestionKind.SCALE, QuestionKind.YES_NO):
        return Answer(question_id=question.id, number=int(value))
    if question.kind == QuestionKind.MULTIPLE:
        return Answer(question_id=question.id, choices=list(value))
    return Answer(question_id=question.id, text=str(value))
