"""The rules that keep an economy's quota and a person's single registration true after the
first registration: withdrawing, rejecting, registering again and changing economy, the
moment of an organiser's decision, and an economy taken off the invited list. On both
databases."""

from __future__ import annotations

import sqlalchemy as sa

from registration.models import FocalPoint, Nomination, Registration, RegistrationSettings
from registration.nominations import NomineeInput, decide, nominate, withdraw_nomination
from symposium import db
from symposium.models import Symposium
from tests.conftest import csrf_token, post_form
from tests.registration.conftest import nominee
from tests.registration.test_registration import MANAGE, form, mails, registrations


def accepted(session, focal_point: FocalPoint, email: str) -> tuple[Nomination, str]:
    """A nomination of ``email`` by the focal point, accepted; and its invitation token."""
    nomination = nominate(
        session,
        focal_point,
        NomineeInput("Lan", "Nguyễn", email, "Female", "MPI", "Government", "Director", False,
                     "Participant"),
    )  # fmt: skip
    token = decide(session, nomination, "accept", None).invitation_token
    session.commit()
    return nomination, token


def register_invited(client, economies, token: str, email: str, economy: str = "Viet Nam"):
    fields = form(economies, email=email, economy_id=economies[economy].id)
    return post_form(client, f"/invitation/{token}", fields)


def test_a_registered_nominee_keeps_the_quota_place_until_the_registration_is_cancelled(
    client, login, session, economies, invited_symposium, create_focal_point
):
    focal_point, link = create_focal_point(invited_symposium, "Viet Nam")  # quota 2
    first, first_token = accepted(session, focal_point, "a@example.vn")
    _, second_token = accepted(session, focal_point, "b@example.vn")
    for token, email in ((first_token, "a@example.vn"), (second_token, "b@example.vn")):
        assert register_invited(client, economies, token, email).status_code == 302

    # The focal point's page says they registered and offers no Withdraw for them.
    page = client.get(f"/nominate/{link}").get_data(as_text=True)
    assert page.count('<span class="badge text-bg-success">registered</span>') == 2
    assert "Withdraw…" not in page and "Registered: to change anything, write to" in page
    # The focal point cannot free the place by withdrawing: the registration holds it.
    refused = post_form(client, f"/nominate/{link}/{first.id}/withdraw", {}, follow_redirects=True)
    assert "has already registered" in refused.get_data(as_text=True)
    assert session.get(Nomination, first.id).status == "accepted"
    # Nor can the organisers by rejecting the nomination: they cancel the registration first.
    login()
    decisions = f"/symposia/{invited_symposium.id}/nominations/{first.id}/decide"
    rejected = post_form(client, decisions, {"decision": "reject"}, follow_redirects=True)
    assert "cancel the registration on the participants page first" in rejected.get_data(
        as_text=True
    )
    session.expire_all()
    assert session.get(Nomination, first.id).status == "accepted"
    assert [r.status for r in registrations(session)] == ["confirmed", "confirmed"]

    # Once the registration is cancelled, the nomination can go and the place is free again.
    token = MANAGE.search(mails(session, "a@example.vn")[0].body).group(1)
    assert post_form(client, f"/registration/{token}/cancel", {}).status_code == 302
    assert post_form(client, decisions, {"decision": "reject"}).status_code == 302
    session.expire_all()
    assert session.get(Nomination, first.id).status == "rejected"
    _, third_token = accepted(session, focal_point, "c@example.vn")
    assert register_invited(client, economies, third_token, "c@example.vn").status_code == 302
    confirmed = [r.email for r in registrations(session) if r.status == "confirmed"]
    assert confirmed == ["b@example.vn", "c@example.vn"]  # never more than the quota of 2


def test_an_invitation_registers_for_the_nominating_economy_only(
    client, session, economies, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    _, token = accepted(session, focal_point, "lan@example.vn")
    moved = register_invited(client, economies, token, "lan@example.vn", economy="Peru")
    assert moved.status_code == 409
    assert "You were nominated by Viet Nam" in moved.get_data(as_text=True)
    assert registrations(session) == []

    assert register_invited(client, economies, token, "lan@example.vn").status_code == 302
    manage = MANAGE.search(mails(session, "lan@example.vn")[0].body).group(1)
    changed = post_form(
        client, f"/registration/{manage}", form(economies, email="lan@example.vn")
    )  # the form's default economy is Peru
    assert "You were nominated by Viet Nam" in changed.get_data(as_text=True)
    assert [r.economy.name for r in registrations(session)] == ["Viet Nam"]


def test_a_nominee_who_cancelled_registers_again_through_the_invitation_with_another_address(
    client, session, economies, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    nomination, token = accepted(session, focal_point, "lan@example.vn")
    assert register_invited(client, economies, token, "lan@example.vn").status_code == 302
    again = register_invited(client, economies, token, "lan.personal@example.com")
    assert 'id="already-registered"' in again.get_data(as_text=True)
    assert [r.email for r in registrations(session)] == ["lan@example.vn"]

    manage = MANAGE.search(mails(session, "lan@example.vn")[0].body).group(1)
    assert post_form(client, f"/registration/{manage}/cancel", {}).status_code == 302
    renewed = register_invited(client, economies, token, "lan.personal@example.com")
    assert renewed.status_code == 302
    (person,) = registrations(session)  # the same row, renewed under the new address
    assert (person.email, person.status) == ("lan.personal@example.com", "confirmed")
    assert person.nomination_id == nomination.id

    # Cancelled again, then back with an address that has a cancelled row of its own: the
    # invitation moves to that row, and there is still one registration per invitation.
    manage = MANAGE.search(mails(session, "lan.personal@example.com")[-1].body).group(1)
    assert post_form(client, f"/registration/{manage}/cancel", {}).status_code == 302
    open_form = form(economies, email="lan.work@example.vn", economy_id=economies["Viet Nam"].id)
    assert post_form(client, f"/register/{invited_symposium.id}", open_form).status_code == 302
    work = MANAGE.search(mails(session, "lan.work@example.vn")[0].body).group(1)
    assert post_form(client, f"/registration/{work}/cancel", {}).status_code == 302
    assert register_invited(client, economies, token, "lan.work@example.vn").status_code == 302
    rows = {r.email: (r.status, r.nomination_id) for r in registrations(session)}
    assert rows == {
        "lan.personal@example.com": ("cancelled", None),
        "lan.work@example.vn": ("confirmed", nomination.id),
    }


def test_a_cancelled_nominee_renewing_on_the_open_form_stays_the_nominee(
    client, session, economies, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    nomination, token = accepted(session, focal_point, "lan@example.vn")
    assert register_invited(client, economies, token, "lan@example.vn").status_code == 302
    manage = MANAGE.search(mails(session, "lan@example.vn")[0].body).group(1)
    assert post_form(client, f"/registration/{manage}/cancel", {}).status_code == 302
    fields = form(economies, email="lan@example.vn", economy_id=economies["Viet Nam"].id)
    assert post_form(client, f"/register/{invited_symposium.id}", fields).status_code == 302
    (person,) = registrations(session)
    assert (person.status, person.nomination_id) == ("confirmed", nomination.id)


def test_an_address_the_organisers_rejected_cannot_register_again(
    client, login, session, economies, invited_symposium
):
    session.add(RegistrationSettings(symposium_id=invited_symposium.id, moderated=True))
    session.commit()
    url = f"/register/{invited_symposium.id}"
    assert post_form(client, url, form(economies, email="spam@example.org")).status_code == 302
    (person,) = registrations(session)
    login()
    status_url = f"/symposia/{invited_symposium.id}/registrations/{person.id}/status"
    assert post_form(client, status_url, {"status": "rejected", "back": ""}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})

    again = post_form(client, url, form(economies, email="SPAM@example.org"))
    assert again.status_code == 409
    assert "The organisers did not accept a registration with this e-mail address" in (
        again.get_data(as_text=True)
    )
    assert [r.status for r in registrations(session)] == ["rejected"]


def test_a_decision_after_a_withdrawal_it_did_not_see_is_refused(
    app, session, invited_symposium, create_focal_point
):
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    nomination = nominate(
        session,
        focal_point,
        NomineeInput("Lan", "Nguyễn", "lan@example.vn", "Female", "MPI", "Government", "Director",
                     False, "Participant"),
    )  # fmt: skip
    session.commit()
    sessions = db.database(app).sessionmaker
    with sessions() as organiser, sessions() as focal:
        seen = organiser.get(Nomination, nomination.id)  # the organiser's page showed it pending
        organiser.commit()
        withdraw_nomination(
            focal, focal.get(FocalPoint, focal_point.id), focal.get(Nomination, nomination.id)
        )
        focal.commit()
        try:
            decide(organiser, seen, "accept", None)
        except ValueError as error:
            assert "was withdrawn" in str(error)
        else:
            raise AssertionError("a withdrawn nomination was accepted")
        organiser.rollback()
    session.expire_all()
    stored = session.get(Nomination, nomination.id)
    assert stored.status == "withdrawn" and stored.invitation is None


def test_an_economy_taken_off_the_invited_list_can_no_longer_nominate(
    client, session, economies, invited_symposium, create_focal_point
):
    _, token = create_focal_point(invited_symposium, "Viet Nam")
    symposium = session.get(Symposium, invited_symposium.id)
    symposium.invited_economies = [economies["Peru"]]
    session.commit()
    refused = post_form(client, f"/nominate/{token}", nominee())
    assert refused.status_code == 409
    assert "Viet Nam is not among the economies invited" in refused.get_data(as_text=True)
    assert session.scalars(sa.select(Registration)).all() == []
    assert session.scalars(sa.select(Nomination)).all() == []


def test_a_nominee_registered_on_their_own_is_not_registered_twice(
    client, session, economies, invited_symposium, create_focal_point
):
    """Lan registered on the open form (a speaker, say); then Viet Nam nominated her. Her
    invitation says she is registered, and registering again with another address, which
    made one person two registrations, is not possible."""
    own = form(economies, email="lan@example.vn", economy_id=economies["Viet Nam"].id)
    assert post_form(client, f"/register/{invited_symposium.id}", own).status_code == 302
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    _, token = accepted(session, focal_point, "LAN@example.vn")
    page = client.get(f"/invitation/{token}").get_data(as_text=True)
    assert 'id="registered-elsewhere"' in page and "lan@example.vn is already registered" in page
    assert '<form method="post" novalidate>' not in page
    other = register_invited(client, economies, token, "lan.other@example.vn")
    assert other.status_code == 409
    assert [r.email for r in registrations(session)] == ["lan@example.vn"]
