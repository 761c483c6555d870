"""Error pages and the headers every response carries."""

from __future__ import annotations

import pytest


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
