"""Fixtures of the survey tests: a symposium held last week and its registrants' attendance."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from registration.attendance_models import DayAttendance
from surveys.invitations import open_survey
from surveys.models import Survey
from surveys.services import survey_for
from symposium.models import OutboxMessage, utcnow
from symposium.services import DayPlan
from tests.registration.conftest import create_registration  # noqa: F401  (a fixture)

LINK = re.compile(r"https?://\S+(/survey/[A-Za-z0-9_-]+)")


@pytest.fixture
def held_symposium(create_symposium_record, economies):
    """A two-day symposium held in Lima that ended a week ago (its survey is due now)."""
    start = dt.date.today() - dt.timedelta(days=8)
    return create_symposium_record(
        invited_economy_ids=[economies[name].id for name in ("Peru", "Chile", "Viet Nam")],
        days=[DayPlan(start), DayPlan(start + dt.timedelta(days=1))],
    )


@pytest.fixture
def attended_registrants(session, held_symposium, create_registration):  # noqa: F811
    """Registrants by first name: Ana and Ben attended and may be asked; Carla attended but
    declined evaluation contact; Dan was registered but never came; Eve attended and then
    cancelled; Fay attended and was erased."""
    day1, day2 = held_symposium.days

    def person(name, economy, sex, present_on=(), **kw):
        registration = create_registration(
            held_symposium,
            given_name=name,
            family_name="Example",
            economy=economy,
            sex=sex,
            **{"email": f"{name.lower()}@example.org", "consent_evaluation": True, **kw},
        )
        for day in (day1, day2):
            attended = day in present_on
            session.add(
                DayAttendance(
                    registration_id=registration.id,
                    day_id=day.id,
                    minutes=120 if attended else 5,
                    attended=attended,
                )
            )
        session.commit()
        return registration

    return SimpleNamespace(
        ana=person("Ana", "Peru", "Female", (day1, day2)),
        ben=person("Ben", "Chile", "Male", (day2,)),
        carla=person("Carla", "Viet Nam", "Female", (day1,), consent_evaluation=False),
        dan=person("Dan", "Peru", "Male"),
        eve=person("Eve", "Chile", "Female", (day1,), status="cancelled"),
        fay=person("Fay", "Peru", "Other", (day1,), email=None, erased_at=utcnow()),
    )


@pytest.fixture
def survey(session, held_symposium) -> Survey:
    """The held symposium's survey with its default questions, not yet open."""
    record = survey_for(session, held_symposium)
    session.commit()
    return record


def link_path(session, email: str, kind: str = "invitation") -> str:
    """The path of the personal link in the last survey mail of ``kind`` queued for ``email``."""
    body = session.scalars(
        sa.select(OutboxMessage.body)
        .where(
            OutboxMessage.recipient == email,
            OutboxMessage.idempotency_key.like(f"survey-{kind}:%"),
        )
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert body is not None, f"no survey {kind} for {email}"
    return LINK.search(body).group(1)


@pytest.fixture
def opened(app, session, survey, attended_registrants):
    """Open the survey (as the organiser's button does); returns a function giving the path of
    a person's link from their invitation mail."""
    with app.app_context():
        open_survey(session, survey, lambda token: f"http://localhost/survey/{token}")
    session.commit()
    return lambda registration: link_path(session, registration.email)
