"""The agenda in a real browser: building from the template, moving items, other time zones,
forms sent once however often they are clicked."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from agenda.demo import add_demo_agenda
from agenda.models import AgendaItem, Speaker
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


@pytest.fixture
def slow_posts(app):
    """The server takes half a second over every form sent, as over a slow connection: the
    time in which an organiser's double click sends the form a second time."""
    fast = app.wsgi_app

    def slow(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            time.sleep(0.5)
        return fast(environ, start_response)

    app.wsgi_app = slow
    yield
    app.wsgi_app = fast


def double_click(page, button) -> None:
    """Two clicks 100 ms apart, as a person's double click (the mouse's, not Playwright's,
    which would wait for the button to be enabled again)."""
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(100)
    page.mouse.click(x, y)


def test_a_double_click_adds_one_item_and_one_speaker(
    page, session, slow_posts, create_user_account, create_symposium_record
):
    symposium = create_symposium_record(title="Double-clicked agenda")
    log_in(page, create_user_account().email)
    page.goto(f"/symposia/{symposium.id}/agenda/days/1/items/new")
    page.get_by_label("Title").fill("Opening remarks")
    page.get_by_label("Duration").fill("15")
    double_click(page, page.get_by_role("button", name="Save"))
    page.get_by_text("Added “Opening remarks”.").wait_for()
    assert page.get_by_text("Opening remarks", exact=True).count() == 1
    assert stored(session, AgendaItem.title) == ["Opening remarks"]

    page.goto(f"/symposia/{symposium.id}/agenda/speakers")
    page.get_by_label("Name").fill("Kenji Sato")
    page.get_by_label("E-mail").fill("kenji@example.jp")
    double_click(page, page.get_by_role("button", name="Add speaker"))
    page.get_by_text("Saved Kenji Sato.").wait_for()  # not "already listed"
    assert stored(session, Speaker.name) == ["Kenji Sato"]


def test_a_form_sent_once_is_usable_again_when_the_page_comes_back(
    page, session, create_user_account, create_symposium_record
):
    symposium = create_symposium_record(title="Back and forth")
    log_in(page, create_user_account().email)
    page.goto(f"/symposia/{symposium.id}/agenda/speakers")
    add = page.get_by_role("button", name="Add speaker")
    # As when the form was sent and the organiser then went back to it: its button was
    # disabled while the form was on its way, and the browser shows the page from its
    # back/forward cache (a submit event that sends nothing, then pageshow with persisted).
    page.evaluate(
        "document.querySelector('#form-heading ~ form')"
        ".dispatchEvent(new Event('submit', {bubbles: true, cancelable: true}))"
    )
    page.locator("#form-heading ~ form button:disabled").wait_for()
    assert add.is_disabled()
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert add.is_enabled()
    page.get_by_label("Name").fill("Kenji Sato")
    add.click()
    page.get_by_text("Saved Kenji Sato.").wait_for()
    assert stored(session, Speaker.name) == ["Kenji Sato"]


def test_a_remove_first_declined_can_then_be_confirmed(
    page, session, create_user_account, create_symposium_record, create_speaker
):
    symposium = create_symposium_record(title="Confirmed removal")
    create_speaker(symposium, name="Kenji Sato")
    log_in(page, create_user_account().email)
    page.goto(f"/symposia/{symposium.id}/agenda/speakers")
    answers = iter([False, True])
    page.on("dialog", lambda dialog: dialog.accept() if next(answers) else dialog.dismiss())
    remove = page.get_by_role("button", name="Remove Kenji Sato")
    remove.click()  # declined: nothing is sent, and the button still works
    assert remove.is_enabled()
    remove.click()
    page.get_by_text("Removed Kenji Sato.").wait_for()
    assert stored(session, Speaker.name) == []


def stored(session, column) -> list:
    session.expire_all()
    return list(session.scalars(sa.select(column)))
