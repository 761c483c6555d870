"""The registration page: a placeholder until registration itself is built."""

from __future__ import annotations

from typing import Any

from flask import render_template

from registration import bp
from symposium.routes import symposium_or_404

WHAT_COMES = (
    "Registration by invitation (from accepted nominations) or through an open form, with a "
    "waiting list; participant lists; attendance imported from Zoom or Teams."
)


@bp.route("/symposia/<int:symposium_id>/registration")
def placeholder(symposium_id: int) -> Any:
    return render_template(
        "symposium/placeholder.html",
        symposium=symposium_or_404(symposium_id),
        feature="Registration and attendance",
        description=WHAT_COMES,
    )
