"""The same agenda change sent twice (a double click, two tabs, two organisers at once) is made
once; the second gets a message saying why, on both databases."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from flask.testing import FlaskClient

from agenda.models import AgendaItem
from tests.conftest import PASSWORD, csrf_token, post_form


def logged_in_clients(app, email: str, count: int) -> list[FlaskClient]:
    """``count`` clients logged in as the organiser ``email`` (one browser tab each)."""
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        response = post_form(client, "/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 302
    return clients


def at_once(clients: list[FlaskClient], url: str, data: dict) -> list[str]:
    """POST ``data`` to ``url`` from every client at the same moment; the pages they end on."""
    tokens = [csrf_token(client) for client in clients]
    barrier = threading.Barrier(len(clients))
    pages: list[str] = []

    def send(index: int) -> None:
        barrier.wait()
        response = clients[index].post(
            url, data={"csrf_token": tokens[index], **data}, follow_redirects=True
        )
        pages.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(pages) == len(clients), "every request was answered"
    return pages


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
