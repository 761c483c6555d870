"""Organiser pages of registrations: the participant list, status and role changes (one or the
selected), the report and summary downloads, and erasing a person."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from registration import bp
from registration.confirmations import queue_approval_result, queue_promotions
from registration.erasure import erase_registration
from registration.models import Registration
from registration.participant_forms import (
    CHOOSE_A_STATUS,
    BulkForm,
    EraseForm,
    FilterForm,
    RoleForm,
    StatusForm,
)
from registration.participants import (
    APPROVE,
    PAGE_SIZE,
    ROLES,
    STATUS_ACTIONS,
    SUMMARY_HEADER,
    StatusChange,
    attended_ids,
    registration_counts,
    report_header,
    report_rows,
    search_registrations,
    set_status,
    summary_by_economy_and_sex,
    summary_rows,
    symposium_registrations,
    waiting_list,
)
from registration.places import change_role
from registration.registrations import RegistrationError
from symposium import db
from symposium.auth import organiser_required
from symposium.models import Economy, Symposium
from symposium.routes import symposium_or_404
from symposium.spreadsheet import csv_bytes, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_ARGS = ("q", "economy", "sex", "role", "status", "attended", "page")


def _registration_or_404(symposium: Symposium, registration_id: int) -> Registration:
    registration = db.session().get(Registration, registration_id)
    if registration is None or registration.symposium_id != symposium.id:
        abort(404)
    return registration


def _filter_form() -> FilterForm:
    form = FilterForm(formdata=request.args)
    economies = db.session().scalars(sa.select(Economy).order_by(Economy.position))
    form.economy.choices = [("", "All"), *((str(e.id), e.name) for e in economies)]
    return form


def _back_to_list(symposium: Symposium, back: str | None) -> Any:
    """The list with the filters the organiser was looking at (only known arguments, so the
    form cannot send anyone elsewhere)."""
    kept = {name: value for name, value in parse_qsl(back or "") if name in LIST_ARGS}
    return redirect(url_for("registration.participants", symposium_id=symposium.id, **kept))


def _queue_mails(symposium: Symposium, change: StatusChange) -> None:
    session = db.session()
    if change.approved:
        queue_approval_result(session, change.registration)
    queue_promotions(session, symposium, change.placed)


@bp.route("/symposia/<int:symposium_id>/registrations")
def participants(symposium_id: int) -> Any:
    """The list (filtered by the query string), counts, waiting list and summary."""
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    filters = _filter_form()
    page = request.args.get("page", 1, type=int)
    if not filters.validate() or page < 1:
        abort(400)
    rows, total = search_registrations(session, symposium, filters.to_filter(), page)
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    if page > pages:
        abort(404)
    query_args = filters.query_args()
    waiting = waiting_list(session, symposium)
    return render_template(
        "registration/participants.html",
        symposium=symposium,
        filters=filters,
        query_args=query_args,
        back=urlencode({**query_args, "page": page}),
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        attended=attended_ids(session, [r.id for r in rows]),
        counts=registration_counts(session, symposium),
        waiting=waiting,
        positions={r.id: number for number, r in enumerate(waiting, start=1)},
        summary=summary_by_economy_and_sex(session, symposium),
        summary_header=SUMMARY_HEADER,
        statuses=[a for a in STATUS_ACTIONS if a != APPROVE],
        roles=ROLES,
        bulk=BulkForm(),
    )


@bp.route(
    "/symposia/<int:symposium_id>/registrations/<int:registration_id>/status", methods=["POST"]
)
def change_registration_status(symposium_id: int, registration_id: int) -> Any:
    """Set one registration's status (or approve it); mails whoever now has a place."""
    symposium = symposium_or_404(symposium_id)
    registration = _registration_or_404(symposium, registration_id)
    form = StatusForm()
    if not form.validate_on_submit():
        if form.errors != {"status": [CHOOSE_A_STATUS]}:
            abort(400)
        flash(CHOOSE_A_STATUS, "warning")
        return _back_to_list(symposium, form.back.data)
    session = db.session()
    try:
        change = set_status(session, registration, form.status.data)
        _queue_mails(symposium, change)
    except RegistrationError as error:
        session.rollback()
        flash(str(error), "danger")
    else:
        session.commit()
        flash(f"{registration.full_name}: {registration.status}.", "success")
        promoted = [r.full_name for r in change.placed if r is not registration]
        if promoted:
            flash(f"Given a place from the waiting list: {', '.join(promoted)}.", "info")
    return _back_to_list(symposium, form.back.data)


@bp.route("/symposia/<int:symposium_id>/registrations/<int:registration_id>/role", methods=["POST"])
def change_registration_role(symposium_id: int, registration_id: int) -> Any:
    """Set one registration's role."""
    symposium = symposium_or_404(symposium_id)
    registration = _registration_or_404(symposium, registration_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    change_role(db.session(), registration, form.role.data)
    db.session().commit()
    flash(f"{registration.full_name} is now {form.role.data}.", "success")
    return _back_to_list(symposium, form.back.data)


def _apply(symposium: Symposium, registrations: list[Registration], action: str) -> list[str]:
    """Apply ``action`` to each registration in a savepoint; returns the problems (the rest is
    kept)."""
    session = db.session()
    kind, _, value = action.partition(":")
    problems = []
    for registration in registrations:
        try:
            with session.begin_nested():
                if kind == "role":
                    change_role(session, registration, value)
                else:
                    _queue_mails(symposium, set_status(session, registration, value))
        except RegistrationError as error:
            problems.append(f"{registration.full_name}: {error}")
    return problems


@bp.route("/symposia/<int:symposium_id>/registrations/bulk", methods=["POST"])
def bulk_registrations(symposium_id: int) -> Any:
    """Apply a status or role to the selected; each that cannot change is reported."""
    symposium = symposium_or_404(symposium_id)
    form = BulkForm()
    if not form.validate_on_submit():
        flash("Tick at least one registration, then choose what to do with them.", "warning")
        return _back_to_list(symposium, form.back.data)
    chosen = symposium_registrations(db.session(), symposium, form.registration_ids.data)
    problems = _apply(symposium, chosen, form.action.data)
    db.session().commit()
    done = len(chosen) - len(problems)
    flash(f"{done} registration{'s' if done != 1 else ''} updated.", "success" if done else "info")
    for problem in problems:
        flash(problem, "danger")
    return _back_to_list(symposium, form.back.data)


# --- downloads -------------------------------------------------------------------------------


def _download(symposium: Symposium, name: str, extension: str, data: bytes, mimetype: str):
    number = symposium.project_number.replace(" ", "-")
    filename = f"{name}-{number}-{dt.date.today():%Y%m%d}.{extension}"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/symposia/<int:symposium_id>/registrations.csv")
def participants_csv(symposium_id: int) -> Any:
    """The registration report, one row per person."""
    symposium = symposium_or_404(symposium_id)
    rows = report_rows(db.session(), symposium)
    data = csv_bytes(report_header(symposium), rows)
    return _download(symposium, "registrations", "csv", data, "text/csv")


@bp.route("/symposia/<int:symposium_id>/registrations.xlsx")
def participants_xlsx(symposium_id: int) -> Any:
    """The registration report and the summary by economy and sex, as two sheets."""
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    summary = summary_by_economy_and_sex(session, symposium)
    data = xlsx_bytes(
        [
            ("Registrations", report_header(symposium), report_rows(session, symposium)),
            ("By economy and sex", SUMMARY_HEADER, summary_rows(summary)),
        ]
    )
    return _download(symposium, "registrations", "xlsx", data, XLSX)


@bp.route("/symposia/<int:symposium_id>/registrations/summary.csv")
def participants_summary_csv(symposium_id: int) -> Any:
    """Confirmed registrations by economy and sex, with a total row."""
    symposium = symposium_or_404(symposium_id)
    summary = summary_by_economy_and_sex(db.session(), symposium)
    data = csv_bytes(SUMMARY_HEADER, summary_rows(summary))
    return _download(symposium, "registrations-by-economy-and-sex", "csv", data, "text/csv")


# --- erasure ---------------------------------------------------------------------------------


@bp.route(
    "/symposia/<int:symposium_id>/registrations/<int:registration_id>/erase",
    methods=["GET", "POST"],
)
@organiser_required
def erase_participant(symposium_id: int, registration_id: int) -> Any:
    """Ask for confirmation (GET), then erase the person's personal data (POST)."""
    symposium = symposium_or_404(symposium_id)
    registration = _registration_or_404(symposium, registration_id)
    if registration.erased_at is not None:
        flash("This registration was already erased.", "info")
        return redirect(url_for("registration.participants", symposium_id=symposium.id))
    form = EraseForm()
    if not form.validate_on_submit():
        page = render_template(
            "registration/participants_erase.html",
            symposium=symposium,
            registration=registration,
            form=form,
        )
        return page, 422 if form.is_submitted() else 200
    session = db.session()
    try:
        erase_registration(session, registration, current_user)
    except RegistrationError as error:  # erased meanwhile (two organisers, or a double click)
        session.rollback()
        flash(str(error), "info")
        return redirect(url_for("registration.participants", symposium_id=symposium.id))
    session.commit()
    # Ids only: the log must not keep what was just erased.
    current_app.logger.info("Registration %s erased by user %s", registration.id, current_user.id)
    flash(f"Registration #{registration.id} erased; its anonymous record is kept.", "success")
    return redirect(url_for("registration.participants", symposium_id=symposium.id))
