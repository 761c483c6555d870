"""Reading the attendance reports videoconference platforms export — Zoom's participant report
and Microsoft Teams' attendance list, as CSV or as a workbook (read in attendance_workbooks.py)
— into joins with UTC times (the clock times themselves are read in report_times.py). Pure:
bytes in, plain data out."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from registration.attendance_workbooks import WorkbookError, is_workbook, workbook_sheets
from registration.report_times import duration_of, instant, is_day_first

MAX_REPORT_BYTES = 5 * 1024 * 1024
SOURCES = {"zoom": "Zoom participant report", "teams": "Microsoft Teams attendance list"}
NAME_LIMIT, EMAIL_LIMIT = 300, 254  # the columns of AttendanceRow
# Header spellings of both platforms (and their older exports), compared after _key().
ALIASES = {
    "name": ("name original name", "user name original name", "name", "full name"),
    "email": ("user email", "email", "e mail"),
    "upn": ("participant id upn",),
    "join": ("join time", "first join"),
    "leave": ("leave time", "last leave"),
    "duration": ("in meeting duration",),
    "minutes": ("duration minutes",),  # Zoom's count of each row's minutes
    "waiting": ("in waiting room",),
    "action": ("user action",),
    "timestamp": ("timestamp",),
}
COLUMNS = {alias: column for column, aliases in ALIASES.items() for alias in aliases}
# Columns only Teams writes: their presence tells a Teams list from a Zoom report.
TEAMS_ONLY = {
    "first join",
    "last leave",
    "in meeting duration",
    "participant id upn",
    "user action",
}
EXPECTED = {
    "zoom": "Name (Original Name), User Email, Join Time, Leave Time",
    "teams": "Name, First Join, Last Leave, In-Meeting Duration, Email (in “2. Participants”)",
}
_COLUMNS_EXPECTED = (
    f"A Zoom participant report has the columns {EXPECTED['zoom']}; a Teams attendance list "
    f"has {EXPECTED['teams']}."
)
# A line alone naming a section of a Teams list: "2. Participants" (or unnumbered, in English);
# in a workbook, the name of a sheet.
SECTION_TITLE = re.compile(
    r"^(?:\d+\.\s*(\S.*)|(summary|meeting summary|participants|in-meeting activities|join info))$",
    re.I,
)
# Sections that list every join, rather than each person's first join and last leave.
EVERY_JOIN = ("activit", "join info")
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class AttendanceReportError(ValueError):
    """A report that cannot be imported; ``problems`` lists (line, reason).

    Lines are numbered as a text editor shows them (the first line is 1), and a workbook's rows
    as Excel does, the reason naming the sheet; line 0 stands for the file as a whole (empty,
    too large, no header found).
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {line}: {reason}" for line, reason in problems))
        self.problems = problems


@dataclass(frozen=True)
class ReportRow:
    """One join of one person: the name and address as the platform wrote them, times in UTC."""

    line: int
    name: str
    email: str
    joined: dt.datetime
    left: dt.datetime


@dataclass(frozen=True)
class ParsedReport:
    source: str  # zoom | teams
    zone: str  # the zone wall-clock times of the file were read in
    rows: list[ReportRow]


# --- the file ---------------------------------------------------------------------------------


def _tables_of(data: bytes) -> list[_Table]:
    """Every table of joins in the file: a CSV report's, or those of every sheet of a workbook
    (Teams puts its sections on sheets of their own, or one under the other on one sheet)."""
    if len(data) > MAX_REPORT_BYTES:
        raise AttendanceReportError([(0, "The file is larger than 5 MB: is it a report?")])
    if not is_workbook(data):
        text = _decode(data)
        tables = _tables(_records(text, _delimiter(text)))
        if not tables:  # the header was split differently once quotes were read
            raise AttendanceReportError([(0, "No header row of attendance was found.")])
        return tables
    try:
        sheets = workbook_sheets(data)
    except WorkbookError as error:
        raise AttendanceReportError(error.problems) from None
    # Teams names its sheets after its sections; Excel names the one sheet of a CSV file saved
    # again after the file ("participants", say, for a Zoom report): only the former count.
    titled = len(sheets) > 1
    tables = [table for sheet in sheets for table in _tables(sheet.records, sheet.title, titled)]
    if not tables:
        message = f"No sheet of the workbook has a header row of attendance. {_COLUMNS_EXPECTED}"
        raise AttendanceReportError([(0, message)])
    return tables


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]  # Teams writes UTF-16 with a byte-order mark
    else:
        # cp1252 only when UTF-8 fails: reports re-saved by Excel on Windows.
        encodings = ["utf-8-sig", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as error:
            failure = error
    else:
        line = data[: failure.start].decode(encodings[0], "replace").count("\n") + 1
        message = f"The file is not text in {' or '.join(e.upper() for e in encodings)}."
        raise AttendanceReportError([(line, message)])
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        message = "The file contains NUL characters: it is not a text report (or lacks a BOM)."
        raise AttendanceReportError([(line, message)])
    if not text.strip():
        raise AttendanceReportError([(0, "The file is empty.")])
    return text


def _key(text: str) -> str:
    """A header compared loosely: case, punctuation and spacing do not count."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def _is_header(keys: list[str]) -> bool:
    columns = {COLUMNS.get(key) for key in keys}
    return "name" in columns and (
        {"join", "leave"} <= columns or {"action", "timestamp"} <= columns
    )


def _delimiter(text: str) -> str:
    """The separator of the file: the one that makes some line a header of joins."""
    lines = re.split(r"\r\n|\r|\n", text)  # as the csv module counts them
    for line in lines:
        for delimiter in ("\t", ",", ";"):
            if _is_header([_key(cell) for cell in line.split(delimiter)]):
                return delimiter
    # No header: point at the line that looks most like one.
    known = [len({_key(c) for c in re.split("[\t,;]", line)} & COLUMNS.keys()) for line in lines]
    number = known.index(max(known)) + 1
    message = f"No header row of attendance was found. {_COLUMNS_EXPECTED}"
    raise AttendanceReportError([(number, message)])


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Each record of the file with the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as error:
        raise AttendanceReportError([(start, f"The line cannot be read ({error}).")]) from None
    return records


@dataclass
class _Table:
    line: int
    columns: dict[str, int]
    keys: set[str]
    section: str
    rows: list[tuple[int, list[str]]]
    sheet: str = ""  # a workbook's sheet the table is on

    def problem(self, line: int, reason: str) -> tuple[int, str]:
        """A problem of one of the table's lines, saying which sheet the line is on."""
        return line, f"Sheet “{self.sheet}”: {reason}" if self.sheet else reason


def _section(text: str) -> str | None:
    """The Teams section (``participants``) a line alone or a sheet's name names, if any."""
    title = SECTION_TITLE.match(text)
    return _key(title[1] or title[2]) if title else None


def _tables(
    records: list[tuple[int, list[str]]], sheet: str = "", titled: bool = False
) -> list[_Table]:
    """Every table of joins in the records (of a file, or of a workbook's ``sheet``, whose name
    is a section's if ``titled``), with the Teams section (``2. Participants``) it is in."""
    tables: list[_Table] = []
    section, current = (_section(sheet) if titled else None) or "", None
    for line, cells in records:
        filled = [cell for cell in cells if cell]
        if len(filled) == 1 and (title := _section(filled[0])) is not None:
            section, current = title, None
            continue
        keys = [_key(cell) for cell in cells]
        if _is_header(keys):
            columns: dict[str, int] = {}
            for index, key in enumerate(keys):
                if key in COLUMNS:
                    columns.setdefault(COLUMNS[key], index)
            current = _Table(line, columns, set(keys), section, [], sheet)
            tables.append(current)
        elif current is not None and filled:
            current.rows.append((line, cells))
    return tables


def _choose(tables: list[_Table], source: str | None) -> tuple[str, _Table]:
    def is_teams(table: _Table) -> bool:
        return bool(table.section) or bool(table.keys & TEAMS_ONLY)

    detected = "teams" if any(is_teams(t) for t in tables) else "zoom"
    if source is not None and source != detected:
        message = (
            f"This looks like a {SOURCES[detected]}, not a {SOURCES[source]} "
            f"(which has the columns {EXPECTED[source]}): choose “Tell from the file”."
        )
        raise AttendanceReportError([tables[0].problem(tables[0].line, message)])
    # Teams lists every join under "In-Meeting Activities"; prefer it to first join/last leave.
    ranked = sorted(
        tables,
        key=lambda t: (not any(part in t.section for part in EVERY_JOIN), "action" in t.columns),
    )
    return detected, ranked[0]


# --- rows -------------------------------------------------------------------------------------


def _cell(cells: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    return (
        CONTROL.sub(" ", cells[index]).strip() if index is not None and index < len(cells) else ""
    )


def _person(cells: list[str], columns: dict[str, int]) -> tuple[str, str, list[str]]:
    name = _cell(cells, columns, "name")
    email = _cell(cells, columns, "email").lower()
    upn = _cell(cells, columns, "upn").lower()
    if not email and "@" in upn and "#ext#" not in upn:  # a guest's UPN is not an address
        email = upn
    problems = []
    if not name and not email:
        problems.append("The row has neither a name nor an e-mail address.")
    if len(name) > NAME_LIMIT:
        problems.append(f"The name is longer than {NAME_LIMIT} characters.")
    if len(email) > EMAIL_LIMIT:
        problems.append(f"The e-mail address is longer than {EMAIL_LIMIT} characters.")
    return name, email, problems


def _join_rows(
    table: _Table, zone: ZoneInfo, problems: list, prefer_day_first: bool
) -> list[ReportRow]:
    columns = table.columns
    day_first = is_day_first(
        (_cell(cells, columns, c) for _, cells in table.rows for c in ("join", "leave")),
        prefer_day_first,
    )
    # Without "In-Meeting Activities", Teams gives first join and last leave: someone away in
    # between was not present, so the time counted is Teams' in-meeting duration from the join.
    capped = "duration" in columns and "in meeting duration" in table.keys
    rows = []
    for line, cells in table.rows:
        if _cell(cells, columns, "waiting").lower() == "yes":
            continue  # Zoom lists time in the waiting room as a row of its own
        name, email, row_problems = _person(cells, columns)
        leave = _cell(cells, columns, "leave")
        try:
            joined, left = _span(cells, columns, zone, day_first)
            if capped:
                left = min(left, joined + duration_of(_cell(cells, columns, "duration")))
        except (ValueError, OverflowError) as error:
            row_problems.append(str(error))
        else:
            if left < joined:
                row_problems.append(f"The leave time ({leave}) is before the join time.")
        problems.extend((line, problem) for problem in row_problems)
        if not row_problems:
            rows.append(ReportRow(line, name, email, joined, left))
    return rows


def _span(
    cells: list[str], columns: dict[str, int], zone: ZoneInfo, day_first: bool
) -> tuple[dt.datetime, dt.datetime]:
    """A row's join and leave. In the hour the clocks go back, each clock time happens twice:
    the first reading that does not leave before joining, unless Zoom's minutes of the row say
    which one was meant (01:10 to 01:50 may be 40 minutes or 100)."""
    join, leave = _cell(cells, columns, "join"), _cell(cells, columns, "leave")
    readings = [
        (instant(join, zone, day_first, fold=a), instant(leave, zone, day_first, fold=b))
        for a, b in ((0, 0), (0, 1), (1, 1))
    ]
    possible = list(dict.fromkeys(r for r in readings if r[0] <= r[1])) or readings[:1]
    minutes = _cell(cells, columns, "minutes")
    if len(possible) > 1 and re.fullmatch(r"[0-9]{1,5}", minutes):
        spoken = dt.timedelta(minutes=int(minutes))
        return min(possible, key=lambda reading: abs(reading[1] - reading[0] - spoken))
    return possible[0]


def _action_rows(
    table: _Table, zone: ZoneInfo, problems: list, prefer_day_first: bool
) -> list[ReportRow]:
    """Rows of the older Teams list: one line per "Joined" or "Left", paired per person."""
    columns = table.columns
    timestamps = (_cell(cells, columns, "timestamp") for _, cells in table.rows)
    day_first = is_day_first(timestamps, prefer_day_first)
    events = []
    for line, cells in table.rows:
        name, email, row_problems = _person(cells, columns)
        action = _cell(cells, columns, "action").lower()
        if not action.startswith(("joined", "left")):
            row_problems.append(f"The action “{action}” is neither Joined nor Left.")
        try:
            at = instant(_cell(cells, columns, "timestamp"), zone, day_first)
        except ValueError as error:
            row_problems.append(str(error))
        problems.extend((line, problem) for problem in row_problems)
        if not row_problems:
            events.append((at, line, name, email, action.startswith("joined")))
    # A person may be in twice at once (a laptop and a phone): each "Left" closes their
    # earliest open join, and the overlap is counted once when the day is added up.
    rows: list[ReportRow] = []
    open_joins: dict[tuple[str, str], list[tuple[dt.datetime, int]]] = {}
    for at, line, name, email, joining in sorted(events):
        joins = open_joins.setdefault((name, email), [])
        if joining:
            joins.append((at, line))
        elif joins:
            joined, join_line = joins.pop(0)
            rows.append(ReportRow(join_line, name, email, joined, at))
        else:
            problems.append((line, f"{name or email} leaves without having joined."))
    # Still connected when the list was downloaded: present until its last recorded moment.
    end = max((event[0] for event in events), default=None)
    for (name, email), joins in open_joins.items():
        for joined, line in joins:
            rows.append(ReportRow(line, name, email, joined, end or joined))
    return sorted(rows, key=lambda row: row.line)


def parse_attendance_report(
    data: bytes, zone: str, source: str | None = None, *, prefer_day_first: bool = False
) -> ParsedReport:
    """Read a Zoom participant report or a Teams attendance list, CSV or workbook (``source``
    "zoom" or "teams", or None to tell from the content) whose wall-clock times are in
    ``zone``; dates that read either way (days 1–12) are month/day unless ``prefer_day_first``.

    Raises AttendanceReportError listing every problem by line; no row is returned unless all
    are good. Zoom's meeting summary and Teams' summary section are skipped; each join is a row.
    """
    if source is not None and source not in SOURCES:
        raise AttendanceReportError([(0, f"Unknown platform “{source}”.")])
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise AttendanceReportError([(0, f"“{zone}” is not a known time zone.")]) from None
    detected, table = _choose(_tables_of(data), source)
    if not table.rows:
        message = "The header row is not followed by any row."
        raise AttendanceReportError([table.problem(table.line, message)])
    problems: list[tuple[int, str]] = []
    if "action" in table.columns:
        rows = _action_rows(table, tz, problems, prefer_day_first)
    else:
        rows = _join_rows(table, tz, problems, prefer_day_first)
    if problems:
        raise AttendanceReportError(sorted(table.problem(*problem) for problem in problems))
    return ParsedReport(detected, zone, rows)
