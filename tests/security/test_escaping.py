"""Hostile text (``<script>``, ``"><img onerror=…>``, ``javascript:`` links) typed into a
symposium title, a speaker, an agenda item, the GIC, a focal point, a nominee, a registrant and
a survey answer comes out as text everywhere it is shown: every page (organiser and public),
every form sent back with it, every mail, PDF and calendar file.
"""

from __future__ import annotations

import email
import io
import json
from html.parser import HTMLParser

import sqlalchemy as sa
from icalendar import Calendar, vText
from pypdf import PdfReader

from symposium.mailers import build_email
from symposium.models import OutboxMessage
from tests.conftest import csrf_token
from tests.security.conftest import TOKEN_KINDS, FullSymposium
from tests.security.database import database_rows
from tests.security.pages import with_token
from tests.security.seeding import JS_LINK, MARKUP, SCRIPT, hostile
from tests.symposium.test_access import PUBLIC_ENDPOINTS

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "frame", "applet", "meta"}


class _PageReader(HTMLParser):
    """The text a reader sees on a page, and every piece of markup that could run code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            plain = "".join(value.split()).lower()
            if name in URL_ATTRIBUTES and plain.startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = True
            if not values.get("src", "").startswith("/") or values["src"].startswith("//"):
                self.problems.append(f"<script> not from this site: {values}")
        elif tag == "img" and not values.get("src", "").startswith(("/", "data:image/")):
            self.problems.append(f"<img src={values.get('src')!r}>")
        elif tag in DANGEROUS_TAGS and not (tag == "meta" and "http-equiv" not in values):
            self.problems.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]!r}")
        self.text.append(data)


def read_page(html: str) -> tuple[str, list[str]]:
    """(the visible text, the markup that could run code)."""
    reader = _PageReader()
    reader.feed(html)
    reader.close()
    if SCRIPT in html:
        reader.problems.append("the hostile <script> as it was typed")
    return " ".join(reader.text), reader.problems


def normalised(text: str) -> str:
    return "".join(text.split())


# Where each hostile text must be seen as text (and on which public page, if any).
SHOWN_ON = {
    "symposium title": {"symposium.detail", "agenda.agenda_page", "registration.manage"},
    "speaker name": {"agenda.speakers", "agenda.agenda_page"},
    "item title": {"agenda.builder", "agenda.agenda_page"},
    "item description": {"agenda.agenda_page"},
    "GIC objectives": {"registration.circular_version", "registration.nominate_page"},
    "focal point name": {"registration.focal_point_list"},
    "nominee name": {"registration.nominations", "registration.nominate_page"},
    "registrant name": {"registration.participants", "registration.manage"},
    "survey answer": {"surveys.results"},
}


def test_every_page_shows_hostile_text_as_text(full_symposium, all_pages):
    shown: dict[str, set[str]] = {label: set() for label in SHOWN_ON}
    html_pages = 0
    for endpoint, response in all_pages.items():
        if response.mimetype != "text/html":
            continue
        html_pages += 1
        text, problems = read_page(response.get_data(as_text=True))
        assert problems == [], endpoint
        for label in SHOWN_ON:
            first_line = full_symposium.texts[label].splitlines()[0]
            if normalised(first_line) in normalised(text):
                shown[label].add(endpoint)
    assert html_pages >= 40
    for label, endpoints in SHOWN_ON.items():
        assert endpoints <= shown[label], (label, endpoints - shown[label])


def test_search_filters_and_time_zones_echo_hostile_text_as_text(full_symposium):
    full = full_symposium
    anonymous = full.app.test_client()
    base = f"/symposia/{full.id}"
    for client, url in [
        (full.organiser, f"{base}/registrations?q={MARKUP}&sex={MARKUP}&page=1"),
        (full.organiser, f"{base}/nominations?status={MARKUP}"),
        (full.organiser, f"/outbox?status={MARKUP}"),
        (full.organiser, f"{base}/survey/results?by={MARKUP}"),
        (full.organiser, f"{base}/agenda/planner?window_start={MARKUP}"),
        (full.organiser, f"{base}/focal-points/new?economy={MARKUP}"),
        (full.organiser, f"{base}/agenda/days/1/items/new?after={MARKUP}"),
        (anonymous, f"/agenda/{full.id}?tz={MARKUP}"),
        (anonymous, f"/login?next={MARKUP}"),
    ]:
        response = client.get(url)
        assert response.status_code < 500, url
        assert read_page(response.get_data(as_text=True))[1] == [], url


def test_forms_sent_back_with_hostile_text_show_it_as_text(pristine, crawled_forms):
    """Every form, every text box filled with markup, answered by the page that shows the
    form again (or the page it goes to): nothing of it runs."""
    full = pristine
    anonymous = full.app.test_client()
    for endpoint, forms in sorted(crawled_forms.items()):
        form = forms[0]
        if endpoint == "auth.logout":
            continue
        client = anonymous if endpoint in PUBLIC_ENDPOINTS else full.organiser
        data = form.values()
        for f in form.fields:
            if f.kind in ("text", "textarea", "email", "url", "search", "hidden", "select"):
                data[f.name] = [hostile("Sent")]
        data = with_token(data, csrf_token(client))
        response = client.post(form.action, data=data, follow_redirects=True)
        assert response.status_code < 500, endpoint
        if response.mimetype == "text/html":
            assert read_page(response.get_data(as_text=True))[1] == [], endpoint


def test_json_answers_are_json_that_browsers_will_not_sniff(all_pages):
    answers = {e: r for e, r in all_pages.items() if r.mimetype == "application/json"}
    assert "registration.distribution_progress_json" in answers
    for endpoint, response in answers.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", endpoint
        json.loads(response.data)


# --- mails ---------------------------------------------------------------------------------------


def _mails(full: FullSymposium) -> list[email.message.EmailMessage]:
    with full.session() as session:
        messages = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [build_email(m, full.app.config["MAIL_SENDER"]) for m in messages]


def test_mails_are_plain_text_with_hostile_text_as_typed(full_symposium):
    full = full_symposium
    mails = _mails(full)
    title = full.texts["symposium title"]
    names = {
        "hostile.focal@example.pe": full.texts["focal point name"],
        "hostile.nominee@example.tw": full.texts["nominee name"],
        "hostile.registrant@example.pe": full.texts["registrant name"],
    }
    seen = set()
    for mail in mails:
        for part in mail.walk():
            if part.is_multipart() or part.get_content_disposition() == "attachment":
                continue
            assert part.get_content_type() == "text/plain", mail["Subject"]
        body = mail.get_body(("plain",)).get_content()
        assert "&lt;" not in body and "&#" not in body, mail["Subject"]
        assert mail["Subject"].count("\n") == 0
        if title in body:
            seen.add("title")
        if mail["To"] in names:
            assert names[mail["To"]] in body, mail["To"]
            seen.add(mail["To"])
    assert seen == {"title", *names}
    # Headers are only those the app sets: a name or title cannot add a Bcc.
    assert all(set(mail.keys()) <= {"From", "To", "Subject", "Date", "Message-ID",
                                    "Content-Type", "Content-Transfer-Encoding",
                                    "MIME-Version"} for mail in mails)  # fmt: skip


# --- PDFs ----------------------------------------------------------------------------------------


def pdf_text_and_links(data: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    links = []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            links.append(str(action.get("/URI", "")))
    return text, links


def test_pdfs_print_hostile_text_literally_and_link_nowhere_unsafe(full_symposium, all_pages):
    full = full_symposium
    expected = {
        "agenda.pdf_file": ["symposium title", "item title", "speaker name"],
        "registration.circular_version_pdf": ["symposium title", "GIC objectives"],
        "registration.nominate_circular_pdf": ["symposium title", "GIC objectives"],
    }
    if "reports.report_pdf" in full.app.view_functions:
        expected["reports.report_pdf"] = ["symposium title"]
    pdfs = {e: r for e, r in all_pages.items() if r.mimetype == "application/pdf"}
    assert set(expected) <= set(pdfs)
    for endpoint, response in pdfs.items():
        assert response.status_code == 200, endpoint
        text, links = pdf_text_and_links(response.data)
        for label in expected.get(endpoint, []):
            assert normalised(full.texts[label].splitlines()[0]) in normalised(text), (
                endpoint,
                label,
            )
        assert not [link for link in links if link.lower().startswith(DANGEROUS_SCHEMES)]
        assert b"/JavaScript" not in response.data and b"/JS " not in response.data, endpoint
    # The GIC's Markdown link to javascript: is printed as text, and links nowhere.
    gic, links = pdf_text_and_links(pdfs["registration.circular_version_pdf"].data)
    assert "Read this" in gic and not links


# --- calendars -----------------------------------------------------------------------------------


def _calendars(full: FullSymposium, all_pages) -> dict[str, bytes]:
    files = {e: r.data for e, r in all_pages.items() if r.mimetype == "text/calendar"}
    for number, mail in enumerate(_mails(full)):
        if mail["To"] != "hostile.registrant@example.pe":
            continue  # the demo's mails went out before the hostile text was typed
        for part in mail.iter_attachments():
            if part.get_content_type() == "text/calendar":
                files[f"mail {number} {part.get_filename()}"] = part.get_payload(decode=True)
    return files


def test_calendars_carry_hostile_text_as_escaped_text(full_symposium, all_pages):
    full = full_symposium
    files = _calendars(full, all_pages)
    assert {
        "agenda.calendar_file",
        "agenda.day_calendar_file",
        "agenda.personal_feed",
        "registration.personal_calendar_file",
    } <= set(files)
    assert any(name.startswith("mail ") for name in files)
    for name, data in files.items():
        calendar = Calendar.from_ical(data)
        unfolded = data.decode().replace("\r\n ", "")
        assert "\r\nDTSTART:1970" not in unfolded, name
        # An X- property is not known to be text, so the parser leaves it as written: escaped.
        escaped_title = vText(full.texts["symposium title"]).to_ical().decode()
        assert str(calendar["X-WR-CALNAME"]).startswith(escaped_title), name
        events = [e for e in calendar.walk("VEVENT") if e["SUMMARY"] == full.texts["item title"]]
        assert len(events) == 1, name
        event = events[0]
        assert full.texts["item description"] in str(event["DESCRIPTION"]), name
        assert event.decoded("DTSTART").year > 2000, name
        assert full.texts["speaker name"] in str(event["DESCRIPTION"]), name


def test_token_routes_are_all_checked(full_symposium, all_pages):
    """The public pages above include every personal-link page, opened with a live link."""
    for endpoint in TOKEN_KINDS:
        if endpoint in all_pages:
            assert all_pages[endpoint].status_code == 200, endpoint


def test_links_organisers_type_must_be_web_addresses(pristine, crawled_forms):
    """The join link and an item's materials are shown as links: only http(s) is taken."""
    full = pristine
    before = database_rows(full.app, "symposium", "agenda_item")
    for endpoint, field in [("symposium.edit", "platform_url"), ("agenda.edit_item", "materials")]:
        form = crawled_forms[endpoint][0]
        for link in (JS_LINK, " JaVaScRiPt:alert(1)", "data:text/html,x", "//evil.example"):
            data = with_token(form.values() | {field: [link]}, csrf_token(full.organiser))
            response = full.organiser.post(form.action, data=data)
            assert response.status_code in (400, 422), (endpoint, link, response.status_code)
    assert database_rows(full.app, "symposium", "agenda_item") == before
