"""Organiser log-in: passwords, roles, the failed-login limit, CSRF and cookies."""

from __future__ import annotations

import sqlalchemy as sa

from symposium.models import LoginFailure
from tests.conftest import PASSWORD, csrf_token, post_form


def test_organiser_logs_in_sees_the_list_and_logs_out(client, create_user_account):
    user = create_user_account(email="Maria@Example.org")
    response = post_form(
        client, "/login?next=/symposia", {"email": " maria@example.ORG ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/symposia"
    page = client.get("/symposia").get_data(as_text=True)
    assert user.email in page and "New symposium" in page

    response = post_form(client, "/logout", {})
    assert response.status_code == 302
    assert client.get("/symposia").headers["Location"].startswith("/login")


def test_password_is_stored_with_a_modern_kdf(create_user_account):
    user = create_user_account()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, create_user_account):
    user = create_user_account()
    wrong_password = post_form(client, "/login", {"email": user.email, "password": "nope nope!"})
    unknown_user = post_form(client, "/login", {"email": "who@example.org", "password": "x" * 12})
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert "Wrong e-mail address or password." in response.get_data(as_text=True)
    assert client.get("/symposia").status_code == 302


def test_failed_logins_are_limited_even_for_the_right_password(app, client, create_user_account):
    user = create_user_account()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        response = post_form(client, "/login", {"email": user.email, "password": "guess guess"})
        assert response.status_code == 401
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert client.get("/symposia").status_code == 302


def test_a_successful_login_clears_earlier_failures(client, create_user_account, session):
    user = create_user_account()
    post_form(client, "/login", {"email": user.email, "password": "guess guess"})
    assert (
        post_form(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0


def test_login_without_csrf_token_is_refused(client, create_user_account):
    user = create_user_account()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/symposia").status_code == 302


def test_logout_without_csrf_token_keeps_the_session(client, login):
    login()
    assert client.post("/logout").status_code == 400
    assert client.get("/symposia").status_code == 200


def test_login_never_redirects_to_another_site(client, create_user_account):
    user = create_user_account()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = post_form(
            client, f"/login?next={target}", {"email": user.email, "password": PASSWORD}
        )
        assert response.headers["Location"] == "/"
        post_form(client, "/logout", {})


def test_session_cookie_is_httponly_and_samesite(client, create_user_account):
    user = create_user_account()
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": PASSWORD},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_inactive_account_cannot_log_in(client, create_user_account, session):
    user = create_user_account()
    user.active = False
    session.merge(user)
    session.commit()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_behind_a_trusted_proxy_failures_are_counted_per_real_client(
    database_url, tmp_path, session
):
    """Behind nginx every request comes from the proxy; with TRUSTED_PROXIES=1 the limit
    counts the address the proxy forwarded, so one attacker does not lock everyone out."""
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    client = app.test_client()
    for address in ("203.0.113.7", "198.51.100.9"):
        post_form(
            client,
            "/login",
            {"email": "nobody@example.org", "password": "wrong"},
            headers={"X-Forwarded-For": address},
        )
    addresses = set(session.scalars(sa.select(LoginFailure.address)))
    assert addresses == {"203.0.113.7", "198.51.100.9"}
