"""Attendance reports as workbooks, made from the CSV samples: Teams' with its sections on
sheets of their own or one under the other, and a Zoom report as Excel saves it again (dates,
numbers and durations turned into real cells)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

Rows = list[list[object]]
SECTION = re.compile(r"^\d+\.\s*(.+)$")
TEXT_TIMES = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%y, %I:%M:%S %p")  # Zoom's, Teams'
TEXT_DURATION = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$")


def csv_rows(data: bytes) -> list[list[str]]:
    """The records of a CSV sample, tab- or comma-separated, UTF-16 or UTF-8."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text = data.decode("utf-16" if utf16 else "utf-8-sig")
    delimiter = "\t" if "\t" in text else ","
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def as_excel_reads(cell: str) -> object:
    """A CSV cell as Excel stores it on opening the file: a date and time, a whole number or a
    duration (a time of day under 24 hours) as such, anything else as text."""
    plain = cell.replace("\u202f", " ")
    for form in TEXT_TIMES:
        try:
            return dt.datetime.strptime(plain, form)
        except ValueError:
            pass
    if cell.isascii() and cell.isdigit():
        return int(cell)
    if cell and (duration := TEXT_DURATION.match(cell)) and any(duration.groups()):
        hours, minutes, seconds = (int(part or 0) for part in duration.groups())
        return dt.time(hours, minutes, seconds)
    return cell


def cells(rows: Iterable[Sequence[str]], excel: bool = True) -> Rows:
    return [[as_excel_reads(c) if excel else c for c in row] for row in rows]


def teams_sheets(rows: list[list[str]]) -> list[tuple[str, list[list[str]]]]:
    """Teams' sections ("2. Participants") as sheets named after them, without the title line
    or the blank lines around it."""
    sheets: list[tuple[str, list[list[str]]]] = []
    for row in rows:
        filled = [cell for cell in row if cell]
        if len(filled) == 1 and (title := SECTION.match(filled[0])):
            sheets.append((title[1], []))
        elif filled:
            sheets[-1][1].append(row)
    return sheets


def workbook(*sheets: tuple[str, Rows]) -> bytes:
    """An .xlsx file with these sheets (None leaves a cell empty)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([None if value == "" else value for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
