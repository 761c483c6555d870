"""The public agenda page, its downloads and the personal calendar feeds (no login)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Response, abort, current_app, render_template, request

from agenda import bp
from agenda.feeds import read_feed_token
from agenda.ical import agenda_calendar
from agenda.models import Speaker
from agenda.pdf import agenda_pdf
from agenda.plans import person_ref
from agenda.schedule import ITEM_KINDS, AgendaDocument, current_and_next
from agenda.services import agenda_document
from agenda.table import agenda_csv
from symposium import db
from symposium.auth import public
from symposium.models import Symposium
from symposium.services import get_symposium, is_known_timezone


def _symposium(symposium_id: int) -> Symposium:
    symposium = get_symposium(db.session(), symposium_id)
    if symposium is None:
        abort(404)
    return symposium


def _public_document(symposium: Symposium) -> AgendaDocument:
    # Anyone may read the agenda; the join link goes only to registered people.
    return agenda_document(db.session(), symposium, with_platform_link=False)


def _chosen_zone() -> str | None:
    zone = request.args.get("tz", "").strip()
    return zone if zone and is_known_timezone(zone) else None


def _file_name(symposium: Symposium, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", symposium.project_number).strip("-") or "agenda"
    return f"agenda-{stem}{suffix}"


def _download(body: bytes, mimetype: str, name: str, attachment: bool = True) -> Response:
    response = Response(body, mimetype=mimetype)
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


@bp.route("/agenda/<int:symposium_id>")
@public
def agenda_page(symposium_id: int) -> Any:
    symposium = _symposium(symposium_id)
    document = _public_document(symposium)
    current, upcoming = current_and_next(document.days, dt.datetime.now(dt.UTC))
    return render_template(
        "agenda/public.html",
        symposium=symposium,
        document=document,
        viewer_zone=_chosen_zone(),
        kinds=ITEM_KINDS,
        current=current,
        upcoming=upcoming,
    )


@bp.route("/agenda/<int:symposium_id>.ics")
@public
def calendar_file(symposium_id: int) -> Response:
    symposium = _symposium(symposium_id)
    body = agenda_calendar(_public_document(symposium))
    return _download(body, "text/calendar", _file_name(symposium, ".ics"))


@bp.route("/agenda/<int:symposium_id>/day-<int:day_number>.ics")
@public
def day_calendar_file(symposium_id: int, day_number: int) -> Response:
    symposium = _symposium(symposium_id)
    document = _public_document(symposium)
    if not any(day.number == day_number for day in document.days):
        abort(404)
    body = agenda_calendar(document, day_number=day_number)
    return _download(body, "text/calendar", _file_name(symposium, f"-day-{day_number}.ics"))


@bp.route("/agenda/<int:symposium_id>.pdf")
@public
def pdf_file(symposium_id: int) -> Response:
    symposium = _symposium(symposium_id)
    body = agenda_pdf(_public_document(symposium), display_timezone=_chosen_zone())
    return _download(body, "application/pdf", _file_name(symposium, ".pdf"), attachment=False)


@bp.route("/agenda/<int:symposium_id>.csv")
@public
def csv_file(symposium_id: int) -> Response:
    symposium = _symposium(symposium_id)
    body = agenda_csv(_public_document(symposium), display_timezone=_chosen_zone())
    return _download(body, "text/csv", _file_name(symposium, ".csv"))


@bp.route("/agenda/feed/<token>.ics")
@public
def personal_feed(token: str) -> Response:
    """A subscribable feed: one person's sessions, or every session, with the join link."""
    found = read_feed_token(current_app.config["SECRET_KEY"], token)
    symposium = get_symposium(db.session(), found[0]) if found else None
    if symposium is None:
        abort(404)
    speaker_id = found[1]
    document = agenda_document(db.session(), symposium, with_platform_link=True)
    if speaker_id is None:
        return _download(agenda_calendar(document), "text/calendar", "agenda.ics", False)
    speaker = db.session().get(Speaker, speaker_id)
    if speaker is None or speaker.symposium_id != symposium.id:
        abort(404)
    body = agenda_calendar(
        document,
        people_keys=frozenset({person_ref(speaker).key}),
        calendar_name=f"{symposium.title} — {speaker.name}",
    )
    return _download(body, "text/calendar", "my-sessions.ics", attachment=False)
