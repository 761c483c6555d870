"""The circular, nominations, registration and attendance in a real browser, with the mails
read off a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from registration.distribution import queue_invitation_mail
from registration.nominations import NomineeInput, decide, nominate
from tests.symposium.test_browser import log_in

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/(?:nominate|invitation)/[A-Za-z0-9_-]+")
LINK_PATH = re.compile(r"/invitation/[A-Za-z0-9_-]+")


def deliver(app, runner, smtp_server) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST=smtp_server.host, MAIL_PORT=smtp_server.port)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output


def link_body(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message) -> str:
    return LINK.search(link_body(message)).group(0)


def fill_nominee(tab, given: str, family: str, email: str, sex: str) -> None:
    tab.get_by_label("Given name").fill(given)
    tab.get_by_label("Family name").fill(family)
    tab.get_by_label("E-mail address").fill(email)
    tab.get_by_role("group", name="Sex").get_by_label(sex, exact=True).check()
    tab.get_by_label(re.compile(r"^Organisation")).fill("Ministry of Planning and Investment")
    tab.get_by_label("Type of organisation").select_option("Government")
    tab.get_by_label("Job title").fill("Official")
    tab.get_by_role("group", name="Under 35 years old (youth)?").get_by_label("No").check()
    tab.get_by_role("group", name="Intended role").get_by_label("Participant").check()


def test_circular_to_nomination_to_acceptance(
    app,
    browser,
    live_server,
    page,
    runner,
    smtp_server,
    create_user_account,
    invited_symposium,
    create_focal_point,
):
    create_focal_point(invited_symposium, "Viet Nam", email="duc@mpi.gov.vn", name="Trần Minh Đức")
    organiser = create_user_account()
    log_in(page, organiser.email)

    # The organiser writes the circular and distributes it.
    page.goto(f"/symposia/{invited_symposium.id}/circular/edit")
    page.get_by_label("Objectives").fill("Share **e-commerce** practice among MSMEs.")
    page.get_by_role("button", name=re.compile("Save")).click()
    page.get_by_text("e-commerce").first.wait_for()
    page.goto(f"/symposia/{invited_symposium.id}/distribution")
    page.get_by_role("button", name="Distribute version 1 to 1 focal point").click()
    page.get_by_text("Version 1 queued for 1 focal point.").wait_for()
    deliver(app, runner, smtp_server)
    page.reload()
    page.locator('#progress tr[data-economy="Viet Nam"] [data-status="sent"]').get_by_text(
        "1"
    ).wait_for()

    # The focal point opens the link from the mail, in two tabs of their own browser.
    (gic,) = smtp_server.messages
    assert gic.envelope_recipients == ["duc@mpi.gov.vn"]
    nomination_link = link_in(gic)
    focal = browser.new_context()
    first_tab, second_tab = focal.new_page(), focal.new_page()
    first_tab.goto(nomination_link)
    second_tab.goto(nomination_link)  # still shows the form: nobody nominated yet
    assert "0 of 2" in first_tab.locator("#quota").inner_text()

    fill_nominee(first_tab, "Thị Lan", "Nguyễn", "lan@mpi.gov.vn", "Female")
    first_tab.get_by_role("button", name="Nominate").click()
    first_tab.get_by_text("Thị Lan Nguyễn is nominated.").wait_for()
    fill_nominee(first_tab, "Văn Minh", "Lê", "minh@mpi.gov.vn", "Male")
    first_tab.get_by_role("button", name="Nominate").click()
    first_tab.get_by_text("Văn Minh Lê is nominated.").wait_for()
    assert "2 of 2" in first_tab.locator("#quota").inner_text()
    assert first_tab.locator("#quota-reached").is_visible()

    # The third, from the tab opened earlier, is refused by the server.
    fill_nominee(second_tab, "Third", "Person", "third@mpi.gov.vn", "Prefer not to say")
    second_tab.get_by_role("button", name="Nominate").click()
    second_tab.get_by_text("the quota is reached").wait_for()
    focal.close()

    # The organiser accepts one; the nominee gets a link to register, the focal point the news.
    page.goto(f"/symposia/{invited_symposium.id}/nominations")
    page.get_by_role("button", name="Accept Thị Lan Nguyễn").click()
    page.get_by_text("Thị Lan Nguyễn: accepted.").wait_for()
    page.get_by_text("Focal point told by e-mail: Trần Minh Đức (Viet Nam).").wait_for()
    deliver(app, runner, smtp_server)
    received = {m.envelope_recipients[0]: m for m in smtp_server.messages[1:]}
    assert sorted(received) == ["duc@mpi.gov.vn", "lan@mpi.gov.vn"]
    assert "Thị Lan Nguyễn: accepted" in link_body(received["duc@mpi.gov.vn"])
    invitation = received["lan@mpi.gov.vn"]
    page.goto(link_in(invitation))
    page.get_by_text("your nomination has been accepted").wait_for()


def test_invited_registrant_edits_by_mail_and_is_counted_once_after_rejoining(
    app, browser, live_server, page, runner, smtp_server, session, create_user_account,
    invited_symposium, create_focal_point, tmp_path,
):  # fmt: skip
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    nomination = nominate(
        session,
        focal_point,
        NomineeInput("Thị Lan", "Nguyễn", "lan@mpi.gov.vn", "Female", "MPI", "Government",
                     "Deputy Director", False, "Participant"),
    )  # fmt: skip
    decision = decide(session, nomination, "accept", None)
    queue_invitation_mail(session, invited_symposium, decision, lambda t: f"/invitation/{t}")
    session.commit()
    deliver(app, runner, smtp_server)

    # The nominee opens the invitation from the mail: the form is filled in already.
    invitation_path = LINK_PATH.search(link_body(smtp_server.messages[-1])).group(0)
    nominee = browser.new_context(base_url=live_server)
    tab = nominee.new_page()
    tab.goto(invitation_path)
    assert tab.get_by_label("E-mail address").input_value() == "lan@mpi.gov.vn"
    assert tab.get_by_label("Your time zone").input_value() == "Asia/Ho_Chi_Minh"
    tab.get_by_role("group", name="Under 35 years old (youth)?").get_by_label("No").check()
    tab.get_by_label(re.compile("I have read the privacy notice")).check()
    tab.get_by_role("button", name="Register").click()
    tab.get_by_text("You are registered.").wait_for()
    deliver(app, runner, smtp_server)
    confirmation = smtp_server.messages[-1]
    assert confirmation["Subject"].startswith("Registration confirmed")
    manage_link = re.search(r"https?://\S+/registration/\S+", link_body(confirmation)).group(0)

    # Through the manage link in the mail, she corrects her job title.
    tab.goto(manage_link)
    tab.get_by_label("Job title").fill("Director")
    tab.get_by_role("button", name="Save the changes").click()
    tab.get_by_text("Your registration is updated.").wait_for()
    nominee.close()

    # The organiser imports day 1's Zoom report, where she dropped and rejoined.
    day = invited_symposium.days[0]
    start = day.starts_at.replace(tzinfo=None)
    fmt = "%m/%d/%Y %I:%M:%S %p"
    rows = [
        ("Nguyen Thi Lan", "lan@mpi.gov.vn", start, start + dt.timedelta(minutes=50)),
        ("Lan (iPad)", "lan@mpi.gov.vn", start + dt.timedelta(minutes=45),
         start + dt.timedelta(minutes=120)),
    ]  # fmt: skip
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for name, email, join, leave in rows:
        minutes = int((leave - join).total_seconds() // 60)
        lines.append(f"{name},{email},{join.strftime(fmt)},{leave.strftime(fmt)},{minutes},No")
    report = tmp_path / "participants_day1.csv"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")

    log_in(page, create_user_account().email)
    page.goto(f"/symposia/{invited_symposium.id}/attendance/day/1/import")
    page.get_by_label("Attendance report").set_input_files(str(report))
    page.get_by_role("button", name="Import").click()
    row = page.locator("#people tbody tr").filter(has_text="Thị Lan Nguyễn")
    row.wait_for()
    assert page.locator("#people tbody tr").count() == 1
    assert "120 min" in row.inner_text() and "attended" in row.inner_text()


def test_removing_a_focal_point_asks_first(
    page, session, create_user_account, invited_symposium, create_focal_point
):
    """A click on Remove asks; "Cancel" in that question leaves the focal point, "OK" removes
    it (confirm.js, for every form marked data-confirm)."""
    create_focal_point(invited_symposium, "Peru", name="Rosa Quispe")
    log_in(page, create_user_account().email)
    page.goto(f"/symposia/{invited_symposium.id}/focal-points")
    asked: list[str] = []

    def answer(accept: bool):
        def handle(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    page.get_by_role("button", name="Remove Rosa Quispe").click()
    assert asked == ["Remove Rosa Quispe? Their nomination links stop working."]
    page.wait_for_timeout(300)  # a form that was sent would be on its way by now
    assert page.get_by_role("button", name="Remove Rosa Quispe").is_visible()

    page.once("dialog", answer(True))
    page.get_by_role("button", name="Remove Rosa Quispe").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Remove Rosa Quispe").wait_for(state="detached")
    assert len(asked) == 2


def test_a_refused_form_opens_on_what_needs_attention(page, invited_symposium):
    """On a phone, the page sent back with errors used to open at its top, the messages
    screens below: it now opens on the list of them, which links to each field."""
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/register/{invited_symposium.id}")
    page.get_by_label("Given name").fill("Lan")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    summary = page.locator("#form-errors")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert page.title().startswith("Error: ")
    assert summary.is_visible() and summary.bounding_box()["y"] < 740  # on the screen
    assert page.get_by_label("Given name").input_value() == "Lan"  # what was typed is kept
    summary.get_by_role("link", name="Family name").click()
    assert page.evaluate("document.activeElement.id") == "family_name"


def test_the_focal_points_page_fits_a_phone(page, session, invited_symposium, create_focal_point):
    """Screen-reader text in the delegates table once made the page 659 px wide on a 375 px
    phone, and the circular's draft agenda ran off its right edge."""
    from agenda.demo import add_demo_agenda
    from registration.circular_services import (
        circular_texts_defaults,
        mark_distributed,
        save_circular,
    )

    add_demo_agenda(session, invited_symposium)
    texts = circular_texts_defaults(invited_symposium)
    mark_distributed(session, save_circular(session, invited_symposium, texts))
    focal_point, token = create_focal_point(invited_symposium, "Viet Nam")
    for given, family in [("Minh Khai", "Nguyễn Thị"), ("Wei-Ting", "Chang")]:
        nominate(session, focal_point, NomineeInput(given, family, f"{given[:4]}@x.vn", "Female",
                 "Ministry", "Government", "Official", False, "participant"))  # fmt: skip
    session.commit()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/nominate/{token}")
    page.get_by_text("Read the General Information Circular here").click()
    page.locator(".gic-agenda").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
