"""The survey's results read from the database, the results page and the exports (the counts
on plain data and the charts: test_result_counts.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from surveys.models import (
    Answer,
    Question,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveySection,
)
from surveys.result_queries import survey_results
from symposium import db
from symposium.models import Symposium
from tests.registration import conftest as registration_fixtures

# The registration fixtures this module needs (tests/surveys/conftest.py is another's).
invited_symposium = registration_fixtures.invited_symposium
create_registration = registration_fixtures.create_registration

HOSTILE_TEXT = "Great <script>alert(1)</script>"
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","click")'
HOSTILE_OPTION = "<b>Cyber</b> security"

# (key, section, kind, text, extra fields); the outcome questions are worded unusually on
# purpose: the results find them by their markers, not by their wording.
# fmt: off
QUESTIONNAIRE = [
    ("relevance", "The event", "scale", "How relevant was it?",
     {"low_label": "Not at all", "high_label": "Very"}),
    ("before", "The event", "scale", "Your grasp of the topic, looking back",
     {"outcome": "knowledge_before"}),
    ("after", "The event", "scale", "Your grasp of the topic today",
     {"outcome": "knowledge_after"}),
    ("collab", "Next steps", "yes_no", "Did you meet possible partners?",
     {"outcome": "collaboration"}),
    ("topics", "Next steps", "multiple", "Topics to follow",
     {"options": ["Digital payments", "E-commerce", HOSTILE_OPTION]}),
    ("format", "Next steps", "single", "Preferred format", {"options": ["Online", "Hybrid"]}),
    ("comments", "Next steps", "long_text", "Anything else?", {}),
]
# fmt: on


class SurveyBuilder:
    """A survey written straight to the database, with ``invite`` and ``respond``."""

    def __init__(self, session, symposium: Symposium, anonymous: bool) -> None:
        self.session = session
        self.survey = Survey(symposium_id=symposium.id, title="Evaluation", anonymous=anonymous)
        session.add(self.survey)
        self.questions: dict[str, Question] = {}
        sections: dict[str, SurveySection] = {}
        for key, title, kind, text, extra in QUESTIONNAIRE:
            if title not in sections:
                sections[title] = SurveySection(position=len(sections), title=title)
                self.survey.sections.append(sections[title])
            question = Question(
                position=len(sections[title].questions), kind=kind, text=text, **extra
            )
            sections[title].questions.append(question)
            self.questions[key] = question
        session.commit()

    def invite(self, registration) -> SurveyInvitation:
        invitation = SurveyInvitation(
            survey_id=self.survey.id,
            registration_id=registration.id,
            token_hash=secrets.token_hex(32),
        )
        self.session.add(invitation)
        self.session.commit()
        return invitation

    def respond(self, sex=None, economy=None, invitation=None, day=1, **answers) -> int:
        """A submitted response; answers by question key (yes/no given as "yes"/"no")."""
        response = SurveyResponse(
            survey_id=self.survey.id,
            invitation_id=invitation.id if invitation else None,
            sex=sex,
            economy_id=economy.id if economy else None,
            submitted_at=dt.datetime(2027, 4, day, 10, 30),
        )
        for key, value in answers.items():
            question = self.questions[key]
            answer = Answer(question_id=question.id)
            if question.kind == "yes_no":
                answer.number = 1 if value == "yes" else 0
            elif question.kind == "scale":
                answer.number = value
            elif question.kind == "multiple":
                answer.choices = value
            else:
                answer.text = value
            response.answers.append(answer)
        self.session.add(response)
        if invitation is not None:
            invitation.completed_at = response.submitted_at
        self.session.commit()
        return response.id


@pytest.fixture
def create_survey(session) -> Callable[..., SurveyBuilder]:
    """``create_survey(symposium, anonymous=False)``: the QUESTIONNAIRE as a committed survey."""

    def factory(symposium: Symposium, anonymous: bool = False) -> SurveyBuilder:
        return SurveyBuilder(session, symposium, anonymous)

    return factory


@pytest.fixture
def answered_survey(invited_symposium, create_survey, create_registration, economies):
    """Four invitations, three responses: a gain, no gain, and one who skipped "before"."""
    built = create_survey(invited_symposium)
    invitations = [built.invite(create_registration(invited_symposium)) for _ in range(4)]
    built.respond(
        "Female", economies["Peru"], invitations[0], day=1, relevance=5, before=2, after=4,
        collab="yes", topics=["Digital payments", "E-commerce"], format="Online",
        comments=HOSTILE_TEXT,
    )  # fmt: skip
    built.respond(
        "Male", economies["Chile"], invitations[1], day=2, relevance=4, before=3, after=3,
        collab="no", topics=["E-commerce", HOSTILE_OPTION], comments=HOSTILE_FORMULA,
    )  # fmt: skip
    built.respond(
        None, economies["Viet Nam"], invitations[2], day=3, after=5, collab="yes",
        comments="Newest comment",
    )  # fmt: skip
    return built


# --- the loader ------------------------------------------------------------------------------


def test_results_are_read_in_a_fixed_number_of_queries(
    app,
    session,
    invited_symposium,
    create_survey,
    economies,
):
    built = create_survey(invited_symposium)
    statements: list[str] = []
    engine = db.database(app).engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries() -> int:
        statements.clear()
        session.expire_all()
        survey_results(session, session.get(Survey, built.survey.id))
        return len(statements)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        built.respond("Female", economies["Peru"], before=1, after=2, comments="a")
        one = queries()
        for _ in range(5):
            built.respond("Male", economies["Chile"], before=1, after=2, comments="b")
        assert queries() == one
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# --- pages -----------------------------------------------------------------------------------


def _url(symposium: Symposium, what: str = "results") -> str:
    return f"/symposia/{symposium.id}/survey/{what}"


def _card(page: str, figure: str) -> str:
    return page.split(f'id="figure-{figure}"', 1)[1].split('class="col-lg-6', 1)[0]


def test_page_says_when_the_survey_is_not_set_up(client, login, invited_symposium):
    login()
    page = client.get(_url(invited_symposium)).get_data(as_text=True)
    assert "has not been set up" in page
    assert "responses.csv" not in page


def test_page_shows_response_rate_counts_and_outcomes(
    client,
    login,
    invited_symposium,
    answered_survey,
):
    login()
    response = client.get(_url(invited_symposium))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "75.0%" in page and "3 responses of 4 invitations" in page
    # Topics: E-commerce chosen twice (the visually hidden table beside the chart).
    assert '<th scope="row">E-commerce</th><td>2</td>' in page
    assert '<th scope="row">5 · Very</th><td>1</td>' in page
    knowledge = _card(page, "knowledge")
    assert "50.0%" in knowledge and "1 of 2 respondents" in knowledge
    assert "Mean before 2.50, mean after 3.50 (n = 2)" in knowledge
    assert "Target 60%" in knowledge and ">not met<" in knowledge
    # Two answers say little: the interval holds the target, as the completion report says.
    assert "95% interval 9.5–90.5%" in knowledge and ">uncertain<" in knowledge
    assert "Your grasp of the topic, looking back" in knowledge
    together = _card(page, "collaboration")
    assert "66.7%" in together and ">met<" in together and ">uncertain<" in together
    assert "Did you meet possible partners?" in together


def test_text_answers_and_labels_are_escaped_newest_first(
    client,
    login,
    invited_symposium,
    answered_survey,
):
    login()
    page = client.get(_url(invited_symposium)).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "Great &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Cyber</b>" not in page and "&lt;b&gt;Cyber&lt;/b&gt; security" in page
    newest = page.index("Newest comment")
    assert newest < page.index("=HYPERLINK") < page.index("Great &lt;script")


def test_split_by_sex_or_economy(client, login, invited_symposium, answered_survey):
    login()
    by_sex = client.get(_url(invited_symposium)).get_data(as_text=True)
    # The respondent without a recorded sex is on a line of their own.
    assert re.search(r'<th scope="row">Not given</th><td>0</td><td>0</td><td>0</td>'
                     r"<td>0</td><td>1</td><td>1</td>", by_sex)  # fmt: skip
    assert '<th scope="row">Viet Nam</th>' not in by_sex
    by_economy = client.get(_url(invited_symposium) + "?by=economy").get_data(as_text=True)
    assert '<th scope="row">Viet Nam</th>' in by_economy
    assert '<th scope="row">Female</th>' not in by_economy


def test_anonymous_splits_pool_groups_too_small_to_stay_anonymous(
    client, login, invited_symposium, create_survey, economies
):
    built = create_survey(invited_symposium, anonymous=True)
    for relevance in (5, 4, 4):
        built.respond("Female", economies["Peru"], relevance=relevance)
    built.respond("Male", economies["Viet Nam"], relevance=1)  # the only Vietnamese delegate
    login()
    by_economy = client.get(_url(invited_symposium) + "?by=economy").get_data(as_text=True)
    table = by_economy.split("answers by economy</caption>")[1].split("</table>")[0]
    assert '<th scope="row">Peru</th><td>0</td><td>0</td><td>0</td><td>2</td><td>1</td>' in table
    assert "Viet Nam" not in by_economy.split("answers by economy")[1]
    assert '<th scope="row">Groups of fewer than 3</th><td colspan="5"' in table  # hidden: 1
    assert "counted together" in by_economy
    by_sex = client.get(_url(invited_symposium)).get_data(as_text=True)
    assert '<th scope="row">Male</th>' not in by_sex.split("answers by sex</caption>")[1]


def test_csv_export_reads_back(client, login, invited_symposium, answered_survey):
    login()
    response = client.get(_url(invited_symposium, "responses.csv"))
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Response", "Submitted at (UTC)", "Sex", "Economy"]
    assert header[4:] == [f"Q{n}. {q[3]}" for n, q in enumerate(QUESTIONNAIRE, start=1)]
    assert [row[2:4] for row in body] == [["Female", "Peru"], ["Male", "Chile"], ["", "Viet Nam"]]
    column = {q[0]: index for index, q in enumerate(QUESTIONNAIRE, start=4)}
    assert [row[column["collab"]] for row in body] == ["yes", "no", "yes"]
    assert body[0][column["topics"]] == "Digital payments; E-commerce"
    assert body[2][column["before"]] == ""
    assert body[1][column["comments"]] == "'" + HOSTILE_FORMULA  # inert in a spreadsheet


def test_xlsx_export_keeps_a_formula_as_text(
    client,
    login,
    invited_symposium,
    answered_survey,
):
    login()
    response = client.get(_url(invited_symposium, "responses.xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()))["Responses"]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    assert cells[HOSTILE_FORMULA].data_type == "s"
    assert sheet.max_row == 4


def test_viewer_can_read_and_export(client, login, invited_symposium, answered_survey):
    assert client.get(_url(invited_symposium)).status_code == 302  # to the login page
    login("viewer")
    for what in ("results", "responses.csv", "responses.xlsx"):
        assert client.get(_url(invited_symposium, what)).status_code == 200
