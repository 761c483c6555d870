"""Fixtures of the circular and nomination tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from registration.models import FocalPoint
from registration.nomination_links import issue_nomination_link
from symposium.models import Symposium
from symposium.services import DayPlan

NOMINEE = {
    "given_name": "Lan",
    "family_name": "Nguyễn Thị",
    "email": "lan@example.vn",
    "sex": "Female",
    "organisation": "Ministry of Industry and Trade",
    "organisation_type": "Government",
    "job_title": "Deputy Director",
    "youth": "no",
    "intended_role": "Participant",
    "note": "",
}


def nominee(**overrides: Any) -> dict[str, Any]:
    """The fields of a valid nominee form; keyword arguments replace some."""
    return {**NOMINEE, **overrides}


@pytest.fixture
def invited_symposium(create_symposium_record, economies) -> Symposium:
    """A symposium inviting Peru, Chile and Viet Nam; nominations open for another month."""
    start = dt.date.today() + dt.timedelta(days=60)
    return create_symposium_record(
        invited_economy_ids=[economies[name].id for name in ("Peru", "Chile", "Viet Nam")],
        nomination_deadline=dt.date.today() + dt.timedelta(days=30),
        registration_deadline=dt.date.today() + dt.timedelta(days=40),
        days=[DayPlan(start), DayPlan(start + dt.timedelta(days=1))],
    )


@pytest.fixture
def create_focal_point(session, economies) -> Callable[..., tuple[FocalPoint, str]]:
    """``create_focal_point(symposium, "Viet Nam", email=…)``: a committed focal point and the
    token of its personal nomination link."""
    counter = iter(range(1, 10_000))

    def factory(symposium: Symposium, economy: str = "Viet Nam", **kw: Any):
        number = next(counter)
        focal_point = FocalPoint(
            symposium_id=symposium.id,
            economy_id=economies[economy].id,
            name=kw.get("name", f"Focal Point {number}"),
            email=kw.get("email", f"focal{number}@example.org"),
            role=kw.get("role", "SMEWG delegate"),
        )
        session.add(focal_point)
        session.flush()
        token = issue_nomination_link(session, focal_point)
        session.commit()
        return focal_point, token

    return factory


@pytest.fixture
def create_registration(session, economies) -> Callable[..., Any]:
    """``create_registration(symposium, given_name=…, economy="Peru", status=…, …)``: a
    committed registration, written directly (no mail, no capacity check)."""
    from registration.models import Registration

    counter = iter(range(1, 100_000))

    def factory(symposium: Symposium, **kw: Any):
        number = next(counter)
        economy = economies[kw.pop("economy", "Peru")]
        values = {
            "given_name": f"Person{number}",
            "family_name": "Example",
            "email": f"person{number}@example.org",
            "sex": "Female",
            "organisation": "Ministry",
            "organisation_type": "Government",
            "job_title": "Officer",
            "youth": False,
            "role": "participant",
            "status": "confirmed",
            "timezone": economy.timezone,
            "privacy_notice_version": 1,
            **kw,
        }
        registration = Registration(symposium_id=symposium.id, economy_id=economy.id, **values)
        session.add(registration)
        session.commit()
        return registration

    return factory
