"""Setting a symposium up through its form: what is saved, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from symposium.models import Symposium, SymposiumDay
from symposium.services import SetupError, create_symposium
from tests.conftest import at_once, logged_in_clients, post_form, symposium_setup


def form_data(economies=None, **overrides):
    """What an organiser fills in for a three-day symposium."""
    data = {
        "title": "Women in cross-border e-commerce",
        "project_number": "SME 06 2026A",
        "forum": "Small and Medium Enterprises Working Group (SMEWG)",
        "po_name": "Rosa Quispe",
        "po_email": "rosa.quispe@example.org",
        "host_timezone": "America/Lima",
        "days-0-date": "2027-03-29",
        "days-0-start_time": "08:00",
        "days-1-date": "2027-03-30",
        "days-1-start_time": "08:00",
        "days-2-date": "2027-04-01",
        "days-2-start_time": "09:30",
        "platform_name": "Zoom",
        "platform_url": "https://zoom.example.org/j/123",
        "languages": "English, Spanish",
        "interpretation": "Simultaneous English–Spanish interpretation",
        "nomination_deadline": "2027-02-26",
        "registration_deadline": "2027-03-19",
        "capacity": "120",
        "target_women_participants_pct": "50",
        "target_women_speakers_pct": "40",
        "target_attendees": "50",
        "target_economies": "7",
        "target_knowledge_pct": "60",
        "target_collaboration_pct": "60",
        "target_women_or_youth_pct": "30",
    }
    if economies:
        data["invited_economy_ids"] = [economy.id for economy in economies]
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_new_form_offers_the_defaults_and_the_member_economies(client, login):
    login()
    page = client.get("/symposia/new").get_data(as_text=True)
    assert 'name="target_knowledge_pct" type="number" value="60"' in page
    assert 'name="target_collaboration_pct" type="number" value="60"' in page
    assert "Hong Kong, China" in page and "Chinese Taipei" in page and "Viet Nam" in page
    assert "Non-member" not in page  # invitations go to member economies


def test_organiser_sets_up_a_three_day_symposium(client, login, session, economies):
    login()
    invited = [economies["Chile"], economies["Viet Nam"], economies["Peru"]]
    response = post_form(client, "/symposia/new", form_data(invited))
    assert response.status_code == 302, response.get_data(as_text=True)

    symposium = session.scalars(sa.select(Symposium)).one()
    assert response.headers["Location"] == f"/symposia/{symposium.id}"
    assert symposium.project_number == "SME 06 2026A"
    assert [(d.number, d.date, d.start_time) for d in symposium.days] == [
        (1, dt.date(2027, 3, 29), dt.time(8, 0)),
        (2, dt.date(2027, 3, 30), dt.time(8, 0)),
        (3, dt.date(2027, 4, 1), dt.time(9, 30)),
    ]
    assert symposium.languages == ["English", "Spanish"]
    assert [e.name for e in symposium.invited_economies] == ["Chile", "Peru", "Viet Nam"]
    assert symposium.target_women_speakers_pct == 40
    assert symposium.target_women_or_youth_pct == 30
    assert symposium.target_economies == 7
    assert symposium.capacity == 120

    detail = client.get(f"/symposia/{symposium.id}").get_data(as_text=True)
    # 08:00 in Lima is 13:00 UTC; the page says which zone each time is in.
    assert "08:00 America/Lima (UTC−05:00) = 13:00 UTC" in detail
    assert "Thu 1 Apr 2027" in detail
    assert "APEC economies represented" in detail


def test_editing_keeps_the_days_and_can_drop_the_third(client, login, session, economies):
    login()
    post_form(client, "/symposia/new", form_data([economies["Chile"]]))
    symposium = session.scalars(sa.select(Symposium)).one()
    first_day_id = symposium.days[0].id

    edit_page = client.get(f"/symposia/{symposium.id}/edit").get_data(as_text=True)
    assert (
        'value="2027-04-01"' in edit_page
        and 'value="Women in cross-border e-commerce"' in edit_page
    )

    response = post_form(
        client,
        f"/symposia/{symposium.id}/edit",
        form_data([economies["Mexico"]], title="Renamed", **{"days-2-date": ""}),
    )
    assert response.status_code == 302
    session.expire_all()
    symposium = session.get(Symposium, symposium.id)
    assert symposium.title == "Renamed"
    assert [d.date for d in symposium.days] == [dt.date(2027, 3, 29), dt.date(2027, 3, 30)]
    assert symposium.days[0].id == first_day_id
    assert [e.name for e in symposium.invited_economies] == ["Mexico"]
    assert count(session, SymposiumDay) == 2


BAD_INPUT = [
    ({"host_timezone": "Mars/Olympus_Mons"}, "host_timezone", "is not an IANA time zone"),
    ({"host_timezone": "EST5EDT; DROP TABLE"}, "host_timezone", "is not an IANA time zone"),
    ({"days-1-date": "2027-03-28"}, "days", "each on a later date"),
    ({"days-1-date": "2027-03-29"}, "days", "each on a later date"),
    ({"days-3-date": "2027-04-02"}, "days", "2 or 3 days; 4 dates were given"),
    ({"days-1-date": "", "days-2-date": ""}, "days", "give at least two dates"),
    ({"days-1-date": ""}, "days", "Fill the days in order"),
    ({"days-0-date": "2027-02-30"}, "days-0-date", "Not a valid date"),
    (
        {"target_women_participants_pct": "140"},
        "target_women_participants_pct",
        "between 0 and 100",
    ),
    ({"target_knowledge_pct": "-5"}, "target_knowledge_pct", "between 0 and 100"),
    ({"target_attendees": "many"}, "target_attendees", "Not a valid integer"),
    ({"target_economies": "22"}, "target_economies", "APEC has 21 member economies"),
    ({"target_economies": "-1"}, "target_economies", "enter 0 to 21"),
    ({"capacity": "0"}, "capacity", "at least 1"),
    ({"po_email": "not-an-address"}, "po_email", "valid e-mail address"),
    ({"title": "  "}, "title", "This field is required"),
    ({"platform_url": "javascript:alert(1)"}, "platform_url", "Enter a web address"),
    (
        {"nomination_deadline": "2027-03-20", "registration_deadline": "2027-03-19"},
        "nomination_deadline",
        "must not fall after the registration deadline",
    ),
    ({"registration_deadline": "2027-03-30"}, "registration_deadline", "after the first day"),
]


def test_saving_says_what_may_be_wrong_without_refusing_it(client, login, session, economies):
    """A new symposium dated in the past, or a target of more economies than are invited, is
    saved (recording a past event is legitimate) but said at once."""
    login()
    past = {
        "days-0-date": "2020-05-10", "days-1-date": "2020-05-11", "days-2-date": "2020-05-12",
        "nomination_deadline": "2020-04-01", "registration_deadline": "2020-04-20",
    }  # fmt: skip
    invited = [economies["Chile"], economies["Peru"]]
    saved = post_form(client, "/symposia/new", form_data(invited, **past), follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "The first day, 10 May 2020, is in the past" in page
    assert "The target is 7 economies represented, but 2 are invited" in page
    symposium = session.scalars(sa.select(Symposium)).one()

    again = post_form(
        client, f"/symposia/{symposium.id}/edit", form_data(invited, **past, target_economies="2")
    )
    assert again.status_code == 302
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "is in the past" not in shown and "economies represented, but" not in shown


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_setup_gets_a_field_error_and_saves_nothing(
    client, login, session, change, field, message
):
    login()
    response = post_form(client, "/symposia/new", form_data(**change))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    # The message sits under its own field, and what was typed is still there.
    assert f'id="{field}-error"' in page
    assert 'value="SME 06 2026A"' in page
    assert count(session, Symposium) == 0
    assert count(session, SymposiumDay) == 0


def test_every_problem_is_reported_at_once(client, login):
    login()
    response = post_form(
        client,
        "/symposia/new",
        form_data(
            host_timezone="Nowhere/City",
            target_knowledge_pct="101",
            **{"days-1-date": "2027-03-01"},
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("host_timezone", "days", "target_knowledge_pct"):
        assert f'id="{field}-error"' in page


def test_the_same_new_symposium_sent_twice_is_set_up_once(client, login, session):
    login()
    data = form_data(project_number="SME 02 2026A", title="Second symposium")
    assert post_form(client, "/symposia/new", data).status_code == 302
    # Sent again (the page reloaded, or the button pressed again), with other spacing and case.
    again = post_form(
        client, "/symposia/new", {**data, "title": " second SYMPOSIUM", "capacity": "90"}
    )
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert 'id="project_number-error"' in text
    assert "“Second symposium” (SME 02 2026A) is already set up, since" in text
    assert count(session, Symposium) == 1
    # Another symposium of the same project (a second event) has a title of its own.
    other = {**data, "title": "Second symposium: follow-up"}
    assert post_form(client, "/symposia/new", other).status_code == 302
    assert count(session, Symposium) == 2


def test_the_same_new_symposium_sent_at_the_same_moment_is_set_up_once(
    app, session, create_user_account
):
    """Two tabs (or a double click that got past the page's script) at once: there is no row
    to lock yet, so creations queue on a lock of their own and the later ones find the first."""
    clients = logged_in_clients(app, create_user_account().email, 4)
    data = form_data(project_number="SME 02 2026A", title="Second symposium")
    pages = at_once(clients, "/symposia/new", data)
    saved = [page for page in pages if "Saved “Second symposium”." in page]
    refused = [page for page in pages if "(SME 02 2026A) is already set up, since" in page]
    assert (len(saved), len(refused)) == (1, 3)
    assert count(session, Symposium) == 1


def test_bad_edit_changes_nothing(client, login, session, create_symposium_record):
    symposium = create_symposium_record(title="Before")
    login()
    response = post_form(
        client,
        f"/symposia/{symposium.id}/edit",
        form_data(title="After", target_women_speakers_pct="140"),
    )
    assert response.status_code == 422
    session.expire_all()
    again = session.get(Symposium, symposium.id)
    assert again.title == "Before"
    assert [d.date for d in again.days] == [dt.date(2027, 3, 23), dt.date(2027, 3, 24)]


def test_unknown_economy_is_refused(client, login, session):
    login()
    response = post_form(client, "/symposia/new", form_data(invited_economy_ids=["99999"]))
    assert response.status_code == 422
    assert "is not a valid choice" in response.get_data(as_text=True)
    assert count(session, Symposium) == 0


def test_list_shows_every_symposium_with_its_dates_and_zone(client, login, create_symposium_record):
    create_symposium_record(title="Lima symposium")
    create_symposium_record(
        title="Auckland symposium",
        project_number="DESG 02 2026",
        host_timezone="Pacific/Auckland",
    )
    login("viewer")
    page = client.get("/symposia").get_data(as_text=True)
    assert "Lima symposium" in page and "Auckland symposium" in page
    assert "Tue 23 Mar 2027, Wed 24 Mar 2027" in page
    assert "Pacific/Auckland" in page and "America/Lima" in page


def test_text_is_escaped(client, login, create_symposium_record):
    symposium = create_symposium_record(title='<script>alert("x")</script>')
    login("viewer")
    for url in ("/symposia", f"/symposia/{symposium.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page


def test_missing_symposium_is_a_404_page(client, login):
    login()
    response = client.get("/symposia/4040")
    assert response.status_code == 404
    assert "There is no such page" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "https://"]
)
def test_the_service_refuses_a_join_link_that_is_not_a_web_address(session, link):
    """The form refuses these; so does the service under it (the demo, commands, tests)."""
    with pytest.raises(SetupError) as refused:
        create_symposium(session, symposium_setup(platform_url=link))
    assert refused.value.problems == {"platform_url": "Give a web address starting with https://."}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Symposium)) == 0
