"""Dates in the circular's texts that the set-up no longer has: the organiser moves the
symposium or a deadline after writing the circular, and the circular, its edit page and the
distribution page say which text still gives which old date, without blocking anything."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import pytest
import sqlalchemy as sa

from registration.circular_dates import date_mentions
from registration.circular_services import circular_texts_defaults
from symposium.models import OutboxMessage
from symposium.services import setup_of
from tests.conftest import post_form

INTRODUCTION = (
    "The SMEWG invites member economies to the virtual symposium, held on "
    "**Tuesday 23 March and Wednesday 24 March 2027**."
)
MOVED = {"days-0-date": "2027-03-30", "days-1-date": "2027-03-31"}


@pytest.fixture
def symposium(create_symposium_record, economies):
    """Lima hosts on 23–24 March 2027; nominations close on Friday 5 March 2027."""
    return create_symposium_record(
        invited_economy_ids=[economies["Peru"].id, economies["Viet Nam"].id],
        nomination_deadline=dt.date(2027, 3, 5),
        registration_deadline=dt.date(2027, 3, 16),
    )


def setup_form(symposium, **overrides: str) -> dict:
    """The set-up form as the edit page fills it, with ``overrides`` typed in."""
    setup = setup_of(symposium)
    data: dict = {
        name: "" if value is None else str(value)
        for name, value in dataclasses.asdict(setup).items()
        if name not in {"days", "languages", "invited_economy_ids"}
    }
    data["languages"] = ", ".join(setup.languages)
    data["invited_economy_ids"] = setup.invited_economy_ids
    for index, day in enumerate(setup.days):
        data[f"days-{index}-date"] = day.date.isoformat()
        data[f"days-{index}-start_time"] = day.start_time.strftime("%H:%M")
    data.update(overrides)
    return data


def change_setup(client, session, symposium, **overrides: str) -> None:
    """The organiser changes the set-up through its form."""
    response = post_form(
        client, f"/symposia/{symposium.id}/edit", setup_form(symposium, **overrides)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()


def write_circular(client, symposium, **texts: str) -> None:
    """The organiser saves the circular from the default texts, with ``texts`` written in."""
    fields = {**dataclasses.asdict(circular_texts_defaults(symposium)), **texts}
    response = post_form(
        client, f"/symposia/{symposium.id}/circular/edit", {**fields, "save": "Save"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def warnings_on(client, path: str) -> list[str]:
    """The outdated-date warnings a page shows, as the organiser reads them."""
    page = client.get(path).get_data(as_text=True)
    if 'id="outdated-dates"' not in page:
        return []
    box = page[page.index('id="outdated-dates"') :]
    box = box[: box.index("</ul>")]
    return [html.unescape(item.split("</li>")[0]) for item in box.split("<li>")[1:]]


def test_moved_days_and_deadline_are_named_on_the_circular_and_before_sending(
    client, login, session, symposium, create_focal_point
):
    login()
    create_focal_point(symposium, "Peru")
    write_circular(client, symposium, introduction=INTRODUCTION)
    circular = f"/symposia/{symposium.id}/circular"
    assert warnings_on(client, circular) == []

    change_setup(client, session, symposium, nomination_deadline="2027-03-12", **MOVED)

    expected = [
        "The “Introduction” text still says Tuesday 23 March; "
        "the symposium now starts on Tuesday 30 March 2027.",
        "The “Introduction” text still says Wednesday 24 March 2027; "
        "day 2 is now Wednesday 31 March 2027.",
        "The “Nomination procedure” text still says Friday 5 March 2027; "
        "the nomination deadline is now Friday 12 March 2027.",
    ]
    assert sorted(warnings_on(client, circular)) == sorted(expected)
    assert sorted(warnings_on(client, f"{circular}/edit")) == sorted(expected)
    # The tables already follow the set-up: only the prose is behind.
    assert "Tue 30 Mar 2027" in client.get(circular).get_data(as_text=True)

    distribution = f"/symposia/{symposium.id}/distribution"
    page = client.get(distribution).get_data(as_text=True)
    assert sorted(warnings_on(client, distribution)) == sorted(expected)
    assert page.index('id="outdated-dates"') < page.index("Distribute version 1")
    # A warning, not a refusal: the organiser may still send.
    sent = post_form(client, f"{distribution}/send", {}, follow_redirects=True)
    assert "Version 1 queued for 1 focal point." in sent.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_no_warning_until_a_date_changes(client, login, session, symposium):
    login()
    write_circular(client, symposium, introduction=INTRODUCTION)
    circular = f"/symposia/{symposium.id}/circular"
    change_setup(client, session, symposium, title="Digital skills for women-led MSMEs")
    assert warnings_on(client, circular) == []
    assert warnings_on(client, f"/symposia/{symposium.id}/distribution") == []

    change_setup(client, session, symposium, registration_deadline="2027-03-17")
    assert warnings_on(client, circular) == [
        "The “Registration instructions” text still says Tuesday 16 March 2027; "
        "the registration deadline is now Wednesday 17 March 2027."
    ]


def test_no_warning_once_the_texts_give_the_new_dates(client, login, session, symposium):
    login()
    write_circular(client, symposium, introduction=INTRODUCTION)
    change_setup(client, session, symposium, nomination_deadline="2027-03-12", **MOVED)
    circular = f"/symposia/{symposium.id}/circular"
    assert len(warnings_on(client, circular)) == 3

    corrected = {
        **dataclasses.asdict(circular_texts_defaults(symposium)),  # now Friday 12 March 2027
        "introduction": INTRODUCTION.replace("23 March", "30 March").replace("24", "31"),
    }
    preview = post_form(client, f"{circular}/edit", {**corrected, "preview": "Preview"})
    assert 'id="outdated-dates"' not in preview.get_data(as_text=True)
    write_circular(client, symposium, **corrected)
    assert warnings_on(client, circular) == []
    assert warnings_on(client, f"/symposia/{symposium.id}/distribution") == []


def test_a_date_the_set_up_still_has_is_not_called_old(client, login, session, symposium):
    """Days moved one day later: the old day 2 is the new day 1, so a text giving it may be
    right; only the day the symposium no longer has is named."""
    login()
    write_circular(client, symposium, introduction=INTRODUCTION)
    change_setup(
        client, session, symposium, **{"days-0-date": "2027-03-24", "days-1-date": "2027-03-25"}
    )
    assert warnings_on(client, f"/symposia/{symposium.id}/circular") == [
        "The “Introduction” text still says Tuesday 23 March; "
        "the symposium now starts on Wednesday 24 March 2027."
    ]


def test_only_the_texts_that_give_an_old_date_are_named(client, login, session, symposium):
    login()
    write_circular(
        client,
        symposium,
        introduction="The SMEWG invites you.",
        nomination_procedure="Focal points nominate through their link.",
    )
    change_setup(client, session, symposium, nomination_deadline="2027-03-12", **MOVED)
    change_setup(client, session, symposium, registration_deadline="2027-03-19")
    assert warnings_on(client, f"/symposia/{symposium.id}/circular") == [
        "The “Registration instructions” text still says Tuesday 16 March 2027; "
        "the registration deadline is now Friday 19 March 2027."
    ]


def test_warning_escapes_what_the_organiser_wrote(client, login, session, symposium):
    login()
    write_circular(
        client, symposium, introduction="<b>Tuesday 23 March 2027</b> <script>x</script>"
    )
    change_setup(client, session, symposium, **MOVED)
    page = client.get(f"/symposia/{symposium.id}/circular").get_data(as_text=True)
    box = page[
        page.index('id="outdated-dates"') : page.index("</ul>", page.index('id="outdated-dates"'))
    ]
    assert "still says Tuesday 23 March 2027;" in box and "<script>" not in box


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("by **Tuesday 23 March 2027**.", ["Tuesday 23 March 2027"]),
        ("from 23 to 24 March 2027", ["23 to 24 March 2027"]),
        ("on 22, 23 and 24 March", ["22, 23 and 24 March"]),
        ("on March 23, 2027", ["March 23, 2027"]),
        ("Tue, 23rd of March 2027", ["Tue, 23rd of March 2027"]),
        ("2027-03-23", ["2027-03-23"]),
        ("on 23 Mar. 2027", ["23 Mar. 2027"]),
        ("123 March, 3 March 2027, 23 March 2026, March 2027, 23 Marching", []),
    ],
)
def test_date_mentions_find_the_ways_a_date_is_written(text, said):
    assert date_mentions(text, dt.date(2027, 3, 23)) == said
