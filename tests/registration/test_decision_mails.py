"""Focal points hear by mail what the organisers decided on their nominations: one mail per
focal point and action, through the outbox (and a real SMTP server), on both databases."""

from __future__ import annotations

import re

import sqlalchemy as sa

from symposium.models import OutboxMessage, Symposium
from tests.conftest import post_form
from tests.registration.conftest import nominee
from tests.registration.test_distribution import LINK, send_outbox

SUBJECT = "Nomination decisions: "


def decision_mails(session, recipient: str | None = None) -> list[OutboxMessage]:
    """The decision mails in the outbox, oldest first (to ``recipient`` only, if given)."""
    session.expire_all()
    query = sa.select(OutboxMessage).where(OutboxMessage.subject.startswith(SUBJECT))
    if recipient is not None:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def nomination_ids(client, symposium: Symposium) -> dict[str, int]:
    """Each nominee's id by given name, read from the organisers' nominations page."""
    page = client.get(f"/symposia/{symposium.id}/nominations").get_data(as_text=True)
    rows = re.findall(r'name="nomination_ids" value="(\d+)"[^>]*aria-label="Select (\w+)', page)
    assert rows, page
    return {name: int(number) for number, name in rows}


def test_the_focal_point_hears_of_each_decision_on_their_nominee(
    app, client, runner, login, session, smtp_server, invited_symposium, create_focal_point
):
    _, token = create_focal_point(invited_symposium, "Peru", name="Lucía", email="lucia@p.pe")
    assert post_form(client, f"/nominate/{token}", nominee()).status_code == 302
    login()
    lan = nomination_ids(client, invited_symposium)["Lan"]
    base = f"/symposia/{invited_symposium.id}/nominations"

    accepted = post_form(
        client, f"{base}/{lan}/decide", {"decision": "accept"}, follow_redirects=True
    )
    assert "Focal point told by e-mail: Lucía (Peru)." in accepted.get_data(as_text=True)
    (mail,) = decision_mails(session)
    assert mail.recipient == "lucia@p.pe"
    assert mail.subject == f"Nomination decisions: {invited_symposium.title}"
    deadline = invited_symposium.nomination_deadline
    for line in (
        "Dear Lucía,",
        f"The organisers of {invited_symposium.title} have decided on a nomination of Peru:",
        "  - Lan Nguyễn Thị: accepted, and invited to register (their personal registration "
        "link is on its way to them by e-mail).",
        "Peru has now used 1 of its 2 places: 1 left",
        f"You may nominate another delegate until {deadline:%A %-d %B %Y}, 23:59 America/Lima",
        "With kind regards,\nAna Pérez\nana@example.org",
    ):
        assert line in mail.body, mail.body

    # Pressing the button again decides nothing new, and tells nobody again.
    post_form(client, f"{base}/{lan}/decide", {"decision": "accept"})
    assert len(decision_mails(session)) == 1

    # The mail arrives, and its link opens the economy's page, where the decision shows.
    send_outbox(app, runner, smtp_server)
    (received,) = [m for m in smtp_server.messages if m["Subject"].startswith(SUBJECT)]
    assert received.envelope_recipients == ["lucia@p.pe"]
    link = LINK.search(received.get_body(("plain",)).get_content())
    post_form(client, "/logout", {})
    page = client.get(f"/nominate/{link.group(1)}").get_data(as_text=True)
    assert "Nominations of <strong>Peru</strong>, by Lucía" in page and "accepted" in page

    # A change of mind is news, and so is changing it back: each gets its own mail.
    login()
    post_form(client, f"{base}/{lan}/decide", {"decision": "reject"})
    post_form(client, f"{base}/{lan}/decide", {"decision": "accept"})
    _, rejected, accepted_again = decision_mails(session, "lucia@p.pe")
    assert "  - Lan Nguyễn Thị: not accepted." in rejected.body
    assert "Peru has now used 0 of its 2 places: 2 left" in rejected.body
    assert "Lan Nguyễn Thị: accepted" in accepted_again.body


def test_a_bulk_decision_mails_each_focal_point_once_and_leaves_out_what_failed(
    client, login, session, invited_symposium, create_focal_point
):
    _, lucia = create_focal_point(invited_symposium, "Peru", name="Lucía", email="lucia@p.pe")
    _, jorge = create_focal_point(invited_symposium, "Peru", name="Jorge", email="jorge@p.pe")
    create_focal_point(invited_symposium, "Peru", name="Pedro", email="pedro@p.pe")
    _, chile = create_focal_point(invited_symposium, "Chile", name="Francisca", email="fr@c.cl")
    post_form(client, f"/nominate/{lucia}", nominee(given_name="Ana", email="ana@p.pe"))
    post_form(client, f"/nominate/{jorge}", nominee(given_name="Carlos", email="carlos@p.pe"))
    post_form(client, f"/nominate/{chile}", nominee(given_name="Diego", email="diego@c.cl"))
    post_form(client, f"/nominate/{chile}", nominee(given_name="Elena", email="elena@c.cl"))
    login()
    base = f"/symposia/{invited_symposium.id}/nominations"
    chile_id = next(e.id for e in invited_symposium.invited_economies if e.name == "Chile")
    post_form(client, f"{base}/quota", {"economy_id": chile_id, "quota": "1"})
    ids = nomination_ids(client, invited_symposium)

    def accept_everyone():
        return post_form(
            client,
            f"{base}/bulk",
            {"decision": "accept", "nomination_ids": list(ids.values())},
            follow_redirects=True,
        ).get_data(as_text=True)

    page = accept_everyone()
    assert "raise the quota to accept Elena" in page
    assert "Focal points told by e-mail: Francisca (Chile), Jorge (Peru), Lucía (Peru)." in page
    mails = decision_mails(session)
    assert sorted(m.recipient for m in mails) == ["fr@c.cl", "jorge@p.pe", "lucia@p.pe"]
    bodies = {m.recipient: m.body for m in mails}
    assert "Ana Nguyễn Thị: accepted" in bodies["lucia@p.pe"]
    assert "Carlos" not in bodies["lucia@p.pe"]
    assert "Carlos Nguyễn Thị: accepted" in bodies["jorge@p.pe"]
    assert "Peru has now used 2 of its 2 places: none left" in bodies["jorge@p.pe"]
    assert "You may nominate another delegate" not in bodies["jorge@p.pe"]
    # Elena's acceptance failed on the quota: it is not reported as made.
    assert "Diego Nguyễn Thị: accepted" in bodies["fr@c.cl"] and "Elena" not in bodies["fr@c.cl"]
    assert "more than its quota of 1: no place is left" in bodies["fr@c.cl"]

    # The same bulk decision again changes nothing, so nobody hears of it twice.
    again = accept_everyone()
    assert "told by e-mail" not in again
    assert len(decision_mails(session)) == 3


def test_after_the_links_were_revoked_the_decision_mail_brings_a_new_one(
    client, login, session, invited_symposium, create_focal_point
):
    """Revoking stops the links already mailed (one leaked, say); the focal point's next mail,
    as a reminder or a revised circular would, brings a new one to their address."""
    focal_point, token = create_focal_point(
        invited_symposium, "Chile", name="Rosa <b>Díaz</b>", email="rosa@c.cl"
    )
    post_form(client, f"/nominate/{token}", nominee(given_name="Tomás", email="tomas@c.cl"))
    login()
    base = f"/symposia/{invited_symposium.id}"
    post_form(client, f"{base}/focal-points/{focal_point.id}/revoke", {})
    assert client.get(f"/nominate/{token}").status_code == 404
    tomas = nomination_ids(client, invited_symposium)["Tomás"]

    page = post_form(
        client,
        f"{base}/nominations/{tomas}/decide",
        {"decision": "waitlist"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Focal point told by e-mail: Rosa &lt;b&gt;Díaz&lt;/b&gt; (Chile)." in page
    (mail,) = decision_mails(session, "rosa@c.cl")
    assert "Dear Rosa <b>Díaz</b>," in mail.body  # plain text: nothing to escape
    assert "Tomás Nguyễn Thị: wait-listed: not accepted for now" in mail.body
    new = LINK.search(mail.body).group(1)
    assert new != token
    assert "Tomás" in client.get(f"/nominate/{new}").get_data(as_text=True)
    assert client.get(f"/nominate/{token}").status_code == 404


def test_a_removed_focal_points_nominee_is_told_to_the_economys_other_focal_points(
    client, login, session, invited_symposium, create_focal_point
):
    gone, token = create_focal_point(invited_symposium, "Peru", name="Lucía", email="lucia@p.pe")
    create_focal_point(invited_symposium, "Peru", name="Jorge", email="jorge@p.pe")
    alone, chile = create_focal_point(invited_symposium, "Chile", email="fr@c.cl")
    post_form(client, f"/nominate/{token}", nominee(given_name="Ana", email="ana@p.pe"))
    post_form(client, f"/nominate/{chile}", nominee(given_name="Diego", email="diego@c.cl"))
    login()
    base = f"/symposia/{invited_symposium.id}"
    post_form(client, f"{base}/focal-points/{gone.id}/delete", {})
    post_form(client, f"{base}/focal-points/{alone.id}/delete", {})
    ids = nomination_ids(client, invited_symposium)

    page = post_form(
        client,
        f"{base}/nominations/bulk",
        {"decision": "reject", "nomination_ids": list(ids.values())},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Focal point told by e-mail: Jorge (Peru)." in page
    assert "Chile has no focal point now, so nobody there was told." in page
    (mail,) = decision_mails(session)
    assert mail.recipient == "jorge@p.pe"
    assert "  - Ana Nguyễn Thị: not accepted." in mail.body
