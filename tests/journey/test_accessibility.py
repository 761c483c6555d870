"""Every participant-facing page and the main organiser pages, scanned with axe-core in
Chromium: no serious or critical violation, on a desktop's screen and on a phone's (where wide
tables scroll sideways, in regions a keyboard can reach, and no page is wider than the screen).

The pages are those of the demo symposium (``flask demo``: a distributed circular, nominations,
~120 registrations, two days of attendance, survey responses), so tables and charts are full.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registration.models import FocalPoint, Nomination, Registration
from registration.nomination_links import issue_nomination_link
from registration.nominations import decide
from surveys.invitations import personal_token
from surveys.models import Survey, SurveyInvitation
from symposium.demo import DEMO_PROJECT_NUMBER
from symposium.models import Symposium
from symposium.tokens import new_token
from tests.conftest import PASSWORD
from tests.journey.axe import blocking_violations, describe, install_axe

# One database is enough: the pages are the same HTML on both (the journey runs on both).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def personal_links(app, session) -> dict[str, str]:
    """Fresh personal links into the demo: a focal point's, an accepted nominee's, a
    registrant's and a survey respondent's (tokens are stored hashed, so new ones are made)."""
    symposium = session.scalar(
        sa.select(Symposium).where(Symposium.project_number == DEMO_PROJECT_NUMBER)
    )
    focal_point = session.scalars(
        sa.select(FocalPoint).where(FocalPoint.symposium_id == symposium.id).order_by(FocalPoint.id)
    ).first()
    pending = session.scalars(
        sa.select(Nomination)
        .where(Nomination.symposium_id == symposium.id, Nomination.status == "pending")
        .order_by(Nomination.id)
    ).first()
    invitation_token = decide(session, pending, "accept", None).invitation_token
    registration = session.scalars(
        sa.select(Registration)
        .where(Registration.symposium_id == symposium.id, Registration.status == "confirmed")
        .order_by(Registration.id)
    ).first()
    manage_token, registration.manage_token_hash = new_token()
    survey = session.scalar(sa.select(Survey).where(Survey.symposium_id == symposium.id))
    unanswered = session.scalars(
        sa.select(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.completed_at.is_(None))
        .order_by(SurveyInvitation.id)
    ).first()
    links = {
        "symposium": f"/symposia/{symposium.id}",
        "nominate": f"/nominate/{issue_nomination_link(session, focal_point)}",
        "invitation": f"/invitation/{invitation_token}",
        "register": f"/register/{symposium.id}",
        "manage": f"/registration/{manage_token}",
        "agenda": f"/agenda/{symposium.id}",
        "survey": "/survey/"
        + personal_token(survey.id, unanswered.registration_id, app.config["SECRET_KEY"]),
    }
    session.commit()
    return links


PHONE = {"width": 375, "height": 812}  # a common phone's screen, in CSS pixels
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


class Scanner:
    """A tab with axe-core loaded; ``scan`` notes the page's serious and critical violations,
    and on a phone's screen a page wider than the screen."""

    def __init__(self, context, phone: bool = False) -> None:
        install_axe(context)
        self.page = context.new_page()
        self.phone = phone
        self.scanned: list[str] = []
        self.found: list[str] = []

    def scan(self, name: str, path: str | None = None) -> None:
        """Scan the page at ``path`` (or the one shown now) under ``name``."""
        if path is not None:
            response = self.page.goto(path)
            assert response.ok, f"{name}: {path} answered {response.status}"
        name = f"{name} (phone)" if self.phone else name
        self.scanned.append(name)
        self.found.extend(describe(name, blocking_violations(self.page)))
        if self.phone:
            wide, screen = self.page.evaluate(PAGE_WIDTH)
            if wide > screen:
                self.found.append(f"{name}: the page is {wide} px wide on a {screen} px screen")


# The organisers' pages: absolute paths, or paths under /symposia/<id>.
ORGANISER_PAGES = [
    ("symposia list", "/symposia"),
    ("set-up", ""),
    ("set-up form (new)", "/symposia/new"),
    ("set-up form (edit)", "edit"),
    ("circular", "circular"),
    ("circular editor", "circular/edit"),
    ("focal points", "focal-points"),
    ("focal point form", "focal-points/new"),
    ("distribution", "distribution"),
    ("nominations", "nominations"),
    ("registrations", "registrations"),
    ("registration settings", "registration/settings"),
    ("attendance", "attendance"),
    ("attendance import", "attendance/day/1/import"),
    ("agenda builder", "agenda"),
    ("speakers", "agenda/speakers"),
    ("time-zone planner", "agenda/planner"),
    ("survey overview", "survey"),
    ("survey settings", "survey/settings"),
    ("survey results", "survey/results"),
    ("report dashboard", "report"),
    ("outbox", "/outbox"),
]


def log_in(page, email: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Symposia").wait_for()


def organiser_pages(scan, symposium_path: str) -> None:
    for name, path in ORGANISER_PAGES:
        scan(name, path if path.startswith("/") else f"{symposium_path}/{path}".rstrip("/"))


def test_pages_have_no_serious_or_critical_violations(
    browser, live_server, app, runner, session, create_user_account
):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    links = personal_links(app, session)
    organiser = create_user_account()
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    scanner = Scanner(context)
    page, scan = scanner.page, scanner.scan

    # The participants' pages, reached by their personal links (and the public ones).
    scan("nomination page", links["nominate"])
    scan("invitation form", links["invitation"])
    scan("open registration form", links["register"])
    page.get_by_role("button", name="Register").click()  # empty: every field shows its error
    page.get_by_role("alert").first.wait_for()
    scan("open registration form with errors")
    scan("manage page", links["manage"])
    scan("public agenda", links["agenda"])
    scan("survey (named)", links["survey"])
    page.get_by_role("button", name="Submit my answers").click()
    page.locator("#error-summary").wait_for()
    scan("survey (named) with errors")
    # The anonymous form asks for sex and economy too (changed behind the organisers' back:
    # the settings page refuses it once invitations are out).
    session.execute(sa.update(Survey).values(anonymous=True))
    session.commit()
    scan("survey (anonymous)", links["survey"])

    scan("login", "/login")
    log_in(page, organiser.email)
    organiser_pages(scan, links["symposium"])
    context.close()

    # The same pages on a phone's screen, where the wide tables no longer fit.
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    context.set_default_timeout(15_000)
    phone = Scanner(context, phone=True)
    for name in ("nominate", "invitation", "register", "manage", "agenda", "survey"):
        phone.scan(f"{name} page", links[name])
    phone.scan("login", "/login")
    log_in(phone.page, organiser.email)
    organiser_pages(phone.scan, links["symposium"])
    context.close()

    scanned = scanner.scanned + phone.scanned
    print(f"axe-core scanned {len(scanned)} pages: {', '.join(scanned)}")
    found = scanner.found + phone.found
    assert not found, "serious or critical accessibility violations:\n" + "\n".join(found)
