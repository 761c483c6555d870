"""Pages of the surveys feature (a placeholder until its issue is done)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from surveys import bp
from symposium.routes import symposium_or_404


@bp.route("/symposia/<int:symposium_id>/survey")
def placeholder(symposium_id: int) -> Any:
    return render_template(
        "symposium/placeholder.html",
        symposium=symposium_or_404(symposium_id),
        feature="Post-event survey",
        description="The evaluation questionnaire, personal invitations to attendees and the results.",
    )
