"""The access rule over every route of the application, not a sample.

Anonymous visitors are sent to the log-in page from every page that is not public; viewers
may read but every state-changing request and every form page refuses them.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from symposium.models import Symposium
from tests.conftest import post_form

# Public on purpose; adding a public route means adding it here, deliberately.
PUBLIC_ENDPOINTS = {"auth.login", "static", "bootstrap.static"}
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(app, symposium_id: int):
    """Every (endpoint, method, URL) of the app, with ids filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = re.sub(r"<int:symposium_id>", str(symposium_id), rule.rule)
        assert "<" not in url, f"fill the arguments of {rule.rule} in this test"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_public_endpoints_are_exactly_the_known_ones(app):
    public = {e for e, view in app.view_functions.items() if getattr(view, "is_public", False)}
    assert public | {"static", "bootstrap.static"} == PUBLIC_ENDPOINTS


def test_anonymous_visitors_are_sent_to_login_from_every_organiser_route(
    app, client, create_symposium_record
):
    symposium = create_symposium_record()
    routes = list(_routes(app, symposium.id))
    assert len(routes) >= 10
    for endpoint, method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method)
        assert response.headers["Location"].startswith("/login?next="), (endpoint, method)


def test_viewers_read_but_change_nothing_on_any_route(
    app, client, login, create_symposium_record, session
):
    symposium = create_symposium_record(title="Unchanged title")
    login("viewer")
    checked = 0
    for endpoint, method, url in _routes(app, symposium.id):
        if endpoint == "auth.logout":
            continue  # viewers may log out
        view = app.view_functions[endpoint]
        if method in CHANGING:
            response = post_form(client, url, {"title": "Changed by a viewer"})
            assert response.status_code == 403, (endpoint, method)
            checked += 1
        elif getattr(view, "organiser_only", False):
            # Pages made for changing something refuse viewers too.
            assert client.get(url).status_code == 403, endpoint
        else:
            response = client.get(url)
            assert response.status_code in (200, 302), endpoint
            assert not response.headers.get("Location", "").startswith("/login"), endpoint
    assert checked >= 2
    session.expire_all()
    assert session.scalar(sa.select(Symposium.title)) == "Unchanged title"
    assert session.scalar(sa.select(sa.func.count()).select_from(Symposium)) == 1


def test_viewer_is_not_offered_forms(client, login, create_symposium_record):
    symposium = create_symposium_record()
    login("viewer")
    listing = client.get("/symposia").get_data(as_text=True)
    detail = client.get(f"/symposia/{symposium.id}").get_data(as_text=True)
    assert symposium.title in listing and symposium.title in detail
    assert "New symposium" not in listing
    assert "Edit set-up" not in detail
