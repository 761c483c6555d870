"""The pure statistics of the report: the Wilson interval, shares that add up, target checks,
and the figures of small hand-made DataFrames (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from reports.charts import BarChart, Series, completion_charts, nice_ceiling, svg
from reports.figures import ReportDay, ReportHeader, Share, Targets
from reports.queries import ReportData, SurveyCounts
from reports.stats import (
    completion_figures,
    normalised_sex,
    percent_check,
    sex_counts,
    speakers_and_experts,
    wilson_interval,
)
from symposium.models import SEXES


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Published values (e.g. Newcombe 1998, table I; R's binom::binom.wilson).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
        # 2 of 4: p = 0.5, centre 0.5, half 1.96·√(0.0625 + 0.0600)/1.9604 = 0.3500
        (2, 4, 0.1500, 0.8500),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    got_low, got_high = wilson_interval(successes, n)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_without_responses_is_none():
    assert wilson_interval(0, 0) is None


def test_undisclosed_and_unknown_sexes_keep_the_total():
    sexes = pd.Series(["Female", "Male", "Prefer not to say", "", None, "female", "Other"])
    counts = sex_counts(normalised_sex(sexes))
    # "", None and the miscased "female" are not values of SEXES: undisclosed, not dropped
    assert counts.by_sex() == {"Female": 1, "Male": 1, "Other": 1, "Prefer not to say": 4}
    assert counts.total == 7
    assert sum(counts.pct(sex) for sex in SEXES) == pytest.approx(100)


def test_percent_check_decides_on_exact_counts():
    # 29 of 50 is 57.99999… in floating point, yet exactly 58%: met
    assert percent_check("k", "label", 58, Share(29, 50)).met is True
    assert percent_check("k", "label", 58, Share(28, 50)).met is False
    assert percent_check("k", "label", None, Share(1, 2)) is None
    assert percent_check("k", "label", 60, Share(0, 0)).status == "no data"


def test_uncertain_only_when_the_interval_straddles_the_target():
    def check(successes: int, n: int, target: int):
        low, high = wilson_interval(successes, n)
        return percent_check("k", "label", target, Share(successes, n, low, high))

    # 2 of 4: 15.0–85.0% holds 60 → uncertain (and not met)
    assert (check(2, 4, 60).uncertain, check(2, 4, 60).met) == (True, False)
    # 90 of 100: 82.6–94.5% lies above 60 → certain and met
    assert (check(90, 100, 60).uncertain, check(90, 100, 60).met) == (False, True)
    # 20 of 100: 13.3–28.9% lies below 60 → certain and not met
    assert (check(20, 100, 60).uncertain, check(20, 100, 60).met) == (False, False)


AGENDA_SPEAKER_COLUMNS = [
    "speaker_id", "name", "email", "role", "sex", "economy_id", "erased_registration_id"
]  # fmt: skip


def _data(header: ReportHeader | None = None, **frames: pd.DataFrame) -> ReportData:
    header = header or ReportHeader(
        symposium_id=1,
        title="T",
        project_number="P",
        forum="F",
        po_name="PO",
        po_email="po@example.org",
        days=(ReportDay(1, dt.date(2027, 1, 5)), ReportDay(2, dt.date(2027, 1, 6))),
        invited_economies=("Peru",),
        threshold_minutes=30,
        targets=Targets(
            women_participants_pct=50, attendees=3, knowledge_pct=60, collaboration_pct=60
        ),
    )
    empty = {
        "registrations": ["registration_id", "role", "sex", "youth", "economy_id"],
        "speaker_registrations": ["registration_id", "name", "email", "role", "sex", "economy_id"],
        "attendance": ["registration_id", "day_number", "minutes", "checked_in"],
        "agenda_speakers": AGENDA_SPEAKER_COLUMNS,
        "answers": ["response_id", "outcome", "number"],
    }
    values = {name: frames.get(name, pd.DataFrame(columns=cols)) for name, cols in empty.items()}
    economies = pd.DataFrame(
        [(1, "Peru", True, 0), (2, "Non-member", False, 1)],
        columns=["economy_id", "name", "is_member", "position"],
    )
    return ReportData(header=header, economies=economies, survey=frames.get("survey"), **values)


def test_figures_of_an_empty_symposium_say_no_data():
    figures = completion_figures(_data(), dt.datetime(2027, 2, 1))
    assert figures.attended.total == 0 and figures.speakers.total == 0
    assert figures.economy_rows == () and figures.survey is None
    statuses = {check.key: check.status for check in figures.targets}
    # no attendee: 0 ≥ 3 is false; no women share without people; the survey targets: no data
    assert statuses == {
        "women_participants": "no data",
        "attendees": "not met",
        "knowledge": "no data",
        "collaboration": "no data",
    }
    assert all(str(svg(chart)).startswith("<svg") for chart in completion_charts(figures))
    # Targets the symposium did not set are not checked, the survey's two included.
    unset = dataclasses.replace(_data().header, targets=Targets())
    assert completion_figures(_data(header=unset), dt.datetime(2027, 2, 1)).targets == ()


def test_per_day_and_threshold_from_hand_made_rows():
    registrations = pd.DataFrame(
        [
            (1, "participant", "Female", False, 1),
            (2, "participant", "Male", True, 1),
            (3, "speaker", "Female", False, 1),
            (4, "participant", "Other", False, 2),
        ],
        columns=["registration_id", "role", "sex", "youth", "economy_id"],
    )
    attendance = pd.DataFrame(
        # threshold 30: 1 attends day 1 (30) not day 2 (29); 2 checked in day 2; 3 a speaker
        [(1, 1, 30, False), (1, 2, 29, False), (2, 2, 0, True), (3, 1, 90, False)],
        columns=["registration_id", "day_number", "minutes", "checked_in"],
    )
    survey = SurveyCounts(invited=4, responded=0)
    figures = completion_figures(
        _data(registrations=registrations, attendance=attendance, survey=survey),
        dt.datetime(2027, 2, 1),
    )
    assert [day.attended.counts for day in figures.days] == [(1, 0, 0, 0), (0, 1, 0, 0)]
    assert figures.attended.total == 2  # 1 and 2; 4 never came, 3 is a speaker
    assert figures.women_or_youth == Share(2, 2)  # 1 is a woman, 2 is young
    assert figures.economies_represented == ("Peru",)
    assert figures.survey.response_rate == 0.0 and figures.survey.knowledge.of == 0


def test_nice_axis_ends_and_chart_text_alternative():
    assert [nice_ceiling(v) for v in (1, 3, 7, 45_123)] == [2, 4, 8, 60_000]
    chart = BarChart(
        "x",
        "Outcomes",
        "%",
        ("Knowledge",),
        (Series("Actual", (50.0,)),),
        targets=(60,),
        intervals=((15.0, 85.0),),
    )
    assert chart.description == (
        "Outcomes. Knowledge: Actual 50.0% (target 60.0%), 95% interval 15.0%–85.0%."
    )
    drawn = str(svg(chart))
    assert 'role="img"' in drawn and "<title" in drawn and "<desc" in drawn
    assert "style=" not in drawn


def test_an_agenda_speaker_without_the_registrations_e_mail_is_matched_by_name_and_economy():
    """The agenda's e-mail is optional and a registrant may change theirs: the same name
    (accents, case and order aside) in the same economy is the registered speaker, unless the
    two record different sexes."""
    registered = pd.DataFrame(
        [
            (1, "Carolina Méndez Rojas", "carolina@example.cl", "speaker", "Female", 1),
            (2, "Kenji Sato", "kenji.new@example.jp", "moderator", "Male", 1),
            (3, "Li Wei", "li.wei@example.cn", "speaker", "Male", 1),
        ],
        columns=["registration_id", "name", "email", "role", "sex", "economy_id"],
    )
    agenda = pd.DataFrame(
        [
            (10, "carolina MENDEZ rojas", None, "moderator", "Female", 1, None),  # no e-mail
            (11, "Sato Kenji", "kenji.old@example.jp", "speaker", "Male", 1, None),  # old one
            (12, "Carolina Méndez Rojas", None, "speaker", "Female", 2, None),  # another economy
            (13, "Ana Pérez", None, "speaker", "Female", 1, None),  # on the agenda only
            (14, "Wei Li", "wei.li@example.cn", "speaker", "Female", 1, None),  # another sex
        ],
        columns=AGENDA_SPEAKER_COLUMNS,
    )
    people = speakers_and_experts(_data(speaker_registrations=registered, agenda_speakers=agenda))
    found = sorted(people[["name", "economy_id", "role", "source"]].itertuples(False, None))
    assert found == [
        ("Ana Pérez", 1, "speaker", "agenda"),
        ("Carolina Méndez Rojas", 1, "speaker, moderator", "agenda + registration"),
        ("Carolina Méndez Rojas", 2, "speaker", "agenda"),
        ("Kenji Sato", 1, "speaker, moderator", "agenda + registration"),
        ("Li Wei", 1, "speaker", "registration"),
        ("Wei Li", 1, "speaker", "agenda"),
    ]
