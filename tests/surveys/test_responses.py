"""Invitations, answers, drafts, reminders and the one response a link allows, through the
pages on both databases."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from surveys.models import (
    Answer,
    Question,
    QuestionKind,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.questionnaire import QuestionInput, add_question
from surveys.responses import validate_answers
from surveys.services import questions_of
from symposium.models import OutboxMessage
from tests.conftest import csrf_token, post_form
from tests.surveys.conftest import link_path


def url(survey, rest: str = "") -> str:
    return f"/symposia/{survey.symposium_id}/survey{rest}"


def survey_mails(session, kind: str = "invitation") -> list[OutboxMessage]:
    return session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.idempotency_key.like(f"survey-{kind}:%"))
        .order_by(OutboxMessage.id)
    ).all()


def fresh(session, model, record):
    session.expire_all()
    return session.get(model, record.id)


def full_answers(survey) -> dict:
    """Answers to every required question (4 everywhere, yes, "About right") plus one text."""
    answers = {}
    for question in questions_of(survey):
        name = f"q{question.id}"
        if question.kind == QuestionKind.SCALE:
            answers[name] = "4"
        elif question.kind == QuestionKind.YES_NO:
            answers[name] = "yes"
        elif question.kind == QuestionKind.SINGLE:
            answers[name] = "About right"
        elif question.text.startswith("If yes"):
            answers[name] = "A joint workshop with Chile"
    return answers


def change_survey(session, survey, **values) -> None:
    session.execute(sa.update(Survey).where(Survey.id == survey.id).values(**values))
    session.commit()


# --- opening -----------------------------------------------------------------------------------


def test_opening_invites_only_attendees_who_agreed_to_be_contacted(
    client, login, session, survey, attended_registrants
):
    people = attended_registrants
    login()
    page = client.get(url(survey)).get_data(as_text=True)
    assert "Open the survey and invite 2 people" in page
    assert "1 registrant declined evaluation contact" in page

    response = post_form(client, url(survey, "/open"), {}, follow_redirects=True)
    assert "The survey is open: 2 people invited." in response.get_data(as_text=True)
    mails = survey_mails(session)
    assert sorted(m.recipient for m in mails) == ["ana@example.org", "ben@example.org"]
    assert "Dear Ana Example" in mails[0].body
    invitations = session.scalars(sa.select(SurveyInvitation)).all()
    assert {i.registration_id for i in invitations} == {people.ana.id, people.ben.id}
    path = link_path(session, "ana@example.org")
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 40
    assert all(token not in i.token_hash for i in invitations)  # only its hash is stored
    assert "0 of 2" in response.get_data(as_text=True)

    form = client.get(path)
    assert form.status_code == 200
    assert "How relevant was the symposium to your work?" in form.get_data(as_text=True)
    assert client.get("/survey/not-a-real-token").status_code == 404


def test_inviting_every_registrant_includes_those_who_did_not_attend(
    client, login, session, survey, attended_registrants
):
    change_survey(session, survey, invite_all_registrants=True)
    login()
    post_form(client, url(survey, "/open"), {})
    recipients = sorted(m.recipient for m in survey_mails(session))
    assert recipients == ["ana@example.org", "ben@example.org", "dan@example.org"]


def test_opening_waits_for_the_opening_date_and_stops_after_closing(
    client, login, session, survey, attended_registrants
):
    login()
    change_survey(session, survey, opens_on=dt.date.today() + dt.timedelta(days=3))
    page = post_form(client, url(survey, "/open"), {}, follow_redirects=True)
    assert "invitations can go out from that day" in page.get_data(as_text=True)
    change_survey(
        session,
        survey,
        opens_on=dt.date.today() - dt.timedelta(days=9),
        closes_on=dt.date.today() - dt.timedelta(days=2),
    )
    page = post_form(client, url(survey, "/open"), {}, follow_redirects=True)
    assert "The survey closed on" in page.get_data(as_text=True)
    assert survey_mails(session) == []
    assert fresh(session, Survey, survey).opened_at is None


def test_opening_again_invites_only_newcomers(
    client, login, session, survey, opened, attended_registrants
):
    from registration.attendance_models import DayAttendance

    session.execute(
        sa.update(DayAttendance)
        .where(DayAttendance.registration_id == attended_registrants.dan.id)
        .values(attended=True)
    )
    session.commit()
    login()
    assert "Invite the 1 not invited yet" in client.get(url(survey)).get_data(as_text=True)
    post_form(client, url(survey, "/open"), {})
    recipients = [m.recipient for m in survey_mails(session)]
    assert sorted(recipients) == ["ana@example.org", "ben@example.org", "dan@example.org"]


# --- answering ---------------------------------------------------------------------------------


def test_an_attendee_answers_once_through_the_link(
    app, client, session, survey, opened, attended_registrants
):
    options = ("Webinar", "Workshop", "Visit")
    formats = add_question(
        session, survey.sections[-1], QuestionInput("multiple", "Which formats?", options=options)
    )
    session.commit()
    path = opened(attended_registrants.ana)
    answers = {**full_answers(survey), f"q{formats.id}": ["Visit", "Webinar"]}
    response = post_form(client, path, {**answers, "action": "submit"})
    assert response.status_code == 302
    thanked = client.get(path).get_data(as_text=True)  # only the thanks, right after
    assert "Thank you! Your answers are recorded." in thanked
    assert "already been answered" not in thanked
    later = client.get(path).get_data(as_text=True)  # back with the same link another day
    assert "already been answered" in later and "Your answers are recorded" not in later

    stored = session.scalars(sa.select(SurveyResponse)).one()
    invitation = session.get(SurveyInvitation, stored.invitation_id)
    assert invitation.registration_id == attended_registrants.ana.id
    assert invitation.completed_at is not None
    assert (stored.sex, stored.economy.name) == ("Female", "Peru")  # from the registration
    answers_by_kind = {
        q.kind if not q.text.startswith("If yes") else "which": a
        for a, q in session.execute(sa.select(Answer, Question).join(Question))
    }
    assert answers_by_kind["scale"].number == 4
    assert answers_by_kind["yes_no"].number == 1
    assert answers_by_kind["single"].text == "About right"
    assert answers_by_kind["multiple"].choices == ["Webinar", "Visit"]  # in the option order
    assert answers_by_kind["which"].text == "A joint workshop with Chile"
    # One row per answered question; the unanswered texts have none.
    assert session.scalar(sa.select(sa.func.count(Answer.id))) == len(answers)

    again = post_form(client, path, {**answers, "action": "submit"})
    assert again.status_code == 409
    assert "already been answered" in again.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 1


def test_missing_answers_are_listed_and_what_was_typed_is_kept(
    client, session, survey, opened, attended_registrants
):
    path = opened(attended_registrants.ana)
    questions = questions_of(survey)
    relevance, objectives, apply = questions[0], questions[1], questions[6]
    answers = full_answers(survey)
    del answers[f"q{objectives.id}"]
    answers[f"q{relevance.id}"] = "7"
    answers[f"q{apply.id}"] = "In our export programme"
    response = post_form(client, path, {**answers, "action": "submit"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page.split('role="alert"')[1].split("</div>")[0]
    assert f'href="#q{objectives.id}-1"' in summary and "needs an answer" in summary
    assert f'href="#q{relevance.id}-1"' in summary and "from 1 to 5" in summary
    assert re.search(rf'<fieldset[^>]*id="question-{objectives.id}"[^>]*'
                     rf'aria-describedby="q{objectives.id}-error"', page)  # fmt: skip
    assert f'id="q{objectives.id}-error"' in page
    assert "In our export programme</textarea>" in page
    assert re.search(rf'id="q{questions[2].id}-4" value="4" checked', page)
    assert session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 0


def test_a_closed_survey_refuses_answers_politely(
    client, session, survey, opened, attended_registrants
):
    path = opened(attended_registrants.ana)
    change_survey(session, survey, closes_on=dt.date.today() - dt.timedelta(days=2))
    page = client.get(path)
    assert page.status_code == 200 and "This survey closed on" in page.get_data(as_text=True)
    refused = post_form(client, path, {**full_answers(survey), "action": "submit"})
    assert refused.status_code == 409 and "closed on" in refused.get_data(as_text=True)
    change_survey(session, survey, closes_on=None, opens_on=dt.date.today() + dt.timedelta(days=2))
    assert "not open yet" in client.get(path).get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 0


def test_anonymous_responses_keep_no_link_and_ask_sex_and_economy(
    client, session, survey, attended_registrants, economies, request
):
    change_survey(session, survey, anonymous=True)
    path = request.getfixturevalue("opened")(attended_registrants.ben)
    form = client.get(path).get_data(as_text=True)
    assert "<legend" in form and ">Sex" in form and 'for="economy"' in form

    missing = post_form(client, path, {**full_answers(survey), "action": "submit"})
    assert missing.status_code == 400
    assert 'href="#sex-1"' in missing.get_data(as_text=True)
    answers = {**full_answers(survey), "sex": "Prefer not to say", "economy": economies["Chile"].id}
    assert post_form(client, path, {**answers, "action": "submit"}).status_code == 302

    stored = session.scalars(sa.select(SurveyResponse)).one()
    assert stored.invitation_id is None
    assert (stored.sex, stored.economy_id) == ("Prefer not to say", economies["Chile"].id)
    assert stored.submitted_at.time() == dt.time(0, 0)  # the day only
    invitation = session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.registration_id == attended_registrants.ben.id)).one()  # fmt: skip
    assert invitation.completed_at is not None  # so reminders skip Ben
    assert post_form(client, path, {**answers, "action": "submit"}).status_code == 409


def test_named_responses_do_not_ask_sex_or_economy(client, survey, opened, attended_registrants):
    form = client.get(opened(attended_registrants.ana)).get_data(as_text=True)
    assert 'name="sex"' not in form and 'name="economy"' not in form


# --- reminders and the response rate -----------------------------------------------------------


def test_reminders_go_to_those_who_have_not_answered_once_a_day(
    client, login, session, survey, opened, attended_registrants
):
    ana_link = opened(attended_registrants.ana)
    ben_link = opened(attended_registrants.ben)
    post_form(client, ana_link, {**full_answers(survey), "action": "submit"})
    login()
    page = client.get(url(survey)).get_data(as_text=True)
    assert "1 of 2" in page and "(50%)" in page

    sent = post_form(client, url(survey, "/reminders"), {}, follow_redirects=True)
    assert "Reminder queued for 1 person." in sent.get_data(as_text=True)
    assert [m.recipient for m in survey_mails(session, "reminder")] == ["ben@example.org"]
    assert link_path(session, "ben@example.org", "reminder") == ben_link  # the same link

    again = post_form(client, url(survey, "/reminders"), {}, follow_redirects=True)
    assert "Nobody to remind today" in again.get_data(as_text=True)
    assert len(survey_mails(session, "reminder")) == 1


# --- one response per link, also under concurrency ---------------------------------------------


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_simultaneous_submissions_through_one_link_make_one_response(
    app, session, survey, attended_registrants, economies, request, anonymous
):
    """In anonymous mode no unique invitation id backs the rule up: the invitation alone does."""
    change_survey(session, survey, anonymous=anonymous)
    path = request.getfixturevalue("opened")(attended_registrants.ana)
    attempts = 4
    respondent = {"sex": "Female", "economy": economies["Peru"].id} if anonymous else {}
    clients = [app.test_client() for _ in range(attempts)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(attempts)
    results: list[tuple[int, str]] = []

    def submit(index: int) -> None:
        data = {**full_answers(survey), **respondent, "action": "submit"}
        data["csrf_token"] = tokens[index]
        barrier.wait()
        response = clients[index].post(path, data=data)
        results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in results) == [302] + [409] * (attempts - 1)
    assert all("already been answered" in body for status, body in results if status == 409)
    assert session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 1
    assert session.scalar(sa.select(sa.func.count(Answer.id))) == len(full_answers(survey))


# --- checking answers (pure) -------------------------------------------------------------------


def question(id_: int, kind: str, required: bool = False, options=()) -> Question:
    return Question(id=id_, kind=kind, text=f"Q{id_}", required=required, options=list(options))


def test_answers_are_checked_and_converted_by_kind():
    questions = [
        question(1, "scale", required=True),
        question(2, "yes_no"),
        question(3, "single", options=("Too short", "About right")),
        question(4, "multiple", options=("A", "B", "C")),
        question(5, "short_text"),
        question(6, "long_text", required=True),
        question(7, "scale"),
    ]
    raw = {"q1": ["5"], "q2": ["no"], "q3": ["About right"], "q4": ["C", "A"],
           "q5": ["  Chile  "], "q6": ["Plans"], "q7": [""]}  # fmt: skip
    values, errors = validate_answers(questions, raw)
    assert errors == {}
    assert values == {1: 5, 2: 0, 3: "About right", 4: ["A", "C"], 5: "Chile", 6: "Plans"}

    wrong = {"q1": ["6"], "q2": ["maybe"], "q3": ["Too long"], "q4": ["D"], "q5": ["x" * 301]}
    values, errors = validate_answers(questions, wrong)
    assert values == {}
    assert errors == {
        1: "Choose a number from 1 to 5.",
        2: "Answer yes or no.",
        3: "Choose one of the options.",
        4: "Choose among the options.",
        5: "Keep the answer under 300 characters (it has 301).",
        6: "This question needs an answer.",
    }


def test_erasing_a_person_closes_their_link_and_forgets_their_draft(
    client, session, survey, opened, attended_registrants, create_user_account
):
    from registration.erasure import erase_registration
    from registration.models import Registration

    path = opened(attended_registrants.ana)
    relevance = questions_of(survey)[0]
    comments = questions_of(survey)[-1]
    draft = {f"q{relevance.id}": "4", f"q{comments.id}": "My name is Ana", "action": "save"}
    assert post_form(client, path, draft).status_code == 302
    invitation = session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.registration_id == attended_registrants.ana.id)).one()  # fmt: skip
    assert invitation.draft

    erase_registration(
        session, session.get(Registration, attended_registrants.ana.id), create_user_account()
    )
    session.commit()
    session.expire_all()
    assert session.get(SurveyInvitation, invitation.id).draft is None
    assert client.get(path).status_code == 404
