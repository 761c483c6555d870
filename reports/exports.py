"""The completion figures as tables — one XLSX sheet, one CSV file and one JSON list each — and
as the structured JSON of the API. Text that a spreadsheet would run as a formula is made inert.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from reports.figures import CompletionFigures, SexCounts, Share, TargetCheck
from symposium.models import SEXES
from symposium.spreadsheet import csv_bytes, keep_as_text


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: a sheet of the workbook, a file of the CSV zip."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def filename(self) -> str:
        """The table's file in the CSV zip, e.g. ``per-day.csv``."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") + ".csv"

    def records(self) -> list[dict[str, Any]]:
        """The rows as ``{header: value}`` dicts, for JSON."""
        return [dict(zip(self.header, row, strict=True)) for row in self.rows]


def r1(value: float | None) -> float | None:
    """A percentage as every output gives it: one decimal (None stays None)."""
    return None if value is None else round(value, 1)


def r2(value: float | None) -> float | None:
    """A mean as every output gives it: two decimals."""
    return None if value is None else round(value, 2)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _sex_rows(columns: list[SexCounts]) -> tuple[tuple[Any, ...], ...]:
    rows = []
    for sex in SEXES:
        row: list[Any] = [sex]
        for counts in columns:
            row += [counts.by_sex()[sex], r1(counts.pct(sex))]
        rows.append(tuple(row))
    total: list[Any] = ["Total"]
    for counts in columns:
        total += [counts.total, 100.0 if counts.total else None]
    return (*rows, tuple(total))


def _survey_rows(figures: CompletionFigures) -> tuple[tuple[Any, ...], ...]:
    survey = figures.survey
    if survey is None:
        return (("Survey", "none"),)
    knowledge, collaboration = survey.knowledge, survey.collaboration
    return (
        ("Invited", survey.invited),
        ("Responded", survey.responded),
        ("Response rate (%)", r1(survey.response_rate)),
        ("Answered both knowledge questions", knowledge.of),
        ("Reporting increased knowledge", knowledge.count),
        ("% reporting increased knowledge", r1(knowledge.pct)),
        ("Increased knowledge, 95% interval low (%)", r1(knowledge.low_pct)),
        ("Increased knowledge, 95% interval high (%)", r1(knowledge.high_pct)),
        ("Mean knowledge before (1–5)", r2(survey.mean_before)),
        ("Mean knowledge after (1–5)", r2(survey.mean_after)),
        ("Mean change", r2(survey.mean_change)),
        ("Answered the collaboration question", collaboration.of),
        ("Identifying collaboration opportunities", collaboration.count),
        ("% identifying collaboration opportunities", r1(collaboration.pct)),
        ("Collaboration, 95% interval low (%)", r1(collaboration.low_pct)),
        ("Collaboration, 95% interval high (%)", r1(collaboration.high_pct)),
    )


def _target_row(check: TargetCheck) -> tuple[Any, ...]:
    actual = r1(check.actual) if check.unit == "%" else check.actual
    return (
        check.label,
        check.unit,
        check.target,
        actual,
        r1(check.low),
        r1(check.high),
        check.status,
        _yes_no(check.uncertain),
    )


def report_tables(figures: CompletionFigures) -> list[ReportTable]:
    """Every table of the report, in the order of the PDF."""
    header = figures.header
    about = (
        ("Symposium", header.title),
        ("Project number", header.project_number),
        ("Forum", header.forum),
        ("Dates", header.dates),
        ("Project overseer", header.po_name),
        ("Project overseer's e-mail", header.po_email),
        ("Attendance threshold (minutes)", header.threshold_minutes),
        ("Invited economies", len(header.invited_economies)),
        ("Figures as of (UTC)", f"{figures.generated_at:%Y-%m-%d %H:%M}"),
    )
    by_sex = tuple(f"{what} {sex}" for what in ("Registered", "Attended") for sex in SEXES)
    economies = tuple(
        (
            row.name,
            _yes_no(row.is_member),
            row.registered.total,
            *row.registered.counts,
            row.attended.total,
            *row.attended.counts,
            row.speakers,
        )
        for row in figures.economy_rows
    )
    economy_header = ("Economy", "Member", "Registered", *by_sex[:4], "Attended", *by_sex[4:])
    return [
        ReportTable("About", ("Field", "Value"), about),
        ReportTable(
            "Targets",
            (
                "Target",
                "Unit",
                "Target value",
                "Actual",
                "95% low",
                "95% high",
                "Status",
                "Uncertain",
            ),
            tuple(_target_row(check) for check in figures.targets),
        ),
        ReportTable(
            "Participants",
            ("Sex", "Registered", "% of registered", "Attended", "% of attended"),
            _sex_rows([figures.registered, figures.attended]),
        ),
        ReportTable("Speakers", ("Sex", "Speakers / experts", "%"), _sex_rows([figures.speakers])),
        ReportTable(
            "Speaker list",
            ("Name", "Role", "Sex", "Economy", "Source"),
            tuple((p.name, p.role, p.sex, p.economy, p.source) for p in figures.speaker_list),
        ),
        ReportTable("Economies", (*economy_header, "Speakers"), economies),
        ReportTable(
            "Economies represented",
            ("Economy",),
            tuple((name,) for name in figures.economies_represented),
        ),
        ReportTable(
            "Per day",
            ("Day", "Date", "Attendance recorded", "Attended", *SEXES),
            tuple(
                (
                    d.number,
                    d.date.isoformat(),
                    "yes" if d.recorded else "no",
                    d.attended.total,
                    *d.attended.counts,
                )
                for d in figures.days
            ),
        ),
        ReportTable("Survey", ("Measure", "Value"), _survey_rows(figures)),
        ReportTable("Definitions", ("Term", "Definition"), figures.definitions),
    ]


def report_xlsx(figures: CompletionFigures) -> bytes:
    """The workbook: a sheet per table, written by pandas through openpyxl."""
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for table in report_tables(figures):
            rows = [list(row) for row in table.rows]
            frame = pd.DataFrame(rows, columns=list(table.header), dtype=object)
            frame.to_excel(writer, sheet_name=table.name[:31], index=False)
            sheet = writer.sheets[table.name[:31]]
            keep_as_text(sheet)  # an organiser's "=HYPERLINK(…)" title stays inert text
            for index, name in enumerate(table.header, start=1):
                longest = max([len(str(name)), *(len(str(row[index - 1])) for row in rows)])
                sheet.column_dimensions[get_column_letter(index)].width = min(60, longest + 3)
            sheet.freeze_panes = "A2"
    return buffer.getvalue()


def report_csv_zip(figures: CompletionFigures) -> bytes:
    """A zip of UTF-8 CSV files, one per table (cells made safe by ``csv_bytes``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in report_tables(figures):
            archive.writestr(table.filename, csv_bytes(table.header, table.rows))
    return buffer.getvalue()


def _sex_json(counts: SexCounts) -> dict[str, Any]:
    return {
        "total": counts.total,
        "by_sex": counts.by_sex(),
        "pct_by_sex": {sex: r1(counts.pct(sex)) for sex in SEXES},
    }


def _share_json(share: Share) -> dict[str, Any]:
    return {
        "count": share.count,
        "of": share.of,
        "pct": r1(share.pct),
        "ci_low": r1(share.low_pct),
        "ci_high": r1(share.high_pct),
    }


def _survey_json(figures: CompletionFigures) -> dict[str, Any] | None:
    survey = figures.survey
    if survey is None:
        return None
    return {
        "invited": survey.invited,
        "responded": survey.responded,
        "response_rate": r1(survey.response_rate),
        "knowledge": {
            **_share_json(survey.knowledge),
            "mean_before": r2(survey.mean_before),
            "mean_after": r2(survey.mean_after),
            "mean_change": r2(survey.mean_change),
        },
        "collaboration": _share_json(survey.collaboration),
    }


def report_json(figures: CompletionFigures) -> dict[str, Any]:
    """The figures as JSON-ready data, with every table as a list of records."""
    header = figures.header
    return {
        "symposium": {
            "id": header.symposium_id,
            "title": header.title,
            "project_number": header.project_number,
            "forum": header.forum,
            "po_name": header.po_name,
            "po_email": header.po_email,
            "days": [{"number": d.number, "date": d.date.isoformat()} for d in header.days],
            "invited_economies": list(header.invited_economies),
            "attendance_threshold_minutes": header.threshold_minutes,
        },
        "generated_at": figures.generated_at.isoformat(timespec="seconds") + "Z",
        "participants": {
            "registered": _sex_json(figures.registered),
            "attended": _sex_json(figures.attended),
            "women": _share_json(figures.women_participants),
            "women_or_youth": _share_json(figures.women_or_youth),
        },
        "speakers": {
            **_sex_json(figures.speakers),
            "women": _share_json(figures.women_speakers),
            "list": [asdict(p) for p in figures.speaker_list],
        },
        "economies": {
            "count": len(figures.economies_represented),
            "represented": list(figures.economies_represented),
            "invited": len(header.invited_economies),
            "rows": [
                {
                    "economy": row.name,
                    "member": row.is_member,
                    "registered": _sex_json(row.registered),
                    "attended": _sex_json(row.attended),
                    "speakers": row.speakers,
                }
                for row in figures.economy_rows
            ],
        },
        "days": [
            {
                "number": d.number,
                "date": d.date.isoformat(),
                "recorded": d.recorded,
                "attended": _sex_json(d.attended),
            }
            for d in figures.days
        ],
        "survey": _survey_json(figures),
        "targets": [
            {
                "key": check.key,
                "label": check.label,
                "unit": check.unit,
                "target": check.target,
                "actual": r1(check.actual) if check.unit == "%" else check.actual,
                "status": check.status,
                "met": check.met,
                "uncertain": check.uncertain,
                "ci_low": r1(check.low),
                "ci_high": r1(check.high),
            }
            for check in figures.targets
        ],
        "definitions": [{"term": t, "definition": d} for t, d in figures.definitions],
        "tables": {table.name: table.records() for table in report_tables(figures)},
    }


# format → (extension, media type)
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("zip", "application/zip"),
    "json": ("json", "application/json"),
}


def report_file(figures: CompletionFigures, format: str) -> bytes:
    """The report in ``format`` (a key of FORMATS) as the bytes of a file."""
    if format == "pdf":
        from reports.pdf import completion_pdf

        return completion_pdf(figures)
    if format == "xlsx":
        return report_xlsx(figures)
    if format == "csv":
        return report_csv_zip(figures)
    if format == "json":
        return json.dumps(report_json(figures), ensure_ascii=False, indent=2).encode("utf-8")
    raise ValueError(f"unknown report format {format!r}")


def report_filename(figures: CompletionFigures, format: str) -> str:
    """``completion-report-sme-01-2026a.pdf`` and the like."""
    project = re.sub(r"[^a-z0-9]+", "-", figures.header.project_number.lower()).strip("-")
    return f"completion-report-{project or figures.header.symposium_id}.{FORMATS[format][0]}"
