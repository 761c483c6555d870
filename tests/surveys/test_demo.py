"""The demo's evaluation, as `flask demo` loads it."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.models import Answer, Question, SurveyInvitation, SurveyResponse


def test_demo_survey_is_answered_by_about_seventy_percent_of_those_invited(runner, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    invited = session.scalar(sa.select(sa.func.count(SurveyInvitation.id)))
    answered = session.scalar(
        sa.select(sa.func.count(SurveyInvitation.id)).where(
            SurveyInvitation.completed_at.is_not(None)
        )
    )
    assert invited > 50
    assert answered == session.scalar(sa.select(sa.func.count(SurveyResponse.id)))
    assert 0.55 < answered / invited < 0.85

    def outcome(name: str) -> dict[int, int]:
        rows = session.execute(
            sa.select(Answer.response_id, Answer.number)
            .join(Question, Answer.question_id == Question.id)
            .where(Question.outcome == name)
        )
        return dict(rows.all())

    before, after = outcome("knowledge_before"), outcome("knowledge_after")
    gained = sum(after[r] > before[r] for r in before)
    assert 0.5 < gained / len(before) < 0.95  # a realistic spread, not all the same
    collaboration = list(outcome("collaboration").values())
    assert 0 < sum(collaboration) < len(collaboration)
