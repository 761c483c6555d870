"""The raw survey responses as a table, for the CSV and XLSX downloads (cells are made safe
by the core's spreadsheet helpers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from surveys.models import QuestionKind
from surveys.results import QuestionInfo, ResponseRecord, Value


def export_table(
    questions: Sequence[QuestionInfo], responses: Sequence[ResponseRecord], anonymous: bool
) -> tuple[list[str], list[list[Any]]]:
    """The raw responses as a header and one row per response: id, submitted at, sex, economy,
    then a column per question in questionnaire order.

    An anonymous survey's rows carry no id and no date, and come sorted by their answers: an
    id or a date in order of arrival, beside the reminders the outbox lists, would tell who
    answered late, and so whose answers a row holds."""
    header = ["Sex", "Economy", *(f"Q{q.number}. {q.text}" for q in questions)]
    if not anonymous:
        header = ["Response", "Submitted at (UTC)", *header]
    rows = []
    for response in responses:
        row: list[Any] = [response.sex or "", response.economy or ""]
        row += [_export_cell(q.kind, response.answers.get(q.id)) for q in questions]
        if not anonymous:
            row = [response.id, response.submitted_at.strftime("%Y-%m-%d %H:%M"), *row]
        rows.append(row)
    if anonymous:
        rows.sort(key=lambda row: [str(cell).casefold() for cell in row])
    return header, rows


def _export_cell(kind: str, value: Value) -> Any:
    if value is None:
        return ""
    if kind == QuestionKind.YES_NO:
        return {1: "yes", 0: "no"}.get(value, "")  # type: ignore[call-overload]
    if isinstance(value, list):
        return "; ".join(value)
    return value
