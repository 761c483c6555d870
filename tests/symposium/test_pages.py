"""Error pages and the headers every response carries."""

from __future__ import annotations

import logging

import pytest

from symposium.auth import public
from symposium.tokens import new_token


def test_error_pages_look_like_the_app(app, client, login):
    @app.route("/boom")
    def boom():
        raise RuntimeError("unexpected")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login()
    not_found = client.get("/no/such/page")
    assert not_found.status_code == 404
    assert "Page Not Found" in not_found.get_data(
        as_text=True
    ) or "Not Found" in not_found.get_data(as_text=True)
    failure = client.get("/boom")
    text = failure.get_data(as_text=True)
    assert failure.status_code == 500
    assert "Something went wrong on our side" in text and "RuntimeError" not in text
    for response in (not_found, failure):
        assert 'class="navbar' in response.get_data(as_text=True)


def test_an_unexpected_error_on_a_personal_link_is_logged_without_its_token(app, client, caplog):
    @app.route("/registration/<token>/boom")
    @public
    def boom_on_a_personal_link(token):
        raise RuntimeError("unexpected")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = new_token()[0]
    caplog.set_level(logging.ERROR, logger=app.logger.name)
    assert client.get(f"/registration/{token}/boom").status_code == 500
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == "Exception on /registration/[link-removed]/boom [GET]"
    assert token not in caplog.text and "RuntimeError: unexpected" in caplog.text


def test_forbidden_and_bad_request_pages(client, login, create_symposium_record):
    symposium = create_symposium_record()
    login("viewer")
    forbidden = client.get(f"/symposia/{symposium.id}/edit")
    assert forbidden.status_code == 403
    assert "Your account may not do this" in forbidden.get_data(as_text=True)
    bad = client.post("/logout")  # no CSRF token
    assert bad.status_code == 400
    assert "Form expired" in bad.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/login", "/symposia", "/no/such/page"])
def test_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_bootstrap_is_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assert "cdn." not in page and "https://" not in page
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200
    assert client.get("/bootstrap/static/js/bootstrap.min.js").status_code == 200


def test_the_icon_is_where_browsers_look_for_it_without_a_page(client):
    """A PDF, CSV or calendar opened in a tab has no page naming the icon: the browser asks
    for /favicon.ico, anonymous, and gets the icon the pages name."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.headers["X-Content-Type-Options"] == "nosniff"
    static = client.get("/static/favicon.svg")
    assert icon.get_data() == static.get_data() and icon.get_data().startswith(b"<svg")
