"""Pages of the agenda and calendars (placeholder for now)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from agenda import bp
from symposium.routes import symposium_or_404

WHAT_COMES = (
    "The duration-based agenda builder, the time-zone planner across economies, "
    "and iCalendar and PDF exports."
)


@bp.route("/symposia/<int:symposium_id>/agenda")
def placeholder(symposium_id: int) -> Any:
    return render_template(
        "symposium/placeholder.html",
        symposium=symposium_or_404(symposium_id),
        feature="Agenda and calendars",
        description=WHAT_COMES,
    )
