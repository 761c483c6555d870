"""The survey in a real browser: the organiser opens it, an attendee answers from the link in
the mail the SMTP server received, on a phone-sized screen and mostly with the keyboard."""

from __future__ import annotations

import re

import pytest

from tests.symposium.test_browser import log_in

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/survey/[A-Za-z0-9_-]+")
PHONE = {"width": 375, "height": 740}


def deliver(app, runner, smtp_server) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST=smtp_server.host, MAIL_PORT=smtp_server.port)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output


def group(tab, question: str):
    return tab.get_by_role("group", name=re.compile(re.escape(question)))


def rate_with_keys(tab, question: str, value: int) -> None:
    """Answer a 1–5 question as a keyboard user does: Space on the first, arrows to the value."""
    group(tab, question).get_by_role("radio").first.focus()
    tab.keyboard.press("Space")
    for _ in range(value - 1):
        tab.keyboard.press("ArrowRight")


def test_an_attendee_answers_from_the_mail_once_and_the_organiser_sees_it(
    app, browser, live_server, page, runner, smtp_server, create_user_account, held_symposium,
    attended_registrants,
):  # fmt: skip
    organiser = create_user_account()
    log_in(page, organiser.email)
    page.goto(f"/symposia/{held_symposium.id}/survey")
    page.get_by_text("1 registrant declined evaluation contact").wait_for()
    page.get_by_role("button", name="Open the survey and invite 2 people").click()
    page.get_by_text("The survey is open: 2 people invited.").wait_for()
    deliver(app, runner, smtp_server)
    mail = next(m for m in smtp_server.messages if m.envelope_recipients == ["ana@example.org"])
    link = LINK.search(mail.get_body(("plain",)).get_content()).group(0)

    attendee = browser.new_context(viewport=PHONE)
    problems: list[str] = []
    first, second = attendee.new_page(), attendee.new_page()
    for tab in (first, second):
        # A CSP violation (an inline script or style) would show here; refused forms are 4xx.
        tab.on("console", lambda m: m.type == "error" and "status of 4" not in m.text
               and problems.append(m.text))  # fmt: skip
        tab.goto(link)
    first.get_by_role("heading", name=re.compile("Post-event evaluation")).wait_for()
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert first.evaluate(fits), "the form does not fit a phone's width"

    rate_with_keys(first, "How relevant was the symposium", 4)
    rate_with_keys(first, "objectives of the symposium achieved", 4)
    rate_with_keys(first, "knowledge of the topic BEFORE", 2)
    rate_with_keys(first, "knowledge of the topic AFTER", 4)
    group(first, "opportunities for collaboration").get_by_label("Yes").focus()
    first.keyboard.press("Space")
    first.keyboard.press("Tab")  # on to the follow-up question
    first.keyboard.type("A mentoring scheme with Chile")
    rate_with_keys(first, "quality of the speakers", 5)
    rate_with_keys(first, "quality of the content", 4)
    group(first, "time allotted").get_by_label("About right").focus()
    first.keyboard.press("Space")
    first.get_by_role("button", name="Submit my answers").focus()
    first.keyboard.press("Enter")

    # The platform question was skipped: it is listed at the top, and nothing typed is lost.
    summary = first.get_by_role("alert")
    summary.get_by_role("link", name=re.compile("videoconference platform")).wait_for()
    assert "needs an answer" in summary.inner_text()
    assert group(first, "How relevant").get_by_label(re.compile("^4")).is_checked()
    follow_up = first.get_by_label(re.compile("If yes, which opportunities"))
    assert follow_up.input_value() == "A mentoring scheme with Chile"
    assert group(first, "videoconference platform").get_attribute("aria-describedby")

    rate_with_keys(first, "videoconference platform", 3)
    first.get_by_role("button", name="Submit my answers").focus()
    first.keyboard.press("Enter")
    first.get_by_text("Thank you! Your answers are recorded.").wait_for()

    # The tab opened earlier still shows the form; its submission is refused.
    for question in ("How relevant", "objectives", "BEFORE", "AFTER", "speakers", "content",
                     "platform"):  # fmt: skip
        group(second, question).get_by_label(re.compile("^3")).check()
    group(second, "opportunities for collaboration").get_by_label("No").check()
    group(second, "time allotted").get_by_label("Too long").check()
    second.get_by_role("button", name="Submit my answers").click()
    second.get_by_text("already been answered").wait_for()
    attendee.close()
    assert problems == []

    page.reload()
    assert "1 of 2" in page.locator("#response-rate").inner_text()
    assert "(50%)" in page.locator("#response-rate").inner_text()
