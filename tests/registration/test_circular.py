"""The circular as plain data: local times across dates and DST, the agenda, the JSON round
trip, sanitised Markdown, default texts and the PDF. No app, no database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re

import pytest
from pypdf import PdfReader

from agenda.planner import DaySlot, ZoneGroup
from agenda.schedule import ItemPlan, PersonRef, schedule_day
from registration.circular import (
    CircularDocument,
    CircularFacts,
    CircularTexts,
    QuotaException,
    build_circular,
    change_line,
    missing_sections,
)
from registration.circular_defaults import default_texts
from registration.pdf import circular_pdf
from symposium.markdown import markdown_blocks, render_markdown

LAN = PersonRef("Nguyễn Thị Lan", "Viet Nam", "MOIT")
FACTS = CircularFacts(
    title="Cross-border e-commerce for MSMEs",
    project_number="SME 10 2022A",
    forum="SMEWG",
    host_timezone="America/Lima",
    platform_name="Zoom",
    po_name="Ana Pérez",
    po_email="ana@example.org",
    languages=("English", "Spanish"),
    interpretation="English–Spanish simultaneous interpretation",
    nomination_deadline=dt.date(2027, 3, 5),
    quota_exceptions=(QuotaException("Peru", 4),),
)
# New Zealand leaves daylight saving at 03:00 on Sunday 4 April 2027, during day 2.
DAYS = [
    DaySlot(1, dt.date(2027, 4, 2), dt.time(8, 0), 180),
    DaySlot(2, dt.date(2027, 4, 3), dt.time(8, 0), 180),
]
ECONOMIES = [
    ZoneGroup("New Zealand", "Pacific/Auckland"),
    ZoneGroup("Japan", "Asia/Tokyo"),
    ZoneGroup("Peru", "America/Lima"),
]


def agenda_days(cancel_keynote: bool = False):
    plans = [
        ItemPlan("opening", "opening", "Opening remarks", 15),
        ItemPlan("keynote", "keynote", "Keynote", 30, speakers=(LAN,), cancelled=cancel_keynote),
        ItemPlan("panel", "panel", "Payments across borders", 60, moderators=(LAN,)),
    ]
    return [schedule_day(1, DAYS[0].date, DAYS[0].start, "America/Lima", plans)]


def circular(version: int = 1, **changes) -> CircularDocument:
    values = {
        "version": version,
        "facts": FACTS,
        "texts": CircularTexts(objectives="Share **good practice**."),
        "days": DAYS,
        "economies": ECONOMIES,
        "agenda_days": agenda_days(),
    }
    values.update(changes)
    return build_circular(**values)


def labels(document: CircularDocument) -> dict[str, list[tuple[str, str]]]:
    return {
        row.economy: [(time.label, time.utc_offset) for time in row.times]
        for row in document.local_times
    }


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_local_times_show_the_date_when_it_differs_and_follow_dst():
    rows = labels(circular())
    assert rows["Peru"] == [("08:00–11:00", "UTC−05:00")] * 2
    assert rows["Japan"][0] == ("22:00 Fri – 01:00 Sat", "UTC+09:00")
    assert rows["New Zealand"][0] == ("02:00 Sat – 05:00 Sat", "UTC+13:00")
    # Three hours pass, but the clocks go back one: the day ends at 04:00, not 05:00.
    assert rows["New Zealand"][1] == ("02:00 Sun – 04:00 Sun", "UTC+13:00")


def test_a_host_ahead_of_the_economies_puts_them_on_the_day_before():
    facts = dataclasses.replace(FACTS, host_timezone="Pacific/Auckland")
    days = [DaySlot(1, dt.date(2027, 4, 5), dt.time(9, 0), 120)]
    document = circular(facts=facts, days=days, agenda_days=[])
    assert labels(document)["Peru"] == [("16:00 Sun – 18:00 Sun", "UTC−05:00")]
    (day,) = document.days
    assert (day.host_span, day.utc_offset) == ("09:00–11:00", "UTC+12:00")
    assert day.utc_span == "21:00 Sun – 23:00 Sun UTC"


def test_days_in_host_time_and_utc():
    first = circular().days[0]
    assert (first.host_span, first.utc_span, first.utc_offset) == (
        "08:00–11:00",
        "13:00–16:00 UTC",
        "UTC−05:00",
    )


def test_agenda_has_clock_times_kinds_and_people_but_not_cancelled_items():
    (day,) = circular(agenda_days=agenda_days(cancel_keynote=True)).agenda
    assert [(e.span, e.kind, e.title) for e in day.entries] == [
        ("08:00–08:15", "Opening", "Opening remarks"),
        ("08:15–09:15", "Panel", "Payments across borders"),
    ]
    assert day.entries[1].moderators == ("Nguyễn Thị Lan (MOIT, Viet Nam)",)
    (day,) = circular().agenda
    assert day.entries[1].speakers == ("Nguyễn Thị Lan (MOIT, Viet Nam)",)


def test_an_agenda_without_items_is_left_out():
    empty = [schedule_day(1, DAYS[0].date, DAYS[0].start, "America/Lima", [])]
    assert circular(agenda_days=empty).agenda == ()


def test_json_round_trip_keeps_everything_including_the_dst_day():
    document = circular(
        version=2, change_summary="  Day 2 starts later ", issued_on=dt.date.today()
    )
    stored = json.loads(json.dumps(document.to_dict()))
    again = CircularDocument.from_dict(stored)
    assert again == document
    assert again.to_dict() == stored
    assert labels(again) == labels(document)
    assert again.agenda[0].entries[0].span == "08:00–08:15"
    assert again.change_summary == "Day 2 starts later"


def test_from_dict_ignores_unknown_keys_and_defaults_missing_ones():
    stored = circular().to_dict()
    stored["added_later"] = {"x": 1}
    del stored["agenda"]
    again = CircularDocument.from_dict(stored)
    assert again.agenda == ()
    assert again.facts == FACTS


def test_change_line_only_for_revisions():
    assert change_line(circular()) == ""
    revised = circular(version=3, change_summary="New keynote speaker.")
    assert change_line(revised) == "Revised (version 3): New keynote speaker."


def test_missing_sections_names_what_is_still_empty():
    texts = CircularTexts(objectives="x", privacy_notice="  ")
    missing = missing_sections(circular(texts=texts))
    assert "Objectives" not in missing
    assert "Privacy notice" in missing and "Target participants" in missing


def test_markdown_keeps_basic_formatting():
    html = render_markdown(
        "# Big\n\nSome **bold** and *italic*.\n\n- one\n- two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n`code` [APEC](https://www.apec.org)"
    )
    assert "<h3>Big</h3>" in html  # the page's own headings are h1 and h2
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<li>one</li>" in html and "<td>1</td>" in html
    assert "<blockquote>" in html and "<code>code</code>" in html
    assert '<a href="https://www.apec.org" rel="noopener noreferrer">APEC</a>' in html


def test_markdown_turns_html_into_text_and_drops_unsafe_links():
    html = render_markdown(
        "<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        "[a](javascript:alert(1)) [b](/admin) [c](data:text/html,hi) ![pic](https://x.org/p.png)"
    )
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "href=" not in html  # none of those links survives as a link
    assert "[a](javascript:alert(1))" in html  # an unsafe link stays as plain text
    assert "pic" in html and "x.org/p.png" not in html


def test_markdown_blocks_for_pdf_are_escaped_with_links_as_text():
    blocks = markdown_blocks(
        "Hello **you** <b>raw</b>\n\n- [APEC](https://www.apec.org)\n- [mail](mailto:po@x.org)"
    )
    assert [b.kind for b in blocks] == ["paragraph", "item", "item"]
    assert blocks[0].markup == "Hello <b>you</b> &lt;b&gt;raw&lt;/b&gt;"
    assert blocks[1].markup == "APEC (https://www.apec.org)" and blocks[1].bullet == "•"
    assert blocks[2].markup == "mail (po@x.org)"


def test_default_texts_mention_quota_deadline_and_why_data_is_collected():
    texts = default_texts(
        title="T",
        forum="SMEWG",
        platform_name="Zoom",
        po_name="Ana Pérez",
        quota=2,
        nomination_deadline=dt.date(2027, 3, 5),
        registration_deadline=None,
        women_participants_pct=50,
    )
    assert "up to **2 delegates**" in texts.nomination_procedure
    assert "Friday 5 March 2027" in texts.nomination_procedure
    assert "50% women" in texts.nomination_procedure
    assert "registration deadline given below" in texts.registration_instructions
    assert "sex-disaggregated" in texts.privacy_notice
    assert "completion report" in texts.privacy_notice
    assert texts.objectives == ""  # from the proposal: the organiser writes it


def test_pdf_has_title_block_tables_revision_and_page_numbers():
    texts = CircularTexts(objectives="Share **good practice**.\n\n- digital payments\n- logistics")
    pdf = circular_pdf(circular(version=2, texts=texts, change_summary="Day 2 starts later."))
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Cross-border e-commerce for MSMEs" in text and "SME 10 2022A" in text
    assert "Revised (version 2): Day 2 starts later." in text
    assert "02:00 Sun – 04:00 Sun" in text and "22:00 Fri – 01:00 Sat" in text
    assert "13:00–16:00 UTC" in text
    assert "Payments across borders" in text and "Nguyễn Thị Lan" in text
    assert "Peru: 4" in text and "Friday 5 March 2027" in text
    assert "digital payments" in text
    assert "Page 1 of" in text and "version 2 (Revised)" in text


def test_pdf_of_hostile_markdown_shows_it_as_text():
    hostile = "<script>alert('x')</script> <img src=x onerror=alert(1)> & <b>"
    texts = CircularTexts(objectives=hostile, target_participants="<para>**x**</para>")
    text = pdf_text(circular_pdf(circular(texts=texts)))
    assert "<script>alert('x')</script>" in text
    assert "<img src=x onerror=alert(1)> & <b>" in text
    assert "<para>x</para>" in text
    assert "REVISED" not in text and "Draft — not yet distributed" in text


@pytest.mark.parametrize("columns", [5, 2])
def test_a_table_with_a_cell_longer_than_a_page_splits_across_pages(columns):
    """The distribution answered 500 (reportlab: "Flowable … too large") on a table whose one
    row was taller than a page: the row is now split, and every word is in the PDF."""
    long_cell = " ".join(f"word{n}" for n in range(1200 if columns == 5 else 3000))
    header = "| " + " | ".join(f"H{n}" for n in range(columns)) + " |"
    rule = "|" + "---|" * columns
    row = "| " + " | ".join(["Opening"] * (columns - 1) + [long_cell]) + " |"
    texts = CircularTexts(objectives="\n".join([header, rule, row]))
    text = pdf_text(circular_pdf(circular(texts=texts)))
    words = set(re.findall(r"word\d+", text))
    assert {"word0", f"word{len(long_cell.split()) - 1}"} <= words
