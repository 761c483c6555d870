"""Two organisers editing the same page at once: a form opened before somebody else's save
keeps that save where its own person changed nothing, and says so where both changed the same
field (nothing is saved then, and saving again keeps one's own values knowingly)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from symposium.models import Symposium
from tests.conftest import PASSWORD, csrf_token
from tests.security.pages import page_forms


def organiser(app: Flask, create_user_account) -> FlaskClient:
    """A client of its own, logged in as another organiser of the team."""
    other = app.test_client()
    user = create_user_account(role="organiser")
    answer = other.post(
        "/login",
        data={"csrf_token": csrf_token(other), "email": user.email, "password": PASSWORD},
    )
    assert answer.status_code == 302
    return other


def opened(client: FlaskClient, url: str) -> dict[str, list[str]]:
    """The edit form on ``url`` as the browser holds it, ready to be changed and sent."""
    page = client.get(url)
    assert page.status_code == 200
    return form_on(url, page.get_data(as_text=True))


def form_on(url: str, page: str) -> dict[str, list[str]]:
    """The values of the page's form that posts to ``url``."""
    (form,) = [f for f in page_forms(url, page) if f.method == "POST" and f.action == url]
    return form.values()


def test_a_stale_set_up_form_keeps_what_another_organiser_saved_meanwhile(
    app, client, login, session, create_user_account, create_symposium_record
):
    symposium = create_symposium_record()
    url = f"/symposia/{symposium.id}/edit"
    login()
    ana_form = opened(client, url)  # Ana opens the set-up and goes for a coffee
    ben = organiser(app, create_user_account)
    ben_form = opened(ben, url)
    ben_form["capacity"] = ["2"]
    assert ben.post(url, data=ben_form).status_code == 302

    # Ana changes only the platform, in the form she opened before Ben's save.
    ana_form["platform_name"] = ["Zoom Webinar"]
    assert client.post(url, data=ana_form).status_code == 302
    session.expire_all()
    saved = session.get(Symposium, symposium.id)
    assert (saved.capacity, saved.platform_name) == (2, "Zoom Webinar")


def test_both_changing_the_same_field_saves_nothing_until_asked_again(
    app, client, login, session, create_user_account, create_symposium_record
):
    symposium = create_symposium_record()
    url = f"/symposia/{symposium.id}/edit"
    login()
    ana_form = opened(client, url)
    ben = organiser(app, create_user_account)
    ben_form = opened(ben, url)
    ben_form["title"] = ["Digital skills for MSMEs (revised)"]
    ben_form["days-0-start_time"] = ["07:30"]
    assert ben.post(url, data=ben_form).status_code == 302

    ana_form["title"] = ["Digital skills for small businesses"]
    ana_form["platform_name"] = ["Webex"]
    refused = client.post(url, data=ana_form)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Someone else saved changes to this page since you opened it" in page
    assert "Title (saved meanwhile: “Digital skills for MSMEs (revised)”)" in page
    assert "Nothing was saved." in page
    session.expire_all()
    saved = session.get(Symposium, symposium.id)
    assert (saved.title, saved.platform_name) == ("Digital skills for MSMEs (revised)", "Zoom")

    # The refused page shows Ana's values, and Ben's day start she had left alone.
    values = form_on(url, page)
    assert values["title"] == ["Digital skills for small businesses"]
    assert values["days-0-start_time"] == ["07:30"]
    assert client.post(url, data=values).status_code == 302
    session.expire_all()
    saved = session.get(Symposium, symposium.id)
    assert (saved.title, saved.platform_name) == ("Digital skills for small businesses", "Webex")
    assert f"{saved.days[0].start_time:%H:%M}" == "07:30"
