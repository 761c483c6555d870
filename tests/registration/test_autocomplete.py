"""The registrant's own details, and the organisers' log-in, as the browser may fill them in."""

from __future__ import annotations

from tests.conftest import post_form
from tests.registration.test_registration import MANAGE, form, mails
from tests.security.pages import page_forms

OWN_DETAILS = {
    "given_name": "given-name",
    "family_name": "family-name",
    "email": "email",
    "organisation": "organization",
    "job_title": "organization-title",
    "timezone": "off",  # a list of zones of its own, not the browser's suggestions
}


def autocomplete(client, path: str) -> dict[str, str]:
    """Each field's ``autocomplete`` on the page at ``path``, by the field's name."""
    forms = page_forms(path, client.get(path).get_data(as_text=True))
    return {f.name: f.autocomplete for page_form in forms for f in page_form.fields}


def test_the_registrants_own_details_can_be_filled_in_by_the_browser(
    client, session, economies, invited_symposium
):
    """The open form and the manage page ask for the registrant's own details: each field says
    which (WCAG's "identify input purpose"), so the browser offers what it knows of its user.
    The organisers' log-in says which fields a password manager fills."""
    assert OWN_DETAILS.items() <= autocomplete(client, f"/register/{invited_symposium.id}").items()
    post_form(client, f"/register/{invited_symposium.id}", form(economies))
    token = MANAGE.search(mails(session, "ana@example.pe")[0].body).group(1)
    assert OWN_DETAILS.items() <= autocomplete(client, f"/registration/{token}").items()
    login = autocomplete(client, "/login")
    assert (login["email"], login["password"]) == ("username", "current-password")
