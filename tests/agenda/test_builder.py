"""The agenda builder as an organiser uses it, through its pages, on both databases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from agenda.models import AgendaItem
from agenda.services import AgendaError, ItemInput, add_item
from symposium.services import DayPlan
from tests.agenda.conftest import day_items
from tests.conftest import post_form


def item_times(page: str) -> list[str]:
    return re.findall(r'class="text-nowrap item-time">([0-9:–]+)<', page)


def test_template_fills_the_days_and_the_times_follow(client, login, create_symposium_record):
    symposium = create_symposium_record()  # days start at 09:00 America/Lima
    login()
    url = f"/symposia/{symposium.id}/agenda"
    response = post_form(client, f"{url}/template", {"preset": "two-day-apec"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert item_times(page)[:7] == [
        "09:00–09:15",
        "09:15–09:45",
        "09:45–10:30",
        "10:30–10:40",
        "10:40–11:10",
        "11:10–11:40",
        "11:40–11:50",
    ]
    assert item_times(page)[7:] == [
        "09:00–09:15",
        "09:15–10:00",
        "10:00–10:20",
        "10:20–11:05",
        "11:05–11:15",
    ]
    # Keynotes and panels have no speaker yet: the builder says so.
    assert "has no speaker" in page
    # A second template on a filled agenda is refused, politely.
    again = post_form(client, f"{url}/template", {"preset": "two-day-apec"}, follow_redirects=True)
    assert "only fills an empty one" in again.get_data(as_text=True)


def test_the_templates_say_which_proposal_they_come_from(client, login, create_symposium_record):
    symposium = create_symposium_record()
    login()
    page = client.get(f"/symposia/{symposium.id}/agenda").get_data(as_text=True)
    options = dict(re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]*)</option>', page))
    assert options["two-day-apec"] == "2-day symposium (agenda of the e-commerce MSME proposal)"
    assert options["three-day"] == (
        "3-day symposium, about 3 hours a day "
        "(outline from the digital transformation proposal&#39;s topics)"
    )


def test_editing_a_duration_moves_everything_after_it(
    client, login, session, create_symposium_record
):
    symposium = create_symposium_record()
    login()
    post_form(client, f"/symposia/{symposium.id}/agenda/template", {"preset": "two-day-apec"})
    keynote = day_items(session, symposium, 1)[1]
    response = post_form(
        client,
        f"/symposia/{symposium.id}/agenda/items/{keynote.id}/edit",
        {"kind": "keynote", "title": keynote.title, "duration": "50", "description": ""},
    )
    assert response.status_code == 302
    page = client.get(f"/symposia/{symposium.id}/agenda").get_data(as_text=True)
    assert item_times(page)[1:4] == ["09:15–10:05", "10:05–10:50", "10:50–11:00"]
    # Calendars see the change: of the keynote, and of every item it pushed later.
    sequences = [item.sequence for item in day_items(session, symposium, 1)]
    assert sequences[:2] == [0, 1] and set(sequences[2:]) == {1}


def test_insert_move_cancel_and_restore(client, login, session, create_symposium_record):
    symposium = create_symposium_record()
    login()
    base = f"/symposia/{symposium.id}/agenda"
    post_form(client, f"{base}/template", {"preset": "two-day-apec"})
    first, second = day_items(session, symposium, 2)[:2]

    response = post_form(
        client,
        f"{base}/days/2/items/new",
        {
            "kind": "economy_presentation",
            "title": "Peru's experience",
            "duration": "20",
            "insert_at": str(first.id),
        },
    )
    assert response.status_code == 302
    titles = [i.title for i in day_items(session, symposium, 2)]
    assert titles[:3] == [first.title, "Peru's experience", second.title]

    post_form(client, f"{base}/items/{second.id}/move", {"direction": "up"})
    assert [i.title for i in day_items(session, symposium, 2)][1] == second.title

    last_sequence = day_items(session, symposium, 2)[-1].sequence
    post_form(client, f"{base}/items/{first.id}/cancel", {})
    stored = day_items(session, symposium, 2)
    assert stored[0].cancelled and stored[0].sequence >= 1
    page = client.get(base).get_data(as_text=True)
    assert item_times(page)[-6:-4] == ["09:00–09:15", "09:00–09:45"]  # the rest moved up

    post_form(client, f"{base}/items/{first.id}/cancel", {"restore": "1"})
    assert not day_items(session, symposium, 2)[0].cancelled
    # Each later item moved up and back: two changes more, for calendar programs to follow.
    assert day_items(session, symposium, 2)[-1].sequence == last_sequence + 2


def test_bad_item_input_gets_field_errors_and_saves_nothing(
    client, login, session, create_symposium_record
):
    symposium = create_symposium_record()
    login()
    response = post_form(
        client,
        f"/symposia/{symposium.id}/agenda/days/1/items/new",
        {
            "kind": "keynote",
            "title": "Keynote",
            "duration": "0",
            "materials": "javascript:alert(1)",
            "insert_at": "end",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Between 1 and 480 minutes." in page
    assert "is not a web address starting with https://" in page
    assert 'value="Keynote"' in page
    assert session.query(AgendaItem).count() == 0
    missing_day = post_form(
        client, f"/symposia/{symposium.id}/agenda/days/4/items/new", {"title": "x"}
    )
    assert missing_day.status_code == 404


def test_speakers_are_assigned_and_long_days_warned(
    client, login, session, create_symposium_record, create_speaker, economies
):
    symposium = create_symposium_record(daily_max_minutes=60)
    lan = create_speaker(symposium, economy=economies["Viet Nam"], organisation="Agency")
    login()
    base = f"/symposia/{symposium.id}/agenda"
    post_form(
        client,
        f"{base}/days/1/items/new",
        {
            "kind": "keynote",
            "title": "Keynote",
            "duration": "90",
            "speaker_ids": [str(lan.id)],
            "insert_at": "end",
        },
    )
    page = client.get(base).get_data(as_text=True)
    assert "Speakers: Nguyễn Thị Lan" in page
    assert "Day 1 runs 90 minutes, longer than the 60-minute maximum" in page
    assert "has no speaker" not in page


def test_speaker_form_validates_and_refuses_a_duplicate_email(
    client, login, session, create_symposium_record, create_speaker
):
    symposium = create_symposium_record()
    create_speaker(symposium, name="Daniel Fuentes", email="daniel@example.org")
    login()
    url = f"/symposia/{symposium.id}/agenda/speakers"
    duplicate = post_form(
        client,
        url,
        {"name": "D. Fuentes", "email": "DANIEL@example.org", "economy_id": "0", "sex": "Male"},
    )
    assert duplicate.status_code == 422
    assert "already listed" in duplicate.get_data(as_text=True)
    empty = post_form(client, url, {"name": "", "economy_id": "0", "sex": "Male"})
    assert empty.status_code == 422 and "This field is required" in empty.get_data(as_text=True)
    added = post_form(client, url, {"name": "Mei-Ling Chen", "economy_id": "0", "sex": "Female"})
    assert added.status_code == 302
    assert "Mei-Ling Chen" in client.get(url).get_data(as_text=True)


def test_a_speaker_in_an_item_cannot_be_removed(
    client, login, session, create_symposium_record, create_speaker
):
    symposium = create_symposium_record()
    lan = create_speaker(symposium)
    login()
    post_form(
        client,
        f"/symposia/{symposium.id}/agenda/days/1/items/new",
        {
            "kind": "keynote",
            "title": "Keynote",
            "duration": "30",
            "speaker_ids": [str(lan.id)],
            "insert_at": "end",
        },
    )
    response = post_form(
        client,
        f"/symposia/{symposium.id}/agenda/speakers/{lan.id}/delete",
        {},
        follow_redirects=True,
    )
    assert "take them out first" in response.get_data(as_text=True)


def test_day_start_moves_the_whole_day(client, login, session, create_symposium_record):
    symposium = create_symposium_record()
    login()
    post_form(client, f"/symposia/{symposium.id}/agenda/template", {"preset": "two-day-apec"})
    post_form(client, f"/symposia/{symposium.id}/agenda/days/1/start", {"day1-start_time": "07:30"})
    page = client.get(f"/symposia/{symposium.id}/agenda").get_data(as_text=True)
    assert item_times(page)[0] == "07:30–07:45"
    session.expire_all()
    assert day_items(session, symposium, 1)[0].day.start_time == dt.time(7, 30)


def test_a_day_cannot_start_at_a_time_the_clocks_skip(client, login, session, economies):
    """New York, Sun 14 Mar 2027: 02:00–03:00 does not happen. A start of 02:30 was taken, and
    the mail said 02:30 while the agenda and calendars said 03:30."""
    from symposium.services import SetupError, create_symposium
    from tests.conftest import symposium_setup

    days = [DayPlan(dt.date(2027, 3, 13)), DayPlan(dt.date(2027, 3, 14), dt.time(2, 30))]
    with pytest.raises(SetupError) as refused:
        create_symposium(session, symposium_setup(host_timezone="America/New_York", days=days))
    assert "02:30 on Sun 14 Mar 2027 does not exist in America/New_York" in str(
        refused.value.problems["days"]
    )
    session.rollback()
    days[1].start_time = dt.time(9, 0)
    symposium = create_symposium(
        session, symposium_setup(host_timezone="America/New_York", days=days)
    )
    session.commit()
    login()
    moved = post_form(client, f"/symposia/{symposium.id}/agenda/days/2/start",
                      {"day2-start_time": "02:30"}, follow_redirects=True)  # fmt: skip
    assert "Day 2: 02:30 on Sun 14 Mar 2027 does not exist" in moved.get_data(as_text=True)
    session.expire_all()
    assert symposium.days[1].start_time == dt.time(9, 0)


def test_a_speaker_booked_at_the_same_time_in_another_symposium_is_warned(
    client, login, session, create_symposium_record, create_speaker
):
    lima = create_symposium_record(title="Lima symposium")  # 09:00 Lima = 14:00 UTC
    hanoi = create_symposium_record(
        title="Hanoi symposium",
        host_timezone="Asia/Ho_Chi_Minh",
        days=[DayPlan(dt.date(2027, 3, 23), dt.time(21, 0)), DayPlan(dt.date(2027, 3, 24))],
    )  # 21:00 Hanoi = 14:00 UTC
    login()
    for symposium in (lima, hanoi):
        lan = create_speaker(symposium, email="lan@example.org")
        post_form(
            client,
            f"/symposia/{symposium.id}/agenda/days/1/items/new",
            {
                "kind": "keynote",
                "title": f"Keynote in {symposium.title}",
                "duration": "30",
                "speaker_ids": [str(lan.id)],
                "insert_at": "end",
            },
        )
    page = client.get(f"/symposia/{lima.id}/agenda").get_data(as_text=True)
    assert (
        "Nguyễn Thị Lan is due in “Keynote in Lima symposium” (Lima symposium) and in "
        "“Keynote in Hanoi symposium” (Hanoi symposium) at the same time."
    ) in page


def test_an_item_moves_to_another_day_and_both_days_close_up(
    client, login, session, create_symposium_record
):
    symposium = create_symposium_record()
    login()
    base = f"/symposia/{symposium.id}/agenda"
    post_form(client, f"{base}/template", {"preset": "two-day-apec"})
    keynote = day_items(session, symposium, 1)[1]
    response = post_form(
        client,
        f"{base}/items/{keynote.id}/edit",
        {"kind": "keynote", "title": keynote.title, "duration": "30", "day_number": "2"},
    )
    assert response.status_code == 302
    assert [i.title for i in day_items(session, symposium, 2)][-1] == keynote.title
    assert keynote.title not in [i.title for i in day_items(session, symposium, 1)]
    assert [i.position for i in day_items(session, symposium, 1)] == list(range(6))
    page = client.get(base).get_data(as_text=True)
    assert item_times(page)[1] == "09:15–10:00"  # the panel moved up into the keynote's slot
    assert item_times(page)[-1] == "11:15–11:45"  # the keynote closes day 2


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,x", "https://a b"])
def test_the_service_refuses_a_material_that_is_not_a_web_address(
    session, create_symposium_record, link
):
    """The form refuses these; so does the service under it (the demo, commands, tests)."""
    day = create_symposium_record().days[0]
    material = ItemInput(kind="presentation", title="Talk", duration=30, materials=(link,))
    with pytest.raises(AgendaError, match="is not a web address"):
        add_item(session, day, material)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 0
