"""The questionnaire: the default evaluation, the organisers' editing, and what stays fixed once
responses have arrived."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from surveys.models import Outcome, Question, QuestionChange, QuestionKind, Survey, SurveySection
from surveys.responses import submit_response
from surveys.services import questions_of, survey_for
from symposium import db
from tests.conftest import post_form


def url(survey, rest: str = "") -> str:
    return f"/symposia/{survey.symposium_id}/survey{rest}"


def reload(session, survey) -> Survey:
    session.expire_all()
    return session.get(Survey, survey.id)


def by_text(session, survey, start: str) -> Question:
    return next(q for q in questions_of(reload(session, survey)) if q.text.startswith(start))


def question_fields(question: Question, **changes) -> dict:
    """The question form as the edit page fills it in, with ``changes``."""
    fields = {
        "section_id": question.section_id,
        "kind": question.kind,
        "text": question.text,
        "help": question.help,
        "options": "\n".join(question.options),
        "low_label": question.low_label,
        "high_label": question.high_label,
        **({"required": "y"} if question.required else {}),
    }
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not None}


def test_the_default_evaluation_is_created_on_the_first_visit(
    client, login, session, held_symposium
):
    login("viewer")
    page = client.get(f"/symposia/{held_symposium.id}/survey")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "How relevant was the symposium to your work?" in text
    assert "Open the survey" not in text and "Remove" not in text  # viewers get no buttons

    survey = session.scalars(sa.select(Survey)).one()
    assert [s.title for s in survey.sections] == [
        "Relevance and results",
        "The symposium",
        "Looking ahead",
    ]
    questions = questions_of(survey)
    assert len(questions) == 13
    outcomes = {q.outcome: q for q in questions if q.outcome}
    assert outcomes[Outcome.KNOWLEDGE_BEFORE].kind == QuestionKind.SCALE
    assert "BEFORE" in outcomes[Outcome.KNOWLEDGE_BEFORE].text
    assert outcomes[Outcome.KNOWLEDGE_AFTER].kind == QuestionKind.SCALE
    assert outcomes[Outcome.COLLABORATION].kind == QuestionKind.YES_NO
    time = next(q for q in questions if q.kind == QuestionKind.SINGLE)
    assert time.options == ["Too short", "About right", "Too long"]
    assert survey.opens_on == held_symposium.last_day
    assert survey.closes_on > survey.opens_on

    client.get(f"/symposia/{held_symposium.id}/survey")
    assert session.scalar(sa.select(sa.func.count(Question.id))) == 13  # not created twice


def test_two_first_visits_at_once_create_one_survey(app, session, held_symposium):
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def visit() -> None:
        with db.database(app).sessionmaker() as own:
            symposium = own.get(type(held_symposium), held_symposium.id)
            barrier.wait()
            try:
                survey_for(own, symposium)
                own.commit()
            except BaseException as error:  # reported below, not lost in the thread
                failures.append(error)

    threads = [threading.Thread(target=visit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert session.scalar(sa.select(sa.func.count(Survey.id))) == 1
    assert session.scalar(sa.select(sa.func.count(Question.id))) == 13


def test_settings_are_saved_and_a_bad_date_is_refused_beside_its_field(client, login, survey):
    login()
    refused = post_form(
        client,
        url(survey, "/settings"),
        {"title": "Our evaluation", "introduction": "Hello", "opens_on": "2030-05-10",
         "closes_on": "2030-05-01", "anonymous": "y"},
    )  # fmt: skip
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="closes_on-error"' in text and "cannot close before it opens" in text
    assert 'value="Our evaluation"' in text  # what was typed is kept

    saved = post_form(
        client,
        url(survey, "/settings"),
        {"title": "Our evaluation", "introduction": "Thank **you**", "opens_on": "2030-05-01",
         "closes_on": "2030-05-10", "anonymous": "y", "invite_all_registrants": "y"},
    )  # fmt: skip
    assert saved.status_code == 302
    page = client.get(url(survey)).get_data(as_text=True)
    assert "Our evaluation" in page and "<strong>you</strong>" in page
    assert "Anonymous" in page and "every confirmed registrant" in page


def test_questions_are_added_edited_moved_and_removed(client, login, session, survey):
    login()
    last = reload(session, survey).sections[-1]
    new_url = url(survey, f"/sections/{last.id}/questions/new")
    assert client.get(new_url).status_code == 200
    one_option = {"section_id": last.id, "kind": "multiple", "text": "Which formats suit you?",
                  "options": "Webinar\n"}  # fmt: skip
    refused = post_form(client, new_url, one_option)
    assert refused.status_code == 422
    assert "at least two options" in refused.get_data(as_text=True)
    assert "Which formats suit you?" in refused.get_data(as_text=True)

    added = post_form(client, new_url, {**one_option, "options": "Webinar\nWorkshop\n\nWebinar"})
    assert added.status_code == 302
    question = by_text(session, survey, "Which formats")
    assert question.options == ["Webinar", "Workshop"] and question.position == 3

    moved = post_form(client, url(survey, f"/questions/{question.id}/move"), {"direction": "up"})
    assert moved.status_code == 302
    assert [q.text for q in reload(session, survey).sections[-1].questions][1] == question.text

    edited = post_form(
        client,
        url(survey, f"/questions/{question.id}"),
        question_fields(question, kind="single", text="Which format suits you best?"),
    )
    assert edited.status_code == 302
    question = by_text(session, survey, "Which format suits")
    assert question.kind == "single"

    removed = post_form(client, url(survey, f"/questions/{question.id}/remove"), {})
    assert removed.status_code == 302
    assert [q.position for q in reload(session, survey).sections[-1].questions] == [1, 2]
    assert session.scalar(sa.select(sa.func.count(Question.id))) == 13


def test_a_question_moves_to_another_section_from_its_edit_form(client, login, session, survey):
    login()
    first, *_, last = reload(session, survey).sections
    question = first.questions[-1]
    text, before = question.text, [q.id for q in last.questions]
    moved = post_form(
        client,
        url(survey, f"/questions/{question.id}"),
        question_fields(question, section_id=last.id),
    )
    assert moved.status_code == 302
    first, *_, last = reload(session, survey).sections
    assert [q.id for q in last.questions] == [*before, question.id]
    assert last.questions[-1].text == text
    assert [q.position for q in last.questions] == list(range(1, len(before) + 2))
    assert [q.position for q in first.questions] == list(range(1, len(first.questions) + 1))
    assert session.scalar(sa.select(sa.func.count(Question.id))) == 13  # moved, not lost


def test_sections_are_added_renamed_moved_and_removed_when_empty(client, login, session, survey):
    login()
    assert post_form(client, url(survey, "/sections"), {"title": "Logistics"}).status_code == 302
    section = reload(session, survey).sections[-1]
    assert section.title == "Logistics" and section.position == 4
    renamed = post_form(client, url(survey, f"/sections/{section.id}"), {"title": "Practicalities"})
    assert renamed.status_code == 302
    post_form(client, url(survey, f"/sections/{section.id}/move"), {"direction": "up"})
    titles = [s.title for s in reload(session, survey).sections]
    assert titles == ["Relevance and results", "The symposium", "Practicalities", "Looking ahead"]

    full = reload(session, survey).sections[0]
    post_form(client, url(survey, f"/sections/{full.id}/remove"), {})
    page = client.get(url(survey)).get_data(as_text=True)
    assert "still has questions" in page
    assert post_form(client, url(survey, f"/sections/{section.id}/remove"), {}).status_code == 302
    assert len(reload(session, survey).sections) == 3


def test_the_reports_questions_keep_their_type_and_stay(client, login, session, survey):
    login()
    before = by_text(session, survey, "How would you rate your knowledge of the topic BEFORE")
    refused = post_form(
        client, url(survey, f"/questions/{before.id}"), question_fields(before, kind="long_text")
    )
    assert refused.status_code == 422
    assert "its type stays" in refused.get_data(as_text=True)
    post_form(client, url(survey, f"/questions/{before.id}/remove"), {})
    assert "reword it instead" in client.get(url(survey)).get_data(as_text=True)
    assert by_text(session, survey, "How would you rate your knowledge").kind == "scale"


@pytest.fixture
def answered_survey(session, survey, opened, attended_registrants):
    """The survey with one response in (Ana's, answering every question)."""
    from surveys.models import SurveyInvitation

    invitation = session.scalars(
        sa.select(SurveyInvitation).where(
            SurveyInvitation.registration_id == attended_registrants.ana.id
        )
    ).one()
    kinds = {"scale": 3, "yes_no": 1, "multiple": ["x"]}
    answers = {q.id: kinds.get(q.kind, (q.options or ["ok"])[0]) for q in questions_of(survey)}
    submit_response(session, invitation, answers)
    session.commit()
    return survey


def test_after_a_response_questions_keep_their_shape_but_wording_fixes_are_logged(
    client, login, session, answered_survey
):
    survey = answered_survey
    login()
    page = client.get(url(survey)).get_data(as_text=True)
    assert (
        "Responses have arrived" in page
        and ">Remove</button>" not in page.split("questions-title")[1]
    )

    relevance = by_text(session, survey, "How relevant")
    removal = post_form(client, url(survey, f"/questions/{relevance.id}/remove"), {})
    assert removal.status_code == 302
    assert "can no longer be removed" in client.get(url(survey)).get_data(as_text=True)

    retyped = post_form(
        client, url(survey, f"/questions/{relevance.id}"), question_fields(relevance, kind="single",
                                                                             options="A\nB")
    )  # fmt: skip
    assert retyped.status_code == 422
    assert "type of this question can no longer change" in retyped.get_data(as_text=True)
    timing = by_text(session, survey, "Was the time")
    reoptioned = post_form(
        client,
        url(survey, f"/questions/{timing.id}"),
        question_fields(timing, options="Too short\nJust right\nToo long"),
    )
    assert reoptioned.status_code == 422
    assert "options can no longer change" in reoptioned.get_data(as_text=True)
    # Swapping the ends would turn every answer given around ("Not relevant" becomes 5).
    swapped = post_form(
        client,
        url(survey, f"/questions/{relevance.id}"),
        question_fields(relevance, low_label=relevance.high_label, high_label=relevance.low_label),
    )
    assert swapped.status_code == 422
    assert "what the other end meant" in swapped.get_data(as_text=True)

    fixed = post_form(
        client,
        url(survey, f"/questions/{relevance.id}"),
        question_fields(relevance, text="How relevant was the symposium to your daily work?",
                        low_label="Irrelevant"),
    )  # fmt: skip
    assert fixed.status_code == 302
    changes = session.scalars(sa.select(QuestionChange).order_by(QuestionChange.id)).all()
    assert [(c.old_text, c.new_text) for c in changes] == [
        ("How relevant was the symposium to your work?",
         "How relevant was the symposium to your daily work?"),
        ("1 means: Not relevant", "1 means: Irrelevant"),
    ]  # fmt: skip
    assert all(c.changed_by_id is not None for c in changes)
    log = client.get(url(survey)).get_data(as_text=True).split('id="changes"')[1]
    assert "your daily work?" in log and "1 means: Irrelevant" in log
    assert session.scalar(sa.select(sa.func.count(Question.id))) == 13
    # Nor in two steps, against what the ends meant when the answers came: 5 may not come to
    # mean "Not relevant" (1 now reads "Irrelevant"), nor 1 what 5 means.
    relevance = by_text(session, survey, "How relevant")
    for ends in ({"high_label": "not relevant "}, {"low_label": relevance.high_label}):
        step = post_form(
            client, url(survey, f"/questions/{relevance.id}"), question_fields(relevance, **ends)
        )
        assert step.status_code == 422, ends
    assert len(session.scalars(sa.select(QuestionChange)).all()) == 2


def test_a_question_added_after_the_first_response_stays_editable_until_answered(
    client, login, session, answered_survey
):
    survey = answered_survey
    login()
    section = survey.sections[-1]
    new_url = url(survey, f"/sections/{section.id}/questions/new")
    added = {"section_id": section.id, "kind": "single", "text": "Which day suited you?",
             "options": "Day 1\nDay 2"}  # fmt: skip
    assert post_form(client, new_url, added).status_code == 302
    question = by_text(session, survey, "Which day")
    edit = url(survey, f"/questions/{question.id}")
    assert client.get(edit).get_data(as_text=True).count("type and options stay") == 0
    changed = post_form(client, edit, question_fields(question, options="Day 1\nDay 2\nBoth"))
    assert changed.status_code == 302
    assert by_text(session, survey, "Which day").options == ["Day 1", "Day 2", "Both"]
    page = client.get(url(survey)).get_data(as_text=True)
    # Only the new one can go: Ana answered every other question.
    assert page.count('aria-label="Remove question ') == 1
    assert post_form(client, f"{edit}/remove", {}).status_code == 302
    assert not any(q.text.startswith("Which day") for q in questions_of(reload(session, survey)))


def test_wording_before_any_response_is_not_logged(client, login, session, survey):
    login()
    relevance = by_text(session, survey, "How relevant")
    post_form(client, url(survey, f"/questions/{relevance.id}"),
              question_fields(relevance, text="Was the symposium relevant?"))  # fmt: skip
    assert by_text(session, survey, "Was the symposium relevant").id == relevance.id
    assert session.scalars(sa.select(QuestionChange)).all() == []


def test_anonymity_cannot_change_once_invitations_are_out(client, login, opened, survey):
    login()
    response = post_form(
        client,
        url(survey, "/settings"),
        {"title": survey.title, "anonymous": "y", "opens_on": survey.opens_on.isoformat(),
         "closes_on": survey.closes_on.isoformat()},
    )  # fmt: skip
    assert response.status_code == 422
    assert "can no longer change" in response.get_data(as_text=True)


def test_a_question_of_another_symposium_is_not_found(
    client, login, session, survey, create_symposium_record
):
    login()
    other = survey_for(session, create_symposium_record(title="Other"))
    session.commit()
    question = questions_of(other)[0]
    assert client.get(url(survey, f"/questions/{question.id}")).status_code == 404
    section_id = session.scalars(
        sa.select(SurveySection.id).where(SurveySection.survey_id == other.id)
    ).first()
    assert post_form(client, url(survey, f"/sections/{section_id}/remove"), {}).status_code == 404
