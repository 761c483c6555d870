"""Survey results on plain data: counts, splits, the outcome figures, the export table and the
SVG charts."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # parses only the SVG made here
from typing import Any

import pytest

from surveys.charts import bar_chart, outcome_chart, stacked_chart
from surveys.exports import export_table
from surveys.results import (
    NOT_GIVEN,
    QuestionInfo,
    ResponseRecord,
    collaboration,
    knowledge_gain,
    question_counts,
    question_result,
    split_counts,
    summarise,
)
from tests.registration import conftest as registration_fixtures

# The registration fixtures this module needs (tests/surveys/conftest.py is another's).
invited_symposium = registration_fixtures.invited_symposium
create_registration = registration_fixtures.create_registration


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
    assert not collaboration([], target_pct=60).uncertain


def test_a_figure_is_uncertain_when_its_interval_holds_the_target():
    # 2 of 4: 15.0–85.0% holds 60; 90 of 100: 82.6–94.5% lies above it.
    few = collaboration([True, True, False, False], target_pct=60)
    assert (few.met, few.uncertain) == (False, True)
    assert few.interval_pct == pytest.approx((15.0, 85.0), abs=0.05)
    many = collaboration([True] * 90 + [False] * 10, target_pct=60)
    assert (many.met, many.uncertain) == (True, False)
    assert not collaboration([True, False], target_pct=None).uncertain


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
    responses = [
        ResponseRecord(7, when, None, "Peru", {1: 0, 2: ["A", "B"]}),
        ResponseRecord(3, when - dt.timedelta(days=2), "Male", "Chile", {1: 1, 3: 4}),
    ]
    header, rows = export_table(questions, responses, anonymous=False)
    assert header == ["Response", "Submitted at (UTC)", "Sex", "Economy", *(
        f"Q{n}. Question {n}" for n in (1, 2, 3))]  # fmt: skip
    assert rows[0] == [7, "2027-04-02 16:45", "", "Peru", "no", "A; B", ""]
    # Anonymous: no id and no date, and rows by their answers, not by arrival (the outbox's
    # reminders tell who answered late).
    header, rows = export_table(questions, responses, anonymous=True)
    assert header[:2] == ["Sex", "Economy"] and len(header) == 5
    assert rows == [["", "Peru", "no", "A; B", ""], ["Male", "Chile", "yes", "", 4]]
    assert export_table(questions, responses[::-1], anonymous=True)[1] == rows


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


def test_anonymous_text_answers_are_undated_and_in_alphabetical_order():
    comment = _info(1, "text")
    responses = [
        ResponseRecord(1, dt.datetime(2027, 4, 1), None, None, {1: "zoom kept freezing"}),
        ResponseRecord(2, dt.datetime(2027, 4, 3), None, None, {1: "Great panel"}),
    ]
    named = question_result(comment, responses, [])
    assert [(t.text, t.submitted_at.day) for t in named.texts] == [
        ("Great panel", 3),
        ("zoom kept freezing", 1),
    ]
    anonymous = question_result(comment, responses[::-1], [], anonymous=True)
    assert [(t.text, t.submitted_at) for t in anonymous.texts] == [
        ("Great panel", None),
        ("zoom kept freezing", None),
    ]
    assert question_result(comment, responses, [], anonymous=True) == anonymous
