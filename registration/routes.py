"""The registration tab: it opens the participant list."""

from __future__ import annotations

from typing import Any

from flask import redirect, url_for

from registration import bp
from symposium.routes import symposium_or_404


@bp.route("/symposia/<int:symposium_id>/registration")
def placeholder(symposium_id: int) -> Any:
    # The endpoint keeps its name: the shared tabs template links to it.
    symposium = symposium_or_404(symposium_id)
    return redirect(url_for("registration.participants", symposium_id=symposium.id))
