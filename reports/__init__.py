"""Completion report: the completion-report figures against the proposal's targets, as a dashboard, PDF, XLSX, CSV and JSON."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates")

from reports import routes  # noqa: E402,F401  (registers the views on bp)
