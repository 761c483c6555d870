"""The security suite's fixtures and the helpers its tests share.

Every test here works on one realistic symposium per database (``full_symposium``): the demo
(agenda, circular, focal points, nominations, registrations, attendance, survey answers) with
hostile text added through the services in every field that a page, mail, PDF, calendar or
spreadsheet shows. It is built once per database and shared; tests that change it restore it
(``pristine``). The helpers walk every route of the URL map and every form on the pages.
The seed data is in ``seeding``, the row snapshots in ``database``, the form parser in
``pages``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient

from agenda.feeds import feed_token
from agenda.models import AgendaItem, Speaker
from agenda.speakers import SpeakerInput, delete_speaker, save_speaker
from registration.attendance_models import AttendanceRow, ManualCheck
from registration.circular_services import latest_version
from registration.erasure import erase_registration
from registration.focal_points import delete_focal_point, revoke_links
from registration.models import FocalPoint, Nomination, NominationLink, Registration
from registration.nomination_links import GRACE, MAX_LIVE_LINKS, issue_nomination_link
from registration.nominations import decide, withdraw_nomination
from registration.places import cancel_registration
from surveys.models import SurveyInvitation
from surveys.services import survey_for
from symposium import db
from symposium.accounts import create_user
from symposium.models import Economy, OutboxMessage, Symposium, SymposiumDay, User, utcnow
from tests.conftest import PASSWORD, csrf_token, make_app, migrated_app, postgres_url
from tests.security.database import database_rows, restore_rows
from tests.security.pages import PageForm, page_forms
from tests.security.seeding import add_formula_cells, add_hostile_texts, add_other_symposium

# Hypothesis examples run per test, printed at the end of the session (see the hook below).
HYPOTHESIS_CASES: Counter[str] = Counter()


@dataclass
class FullSymposium:
    """The shared symposium: its app, logged-in clients, hostile texts and personal links."""

    app: Flask
    id: int
    organiser: FlaskClient
    viewer: FlaskClient
    texts: dict[str, str]  # where hostile text was put → the text as stored
    links: dict[str, str]  # kind of personal link → a live token
    dead_links: dict[str, dict[str, str]]  # kind → why it is dead → token
    values: dict[str, Any]  # URL arguments naming this symposium's rows
    other_values: dict[str, Any]  # the same for a second symposium, which must stay apart
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the baseline

    def session(self) -> sa.orm.Session:
        """A session of the test's own, outside any request."""
        return db.database(self.app).sessionmaker()


# --- one database per run, built once ------------------------------------------------------------


@pytest.fixture(scope="package", params=("sqlite", "postgresql"))
def security_app(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Flask]:
    """An app on a database of its own (a fresh SQLite file or PostgreSQL schema)."""
    folder = tmp_path_factory.mktemp(f"security-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'security.sqlite3'}"
    else:
        url = postgres_url(request.getfixturevalue("postgres_schema")())
    db.database(migrated_app(url, folder)).engine.dispose()
    app = make_app(url, folder)
    yield app
    db.database(app).engine.dispose()


@pytest.fixture(scope="package")
def full_symposium(security_app: Flask) -> FullSymposium:
    """The demo symposium with hostile text, its personal links (live and dead), a second
    symposium, an organiser and a viewer logged in, and the rows of every table as they are."""
    app = security_app
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.test_request_context(), db.database(app).sessionmaker() as session:
        symposium = session.scalars(sa.select(Symposium)).one()
        texts = add_hostile_texts(session, symposium)
        add_formula_cells(session, symposium)
        session.commit()
        links = mailed_links(session)
        live, dead = _personal_links(app, session, symposium, links)
        values = _route_values(session, symposium)
        other = add_other_symposium(session)
        other_values = _route_values(session, other)
        for role in ("organiser", "viewer"):
            create_user(session, f"security-{role}@example.org", PASSWORD, role)
        session.commit()
        symposium_id = symposium.id
    full = FullSymposium(
        app=app,
        id=symposium_id,
        organiser=_logged_in(app, "security-organiser@example.org", "10.0.0.1"),
        viewer=_logged_in(app, "security-viewer@example.org", "10.0.0.2"),
        texts=texts,
        links=live,
        dead_links=dead,
        values=values,
        other_values=other_values,
    )
    full.rows = database_rows(app)
    return full


@pytest.fixture
def pristine(full_symposium: FullSymposium) -> Iterator[FullSymposium]:
    """The shared symposium, put back as it was after a test that changes it."""
    yield full_symposium
    if database_rows(full_symposium.app) != full_symposium.rows:
        restore_rows(full_symposium.app, full_symposium.rows)


def _logged_in(app: Flask, email: str, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post(
        "/login", data={"csrf_token": csrf_token(client), "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


# --- personal links ----------------------------------------------------------------------------

LINK_PATTERN = re.compile(r"/(nominate|invitation|registration|survey)/([A-Za-z0-9_-]{20,})")


def mailed_links(session: sa.orm.Session) -> dict[str, dict[str, str]]:
    """The personal links found in the outbox: kind → recipient → token (the latest mail)."""
    found: dict[str, dict[str, str]] = {}
    mails = session.execute(
        sa.select(OutboxMessage.recipient, OutboxMessage.body).order_by(OutboxMessage.id)
    )
    for recipient, body in mails:
        for kind, token in LINK_PATTERN.findall(body):
            found.setdefault(kind, {})[recipient] = token
    return found


def _personal_links(app: Flask, session, symposium: Symposium, mailed):
    """A live token of every kind, and dead ones: revoked, removed, expired, rejected,
    withdrawn, erased (each made through the service an organiser or focal point would use; the
    week that expires a link is moved into the past)."""
    fixer = session.scalars(sa.select(User)).first()  # the demo organiser
    nominate_links = mailed["nominate"]
    focal_points = (
        sa.select(FocalPoint).join(Economy).where(FocalPoint.symposium_id == symposium.id)
    )
    taipei = session.scalars(focal_points.where(Economy.name == "Chinese Taipei")).first()
    peru_points = session.scalars(
        focal_points.where(
            Economy.name == "Peru", FocalPoint.email != "hostile.focal@example.pe"
        ).order_by(FocalPoint.id)
    ).all()
    live = {
        "nominate": nominate_links[taipei.email],
        "invitation": mailed["invitation"]["hostile.nominee@example.tw"],
        "registration": mailed["registration"]["hostile.registrant@example.pe"],
    }
    dead: dict[str, dict[str, str]] = {kind: {} for kind in ("nominate", "invitation")}
    dead["registration"], dead["survey"] = {}, {}
    # Focal points: one's links revoked, one removed altogether.
    revoked, removed = peru_points[0], peru_points[1]
    dead["nominate"]["revoked"] = nominate_links[revoked.email]
    revoke_links(session, revoked)
    dead["nominate"]["removed"] = nominate_links[removed.email]
    delete_focal_point(session, removed)
    # Expired links: one after three newer links were mailed, one a week after a newer one.
    chile = session.scalars(focal_points.where(Economy.name == "Chile")).first()
    mexico = session.scalars(focal_points.where(Economy.name == "Mexico")).first()
    dead["nominate"]["superseded by three newer"] = nominate_links[chile.email]
    for _ in range(MAX_LIVE_LINKS):
        issue_nomination_link(session, chile)
    dead["nominate"]["a week after a newer one"] = nominate_links[mexico.email]
    issue_nomination_link(session, mexico)
    session.execute(
        sa.update(NominationLink)
        .where(NominationLink.id == max(link.id for link in mexico.links))
        .values(created_at=utcnow() - GRACE - dt.timedelta(minutes=1))
    )
    # Nominees: accepted then rejected, accepted then withdrawn by their focal point (each
    # registration cancelled first: while it stands, it keeps the nomination).
    rejected, withdrawn = session.scalars(
        sa.select(Nomination)
        .where(Nomination.status == "accepted", Nomination.email.in_(mailed["invitation"]))
        .where(Nomination.email != "hostile.nominee@example.tw")
        .order_by(Nomination.id)
        .limit(2)
    ).all()
    registered = sa.select(Registration).where(
        Registration.nomination_id.in_([rejected.id, withdrawn.id]),
        Registration.status != "cancelled",
    )
    for registration in session.scalars(registered).all():
        cancel_registration(session, registration)
    dead["invitation"]["rejected"] = mailed["invitation"][rejected.email]
    decide(session, rejected, "reject", fixer)
    dead["invitation"]["withdrawn"] = mailed["invitation"][withdrawn.email]
    withdraw_nomination(session, withdrawn.focal_point, withdrawn)
    # Registrants: an erased one (whose survey link dies with the manage link).
    invited = session.scalars(
        sa.select(Registration)
        .join(SurveyInvitation, SurveyInvitation.registration_id == Registration.id)
        .where(Registration.email.in_(mailed["registration"]), Registration.nomination_id.is_(None))
        .where(SurveyInvitation.completed_at.is_(None))
        .order_by(Registration.id)
    ).all()
    erased, answering = invited[0], invited[1]
    dead["registration"]["erased"] = mailed["registration"][erased.email]
    dead["survey"]["erased"] = mailed["survey"][erased.email]
    live["survey"] = mailed["survey"][answering.email]
    erase_registration(session, erased, fixer)
    # Feeds are signed, not stored: a removed speaker's feed is dead.
    secret = app.config["SECRET_KEY"]
    speakers = session.scalars(
        sa.select(Speaker).where(Speaker.symposium_id == symposium.id).order_by(Speaker.id)
    ).all()
    leaving = save_speaker(session, symposium, SpeakerInput("Leaving Soon"))
    dead["feed"] = {
        "removed speaker": feed_token(secret, symposium.id, leaving.id),
        "signed with another key": feed_token("another key", symposium.id, speakers[0].id),
        "unknown speaker": feed_token(secret, symposium.id, 10**6),
    }
    delete_speaker(session, leaving)
    live["feed"] = feed_token(secret, symposium.id, speakers[0].id)
    session.commit()
    return live, dead


# --- routes ------------------------------------------------------------------------------------

# Which personal link each public route takes.
TOKEN_KINDS = {
    "registration.nominate_page": "nominate",
    "registration.edit_nomination": "nominate",
    "registration.withdraw": "nominate",
    "registration.nominate_circular_pdf": "nominate",
    "registration.invitation_page": "invitation",
    "registration.manage": "registration",
    "registration.cancel": "registration",
    "registration.personal_calendar_file": "registration",
    "surveys.respond": "survey",
    "agenda.personal_feed": "feed",
}


def _route_values(session, symposium: Symposium) -> dict[str, Any]:
    """A row of this symposium for every argument a route takes."""

    def first(query):
        return session.scalars(query.limit(1)).first()

    sid = symposium.id
    survey = survey_for(session, symposium)
    taipei_nomination = first(
        sa.select(Nomination.id)
        .join(Economy)
        .where(Economy.name == "Chinese Taipei", Nomination.symposium_id == sid)
    )
    return {
        "symposium_id": sid,
        "day_number": 1,
        "item_id": first(
            sa.select(AgendaItem.id)
            .where(AgendaItem.day_id.in_([d.id for d in symposium.days]))
            .order_by(AgendaItem.id)
        ),
        "speaker_id": first(sa.select(Speaker.id).where(Speaker.symposium_id == sid)),
        "version_number": latest_version(session, symposium).number,
        "focal_point_id": first(
            sa.select(FocalPoint.id).where(FocalPoint.symposium_id == sid).order_by(FocalPoint.id)
        ),
        "nomination_id": taipei_nomination
        or first(sa.select(Nomination.id).where(Nomination.symposium_id == sid)),
        "message_id": first(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)),
        "registration_id": first(
            sa.select(Registration.id)
            .where(Registration.symposium_id == sid, Registration.erased_at.is_(None))
            .order_by(Registration.id)
        ),
        "row_id": first(
            sa.select(AttendanceRow.id)
            .where(AttendanceRow.status == "review")
            .order_by(AttendanceRow.id)
        )
        or first(sa.select(AttendanceRow.id).order_by(AttendanceRow.id)),
        "question_id": survey.sections[0].questions[0].id,
        "section_id": survey.sections[0].id,
        "check_id": first(
            sa.select(ManualCheck.id)
            .join(SymposiumDay, SymposiumDay.id == ManualCheck.day_id)
            .where(SymposiumDay.symposium_id == sid)
            .order_by(ManualCheck.id)
        ),
    }


def route_url(full: FullSymposium, rule, **overrides: Any) -> str:
    """The URL of ``rule`` on the shared symposium (live personal link for a token)."""
    values = dict(full.values)
    kind = TOKEN_KINDS.get(rule.endpoint)
    if kind:
        values["token"] = full.links[kind]
    values.update(overrides)
    with full.app.test_request_context():
        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def app_rules(app: Flask) -> list:
    """Every rule of the URL map but the static files."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.endpoint.endswith(".static")
    ]


# --- forms on the pages ------------------------------------------------------------------------


def organiser_pages(full: FullSymposium) -> list[tuple[str, str]]:
    """(endpoint, URL) of every page an organiser can open with GET."""
    return [
        (rule.endpoint, route_url(full, rule))
        for rule in app_rules(full.app)
        if "GET" in rule.methods
    ]


def crawl_forms(full: FullSymposium) -> dict[str, list[PageForm]]:
    """Every POST form on every page (organiser pages and personal-link pages), by the
    endpoint it posts to."""
    found: dict[str, list[PageForm]] = {}
    adapter = full.app.url_map.bind("localhost")
    for _endpoint, url in organiser_pages(full):
        response = full.organiser.get(url)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        for form in page_forms(url, response.get_data(as_text=True)):
            if form.method != "POST":
                continue
            endpoint, _ = adapter.match(urlsplit(form.action).path, method="POST")
            found.setdefault(endpoint, []).append(form)
    return found


# --- the case counts ----------------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter) -> None:
    if not HYPOTHESIS_CASES:
        return
    terminalreporter.section("hypothesis cases run")
    for name, count in sorted(HYPOTHESIS_CASES.items()):
        terminalreporter.write_line(f"{count:6d}  {name}")
    terminalreporter.write_line(f"{sum(HYPOTHESIS_CASES.values()):6d}  in all")


@pytest.fixture(scope="package")
def all_pages(full_symposium: FullSymposium) -> dict[str, Any]:
    """Every GET route's response: organiser pages as an organiser, public ones as anyone
    (with a live personal link where the route takes one)."""
    full = full_symposium
    anonymous = full.app.test_client()
    responses = {}
    for rule in app_rules(full.app):
        if "GET" in rule.methods:
            public = getattr(full.app.view_functions[rule.endpoint], "is_public", False)
            client = anonymous if public else full.organiser
            responses[rule.endpoint] = client.get(route_url(full, rule))
    return responses


@pytest.fixture(scope="package")
def crawled_forms(full_symposium: FullSymposium) -> dict[str, list[PageForm]]:
    """Every POST form on the shared symposium's pages, by the endpoint it posts to."""
    return crawl_forms(full_symposium)
