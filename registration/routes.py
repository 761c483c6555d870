"""Pages of the circular, nominations and registration (placeholder for now)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from registration import bp
from symposium.routes import symposium_or_404

WHAT_COMES = (
    "The General Information Circular, focal points, nominations by economy, "
    "registration with a waiting list, participant lists and attendance imported "
    "from Zoom or Teams."
)


@bp.route("/symposia/<int:symposium_id>/registration")
def placeholder(symposium_id: int) -> Any:
    return render_template(
        "symposium/placeholder.html",
        symposium=symposium_or_404(symposium_id),
        feature="Circular, nominations and registration",
        description=WHAT_COMES,
    )
