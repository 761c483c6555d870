"""The security suite's fixtures and the helpers its tests share.

Every test here works on one realistic symposium per database (``full_symposium``): the demo
(agenda, circular, focal points, nominations, registrations, attendance, survey answers) with
hostile text added through the services in every field that a page, mail, PDF, calendar or
spreadsheet shows. It is built once per database and shared; tests that change it restore it
(``pristine``). The helpers walk every route of the URL map and every form on the pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient

from agenda.demo import add_demo_agenda
from agenda.feeds import feed_token
from agenda.models import AgendaItem, Speaker
from agenda.services import (
    ItemInput,
    SpeakerInput,
    delete_speaker,
    items_by_day,
    save_speaker,
    update_item,
)
from registration.attendance_models import AttendanceImport, AttendanceRow
from registration.circular_services import (
    circular_texts_defaults,
    latest_version,
    save_circular,
    texts_of,
)
from registration.confirmations import queue_confirmation
from registration.distribution import distribute_circular, queue_invitation_mail
from registration.erasure import erase_registration
from registration.focal_points import (
    FocalPointInput,
    add_focal_point,
    delete_focal_point,
    revoke_links,
)
from registration.models import FocalPoint, Nomination, Registration
from registration.nominations import (
    NomineeInput,
    decide,
    issue_nomination_link,
    nominate,
    withdraw_nomination,
)
from registration.registrations import RegistrantInput, register
from surveys.models import QuestionKind, SurveyInvitation
from surveys.responses import field_name, submit_response, validate_answers
from surveys.services import questions_of, survey_for
from symposium import db
from symposium.accounts import create_user
from symposium.db import Base
from symposium.links import external_url
from symposium.models import Economy, OutboxMessage, Symposium, User
from symposium.services import (
    DayPlan,
    SymposiumSetup,
    create_symposium,
    setup_of,
    update_symposium,
)
from tests.conftest import PASSWORD, csrf_token, make_app, migrated_app, postgres_url

# --- hostile text ------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_LINK = "javascript:alert(1)"
MARKUP = f"{SCRIPT} {IMG} {JS_LINK}"


def hostile(label: str) -> str:
    """``label`` followed by markup that would run if a page, mail or PDF did not escape it."""
    return f"{label} {MARKUP}"


# Cells a spreadsheet program would take for a formula (or DDE) if written as they are.
FORMULA_CELLS = ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1")

# The services strip surrounding white space, so a leading tab or carriage return only reaches
# the database another way (an import, a future field); the exports must not depend on that.
UNSTRIPPED = {"organisation": "\t=1", "job_title": "\r=1"}

# Hypothesis examples run per test, printed at the end of the session (see the hook below).
HYPOTHESIS_CASES: Counter[str] = Counter()

REFERENCE_TABLES = {"economy", "alembic_version"}


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
        texts = _add_hostile_texts(session, symposium)
        _add_formula_cells(session, symposium)
        session.commit()
        links = mailed_links(session)
        live, dead = _personal_links(app, session, symposium, links)
        values = _route_values(session, symposium)
        other = _add_other_symposium(session)
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


def _add_hostile_texts(session: sa.orm.Session, symposium: Symposium) -> dict[str, str]:
    """Hostile text in every field organisers, focal points and participants type."""
    texts: dict[str, str] = {}
    # Commas, semicolons and backslashes are special in iCalendar text.
    texts["symposium title"] = hostile("Symposium; a, b\\")
    update_symposium(
        session, symposium, dataclasses.replace(setup_of(symposium), title=texts["symposium title"])
    )
    speaker = session.scalars(
        sa.select(Speaker).where(Speaker.symposium_id == symposium.id).order_by(Speaker.id)
    ).first()
    texts["speaker name"] = hostile("Speaker")
    save_speaker(
        session,
        symposium,
        SpeakerInput(
            texts["speaker name"], speaker.email, speaker.economy_id, speaker.organisation,
            speaker.sex,
        ),
        speaker,
    )  # fmt: skip
    item = next(
        item
        for items in items_by_day(session, symposium).values()
        for item in items
        if speaker in item.people_in("speaker")
    )
    texts["item title"] = hostile("Item; x, y")
    # A line that would start a new calendar property if the iCalendar writer did not escape it.
    texts["item description"] = hostile("Description") + "\nDTSTART:19700101T000000Z"
    update_item(
        session,
        item,
        ItemInput(
            item.kind,
            texts["item title"],
            item.duration_minutes,
            texts["item description"],
            tuple(s.id for s in item.people_in("speaker")),
            tuple(s.id for s in item.people_in("moderator")),
        ),
    )
    _add_hostile_circular(session, symposium, texts)
    _add_hostile_people(session, symposium, texts)
    return texts


def _add_hostile_circular(session, symposium: Symposium, texts: dict[str, str]) -> None:
    peru = _economy(session, "Peru")
    texts["focal point name"] = hostile("Focal")
    add_focal_point(
        session,
        symposium,
        FocalPointInput(texts["focal point name"], "hostile.focal@example.pe", peru.id, ""),
    )
    sections = texts_of(latest_version(session, symposium))
    texts["GIC objectives"] = hostile("Objectives")
    # Links to scripts, in the ways Markdown and HTML let one write them.
    texts["GIC link"] = (
        f"[Read this]({JS_LINK}) and <a href='{JS_LINK}'>that</a>, [a](JaVaScRiPt:alert(1)), "
        "<javascript:alert(1)>, [b](java\tscript:alert(1)), [c]( javascript:alert(1) ), "
        "[d](data:text/html,<script>alert(1)</script>), [e](vbscript:msgbox(1))"
    )
    version = save_circular(
        session,
        symposium,
        dataclasses.replace(
            sections,
            objectives=texts["GIC objectives"],
            target_participants=texts["GIC link"],
            introduction=hostile("Introduction"),
        ),
        change_summary=hostile("Summary"),
    )
    distribute_circular(
        session,
        symposium,
        version,
        lambda token: external_url("registration.nominate_page", token=token),
    )


def _add_hostile_people(session, symposium: Symposium, texts: dict[str, str]) -> None:
    taipei = _economy(session, "Chinese Taipei")
    focal_point = session.scalars(
        sa.select(FocalPoint).where(
            FocalPoint.symposium_id == symposium.id, FocalPoint.economy_id == taipei.id
        )
    ).first()
    texts["nominee name"] = hostile("Nominee")
    nomination = nominate(
        session,
        focal_point,
        NomineeInput(
            texts["nominee name"], hostile("Family"), "hostile.nominee@example.tw", "Female",
            hostile("Org"), "Government", hostile("Job"), False, "Participant",
        ),
    )  # fmt: skip
    invitation = decide(session, nomination, "accept", None)
    queue_invitation_mail(
        session,
        symposium,
        invitation,
        lambda token: external_url("registration.invitation_page", token=token),
    )
    texts["registrant name"] = hostile("Registrant")
    registered = register(
        session,
        symposium,
        RegistrantInput(
            texts["registrant name"], hostile("Family"), "hostile.registrant@example.pe",
            _economy(session, "Peru").id, hostile("Org"), "Government", hostile("Job"), "Female",
            False, "America/Lima", None, hostile("Needs"), True,
        ),
    )  # fmt: skip
    queue_confirmation(
        session, registered, lambda token: external_url("registration.manage", token=token)
    )
    texts["survey answer"] = hostile("Answer")
    _answer_survey(session, symposium, texts["survey answer"])


def _answer_survey(session, symposium: Symposium, text: str) -> None:
    """One more response, through the same checks the form uses, with ``text`` in every text
    question."""
    survey = survey_for(session, symposium)
    invitation = session.scalars(
        sa.select(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.completed_at.is_(None))
        .order_by(SurveyInvitation.id)
    ).first()
    raw: dict[str, list[str]] = {}
    for question in questions_of(survey):
        if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            raw[field_name(question)] = [text]
        elif question.kind in (QuestionKind.SCALE,):
            raw[field_name(question)] = ["4"]
        elif question.kind == QuestionKind.YES_NO:
            raw[field_name(question)] = ["yes"]
        elif question.options:
            raw[field_name(question)] = [question.options[0]]
    values, errors = validate_answers(questions_of(survey), raw)
    assert not errors, errors
    submit_response(session, invitation, values)


def _add_formula_cells(session, symposium: Symposium) -> None:
    """Registrants, a nominee, an agenda item, a speaker and a survey answer whose text cells
    would be formulas in a spreadsheet."""
    speakers = session.scalars(
        sa.select(Speaker).where(Speaker.symposium_id == symposium.id).order_by(Speaker.id)
    ).all()
    speaker = speakers[1]
    save_speaker(
        session,
        symposium,
        SpeakerInput("@SUM(A1)", speaker.email, speaker.economy_id, "-1", speaker.sex),
        speaker,
    )
    item = items_by_day(session, symposium)[symposium.days[1].id][0]
    update_item(session, item, ItemInput(item.kind, "=1+1", item.duration_minutes, "+1"))
    _answer_survey(session, symposium, "=1+1")
    peru = _economy(session, "Peru")
    for number, cell in enumerate(FORMULA_CELLS):
        registered = register(
            session,
            symposium,
            RegistrantInput(
                cell, cell, f"formula{number}@example.pe", peru.id, cell, "Government", cell,
                "Male", False, "America/Lima", None, cell, True,
            ),
        )  # fmt: skip
        if number == 0:
            for name, value in UNSTRIPPED.items():
                setattr(registered.registration, name, value)
    singapore = _economy(session, "Singapore")
    focal_point = session.scalars(
        sa.select(FocalPoint).where(
            FocalPoint.symposium_id == symposium.id, FocalPoint.economy_id == singapore.id
        )
    ).first()
    nominate(
        session,
        focal_point,
        NomineeInput(
            "=1+1", "@SUM(A1)", "formula@example.sg", "Male", "+1", "Government", "-1", False,
            "Participant", "=HYPERLINK(\"http://example.org\")",
        ),
    )  # fmt: skip


def _economy(session, name: str) -> Economy:
    return session.scalars(sa.select(Economy).where(Economy.name == name)).one()


def _add_other_symposium(session) -> Symposium:
    """A second, smaller symposium with a row of every kind a route names by id."""
    peru = _economy(session, "Peru")
    other = create_symposium(
        session,
        SymposiumSetup(
            "Another symposium", "SME 99 2027A", "SMEWG", "Ana", "ana@example.org",
            "America/Lima", [DayPlan(dt.date(2027, 5, 4)), DayPlan(dt.date(2027, 5, 5))],
            invited_economy_ids=[peru.id],
        ),
    )  # fmt: skip
    add_demo_agenda(session, other)
    save_circular(session, other, circular_texts_defaults(other))
    focal_point = add_focal_point(
        session, other, FocalPointInput("Other focal point", "other.focal@example.pe", peru.id, "")
    )
    issue_nomination_link(session, focal_point)
    nominate(
        session,
        focal_point,
        NomineeInput("Other", "Nominee", "other.nominee@example.pe", "Male", "PRODUCE",
                     "Government", "Analyst", False, "Participant"),
    )  # fmt: skip
    register(
        session,
        other,
        RegistrantInput("Other", "Registrant", "other.registrant@example.pe", peru.id, "PRODUCE",
                        "Government", "Analyst", "Male", False, "America/Lima", None, "", True),
    )  # fmt: skip
    report = AttendanceImport(
        symposium_id=other.id,
        day_id=other.days[0].id,
        source="zoom",
        filename="participants.csv",
        timezone="America/Lima",
    )
    start = dt.datetime(2027, 5, 4, 14, 0)
    report.rows.append(
        AttendanceRow(line=2, name="Somebody", joined_at=start, left_at=start, status="review")
    )
    session.add(report)
    survey_for(session, other)
    session.flush()
    return other


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
    """A live token of every kind, and dead ones: revoked, removed, rejected, withdrawn,
    erased (each made through the service an organiser or focal point would use)."""
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
    # Nominees: accepted then rejected, accepted then withdrawn by their focal point.
    rejected, withdrawn = session.scalars(
        sa.select(Nomination)
        .where(Nomination.status == "accepted", Nomination.email.in_(mailed["invitation"]))
        .where(Nomination.email != "hostile.nominee@example.tw")
        .order_by(Nomination.id)
        .limit(2)
    ).all()
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


# --- the database as a whole -----------------------------------------------------------------


def _tables() -> list[sa.Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES]


def database_rows(app: Flask, *only: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (or of the tables named), but the reference data, in
    primary-key order."""
    with db.database(app).engine.connect() as connection:
        return {
            table.name: [
                dict(row._mapping)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in _tables()
            if not only or table.name in only
        }


def restore_rows(app: Flask, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Put every table back to ``rows`` (what ``database_rows`` returned)."""
    tables = _tables()
    engine = db.database(app).engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())
        for table in tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


# --- forms on the pages ------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    """A form as a browser would see it: where it posts and the fields it sends."""

    page: str
    action: str
    method: str
    enctype: str
    id: str = ""
    fields: list[FormField] = field(default_factory=list)

    def values(self) -> dict[str, list[str]]:
        """What the browser would send untouched (first option, checked boxes)."""
        sent: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind in ("submit", "button", "file", "reset"):
                continue
            if f.kind in ("checkbox", "radio"):
                if f.value:
                    sent[f.name] = [f.value]
                continue
            if f.kind == "select":
                value = f.value or (f.options[0] if f.options else "")
            else:
                value = f.value
            sent.setdefault(f.name, []).append(value)
        return sent


class _FormParser(HTMLParser):
    """Collects the forms of a page with their fields, options and pre-filled values."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None
        self._option: dict[str, Any] | None = None
        self._owner: PageForm | None = None  # the form of an element outside it (form="…")
        self._elsewhere: list[tuple[str, FormField]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(urljoin(self.page, a.get("action") or self.page))
            self._form = PageForm(
                self.page,
                action.path + (f"?{action.query}" if action.query else ""),
                (a.get("method") or "get").upper(),
                a.get("enctype", ""),
                a.get("id", ""),
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif "name" not in a or (self._form is None and "form" not in a):
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self._select = self._add(a, FormField(a["name"], "select"))
        elif tag == "textarea":
            self._textarea = self._add(a, FormField(a["name"], "textarea"))
        elif tag == "button":
            self._add(a, FormField(a["name"], "submit", a.get("value", "")))

    def _add(self, a: dict[str, str], new: FormField) -> FormField:
        if "form" in a:
            self._elsewhere.append((a["form"], new))
        else:
            assert self._form is not None
            self._form.fields.append(new)
        return new

    def _input(self, a: dict[str, str]) -> None:
        kind = a.get("type", "text").lower()
        if kind not in ("checkbox", "radio"):
            self._add(a, FormField(a["name"], kind, a.get("value", "")))
            return
        value = a.get("value", "on")
        siblings = (
            [f for o, f in self._elsewhere if o == a.get("form")]
            if "form" in a
            else (self._form.fields if self._form else [])
        )
        same = next((f for f in siblings if f.name == a["name"]), None)
        if same is None:
            same = self._add(a, FormField(a["name"], kind))
        same.options.append(value)
        if "checked" in a:
            same.value = value

    def close(self) -> None:
        super().close()
        by_id = {form.id: form for form in self.forms if form.id}
        for owner, element in self._elsewhere:
            if owner in by_id:
                by_id[owner].fields.append(element)

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            option = self._option
            value = option["text"].strip() if option["value"] is None else option["value"]
            self._select.options.append(value)
            if option["selected"]:
                self._select.value = value
            self._option = None
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(page: str, html: str) -> list[PageForm]:
    """Every form on an HTML page."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms


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


def with_token(data: dict[str, Any], token: str | None) -> dict[str, Any]:
    """``data`` with every CSRF field (prefixed forms have their own) set to ``token``, or
    removed when ``token`` is None."""
    names = [name for name in data if name.endswith("csrf_token")] or ["csrf_token"]
    sent = {name: value for name, value in data.items() if not name.endswith("csrf_token")}
    if token is not None:
        sent.update(dict.fromkeys(names, token))
    return sent


def filled_in(forms: list[PageForm] | None, text: str) -> dict[str, list[str]]:
    """What a browser would send from the first of ``forms``, every text box set to ``text``
    (so a request that got through would visibly change something); generic values when no
    page shows the form."""
    if not forms:
        return {"title": [text], "preset": ["two-day-apec"], "direction": ["up"]}
    kinds = {f.name: f.kind for f in forms[0].fields}
    sent = forms[0].values()
    for name in sent:
        if kinds.get(name) in ("text", "textarea") and name != "csrf_token":
            sent[name] = [text]
    return sent
