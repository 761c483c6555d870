"""Nominating through the personal link, and the quota and deadline holding, on both databases."""

from __future__ import annotations

import datetime as dt
import re
import threading

import sqlalchemy as sa

from registration.models import Nomination, NominationLink, NominationStatus
from symposium.models import Symposium
from tests.conftest import SCROLLING_TABLE, csrf_token, post_form
from tests.registration.conftest import nominee


def stored(session, **where) -> list[Nomination]:
    session.expire_all()
    query = sa.select(Nomination).order_by(Nomination.id)
    for name, value in where.items():
        query = query.where(getattr(Nomination, name) == value)
    return list(session.scalars(query))


def test_focal_point_nominates_up_to_the_quota(
    client, session, invited_symposium, create_focal_point
):
    _, token = create_focal_point(invited_symposium, "Viet Nam")
    url = f"/nominate/{token}"
    page = client.get(url).get_data(as_text=True)
    assert invited_symposium.title in page
    assert "0 of 2" in page and "Viet Nam" in page

    first = post_form(client, url, nominee())
    assert first.status_code == 302
    second = post_form(client, url, nominee(email="minh@example.vn", given_name="Minh"))
    assert second.status_code == 302
    third = post_form(client, url, nominee(email="third@example.vn", given_name="Third"))
    assert third.status_code == 409
    assert "the quota is reached" in third.get_data(as_text=True)

    names = [(n.given_name, n.status) for n in stored(session)]
    assert names == [("Lan", "pending"), ("Minh", "pending")]
    listing = client.get(url).get_data(as_text=True)
    assert "2 of 2" in listing and 'id="quota-reached"' in listing


def test_the_delegates_table_scrolls_inside_the_page_on_a_phone(
    client, invited_symposium, create_focal_point
):
    _, token = create_focal_point(invited_symposium, "Viet Nam")
    url = f"/nominate/{token}"
    assert post_form(client, url, nominee()).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert page.count("<table") == 1
    scrolling = re.search(SCROLLING_TABLE + r"[^>]*>\s*<thead><tr><th[^>]*>Name<", page)
    assert scrolling and 'aria-labelledby="nominated"' in scrolling[0]


def test_wrong_fields_get_messages_and_keep_what_was_typed(
    client, session, invited_symposium, create_focal_point
):
    _, token = create_focal_point(invited_symposium)
    response = post_form(
        client,
        f"/nominate/{token}",
        nominee(email="not-an-address", sex="", organisation_type="Secret society"),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a valid e-mail address." in page
    assert "Choose one (or Prefer not to say)." in page
    assert 'value="Ministry of Industry and Trade"' in page  # kept
    assert stored(session) == []


def test_the_same_person_cannot_be_nominated_twice(
    client, session, invited_symposium, create_focal_point
):
    _, vn = create_focal_point(invited_symposium, "Viet Nam")
    _, pe = create_focal_point(invited_symposium, "Peru")
    assert post_form(client, f"/nominate/{vn}", nominee()).status_code == 302
    again = post_form(client, f"/nominate/{pe}", nominee(email="LAN@example.vn"))
    assert again.status_code == 409
    assert "already been nominated" in again.get_data(as_text=True)
    assert len(stored(session)) == 1


def test_focal_points_edit_and_withdraw_their_own_until_the_deadline(
    client, session, invited_symposium, create_focal_point
):
    _, mine = create_focal_point(invited_symposium, "Viet Nam")
    _, colleague = create_focal_point(invited_symposium, "Viet Nam")
    post_form(client, f"/nominate/{mine}", nominee())
    nomination = stored(session)[0]

    # A colleague of the same economy sees the nominee but cannot change it.
    seen = client.get(f"/nominate/{colleague}").get_data(as_text=True)
    assert "Nguyễn Thị" in seen and "1 of 2" in seen
    assert client.get(f"/nominate/{colleague}/{nomination.id}/edit").status_code == 404

    edit = post_form(
        client, f"/nominate/{mine}/{nomination.id}/edit", nominee(job_title="Director General")
    )
    assert edit.status_code == 302
    assert stored(session)[0].job_title == "Director General"

    # Withdrawing takes a second, explicit click ("Withdraw…" opens the form).
    page = client.get(f"/nominate/{mine}").get_data(as_text=True)
    assert "Withdraw…" in page and "Yes, withdraw Lan Nguyễn Thị" in page
    withdraw = post_form(client, f"/nominate/{mine}/{nomination.id}/withdraw", {})
    assert withdraw.status_code == 302
    assert stored(session)[0].status == NominationStatus.WITHDRAWN
    assert "0 of 2" in client.get(f"/nominate/{mine}").get_data(as_text=True)

    symposium = session.get(Symposium, invited_symposium.id)
    symposium.nomination_deadline = dt.date.today() - dt.timedelta(days=2)
    session.commit()
    late = post_form(client, f"/nominate/{mine}", nominee(email="late@example.vn"))
    assert late.status_code == 409
    assert "deadline" in late.get_data(as_text=True)
    assert len(stored(session)) == 1
    # The edit page says it is too late instead of offering a form that will be refused.
    edit = client.get(f"/nominate/{mine}/{nomination.id}/edit").get_data(as_text=True)
    assert "The nomination deadline has passed" in edit and "Save the changes" not in edit


def test_wrong_and_revoked_links_get_the_same_404(
    client, session, invited_symposium, create_focal_point, steady_csrf_signature
):
    _, token = create_focal_point(invited_symposium)
    unknown = client.get("/nominate/" + "A" * 43)
    assert unknown.status_code == 404
    for link in session.scalars(sa.select(NominationLink)):
        link.revoked_at = dt.datetime(2026, 1, 1)
    session.commit()
    revoked = client.get(f"/nominate/{token}")
    assert revoked.status_code == 404
    assert revoked.get_data() == unknown.get_data()
    # Said to someone without an account: what to do, and no way into the organisers' login.
    page = revoked.get_data(as_text=True)
    assert "Please use the link in the latest mail you received" in page
    assert "list of symposia" not in page
    assert post_form(client, f"/nominate/{token}", nominee()).status_code == 404
    assert stored(session) == []


def test_the_link_is_stored_only_as_a_hash(session, invited_symposium, create_focal_point):
    _, token = create_focal_point(invited_symposium)
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    hashes = session.scalars(sa.select(NominationLink.token_hash)).all()
    assert token not in hashes and all(len(h) == 64 for h in hashes)


def test_simultaneous_nominations_never_exceed_the_quota(
    app, session, invited_symposium, create_focal_point
):
    """Twelve submissions at the same moment from two focal points of one economy."""
    links = [create_focal_point(invited_symposium, "Chile")[1] for _ in range(2)]
    clients = [app.test_client() for _ in range(12)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def submit(index: int) -> None:
        data = nominee(email=f"delegate{index}@example.cl", given_name=f"Delegate {index}")
        barrier.wait()
        response = clients[index].post(
            f"/nominate/{links[index % 2]}", data={"csrf_token": tokens[index], **data}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 302] + [409] * 10
    assert len(stored(session, status="pending")) == 2
