"""Organiser pages of a symposium's focal points: the list by economy, adding, editing,
removing, revoking links, mailing a new link and importing a CSV file."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from registration import bp
from registration.focal_point_forms import (
    ActionForm,
    FocalPointForm,
    FocalPointImportForm,
    SendLinkForm,
)
from registration.focal_points import (
    CSV_COLUMNS,
    MAX_IMPORT_BYTES,
    FocalPointError,
    FocalPointImportError,
    add_focal_point,
    delete_focal_point,
    focal_points_by_economy,
    import_focal_points,
    revoke_links,
    update_focal_point,
)
from registration.models import FocalPoint
from registration.nomination_links import (
    LinkNotSent,
    live_links,
    newest_link_id,
    send_new_link,
)
from symposium import db
from symposium.auth import organiser_required
from symposium.links import external_url
from symposium.models import Economy, Symposium
from symposium.routes import symposium_or_404
from symposium.spreadsheet import csv_bytes

BASE = "/symposia/<int:symposium_id>/focal-points"
EXAMPLE_ROWS = (
    ("Nguyễn Thị Lan", "lan.nguyen@example.org", "Viet Nam", "SMEWG focal point"),
    ("Ana Pérez", "ana.perez@example.org", "PER", "Ministry of Production, SME Division"),
    ("Kenji Sato", "k.sato@example.org", "Japan", ""),
)


def _focal_point_or_404(symposium: Symposium, focal_point_id: int) -> FocalPoint:
    focal_point = db.session().get(FocalPoint, focal_point_id)
    if focal_point is None or focal_point.symposium_id != symposium.id:
        abort(404)
    return focal_point


def _nomination_link(token: str) -> str:
    return external_url("registration.nominate_page", token=token)


def _to_list(symposium: Symposium, message: str) -> Any:
    db.session().commit()
    flash(message, "success")
    return redirect(url_for("registration.focal_point_list", symposium_id=symposium.id))


@bp.route(BASE)
def focal_point_list(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    groups = focal_points_by_economy(db.session(), symposium)
    return render_template(
        "registration/focal_points.html",
        symposium=symposium,
        groups=groups,
        total=sum(len(focal_points) for _, focal_points, _ in groups),
        live_counts={
            fp.id: len(live_links(fp.links, symposium)) for _, fps, _ in groups for fp in fps
        },
        newest_links={fp.id: newest_link_id(fp.links) for _, fps, _ in groups for fp in fps},
        csrf_form=ActionForm(),
    )


def _form_page(symposium: Symposium, focal_point: FocalPoint | None) -> Any:
    session = db.session()
    form = FocalPointForm()
    form.set_economies(list(session.scalars(sa.select(Economy).order_by(Economy.position))))
    if request.method == "GET":
        if focal_point is not None:
            form.fill_from(focal_point)
        elif request.args.get("economy", "").isdecimal():  # int() refuses "²", a digit
            form.economy_id.data = int(request.args["economy"])
    elif form.validate_on_submit():
        try:
            if focal_point is None:
                saved = add_focal_point(session, symposium, form.to_input())
            else:
                update_focal_point(session, focal_point, form.to_input())
                saved = focal_point
        except FocalPointError as error:
            if error.field in form:
                form[error.field].errors = [*form[error.field].errors, str(error)]
            else:
                form.form_errors.append(str(error))
        else:
            return _to_list(symposium, f"Saved {saved.name} ({saved.economy.name}).")
    status = 422 if form.is_submitted() else 200
    return render_template(
        "registration/focal_points_form.html",
        symposium=symposium,
        form=form,
        focal_point=focal_point,
    ), status


@bp.route(f"{BASE}/new", methods=["GET", "POST"])
@organiser_required
def focal_point_new(symposium_id: int) -> Any:
    return _form_page(symposium_or_404(symposium_id), None)


@bp.route(f"{BASE}/<int:focal_point_id>/edit", methods=["GET", "POST"])
@organiser_required
def focal_point_edit(symposium_id: int, focal_point_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    return _form_page(symposium, _focal_point_or_404(symposium, focal_point_id))


@bp.route(f"{BASE}/<int:focal_point_id>/delete", methods=["POST"])
def focal_point_delete(symposium_id: int, focal_point_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    focal_point = _focal_point_or_404(symposium, focal_point_id)
    name = focal_point.name
    delete_focal_point(db.session(), focal_point)
    return _to_list(symposium, f"Removed {name}; their nomination links no longer work.")


@bp.route(f"{BASE}/<int:focal_point_id>/revoke", methods=["POST"])
def focal_point_revoke(symposium_id: int, focal_point_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    focal_point = _focal_point_or_404(symposium, focal_point_id)
    count = revoke_links(db.session(), focal_point)
    if count == 0:
        return _to_list(symposium, f"{focal_point.name} had no live nomination link.")
    noun = "link" if count == 1 else "links"
    return _to_list(symposium, f"Revoked {count} nomination {noun} of {focal_point.name}.")


@bp.route(f"{BASE}/<int:focal_point_id>/send-link", methods=["POST"])
def focal_point_send_link(symposium_id: int, focal_point_id: int) -> Any:
    """Mail the focal point a new nomination link (one who wrote that theirs no longer work),
    once per press on the list as the page showed it."""
    symposium = symposium_or_404(symposium_id)
    focal_point = _focal_point_or_404(symposium, focal_point_id)
    form = SendLinkForm()
    if not form.validate():
        abort(400)
    try:
        send_new_link(
            db.session(),
            symposium,
            focal_point,
            _nomination_link,
            shown_newest=form.newest_link.data,
            sender=current_user,
        )
    except LinkNotSent as error:
        db.session().rollback()
        flash(str(error), "warning")
        return redirect(url_for("registration.focal_point_list", symposium_id=symposium.id))
    return _to_list(symposium, f"A new nomination link is on its way to {focal_point.email}.")


@bp.route(f"{BASE}/import", methods=["GET", "POST"])
@organiser_required
def focal_point_import(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    form = FocalPointImportForm()
    problems: list[tuple[int, str]] = []
    if form.validate_on_submit():
        # Read one byte past the limit: enough to tell a file that is too large.
        data = form.file.data.stream.read(MAX_IMPORT_BYTES + 1)
        try:
            count = import_focal_points(db.session(), symposium, data)
        except FocalPointImportError as error:
            problems = error.problems
        else:
            noun = "focal point" if count == 1 else "focal points"
            return _to_list(symposium, f"Imported {count} {noun}.")
    status = 400 if form.is_submitted() else 200
    return render_template(
        "registration/focal_points_import.html",
        symposium=symposium,
        form=form,
        problems=problems,
        columns=CSV_COLUMNS,
    ), status


@bp.route("/focal-points/template.csv")
def focal_point_template() -> Any:
    """An example file with the expected columns, to fill in a spreadsheet program."""
    return Response(
        csv_bytes(CSV_COLUMNS, EXAMPLE_ROWS),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="focal-points.csv"'},
    )
