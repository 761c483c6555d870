"""The focal point's nomination pages, reached by a personal link without an account. Any
wrong, revoked, expired or unknown token gets the same 404 (see nomination_links.py)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, url_for

from registration import bp
from registration.circular_services import document_for
from registration.distribution import latest_distributed
from registration.forms import ConfirmForm, NomineeForm
from registration.models import ACTIVE_STATUSES, FocalPoint
from registration.nomination_links import focal_point_for_token
from registration.nominations import (
    NominationError,
    economy_nominations,
    nominate,
    nominations_open,
    own_nomination,
    quota_of,
    registered_nominations,
    update_nomination,
    withdraw_nomination,
)
from registration.pdf import circular_pdf
from symposium import db
from symposium.auth import public


def _focal_point_or_404(token: str) -> FocalPoint:
    focal_point = focal_point_for_token(db.session(), token)
    if focal_point is None:
        abort(404)
    return focal_point


def _nomination_page(token: str, focal_point: FocalPoint, form: NomineeForm, status: int = 200):
    session = db.session()
    symposium = focal_point.symposium
    nominations = economy_nominations(session, focal_point)
    quota = quota_of(session, symposium, focal_point.economy_id)
    taken = sum(1 for n in nominations if n.status in ACTIVE_STATUSES)
    version = latest_distributed(session, symposium)
    page = render_template(
        "registration/nominate.html",
        token=token,
        focal_point=focal_point,
        symposium=symposium,
        nominations=nominations,
        quota=quota,
        taken=taken,
        is_open=nominations_open(symposium),
        document=document_for(session, version) if version else None,
        form=form,
        confirm=ConfirmForm(),
        active_statuses=ACTIVE_STATUSES,
        registered=registered_nominations(session, nominations),
    )
    return page, status


@bp.route("/nominate/<token>", methods=["GET", "POST"])
@public
def nominate_page(token: str) -> Any:
    focal_point = _focal_point_or_404(token)
    form = NomineeForm()
    if form.validate_on_submit():
        session = db.session()
        try:
            nomination = nominate(session, focal_point, form.nominee())
        except NominationError as error:
            session.rollback()
            form.form_errors.append(str(error))
            return _nomination_page(token, focal_point, form, 409)
        session.commit()
        flash(f"{nomination.full_name} is nominated. The organisers will be in touch.", "success")
        return redirect(url_for("registration.nominate_page", token=token))
    return _nomination_page(token, focal_point, form, 400 if form.is_submitted() else 200)


@bp.route("/nominate/<token>/<int:nomination_id>/edit", methods=["GET", "POST"])
@public
def edit_nomination(token: str, nomination_id: int) -> Any:
    session = db.session()
    focal_point = _focal_point_or_404(token)
    try:
        nomination = own_nomination(session, focal_point, nomination_id)
    except NominationError:
        abort(404)
    form = NomineeForm()
    status = 200
    if form.validate_on_submit():
        try:
            update_nomination(session, focal_point, nomination, form.nominee())
        except NominationError as error:
            session.rollback()
            form.form_errors.append(str(error))
            status = 409
        else:
            session.commit()
            flash(f"The nomination of {nomination.full_name} is updated.", "success")
            return redirect(url_for("registration.nominate_page", token=token))
    elif form.is_submitted():
        status = 400
    else:
        form.fill_from(nomination)
    page = render_template(
        "registration/nomination_edit.html",
        token=token,
        focal_point=focal_point,
        symposium=focal_point.symposium,
        nomination=nomination,
        form=form,
        is_open=nominations_open(focal_point.symposium),
    )
    return page, status


@bp.route("/nominate/<token>/<int:nomination_id>/withdraw", methods=["POST"])
@public
def withdraw(token: str, nomination_id: int) -> Any:
    session = db.session()
    focal_point = _focal_point_or_404(token)
    try:
        nomination = own_nomination(session, focal_point, nomination_id)
    except NominationError:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            withdraw_nomination(session, focal_point, nomination)
        except NominationError as error:
            session.rollback()
            flash(str(error), "danger")
        else:
            session.commit()
            flash(f"The nomination of {nomination.full_name} is withdrawn.", "info")
    return redirect(url_for("registration.nominate_page", token=token))


@bp.route("/nominate/<token>/circular.pdf")
@public
def nominate_circular_pdf(token: str) -> Any:
    session = db.session()
    focal_point = _focal_point_or_404(token)
    version = latest_distributed(session, focal_point.symposium)
    if version is None:
        abort(404)
    pdf = circular_pdf(document_for(session, version))
    name = f"GIC-v{version.number}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
