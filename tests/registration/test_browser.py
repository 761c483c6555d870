"""The circular and nominations in a real browser, with the mails read off a real SMTP server."""

from __future__ import annotations

import re

import pytest

from tests.symposium.test_browser import log_in

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/(?:nominate|invitation)/[A-Za-z0-9_-]+")


def deliver(app, runner, smtp_server) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST=smtp_server.host, MAIL_PORT=smtp_server.port)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output


def link_in(message) -> str:
    return LINK.search(message.get_body(("plain",)).get_content()).group(0)


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

    # The organiser accepts one; the nominee gets a link to register.
    page.goto(f"/symposia/{invited_symposium.id}/nominations")
    page.get_by_role("button", name="Accept Thị Lan Nguyễn").click()
    page.get_by_text("Thị Lan Nguyễn: accepted.").wait_for()
    deliver(app, runner, smtp_server)
    invitation = smtp_server.messages[-1]
    assert invitation.envelope_recipients == ["lan@mpi.gov.vn"]
    page.goto(link_in(invitation))
    page.get_by_text("your nomination has been accepted").wait_for()
