"""The survey's results page and the exports of its raw responses (organisers and viewers)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Response, render_template, request

from surveys import bp, charts
from surveys.exports import export_table
from surveys.result_queries import find_survey, survey_results
from surveys.results import SMALL_GROUP, SMALL_GROUPS, SurveyResults
from symposium import db
from symposium.models import Symposium
from symposium.routes import symposium_or_404
from symposium.spreadsheet import csv_bytes, xlsx_bytes

SPLITS = ("sex", "economy")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/symposia/<int:symposium_id>/survey/results")
def results(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    survey = find_survey(session, symposium.id)
    by = request.args.get("by", "sex")
    if by not in SPLITS:
        by = "sex"  # an unknown split falls back to the default rather than failing
    return render_template(
        "surveys/results.html",
        symposium=symposium,
        survey=survey,
        results=survey_results(session, survey) if survey else None,
        by=by,
        charts=charts,
        small_groups=SMALL_GROUPS,
        small_group=SMALL_GROUP,
    )


def _export(symposium_id: int) -> tuple[Symposium, SurveyResults | None]:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    survey = find_survey(session, symposium.id)
    return symposium, survey_results(session, survey) if survey else None


def _table(results: SurveyResults | None) -> tuple[list[str], list[list[Any]]]:
    """The export's header and rows; an empty table (header only) before the survey exists."""
    if results is None:
        return export_table([], [], anonymous=False)
    questions = [result.question for result in results.questions]
    return export_table(questions, results.responses, results.anonymous)


def _attachment(symposium: Symposium, extension: str) -> dict[str, str]:
    # Only safe characters, so the project number cannot break the header.
    number = re.sub(r"[^A-Za-z0-9]+", "-", symposium.project_number).strip("-")
    name = f"survey-responses-{number}-{dt.date.today():%Y%m%d}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@bp.route("/symposia/<int:symposium_id>/survey/responses.csv")
def responses_csv(symposium_id: int) -> Any:
    symposium, results = _export(symposium_id)
    header, rows = _table(results)
    return Response(
        csv_bytes(header, rows), mimetype="text/csv", headers=_attachment(symposium, "csv")
    )


@bp.route("/symposia/<int:symposium_id>/survey/responses.xlsx")
def responses_xlsx(symposium_id: int) -> Any:
    symposium, results = _export(symposium_id)
    header, rows = _table(results)
    return Response(
        xlsx_bytes([("Responses", header, rows)]),
        mimetype=XLSX,
        headers=_attachment(symposium, "xlsx"),
    )
