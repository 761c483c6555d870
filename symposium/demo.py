"""The demo: a symposium modelled on APEC project SME 10 2022A, and an organiser to log in with.

Each feature adds its own demo data by registering a builder with ``add_demo_builder``; the
``flask demo`` command runs them in order on the demo symposium.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from symposium import db
from symposium.accounts import create_user, set_password
from symposium.models import Economy, Role, Symposium, User
from symposium.services import DayPlan, SymposiumSetup, create_symposium

DEMO_ORGANISER = "organiser@demo.example.org"
DEMO_PROJECT_NUMBER = "SME 10 2022A"
# The proposing economy and the co-sponsors named in the proposal.
DEMO_ECONOMIES = (
    "Peru",
    "Chile",
    "Hong Kong, China",
    "Mexico",
    "Singapore",
    "Chinese Taipei",
    "Viet Nam",
)

DemoBuilder = Callable[[Session, Symposium], None]


def add_demo_builder(app: Flask, builder: DemoBuilder) -> None:
    """Have ``flask demo`` call ``builder(session, symposium)`` after the core demo data."""
    app.extensions.setdefault("symposium.demo_builders", []).append(builder)


def demo_dates(today: dt.date) -> list[dt.date]:
    """Tuesday and Wednesday of the last week of the coming March.

    The proposal holds the symposium in the last week of March. From late January on, the
    demo takes next year's, so its nomination and registration deadlines are still open.
    """
    year = today.year if today < dt.date(today.year, 1, 25) else today.year + 1
    last_of_march = dt.date(year, 3, 31)
    tuesday = last_of_march - dt.timedelta(days=(last_of_march.weekday() - 1) % 7)
    if tuesday + dt.timedelta(days=1) > last_of_march:
        tuesday -= dt.timedelta(days=7)
    return [tuesday, tuesday + dt.timedelta(days=1)]


def demo_setup(session: Session, today: dt.date) -> SymposiumSetup:
    """The set-up of SME 10 2022A's symposium, as its proposal describes it."""
    day1, day2 = demo_dates(today)
    economy_ids = session.scalars(sa.select(Economy.id).where(Economy.name.in_(DEMO_ECONOMIES)))
    return SymposiumSetup(
        title="E-commerce, a need and opportunity for MSMEs in times of pandemic "
        "in the APEC Region",
        project_number=DEMO_PROJECT_NUMBER,
        forum="Small and Medium Enterprises Working Group (SMEWG)",
        po_name="Manuel Humberto Valdera García",
        po_email="po@demo.example.org",
        host_timezone="America/Lima",
        days=[DayPlan(day1, dt.time(8, 0)), DayPlan(day2, dt.time(8, 0))],
        platform_name="Zoom",
        platform_url="https://zoom.example.org/j/0000000000",
        languages=["English", "Spanish"],
        interpretation="Simultaneous English–Spanish interpretation",
        invited_economy_ids=list(economy_ids),
        nomination_deadline=day1 - dt.timedelta(days=28),
        registration_deadline=day1 - dt.timedelta(days=7),
        capacity=150,
        target_women_participants_pct=50,
        target_women_speakers_pct=30,
        target_attendees=50,
        target_economies=7,  # the proposal's seven prioritised economies
        target_knowledge_pct=60,
        target_collaboration_pct=60,
    )


def load_demo(session: Session, today: dt.date, builders: list[DemoBuilder]) -> Symposium:
    """Create the demo symposium (once) and run the features' builders on it."""
    symposium = session.scalar(
        sa.select(Symposium).where(Symposium.project_number == DEMO_PROJECT_NUMBER)
    )
    if symposium is None:
        symposium = create_symposium(session, demo_setup(session, today))
        for builder in builders:
            builder(session, symposium)
    return symposium


def ensure_demo_organiser(session: Session) -> str:
    """Give the demo organiser a fresh random password and return it."""
    password = secrets.token_urlsafe(12)
    user = session.scalar(sa.select(User).where(User.email == DEMO_ORGANISER))
    if user is None:
        create_user(session, DEMO_ORGANISER, password, Role.ORGANISER)
    else:
        set_password(user, password)
    return password


@click.command("demo")
@click.option("--send-real-mail", is_flag=True, help="Load it even with MAIL_BACKEND=smtp.")
@with_appcontext
def demo_command(send_real_mail: bool) -> None:
    """Load the demo symposium and print a login for its organiser."""
    if current_app.config["MAIL_BACKEND"] == "smtp" and not send_real_mail:
        raise click.ClickException(
            "MAIL_BACKEND is smtp: the demo's invented people would be sent some 200 real "
            "mails by the outbox workers, and it adds an organiser account with a known "
            "password. Load the demo with MAIL_BACKEND=file, on a database of its own (or "
            "pass --send-real-mail)."
        )
    builders = current_app.extensions.get("symposium.demo_builders", [])
    with db.database().sessionmaker.begin() as session:
        symposium = load_demo(session, dt.date.today(), builders)
        password = ensure_demo_organiser(session)
        title = symposium.title
    click.echo(f"Demo symposium: {title}")
    click.echo(f"Log in as {DEMO_ORGANISER} with the password {password}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
