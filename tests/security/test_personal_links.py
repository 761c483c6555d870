"""Personal links (focal points' nomination links, nominees' invitations, registrants' manage
links, survey links, signed calendar feeds) on every route that takes one.

A wrong token, a revoked one, one of a removed, rejected, withdrawn or erased person, and a
live token of another kind all get the very 404 of a page that does not exist: the same bytes,
so nobody learns which part was wrong; the token is never echoed back; nothing changes.
"""

from __future__ import annotations

import io
import re
import secrets

import sqlalchemy as sa
from pypdf import PdfReader

from agenda.feeds import feed_token
from registration.models import Nomination, Registration
from symposium.models import Economy, Symposium
from tests.conftest import csrf_token
from tests.security.conftest import TOKEN_KINDS, FullSymposium, app_rules, mailed_links, route_url
from tests.security.database import changed_tables, database_rows
from tests.symposium.test_access import PUBLIC_ENDPOINTS

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def wrong_tokens(full: FullSymposium, kind: str) -> dict[str, str]:
    """Every token that must not open a ``kind`` link, by what is wrong with it."""
    tokens = {
        "unknown": secrets.token_urlsafe(32),
        "too long": secrets.token_urlsafe(150),
        "not URL-safe": "é<script>%00" + secrets.token_hex(8),
        "live, one character off": full.links[kind][:-1]
        + ("A" if full.links[kind][-1] != "A" else "B"),
    }
    tokens |= {f"dead: {why}": token for why, token in full.dead_links.get(kind, {}).items()}
    tokens |= {f"live {other}": token for other, token in full.links.items() if other != kind}
    if kind == "feed":  # validly signed, naming a speaker of another symposium
        secret = full.app.config["SECRET_KEY"]
        tokens["other symposium's speaker"] = feed_token(
            secret, full.values["symposium_id"], full.other_values["speaker_id"]
        )
    return tokens


# A personal link that never existed: every wrong one, of whatever kind and for whatever reason,
# gets exactly this page (it says the link does not work and what to do, nothing more).
NO_SUCH_LINK = "/registration/" + "A" * 43


def test_every_wrong_token_gets_the_same_404_as_a_link_that_never_existed(
    full_symposium, steady_csrf_signature
):
    full = full_symposium
    client = full.app.test_client()
    csrf_token(client)  # a visitor who has seen a page has a session with a CSRF token
    missing = client.get(NO_SUCH_LINK)
    assert missing.status_code == 404
    assert "Please use the link in the latest mail" in missing.get_data(as_text=True)
    before = database_rows(full.app)
    tried = 0
    for rule in app_rules(full.app):
        kind = TOKEN_KINDS.get(rule.endpoint)
        if kind is None:
            continue
        for why, token in wrong_tokens(full, kind).items():
            url = route_url(full, rule, token=token)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": csrf_token(client), "given_name": "Changed"}
                response = client.open(url, method=method, data=data)
                where = (rule.endpoint, method, why)
                assert response.status_code == 404, where
                assert response.data == missing.data, where
                assert response.mimetype == missing.mimetype, where
                assert token[:12] not in response.get_data(as_text=True), where
                tried += 1
    assert tried >= 100
    assert changed_tables(before, database_rows(full.app)) == []


def test_a_focal_point_reaches_only_its_own_economys_nominations(
    full_symposium, steady_csrf_signature
):
    """A live nomination link with the id of another economy's (or symposium's) nomination is
    the same 404, for reading, editing and withdrawing."""
    full = full_symposium
    client = full.app.test_client()
    missing = client.get(NO_SUCH_LINK)
    with full.session() as session:
        others = session.scalars(
            sa.select(Nomination.id)
            .join(Economy)
            .where(Economy.name != "Chinese Taipei")
            .order_by(Nomination.id)
        ).all()
    assert full.other_values["nomination_id"] in others
    before = database_rows(full.app)
    for endpoint in ("registration.edit_nomination", "registration.withdraw"):
        rule = next(r for r in app_rules(full.app) if r.endpoint == endpoint)
        for nomination_id in [*others, 10**6]:
            url = route_url(full, rule, nomination_id=nomination_id)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": csrf_token(client), "given_name": "Changed"}
                response = client.open(url, method=method, data=data)
                assert response.status_code == 404, (endpoint, nomination_id, method)
                assert response.data == missing.data, (endpoint, nomination_id, method)
    assert changed_tables(before, database_rows(full.app)) == []


def test_live_links_open_their_pages(full_symposium):
    """The 404s above are worth something only if the same routes work with the right token."""
    full = full_symposium
    client = full.app.test_client()
    for rule in app_rules(full.app):
        if rule.endpoint in TOKEN_KINDS and "GET" in rule.methods:
            response = client.get(route_url(full, rule))
            assert response.status_code == 200, rule.endpoint


def test_public_pages_show_their_owner_and_nobody_else(full_symposium):
    """Every public page and download names no participant, nominee, speaker or focal point
    by address (a personal page only its owner), and the join link is only in the personal
    calendars and on a confirmed registrant's page."""
    full = full_symposium
    client = full.app.test_client()
    with full.session() as session:
        taipei_nominations = set(
            session.scalars(
                sa.select(Nomination.email).join(Economy).where(Economy.name == "Chinese Taipei")
            )
        )
        symposium = session.get(Symposium, full.id)
        platform_url, contact = symposium.platform_url, symposium.po_email
    own = {
        "registration.manage": {"hostile.registrant@example.pe"},
        "registration.invitation_page": {"hostile.nominee@example.tw"},
        "registration.nominate_page": taipei_nominations,
        "registration.edit_nomination": {"hostile.nominee@example.tw"},
    }
    with_join_link = {
        "registration.manage",
        "registration.personal_calendar_file",
        "agenda.personal_feed",
    }
    checked = 0
    for rule in app_rules(full.app):
        if rule.endpoint not in PUBLIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        response = client.get(route_url(full, rule))
        assert response.status_code == 200, rule.endpoint
        if response.mimetype == "application/pdf":
            pages = PdfReader(io.BytesIO(response.data)).pages
            text = " ".join(page.extract_text() for page in pages)
        else:
            text = response.data.decode().replace("\r\n ", "")  # unfold calendar lines
            # An event's UID (agenda-item-7@symposium.example.org) has an address's shape.
            text = re.sub(r"^UID:\S+\r?$", "", text, flags=re.MULTILINE)
        shown = set(EMAIL.findall(text)) - {contact}
        assert shown <= own.get(rule.endpoint, set()), (rule.endpoint, shown)
        assert (platform_url in text) == (rule.endpoint in with_join_link), rule.endpoint
        checked += 1
    assert checked >= 12


def test_a_cancelled_registrants_link_shows_the_cancellation_and_changes_nothing(
    full_symposium,
):
    full = full_symposium
    with full.session() as session:
        mailed = mailed_links(session)["registration"]
        cancelled = session.scalars(
            sa.select(Registration)
            .where(Registration.status == "cancelled", Registration.email.in_(mailed))
            .order_by(Registration.id)
        ).first()
        platform_url = session.get(Symposium, full.id).platform_url
    token = mailed[cancelled.email]
    client = full.app.test_client()
    before = database_rows(full.app)
    page = client.get(f"/registration/{token}")
    assert page.status_code == 200 and "cancelled" in page.text
    assert platform_url not in page.text  # the join link is for registered people only
    assert client.get(f"/registration/{token}/calendar.ics").status_code == 404
    edit = {"csrf_token": csrf_token(client), "given_name": "Changed", "email": "x@example.org"}
    assert client.post(f"/registration/{token}", data=edit).status_code == 400
    again = client.post(f"/registration/{token}/cancel", data={"csrf_token": csrf_token(client)})
    assert again.status_code == 302
    assert changed_tables(before, database_rows(full.app)) == []
