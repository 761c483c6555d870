"""The access rule over every route of the application, not a sample.

Anonymous visitors are sent to the log-in page from every page that is not public; viewers
may read but every state-changing request and every form page refuses them.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import url_for

from agenda.demo import add_demo_agenda
from agenda.models import AgendaItem, Speaker
from registration.attendance_models import AttendanceImport, AttendanceRow, ManualCheck
from registration.circular_services import circular_texts_defaults, save_circular
from registration.models import CircularVersion, FocalPoint, Nomination, Registration
from registration.nomination_links import issue_nomination_link
from registration.nominations import NomineeInput, nominate
from surveys.models import Question, SurveySection
from surveys.services import survey_for
from symposium.models import OutboxMessage, Symposium
from symposium.outbox import queue_mail
from tests.conftest import post_form

# Public on purpose; adding a public route means adding it here, deliberately.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "static",
    "symposium.favicon",  # the icon a browser asks for beside a PDF or CSV opened in a tab
    "bootstrap.static",
    "agenda.static",
    "agenda.agenda_page",
    "agenda.calendar_file",
    "agenda.day_calendar_file",
    "agenda.pdf_file",
    "agenda.csv_file",
    "agenda.personal_feed",
    "registration.static",
    # Reached only with a personal link (an unguessable token, stored hashed).
    "registration.nominate_page",
    "registration.edit_nomination",
    "registration.withdraw",
    "registration.nominate_circular_pdf",
    "registration.invitation_page",
    "registration.manage",
    "registration.cancel",
    "registration.personal_calendar_file",
    # The open registration form (a 404 when the symposium registers invited delegates only).
    "registration.open_registration",
    "surveys.respond",
}
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def filled_symposium(session, create_symposium_record, economies):
    """A symposium with an agenda, speakers, a circular, a focal point, a nomination and a
    failed mail, so every route has something to act on."""
    peru = economies["Peru"]
    symposium = create_symposium_record(title="Unchanged title", invited_economy_ids=[peru.id])
    add_demo_agenda(session, symposium)
    save_circular(session, symposium, circular_texts_defaults(symposium))
    focal_point = FocalPoint(
        symposium_id=symposium.id, economy_id=peru.id, name="Lucía", email="lucia@example.pe"
    )
    session.add(focal_point)
    session.flush()
    issue_nomination_link(session, focal_point)
    nominate(
        session,
        focal_point,
        NomineeInput("Rosa", "Mamani", "rosa@example.pe", "Female", "PRODUCE", "Government",
                     "Analyst", False, "Participant"),
    )  # fmt: skip
    rosa = Registration(
        symposium_id=symposium.id, given_name="Rosa", family_name="Mamani",
        email="rosa@example.pe", economy_id=peru.id, sex="Female", status="confirmed",
        timezone="America/Lima", privacy_notice_version=1,
    )  # fmt: skip
    session.add(rosa)
    session.flush()
    report = AttendanceImport(
        symposium_id=symposium.id,
        day_id=symposium.days[0].id,
        source="zoom",
        filename="participants.csv",
        timezone="America/Lima",
    )
    start = dt.datetime(2027, 3, 23, 14, 0)
    report.rows.append(
        AttendanceRow(line=5, name="iPhone", joined_at=start, left_at=start, status="unmatched")
    )
    session.add(report)
    session.add(
        ManualCheck(registration_id=rosa.id, day_id=symposium.days[0].id, checked_in_at=start)
    )
    survey_for(session, symposium)
    mail = session.get(
        OutboxMessage, queue_mail(session, "access-test", "someone@example.org", "Subject", "Body")
    )
    mail.status, mail.attempts, mail.last_error = "failed", 5, "550 Mailbox unavailable"
    session.commit()
    return symposium


def _routes(app, session, symposium):
    """Every (endpoint, method, URL) of the app that is not public, with real ids filled in."""
    values = {
        "symposium_id": symposium.id,
        "day_number": 1,
        "item_id": session.scalars(sa.select(AgendaItem.id)).first(),
        "speaker_id": session.scalars(sa.select(Speaker.id)).first(),
        "version_number": 1,
        "focal_point_id": session.scalars(sa.select(FocalPoint.id)).first(),
        "nomination_id": session.scalars(sa.select(Nomination.id)).first(),
        "message_id": session.scalars(sa.select(OutboxMessage.id)).first(),
        "registration_id": session.scalars(sa.select(Registration.id)).first(),
        "row_id": session.scalars(sa.select(AttendanceRow.id)).first(),
        "check_id": session.scalars(sa.select(ManualCheck.id)).first(),
        "question_id": session.scalars(sa.select(Question.id)).first(),
        "section_id": session.scalars(sa.select(SurveySection.id)).first(),
    }
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PUBLIC_ENDPOINTS:
                continue
            missing = rule.arguments - values.keys()
            assert not missing, f"give {missing} of {rule.rule} a value in this test"
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def _snapshot(session):
    session.expire_all()
    return (
        session.scalars(sa.select(Symposium.title)).all(),
        session.execute(
            sa.select(
                AgendaItem.id, AgendaItem.title, AgendaItem.position, AgendaItem.cancelled
            ).order_by(AgendaItem.id)
        ).all(),
        session.scalars(sa.select(Speaker.name).order_by(Speaker.id)).all(),
        session.execute(sa.select(CircularVersion.number, CircularVersion.objectives)).all(),
        session.execute(sa.select(FocalPoint.email, FocalPoint.name)).all(),
        session.execute(sa.select(Nomination.email, Nomination.status)).all(),
        session.execute(
            sa.select(Registration.email, Registration.status, Registration.role)
        ).all(),
        session.execute(sa.select(AttendanceRow.status, AttendanceRow.registration_id)).all(),
        session.execute(
            sa.select(Question.id, Question.text, Question.kind, Question.position)
        ).all(),
        session.execute(
            sa.select(OutboxMessage.idempotency_key, OutboxMessage.status).order_by(
                OutboxMessage.id
            )
        ).all(),
    )


def test_public_endpoints_are_exactly_the_known_ones(app):
    public = {e for e, view in app.view_functions.items() if getattr(view, "is_public", False)}
    static = {e for e in app.view_functions if e == "static" or e.endswith(".static")}
    assert public | static == PUBLIC_ENDPOINTS


def test_anonymous_visitors_are_sent_to_login_from_every_organiser_route(
    app, client, session, filled_symposium
):
    routes = list(_routes(app, session, filled_symposium))
    assert len(routes) >= 25
    before = _snapshot(session)
    for endpoint, method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method)
        assert response.headers["Location"].startswith("/login?next="), (endpoint, method)
    assert _snapshot(session) == before


def test_viewers_read_but_change_nothing_on_any_route(
    app, client, login, session, filled_symposium
):
    login("viewer")
    before = _snapshot(session)
    changing = 0
    for endpoint, method, url in _routes(app, session, filled_symposium):
        if endpoint == "auth.logout":
            continue  # viewers may log out
        view = app.view_functions[endpoint]
        if method in CHANGING:
            data = {"title": "Changed by a viewer", "preset": "two-day-apec", "direction": "up"}
            response = post_form(client, url, data)
            assert response.status_code == 403, (endpoint, method)
            changing += 1
        elif getattr(view, "organiser_only", False):
            # Pages made for changing something refuse viewers too.
            assert client.get(url).status_code == 403, endpoint
        else:
            response = client.get(url)
            assert response.status_code in (200, 302), endpoint
            assert not response.headers.get("Location", "").startswith("/login"), endpoint
    assert changing >= 10
    assert _snapshot(session) == before


def test_viewer_is_not_offered_forms(client, login, filled_symposium):
    login("viewer")
    listing = client.get("/symposia").get_data(as_text=True)
    detail = client.get(f"/symposia/{filled_symposium.id}").get_data(as_text=True)
    agenda = client.get(f"/symposia/{filled_symposium.id}/agenda").get_data(as_text=True)
    assert filled_symposium.title in listing and filled_symposium.title in detail
    assert "New symposium" not in listing
    assert "Edit set-up" not in detail
    assert "Add an item" not in agenda and 'name="direction"' not in agenda
    assert "Presentation and the details of the day" in agenda
