"""The whole symposium, start to end, in a real browser as its users would walk it.

An organiser sets up a two-day symposium and its targets, builds the agenda from the template
and writes and distributes the circular; the focal point nominates from the mail it received;
the organiser accepts; the nominee registers from the invitation mail and adds the calendar;
the organiser imports each day's Zoom report and opens the survey; the attendee answers it from
the mail; a viewer downloads the completion report, whose figures are the journey's.

Every link is read from the mails a real SMTP server received; nothing is done through the
services behind the pages.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

HOST_ZONE = ZoneInfo("America/Lima")
JOIN_LINK = "https://zoom.example.org/j/5550001111"
FOCAL_POINT = "duc@mpi.gov.vn"
NOMINEE = "lan@mpi.gov.vn"
SPEAKER = "María Fernández Ríos"
KEYNOTE = "E-commerce as a key accelerator for the development of MSMEs"
# Minutes in the meeting on each day, from 09:00 host time (the threshold is 30).
PRESENT = {1: (0, 120), 2: (5, 110)}


class Journey:
    """What the test carries from step to step: the app, the mail sink and the browser."""

    def __init__(self, app, runner, smtp_server, browser, live_server, tmp_path: Path) -> None:
        self.app, self.runner, self.smtp = app, runner, smtp_server
        self.browser, self.live_server, self.tmp_path = browser, live_server, tmp_path
        self.today = dt.datetime.now(HOST_ZONE).date()
        self.day1 = self.today + dt.timedelta(days=60)
        self.problems: list[str] = []

    def context(self, **options):
        """A browser of its own (its own cookies) that notes script errors and CSP violations."""
        context = self.browser.new_context(base_url=self.live_server, **options)
        context.set_default_timeout(15_000)

        def note(message) -> None:
            # A refused form comes back as 4xx, which Chromium logs; those are expected.
            if message.type == "error" and "status of 4" not in message.text:
                self.problems.append(message.text)

        context.on("console", note)
        context.on("weberror", lambda error: self.problems.append(str(error.error)))
        return context

    def deliver(self) -> None:
        """The outbox worker sends what is queued to the SMTP server."""
        self.app.config.update(
            MAIL_BACKEND="smtp", MAIL_HOST=self.smtp.host, MAIL_PORT=self.smtp.port
        )
        result = self.runner.invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output

    def mail_to(self, address: str, subject: str = ""):
        """The last mail the SMTP server received for ``address`` whose subject has ``subject``."""
        mails = [
            m
            for m in self.smtp.messages
            if m.envelope_recipients == [address] and subject in m["Subject"]
        ]
        assert mails, f"no mail to {address} about {subject!r}"
        return mails[-1]

    def link_in(self, address: str, path: str, subject: str = "") -> str:
        """The personal link under ``path`` (e.g. ``/nominate/``) in the mail to ``address``."""
        body = self.mail_to(address, subject).get_body(("plain",)).get_content()
        match = re.search(rf"https?://\S+{re.escape(path)}[A-Za-z0-9_-]+", body)
        assert match, f"no {path} link in the mail to {address}:\n{body}"
        return match.group(0)


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Symposia").wait_for()


def tab(page, name: str) -> None:
    """Open a part of the symposium from its tabs."""
    page.get_by_role("navigation", name="Parts of this symposium").get_by_role(
        "link", name=name, exact=True
    ).click()


# --- the organiser prepares -------------------------------------------------------------------


def set_up_symposium(page, journey: Journey) -> None:
    day1, day2 = journey.day1, journey.day1 + dt.timedelta(days=1)
    page.get_by_role("link", name="New symposium").click()
    page.get_by_label("Title").fill("E-commerce for women-led MSMEs")
    page.get_by_label("Project number").fill("SME 05 2026A")
    page.get_by_label("Sponsoring forum").fill("SMEWG")
    page.get_by_label("Project overseer (PO)").fill("Ana Pérez")
    page.get_by_label("PO e-mail address").fill("ana.perez@example.org")
    page.get_by_label("Host time zone").fill("America/Lima")
    page.get_by_label("Day 1", exact=True).fill(day1.isoformat())
    page.get_by_label("Day 2", exact=True).fill(day2.isoformat())
    deadline = journey.today + dt.timedelta(days=30)
    page.get_by_label("Nomination deadline").fill(deadline.isoformat())
    page.get_by_label("Registration deadline").fill((deadline + dt.timedelta(days=10)).isoformat())
    page.get_by_label("Join link").fill(JOIN_LINK)
    for economy in ("Peru", "Chile", "Viet Nam"):
        page.get_by_label(economy, exact=True).check()
    page.get_by_label("Women participants (%)").fill("50")
    page.get_by_label("Women speakers / experts (%)").fill("40")
    page.get_by_label("Women and/or youth (under 35) (%)").fill("60")
    page.get_by_label("Number of attendees").fill("1")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="E-commerce for women-led MSMEs").wait_for()
    assert "Day 2" in page.locator("#days").inner_text()


def build_agenda(page) -> list[str]:
    """The agenda from the two-day template, a speaker on the first keynote; returns the titles
    of its items in order."""
    tab(page, "Agenda")
    page.get_by_label("Start from a template").select_option("two-day-apec")
    page.get_by_role("button", name="Use this template").click()
    page.get_by_text("Added 12 items from the template.").wait_for()
    titles = page.locator(".item-title").all_inner_texts()

    page.get_by_role("link", name="Speakers", exact=True).click()
    page.get_by_label("Name").fill(SPEAKER)
    page.get_by_label("Economy").select_option(label="Peru")
    page.get_by_label("Sex").select_option("Female")
    page.get_by_role("button", name="Add speaker").click()
    page.get_by_text(f"Saved {SPEAKER}.").wait_for()
    page.get_by_role("link", name="Back to the agenda").click()
    page.get_by_role("link", name=f"Edit “{KEYNOTE}”").click()
    page.get_by_role("group", name="Speakers").get_by_label(re.compile(SPEAKER)).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Saved “{KEYNOTE}”.").wait_for()
    assert f"Speakers: {SPEAKER}" in page.locator(".agenda-table").first.inner_text()
    return titles


def write_and_distribute_circular(page, journey: Journey) -> None:
    tab(page, "Focal points")
    page.get_by_role("link", name="Add a focal point").click()
    page.get_by_label("Name").fill("Trần Minh Đức")
    page.get_by_label("E-mail address").fill(FOCAL_POINT)
    page.get_by_label("Economy").select_option(label="Viet Nam")
    page.get_by_role("button", name="Add focal point").click()
    page.get_by_text("1 of 3 invited economies have a focal point.").wait_for()

    tab(page, "Circular")
    page.get_by_role("link", name="Write the circular").click()
    page.get_by_label("Objectives").fill("Share **e-commerce** practice among women-led MSMEs.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved version 1 of the circular").wait_for()

    tab(page, "Distribution")
    page.get_by_role("button", name="Distribute version 1 to 1 focal point").click()
    page.get_by_text("Version 1 queued for 1 focal point.").wait_for()
    journey.deliver()


# --- nominating and registering ---------------------------------------------------------------


def focal_point_nominates(journey: Journey) -> None:
    focal = journey.context()
    form = focal.new_page()
    form.goto(journey.link_in(FOCAL_POINT, "/nominate/"))
    assert "0 of 2" in form.locator("#quota").inner_text()
    form.get_by_label("Given name").fill("Thị Lan")
    form.get_by_label("Family name").fill("Nguyễn")
    form.get_by_label("E-mail address").fill(NOMINEE)
    form.get_by_role("group", name="Sex").get_by_label("Female", exact=True).check()
    form.get_by_label(re.compile(r"^Organisation")).fill("Ministry of Planning and Investment")
    form.get_by_label("Type of organisation").select_option("Government")
    form.get_by_label("Job title").fill("Deputy Director")
    form.get_by_role("group", name="Under 35 years old (youth)?").get_by_label("No").check()
    form.get_by_role("group", name="Intended role").get_by_label("Participant").check()
    form.get_by_role("button", name="Nominate").click()
    form.get_by_text("Thị Lan Nguyễn is nominated.").wait_for()
    focal.close()


def nominee_registers_and_adds_the_calendar(journey: Journey, titles: list[str]) -> None:
    nominee = journey.context(accept_downloads=True)
    form = nominee.new_page()
    form.goto(journey.link_in(NOMINEE, "/invitation/"))
    form.get_by_text("your nomination has been accepted").wait_for()
    assert form.get_by_label("E-mail address").input_value() == NOMINEE
    assert form.get_by_label("Your time zone").input_value() == "Asia/Ho_Chi_Minh"
    form.get_by_label(re.compile("I have read the privacy notice")).check()
    # Her focal point could not agree for her to the evaluation survey: she does it herself.
    form.get_by_label(re.compile("contact me for the post-event evaluation")).check()
    form.get_by_role("button", name="Register").click()
    form.get_by_text("You are registered.").wait_for()
    journey.deliver()

    form.goto(journey.link_in(NOMINEE, "/registration/", "Registration confirmed"))
    assert form.locator("#registration-status").inner_text() == "confirmed"
    with form.expect_download() as download_info:
        form.get_by_role("link", name="Add to my calendar (.ics)").click()
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("dtstart"))
    assert [str(event["summary"]) for event in events] == titles
    first = events[0].decoded("dtstart")
    assert first == dt.datetime.combine(journey.day1, dt.time(9, 0), HOST_ZONE)
    assert all(str(event["url"]) == JOIN_LINK for event in events)
    assert SPEAKER in str(next(e for e in events if e["summary"] == KEYNOTE)["description"])
    nominee.close()


# --- the event and after ------------------------------------------------------------------------


def zoom_report(journey: Journey, day_number: int) -> Path:
    """The day's Zoom participant report, as Zoom exports it, with the attendee's times."""
    date = journey.day1 + dt.timedelta(days=day_number - 1)
    offset, minutes = PRESENT[day_number]
    join = dt.datetime.combine(date, dt.time(9, 0)) + dt.timedelta(minutes=offset)
    leave = join + dt.timedelta(minutes=minutes)
    fmt = "%m/%d/%Y %I:%M:%S %p"
    lines = [
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
        f"Nguyen Thi Lan,{NOMINEE},{join.strftime(fmt)},{leave.strftime(fmt)},{minutes},No",
    ]
    report = journey.tmp_path / f"participants_day{day_number}.csv"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def import_attendance(page, journey: Journey) -> None:
    for number in (1, 2):
        tab(page, "Attendance")
        page.get_by_role("link", name=f"Import the report of day {number}").click()
        page.get_by_label("Attendance report").set_input_files(zoom_report(journey, number))
        page.get_by_role("button", name="Import").click()
        page.get_by_text(f"Imported day {number}: 1 row, 1 credited to registrants").wait_for()
    row = page.locator("#people tbody tr").filter(has_text="Thị Lan Nguyễn")
    assert "120 min" in row.locator(".day-1").inner_text()
    assert "110 min" in row.locator(".day-2").inner_text()
    assert row.get_by_text("attended").count() == 2


def open_survey(page, journey: Journey) -> None:
    tab(page, "Survey")
    page.get_by_role("link", name="Edit the settings").click()
    # The symposium is weeks away; the organiser opens its survey today all the same.
    page.get_by_label("Opens on").fill(journey.today.isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Survey settings saved.").wait_for()
    page.get_by_role("button", name="Open the survey and invite 1 person").click()
    page.get_by_text("The survey is open: 1 person invited.").wait_for()
    journey.deliver()


def attendee_answers_the_survey(journey: Journey) -> None:
    attendee = journey.context()
    form = attendee.new_page()
    form.goto(journey.link_in(NOMINEE, "/survey/", "Your evaluation"))

    def answer(question: str, label: str) -> None:
        group = form.get_by_role("group", name=re.compile(re.escape(question)))
        group.get_by_label(re.compile(f"^{re.escape(label)}")).check()

    answer("How relevant was the symposium", "4")
    answer("objectives of the symposium achieved", "4")
    answer("knowledge of the topic BEFORE", "2")
    answer("knowledge of the topic AFTER", "4")
    answer("opportunities for collaboration", "Yes")
    form.get_by_label(re.compile("If yes, which opportunities")).fill("A mentoring scheme")
    answer("quality of the speakers", "5")
    answer("quality of the content", "4")
    answer("videoconference platform", "3")
    answer("time allotted", "About right")
    form.get_by_role("button", name="Submit my answers").click()
    form.get_by_text("Thank you! Your answers are recorded.").wait_for()
    attendee.close()


def viewer_downloads_the_report(journey: Journey, viewer_email: str) -> str:
    """The text of the completion report PDF, as the viewer downloads it, spaces normalised."""
    viewer = journey.context(accept_downloads=True)
    page = viewer.new_page()
    log_in(page, viewer_email)
    page.get_by_role("link", name="E-commerce for women-led MSMEs").click()
    tab(page, "Report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    viewer.close()
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_a_symposium_from_set_up_to_completion_report(
    app, browser, live_server, runner, smtp_server, create_user_account, tmp_path
):
    journey = Journey(app, runner, smtp_server, browser, live_server, tmp_path)
    organiser = create_user_account(email="po.team@example.org")
    viewer = create_user_account(email="secretariat@example.org", role="viewer")
    office = journey.context()
    page = office.new_page()

    log_in(page, organiser.email)
    set_up_symposium(page, journey)
    titles = build_agenda(page)
    write_and_distribute_circular(page, journey)
    assert journey.mail_to(FOCAL_POINT)["Subject"].startswith("General Information Circular")

    focal_point_nominates(journey)
    tab(page, "Nominations")
    page.get_by_role("button", name="Accept Thị Lan Nguyễn").click()
    page.get_by_text("Thị Lan Nguyễn: accepted.").wait_for()
    journey.deliver()
    nominee_registers_and_adds_the_calendar(journey, titles)

    tab(page, "Registrations")
    page.get_by_role("row", name=re.compile("Thị Lan Nguyễn")).wait_for()  # one row, no more
    import_attendance(page, journey)
    open_survey(page, journey)
    attendee_answers_the_survey(journey)
    page.reload()
    assert "1 of 1" in page.locator("#response-rate").inner_text()
    office.close()

    report = viewer_downloads_the_report(journey, viewer.email)
    day2 = journey.day1 + dt.timedelta(days=1)
    for figure in [
        "Project number SME 05 2026A Forum SMEWG",
        # Targets: the proposal's value, the journey's figure, the verdict.
        "% women participants 50.0% 100.0% met",
        "% women and/or youth 60.0% 100.0% met",
        "% women speakers 40.0% 100.0% met",
        "Attendees 1 1 met",
        "% reporting increased knowledge 1 of 1 respondents answered both questions; "
        "response rate 100.0% (1 of 1 invited) 60.0% 100.0% 20.7–100.0% met (uncertain)",
        "% identifying collaboration opportunities 1 of 1 respondents answered the question; "
        "response rate 100.0% (1 of 1 invited) 60.0% 100.0% 20.7–100.0% met (uncertain)",
        # Participants, speakers, economies, days.
        "1 participants registered, 1 attended. Women: 100.0% of attended participants; "
        "women and/or youth: 100.0%.",
        "1 speakers and experts; women 100.0%.",
        f"{SPEAKER} speaker Female Peru",
        "1 member economies with at least one attended participant (of 3 invited): Viet Nam.",
        "Viet Nam 1 1 0 0 0 1 1 0 0 0 0",
        f"Day 1 {journey.day1:%a %-d %b %Y} 1 1 0 0 0",
        f"Day 2 {day2:%a %-d %b %Y} 1 1 0 0 0",
        # The survey: one invited, one answered, knowledge from 2 to 4, collaboration yes.
        "Invited 1 Responded 1 Response rate 100.0%",
        "Reporting increased knowledge 1 of 1 who answered both: 100.0%",
        "Mean knowledge before (1–5) 2.00 Mean knowledge after (1–5) 4.00 Mean change 2.00",
        "Identifying collaboration opportunities 1 of 1 who answered: 100.0%",
        "Present for at least 30 minutes on at least one day",
    ]:
        assert figure in report, f"{figure!r} is not in the report:\n{report}"
    assert journey.problems == []  # no script errors, no Content-Security-Policy violations
