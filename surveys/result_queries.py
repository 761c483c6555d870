"""Reading a survey's questions, responses and answers from the database (a fixed handful of
queries, whatever the number of responses) for results.py to count."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from surveys.invitations import counted_invitations
from surveys.models import (
    Answer,
    Question,
    QuestionKind,
    Survey,
    SurveyResponse,
    SurveySection,
)
from surveys.results import QuestionInfo, ResponseRecord, SurveyResults, Value, summarise
from symposium.models import Economy


def find_survey(session: Session, symposium_id: int) -> Survey | None:
    """The symposium's survey, or None before it has been set up."""
    return session.scalar(sa.select(Survey).where(Survey.symposium_id == symposium_id))


def survey_results(session: Session, survey: Survey) -> SurveyResults:
    """Read the survey's questions, responses and answers (a fixed handful of queries,
    whatever the number of responses) and compute its results."""
    rows = session.execute(
        sa.select(Question, SurveySection.title)
        .join(SurveySection, Question.section_id == SurveySection.id)
        .where(SurveySection.survey_id == survey.id)
        .order_by(SurveySection.position, SurveySection.id, Question.position, Question.id)
    ).all()
    questions = [
        QuestionInfo(
            q.id,
            number,
            section,
            q.kind,
            q.text,
            tuple(q.options or ()),
            q.low_label,
            q.high_label,
            q.outcome,
        )
        for number, (q, section) in enumerate(rows, start=1)
    ]
    kinds = {q.id: q.kind for q in questions}
    answers: dict[int, dict[int, Value]] = {}
    for answer in session.scalars(
        sa.select(Answer).join(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
    ):
        if answer.question_id in kinds:
            value = _answer_value(kinds[answer.question_id], answer)
            answers.setdefault(answer.response_id, {})[answer.question_id] = value
    response_rows = session.execute(
        sa.select(SurveyResponse, Economy.name, Economy.position)
        .outerjoin(Economy, SurveyResponse.economy_id == Economy.id)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    ).all()
    responses = [
        ResponseRecord(r.id, r.submitted_at, r.sex, name, answers.get(r.id, {}))
        for r, name, _ in response_rows
    ]
    ranked = sorted({(position, name) for _, name, position in response_rows if name})
    invitations = session.scalar(
        sa.select(sa.func.count()).select_from(counted_invitations(survey.id).subquery())
    )
    symposium = survey.symposium
    targets = (symposium.target_knowledge_pct, symposium.target_collaboration_pct)
    economies = [name for _, name in ranked]
    return summarise(
        questions, responses, invitations or 0, economies, targets, anonymous=survey.anonymous
    )


def _answer_value(kind: str, answer: Answer) -> Value:
    if kind in (QuestionKind.SCALE, QuestionKind.YES_NO):
        return answer.number
    if kind == QuestionKind.MULTIPLE:
        return list(answer.choices or [])
    return answer.text
