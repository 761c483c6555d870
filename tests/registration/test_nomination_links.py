"""How long a focal point's nomination links work: every mail brings a new one, earlier ones
stop working a week later, or at once beyond the three newest (registration/nomination_links.py).
Through the mails a real SMTP server receives, on both databases."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner

from registration.models import FocalPoint, NominationLink
from registration.nomination_links import (
    AFTER_THE_EVENT,
    GRACE,
    MAX_LIVE_LINKS,
    live_links,
    works,
)
from symposium.models import OutboxMessage, Symposium
from tests.conftest import post_form
from tests.registration.conftest import nominee
from tests.registration.test_decision_mails import nomination_ids
from tests.registration.test_distribution import LINK, send_outbox, write_circular

NOW = dt.datetime(2027, 3, 1, 12, 0)
NO_SUCH_LINK = "/nominate/" + "A" * 43


def link(number: int, issued: dt.datetime, revoked: dt.datetime | None = None):
    return NominationLink(
        id=number, token_hash=f"{number:064}", created_at=issued, revoked_at=revoked
    )


# --- the rule ---------------------------------------------------------------------------------


def test_an_earlier_link_works_for_a_week_after_a_newer_one():
    older = link(1, NOW - dt.timedelta(days=30))
    assert works(older, [], NOW)  # the newest works however old it is
    assert works(older, [NOW - GRACE + dt.timedelta(seconds=1)], NOW)
    assert not works(older, [NOW - GRACE], NOW)
    assert not works(link(2, NOW, revoked=NOW), [], NOW)


def test_at_most_three_links_work_and_the_newest_always_does():
    links = [link(number, NOW - dt.timedelta(hours=10 - number)) for number in range(1, 8)]
    assert MAX_LIVE_LINKS == 3
    undated = Symposium()  # no days yet: no end to its links
    assert [each.id for each in live_links(links, undated, NOW)] == [7, 6, 5]
    # A week after the newest was issued, only it works.
    assert [each.id for each in live_links(links, undated, NOW + GRACE)] == [7]
    assert live_links([], undated, NOW) == []


def test_no_link_works_once_the_symposiums_links_end():
    newest = link(2, NOW - dt.timedelta(days=60))
    assert works(newest, [], NOW, ends=NOW + dt.timedelta(seconds=1))
    assert not works(newest, [], NOW, ends=NOW)


# --- the focal point's mails ------------------------------------------------------------------


def mailed_links(smtp_server, first: int = 0) -> list[tuple[str, str]]:
    """(subject, nomination token) of every mail Lucía received, from her ``first`` on."""
    return [
        (mail["Subject"], LINK.search(mail.get_body(("plain",)).get_content()).group(1))
        for mail in smtp_server.messages
        if mail.envelope_recipients == ["lucia@p.pe"]
    ][first:]


def opens(client, token: str) -> bool:
    """Whether the link opens the focal point's page; otherwise it must be the very 404 of a
    link that never existed."""
    response = client.get(f"/nominate/{token}")
    if response.status_code == 200:
        return True
    assert response.status_code == 404
    assert response.data == client.get(NO_SUCH_LINK).data
    return False


def a_week_passes(session) -> None:
    """Every link was issued eight days earlier than it was (the mails went out last week)."""
    for each in session.scalars(sa.select(NominationLink)):
        each.created_at -= GRACE + dt.timedelta(days=1)
    session.commit()


def live_links_shown(client, symposium, focal_point_id: int) -> int:
    page = client.get(f"/symposia/{symposium.id}/focal-points").get_data(as_text=True)
    row = re.search(rf'<tr id="focal-point-{focal_point_id}">(.*?)</tr>', page, re.S).group(1)
    return int(re.findall(r"<td>(.*?)</td>", row)[3])


def test_a_focal_points_old_links_stop_working_and_their_newest_always_works(
    app, client, runner, login, session, smtp_server, invited_symposium, economies, monkeypatch
):
    # The pages carry a CSRF token signed with the current second: keep it still, so a 404
    # can be compared byte for byte with the one of a link that never existed.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_700_000_000)
    browser = app.test_client()  # Lucía's (the organisers' messages are not shown to her)
    login()
    base = f"/symposia/{invited_symposium.id}"
    fields = {"name": "Lucía", "email": "lucia@p.pe", "economy_id": economies["Peru"].id}
    assert post_form(client, f"{base}/focal-points/new", {**fields, "role": ""}).status_code == 302
    lucia = session.scalars(sa.select(FocalPoint)).one()
    write_circular(session, invited_symposium)
    post_form(client, f"{base}/distribution/send", {})
    post_form(client, f"{base}/distribution/reminders", {})
    send_outbox(app, runner, smtp_server)
    (circular, first), (reminder, second) = mailed_links(smtp_server)
    assert circular.startswith("General Information Circular") and reminder.startswith("Reminder")
    body = smtp_server.messages[1].get_body(("plain",)).get_content()
    assert "It replaces the links in any earlier mails from us, which stop working" in body
    assert opens(browser, first) and opens(browser, second)  # yesterday's mail still works

    # A week later the circular's link no longer works; the reminder's, the newest, does.
    a_week_passes(session)
    assert not opens(browser, first)
    assert "ask the organisers for a new one" in browser.get(f"/nominate/{first}").text
    assert opens(browser, second)
    nominated = post_form(browser, f"/nominate/{second}", nominee(), follow_redirects=True)
    assert "Lan Nguyễn Thị is nominated" in nominated.text

    # Decisions, one after the other, each mail a new link: three newer links at once end
    # the reminder's, a week early; never more than three work.
    lan = nomination_ids(client, invited_symposium)["Lan"]
    for decision in ("accept", "reject", "accept", "waitlist"):
        post_form(client, f"{base}/nominations/{lan}/decide", {"decision": decision})
    send_outbox(app, runner, smtp_server)
    decided = [token for _, token in mailed_links(smtp_server, first=2)]
    assert len(decided) == 4 and len(set(decided)) == 4
    working = [opens(browser, token) for token in (second, *decided)]
    assert working == [False, False, True, True, True]
    assert live_links_shown(client, invited_symposium, lucia.id) == MAX_LIVE_LINKS

    # Lucía lost her mails and asks; the organisers send her a new link.
    sent = post_form(client, f"{base}/focal-points/{lucia.id}/send-link", {}, follow_redirects=True)
    assert "A new nomination link is on its way to lucia@p.pe." in sent.text
    send_outbox(app, runner, smtp_server)
    ((subject, newest),) = mailed_links(smtp_server, first=6)
    assert subject == f"Your nomination link: {invited_symposium.title}"
    assert opens(browser, newest) and not opens(browser, decided[1])
    page = browser.get(f"/nominate/{newest}").text
    assert "Nominations of <strong>Peru</strong>, by Lucía" in page and "Lan Nguyễn Thị" in page
    assert live_links_shown(client, invited_symposium, lucia.id) == MAX_LIVE_LINKS
    assert session.scalar(sa.select(sa.func.count(NominationLink.id))) == 7

    # Revoking stops the three that still worked (the other four had expired).
    revoked = post_form(client, f"{base}/focal-points/{lucia.id}/revoke", {}, follow_redirects=True)
    assert "Revoked 3 nomination links of Lucía." in revoked.text
    assert not opens(browser, newest)
    assert live_links_shown(client, invited_symposium, lucia.id) == 0


def the_event_ended(session, symposium, days_ago: int) -> None:
    """Move the symposium's days so that its last day was ``days_ago`` days ago (host time)."""
    last = dt.datetime.now(symposium.zone).date() - dt.timedelta(days=days_ago)
    days = sorted(symposium.days, key=lambda day: day.number)
    for day in days:
        day.date = last - dt.timedelta(days=len(days) - day.number)
    session.commit()


def test_every_link_stops_working_a_month_after_the_event(
    app, client, login, session, invited_symposium, economies, monkeypatch
):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_700_000_000)
    browser = app.test_client()
    login()
    base = f"/symposia/{invited_symposium.id}"
    fields = {"name": "Lucía", "email": "lucia@p.pe", "economy_id": economies["Peru"].id}
    assert post_form(client, f"{base}/focal-points/new", {**fields, "role": ""}).status_code == 302
    lucia = session.scalars(sa.select(FocalPoint)).one()
    sent = post_form(client, f"{base}/focal-points/{lucia.id}/send-link", {})
    assert sent.status_code == 302
    token = LINK.search(session.scalars(sa.select(OutboxMessage.body)).one()).group(1)

    # Until the end of the 30th day after the last one, the newest link works.
    the_event_ended(session, invited_symposium, AFTER_THE_EVENT.days)
    assert opens(browser, token)
    assert live_links_shown(client, invited_symposium, lucia.id) == 1

    # The day after, it no longer does, and no new one is sent: it would not open either.
    the_event_ended(session, invited_symposium, AFTER_THE_EVENT.days + 1)
    assert not opens(browser, token)
    assert live_links_shown(client, invited_symposium, lucia.id) == 0
    refused = post_form(
        client, f"{base}/focal-points/{lucia.id}/send-link", {}, follow_redirects=True
    )
    assert "a new one would not open either, so none was sent to lucia@p.pe" in refused.text
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    assert session.scalar(sa.select(sa.func.count(NominationLink.id))) == 1
