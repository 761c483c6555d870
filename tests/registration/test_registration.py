"""Registering, by invitation or the open form: capacity, waiting list, moderation, the manage
link and the confirmation mail, on both databases."""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import replace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Calendar

from agenda.demo import add_demo_agenda
from registration.models import Registration, RegistrationSettings
from registration.nominations import NomineeInput, decide, nominate
from symposium.forms import _options
from symposium.models import OutboxMessage, Symposium
from symposium.services import setup_of, update_symposium
from tests.conftest import post_form

MANAGE = re.compile(r"https?://\S+/registration/([A-Za-z0-9_-]+)")


def form(economies, **overrides) -> dict:
    values = {
        "given_name": "Ana",
        "family_name": "Pérez",
        "email": "ana@example.pe",
        "economy_id": economies["Peru"].id,
        "organisation": "PRODUCE",
        "organisation_type": "Government",
        "job_title": "Analyst",
        "sex": "Female",
        "youth": "no",
        "timezone": "America/Lima",
        "accessibility_needs": "",
        "consent_privacy": "y",
        "consent_evaluation": "y",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def registrations(session) -> list[Registration]:
    session.expire_all()
    return list(session.scalars(sa.select(Registration).order_by(Registration.id)))


def mails(session, recipient: str) -> list[OutboxMessage]:
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id)
        )
    )


def test_open_registration_confirms_and_mails_the_manage_link_and_calendar(
    client, session, economies, invited_symposium
):
    add_demo_agenda(session, invited_symposium)
    session.commit()
    url = f"/register/{invited_symposium.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Privacy notice (version 1)" in page and "sex-disaggregated" in page
    # The time-zone field suggests every IANA zone, Vietnam's too.
    zones = page.split('<datalist id="known-zones">', 1)[1].split("</datalist>", 1)[0]
    assert zones.count("<option ") > 400 and '<option value="Asia/Ho_Chi_Minh">' in zones

    # Pasted with the spaces around it: taken, and stored as the address it is.
    response = post_form(client, url, form(economies, email=" Ana@Example.PE  "))
    assert response.status_code == 302
    (person,) = registrations(session)
    assert (person.email, person.status, person.role) == (
        "ana@example.pe",
        "confirmed",
        "participant",
    )
    assert person.privacy_notice_version == 1 and person.consent_evaluation

    (mail,) = mails(session, "ana@example.pe")
    assert mail.subject == f"Registration confirmed: {invited_symposium.title}"
    assert "Day 1 starts 09:00 America/Lima" in mail.body
    token = MANAGE.search(mail.body).group(1)
    assert token not in session.scalars(sa.select(Registration.manage_token_hash)).all()
    (attachment,) = mail.attachments
    assert attachment["filename"] == "symposium.ics"
    calendar = Calendar.from_ical(base64.b64decode(attachment["data"]))
    assert len(calendar.walk("VEVENT")) == 12  # the two-day template's items

    # The form sends her to her manage page, which says what happened; the session cookie is
    # left as it was (nothing flashed into it).
    assert response.location == f"/registration/{token}?registered=1"
    assert "Set-Cookie" not in response.headers
    arrived = client.get(response.location).get_data(as_text=True)
    said = "You are registered. A mail with the details is on its way to ana@example.pe."
    assert f'<div class="alert alert-success" role="status" id="just-registered">{said}</div>' in (
        arrived
    )
    manage = client.get(f"/registration/{token}").get_data(as_text=True)
    assert "Your registration, Ana Pérez" in manage and ">confirmed<" in manage
    assert "Add to my calendar (.ics)" in manage and "just-registered" not in manage
    assert client.get(f"/registration/{token}/calendar.ics").mimetype == "text/calendar"


def test_the_mail_and_the_manage_page_give_each_day_start_on_the_registrants_own_clock(
    client, session, economies, invited_symposium
):
    """In Auckland, 09:00 in Lima is 02:00 or 03:00 the next day: the weekday and date too."""
    zone = "Pacific/Auckland"
    nz = form(economies, email="kiri@example.nz", economy_id=economies["New Zealand"].id,
              timezone=zone)  # fmt: skip
    assert post_form(client, f"/register/{invited_symposium.id}", nz).status_code == 302
    (mail,) = mails(session, "kiri@example.nz")
    manage = client.get(f"/registration/{MANAGE.search(mail.body).group(1)}")
    page = manage.get_data(as_text=True)
    for day in invited_symposium.days:
        local = day.starts_at.astimezone(ZoneInfo(zone))
        assert local.date() == day.date + dt.timedelta(days=1)
        own = f"{local:%a %-d %b %H:%M} your time (Pacific/Auckland)"
        assert f"Day {day.number} starts 09:00 America/Lima = {own}" in mail.body
        assert own in page


def test_text_pasted_with_a_nul_character_is_refused_with_a_reason_and_nothing_saved(
    client, session, economies, invited_symposium
):
    pasted = form(economies, accessibility_needs="Captions\x00 please")
    answer = post_form(client, f"/register/{invited_symposium.id}", pasted)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "invisible control character (NUL)" in page and "Nothing was saved" in page
    assert registrations(session) == [] and mails(session, "ana@example.pe") == []


def test_a_name_written_family_name_first_is_written_so_everywhere(
    client, login, session, economies, invited_symposium
):
    add_demo_agenda(session, invited_symposium)
    session.commit()
    lan = form(economies, given_name="Lan", family_name="Nguyễn Thị", email="lan@example.vn",
               economy_id=economies["Viet Nam"].id, family_name_first="y")  # fmt: skip
    assert post_form(client, f"/register/{invited_symposium.id}", lan).status_code == 302
    (mail,) = mails(session, "lan@example.vn")
    assert "Dear Nguyễn Thị Lan," in mail.body and "Name: Nguyễn Thị Lan" in mail.body
    calendar = Calendar.from_ical(base64.b64decode(mail.attachments[0]["data"]))
    assert calendar.get("X-WR-CALNAME").endswith("Nguyễn Thị Lan")
    token = MANAGE.search(mail.body).group(1)
    manage = client.get(f"/registration/{token}").get_data(as_text=True)
    assert "Your registration, Nguyễn Thị Lan" in manage
    assert re.search(r'<input[^>]*checked[^>]*id="family_name_first"|id="family_name_first"'
                     r'[^>]*checked', manage)  # fmt: skip
    login()
    listing = client.get(f"/symposia/{invited_symposium.id}/registrations")
    assert "Nguyễn Thị Lan" in listing.get_data(as_text=True)
    # Another registrant's address is refused under the e-mail field, not above the form.
    post_form(client, f"/register/{invited_symposium.id}", form(economies, email="b@example.pe"))
    clash = post_form(client, f"/registration/{token}", {**lan, "email": "b@example.pe"})
    assert clash.status_code == 409
    assert re.search(r'id="email-error"[^>]*>Another registration uses this e-mail address',
                     clash.get_data(as_text=True))  # fmt: skip
    # Unticked on the manage page: given name first again.
    post_form(client, f"/registration/{token}", {**lan, "family_name_first": ""})
    session.expire_all()
    assert registrations(session)[0].full_name == "Lan Nguyễn Thị"  # (the first registered)


def test_refusals_are_field_messages_and_store_nothing(
    client, session, economies, invited_symposium, create_registration
):
    create_registration(invited_symposium, email="taken@example.org")
    url = f"/register/{invited_symposium.id}"
    no_consent = post_form(client, url, form(economies, consent_privacy=None))
    assert no_consent.status_code == 400
    assert "You need to agree to the privacy notice" in no_consent.get_data(as_text=True)
    # "Choose…" left as it is: said with the other fields' messages, not on the next try.
    no_economy = post_form(client, url, form(economies, economy_id="0", consent_privacy=None))
    assert no_economy.status_code == 400
    page = no_economy.get_data(as_text=True)
    assert "Choose your economy." in page and "You need to agree to the privacy notice" in page
    # A zone nobody knows is said with the other fields' messages, under its field, with the
    # zone of the chosen economy as an example.
    bad_zone = post_form(client, url, form(economies, timezone="GMT+8", consent_privacy=None))
    assert bad_zone.status_code == 400
    page = bad_zone.get_data(as_text=True)
    assert "You need to agree to the privacy notice" in page
    assert re.search(r'id="timezone-error"[^>]*>[^<]*“GMT\+8” is not a time zone we know: '
                     r"choose a place name such as America/Lima", page)  # fmt: skip
    # Values no choice offers (a crafted request): each refused under its own field.
    crafted = {"economy_id": "99999", "organisation_type": "Pirates", "sex": "Robot"}
    client.get(url)  # the page's options kept, none chosen
    options_kept = _options.cache_info().currsize
    off_the_list = post_form(client, url, form(economies, youth="maybe", **crafted))
    assert off_the_list.status_code == 400
    page = off_the_list.get_data(as_text=True)
    for field in (*crafted, "youth"):
        assert re.search(rf'id="{field}-error"[^>]*>\s*Not a valid choice', page), field
    # The pages keep their options by which are chosen, never by the value sent.
    never_sent = "x" * 5000 + secrets.token_hex(8)  # a new value in every run
    post_form(client, url, form(economies, organisation_type=never_sent, consent_privacy=None))
    assert _options.cache_info().currsize == options_kept
    for not_an_address in ("ana@", "ana pérez@example.pe", "ana@example..pe"):
        refused = post_form(client, url, form(economies, email=not_an_address))
        assert refused.status_code == 400
        assert re.search(r'id="email-error"[^>]*>\s*Enter a valid e-mail address\.',
                         refused.get_data(as_text=True)), not_an_address  # fmt: skip
    look_alike = post_form(client, url, form(economies, email="taken@ｅｘａｍｐｌｅ.org"))
    assert "already registered" in look_alike.get_data(as_text=True)  # the same domain
    twice = post_form(client, url, form(economies, email="TAKEN@example.org"))
    assert twice.status_code == 409
    assert "already registered" in twice.get_data(as_text=True)
    kept = twice.get_data(as_text=True)  # what was typed and chosen is kept
    assert 'value="Pérez"' in kept
    assert f'<option selected value="{economies["Peru"].id}">Peru</option>' in kept
    assert re.search(r'<input checked class="form-check-input" id="sex-0" name="sex"[^>]*'
                     r'value="Female">', kept)  # fmt: skip
    assert kept.count(" selected ") == 2  # the economy, the type of organisation
    assert len(re.findall(r'<input checked [^>]*type="radio"', kept)) == 2  # sex, youth
    assert '<select class="form-select" id="economy_id"' in kept
    assert len(registrations(session)) == 1


def test_the_waiting_list_fills_in_order_and_a_cancellation_promotes_the_first(
    client, session, economies, create_symposium_record
):
    symposium = create_symposium_record(capacity=1)
    url = f"/register/{symposium.id}"
    arrived = [
        post_form(client, url, form(economies, email=f"{name}@example.org", given_name=name),
                  follow_redirects=True).get_data(as_text=True)
        for name in ("first", "second", "third")
    ]  # fmt: skip
    assert "You are registered. A mail with the details is on its way to first@" in arrived[0]
    full = "The symposium is full: you are on the waiting list. A mail with the details is"
    assert full in arrived[1] and "on its way to second@example.org." in arrived[1]
    first, second, third = registrations(session)
    assert [first.status, second.status, third.status] == ["confirmed", "waiting", "waiting"]
    waiting_mail = mails(session, "second@example.org")[0]
    assert waiting_mail.subject.startswith("Waiting list") and "number 1" in waiting_mail.body

    token = MANAGE.search(mails(session, "first@example.org")[0].body).group(1)
    manage = client.get(f"/registration/{token}").get_data(as_text=True)
    # Cancelling takes a second, explicit click ("Cancel my registration…" opens the form).
    assert '<details id="cancel-registration">' in manage
    assert "Yes, cancel my registration" in manage
    cancelled = post_form(client, f"/registration/{token}/cancel", {}, follow_redirects=True)
    assert "Your registration is cancelled" in cancelled.get_data(as_text=True)
    assert "Changed your mind? Write to the organisers" in cancelled.get_data(as_text=True)
    first, second, third = registrations(session)
    assert [first.status, second.status, third.status] == ["cancelled", "confirmed", "waiting"]
    promoted = mails(session, "second@example.org")[-1]
    assert promoted.subject == f"You have a place: {symposium.title}"
    page = client.get(f"/registration/{MANAGE.search(waiting_mail.body).group(1)}")
    assert ">confirmed<" in page.get_data(as_text=True)
    assert "Add to my calendar" not in page.get_data(as_text=True)  # the agenda has no items


def test_invitation_only_symposium_registers_the_accepted_nominee_prefilled(
    client, session, economies, invited_symposium, create_focal_point
):
    session.add(RegistrationSettings(symposium_id=invited_symposium.id, mode="invitation"))
    focal_point, _ = create_focal_point(invited_symposium, "Viet Nam")
    nomination = nominate(
        session,
        focal_point,
        NomineeInput("Thị Lan", "Nguyễn", "lan@mpi.gov.vn", "Female", "MPI", "Government",
                     "Deputy Director", True, "Participant"),
    )  # fmt: skip
    token = decide(session, nomination, "accept", None).invitation_token
    session.commit()
    assert client.get(f"/register/{invited_symposium.id}").status_code == 404

    page = client.get(f"/invitation/{token}").get_data(as_text=True)
    assert 'value="lan@mpi.gov.vn"' in page and 'value="Asia/Ho_Chi_Minh"' in page
    response = post_form(
        client,
        f"/invitation/{token}",
        form(economies, given_name="Thị Lan", family_name="Nguyễn", email="lan@mpi.gov.vn",
             economy_id=economies["Viet Nam"].id, timezone="Asia/Ho_Chi_Minh", youth="yes"),
    )  # fmt: skip
    assert response.status_code == 302
    (person,) = registrations(session)
    assert person.nomination_id == nomination.id and person.youth
    again = client.get(f"/invitation/{token}").get_data(as_text=True)
    assert 'id="already-registered"' in again


def test_moderated_registrations_wait_for_approval(client, session, economies, invited_symposium):
    session.add(RegistrationSettings(symposium_id=invited_symposium.id, moderated=True))
    session.commit()
    arrived = post_form(
        client, f"/register/{invited_symposium.id}", form(economies), follow_redirects=True
    ).get_data(as_text=True)
    assert "Thank you: the organisers will confirm your registration. A mail" in arrived
    (person,) = registrations(session)
    assert person.status == "pending"
    assert mails(session, "ana@example.pe")[0].subject.startswith("Registration received")


def test_the_manage_link_edits_and_a_wrong_one_is_a_404(
    client, session, economies, invited_symposium
):
    post_form(client, f"/register/{invited_symposium.id}", form(economies))
    token = MANAGE.search(mails(session, "ana@example.pe")[0].body).group(1)
    changed = post_form(
        client,
        f"/registration/{token}",
        {k: v for k, v in form(economies, job_title="Director").items() if k != "consent_privacy"},
    )
    assert changed.status_code == 302
    assert registrations(session)[0].job_title == "Director"
    assert client.get("/registration/" + "x" * 43).status_code == 404


def test_after_the_event_the_registrant_can_no_longer_change_or_cancel(
    client, session, economies, invited_symposium
):
    """Their details are the report's figures by then: corrections go through the PO."""
    post_form(client, f"/register/{invited_symposium.id}", form(economies))
    token = MANAGE.search(mails(session, "ana@example.pe")[0].body).group(1)
    symposium = session.get(Symposium, invited_symposium.id)
    today = dt.datetime.now(symposium.zone).date()  # the host's date, not this machine's
    for number, day in enumerate(symposium.days):  # the event ended yesterday
        day.date = today - dt.timedelta(days=len(symposium.days) - number)
    session.commit()

    page = client.get(f"/registration/{token}").get_data(as_text=True)
    assert "The symposium is over" in page and "Yes, cancel my registration" not in page
    edit = form(economies, sex="Male", economy_id=economies["Chile"].id)
    assert post_form(client, f"/registration/{token}", edit).status_code == 400
    cancelled = post_form(client, f"/registration/{token}/cancel", {}, follow_redirects=True)
    assert "The symposium is over" in cancelled.get_data(as_text=True)
    (person,) = registrations(session)
    assert (person.status, person.sex, person.economy.name) == ("confirmed", "Female", "Peru")


def test_registration_closes_after_the_deadline(client, session, economies, invited_symposium):
    symposium = session.get(Symposium, invited_symposium.id)
    # Yesterday in the host's time zone (this machine's date may be a day ahead of it).
    symposium.registration_deadline = dt.datetime.now(symposium.zone).date() - dt.timedelta(1)
    session.commit()
    response = post_form(client, f"/register/{symposium.id}", form(economies))
    assert "Registration closed on" in response.get_data(as_text=True)
    assert registrations(session) == []


def test_raising_the_capacity_gives_the_new_places_to_the_first_in_line(
    client, session, economies, create_symposium_record
):
    symposium = create_symposium_record(capacity=1)
    for name in ("first", "second", "third"):
        post_form(client, f"/register/{symposium.id}", form(economies, email=f"{name}@example.org"))
    update_symposium(session, symposium, replace(setup_of(symposium), capacity=2))
    session.commit()
    late = post_form(client, f"/register/{symposium.id}", form(economies, email="late@example.org"))
    assert late.status_code == 302
    statuses = {r.email: r.status for r in registrations(session)}
    assert statuses == {
        "first@example.org": "confirmed",
        "second@example.org": "confirmed",  # the new place: not the latecomer's
        "third@example.org": "waiting",
        "late@example.org": "waiting",
    }
    assert mails(session, "second@example.org")[-1].subject.startswith("You have a place")
    assert len(mails(session, "third@example.org")) == 1  # only the waiting-list mail
