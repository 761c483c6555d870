"""Two organisers editing the same page at once: a form opened before somebody else's save
keeps that save where its own person changed nothing, and says so where both changed the same
field (nothing is saved then, and saving again keeps one's own values knowingly)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from agenda.services import apply_preset
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


def _circular(session, symposium):
    from registration.circular_services import latest_version

    session.expire_all()
    version = latest_version(session, symposium)
    return version.introduction, version.objectives


def _registration_settings(session, symposium):
    from registration.models import RegistrationSettings

    session.expire_all()
    settings = session.get(RegistrationSettings, symposium.id)
    return settings.moderated, settings.privacy_notice


def _survey_settings(session, symposium):
    from surveys.models import Survey

    session.expire_all()
    survey = session.scalar(sa.select(Survey).where(Survey.symposium_id == symposium.id))
    return survey.title, survey.introduction


def _first_question(session, symposium):
    from surveys.models import Question, Survey, SurveySection

    session.expire_all()
    return session.execute(
        sa.select(Question.text, Question.help)
        .join(SurveySection)
        .join(Survey)
        .where(Survey.symposium_id == symposium.id)
        .order_by(SurveySection.position, Question.position)
    ).first()


def _first_item(session, symposium):
    from agenda.models import AgendaItem

    session.expire_all()
    item = session.scalars(
        sa.select(AgendaItem).where(AgendaItem.day_id == symposium.days[0].id)
    ).first()
    return item.title, item.duration_minutes


def _question_url(client, symposium):
    page = client.get(f"/symposia/{symposium.id}/survey").get_data(as_text=True)
    return re.search(rf"/symposia/{symposium.id}/survey/questions/\d+(?=\")", page).group(0)


def _item_url(client, symposium):
    page = client.get(f"/symposia/{symposium.id}/agenda").get_data(as_text=True)
    return re.search(rf"/symposia/{symposium.id}/agenda/items/\d+/edit", page).group(0)


# Each edit page: where it is, Ben's change, Ana's change in her older form, what is saved.
PAGES = {
    "circular": (
        lambda client, s: f"/symposia/{s.id}/circular/edit",
        ("objectives", "Ben's objectives."),
        ("introduction", "Ana's introduction."),
        _circular,
        ("Ana's introduction.", "Ben's objectives."),
    ),
    "registration settings": (
        lambda client, s: f"/symposia/{s.id}/registration/settings",
        ("privacy_notice", "Data kept 12 months."),
        ("moderated", "y"),
        _registration_settings,
        (True, "Data kept 12 months."),
    ),
    "survey settings": (
        lambda client, s: f"/symposia/{s.id}/survey/settings",
        ("introduction", "Ben's introduction."),
        ("title", "Ana's title"),
        _survey_settings,
        ("Ana's title", "Ben's introduction."),
    ),
    "survey question": (
        _question_url,
        ("help", "Ben's help."),
        ("text", "Ana's question?"),
        _first_question,
        ("Ana's question?", "Ben's help."),
    ),
    "agenda item": (
        _item_url,
        ("duration", "60"),
        ("title", "Ana's title"),
        _first_item,
        ("Ana's title", 60),
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_each_edit_page_keeps_the_other_organisers_change(
    page, app, client, login, session, create_user_account, create_symposium_record
):
    where, (ben_field, ben_value), (ana_field, ana_value), saved, expected = PAGES[page]
    symposium = create_symposium_record()
    apply_preset(session, symposium, "two-day-apec")
    session.commit()
    login()
    url = where(client, symposium)
    ana_form = opened(client, url)
    ben = organiser(app, create_user_account)
    ben_form = opened(ben, url)
    ben_form[ben_field] = [ben_value]
    assert ben.post(url, data=ben_form).status_code == 302
    ana_form[ana_field] = [ana_value]
    assert client.post(url, data=ana_form).status_code == 302
    assert tuple(saved(session, symposium)) == expected
