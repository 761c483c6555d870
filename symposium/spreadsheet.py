"""Cells for spreadsheets and CSV files that Excel or LibreOffice will never run as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# A cell starting with one of these is taken as a formula (or DDE) by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that would start a formula gets a leading apostrophe; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A UTF-8 CSV (with BOM, so Excel reads accents right) with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def keep_as_text(sheet: Any) -> None:
    """Store every text cell of an openpyxl ``sheet`` as text: openpyxl takes one that starts
    with "=" for a formula. A text cell is never run, whatever it starts with, so it keeps
    exactly what was typed (no apostrophe, unlike a CSV)."""
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook, a sheet per ``(title, header, rows)``.

    Every text cell is stored as text, never as a formula, so ``=HYPERLINK(…)`` typed into a
    form reaches the spreadsheet exactly as typed and inert.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append(["" if cell is None else cell for cell in row])
        keep_as_text(sheet)
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 4)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
