"""What the agenda and attendance keep when an organiser changes a symposium's days in the
set-up form: a day with items or attendance is not removed unseen, and moved days move their
items in subscribed calendars. On both databases."""

from __future__ import annotations

import re

import sqlalchemy as sa

from agenda.models import AgendaItem
from agenda.services import ItemInput, add_item
from registration.attendance import check_in
from registration.models import Registration
from symposium.models import Symposium
from tests.conftest import post_form
from tests.symposium.test_setup import form_data


def three_day_symposium(client, session, economies) -> Symposium:
    invited = [economies["Chile"], economies["Peru"]]
    assert post_form(client, "/symposia/new", form_data(invited)).status_code == 302
    return session.scalars(sa.select(Symposium)).one()


def test_a_day_with_agenda_items_or_attendance_is_not_removed_unseen(
    client, login, session, economies
):
    login()
    symposium = three_day_symposium(client, session, economies)
    third = symposium.days[2]
    add_item(session, third, ItemInput(kind="keynote", title="Day three keynote", duration=30))
    session.commit()
    invited = [economies["Chile"], economies["Peru"]]
    two_days = form_data(invited, **{"days-2-date": "", "days-2-start_time": ""})
    edit = f"/symposia/{symposium.id}/edit"

    refused = post_form(client, edit, two_days)
    assert refused.status_code == 422
    page = " ".join(refused.get_data(as_text=True).split())
    assert "Removing day 3 would delete 1 agenda item: move or remove them first" in page
    session.expire_all()
    assert len(session.get(Symposium, symposium.id).days) == 3
    assert session.scalar(sa.select(sa.func.count(AgendaItem.id))) == 1

    # Without the item, the attendance recorded for the day holds it too.
    session.delete(session.scalars(sa.select(AgendaItem)).one())
    person = Registration(
        symposium_id=symposium.id, economy_id=economies["Peru"].id, given_name="Ana",
        family_name="Pérez", email="ana@example.pe", sex="Female", organisation="PRODUCE",
        organisation_type="Government", job_title="Analyst", youth=False, role="participant",
        status="confirmed", timezone="America/Lima", privacy_notice_version=1,
    )  # fmt: skip
    session.add(person)
    session.flush()
    check_in(session, person, third, third.starts_at, None, None)
    session.commit()
    refused = post_form(client, edit, two_days)
    assert "would delete the attendance recorded for it" in refused.get_data(as_text=True)


def test_a_day_without_anything_on_it_is_removed(client, login, session, economies):
    login()
    symposium = three_day_symposium(client, session, economies)
    invited = [economies["Chile"], economies["Peru"]]
    two_days = form_data(invited, **{"days-2-date": "", "days-2-start_time": ""})
    assert post_form(client, f"/symposia/{symposium.id}/edit", two_days).status_code == 302
    session.expire_all()
    assert len(session.get(Symposium, symposium.id).days) == 2


def test_moving_a_days_start_in_the_set_up_moves_its_items_in_calendars(
    client, login, session, economies
):
    """The builder's own start field already raised SEQUENCE; the set-up form did not, so
    subscribed calendars kept the old times."""
    login()
    symposium = three_day_symposium(client, session, economies)
    add_item(session, symposium.days[0], ItemInput(kind="keynote", title="Opening", duration=30))
    session.commit()
    feed = f"/agenda/{symposium.id}/day-1.ics"
    before = client.get(feed).get_data(as_text=True)
    assert "SEQUENCE:0" in before and re.search(r"DTSTART;TZID=America/Lima:\d{8}T080000", before)
    invited = [economies["Chile"], economies["Peru"]]
    later = form_data(invited, **{"days-0-start_time": "11:00"})
    assert post_form(client, f"/symposia/{symposium.id}/edit", later).status_code == 302
    after = client.get(feed).get_data(as_text=True)
    assert re.search(r"DTSTART;TZID=America/Lima:\d{8}T110000", after)
    assert "SEQUENCE:1" in after
    # Another host time zone: the same clock time is another instant.
    tokyo = form_data(invited, **{"days-0-start_time": "11:00", "host_timezone": "Asia/Tokyo"})
    assert post_form(client, f"/symposia/{symposium.id}/edit", tokyo).status_code == 302
    moved = client.get(feed).get_data(as_text=True)
    assert re.search(r"DTSTART;TZID=Asia/Tokyo:\d{8}T110000", moved) and "SEQUENCE:2" in moved
    # The join link, given later, is in every registrant's event: those must update too.
    linked = {**tokyo, "platform_url": "https://zoom.example.org/j/1"}
    assert post_form(client, f"/symposia/{symposium.id}/edit", linked).status_code == 302
    assert "SEQUENCE:3" in client.get(feed).get_data(as_text=True)
