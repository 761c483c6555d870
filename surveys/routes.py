"""Pages of the post-event survey (placeholder for now)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from surveys import bp
from symposium.routes import symposium_or_404

WHAT_COMES = "The evaluation questionnaire, personal invitations to attendees and the results."


@bp.route("/symposia/<int:symposium_id>/survey")
def placeholder(symposium_id: int) -> Any:
    return render_template(
        "symposium/placeholder.html",
        symposium=symposium_or_404(symposium_id),
        feature="Post-event survey",
        description=WHAT_COMES,
    )
