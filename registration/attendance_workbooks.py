"""Reading an attendance report saved as a workbook (.xlsx) — Teams' download, or a Zoom report
re-saved by Excel — into what the CSV reader makes of a file: each sheet's rows as (row number,
cell texts), so that one parser reads both. Pure: bytes in, plain data out."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

ZIP = b"PK\x03\x04"  # every .xlsx is a zip archive
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls), or an encrypted .xlsx
# A workbook is XML zipped ten times or more: the limits of the CSV path (5 MB) are counted on
# what it unpacks to, before openpyxl builds anything (a 15 kB file can unpack to a row of
# millions of cells, which takes it gigabytes and minutes).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ELEMENTS = 1_000_000  # about a 5 MB CSV report's cells, each with its value
MAX_ROWS = 50_000  # per sheet, about the lines of a 5 MB CSV report
MAX_ROW_CELLS = 1_000
MAX_COLUMNS = 50  # read; a report's columns are all well within
DAMAGED = (
    "The file looks like a workbook (.xlsx) but cannot be read: it may be damaged, or another "
    "kind of archive. Download the report again (as CSV or .xlsx)."
)
TOO_LARGE = "The workbook holds more than an attendance report would ({}): is it a report?"


class WorkbookError(ValueError):
    """A workbook that cannot be read; ``problems`` lists (row, reason), row 0 for the file."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"row {row}: {reason}" for row, reason in problems))
        self.problems = problems


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name (Teams names its sections so) and its non-empty rows as texts."""

    title: str
    records: list[tuple[int, list[str]]]


def is_workbook(data: bytes) -> bool:
    """Whether ``data`` is an Excel file (which workbook_sheets reads, or explains why not)."""
    return data.startswith((ZIP, OLE))


def workbook_sheets(data: bytes) -> list[Sheet]:
    """Every sheet of the workbook ``data`` with its rows as the CSV reader gives them: dates
    and times as ISO text (which the report reader takes as it takes Zoom's), durations as
    h:mm:ss. Raises WorkbookError for a file that is not a readable workbook, is larger than a
    report, or has a formula anywhere (a report as the platform gives it has none)."""
    if data.startswith(OLE):
        message = (
            "This is an Excel 97–2003 workbook (.xls) or a password-protected one: save it as "
            "an Excel workbook (.xlsx) without a password, or download the report as CSV."
        )
        raise WorkbookError([(0, message)])
    try:
        _check_size(data)
        # Formulas are read as formulas (data_only=True would give the result Excel last saved,
        # or nothing when a program wrote the file), so that they can be refused; openpyxl
        # never evaluates them.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheets, formulas = _read(workbook)
        finally:
            workbook.close()
    except WorkbookError:
        raise
    except Exception:  # zipfile, zlib, expat and openpyxl raise anything on a damaged part
        raise WorkbookError([(0, DAMAGED)]) from None
    if formulas:
        raise WorkbookError(formulas)
    if not any(sheet.records for sheet in sheets):
        raise WorkbookError([(0, "The workbook is empty.")])
    return sheets


# --- the archive ------------------------------------------------------------------------------


def _check_size(data: bytes) -> None:
    """Refuse a workbook that unpacks to more than a report, counting its XML elements with
    expat (no tree is built) before openpyxl reads it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise WorkbookError([(0, TOO_LARGE.format("it unpacks to more than 50 MB"))])
        if "xl/workbook.xml" not in archive.namelist():
            message = (
                "The file is a zip archive but not an Excel workbook (.xlsx): download the "
                "report again, as CSV or as an Excel workbook."
            )
            raise WorkbookError([(0, message)])
        counter = _ElementCounter()
        for member in members:
            with archive.open(member) as stream:
                counter.count(stream)


class _ElementCounter:
    """Counts the elements of every XML part of a workbook, the cells of each row and the rows
    of each sheet (numbered as openpyxl numbers them: by their r, else one after another)."""

    def __init__(self) -> None:
        self.elements = self.row = self.row_cells = 0

    def count(self, stream: zipfile.ZipExtFile) -> None:
        if not stream.peek(64)[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return  # not XML (a printer's settings, a picture): openpyxl does not parse it
        self.row = 0
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        try:
            while chunk := stream.read(256 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # openpyxl fails on it too if it is a part it reads, and that is reported

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise WorkbookError([(0, TOO_LARGE.format("over a million cells and values"))])
        local = name.rpartition(":")[2]
        if local == "row":
            self.row = _row_number(attributes.get("r"), self.row)
            self.row_cells = 0
            if self.row > MAX_ROWS:
                raise WorkbookError([(0, TOO_LARGE.format(f"rows past row {MAX_ROWS:,}"))])
        elif local == "c":
            self.row_cells += 1
            if self.row_cells > MAX_ROW_CELLS:
                raise WorkbookError([(0, TOO_LARGE.format("a row of over 1,000 cells"))])


def _row_number(r: str | None, previous: int) -> int:
    """A row's number as openpyxl reads it: its r, which may be written 5e4, else the next."""
    if r is None:
        return previous + 1
    try:
        return int(r)
    except ValueError:
        try:
            number = float(r)
        except ValueError:
            return previous  # openpyxl refuses it
        return int(number) if number.is_integer() else previous


# --- the sheets -------------------------------------------------------------------------------


def _read(workbook: Workbook) -> tuple[list[Sheet], list[tuple[int, str]]]:
    """Each sheet with its rows, and every formula as a problem of its row."""
    sheets: list[Sheet] = []
    formulas: list[tuple[int, str]] = []
    for worksheet in workbook.worksheets:
        worksheet.reset_dimensions()  # the size the file declares may be wrong, or hostile
        records = []
        # No row past MAX_ROWS exists (the size check saw to it); the bound keeps a row
        # numbered far beyond from making openpyxl fill in every empty row before it.
        rows = worksheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS)
        for number, cells in enumerate(rows, start=1):
            texts = [_text(cell.value) for cell in cells]
            while texts and not texts[-1]:
                texts.pop()
            if not texts:
                continue
            for column, cell in enumerate(cells, start=1):
                if cell.data_type == "f":
                    formulas.append((number, _formula(worksheet.title, number, column, cell)))
            records.append((number, texts))
        sheets.append(Sheet(worksheet.title, records))
    return sheets, formulas


def _formula(sheet: str, row: int, column: int, cell) -> str:
    text = cell.value if isinstance(cell.value, str) else "="
    shown = text if len(text) <= 40 else text[:39] + "…"
    return (
        f"Sheet “{sheet}”: cell {get_column_letter(column)}{row} holds a formula ({shown}), not "
        "a value. Import the report as the platform gave it, or paste the cells as values."
    )


def _text(value: object) -> str:
    """A cell as the CSV file would have it. Excel keeps a time of day as a time and a duration
    of a day or more as a timedelta; both are written h:mm:ss (Teams' In-Meeting Duration)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return _clock(dt.timedelta(hours=value.hour, minutes=value.minute, seconds=value.second))
    if isinstance(value, dt.timedelta):
        return _clock(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _clock(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
