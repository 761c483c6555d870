"""Organiser pages of the core: the list of symposia and their set-up (and the site's icon)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from symposium import db
from symposium.auth import organiser_required, public
from symposium.edit_conflicts import conflict_message, merge_concurrent, remember_seen
from symposium.forms import SymposiumForm
from symposium.models import Symposium
from symposium.services import (
    SetupError,
    create_symposium,
    get_symposium,
    list_symposia,
    member_economies,
    setup_notices,
    setup_of,
    update_symposium,
)

bp = Blueprint("symposium", __name__)


def symposium_or_404(symposium_id: int) -> Symposium:
    """The symposium with this id, or a 404 page."""
    symposium = get_symposium(db.session(), symposium_id)
    if symposium is None:
        abort(404)
    return symposium


@bp.route("/")
def index() -> Any:
    return redirect(url_for("symposium.list_page"))


@bp.route("/favicon.ico")
@public
def favicon() -> Any:
    """The site's icon where a browser looks for it when no page names it: a PDF, a CSV or a
    calendar file opened in a tab (pages name ``/static/favicon.svg``). Not found, each of
    those left a 404 in the log and the browser's console."""
    folder = current_app.static_folder
    return send_from_directory(folder, "favicon.svg", mimetype="image/svg+xml")  # type: ignore[arg-type]


@bp.route("/symposia")
def list_page() -> Any:
    return render_template("symposium/list.html", symposia=list_symposia(db.session()))


def _setup_form(**kwargs: Any) -> SymposiumForm:
    form = SymposiumForm(**kwargs)
    form.invited_economy_ids.choices = [(e.id, e.name) for e in member_economies(db.session())]
    return form


def _saved_setup(symposium: Symposium) -> SymposiumForm:
    """The form filled with the set-up as it is saved now (for editing, and to compare)."""
    form = _setup_form(formdata=None)
    form.fill_from(setup_of(symposium))
    return form


def _render_form(form: SymposiumForm, symposium: Symposium | None, status: int = 200) -> Any:
    return (
        render_template(
            "symposium/form.html",
            form=form,
            symposium=symposium,
        ),
        status,
    )


def _save(form: SymposiumForm, symposium: Symposium | None) -> Any:
    """Validate and save the form; on any problem show it again with field messages (422)."""
    if not form.validate():
        return _render_form(form, symposium, 422)
    session = db.session()
    created = symposium is None
    try:
        if symposium is None:
            symposium = create_symposium(session, form.to_setup())
        else:
            update_symposium(session, symposium, form.to_setup())
    except SetupError as error:
        session.rollback()
        for name, message in error.problems.items():
            form[name].errors = [*form[name].errors, message]
        return _render_form(form, symposium, 422)
    session.commit()
    flash(f"Saved “{symposium.title}”.", "success")
    for notice in setup_notices(symposium, dt.datetime.now(symposium.zone).date(), created=created):
        flash(notice, "warning")
    return redirect(url_for("symposium.detail", symposium_id=symposium.id))


@bp.route("/symposia/new", methods=["GET", "POST"])
@organiser_required
def new() -> Any:
    form = _setup_form()
    if form.is_submitted():
        return _save(form, None)
    return _render_form(form, None)


@bp.route("/symposia/<int:symposium_id>")
def detail(symposium_id: int) -> Any:
    return render_template("symposium/detail.html", symposium=symposium_or_404(symposium_id))


@bp.route("/symposia/<int:symposium_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    if request.method != "POST":
        form = _saved_setup(symposium)
        remember_seen(form)
        return _render_form(form, symposium)
    form = _setup_form()
    if conflicts := merge_concurrent(form, _saved_setup(symposium)):
        form.form_errors.append(conflict_message(conflicts))
        return _render_form(form, symposium, 409)
    return _save(form, symposium)
