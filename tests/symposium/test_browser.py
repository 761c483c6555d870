"""An organiser sets a symposium up in a real browser (Chromium through Playwright)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, email: str) -> None:
    page.goto("/symposia")  # sent to the log-in page first
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_organiser_creates_a_three_day_symposium_and_sees_it_listed(page, create_user_account):
    problems: list[str] = []

    def note_console(message) -> None:
        # The refused form comes back as 422, which Chromium logs; that one is expected.
        if message.type == "error" and "422" not in message.text:
            problems.append(message.text)

    page.on("console", note_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    organiser = create_user_account(email="po.team@example.org")

    log_in(page, organiser.email)
    page.get_by_role("heading", name="Symposia").wait_for()
    page.get_by_role("link", name="New symposium").click()

    page.get_by_label("Title").fill("Digital trade for women-led MSMEs")
    page.get_by_label("Project number").fill("SME 03 2026A")
    page.get_by_label("Sponsoring forum").fill("SMEWG")
    page.get_by_label("Project overseer (PO)").fill("Lucía Ramírez")
    page.get_by_label("PO e-mail address").fill("lucia@example.org")
    page.get_by_label("Host time zone").fill("Asia/Ho_Chi_Minh")
    page.get_by_label("Day 1", exact=True).fill("2027-03-29")
    page.get_by_label("Day 2", exact=True).fill("2027-03-30")
    page.get_by_label("Day 3 (optional)").fill("2027-04-01")
    page.get_by_label("Day 3 starts at (host time)").fill("10:30")
    page.get_by_label("Viet Nam").check()
    page.get_by_label("Chinese Taipei").check()
    page.get_by_label("Women participants (%)").fill("140")
    page.get_by_role("button", name="Save").click()

    # A target of 140% is refused next to its field, and nothing typed is lost.
    error = page.locator("#target_women_participants_pct-error")
    error.wait_for()
    assert "between 0 and 100" in error.inner_text()
    assert page.get_by_label("Title").input_value() == "Digital trade for women-led MSMEs"
    assert page.get_by_label("Viet Nam").is_checked()

    page.get_by_label("Women participants (%)").fill("50")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Digital trade for women-led MSMEs").wait_for()
    days = page.locator("#days").inner_text()
    # 10:30 in Ho Chi Minh City is 03:30 UTC on the same day.
    assert "Day 3: Thu 1 Apr 2027, starts 10:30 Asia/Ho_Chi_Minh (UTC+07:00) = 03:30 UTC" in days

    page.get_by_role("link", name="Symposia").click()
    row = page.get_by_role("row", name="SME 03 2026A")
    assert row.locator(".symposium-dates").inner_text() == (
        "Mon 29 Mar 2027, Tue 30 Mar 2027, Thu 1 Apr 2027"
    )
    assert "Asia/Ho_Chi_Minh" in row.inner_text()
    assert problems == []  # no script errors, no Content-Security-Policy violations


def test_viewer_reads_but_is_not_offered_to_edit(
    page, create_user_account, create_symposium_record
):
    symposium = create_symposium_record(title="Read-only symposium")
    viewer = create_user_account(role="viewer")
    log_in(page, viewer.email)
    page.get_by_role("link", name="Read-only symposium").click()
    page.get_by_role("heading", name="Read-only symposium").wait_for()
    assert page.get_by_role("link", name="Edit set-up").count() == 0
    response = page.goto(f"/symposia/{symposium.id}/edit")
    assert response.status == 403
    assert page.get_by_role("heading", name="Forbidden").is_visible()
