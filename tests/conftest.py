"""Fixtures shared by every test: the app on each database, clients, factories, a browser.

Database tests run twice, on SQLite and on PostgreSQL (127.0.0.1:5432, database ``test``, a
schema of its own per run). Set ``SYMPOSIUM_REQUIRE_POSTGRES=1`` / ``SYMPOSIUM_REQUIRE_BROWSER=1``
(as ``.ci/run`` does) to fail instead of skipping when PostgreSQL or Chromium is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from werkzeug.serving import make_server

from symposium import create_app, db, migrate
from symposium.accounts import create_user
from symposium.db import Base
from symposium.models import Economy, Symposium, User
from symposium.services import DayPlan, SymposiumSetup, create_symposium

POSTGRES_SERVER = os.environ.get("SYMPOSIUM_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
DATABASES = ("sqlite", "postgresql")
REFERENCE_TABLES = {"economy", "alembic_version"}
PASSWORD = "correct horse battery"


def _required(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}


def _unavailable(what: str, variable: str) -> None:
    if _required(variable):
        pytest.fail(f"{what} is required ({variable}=1) but not available")
    pytest.skip(f"{what} not available")


def postgres_url(schema: str) -> str:
    """A URL whose connections work in ``schema`` (search_path set by the server options)."""
    return f"{POSTGRES_SERVER}?options=-csearch_path%3D{schema}"


def migrated_app(url: str, tmp_path: Path) -> Flask:
    """An app on ``url`` whose database has been brought to the newest schema."""
    app = make_app(url, tmp_path)
    migrate.upgrade(app)
    return app


def make_app(url: str, tmp_path: Path, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret key",
            "DATABASE_URL": url,
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
            **config,
        }
    )


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("sqlite")
    url = f"sqlite:///{folder / 'test.sqlite3'}"
    migrated_app(url, folder)
    yield url


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[Callable[[], str]]:
    """Make fresh schemas in the ``test`` database; all are dropped at the end of the run."""
    admin = db.make_engine(POSTGRES_SERVER)
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError:
        admin.dispose()
        _unavailable("PostgreSQL at 127.0.0.1:5432", "SYMPOSIUM_REQUIRE_POSTGRES")
    made: list[str] = []

    def new_schema() -> str:
        name = f"t_{os.getpid()}_{secrets.token_hex(4)}"
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        return name

    yield new_schema
    with admin.begin() as connection:
        for name in made:
            connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgresql_url(
    postgres_schema: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> str:
    url = postgres_url(postgres_schema())
    migrated_app(url, tmp_path_factory.mktemp("pg"))
    return url


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database; every test using it runs on SQLite and PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


def written_tables() -> list[sa.Table]:
    """Every table but the reference data, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES]


def delete_written_rows(connection: sa.Connection, *, restart_ids: bool) -> None:
    """Delete every row but the reference data (``restart_ids``: ids count from 1 again, on
    PostgreSQL; SQLite reuses free ids anyway)."""
    tables = written_tables()
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        restart = " RESTART IDENTITY" if restart_ids else ""
        connection.execute(sa.text(f"TRUNCATE {names}{restart} CASCADE"))
    else:
        for table in reversed(tables):
            connection.execute(table.delete())


def _empty_tables(app: Flask) -> None:
    """Delete what a test wrote, keeping the reference data."""
    with db.database(app).engine.begin() as connection:
        delete_written_rows(connection, restart_ids=True)


# Each symposium's settings row keeps its confirmed registrations (places_taken), by the
# database's triggers: whatever a test did, the number must equal a count.
_PLACES_MISCOUNTED = sa.text(
    "SELECT symposium_id, places_taken, counted FROM (SELECT symposium_id, places_taken, "
    "(SELECT count(*) FROM registration WHERE registration.symposium_id = s.symposium_id "
    "AND registration.status = 'confirmed') AS counted FROM registration_settings s) AS kept "
    "WHERE places_taken <> counted"
)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path)
    yield app
    with db.database(app).engine.connect() as connection:
        miscounted = connection.execute(_PLACES_MISCOUNTED).all()
    _empty_tables(app)
    db.database(app).engine.dispose()
    assert not miscounted, f"places taken (symposium, kept, counted): {miscounted}"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.Session]:
    """A session of the test's own, outside any request (requests get theirs)."""
    with db.database(app).sessionmaker() as test_session:
        yield test_session


@pytest.fixture
def economies(session: sa.orm.Session) -> dict[str, Economy]:
    """The reference economies by APEC name."""
    return {e.name: e for e in session.scalars(sa.select(Economy))}


@pytest.fixture
def create_user_account(session: sa.orm.Session) -> Callable[..., User]:
    """``create_user_account(email=…, role=…)``: a committed account with password PASSWORD."""
    counter = iter(range(1, 10_000))

    def factory(email: str | None = None, role: str = "organiser", password: str = PASSWORD):
        user = create_user(session, email or f"user{next(counter)}@example.org", password, role)
        session.commit()
        return user

    return factory


def symposium_setup(**overrides: Any) -> SymposiumSetup:
    """A valid two-day set-up; keyword arguments replace its fields."""
    values: dict[str, Any] = {
        "title": "Digital skills for MSMEs",
        "project_number": "SME 01 2026A",
        "forum": "SMEWG",
        "po_name": "Ana Pérez",
        "po_email": "ana@example.org",
        "host_timezone": "America/Lima",
        "days": [DayPlan(dt.date(2027, 3, 23)), DayPlan(dt.date(2027, 3, 24))],
    }
    values.update(overrides)
    return SymposiumSetup(**values)


@pytest.fixture
def create_symposium_record(session: sa.orm.Session) -> Callable[..., Symposium]:
    """``create_symposium_record(**fields)``: a committed symposium (two days by default)."""

    def factory(**overrides: Any) -> Symposium:
        symposium = create_symposium(session, symposium_setup(**overrides))
        session.commit()
        return symposium

    return factory


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# A table in the region that scrolls it sideways on a phone (_tables.html), up to its <table.
SCROLLING_TABLE = r'<div class="table-responsive" role="region" tabindex="0"[^>]*>\s*<table'


@pytest.fixture
def steady_csrf_signature(monkeypatch):
    """Every page carries the session's CSRF token, signed with the current second; keep the
    second still so two pages that should be identical are byte for byte."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_700_000_000)


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, as a page would carry it."""
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    match = CSRF_META.search(page)
    assert match, "every page carries the CSRF token in a meta tag"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any):
    """POST ``data`` with the session's CSRF token, as a browser submitting the form would."""
    return client.post(url, data={"csrf_token": csrf_token(client), **data}, **kwargs)


@pytest.fixture
def login(client: FlaskClient, create_user_account: Callable[..., User]):
    """``login(role="organiser")``: log the test client in as a new account; returns it."""

    def log_in(role: str = "organiser") -> User:
        user = create_user_account(role=role)
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return log_in


# --- requests at the same moment --------------------------------------------------------


def logged_in_clients(app, email: str, count: int) -> list[FlaskClient]:
    """``count`` clients logged in as the organiser ``email`` (one browser tab each)."""
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        response = post_form(client, "/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 302
    return clients


def wait_until_a_statement_waits_for_a_lock(app: Flask, timeout: float = 10.0) -> None:
    """Return once another connection of this PostgreSQL database is waiting for a lock."""
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + timeout
    with db.database(app).engine.connect() as connection:
        while connection.execute(waiting).scalar() == 0:
            assert time.monotonic() < deadline, "no statement waited for the lock"
            time.sleep(0.02)
            connection.rollback()


def waiting_for_the_lock(app: Flask, session: Any, call: Callable[[], Any]) -> Any:
    """Run ``call`` (a request) in a thread while ``session``'s transaction, not committed yet,
    holds a lock the request needs; commit it once the request waits for the lock; what
    ``call`` returned. On PostgreSQL the request is seen waiting, so the order is certain; on
    SQLite (where the lock is the database's write lock) nothing shows a waiting statement:
    the request is given a second to reach it."""
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(returned=call()))
    thread.start()
    try:
        if session.get_bind().dialect.name == "postgresql":
            wait_until_a_statement_waits_for_a_lock(app)
        else:
            time.sleep(1.0)
    finally:
        session.commit()
        thread.join(timeout=30)
    return result["returned"]


def at_once(clients: list[FlaskClient], url: str, data: dict) -> list[str]:
    """POST ``data`` to ``url`` from every client at the same moment; the pages they end on."""
    return posted_at_once([(client, url, data) for client in clients])


def posted_at_once(sends: list[tuple[FlaskClient, str, dict]]) -> list[str]:
    """POST each (client, url, data) at the same moment; the pages they end on."""
    tokens = [csrf_token(client) for client, _, _ in sends]
    barrier = threading.Barrier(len(sends))
    pages: list[str] = []

    def send(index: int) -> None:
        client, url, data = sends[index]
        barrier.wait()
        response = client.post(
            url, data={"csrf_token": tokens[index], **data}, follow_redirects=True
        )
        pages.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(pages) == len(sends), "every request was answered"
    return pages


# --- the real browser --------------------------------------------------------------------

CHROMIUM = os.environ.get("SYMPOSIUM_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a real threaded HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium at {CHROMIUM}", "SYMPOSIUM_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser tab (its own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


# --- a real SMTP server ------------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server on a free loopback port that records every mail it receives.

    ``.host``, ``.port``, ``.messages`` (parsed, with ``.envelope_recipients``),
    ``.connections``, ``.reject(recipient[, reply])``, ``.wait_for(count, timeout)``; see
    ``tests/smtp.py``.
    """
    from tests.smtp import SmtpServer

    with SmtpServer() as server:
        yield server
