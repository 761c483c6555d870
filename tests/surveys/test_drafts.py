"""Drafts: what a respondent saved to finish later with the same link, and what becomes of an
unsent draft once the survey closes."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from surveys.models import Answer, SurveyInvitation, SurveyResponse
from surveys.services import questions_of
from tests.conftest import post_form
from tests.surveys.test_responses import full_answers


def test_a_draft_is_saved_and_finished_later(client, session, survey, opened, attended_registrants):
    path = opened(attended_registrants.ben)
    relevance, objectives = questions_of(survey)[:2]
    comments = questions_of(survey)[-1]
    saved = post_form(
        client,
        path,
        {f"q{relevance.id}": "5", f"q{comments.id}": "Great <b>panel</b>", "action": "save"},
    )
    assert saved.status_code == 302
    assert session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 0

    later = client.get(path).get_data(as_text=True)  # another day, the same link
    assert re.search(rf'id="q{relevance.id}-5" value="5" checked', later)
    assert f'id="q{objectives.id}-1" value="1" checked' not in later
    assert "Great &lt;b&gt;panel&lt;/b&gt;</textarea>" in later

    answers = {**full_answers(survey), f"q{relevance.id}": "5", f"q{comments.id}": "Great"}
    assert post_form(client, path, {**answers, "action": "submit"}).status_code == 302
    invitation = session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.registration_id == attended_registrants.ben.id)).one()  # fmt: skip
    assert invitation.draft is None
    assert session.scalar(sa.select(Answer.number).where(Answer.question_id == relevance.id)) == 5


def test_a_draft_left_unsent_is_forgotten_once_the_survey_closes(
    client, login, session, survey, opened, attended_registrants
):
    """A draft can no longer be sent after the closing day, so it does not stay with the
    person's link (in an anonymous survey above all); the link says the survey is closed."""
    survey.anonymous = True
    session.commit()
    path = opened(attended_registrants.ben)
    relevance = questions_of(survey)[0]
    saved = post_form(client, path, {f"q{relevance.id}": "5", "action": "save"})
    assert "unsent answers are then forgotten" in client.get(saved.location).get_data(as_text=True)

    def drafts() -> list:
        session.expire_all()
        return session.scalars(sa.select(SurveyInvitation.draft)).all()

    assert {f"q{relevance.id}": ["5"]} in drafts()
    login()
    client.get(f"/symposia/{survey.symposium_id}/survey")
    assert any(drafts())  # still open: kept
    survey.closes_on = dt.date.today() - dt.timedelta(days=2)
    session.commit()
    client.get(f"/symposia/{survey.symposium_id}/survey")
    assert not any(drafts())
