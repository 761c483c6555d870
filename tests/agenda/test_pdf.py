"""The PDF agenda: content, another time zone, hostile text, page breaks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from pypdf import PdfReader

from agenda.pdf import agenda_pdf
from agenda.schedule import ItemPlan, schedule_day
from tests.agenda.sample import sample_document


def text_of(pdf: bytes, tmp_path=None) -> str:
    """The text a reader would copy out of the PDF (pypdf, independent of reportlab)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_has_days_items_and_both_time_columns(tmp_path):
    pdf = agenda_pdf(sample_document(), generated_on=dt.date(2026, 12, 1))
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf, tmp_path)
    assert "E-commerce symposium" in text and "SME 10 2022A" in text
    assert "Day 1 — Tuesday 30 March 2027" in text
    assert "08:00–08:15" in text and "13:00–13:15" in text  # Lima and UTC
    assert "Nguyễn Thị Lan" in text
    assert "(cancelled)" in text


def test_pdf_in_another_time_zone(tmp_path):
    text = text_of(agenda_pdf(sample_document(), display_timezone="Asia/Ho_Chi_Minh"), tmp_path)
    assert "Asia/Ho_Chi_Minh" in text
    assert "20:00–20:15" in text


def test_hostile_titles_are_text_and_long_agendas_break_pages(tmp_path):
    plans = [ItemPlan(f"i{n}", "presentation", f"<script>& talk {n}", 10) for n in range(60)]
    day = schedule_day(1, dt.date(2027, 3, 30), dt.time(8), "America/Lima", plans)
    document = dataclasses.replace(sample_document(), days=(day,))
    pdf = agenda_pdf(document)
    text = text_of(pdf, tmp_path)
    assert "<script>& talk 59" in text
    assert "Page 2" in text


def test_chinese_titles_and_names_are_in_the_pdf():
    """DejaVu Sans has no Chinese: such characters came out blank; they are now set in the CJK
    font (fonts-wqy-zenhei), as in the completion report."""
    plans = [ItemPlan("i1", "keynote", "数字贸易 keynote", 30)]
    day = schedule_day(1, dt.date(2027, 3, 30), dt.time(8), "America/Lima", plans)
    document = dataclasses.replace(sample_document(), title="中小企业 symposium", days=(day,))
    text = text_of(agenda_pdf(document))
    assert "中小企业 symposium" in text and "数字贸易 keynote" in text
