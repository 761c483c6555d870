"""Pages of the completion report: the dashboard and its downloads (PDF, XLSX, CSV, JSON).

Every page only reads, so organisers and viewers alike see it (the login rule of
``symposium.auth`` applies).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template

from reports import bp
from reports.charts import completion_charts, svg
from reports.exports import FORMATS, report_file, report_filename, report_json
from reports.figures import (
    CompletionFigures,
    interval_text,
    number_text,
    pct_text,
    survey_lines,
)
from reports.queries import report_data
from reports.stats import completion_figures
from symposium import db
from symposium.models import SEXES, Symposium, utcnow
from symposium.routes import symposium_or_404


def figures_of(symposium: Symposium) -> CompletionFigures:
    """The figures of ``symposium`` as of now, from the request's session."""
    return completion_figures(report_data(db.session(), symposium), utcnow())


# The endpoint keeps the name the symposium's section tabs link to.
@bp.route("/symposia/<int:symposium_id>/report")
def dashboard(symposium_id: int) -> Any:
    """The figures against the targets, with their tables and charts."""
    symposium = symposium_or_404(symposium_id)
    figures = figures_of(symposium)
    return render_template(
        "reports/dashboard.html",
        symposium=symposium,
        figures=figures,
        charts={chart.key: svg(chart) for chart in completion_charts(figures)},
        survey_lines=survey_lines(figures.survey),
        sexes=SEXES,
        pct=pct_text,
        number=number_text,
        interval=interval_text,
    )


def _download(symposium_id: int, format: str) -> Response:
    figures = figures_of(symposium_or_404(symposium_id))
    response = Response(report_file(figures, format), mimetype=FORMATS[format][1])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{report_filename(figures, format)}"'
    )
    # Names of speakers are personal data: keep the file out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/symposia/<int:symposium_id>/report.pdf")
def report_pdf(symposium_id: int) -> Response:
    """The PDF to attach to the completion report."""
    return _download(symposium_id, "pdf")


@bp.route("/symposia/<int:symposium_id>/report.xlsx")
def report_xlsx(symposium_id: int) -> Response:
    """The workbook, a sheet per table."""
    return _download(symposium_id, "xlsx")


@bp.route("/symposia/<int:symposium_id>/report-csv.zip")
def report_csv(symposium_id: int) -> Response:
    """The tables as CSV files in a zip."""
    return _download(symposium_id, "csv")


@bp.route("/api/symposia/<int:symposium_id>/report")
def report_api(symposium_id: int) -> Response:
    """The figures and tables as JSON."""
    figures = figures_of(symposium_or_404(symposium_id))
    response = jsonify(report_json(figures))
    response.headers["Cache-Control"] = "private, no-store"
    return response
