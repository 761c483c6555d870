"""Organisers review nominations by economy: decisions, invitations, quotas and exports."""

from __future__ import annotations

import csv
import html
import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from registration.models import Nomination, RegistrationInvitation
from registration.nominations import NomineeInput, nominate
from symposium.models import OutboxMessage
from tests.conftest import PASSWORD, post_form
from tests.registration.conftest import NOMINEE


def add_nominees(session, focal_point, *people: dict) -> list[Nomination]:
    made = []
    for person in people:
        values = {**NOMINEE, **person}
        values["youth"] = values["youth"] == "yes"
        made.append(nominate(session, focal_point, NomineeInput(**values)))
    session.commit()
    return made


def test_accepting_mails_a_personal_registration_link(
    client, login, session, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Peru")
    lan, ana = add_nominees(
        session, focal_point, {}, {"email": "ana@example.pe", "given_name": "Ana"}
    )
    login()
    base = f"/symposia/{invited_symposium.id}/nominations"
    page = client.get(base).get_data(as_text=True)
    assert "Peru" in page and "Ana" in page and "0 accepted" in page

    response = post_form(client, f"{base}/{lan.id}/decide", {"decision": "accept"})
    assert response.status_code == 302
    mail = session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "lan@example.vn")
    ).one()
    assert mail.subject == f"Invitation to register: {invited_symposium.title}"
    link = re.search(r"https?://\S+/invitation/(\S+)", mail.body)
    assert link, mail.body
    invitation = client.get(f"/invitation/{link.group(1)}")
    assert invitation.status_code == 200
    assert "Lan Nguyễn Thị" in invitation.get_data(as_text=True)
    assert link.group(1) not in session.scalars(sa.select(RegistrationInvitation.token_hash)).all()

    # Rejecting after all kills the link.
    post_form(client, f"{base}/{lan.id}/decide", {"decision": "reject"})
    assert client.get(f"/invitation/{link.group(1)}").status_code == 404
    # Accepting twice sends one mail: the second press changes nothing.
    post_form(client, f"{base}/{ana.id}/decide", {"decision": "accept"})
    post_form(client, f"{base}/{ana.id}/decide", {"decision": "accept"})
    invitations = sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.subject.startswith("Invitation to register")
    )
    assert session.scalar(invitations) == 2


def test_acceptances_respect_the_quota_and_the_quota_can_change(
    client, login, session, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Chile")
    people = add_nominees(
        session,
        focal_point,
        {"email": "a@example.cl", "given_name": "A"},
        {"email": "b@example.cl", "given_name": "B"},
    )
    login()
    base = f"/symposia/{invited_symposium.id}/nominations"
    chile = next(e for e in invited_symposium.invited_economies if e.name == "Chile")

    lowered = post_form(
        client, f"{base}/quota", {"economy_id": chile.id, "quota": "1"}, follow_redirects=True
    )
    assert "Chile may now nominate 1." in lowered.get_data(as_text=True)
    assert "already has 2 active nominations" in lowered.get_data(as_text=True)

    bulk = post_form(
        client,
        f"{base}/bulk",
        {"decision": "accept", "nomination_ids": [p.id for p in people]},
        follow_redirects=True,
    )
    text = bulk.get_data(as_text=True)
    assert "1 nomination updated." in text
    assert "raise the quota to accept B" in text
    session.expire_all()
    assert [session.get(Nomination, p.id).status for p in people] == ["accepted", "pending"]

    bad = post_form(client, f"{base}/quota", {"economy_id": chile.id, "quota": "-3"})
    assert bad.status_code == 302
    assert "was not changed" in client.get(base).get_data(as_text=True)


def test_viewers_read_nominations_but_cannot_decide(
    client, login, session, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Peru")
    (lan,) = add_nominees(session, focal_point, {})
    login("viewer")
    base = f"/symposia/{invited_symposium.id}/nominations"
    page = client.get(base).get_data(as_text=True)
    assert "Lan" in page and 'name="decision"' not in page
    assert post_form(client, f"{base}/{lan.id}/decide", {"decision": "accept"}).status_code == 403
    session.expire_all()
    assert session.get(Nomination, lan.id).status == "pending"


def test_exports_carry_formulas_as_text(
    client, login, session, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    hostile = '=HYPERLINK("http://evil.example","click")'
    add_nominees(session, focal_point, {"given_name": hostile, "organisation": "+SUM(A1:A9)"})
    login("viewer")
    base = f"/symposia/{invited_symposium.id}/nominations"

    rows = list(csv.reader(io.StringIO(client.get(f"{base}.csv").get_data(as_text=True))))
    assert rows[0][:3] == ["\ufeffEconomy", "Given name", "Family name"]
    assert rows[1][0] == "Viet Nam"
    assert rows[1][1] == "'" + hostile and rows[1][5] == "'+SUM(A1:A9)"

    response = client.get(f"{base}.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data))["Nominations"]
    name = sheet.cell(row=2, column=2)
    assert name.value == hostile and name.data_type == "s"
    assert sheet.cell(row=2, column=6).data_type == "s"
    assert sheet.cell(row=2, column=4).value == "lan@example.vn"


# --- two organisers on one list ------------------------------------------------------------


def log_in_another_organiser(app, create_user_account):
    """A second browser: another organiser with the list open in their own session."""
    other = app.test_client()
    user = create_user_account(role="organiser")
    assert (
        post_form(other, "/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return other


def decision_form(page: str, nomination: Nomination, decision: str) -> dict:
    """What pressing a decision button on ``page`` submits (the status the page showed too)."""
    form = re.search(
        rf'action="[^"]*/nominations/{nomination.id}/decide".*?</form>', page, re.DOTALL
    )
    assert form and f'value="{decision}"' in page, page
    fields = dict(re.findall(r'name="(decision|seen)" value="([^"]*)"', form.group(0)))
    return {**fields, "decision": decision}


def bulk_form(page: str, nominations: list[Nomination], decision: str) -> dict:
    """What ticking ``nominations`` and applying ``decision`` on ``page`` submits."""
    seen = re.findall(r'name="seen" value="(\d+:\w+)" form="bulk-form"', page)
    assert seen, page
    return {"decision": decision, "nomination_ids": [n.id for n in nominations], "seen": seen}


def flashes(client) -> str:
    return client.get("/", follow_redirects=True).get_data(as_text=True)


def test_a_decision_from_a_stale_list_does_not_overturn_another_organisers(
    app, client, login, create_user_account, session, invited_symposium, create_focal_point
):
    peru, _ = create_focal_point(invited_symposium, "Peru")
    lan, ana = add_nominees(session, peru, {}, {"email": "ana@example.pe", "given_name": "Ana"})
    chile, _ = create_focal_point(invited_symposium, "Chile")
    (tomas,) = add_nominees(session, chile, {"email": "tomas@example.cl", "given_name": "Tomas"})
    login()
    other = log_in_another_organiser(app, create_user_account)
    base = f"/symposia/{invited_symposium.id}/nominations"
    mine = client.get(base).get_data(as_text=True)  # Lan, Ana and Tomas pending
    theirs = other.get(base).get_data(as_text=True)

    rejected = post_form(other, f"{base}/{lan.id}/decide", decision_form(theirs, lan, "reject"))
    assert rejected.status_code == 302
    stale = post_form(client, f"{base}/{lan.id}/decide", decision_form(mine, lan, "accept"))
    assert stale.status_code == 302
    told = html.unescape(flashes(client))
    assert "Lan Nguyễn Thị was rejected by another organiser meanwhile (at " in told
    assert "nothing changed — look again and decide." in told
    assert "Lan Nguyễn Thị: accepted." not in told
    session.expire_all()
    assert session.get(Nomination, lan.id).status == "rejected"
    invitations = sa.select(OutboxMessage).where(OutboxMessage.recipient == "lan@example.vn")
    assert session.scalars(invitations).all() == []

    # A bulk action from the same stale page decides the rest and says which one it left.
    bulk = post_form(client, f"{base}/bulk", bulk_form(mine, [lan, ana], "accept"))
    assert bulk.status_code == 302
    told = html.unescape(flashes(client))
    assert "1 nomination updated." in told
    assert "Lan Nguyễn Thị was rejected by another organiser meanwhile" in told
    session.expire_all()
    assert [session.get(Nomination, n.id).status for n in (lan, ana)] == ["rejected", "accepted"]

    # The other way round: an acceptance is not undone from a page that still shows "pending".
    post_form(client, f"{base}/{tomas.id}/decide", decision_form(mine, tomas, "accept"))
    post_form(other, f"{base}/{tomas.id}/decide", decision_form(theirs, tomas, "reject"))
    assert "Tomas Nguyễn Thị was accepted by another organiser meanwhile" in html.unescape(
        flashes(other)
    )
    session.expire_all()
    assert session.get(Nomination, tomas.id).status == "accepted"
    assert session.get(Nomination, tomas.id).invitation.revoked_at is None

    # Pressing the same button twice (the page not yet reloaded) is no conflict.
    again = post_form(client, f"{base}/{tomas.id}/decide", decision_form(mine, tomas, "accept"))
    assert again.status_code == 302
    assert "Tomas Nguyễn Thị: accepted." in html.unescape(flashes(client))


def test_rejecting_an_accepted_nominee_holds_back_the_invitation_not_yet_sent(
    app, client, login, session, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Peru")
    (lan,) = add_nominees(session, focal_point, {})
    login()
    base = f"/symposia/{invited_symposium.id}/nominations"
    page = client.get(base).get_data(as_text=True)
    post_form(client, f"{base}/{lan.id}/decide", decision_form(page, lan, "accept"))
    page = client.get(base).get_data(as_text=True)  # Lan accepted; the mail not sent yet
    post_form(client, f"{base}/{lan.id}/decide", decision_form(page, lan, "reject"))

    mail = session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "lan@example.vn")
    ).one()
    assert mail.status == "failed"
    assert mail.last_error == "withdrawn before sending: the invitation was revoked"

    # Accepted again, she gets a new link in a new mail, which goes.
    page = client.get(base).get_data(as_text=True)
    post_form(client, f"{base}/{lan.id}/decide", decision_form(page, lan, "accept"))
    session.expire_all()
    mails = session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient == "lan@example.vn")
        .order_by(OutboxMessage.id)
    ).all()
    assert [m.status for m in mails] == ["failed", "queued"]
