"""Whom the survey asks and counts: participants who are still registered. Speakers and
organisers are not asked (the outcome figures are the participants'), nor an agenda speaker who
registered as a participant; a registration cancelled before answering loses its link and its
reminders, and leaves the response rate."""

from __future__ import annotations

import sqlalchemy as sa

from agenda.models import ItemPerson, Speaker
from registration.attendance_models import DayAttendance
from symposium.models import OutboxMessage
from tests.conftest import post_form
from tests.reports.conftest import add_item
from tests.surveys.conftest import link_path


def test_the_survey_asks_and_counts_participants_still_registered(
    client, login, session, survey, held_symposium, attended_registrants, create_registration
):
    day = held_symposium.days[0]
    for role in ("speaker", "moderator", "organiser", "participant"):
        person = create_registration(
            held_symposium, given_name=role.title(), email=f"{role}@example.org",
            role=role, consent_evaluation=True,
        )  # fmt: skip
        session.add(DayAttendance(registration_id=person.id, day_id=day.id, minutes=90,
                                  attended=True))  # fmt: skip
    # Zoë is on the agenda too, entered without her e-mail, her name typed without accents.
    zoe = create_registration(held_symposium, given_name="Zoë", family_name="Çelik",
                              email="zoe@example.pe", consent_evaluation=True)  # fmt: skip
    session.add(DayAttendance(registration_id=zoe.id, day_id=day.id, minutes=90, attended=True))
    # The participant is a panellist of the agenda who registered on the open form.
    item = add_item(session, day.id, 0)
    for panellist in [
        Speaker(symposium_id=held_symposium.id, name="P", email="PARTICIPANT@example.org"),
        Speaker(symposium_id=held_symposium.id, name="CELIK zoe", economy_id=zoe.economy_id),
    ]:
        session.add(panellist)
        session.flush()
        session.add(ItemPerson(item_id=item.id, speaker_id=panellist.id, role="speaker"))
    session.commit()
    login()
    survey_page = f"/symposia/{survey.symposium_id}/survey"
    opened = post_form(client, f"{survey_page}/open", {}, follow_redirects=True)
    assert "2 people invited" in opened.get_data(as_text=True)
    invited = session.scalars(sa.select(OutboxMessage.recipient).order_by(OutboxMessage.recipient))
    assert list(invited) == ["ana@example.org", "ben@example.org"]

    # Ben cancels (here through the organisers) before answering.
    ben_link = link_path(session, "ben@example.org")
    registrations = f"/symposia/{held_symposium.id}/registrations"
    post_form(client, f"{registrations}/{attended_registrants.ben.id}/status",
              {"status": "cancelled"})  # fmt: skip
    assert client.get(ben_link).status_code == 404
    reminded = post_form(client, f"{survey_page}/reminders", {}, follow_redirects=True)
    assert "Reminder queued for 1 person." in reminded.get_data(as_text=True)
    reminders = session.scalars(
        sa.select(OutboxMessage.recipient).where(
            OutboxMessage.idempotency_key.like("survey-reminder:%")
        )
    )
    assert list(reminders) == ["ana@example.org"]
    page = client.get(survey_page).get_data(as_text=True)
    assert "0 of 1" in page  # Ana alone is still asked

    report = client.get(f"/api/symposia/{held_symposium.id}/report").get_json()
    assert report["survey"]["invited"] == 1
