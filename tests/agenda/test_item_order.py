"""The order of a day's items when organisers change it at the same moment, or from a page
older than a colleague's change, on both databases: an arrow moves an item at most the one
place its page showed (and says so when it did not), and items added or moved to a day at once
each get a place of their own, and an item inserted after another goes directly after it,
whatever colleagues add or move meanwhile."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from agenda import services
from agenda.models import AgendaItem
from agenda.services import (
    AgendaError,
    ItemInput,
    add_item,
    apply_preset,
    move_item,
    move_item_to_day,
)
from symposium import db
from tests.agenda.conftest import day_items
from tests.conftest import at_once, csrf_token, logged_in_clients, post_form
from tests.registration.test_attendance_conflicts import Pause, in_thread, wait_for_the_second
from tests.registration.test_attendance_conflicts import at_once as run_together

REFUSED = "is no longer where your page showed it"


def with_template(client, symposium) -> str:
    """Fill the agenda from the 2-day template; the builder's URL."""
    base = f"/symposia/{symposium.id}/agenda"
    assert post_form(client, f"{base}/template", {"preset": "two-day-apec"}).status_code == 302
    return base


def titles(session, symposium, day: int = 1) -> list[str]:
    return [item.title for item in day_items(session, symposium, day)]


def arrow_fields(page: str, item_id: int) -> dict[str, str]:
    """The hidden fields of an item's arrows as the builder page drew them."""
    form = re.search(rf'action="[^"]*/items/{item_id}/move".*?</form>', page, re.S)
    assert form, f"the page shows arrows for item {item_id}"
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0))
    return {name: html.unescape(value) for name, value in hidden}


def test_an_arrow_sent_twice_moves_the_item_one_place(
    client, login, session, create_symposium_record
):
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    before = titles(session, symposium)
    third = day_items(session, symposium, 1)[2]
    sent = {**arrow_fields(client.get(base).get_data(as_text=True), third.id), "direction": "up"}
    assert sent["position"] == "2"

    url = f"{base}/items/{third.id}/move"
    assert "Moved" in post_form(client, url, sent, follow_redirects=True).get_data(as_text=True)
    again = post_form(client, url, sent)  # the same request again (a reload, a resend)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"#item-{third.id}")
    page = client.get(base).get_data(as_text=True)
    assert REFUSED in html.unescape(page)
    assert titles(session, symposium) == [before[0], before[2], before[1], *before[3:]]


def test_an_arrow_on_a_page_older_than_a_colleagues_move_moves_nothing(
    app, client, login, session, create_symposium_record, create_user_account
):
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    colleague = logged_in_clients(app, create_user_account().email, 1)[0]
    first, second, third = day_items(session, symposium, 1)[:3]
    mine = arrow_fields(client.get(base).get_data(as_text=True), third.id)
    theirs = arrow_fields(colleague.get(base).get_data(as_text=True), second.id)

    # The colleague moves the second item down, past the third, which is now second.
    moved = post_form(colleague, f"{base}/items/{second.id}/move", {**theirs, "direction": "down"})
    assert moved.status_code == 302
    arranged = titles(session, symposium)
    assert arranged[:3] == [first.title, third.title, second.title]

    # Pressing "up" on the third item of the older page would now put it first: it stays.
    post_form(client, f"{base}/items/{third.id}/move", {**mine, "direction": "up"})
    assert REFUSED in html.unescape(client.get(base).get_data(as_text=True))
    assert titles(session, symposium) == arranged


def test_a_page_without_the_position_moves_the_item_from_where_it_is(
    client, login, session, create_symposium_record
):
    """An older builder page (before the field existed) keeps working as it did."""
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    before = titles(session, symposium)
    third = day_items(session, symposium, 1)[2]
    for _ in range(2):
        post_form(client, f"{base}/items/{third.id}/move", {"direction": "up"})
    assert titles(session, symposium) == [before[2], before[0], before[1], *before[3:]]


def test_the_same_arrow_pressed_by_several_organisers_at_once_moves_the_item_once(
    app, client, login, session, create_symposium_record, create_user_account
):
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    before = titles(session, symposium)
    third = day_items(session, symposium, 1)[2]
    clients = logged_in_clients(app, create_user_account().email, 4)
    sent = {
        **arrow_fields(clients[0].get(base).get_data(as_text=True), third.id),
        "direction": "up",
    }
    pages = at_once(clients, f"{base}/items/{third.id}/move", sent)
    pages = [html.unescape(page) for page in pages]
    moved = [p for p in pages if f"Moved “{third.title}” up." in p]
    refused = [p for p in pages if REFUSED in p]
    assert (len(moved), len(refused)) == (1, 3)
    assert titles(session, symposium) == [before[0], before[2], before[1], *before[3:]]


def test_a_move_reads_the_day_again_once_it_holds_the_lock(
    app, client, login, session, create_symposium_record
):
    """A request that loaded the item before a colleague's move committed (it waited for the
    lock meanwhile) moves it from where it is now, and leaves no two items in one place."""
    symposium = create_symposium_record()
    login()
    with_template(client, symposium)
    first, second = day_items(session, symposium, 1)[:2]
    with db.database(app).sessionmaker() as waiting:
        loaded = waiting.get(AgendaItem, first.id)  # as the arrow's request loads it
        assert loaded.position == 0
        move_item(session, first, +1)  # the colleague's move, committed first
        session.commit()
        move_item(waiting, loaded, -1)  # "up", from a page without the position
        waiting.commit()
    stored = day_items(session, symposium, 1)
    assert [item.title for item in stored[:2]] == [first.title, second.title]
    assert [item.position for item in stored] == list(range(len(stored)))


def positions(session, symposium, day: int) -> list[int]:
    return [item.position for item in day_items(session, symposium, day)]


def test_items_added_to_a_day_at_the_same_moment_each_get_a_place_of_their_own(
    app, client, login, session, create_symposium_record, create_user_account
):
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    clients = logged_in_clients(app, create_user_account().email, 4)
    item = {"kind": "economy_presentation", "title": "Peru", "duration": "20", "insert_at": "end"}
    pages = at_once(clients, f"{base}/days/1/items/new", item)
    assert sum("Added “Peru”." in page for page in pages) == 4
    assert titles(session, symposium)[-4:] == ["Peru"] * 4
    assert positions(session, symposium, 1) == list(range(7 + 4))


def test_items_moved_to_another_day_at_the_same_moment_each_get_a_place_of_their_own(
    app, client, login, session, create_symposium_record, create_user_account
):
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    moving = day_items(session, symposium, 1)[1:4]
    clients = logged_in_clients(app, create_user_account().email, len(moving))

    def edit(index: int) -> int:
        item = moving[index]
        fields = {"title": item.title, "duration": item.duration_minutes, "day_number": 2}
        response = post_form(clients[index], f"{base}/items/{item.id}/edit",
                             {"kind": item.kind, **fields})  # fmt: skip
        return response.status_code

    assert run_together([lambda i=i: edit(i) for i in range(len(moving))]) == [302] * 3
    assert sorted(titles(session, symposium, 2)[-3:]) == sorted(item.title for item in moving)
    assert positions(session, symposium, 2) == list(range(5 + 3))
    assert positions(session, symposium, 1) == list(range(7 - 3))


# --- inserting after an item --------------------------------------------------------------

PERU = {"kind": "economy_presentation", "title": "Peru", "duration": "20"}


def test_an_item_inserted_after_another_as_a_colleague_adds_one_before_it_goes_right_after_it(
    app, client, login, session, create_symposium_record, create_user_account, monkeypatch
):
    """A colleague adds an item at the start of the day while an organiser inserts "Peru"
    after the third item, the organiser's request waiting for the lock the colleague's holds
    (caught once it holds it). When the place was found before the lock, as a number, "Peru"
    landed one place early: before the item it was to follow."""
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    before = titles(session, symposium)
    third = day_items(session, symposium, 1)[2]
    colleague, organiser = logged_in_clients(app, create_user_account().email, 2)
    tokens = [csrf_token(colleague), csrf_token(organiser)]
    url = f"{base}/days/1/items/new"
    pause = Pause()
    monkeypatch.setattr(services, "_set_content", pause.wrap(services._set_content))

    def add(index: int, fields: dict[str, str]) -> Any:
        browser = (colleague, organiser)[index]
        return browser.post(url, data={"csrf_token": tokens[index], **fields})

    opening = {**PERU, "kind": "opening", "title": "Opening video", "insert_at": "start"}
    running = [in_thread(lambda: add(0, opening))]
    try:
        assert pause.reached.wait(timeout=30), "the colleague's request never held the lock"
        running.append(in_thread(lambda: add(1, {**PERU, "insert_at": str(third.id)})))
        wait_for_the_second(app, session)
    finally:
        pause.released.set()
        for thread, _ in running:
            thread.join(timeout=60)
    assert [result["response"].status_code for _, result in running] == [302, 302]
    assert titles(session, symposium) == ["Opening video", *before[:3], "Peru", *before[3:]]
    assert positions(session, symposium, 1) == list(range(len(before) + 2))


def test_items_inserted_after_the_same_item_at_once_each_go_right_after_it(
    app, client, login, session, create_symposium_record, create_user_account
):
    """Each goes directly after the item named, as the day is once its request holds the lock:
    the last one saved (the highest id) nearest to it, none before it."""
    symposium = create_symposium_record()
    login()
    base = with_template(client, symposium)
    before = day_items(session, symposium, 1)
    clients = logged_in_clients(app, create_user_account().email, 4)
    pages = at_once(clients, f"{base}/days/1/items/new", {**PERU, "insert_at": before[2].id})
    assert sum("Added “Peru”." in page for page in pages) == 4
    stored = day_items(session, symposium, 1)
    added = stored[3:7]
    assert [item.title for item in added] == ["Peru"] * 4
    assert [item.id for item in added] == sorted((item.id for item in added), reverse=True)
    assert [item.id for item in stored[:3] + stored[7:]] == [item.id for item in before]
    assert positions(session, symposium, 1) == list(range(len(before) + 4))


def test_inserting_after_an_item_moved_to_another_day_meanwhile_adds_nothing(
    session, create_symposium_record
):
    symposium = create_symposium_record()
    apply_preset(session, symposium, "two-day-apec")
    session.commit()
    moved = day_items(session, symposium, 1)[2]
    move_item_to_day(session, moved, symposium.days[1])  # by a colleague, since the page
    session.commit()
    before = titles(session, symposium)
    data = ItemInput("economy_presentation", "Peru", 20)
    with pytest.raises(AgendaError, match="The item to insert after is no longer on day 1"):
        add_item(session, symposium.days[0], data, moved.id)
    session.rollback()
    assert titles(session, symposium) == before
