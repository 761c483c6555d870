"""Two symposia never share both a project number and a title: an edit of the set-up is refused
as a new symposium is, also when edits and a creation come at the same moment."""

from __future__ import annotations

import html

import sqlalchemy as sa

from symposium.models import Symposium
from tests.conftest import logged_in_clients, post_form, posted_at_once
from tests.symposium.test_setup import form_data

TAKEN = "“Digital skills for MSMEs” (SME 01 2026A) is already set up, since"


def stored(session, symposium_id: int) -> tuple[str, str, int | None]:
    session.expire_all()
    symposium = session.get(Symposium, symposium_id)
    return symposium.project_number, symposium.title, symposium.capacity


def test_an_edit_cannot_give_a_symposium_anothers_project_number_and_title(
    client, login, session, create_symposium_record
):
    create_symposium_record(project_number="SME 01 2026A", title="Digital skills for MSMEs")
    second = create_symposium_record(project_number="SME 02 2026A", title="Women in trade")
    login()
    url = f"/symposia/{second.id}/edit"

    # Other spacing and case are the same symposium, as for a new one.
    same = form_data(
        project_number="sme 01 2026a", title=" digital SKILLS for MSMEs", capacity="90"
    )
    response = post_form(client, url, same)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="project_number-error"' in page and TAKEN in page
    assert stored(session, second.id) == ("SME 02 2026A", "Women in trade", None)

    # Letter case outside ASCII too (SQLite's lower() knows only ASCII), and inner spaces.
    create_symposium_record(project_number="EC 03 2026A", title="Économie numérique en APEC")
    same = form_data(project_number="EC 03  2026A", title="ÉCONOMIE  NUMÉRIQUE en apec")
    response = post_form(client, url, same)
    assert response.status_code == 422
    assert "“Économie numérique en APEC” (EC 03 2026A) is already set up" in html.unescape(
        response.get_data(as_text=True)
    )
    assert stored(session, second.id) == ("SME 02 2026A", "Women in trade", None)

    # Its own project number and title, or one of the two like the other's, are saved.
    for title in ("Women in trade", "Digital skills for MSMEs"):
        data = form_data(project_number="SME 02 2026A", title=title, capacity="90")
        assert post_form(client, url, data).status_code == 302
        assert stored(session, second.id) == ("SME 02 2026A", title, 90)


def test_edits_and_a_creation_taking_the_same_project_number_and_title_at_once_save_one(
    app, session, create_symposium_record, create_user_account
):
    """Organisers edit four symposia, and another sets a new one up, all to the same project
    number and title at the same moment: one is saved, the others are refused."""
    edited = [
        create_symposium_record(project_number=f"SME 0{number} 2026A", title="Women in trade")
        for number in range(2, 6)
    ]
    clients = logged_in_clients(app, create_user_account().email, len(edited) + 1)
    data = form_data(project_number="SME 01 2026A", title="Digital skills for MSMEs")
    urls = [f"/symposia/{symposium.id}/edit" for symposium in edited] + ["/symposia/new"]

    sends = [(client, url, data) for client, url in zip(clients, urls, strict=True)]
    pages = [html.unescape(page) for page in posted_at_once(sends)]

    saved = [page for page in pages if "Saved “Digital skills for MSMEs”." in page]
    refused = [page for page in pages if TAKEN in page]
    assert (len(saved), len(refused)) == (1, len(edited))
    alike = sa.select(sa.func.count(Symposium.id)).where(Symposium.project_number == "SME 01 2026A")
    assert session.scalar(alike) == 1
