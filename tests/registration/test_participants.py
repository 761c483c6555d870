"""The organisers' participant list: search, filters, status and role changes with the waiting
list and its mails, the report and summary downloads, and what viewers may do (erasure:
test_erasure.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from registration.attendance_models import DayAttendance
from registration.models import Registration
from registration.participants import (
    ParticipantFilter,
    folded,
    search_registrations,
    summarise,
)
from symposium.models import OutboxMessage
from tests.conftest import SCROLLING_TABLE, post_form
from tests.security.pages import page_forms

HOSTILE = '=HYPERLINK("http://evil.example","click")'


def base_url(symposium) -> str:
    return f"/symposia/{symposium.id}/registrations"


def listed_ids(client, symposium, **args) -> set[int]:
    """The registrations the list page shows for these query-string arguments."""
    response = client.get(base_url(symposium), query_string=args)
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    return {int(i) for i in re.findall(r'<tr id="registration-(\d+)"', text)}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- pure parts --------------------------------------------------------------------------------


def test_folding_ignores_case_and_accents():
    assert folded("Nguyễn Thị ĐỨC") == "nguyen thi duc"
    assert folded("José PÉREZ") == "jose perez"


def test_summary_keeps_undisclosed_sex_and_adds_up():
    summary = summarise(
        [("Peru", "Female"), ("Peru", "Prefer not to say"), ("Chile", "Male"), ("Chile", "?")]
    )
    assert [(r.economy, r.counts, r.total) for r in summary.rows] == [
        ("Peru", (1, 0, 0, 1), 2),
        ("Chile", (0, 1, 0, 1), 2),
    ]
    assert summary.totals.counts == (1, 1, 0, 2) and summary.totals.total == 4
    assert summarise([]).totals.total == 0


# --- search and filters ------------------------------------------------------------------------


def test_search_by_name_email_or_organisation_ignores_case_and_accents(
    client, login, invited_symposium, create_registration
):
    lan = create_registration(
        invited_symposium,
        given_name="Lan",
        family_name="Nguyễn Thị",
        email="lan@example.vn",
        economy="Viet Nam",
    )
    jose = create_registration(
        invited_symposium, given_name="José", family_name="Pérez", organisation="PRODUCE"
    )
    ana = create_registration(invited_symposium, given_name="Ana", economy="Chile")
    login()
    assert listed_ids(client, invited_symposium) == {lan.id, jose.id, ana.id}
    assert listed_ids(client, invited_symposium, q="NGUYEN") == {lan.id}
    assert listed_ids(client, invited_symposium, q="jose perez") == {jose.id}
    assert listed_ids(client, invited_symposium, q="produce") == {jose.id}
    assert listed_ids(client, invited_symposium, q="example.vn") == {lan.id}
    assert listed_ids(client, invited_symposium, q="nobody") == set()


def test_filters_by_economy_sex_role_status_and_attendance(
    client, login, session, economies, invited_symposium, create_registration
):
    present = create_registration(invited_symposium, sex="Male", role="speaker")
    absent = create_registration(invited_symposium, economy="Chile", status="waiting")
    never_seen = create_registration(invited_symposium, sex="Prefer not to say")
    day_one, day_two = invited_symposium.days
    session.add_all(
        [
            DayAttendance(registration_id=present.id, day_id=day_two.id, minutes=50, attended=True),
            DayAttendance(registration_id=absent.id, day_id=day_one.id, minutes=5, attended=False),
        ]
    )
    session.commit()
    login()
    show = lambda **args: listed_ids(client, invited_symposium, **args)  # noqa: E731
    assert show(economy=economies["Chile"].id) == {absent.id}
    assert show(sex="Male") == {present.id}
    assert show(sex="Prefer not to say") == {never_seen.id}
    assert show(role="speaker") == {present.id}
    assert show(status="waiting") == {absent.id}
    assert show(attended="yes") == {present.id}
    assert show(attended="no") == {absent.id, never_seen.id}
    assert show(attended="no", economy=economies["Peru"].id) == {never_seen.id}
    bad = client.get(base_url(invited_symposium), query_string={"status": "nonsense"})
    assert bad.status_code == 400


def test_the_count_reads_as_a_sentence_and_long_words_wrap(
    client, login, invited_symposium, create_registration
):
    create_registration(invited_symposium, given_name="Lan", economy="Viet Nam")
    person = create_registration(
        invited_symposium, given_name="Pneumonoultramicroscopic" * 4, organisation="X" * 90
    )
    login()

    def page(**args) -> str:
        return client.get(base_url(invited_symposium), query_string=args).get_data(as_text=True)

    def count(**args) -> str:
        return re.search(r'<p class="text-muted">(\d+ registrations?[^<]*)</p>', page(**args))[1]

    assert (count(), count(q="lan")) == ("2 registrations.", "1 registration matches.")
    assert count(q="example") == "2 registrations match."
    listed = page()
    assert re.search(SCROLLING_TABLE + ' class="table table-sm align-middle', listed)
    row = listed[listed.index(f'<tr id="registration-{person.id}">') :]
    for cell in (person.full_name, "X" * 90):  # the name and the organisation
        assert f'<td class="text-break">{cell}' in row


def test_pages_of_the_list(session, invited_symposium, create_registration):
    people = [create_registration(invited_symposium, family_name=f"F{n}") for n in range(5)]
    rows, total = search_registrations(session, invited_symposium, ParticipantFilter(), 2, 2)
    assert total == 5 and [r.id for r in rows] == [people[2].id, people[3].id]
    rows, total = search_registrations(
        session, invited_symposium, ParticipantFilter(search="f4"), 1, 2
    )
    assert total == 1 and rows == [people[4]]


# --- status and role -------------------------------------------------------------------------


def test_cancelling_gives_the_place_to_the_first_in_line_and_mails_them(
    client, login, session, invited_symposium, create_registration
):
    invited_symposium.capacity = 2
    session.commit()
    start = dt.datetime(2026, 1, 1)
    leaving = create_registration(invited_symposium, created_at=start)
    create_registration(invited_symposium, created_at=start)
    first = create_registration(
        invited_symposium,
        given_name="First",
        status="waiting",
        created_at=start + dt.timedelta(hours=1),
    )
    second = create_registration(
        invited_symposium,
        given_name="Second",
        status="waiting",
        created_at=start + dt.timedelta(hours=2),
    )
    login()
    page = client.get(base_url(invited_symposium)).get_data(as_text=True)
    assert "Confirmed: <strong>2</strong> / 2 places" in page
    assert page.index(f'id="waiting-{first.id}"') < page.index(f'id="waiting-{second.id}"')

    response = post_form(
        client,
        f"{base_url(invited_symposium)}/{leaving.id}/status",
        {"status": "cancelled"},
        follow_redirects=True,
    )
    assert f"Given a place from the waiting list: First {first.family_name}." in (
        response.get_data(as_text=True)
    )
    session.expire_all()
    statuses = [session.get(Registration, r.id).status for r in (leaving, first, second)]
    assert statuses == ["cancelled", "confirmed", "waiting"]
    mail = session.scalars(sa.select(OutboxMessage)).one()
    assert mail.recipient == first.email
    assert mail.subject == f"You have a place: {invited_symposium.title}"


def test_confirming_beyond_capacity_is_refused(
    client, login, session, invited_symposium, create_registration
):
    invited_symposium.capacity = 1
    session.commit()
    create_registration(invited_symposium)
    waiting = create_registration(invited_symposium, given_name="Wai", status="waiting")
    login()
    response = post_form(
        client,
        f"{base_url(invited_symposium)}/{waiting.id}/status",
        {"status": "confirmed"},
        follow_redirects=True,
    )
    assert "The symposium is full (1 places)" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Registration, waiting.id).status == "waiting"
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_sending_someone_back_to_the_line_gives_their_place_to_the_first_in_it(
    client, login, session, invited_symposium, create_registration
):
    invited_symposium.capacity = 1
    session.commit()
    earliest = create_registration(invited_symposium, created_at=dt.datetime(2026, 1, 1))
    waiting = create_registration(invited_symposium, status="waiting")
    login()
    url = f"{base_url(invited_symposium)}/{earliest.id}/status"
    post_form(client, url, {"status": "waiting"})
    session.expire_all()
    assert session.get(Registration, waiting.id).status == "confirmed"
    assert session.get(Registration, earliest.id).status == "waiting"

    # With a free place, the waiting list would hand it straight back: refused, unchanged.
    invited_symposium.capacity = 5
    session.commit()
    response = post_form(
        client,
        f"{base_url(invited_symposium)}/{waiting.id}/status",
        {"status": "waiting"},
        follow_redirects=True,
    )
    assert "the waiting list is for a full symposium" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Registration, waiting.id).status == "confirmed"


def test_the_status_drop_down_starts_on_no_change(
    client, login, session, invited_symposium, create_registration
):
    """ "Set" pressed without choosing (the drop-down as the page shows it) is refused, so a
    confirmed person is not sent to the waiting list by accident."""
    person = create_registration(invited_symposium, given_name="Confirmed")
    login()
    page = client.get(base_url(invited_symposium)).get_data(as_text=True)
    assert '<th scope="col">Change status</th>' in page
    url = f"{base_url(invited_symposium)}/{person.id}/status"
    form = next(f for f in page_forms(base_url(invited_symposium), page) if f.action == url)
    status = next(f for f in form.fields if f.name == "status")
    assert status.options[0] == "" and "waiting" in status.options
    sent = form.values()
    assert sent["status"] == [""]  # what the browser sends untouched

    response = client.post(url, data=sent, follow_redirects=True)
    assert response.status_code == 200
    assert "Choose a status." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Registration, person.id).status == "confirmed"
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert post_form(client, url, {"status": "king"}).status_code == 400


def test_approving_a_pending_registration_mails_the_outcome(
    client, login, session, invited_symposium, create_registration
):
    pending = create_registration(invited_symposium, status="pending")
    login()
    post_form(client, f"{base_url(invited_symposium)}/{pending.id}/status", {"status": "approve"})
    session.expire_all()
    assert session.get(Registration, pending.id).status == "confirmed"
    assert session.scalars(sa.select(OutboxMessage.recipient)).all() == [pending.email]


def test_bulk_role_change_on_the_selected(
    client, login, session, invited_symposium, create_registration
):
    chosen = [create_registration(invited_symposium) for _ in range(2)]
    other = create_registration(invited_symposium)
    login()
    response = post_form(
        client,
        f"{base_url(invited_symposium)}/bulk",
        {"action": "role:speaker", "registration_ids": [r.id for r in chosen], "back": "q=x"},
    )
    assert response.status_code == 302 and response.location.endswith("?q=x")
    assert "2 registrations updated." in client.get(base_url(invited_symposium)).get_data(
        as_text=True
    )
    session.expire_all()
    roles = [session.get(Registration, r.id).role for r in (*chosen, other)]
    assert roles == ["speaker", "speaker", "participant"]

    nothing = post_form(client, f"{base_url(invited_symposium)}/bulk", {"action": "role:moderator"})
    assert nothing.status_code == 302
    assert "Tick at least one" in client.get(base_url(invited_symposium)).get_data(as_text=True)


def test_role_change_of_one(client, login, session, invited_symposium, create_registration):
    person = create_registration(invited_symposium)
    login()
    url = f"{base_url(invited_symposium)}/{person.id}/role"
    assert post_form(client, url, {"role": "moderator"}).status_code == 302
    assert post_form(client, url, {"role": "king"}).status_code == 400
    session.expire_all()
    assert session.get(Registration, person.id).role == "moderator"


# --- downloads -------------------------------------------------------------------------------


def test_exports_carry_formulas_as_text_and_the_summary_adds_up(
    client, login, session, invited_symposium, create_registration
):
    hostile = create_registration(
        invited_symposium, given_name=HOSTILE, organisation="+SUM(A1:A9)", email="h@example.org"
    )
    create_registration(invited_symposium, sex="Male", economy="Chile")
    create_registration(invited_symposium, sex="Prefer not to say", economy="Chile")
    create_registration(invited_symposium, sex="Male", status="cancelled")  # not counted
    session.add(
        DayAttendance(
            registration_id=hostile.id,
            day_id=invited_symposium.days[0].id,
            minutes=45,
            attended=True,
        )
    )
    session.commit()
    login("viewer")
    base = base_url(invited_symposium)

    rows = csv_rows(client.get(f"{base}.csv"))
    header = rows[0]
    assert header[:3] == ["Given name", "Family name", "E-mail"]
    assert header[-4:] == ["Day 1 attended", "Day 1 minutes", "Day 2 attended", "Day 2 minutes"]
    row = next(r for r in rows if r[2] == "h@example.org")
    assert row[0] == "'" + HOSTILE and row[header.index("Organisation")] == "'+SUM(A1:A9)"
    assert row[-4:] == ["yes", "45", "no", "0"]
    assert row[header.index("Nominated")] == "no"
    assert len(rows) == 5

    workbook = load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data))
    sheet = workbook["Registrations"]
    cell = next(c for c in sheet["A"] if c.value == HOSTILE)
    assert cell.data_type == "s"
    summary = [[c.value for c in r] for r in workbook["By economy and sex"].iter_rows()]
    assert summary == [
        ["Economy", "Female", "Male", "Other", "Prefer not to say", "Total"],
        ["Chile", 0, 1, 0, 1, 2],  # economies in APEC order
        ["Peru", 1, 0, 0, 0, 1],
        ["Total", 1, 1, 0, 1, 3],
    ]
    summary_csv = csv_rows(client.get(f"{base}/summary.csv"))
    assert summary_csv == [[str(v) for v in r] for r in summary]


# --- viewers ---------------------------------------------------------------------------------


def test_viewers_read_and_export_but_every_change_is_refused(
    client, login, session, invited_symposium, create_registration
):
    person = create_registration(invited_symposium, given_name="Visible", status="pending")
    login("viewer")
    base = base_url(invited_symposium)
    page = client.get(base).get_data(as_text=True)
    assert "Visible" in page and 'name="registration_ids"' not in page and "Erase" not in page
    for suffix in (".csv", ".xlsx", "/summary.csv"):
        assert client.get(base + suffix).status_code == 200
    assert client.get(f"{base}/{person.id}/erase").status_code == 403
    for path, data in [
        (f"{base}/{person.id}/status", {"status": "approve"}),
        (f"{base}/{person.id}/role", {"role": "speaker"}),
        (f"{base}/bulk", {"action": "status:rejected", "registration_ids": [person.id]}),
        (f"{base}/{person.id}/erase", {"understood": "y"}),
    ]:
        assert post_form(client, path, data).status_code == 403, path
    session.expire_all()
    unchanged = session.get(Registration, person.id)
    assert (unchanged.status, unchanged.role, unchanged.given_name) == (
        "pending",
        "participant",
        "Visible",
    )


def test_the_registrations_tab_opens_the_list(client, login, invited_symposium):
    login("viewer")
    page = client.get(f"/symposia/{invited_symposium.id}").get_data(as_text=True)
    assert f'href="{base_url(invited_symposium)}">Registrations<' in page
