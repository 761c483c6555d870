"""Writing the circular through its pages: the first draft, preview, saving, revisions after
distribution, frozen versions, PDFs, hostile Markdown and who may do what."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from agenda.demo import add_demo_agenda
from registration.circular import CircularTexts
from registration.circular_services import (
    current_version,
    latest_version,
    mark_distributed,
    save_circular,
)
from registration.models import CircularVersion, NominationQuota
from symposium.services import DayPlan, setup_of, update_symposium
from tests.conftest import post_form

TEXTS = {
    "introduction": "The SMEWG invites you.",
    "objectives": "Share good practice on **cross-border e-commerce**.",
    "target_participants": "Officials responsible for MSME policy.",
    "nomination_procedure": "Focal points nominate through their link.",
    "registration_instructions": "Register through your invitation.",
    "privacy_notice": "We collect what the completion report needs.",
}


@pytest.fixture
def symposium(create_symposium_record, economies):
    """Lima hosts on 2–3 April 2027; New Zealand leaves daylight saving during day 2."""
    return create_symposium_record(
        title="Cross-border e-commerce for MSMEs",
        project_number="SME 10 2022A",
        invited_economy_ids=[economies[n].id for n in ("Peru", "New Zealand", "Viet Nam")],
        days=[DayPlan(dt.date(2027, 4, 2), dt.time(8)), DayPlan(dt.date(2027, 4, 3), dt.time(8))],
        nomination_deadline=dt.date(2027, 3, 5),
    )


def url(symposium, suffix: str = "") -> str:
    return f"/symposia/{symposium.id}/circular{suffix}"


def save(client, symposium, **fields):
    return post_form(client, url(symposium, "/edit"), {**TEXTS, "save": "Save", **fields})


def saved_versions(session, symposium) -> list[CircularVersion]:
    session.expire_all()
    return list(
        session.scalars(
            sa.select(CircularVersion)
            .where(CircularVersion.symposium_id == symposium.id)
            .order_by(CircularVersion.number)
        )
    )


def circular_part(response) -> str:
    """The circular itself, without the page around it (which names today's symposium)."""
    page = response.get_data(as_text=True)
    return page[page.index('<article class="circular"') : page.index("</article>")]


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


def distribute_v1(client, session, symposium) -> None:
    """Save version 1 through the form and freeze it as distribution does."""
    assert save(client, symposium).status_code == 302
    mark_distributed(session, latest_version(session, symposium))
    session.commit()


def rename(session, symposium, title: str) -> None:
    session.expire_all()
    update_symposium(session, symposium, dataclasses.replace(setup_of(symposium), title=title))
    session.commit()


def test_a_new_symposium_shows_a_first_draft_with_default_texts(client, login, session, symposium):
    login()
    page = client.get(url(symposium)).get_data(as_text=True)
    assert "Not saved yet" in page
    assert "sex-disaggregated" in page and "completion report" in page
    assert "Still empty: Objectives, Target participants" in page
    assert "Pacific/Auckland" in page and "02:00 Sun – 04:00 Sun" in page
    assert "13:00–16:00 UTC" in page
    form = client.get(url(symposium, "/edit")).get_data(as_text=True)
    assert "up to **2 delegates**" in form and "Friday 5 March 2027" in form
    assert 'name="change_summary"' not in form  # nothing to revise yet
    assert saved_versions(session, symposium) == []


def test_organiser_previews_then_saves_the_first_version(client, login, session, symposium):
    login()
    preview = post_form(client, url(symposium, "/edit"), {**TEXTS, "preview": "Preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Preview (not saved)" in page
    assert "<strong>cross-border e-commerce</strong>" in page
    assert saved_versions(session, symposium) == []

    response = save(client, symposium)
    assert response.status_code == 302 and response.headers["Location"] == url(symposium)
    (version,) = saved_versions(session, symposium)
    assert (version.number, version.objectives) == (1, TEXTS["objectives"])
    assert version.distributed_at is None and version.change_summary is None
    page = client.get(url(symposium)).get_data(as_text=True)
    assert "Version 1 is a draft" in page
    assert "<strong>cross-border e-commerce</strong>" in page


def test_editing_a_draft_changes_it_in_place(client, login, session, symposium):
    login()
    save(client, symposium)
    assert save(client, symposium, objectives="Better objectives.").status_code == 302
    (version,) = saved_versions(session, symposium)
    assert version.objectives == "Better objectives."


def test_editing_a_distributed_version_makes_a_revision_that_says_what_changed(
    client, login, session, symposium
):
    login()
    distribute_v1(client, session, symposium)
    form = client.get(url(symposium, "/edit")).get_data(as_text=True)
    assert "Saving creates version 2" in form and 'name="change_summary"' in form

    refused = save(client, symposium, objectives="New objectives.")
    assert refused.status_code == 422
    assert "say what changed, in one line" in refused.get_data(as_text=True)
    assert len(saved_versions(session, symposium)) == 1

    response = save(client, symposium, objectives="New objectives.", change_summary="New aims.")
    assert response.status_code == 302
    first, second = saved_versions(session, symposium)
    assert first.objectives == TEXTS["objectives"] and first.distributed_at is not None
    assert (second.number, second.objectives, second.change_summary) == (
        2,
        "New objectives.",
        "New aims.",
    )
    assert second.distributed_at is None
    # Editing the undistributed revision again stays version 2.
    save(client, symposium, objectives="Newer objectives.", change_summary="New aims.")
    assert [v.number for v in saved_versions(session, symposium)] == [1, 2]


def test_a_distributed_version_shows_what_was_sent_after_the_symposium_changes(
    client, login, session, symposium
):
    login()
    distribute_v1(client, session, symposium)
    save(client, symposium, change_summary="The title changed.")
    rename(session, symposium, "Digital trade for small business")

    response = client.get(url(symposium, "/v1"))
    assert "shown exactly as it was sent" in response.get_data(as_text=True)
    old = circular_part(response)
    assert "Cross-border e-commerce for MSMEs" in old
    assert "Digital trade for small business" not in old
    new = circular_part(client.get(url(symposium, "/v2")))
    assert "Digital trade for small business" in new
    assert "Revised (version 2): The title changed." in new
    listing = client.get(url(symposium)).get_data(as_text=True)
    assert url(symposium, "/v1") in listing and url(symposium, "/v2.pdf") in listing


def test_each_version_downloads_as_its_own_pdf(client, login, session, symposium):
    login()
    distribute_v1(client, session, symposium)
    save(client, symposium, change_summary="The title changed.")
    rename(session, symposium, "Digital trade for small business")

    first = pdf_text(client.get(url(symposium, "/v1.pdf")))
    assert "Cross-border e-commerce for MSMEs" in first and "SME 10 2022A" in first
    assert "Digital trade" not in first and "Revised" not in first
    assert "New Zealand" in first and "02:00 Sun – 04:00 Sun" in first
    assert "Viet Nam" in first and "20:00–23:00" in first  # Hanoi, UTC+07:00
    second = pdf_text(client.get(url(symposium, "/v2.pdf")))
    assert "Digital trade for small business" in second
    assert "Revised (version 2): The title changed." in second


def test_mark_distributed_freezes_once(session, symposium):
    version = current_version(session, symposium)  # the first draft, saved now
    assert version.number == 1 and "sex-disaggregated" in version.privacy_notice
    first = mark_distributed(session, version)
    sent_at = version.distributed_at
    session.commit()
    rename(session, symposium, "Renamed afterwards")
    again = mark_distributed(session, version)
    assert again == first and again.facts.title == "Cross-border e-commerce for MSMEs"
    assert version.distributed_at == sent_at and first.issued_on is not None


def test_quota_exceptions_and_the_agenda_are_filled_in(
    client, login, session, symposium, economies
):
    session.add(
        NominationQuota(symposium_id=symposium.id, economy_id=economies["Peru"].id, quota=4)
    )
    add_demo_agenda(session, symposium)
    session.commit()
    login()
    page = client.get(url(symposium)).get_data(as_text=True)
    assert "Peru: 4" in page
    assert "Draft agenda" in page and "Nguyễn Thị Lan" in page
    assert "08:00–08:15" in page


def test_hostile_markdown_is_text_on_the_page_and_in_the_pdf(client, login, symposium):
    login()
    hostile = "<script>alert('x')</script> <img src=x onerror=alert(1)>"
    save(client, symposium, objectives=hostile)
    page = client.get(url(symposium)).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page
    assert hostile in pdf_text(client.get(url(symposium, "/v1.pdf")))


def test_viewers_read_every_version_but_cannot_edit(client, login, session, symposium):
    save_circular(session, symposium, CircularTexts(**TEXTS))
    session.commit()
    login("viewer")
    page = client.get(url(symposium)).get_data(as_text=True)
    assert "Version 1 is a draft" in page and 'id="edit-circular"' not in page
    assert client.get(url(symposium, "/v1")).status_code == 200
    assert client.get(url(symposium, "/v1.pdf")).status_code == 200
    assert client.get(url(symposium, "/edit")).status_code == 403
    assert save(client, symposium, objectives="Changed by a viewer").status_code == 403
    (version,) = saved_versions(session, symposium)
    assert version.objectives == TEXTS["objectives"]


def test_unknown_versions_are_not_found_and_anonymous_visitors_log_in(client, login, symposium):
    assert client.get(url(symposium)).headers["Location"].startswith("/login")
    login()
    assert client.get(url(symposium, "/v1")).status_code == 200  # the unsaved first draft
    assert client.get(url(symposium, "/v2")).status_code == 404
    assert client.get(url(symposium, "/v2.pdf")).status_code == 404
    assert client.get("/symposia/999999/circular").status_code == 404
