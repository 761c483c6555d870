"""The access rule and CSRF over every route of the URL map, on the full symposium.

``tests/symposium/test_access.py`` checks the rule on a small symposium with generic form data;
these tests cross-check its route table, send the forms the pages really show (filled in, so
a request that got through would change something), add the refusals it does not cover (CSRF
on every POST, GET never changing anything, ids of another symposium) and compare the whole
database before and after.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from agenda.models import AgendaItem, ItemPerson
from registration.attendance_models import AttendanceRow, DayAttendance, ManualCheck
from registration.models import Nomination, Registration
from surveys.models import Question
from symposium import db
from symposium.models import Symposium, SymposiumDay
from tests.conftest import CSRF_META, PASSWORD, csrf_token, make_app
from tests.security.conftest import TOKEN_KINDS, FullSymposium, app_rules, route_url
from tests.security.database import changed_tables, database_rows
from tests.security.pages import filled_in, page_forms, with_token
from tests.symposium import test_access
from tests.symposium.test_access import CHANGING, PUBLIC_ENDPOINTS

FORM_EXPIRED = "Form expired"
# URL arguments that name a row of one symposium (the rest are numbers within it).
ROW_ARGUMENTS = (
    "item_id",
    "speaker_id",
    "focal_point_id",
    "nomination_id",
    "registration_id",
    "row_id",
    "question_id",
    "section_id",
    "check_id",
)


def changing_routes(full: FullSymposium, public: bool) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) of every state-changing route, public or not."""
    return [
        (rule.endpoint, method, route_url(full, rule))
        for rule in app_rules(full.app)
        if (rule.endpoint in PUBLIC_ENDPOINTS) == public
        for method in sorted(rule.methods & CHANGING)
    ]


# --- the route table ---------------------------------------------------------------------------


def test_route_table_agrees_with_the_access_test_and_the_personal_links(full_symposium):
    app = full_symposium.app
    marked = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "is_public", False)
    }
    assert marked == {e for e in PUBLIC_ENDPOINTS if not e.endswith("static")}
    # Every public route with a token is one of the personal links tested one by one.
    with_token_argument = {r.endpoint for r in app_rules(app) if "token" in r.arguments}
    assert with_token_argument == set(TOKEN_KINDS)
    public_changing = {r.endpoint for r in app_rules(app) if r.methods & CHANGING} & marked
    assert public_changing == {
        "auth.login",
        "registration.open_registration",
        "registration.nominate_page",
        "registration.edit_nomination",
        "registration.withdraw",
        "registration.invitation_page",
        "registration.manage",
        "registration.cancel",
        "surveys.respond",
    }
    # Only logging out is open to viewers among the changing routes.
    any_role = {e for e, v in app.view_functions.items() if getattr(v, "any_role", False)}
    assert any_role == {"auth.logout"}
    # test_access walks the same non-public routes as these tests.
    with full_symposium.session() as session:
        symposium = session.get(Symposium, full_symposium.id)
        theirs = {(e, m) for e, m, _ in test_access._routes(app, session, symposium)}
    ours = {
        (rule.endpoint, method)
        for rule in app_rules(app)
        if rule.endpoint not in PUBLIC_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert ours == theirs


def test_anonymous_visitors_and_viewers_change_nothing_on_any_route(full_symposium, crawled_forms):
    full = full_symposium
    before = database_rows(full.app)
    anonymous = full.app.test_client()
    routes = changing_routes(full, public=False)
    assert len(routes) >= 40
    for endpoint, method, url in routes:
        data = filled_in(crawled_forms.get(endpoint), "Changed by a stranger")
        response = anonymous.open(url, method=method, data=with_token(data, csrf_token(anonymous)))
        assert response.status_code == 302, (endpoint, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), endpoint
        if endpoint == "auth.logout":
            continue  # viewers may log out
        data = filled_in(crawled_forms.get(endpoint), "Changed by a viewer")
        response = full.viewer.open(
            url, method=method, data=with_token(data, csrf_token(full.viewer))
        )
        assert response.status_code == 403, (endpoint, response.status_code)
    after = database_rows(full.app)
    assert changed_tables(before, after) == []


def test_pages_made_for_changing_refuse_viewers_and_offer_them_no_form(full_symposium):
    full = full_symposium
    refused = offered = 0
    for rule in app_rules(full.app):
        if "GET" not in rule.methods or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = route_url(full, rule)
        response = full.viewer.get(url)
        if getattr(full.app.view_functions[rule.endpoint], "organiser_only", False):
            assert response.status_code == 403, rule.endpoint
            refused += 1
            continue
        assert response.status_code in (200, 302), (rule.endpoint, response.status_code)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        offered += 1
        posts = [
            form.action
            for form in page_forms(url, response.get_data(as_text=True))
            if form.method == "POST" and form.action != "/logout"
        ]
        assert posts == [], (rule.endpoint, posts)
    assert refused >= 10 and offered >= 15


def test_no_get_request_changes_anything(full_symposium):
    full = full_symposium
    before = database_rows(full.app)
    anonymous = full.app.test_client()
    for rule in app_rules(full.app):
        if "GET" not in rule.methods:
            continue
        url = route_url(full, rule)
        client = anonymous if rule.endpoint in PUBLIC_ENDPOINTS else full.organiser
        assert client.get(url).status_code < 500, rule.endpoint
    after = database_rows(full.app)
    assert changed_tables(before, after) == []


# --- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("public", [False, True], ids=["organiser routes", "public routes"])
def test_every_post_without_a_valid_csrf_token_is_refused(full_symposium, crawled_forms, public):
    full = full_symposium
    client = full.app.test_client() if public else full.organiser
    own = csrf_token(client)  # the client's session has a token; the requests carry others
    stranger = full.app.test_client()
    someone_elses = csrf_token(stranger)  # validly signed, but for another session
    assert someone_elses != own
    before = database_rows(full.app)
    routes = changing_routes(full, public=public)
    assert len(routes) >= (8 if public else 40)
    for endpoint, method, url in routes:
        data = filled_in(crawled_forms.get(endpoint), "Changed without a token")
        for token in (None, "", "forged", someone_elses, own[:-2]):
            response = client.open(url, method=method, data=with_token(data, token))
            assert response.status_code == 400, (endpoint, token, response.status_code)
            assert FORM_EXPIRED in response.get_data(as_text=True), (endpoint, token)
        # A token sent in the header instead of the form is checked the same way.
        response = client.open(
            url, method=method, data=with_token(data, None), headers={"X-CSRFToken": "forged"}
        )
        assert response.status_code == 400, (endpoint, "header")
    after = database_rows(full.app)
    assert changed_tables(before, after) == []
    if not public:
        # Logging out without a token was refused too: the organiser is still logged in.
        assert full.organiser.get("/symposia").status_code == 200


# --- another symposium's rows ------------------------------------------------------------------


def test_routes_never_reach_the_rows_of_another_symposium(full_symposium, crawled_forms):
    """A URL naming this symposium and a row of another (an item, a speaker, a nomination…)
    is a 404 for every method, and nothing changes."""
    full = full_symposium
    before = database_rows(full.app)
    tried = 0
    for rule in app_rules(full.app):
        foreign = [a for a in rule.arguments if a in ROW_ARGUMENTS]
        if "symposium_id" not in rule.arguments or not foreign:
            continue
        url = route_url(full, rule, **{a: full.other_values[a] for a in foreign})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = filled_in(crawled_forms.get(rule.endpoint), "Changed across symposia")
            data = with_token(data, csrf_token(full.organiser))
            response = full.organiser.open(url, method=method, data=data)
            assert response.status_code == 404, (rule.endpoint, method, response.status_code)
            tried += 1
    assert tried >= 20
    assert changed_tables(before, database_rows(full.app)) == []


# Form fields that name rows of a symposium, and the argument naming the same kind of row.
ROW_FIELDS = {
    "speaker_ids": "speaker_id",
    "moderator_ids": "speaker_id",
    "nomination_ids": "nomination_id",
    "registration_ids": "registration_id",
    "registration_id": "registration_id",
    "section_id": "section_id",
}


def test_forms_never_attach_rows_of_another_symposium(pristine, crawled_forms):
    """Forms that pick speakers, nominations, registrations or sections refuse those of
    another symposium: nothing of it is linked to, decided, checked in or added to."""
    full = pristine
    other = full.other_values
    with full.session() as session:
        before = _other_symposium_state(session, full)
    sent = 0
    for endpoint, forms in sorted(crawled_forms.items()):
        names = {f.name for f in forms[0].fields} & ROW_FIELDS.keys()
        if not names:
            continue
        data = filled_in(forms, "Across symposia")
        for name in names:
            data[name] = [str(other[ROW_FIELDS[name]])]
        data.setdefault("action", ["assign"])
        data = with_token(data, csrf_token(full.organiser))
        response = full.organiser.post(forms[0].action, data=data)
        assert response.status_code < 500, endpoint
        sent += 1
    assert sent >= 6
    with full.session() as session:
        assert _other_symposium_state(session, full) == before


def _other_symposium_state(session, full: FullSymposium) -> dict[str, Any]:
    """What the forms of the first symposium could wrongly change about the second."""
    other = full.other_values
    ours = sa.select(SymposiumDay.id).where(SymposiumDay.symposium_id == full.id)

    def count(model, *conditions) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))

    nomination = session.get(Nomination, other["nomination_id"])
    registration = session.get(Registration, other["registration_id"])
    return {
        "its speaker on our items": count(
            ItemPerson,
            ItemPerson.speaker_id == other["speaker_id"],
            ItemPerson.item_id.in_(sa.select(AgendaItem.id).where(AgendaItem.day_id.in_(ours))),
        ),
        "its nomination": nomination.status,
        "its registration": (registration.status, registration.role),
        "its registration in attendance": [
            count(model, model.registration_id == other["registration_id"])
            for model in (AttendanceRow, DayAttendance, ManualCheck)
        ],
        "questions in its section": count(Question, Question.section_id == other["section_id"]),
    }


# --- headers, cookies and logging in ----------------------------------------------------------


def test_every_response_carries_the_security_headers(full_symposium, all_pages):
    """Pages, downloads, feeds, redirects and error pages alike, on every route."""
    full = full_symposium
    anonymous = full.app.test_client()
    responses = [*all_pages.values(), anonymous.get("/no/such/page"), anonymous.post("/login")]
    responses += [anonymous.get(f"/symposia/{full.id}"), full.viewer.get("/symposia/new")]
    assert {r.status_code for r in responses} >= {200, 302, 400, 403, 404}
    for response in responses:
        where = (response.request.path, response.status_code)
        csp = dict(
            part.strip().split(" ", 1)
            for part in response.headers["Content-Security-Policy"].split(";")
        )
        assert csp["script-src"] == "'self'" and csp["object-src"] == "'none'", where
        assert "unsafe" not in response.headers["Content-Security-Policy"], where
        assert csp["frame-ancestors"] == "'none'", where
        assert response.headers["X-Frame-Options"] == "DENY", where
        assert response.headers["X-Content-Type-Options"] == "nosniff", where
        # Personal links are in URLs: other sites must not see them in a Referer.
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), where


SITE = "https://symposium.example.org"


def test_in_production_the_session_cookie_is_secure_httponly_and_lax(full_symposium, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    config = full_symposium.app.config
    app = make_app(config["DATABASE_URL"], Path(config["MAIL_FILE_DIR"]).parent)
    client = app.test_client()
    login = client.get("/login", base_url=SITE)
    data = {
        "csrf_token": CSRF_META.search(login.text).group(1),
        "email": "security-viewer@example.org",
        "password": PASSWORD,
    }
    # Over HTTPS a form must also come from a page of this site (Flask-WTF's strict check).
    for referrer in ({}, {"Referer": "https://elsewhere.example.com/login"}):
        response = client.post("/login", base_url=SITE, data=data, headers=referrer)
        assert response.status_code == 400, referrer
    response = client.post("/login", base_url=SITE, data=data, headers={"Referer": SITE})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    db.database(app).engine.dispose()


def test_failed_logins_are_limited_per_client_address_across_accounts(pristine, monkeypatch):
    """Guessing one password for many accounts from one address is stopped too; another
    address is not affected."""
    full = pristine
    limit = 6  # lower than the default 20: each failure costs a password hash
    monkeypatch.setitem(full.app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", limit)
    guesser = full.app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    for number in range(limit):
        data = {"csrf_token": csrf_token(guesser), "email": f"user{number}@example.org",
                "password": "Winter2027!"}  # fmt: skip
        assert guesser.post("/login", data=data).status_code == 401
    right = {"email": "security-viewer@example.org", "password": PASSWORD}
    refused = guesser.post("/login", data={"csrf_token": csrf_token(guesser), **right})
    assert refused.status_code == 429
    elsewhere = full.app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    allowed = elsewhere.post("/login", data={"csrf_token": csrf_token(elsewhere), **right})
    assert allowed.status_code == 302
