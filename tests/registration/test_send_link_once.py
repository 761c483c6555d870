""" "Send a new link" on the focal points page: one press, one link and one mail, whether the
button is sent twice, from a page older than the last link, or by several organisers at once
(and the page says who sent the link that counted, and when). On both databases."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from registration.models import FocalPoint, NominationLink
from registration.nomination_links import LinkNotSent, issue_nomination_link, send_new_link
from symposium import db
from symposium.models import OutboxMessage, Symposium
from tests.conftest import at_once, logged_in_clients, post_form

SENT = "A new nomination link is on its way to"
NOTHING_MORE = "after your page was drawn, so no other was sent"
WHEN = r"at \d\d:\d\d UTC"


def list_url(symposium) -> str:
    return f"/symposia/{symposium.id}/focal-points"


def send_url(symposium, focal_point) -> str:
    return f"{list_url(symposium)}/{focal_point.id}/send-link"


def button_fields(client, symposium, focal_point) -> dict[str, str]:
    """What the "Send a new link" button of ``focal_point`` sends, as the list draws it now."""
    page = client.get(list_url(symposium)).get_data(as_text=True)
    form = re.search(rf'action="{send_url(symposium, focal_point)}".*?</form>', page, re.S)
    assert form, "the list shows the button"
    (newest,) = re.findall(r'name="newest_link" value="(\d+)"', form.group(0))
    return {"newest_link": newest}


def links_and_mails(session, focal_point) -> tuple[int, int]:
    """How many links the focal point has, and how many mails were queued for them."""
    links = session.scalar(
        sa.select(sa.func.count(NominationLink.id)).where(
            NominationLink.focal_point_id == focal_point.id
        )
    )
    mails = session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient == focal_point.email
        )
    )
    return links, mails


def said(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_button_sent_twice_sends_one_link_and_says_so(
    client, login, session, invited_symposium, create_focal_point
):
    login()
    focal_point, _ = create_focal_point(invited_symposium, "Peru", email="lucia@p.pe")
    sent = button_fields(client, invited_symposium, focal_point)

    first = post_form(client, send_url(invited_symposium, focal_point), sent, follow_redirects=True)
    assert f"{SENT} lucia@p.pe." in said(first)
    # The same form again: a double click past the script, a reload that posts again.
    again = post_form(client, send_url(invited_symposium, focal_point), sent, follow_redirects=True)
    text = said(again)
    assert re.search(rf"You sent a new nomination link to lucia@p\.pe {WHEN} \(the button", text)
    assert NOTHING_MORE in text and SENT not in text
    assert links_and_mails(session, focal_point) == (2, 1)

    # The list drawn now shows that link: its button sends another.
    fresh = button_fields(client, invited_symposium, focal_point)
    assert fresh != sent
    third = post_form(client, send_url(invited_symposium, focal_point), fresh)
    assert third.status_code == 302
    assert links_and_mails(session, focal_point) == (3, 2)


def test_a_focal_point_without_a_link_gets_one_from_a_button_pressed_twice(
    client, login, session, invited_symposium, economies
):
    login()
    fields = {"name": "Lucía", "email": "lucia@p.pe", "economy_id": economies["Peru"].id}
    post_form(client, f"{list_url(invited_symposium)}/new", {**fields, "role": ""})
    focal_point = session.scalars(sa.select(FocalPoint)).one()
    sent = button_fields(client, invited_symposium, focal_point)
    assert sent == {"newest_link": "0"}

    for _ in range(2):
        post_form(client, send_url(invited_symposium, focal_point), sent)
    assert links_and_mails(session, focal_point) == (1, 1)


def test_a_page_older_than_a_colleagues_link_or_mail_sends_nothing_and_says_who(
    app, client, login, session, invited_symposium, create_focal_point, create_user_account
):
    login()
    focal_point, _ = create_focal_point(invited_symposium, "Peru", email="lucia@p.pe")
    stale = button_fields(client, invited_symposium, focal_point)
    (colleague,) = logged_in_clients(app, create_user_account(email="ana@apec.org").email, 1)
    pressed = button_fields(colleague, invited_symposium, focal_point)
    assert (
        post_form(colleague, send_url(invited_symposium, focal_point), pressed).status_code == 302
    )

    page = post_form(client, send_url(invited_symposium, focal_point), stale, follow_redirects=True)
    text = said(page)
    assert re.search(rf"ana@apec\.org sent a new nomination link to lucia@p\.pe {WHEN}", text)
    assert NOTHING_MORE in text
    assert links_and_mails(session, focal_point) == (2, 1)

    # A decision mail (or a reminder) brought a link meanwhile: that page is stale too.
    stale = button_fields(client, invited_symposium, focal_point)
    issue_nomination_link(session, focal_point)
    session.commit()
    page = post_form(client, send_url(invited_symposium, focal_point), stale, follow_redirects=True)
    assert re.search(
        rf"A mail \(the circular, a reminder or a decision\) took a new nomination link to "
        rf"lucia@p\.pe {WHEN}",
        said(page),
    )
    assert links_and_mails(session, focal_point) == (3, 1)


def test_the_button_pressed_by_several_organisers_at_once_sends_one_link(
    app, session, invited_symposium, create_focal_point, create_user_account
):
    focal_point, _ = create_focal_point(invited_symposium, "Peru", email="lucia@p.pe")
    clients = logged_in_clients(app, create_user_account().email, 4)
    sent = button_fields(clients[0], invited_symposium, focal_point)

    pages = [
        html.unescape(p) for p in at_once(clients, send_url(invited_symposium, focal_point), sent)
    ]

    done = [page for page in pages if f"{SENT} lucia@p.pe." in page]
    refused = [page for page in pages if NOTHING_MORE in page]
    assert (len(done), len(refused)) == (1, 3)
    assert links_and_mails(session, focal_point) == (2, 1)


def test_a_focal_point_removed_while_the_link_is_being_sent_gets_none_and_no_error(
    app, session, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(
        invited_symposium, "Peru", name="Lucía Flores", email="lucia@p.pe"
    )
    with db.database(app).sessionmaker() as request_session:
        # The organiser's "Send a new link" request has read the focal point...
        symposium = request_session.get(Symposium, invited_symposium.id)
        seen = request_session.get(FocalPoint, focal_point.id)
        # ...when a colleague's removal of it commits.
        session.delete(session.get(FocalPoint, focal_point.id))
        session.commit()
        with pytest.raises(LinkNotSent, match=r"Lucía Flores \(lucia@p\.pe\) was removed from the"):
            send_new_link(request_session, symposium, seen, lambda token: f"https://x.test/{token}")
    assert links_and_mails(session, focal_point) == (0, 0)
