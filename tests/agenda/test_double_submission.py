"""The same agenda change sent twice (a double click, two tabs, two organisers at once) is made
once; the second gets a message saying why, on both databases."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from agenda.models import AgendaItem, Speaker
from tests.conftest import at_once, logged_in_clients, post_form


def count(session, column, *where) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count(column)).where(*where))


def test_use_template_pressed_twice_at_once_adds_it_once(
    app, session, create_user_account, create_symposium_record
):
    symposium = create_symposium_record()
    organiser = create_user_account()
    clients = logged_in_clients(app, organiser.email, 4)
    pages = at_once(
        clients, f"/symposia/{symposium.id}/agenda/template", {"preset": "two-day-apec"}
    )
    added = [p for p in pages if "Added 12 items from the template." in p]
    refused = [p for p in pages if "a template only fills an empty one" in p]
    assert (len(added), len(refused)) == (1, 3)
    assert count(session, AgendaItem.id) == 12


def speaker(**fields: str) -> dict[str, str]:
    values = {"name": "Ana Lee", "email": "", "organisation": "OECD", "sex": "Female"}
    return {"economy_id": "0", **values, **fields}


def test_a_speaker_added_twice_at_once_is_listed_once(
    app, session, create_user_account, create_symposium_record
):
    symposium = create_symposium_record()
    organiser = create_user_account()
    clients = logged_in_clients(app, organiser.email, 6)
    url = f"/symposia/{symposium.id}/agenda/speakers"
    pages = at_once(clients, url, speaker(email="ana.lee@example.org"))
    saved = [p for p in pages if "Saved Ana Lee." in p]
    refused = [p for p in pages if "ana.lee@example.org is already listed" in p]
    assert (len(saved), len(refused)) == (1, 5)
    assert count(session, Speaker.id, Speaker.symposium_id == symposium.id) == 1


def test_a_speaker_without_email_sent_twice_is_refused_the_second_time(
    client, login, session, economies, create_symposium_record, create_speaker: Callable
):
    symposium = create_symposium_record()
    other = create_symposium_record(title="Another symposium", project_number="SME 02 2026A")
    create_speaker(other, name="Dr Maria Lopez", economy=economies["Peru"])  # not in this one
    login()
    url = f"/symposia/{symposium.id}/agenda/speakers"
    maria = speaker(name="Dr Maria Lopez", economy_id=str(economies["Peru"].id))
    assert post_form(client, url, maria).status_code == 302

    again = post_form(client, url, {**maria, "name": "dr maria  LÓPEZ"})
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert "Dr Maria Lopez (Peru) is already listed" in text
    assert count(session, Speaker.id, Speaker.symposium_id == symposium.id) == 1

    # Someone of the same name from another economy, or with an e-mail address, is another
    # person; so is the listed one once they are saved again (editing is not a duplicate).
    chile = {**maria, "economy_id": str(economies["Chile"].id)}
    assert post_form(client, url, chile).status_code == 302
    with_email = {**maria, "email": "maria.lopez@example.pe"}
    assert post_form(client, url, with_email).status_code == 302
    listed = session.scalar(
        sa.select(Speaker).where(Speaker.symposium_id == symposium.id, Speaker.email.is_(None))
        .order_by(Speaker.id)
    )  # fmt: skip
    edit = post_form(client, f"{url}/{listed.id}/edit", {**maria, "organisation": "APEC"})
    assert edit.status_code == 302
    assert count(session, Speaker.id, Speaker.symposium_id == symposium.id) == 3
