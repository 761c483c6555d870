"""The survey's arrows, like the agenda's: a question or section moves at most the one place its
page showed, whether the arrow is sent twice, from a page older than a colleague's move, or by
several organisers at the same moment (and the page says so when it did not move)."""

from __future__ import annotations

import html
import re

from tests.conftest import at_once, logged_in_clients, post_form
from tests.surveys.test_questionnaire import reload, url

REFUSED = "no longer where your page showed it"


def arrow_fields(page: str, kind: str, record_id: int) -> dict[str, str]:
    """The hidden fields of a question's or section's arrows as the survey page drew them."""
    form = re.search(rf'action="[^"]*/{kind}s/{record_id}/move".*?</form>', page, re.S)
    assert form, f"the page shows arrows for {kind} {record_id}"
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0))
    return {name: html.unescape(value) for name, value in hidden}


def question_texts(session, survey) -> list[str]:
    return [q.text for q in reload(session, survey).sections[0].questions]


def test_a_question_arrow_sent_twice_moves_it_one_place(client, login, session, survey):
    login()
    before = question_texts(session, survey)
    third = reload(session, survey).sections[0].questions[2]
    page = client.get(url(survey)).get_data(as_text=True)
    sent = {**arrow_fields(page, "question", third.id), "direction": "up"}
    assert sent["position"] == "2"

    move = url(survey, f"/questions/{third.id}/move")
    assert post_form(client, move, sent).status_code == 302
    again = post_form(client, move, sent, follow_redirects=True)  # a reload, a resend
    assert REFUSED in html.unescape(again.get_data(as_text=True))
    assert question_texts(session, survey) == [before[0], before[2], before[1], *before[3:]]

    # A page drawn now shows it one place up: its arrow moves it again.
    page = client.get(url(survey)).get_data(as_text=True)
    fresh = {**arrow_fields(page, "question", third.id), "direction": "up"}
    assert post_form(client, move, fresh).status_code == 302
    assert question_texts(session, survey) == [before[2], before[0], before[1], *before[3:]]


def test_a_section_arrow_on_a_page_older_than_a_colleagues_move_moves_nothing(
    client, login, session, survey
):
    login()
    first, second, third, *_ = reload(session, survey).sections
    stale = client.get(url(survey)).get_data(as_text=True)
    # A colleague moves the third section up meanwhile.
    colleague = {**arrow_fields(stale, "section", third.id), "direction": "up"}
    assert (
        post_form(client, url(survey, f"/sections/{third.id}/move"), colleague).status_code == 302
    )
    # The old page's "down" arrow of the second section would now move it past the third.
    sent = {**arrow_fields(stale, "section", second.id), "direction": "down"}
    page = post_form(
        client, url(survey, f"/sections/{second.id}/move"), sent, follow_redirects=True
    )
    assert REFUSED in html.unescape(page.get_data(as_text=True))
    order = [s.id for s in reload(session, survey).sections]
    assert order[:3] == [first.id, third.id, second.id]


def test_the_same_arrow_pressed_by_several_organisers_at_once_moves_once(
    app, client, login, session, survey, create_user_account
):
    login()
    before = question_texts(session, survey)
    third = reload(session, survey).sections[0].questions[2]
    clients = logged_in_clients(app, create_user_account().email, 4)
    page = clients[0].get(url(survey)).get_data(as_text=True)
    sent = {**arrow_fields(page, "question", third.id), "direction": "up"}

    pages = [
        html.unescape(p) for p in at_once(clients, url(survey, f"/questions/{third.id}/move"), sent)
    ]

    moved = [p for p in pages if f"Moved “{third.text}” up." in p]
    refused = [p for p in pages if REFUSED in p]
    assert (len(moved), len(refused)) == (1, 3)
    assert question_texts(session, survey) == [before[0], before[2], before[1], *before[3:]]
