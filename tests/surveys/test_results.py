"""The survey's results: pure counts, outcome figures and charts; the results page; exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
import xml.etree.ElementTree as ET  # parses only the SVG made here
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from surveys.charts import bar_chart, outcome_chart, stacked_chart
from surveys.exports import export_table
from surveys.models import (
    Answer,
    Question,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveySection,
)
from surveys.result_queries import survey_results
from surveys.results import (
    NOT_GIVEN,
    QuestionInfo,
    ResponseRecord,
    collaboration,
    knowledge_gain,
    question_counts,
    split_counts,
    summarise,
)
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


# --- pure computations -----------------------------------------------------------------------


def test_counts_per_scale_point_yes_no_and_option():
    scale = question_counts("scale", [], [1, 5, 5, None, 7])
    assert scale.counts == (1, 0, 0, 0, 2)
    assert scale.answered == 3  # the blank and the out-of-range 7 are not answers
    assert scale.mean == pytest.approx(11 / 3)
    assert question_counts("yes_no", [], [1, 0, 1, None]).counts == (2, 1)
    multiple = question_counts("multiple", ["A", "B"], [["A", "B"], ["B"], [], None])
    assert (multiple.counts, multiple.answered) == ((1, 2), 2)


def test_a_choice_no_longer_among_the_options_keeps_its_count():
    counts = question_counts("single", ["Online", "Hybrid"], ["Online", "In person", "Online"])
    assert dict(zip(counts.labels, counts.counts, strict=True)) == {
        "Online": 2,
        "Hybrid": 0,
        "In person": 1,
    }


def test_knowledge_gain_leaves_out_a_respondent_who_skipped_before():
    figure = knowledge_gain([(2, 4), (3, 3), (None, 5), (4, 2), (1, 2)], target_pct=60)
    assert (figure.numerator, figure.denominator) == (2, 4)
    assert figure.pct == 50
    assert figure.mean_before == 2.5
    assert figure.mean_after == 2.75
    assert figure.met is False
    assert knowledge_gain([(1, 2), (2, 3), (None, 4)], target_pct=60).met is True


def test_collaboration_is_yes_over_those_who_answered():
    figure = collaboration([True, False, None, True], target_pct=60)
    assert (figure.numerator, figure.denominator) == (2, 3)
    assert figure.pct == pytest.approx(66.67, abs=0.01)
    assert figure.met is True


def test_a_figure_with_nobody_or_no_target_is_not_judged():
    assert knowledge_gain([(None, 3)], target_pct=60).met is None
    assert collaboration([True], target_pct=None).met is None
    assert collaboration([], target_pct=60).pct is None


def test_splits_add_up_to_the_overall_counts():
    answers = [("Female", 5), ("Male", 4), ("Female", 5), ("Robot", 1), ("Not given", 2)]
    groups = split_counts("scale", [], answers, ("Female", "Male", "Other", NOT_GIVEN))
    assert [g.group for g in groups] == ["Female", "Male", "Other", NOT_GIVEN]
    overall = question_counts("scale", [], [value for _, value in answers])
    totals = tuple(map(sum, zip(*(g.counts.counts for g in groups), strict=True)))
    assert totals == overall.counts
    assert sum(g.counts.answered for g in groups) == overall.answered == 5
    assert groups[-1].counts.counts == (1, 1, 0, 0, 0)  # the unknown value is not dropped


def _info(number: int, kind: str, outcome: str | None = None, **kw: Any) -> QuestionInfo:
    return QuestionInfo(number, number, "S", kind, f"Question {number}", outcome=outcome, **kw)


def test_outcome_figures_follow_the_markers_and_say_which_questions():
    questions = [
        _info(1, "scale", "knowledge_after"),
        _info(2, "scale"),
        _info(3, "scale", "knowledge_before"),
    ]
    responses = [
        ResponseRecord(1, dt.datetime(2027, 4, 1), "Female", None, {1: 4, 2: 1, 3: 2}),
        ResponseRecord(2, dt.datetime(2027, 4, 1), "Male", None, {1: 2, 2: 5, 3: 3}),
    ]
    results = summarise(questions, responses, invitations=4, economies=[], targets=(50, 60))
    assert (results.knowledge.numerator, results.knowledge.denominator) == (1, 2)
    assert results.knowledge.sources == ("Question 3", "Question 1")
    assert results.knowledge.met is True
    assert results.collaboration.problem == "No question is marked “collaboration”."
    assert results.rate.pct == 50


def test_export_table_writes_yes_no_and_joins_choices():
    questions = [_info(1, "yes_no"), _info(2, "multiple", options=("A", "B")), _info(3, "scale")]
    when = dt.datetime(2027, 4, 2, 16, 45)
    responses = [ResponseRecord(7, when, None, "Peru", {1: 0, 2: ["A", "B"]})]
    header, rows = export_table(questions, responses, anonymous=True)
    assert header == ["Response", "Submitted at (UTC)", "Sex", "Economy", *(
        f"Q{n}. Question {n}" for n in (1, 2, 3))]  # fmt: skip
    assert rows == [[7, "2027-04-02", "", "Peru", "no", "A; B", ""]]
    assert export_table(questions, responses, anonymous=False)[1][0][1] == "2027-04-02 16:45"


# --- charts ----------------------------------------------------------------------------------


def _parse(svg: Any) -> ET.Element:
    """The chart as XML: parsing fails if a label broke out of its element."""
    return ET.fromstring(str(svg))  # noqa: S314  (our own output, not untrusted input)


def test_bar_chart_escapes_a_hostile_label():
    svg = str(bar_chart(['<script>alert("x")</script>', "Yes"], [3, 1], title='Say "<hi>"'))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = _parse(svg)
    assert root.get("aria-label") == 'Say "<hi>"'
    bars = root.findall("{http://www.w3.org/2000/svg}rect")
    assert [float(b.get("width")) for b in bars] == [330.0, 110.0]  # proportional to 3 : 1


def test_stacked_chart_draws_a_part_per_nonzero_count_on_one_scale():
    svg = str(stacked_chart(["Yes", "No"], ["Female", "<Male>"], [[2, 2], [1, 0]], title="t"))
    root = _parse(svg)
    parts = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("height") == "18"]
    assert [float(p.get("width")) for p in parts] == [165.0, 165.0, 82.5]
    assert "&lt;Male&gt;" in svg


def test_outcome_chart_puts_the_target_line_at_the_target():
    root = _parse(outcome_chart(50.0, 60, title="Knowledge"))
    line = root.find("{http://www.w3.org/2000/svg}line")
    assert float(line.get("x1")) == 4 + 0.6 * 330
    bar = root.find("{http://www.w3.org/2000/svg}rect[@class='chart-bar']")
    assert float(bar.get("width")) == 0.5 * 330
    assert "target 60%" in "".join(root.itertext())


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
    assert "Your grasp of the topic, looking back" in knowledge
    together = _card(page, "collaboration")
    assert "66.7%" in together and ">met<" in together
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
