"""Command-line tools: accounts and the demo."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from symposium.demo import DEMO_ORGANISER, add_demo_builder, demo_dates
from symposium.models import Symposium, User
from tests.conftest import post_form


def test_users_create_with_password_option_then_log_in(runner, client, session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Lead@Example.org",
            "--role",
            "viewer",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created viewer account lead@example.org" in result.output
    user = session.scalar(sa.select(User).where(User.email == "lead@example.org"))
    assert user.role == "viewer"
    response = post_form(
        client, "/login", {"email": "lead@example.org", "password": "a long password"}
    )
    assert response.status_code == 302


def test_users_create_asks_for_the_password_twice(runner, session):
    result = runner.invoke(
        args=["users", "create", "po@example.org"], input="typed password\ntyped password\n"
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User.role).where(User.email == "po@example.org")) == "organiser"


def test_users_create_refuses_bad_input_clearly(runner, create_user_account):
    create_user_account(email="taken@example.org")
    cases = [
        (
            ["users", "create", "taken@example.org", "--password", "a long password"],
            "exists already",
        ),
        (["users", "create", "new@example.org", "--password", "short"], "at least 10 characters"),
        (
            ["users", "create", "new@example.org", "--role", "admin", "--password", "x" * 12],
            "admin",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert message in result.output


def test_demo_loads_the_sme_10_2022a_symposium_and_prints_a_working_login(
    app, runner, client, session
):
    calls = []
    add_demo_builder(app, lambda db_session, symposium: calls.append(symposium.project_number))
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    password = re.search(
        rf"Log in as {re.escape(DEMO_ORGANISER)} with the password (\S+)", result.output
    )
    assert password

    symposium = session.scalars(sa.select(Symposium)).one()
    assert symposium.project_number == "SME 10 2022A"
    assert symposium.host_timezone == "America/Lima"
    assert len(symposium.days) == 2
    assert {e.name for e in symposium.invited_economies} == {
        "Peru",
        "Chile",
        "Hong Kong, China",
        "Mexico",
        "Singapore",
        "Chinese Taipei",
        "Viet Nam",
    }
    assert (symposium.target_women_participants_pct, symposium.target_knowledge_pct) == (50, 60)
    assert calls == ["SME 10 2022A"]  # the features' builders ran on it

    response = post_form(client, "/login", {"email": DEMO_ORGANISER, "password": password.group(1)})
    assert response.status_code == 302

    # Running it again (as `make run` does) adds no second symposium.
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Symposium)) == 1
    assert calls == ["SME 10 2022A"]


def test_demo_dates_are_the_last_week_of_the_coming_march():
    # 31 March 2027 is a Wednesday.
    assert demo_dates(dt.date(2026, 11, 24)) == [dt.date(2027, 3, 30), dt.date(2027, 3, 31)]
    assert demo_dates(dt.date(2027, 1, 5)) == [dt.date(2027, 3, 30), dt.date(2027, 3, 31)]
    # 31 March 2026 is a Tuesday: its Wednesday would fall in April, so the week before.
    assert demo_dates(dt.date(2025, 12, 1)) == [dt.date(2026, 3, 24), dt.date(2026, 3, 25)]
    for day1, day2 in (demo_dates(dt.date(year, 6, 1)) for year in range(2026, 2040)):
        assert (day1.weekday(), day2.month, day1.day >= 22) == (1, 3, True)


def test_operator_mistakes_get_a_message_not_a_traceback(tmp_path, runner, session):
    from tests.conftest import make_app

    # A database file nobody has run `flask db upgrade` on yet.
    fresh = make_app(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path)
    for args in (["users", "create", "po@example.org", "--password", "long enough"],
                 ["outbox", "status"], ["report", "completion", "1"]):  # fmt: skip
        result = fresh.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1, args
        assert "run flask db upgrade" in result.output and "Traceback" not in result.output
    revision = fresh.test_cli_runner().invoke(args=["db", "upgrade", "nonsense"])
    assert "Can't locate revision" in revision.output and revision.exit_code == 1
    said = [fresh.test_cli_runner().invoke(args=["db", "upgrade", *to]).output.strip()
            for to in (["0005"], [], [], ["0005"])]  # fmt: skip
    head = said[1].rsplit(" ", 1)[1].rstrip(".")
    assert said[:2] == [
        "Database upgraded from nothing to 0005.",
        f"Database upgraded from 0005 to {head}.",
    ]
    assert (
        said[2] == said[3] == f"The schema is at {head}; nothing to upgrade (downgrade goes back)."
    )

    address = runner.invoke(args=["users", "create", "notanemail", "--password", "long enough"])
    assert address.exit_code == 1 and "is not an e-mail address" in address.output
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0
    too_big = runner.invoke(args=["report", "completion", "99999999999999999999"])
    assert too_big.exit_code == 1 and "No symposium with id" in too_big.output
    runner.app.config["MAIL_BACKEND"] = "smtp"
    demo = runner.invoke(args=["demo"])
    assert demo.exit_code == 1 and "MAIL_BACKEND is smtp" in demo.output
    assert session.scalar(sa.select(sa.func.count(Symposium.id))) == 0
