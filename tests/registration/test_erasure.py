"""Erasing a person: gone from every table, mail and export, while the counts stay right."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from registration.attendance_models import AttendanceImport, AttendanceRow, DayAttendance
from registration.models import Nomination, Registration, RegistrationInvitation
from symposium.db import Base
from symposium.models import OutboxMessage
from symposium.outbox import queue_mail
from tests.conftest import csrf_token, post_form
from tests.registration.test_registration import MANAGE, form, mails, registrations


def _traces(session, symposium, registration):
    """A nomination, a linked attendance report row and a mail for ``registration``."""
    nomination = Nomination(
        symposium_id=symposium.id,
        economy_id=registration.economy_id,
        given_name=registration.given_name,
        family_name=registration.family_name,
        email=registration.email,
        sex=registration.sex,
        organisation=registration.organisation,
        organisation_type="Government",
        job_title="Analyst",
        note="Speaks on trade",
        status="accepted",
    )
    nomination.invitation = RegistrationInvitation(token_hash="a" * 64)
    session.add(nomination)
    report = AttendanceImport(
        symposium_id=symposium.id,
        day_id=symposium.days[0].id,
        source="zoom",
        filename="day1.csv",
        timezone="UTC",
    )
    session.add(report)
    session.flush()
    joined = dt.datetime(2027, 1, 1, 14, 0)
    report.rows.append(
        AttendanceRow(
            line=1,
            name=registration.full_name,
            email=registration.email,
            joined_at=joined,
            left_at=joined + dt.timedelta(minutes=90),
            status="matched",
            registration_id=registration.id,
        )
    )
    registration = session.get(Registration, registration.id)
    registration.nomination_id = nomination.id
    session.add(
        DayAttendance(
            registration_id=registration.id, day_id=report.day_id, minutes=90, attended=True
        )
    )
    queue_mail(session, "test-mail", registration.email, "Registration confirmed", "Dear Rosa")
    session.commit()
    return nomination


def test_erasing_removes_the_person_everywhere_and_keeps_the_counts(
    app, client, login, session, invited_symposium, create_registration, caplog
):
    person = create_registration(
        invited_symposium,
        given_name="Rosa",
        family_name="Mamani",
        email="rosa@example.pe",
        organisation="PRODUCE",
        accessibility_needs="Captions",
        youth=True,
        manage_token_hash="b" * 64,
    )
    create_registration(invited_symposium, sex="Male")
    nomination = _traces(session, invited_symposium, person)
    user = login()
    base = f"/symposia/{invited_symposium.id}/registrations"
    summary_before = client.get(f"{base}/summary.csv").data
    url = f"{base}/{person.id}/erase"

    page = client.get(url).get_data(as_text=True)
    assert "Rosa Mamani" in page and "I understand this cannot be undone" in page
    assert post_form(client, url, {}).status_code == 422
    session.expire_all()
    assert session.get(Registration, person.id).email == "rosa@example.pe"

    caplog.set_level(logging.INFO, logger=app.logger.name)
    response = post_form(client, url, {"understood": "y"})
    assert response.status_code == 302
    session.expire_all()
    erased = session.get(Registration, person.id)
    assert (erased.given_name, erased.family_name, erased.email) == ("", "", None)
    assert (erased.organisation, erased.job_title, erased.accessibility_needs) == ("", "", "")
    assert erased.manage_token_hash is None and erased.erased_by_id == user.id
    assert erased.erased_at is not None
    kept = (erased.economy_id, erased.sex, erased.youth, erased.organisation_type, erased.role)
    assert kept == (person.economy_id, "Female", True, "Government", "participant")
    assert erased.status == "confirmed"
    assert session.scalar(sa.select(DayAttendance.attended)) is True
    # Nowhere in the database, in any letter case (a name's matching key included).
    for table in Base.metadata.sorted_tables:
        for row in session.execute(sa.select(table)):
            text = " ".join(str(value) for value in row).casefold()
            assert "rosa" not in text and "mamani" not in text, table.name

    nomination = session.get(Nomination, nomination.id)
    assert "Rosa" not in nomination.given_name + nomination.family_name
    assert nomination.email == "erased" and nomination.note == nomination.organisation == ""
    assert nomination.invitation.revoked_at is not None
    row = session.scalars(sa.select(AttendanceRow)).one()
    assert (row.name, row.email) == ("", "")
    mail = session.scalars(sa.select(OutboxMessage)).one()
    assert (mail.recipient, mail.body, mail.attachments) == ("erased", "(erased)", [])
    assert mail.subject == "Registration confirmed"
    assert mail.status == "failed"  # still queued: never sent to "erased"

    exports = client.get(f"{base}.csv").data + client.get(f"{base}.xlsx").data
    exports += client.get(base).data
    assert b"Rosa" not in exports and b"rosa@example.pe" not in exports
    assert client.get(f"{base}/summary.csv").data == summary_before
    logged = [r.getMessage() for r in caplog.records if "erased" in r.getMessage()]
    assert logged == [f"Registration {person.id} erased by user {user.id}"]
    # Erased once is enough: the page does not offer it again.
    assert client.get(url).status_code == 302


def test_an_erased_speaker_leaves_the_agenda_and_is_still_counted_once(
    client, login, session, invited_symposium, create_registration, economies
):
    """The same person as a speaking registrant and on the agenda (one e-mail address), and a
    participant who also speaks on the agenda: both erased, the agenda and its downloads show
    neither, and the report counts the same speakers before and after."""
    from agenda.services import ItemInput, add_item
    from agenda.speakers import SpeakerInput, save_speaker

    symposium = invited_symposium
    both = create_registration(
        symposium, given_name="Rosa", family_name="Mamani", email="rosa@example.pe", role="speaker"
    )
    listener = create_registration(
        symposium, given_name="Kenji", family_name="Sato", email="kenji@example.jp", sex="Male"
    )
    people = [
        save_speaker(session, symposium, SpeakerInput(name, email, economies[economy].id, org, sex))
        for name, email, economy, org, sex in (
            ("Rosa Mamani", "Rosa@Example.pe", "Peru", "PRODUCE", "Female"),
            ("Kenji Sato", "kenji@example.jp", "Chile", "JETRO Santiago", "Male"),
            ("Lan Nguyen", "lan@example.vn", "Viet Nam", "E-commerce Agency", "Female"),
        )
    ]
    ids = tuple(speaker.id for speaker in people)
    add_item(session, symposium.days[0], ItemInput("panel", "Panel", 60, "", ids))
    session.commit()
    login()
    agenda_urls = (f"/agenda/{symposium.id}", f"/agenda/{symposium.id}.ics")
    agenda_urls += (f"/agenda/{symposium.id}.csv", f"/agenda/{symposium.id}.pdf")
    before = client.get(f"/api/symposia/{symposium.id}/report").get_json()["speakers"]
    assert "Rosa Mamani" in client.get(agenda_urls[0]).get_data(as_text=True)
    assert before["total"] == 3 and before["by_sex"]["Female"] == 2

    for registration in (both, listener):
        url = f"/symposia/{symposium.id}/registrations/{registration.id}/erase"
        assert post_form(client, url, {"understood": "y"}).status_code == 302

    after = client.get(f"/api/symposia/{symposium.id}/report").get_json()["speakers"]
    assert (after["total"], after["by_sex"], after["women"]) == (
        before["total"], before["by_sex"], before["women"]
    )  # fmt: skip
    for url in agenda_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data().decode("utf-8", "replace")
        for trace in ("Mamani", "rosa@", "PRODUCE", "Kenji", "kenji@", "JETRO"):
            assert trace not in text, (url, trace)
    assert "Lan Nguyen" in client.get(agenda_urls[0]).get_data(as_text=True)
    session.expire_all()
    rosa, kenji, lan = (session.get(type(p), p.id) for p in people)
    assert (rosa.name, rosa.email, rosa.organisation, rosa.sex) == (
        "(erased)",
        None,
        None,
        "Female",
    )
    assert (rosa.erased_registration_id, kenji.erased_registration_id) == (both.id, listener.id)
    assert lan.erased_registration_id is None and lan.email == "lan@example.vn"


def test_an_erased_participant_on_the_agenda_under_their_name_is_still_counted_once(
    client, login, session, invited_symposium, create_registration, economies
):
    """Lan registered on the open form; the organisers put her on the agenda by name alone,
    typed without accents. The report counts her once, as a speaker; erased, she leaves the
    agenda and is still counted once. A namesake of another sex is another person: kept."""
    from agenda.services import ItemInput, add_item
    from agenda.speakers import SpeakerInput, save_speaker

    symposium, viet_nam = invited_symposium, economies["Viet Nam"].id
    lan = create_registration(symposium, given_name="Lan", family_name="Nguyễn Thị",
                              email="lan@example.vn", economy="Viet Nam")  # fmt: skip
    people = [
        save_speaker(session, symposium, SpeakerInput(name, email, viet_nam, "", sex))
        for name, email, sex in (
            ("NGUYEN THI Lan", None, "Prefer not to say"),
            ("Lan Nguyen Thi", "lan.n@example.vn", "Male"),
        )
    ]
    add_item(session, symposium.days[0], ItemInput("panel", "Panel", 60, "", (people[0].id,)))
    add_item(session, symposium.days[1], ItemInput("panel", "Panel 2", 60, "", (people[1].id,)))
    session.commit()
    login()
    report = f"/api/symposia/{symposium.id}/report"

    def counts() -> tuple:
        figures = client.get(report).get_json()
        return figures["speakers"]["total"], figures["participants"]["registered"]["total"]

    before = counts()
    assert before == (2, 0)  # Lan (the agenda's and her registration) and the male namesake
    url = f"/symposia/{symposium.id}/registrations/{lan.id}/erase"
    assert post_form(client, url, {"understood": "y"}).status_code == 302
    assert counts() == before
    session.expire_all()
    her, namesake = (session.get(type(p), p.id) for p in people)
    assert (her.name, her.erased_registration_id) == ("(erased)", lan.id)
    assert (namesake.name, namesake.erased_registration_id) == ("Lan Nguyen Thi", None)


def test_an_erased_person_leaves_the_waiting_list_and_cancellations_still_promote(
    client, login, session, economies, create_symposium_record
):
    """Erased while waiting: nobody is left to give the place to or to tell, so the person
    leaves the line, and the next cancellation promotes the one behind them."""
    symposium = create_symposium_record(capacity=1)
    for name in ("first", "second", "third"):
        fields = form(economies, email=f"{name}@example.org", given_name=name)
        assert post_form(client, f"/register/{symposium.id}", fields).status_code == 302
    second = registrations(session)[1]
    login()
    erase = f"/symposia/{symposium.id}/registrations/{second.id}/erase"
    assert post_form(client, erase, {"understood": "y"}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert [r.status for r in registrations(session)] == ["confirmed", "cancelled", "waiting"]

    token = MANAGE.search(mails(session, "first@example.org")[0].body).group(1)
    assert post_form(client, f"/registration/{token}/cancel", {}).status_code == 302
    assert [r.status for r in registrations(session)] == ["cancelled", "cancelled", "confirmed"]
    assert mails(session, "third@example.org")[-1].subject.startswith("You have a place")
