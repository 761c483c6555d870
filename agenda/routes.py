"""Pages of the agenda feature (a placeholder until its issue is done)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from agenda import bp
from symposium.routes import symposium_or_404


@bp.route("/symposia/<int:symposium_id>/agenda")
def placeholder(symposium_id: int) -> Any:
    return render_template(
        "symposium/placeholder.html",
        symposium=symposium_or_404(symposium_id),
        feature="Agenda and calendars",
        description="The duration-based agenda builder, the time-zone planner across economies, and iCalendar and PDF exports.",
    )
