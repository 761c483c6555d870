"""The agenda in a real browser: building from the template, moving items, other time zones."""

from __future__ import annotations

import re

import pytest

from agenda.demo import add_demo_agenda
from tests.symposium.test_browser import log_in

pytestmark = pytest.mark.browser


def times(page) -> list[str]:
    return page.locator("section[aria-labelledby=day-1] .item-time").all_inner_texts()


def test_organiser_builds_a_day_from_the_template_and_moves_an_item(
    page, create_user_account, create_symposium_record
):
    symposium = create_symposium_record(title="Keyboard-built agenda")
    organiser = create_user_account()
    log_in(page, organiser.email)
    page.goto(f"/symposia/{symposium.id}/agenda")
    page.get_by_label("Start from a template").select_option("two-day-apec")
    page.get_by_role("button", name="Use this template").click()
    page.get_by_text("Added 12 items from the template.").wait_for()
    assert times(page)[:3] == ["09:00–09:15", "09:15–09:45", "09:45–10:30"]

    # Move the 45-minute panel above the 30-minute keynote: the keynote now starts at 10:00.
    page.get_by_role(
        "button",
        name="Move “Panel discussion on the current outlook and vision for the following "
        "years on the development of e-commerce” up",
    ).click()
    page.get_by_text("Moved").wait_for()
    assert times(page)[:3] == ["09:00–09:15", "09:15–10:00", "10:00–10:30"]

    # Change the day's start with the keyboard alone: everything follows.
    start = page.get_by_label("Day 1 starts at (America/Lima)")
    start.focus()
    start.fill("08:30")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Day 1 now starts at 08:30.").wait_for()
    assert times(page)[:3] == ["08:30–08:45", "08:45–09:30", "09:30–10:00"]


def test_visitor_sees_the_agenda_in_their_own_time_zone(
    browser, live_server, session, create_symposium_record
):
    symposium = create_symposium_record(title="Public agenda")
    add_demo_agenda(session, symposium)
    session.commit()
    # A visitor whose browser is set to Ho Chi Minh City: the page notices and shows both zones.
    context = browser.new_context(base_url=live_server, timezone_id="Asia/Ho_Chi_Minh")
    visitor = context.new_page()
    visitor.goto(f"/agenda/{symposium.id}")
    # Chromium names the zone by its older alias, Asia/Saigon; either is the same clock.
    visitor.wait_for_url("**detected=1**")
    first = visitor.locator("section[aria-labelledby=day-1] tbody tr").first
    assert "09:00–09:15 America/Lima" in first.inner_text()
    assert re.search(r"21:00–21:15 Asia/(Ho_Chi_Minh|Saigon)", first.inner_text())

    # They pick another zone by hand.
    visitor.get_by_label("Show the times also in").fill("Pacific/Auckland")
    visitor.get_by_role("button", name="Show").click()
    visitor.wait_for_url("**tz=Pacific%2FAuckland**")
    first = visitor.locator("section[aria-labelledby=day-1] tbody tr").first
    assert "03:00–03:15 Pacific/Auckland" in first.inner_text()  # next day, 03:00 NZDT
    context.close()
