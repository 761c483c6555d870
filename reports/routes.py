"""Pages of the completion report (placeholder for now)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from reports import bp
from symposium.routes import symposium_or_404

WHAT_COMES = (
    "The completion-report figures against the proposal's targets, as a dashboard, "
    "PDF, XLSX, CSV and JSON."
)


@bp.route("/symposia/<int:symposium_id>/report")
def placeholder(symposium_id: int) -> Any:
    return render_template(
        "symposium/placeholder.html",
        symposium=symposium_or_404(symposium_id),
        feature="Completion report",
        description=WHAT_COMES,
    )
