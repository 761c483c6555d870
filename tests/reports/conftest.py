"""The reference symposium of the report tests, built row by row so every figure can be
computed by hand (the arithmetic is in ``test_reference.py``).

Two days (Tue 23 and Wed 24 March 2027), attendance threshold 45 minutes. Invited: Chile,
China, Mexico, Peru, Viet Nam. Targets: women participants 50%, women and/or youth 60%, women
speakers 40%, attendees 5, knowledge 60%, collaboration 60%.

| who | economy | sex | youth | role / status | day 1 | day 2 |
|-----|---------|-----|-------|---------------|-------|-------|
| P1 | Peru | Female | no | participant | 60 min | 60 min |
| P2 | Peru | Male | yes | participant | 35 min | 50 min |
| P3 | Chile | Female | no | participant | — | — |
| P4 | Chile | Prefer not to say | yes | participant | checked in, 0 min | — |
| P5 | Viet Nam | Male | no | participant, ERASED | 90 min | — |
| P6 | Viet Nam | Female | no | participant, CANCELLED | 120 min | — |
| P7 | China | Other | no | participant | — | 45 min |
| P8 | Non-member | Female | no | participant | 50 min | 50 min |
| P9 | Peru | Male | no | participant | 40 min (stale "attended") | — |
| P10 | Chile | Male | no | participant, WAITING | 60 min | — |
| O1 | Peru | Female | no | organiser | 60 min | — |
| S1 | Viet Nam | Female | no | speaker (also in the agenda) | 60 min | — |
| S2 | Peru | Male | no | moderator (registration only) | — | — |

Agenda: A1 王芳 (China, Female) speaks on day 1 and moderates on day 2; A2 José Núñez
(Mexico, Male, no e-mail) speaks on day 2 — Mexico has only a speaker; A3 (Chile, Female)
speaks only on a cancelled item; S1 is in the agenda as LAN@Example.VN with sex "Prefer not to
say" (the registration's Female wins).

Survey: invitations to P1, P2, P4, P5, P7 and P8; responses from the first five
(knowledge before → after; collaboration 1 yes / 0 no; — skipped):
R1 2→4 yes · R2 3→3 no · R3 4→3 yes · R4 —→5 yes · R5 1→3 —.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from agenda.models import AgendaItem, ItemPerson, Speaker
from registration.attendance_models import DayAttendance
from registration.models import Registration, RegistrationSettings
from surveys.models import (
    Answer,
    Question,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveySection,
)
from symposium.models import Economy, Symposium, utcnow
from symposium.services import DayPlan

INVITED = ("Chile", "China", "Mexico", "Peru", "Viet Nam")
GENERATED_AT = dt.datetime(2027, 4, 1, 10, 0)


@dataclass
class Reference:
    symposium: Symposium
    people: dict[str, Registration]


def add_registration(
    session: sa.orm.Session, symposium: Symposium, economy: Economy, label: str, **kw: Any
) -> Registration:
    """A registration written directly (no mail, no capacity check)."""
    values: dict[str, Any] = {
        "given_name": label,
        "family_name": "Example",
        "email": f"{label.lower()}@example.org",
        "sex": "Female",
        "youth": False,
        "role": "participant",
        "status": "confirmed",
        "timezone": economy.timezone,
        "privacy_notice_version": 1,
        **kw,
    }
    registration = Registration(symposium_id=symposium.id, economy_id=economy.id, **values)
    session.add(registration)
    session.flush()
    return registration


def add_day(session, registration: Registration, day_id: int, minutes: int, **kw: Any) -> None:
    """A DayAttendance row; ``attended`` as the registration module would have stored it."""
    checked_in = kw.get("checked_in", False)
    attended = kw.get("attended", minutes >= 45 or checked_in)
    session.add(
        DayAttendance(
            registration_id=registration.id,
            day_id=day_id,
            minutes=minutes,
            checked_in=checked_in,
            attended=attended,
        )
    )


def add_item(session, day_id: int, position: int, cancelled: bool = False) -> AgendaItem:
    item = AgendaItem(
        day_id=day_id,
        position=position,
        kind="panel",
        title=f"Item {position}",
        duration_minutes=30,
        cancelled=cancelled,
    )
    session.add(item)
    session.flush()
    return item


def add_survey(session, symposium: Symposium) -> tuple[Survey, dict[str, Question]]:
    """A survey whose outcome questions are worded freely; a relevance question is ignored."""
    survey = Survey(symposium_id=symposium.id, title="Evaluation")
    session.add(survey)
    session.flush()
    section = SurveySection(survey_id=survey.id, position=0, title="Your view")
    session.add(section)
    session.flush()
    questions = {}
    for position, (kind, outcome, text) in enumerate(
        [
            ("scale", "knowledge_before", "How much did you know before?"),
            ("scale", "knowledge_after", "And after?"),
            ("scale", None, "How relevant was the symposium?"),
            ("yes_no", "collaboration", "Did you find partners?"),
        ]
    ):
        question = Question(
            section_id=section.id, position=position, kind=kind, text=text, outcome=outcome
        )
        session.add(question)
        questions[outcome or "relevance"] = question
    session.flush()
    return survey, questions


def add_response(session, survey: Survey, registration: Registration, questions, **answers):
    """An invitation answered with ``answers`` (outcome → number; None is a skipped question)."""
    invitation = SurveyInvitation(
        survey_id=survey.id,
        registration_id=registration.id,
        token_hash=secrets.token_hex(32),
        completed_at=utcnow() if answers else None,
    )
    session.add(invitation)
    session.flush()
    if not answers:
        return
    response = SurveyResponse(
        survey_id=survey.id,
        invitation_id=invitation.id,
        sex=registration.sex,
        economy_id=registration.economy_id,
    )
    session.add(response)
    session.flush()
    for outcome, number in {**answers, "relevance": 5}.items():
        if number is not None:
            session.add(
                Answer(response_id=response.id, question_id=questions[outcome].id, number=number)
            )


@pytest.fixture
def reference(session, economies, create_symposium_record) -> Reference:
    """The reference symposium of the module docstring, committed."""
    symposium = create_symposium_record(
        title="Digital trade for MSMEs",
        project_number="SME 07 2026A",
        po_name="Trần Thị Hoa",
        days=[DayPlan(dt.date(2027, 3, 23)), DayPlan(dt.date(2027, 3, 24))],
        invited_economy_ids=[economies[name].id for name in INVITED],
        target_women_participants_pct=50,
        target_women_or_youth_pct=60,
        target_women_speakers_pct=40,
        target_attendees=5,
        target_economies=5,
        target_knowledge_pct=60,
        target_collaboration_pct=60,
    )
    session.add(RegistrationSettings(symposium_id=symposium.id, attendance_threshold_minutes=45))
    day1, day2 = (day.id for day in symposium.days)
    e = economies
    non_member = e["Non-member / international organisation"]
    people = {
        "P1": add_registration(session, symposium, e["Peru"], "P1", sex="Female"),
        "P2": add_registration(session, symposium, e["Peru"], "P2", sex="Male", youth=True),
        "P3": add_registration(session, symposium, e["Chile"], "P3", sex="Female"),
        "P4": add_registration(
            session, symposium, e["Chile"], "P4", sex="Prefer not to say", youth=True
        ),
        "P5": add_registration(session, symposium, e["Viet Nam"], "P5", sex="Male"),
        "P6": add_registration(
            session, symposium, e["Viet Nam"], "P6", sex="Female", status="cancelled"
        ),
        "P7": add_registration(session, symposium, e["China"], "P7", sex="Other"),
        "P8": add_registration(session, symposium, non_member, "P8", sex="Female"),
        "P9": add_registration(session, symposium, e["Peru"], "P9", sex="Male"),
        "P10": add_registration(
            session, symposium, e["Chile"], "P10", sex="Male", status="waiting"
        ),
        "O1": add_registration(session, symposium, e["Peru"], "O1", role="organiser"),
        "S1": add_registration(
            session,
            symposium,
            e["Viet Nam"],
            "S1",
            given_name="Lan",
            family_name="Nguyễn Thị",
            email="lan@example.vn",
            role="speaker",
        ),
        "S2": add_registration(
            session,
            symposium,
            e["Peru"],
            "S2",
            given_name="Carlos",
            family_name="Quispe",
            sex="Male",
            role="moderator",
        ),
    }
    for label, day, minutes, extra in [
        ("P1", day1, 60, {}),
        ("P1", day2, 60, {}),
        ("P2", day1, 35, {}),
        ("P2", day2, 50, {}),
        ("P4", day1, 0, {"checked_in": True}),
        ("P5", day1, 90, {}),
        ("P6", day1, 120, {}),
        ("P7", day2, 45, {}),
        ("P8", day1, 50, {}),
        ("P8", day2, 50, {}),
        # Stored as attended under an older 30-minute threshold: the report applies 45.
        ("P9", day1, 40, {"attended": True}),
        ("P10", day1, 60, {}),
        ("O1", day1, 60, {}),
        ("S1", day1, 60, {}),
    ]:
        add_day(session, people[label], day, minutes, **extra)
    # Erased after the event: the personal fields go, the statistics stay.
    erased = people["P5"]
    erased.given_name, erased.family_name, erased.email = "", "", None
    erased.erased_at = utcnow()

    speakers = {
        "A1": Speaker(
            symposium_id=symposium.id,
            name="王芳",
            email="wang@example.cn",
            economy_id=e["China"].id,
            sex="Female",
        ),
        "A2": Speaker(
            symposium_id=symposium.id,
            name="José Núñez",
            email=None,
            economy_id=e["Mexico"].id,
            sex="Male",
        ),
        "A3": Speaker(
            symposium_id=symposium.id,
            name="Cancelled Person",
            email="gone@example.cl",
            economy_id=e["Chile"].id,
            sex="Female",
        ),
        "S1": Speaker(
            symposium_id=symposium.id,
            name="Nguyễn Thị Lan",
            email="LAN@Example.VN",
            economy_id=e["Viet Nam"].id,
            sex="Prefer not to say",
        ),
    }
    session.add_all(speakers.values())
    session.flush()
    keynote, panel = add_item(session, day1, 0), add_item(session, day2, 0)
    dropped = add_item(session, day2, 1, cancelled=True)
    for item, speaker, role in [
        (keynote, "A1", "speaker"),
        (keynote, "S1", "speaker"),
        (panel, "A1", "moderator"),
        (panel, "A2", "speaker"),
        (dropped, "A3", "speaker"),
    ]:
        session.add(ItemPerson(item_id=item.id, speaker_id=speakers[speaker].id, role=role))

    survey, questions = add_survey(session, symposium)
    before, after, together = "knowledge_before", "knowledge_after", "collaboration"
    for label, answers in [
        ("P1", {before: 2, after: 4, together: 1}),
        ("P2", {before: 3, after: 3, together: 0}),
        ("P4", {before: 4, after: 3, together: 1}),
        ("P5", {before: None, after: 5, together: 1}),
        ("P7", {before: 1, after: 3, together: None}),
        ("P8", {}),  # invited, never answered
    ]:
        add_response(session, survey, people[label], questions, **answers)
    session.commit()
    return Reference(symposium, people)
