"""The demo's evaluation: opened today for the demo's attendees, answered by about 70% of them
with a plausible spread (most report more knowledge after than before; a few skip the
optional questions)."""

from __future__ import annotations

import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from surveys.invitations import open_survey
from surveys.models import Outcome, QuestionKind, SurveyInvitation
from surveys.responses import submit_response
from surveys.services import host_today, questions_of, survey_for
from symposium.links import external_url
from symposium.models import Symposium

APPLY = (
    "I will share the research report's recommendations with our SME policy team.",
    "We plan a pilot to bring 50 micro-enterprises onto an online marketplace.",
    "Use the case studies in our training for women entrepreneurs.",
    "Review our e-payment regulation with the practices presented on day 2.",
)
TOPICS = ("Cross-border e-commerce and customs", "Digital payments for MSMEs", "Data privacy")
COMMENTS = (
    "Excellent speakers.",
    "Interpretation worked well.",
    "More time for questions, please.",
)


def _answer(question, rng: random.Random, before: int, after: int):
    kind = question.kind
    if question.outcome == Outcome.KNOWLEDGE_BEFORE:
        return before
    if question.outcome == Outcome.KNOWLEDGE_AFTER:
        return after
    if question.outcome == Outcome.COLLABORATION:
        return 1 if rng.random() < 0.7 else 0
    if kind == QuestionKind.SCALE:
        return rng.choices([2, 3, 4, 5], weights=[1, 3, 6, 5])[0]
    if kind == QuestionKind.YES_NO:
        return 1 if rng.random() < 0.8 else 0
    if kind == QuestionKind.SINGLE:
        middle = question.options[len(question.options) // 2]
        return middle if rng.random() < 0.75 else rng.choice(question.options)
    if kind == QuestionKind.MULTIPLE:
        return [o for o in question.options if rng.random() < 0.4] or question.options[:1]
    if question.required:
        return rng.choice(APPLY)
    if rng.random() < 0.4:  # optional texts are mostly left empty
        return rng.choice(TOPICS + COMMENTS)
    return None


def add_demo_survey(session: Session, symposium: Symposium) -> None:
    """Open the default evaluation today and answer it for about 70% of those invited."""
    survey = survey_for(session, symposium)
    survey.opens_on = host_today(survey)
    open_survey(session, survey, lambda token: external_url("surveys.respond", token=token))
    rng = random.Random(11)  # noqa: S311  (invented demo data, not secrets)
    questions = questions_of(survey)
    invitations = session.scalars(
        sa.select(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey.id)
        .order_by(SurveyInvitation.id)
    )
    for invitation in invitations:
        if rng.random() >= 0.7:
            continue
        before = rng.choices([1, 2, 3, 4], weights=[2, 5, 4, 1])[0]
        after = min(5, before + rng.choices([0, 1, 2], weights=[2, 5, 3])[0])
        answers = {}
        for question in questions:
            value = _answer(question, rng, before, after)
            if value is not None:
                answers[question.id] = value
        submit_response(session, invitation, answers)
    session.flush()
