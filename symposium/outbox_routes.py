"""The outbox page: what mail went out, what is waiting, what failed and why; re-queuing.

Reading is open to every account; the POSTs are organiser-only through the global access rule.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from symposium import db
from symposium.models import MailStatus, OutboxMessage
from symposium.outbox import (
    RequeueError,
    message_page,
    requeue,
    requeue_failed,
    stalled_since,
    status_counts,
)

bp = Blueprint("outbox", __name__, url_prefix="/outbox")
STATUSES = frozenset(status.value for status in MailStatus)


def _status_filter(value: str | None) -> str | None:
    """The status asked for, or None for all; anything else is a bad request."""
    if not value:
        return None
    if value not in STATUSES:
        abort(400)
    return value


def _back_to_listing() -> Any:
    # The forms carry the filter the organiser was looking at, so they land back on it.
    return redirect(url_for("outbox.index", status=_status_filter(request.form.get("status"))))


@bp.get("")
def index() -> Any:
    status = _status_filter(request.args.get("status"))
    page_number = request.args.get("page", 1, type=int)
    session = db.session()
    listing = message_page(session, status, page_number)
    if page_number < 1 or page_number > listing.pages:
        abort(404)
    return render_template(
        "symposium/outbox.html",
        listing=listing,
        counts=status_counts(session),
        status=status,
        stalled_since=stalled_since(session),
    )


@bp.post("/<int:message_id>/requeue")
def requeue_one(message_id: int) -> Any:
    session = db.session()
    message = session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    try:
        requeue(session, message)
    except RequeueError as error:
        flash(str(error), "warning")
        return _back_to_listing()
    session.commit()
    flash(f"The mail to {message.recipient} is queued again.", "success")
    return _back_to_listing()


@bp.post("/requeue-failed")
def requeue_all_failed() -> Any:
    session = db.session()
    count = requeue_failed(session)
    session.commit()
    if count:
        flash(f"{count} failed mail{'s are' if count != 1 else ' is'} queued again.", "success")
    else:
        flash("No failed mail to queue again.", "info")
    return _back_to_listing()
