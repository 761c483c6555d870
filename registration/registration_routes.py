"""Registering: the open form, the invited nominee's pre-filled form, the personal manage page,
and the organisers' registration settings. Wrong or old personal links all get the same 404."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for

from agenda.services import has_items
from registration import bp
from registration.confirmations import personal_calendar, queue_promotions
from registration.forms import ConfirmForm
from registration.kept_symposia import KeptCopyOutdated, unchecked
from registration.models import (
    Registration,
    RegistrationMode,
    RegistrationSettings,
    RegistrationStatus,
    written_name,
)
from registration.nominations import invitation_for_token
from registration.own_registration import (
    live_registration_of,
    registration_for_token,
    update_registration,
)
from registration.places import cancel_registration, waiting_position
from registration.registering import register_and_confirm, register_as_kept
from registration.registration_forms import ManageForm, RegistrationForm, SettingsForm
from registration.registration_settings import update_settings
from registration.registrations import (
    Registered,
    RegistrantInput,
    RegistrationError,
    changes_open,
    places_left,
    prefill,
    registration_open,
    settings_for,
    symposium_and_settings,
)
from symposium import db
from symposium.auth import organiser_required, public
from symposium.economies import EconomyRow, economy_rows
from symposium.edit_conflicts import conflict_message, merge_concurrent, remember_seen
from symposium.links import external_url
from symposium.models import Symposium
from symposium.routes import symposium_or_404


def _manage_link(token: str) -> str:
    return external_url("registration.manage", token=token)


def _economies() -> tuple[EconomyRow, ...]:
    """The economies in list order (the form and the page use them)."""
    return economy_rows(db.session())


def _form_page(template: str, form: RegistrationForm, status: int = 200, **context: Any):
    economies = _economies()
    zones = json.dumps({str(e.id): e.timezone for e in economies})
    page = render_template(template, form=form, economy_zones=zones, **context)
    return page, status


def _calendar(symposium: Symposium, data: RegistrantInput) -> bytes | None:
    # Building the calendar takes longer than the rest of registering. Built before the
    # symposium's lock is taken, it does not make simultaneous registrants wait.
    name = written_name(data.given_name, data.family_name, data.family_name_first)
    return personal_calendar(db.session(), symposium, name)


def _submit(symposium: Symposium, form: RegistrationForm, nomination=None) -> Any:
    """Register from a validated form; a refusal becomes a message on the form."""
    session = db.session()
    data = form.registrant()
    calendar = _calendar(symposium, data)
    try:
        registered = register_and_confirm(
            session, symposium, data, _manage_link, calendar, nomination=nomination
        )
    except RegistrationError as error:
        session.rollback()
        # The settings row may have been made in the transaction just rolled back (its first
        # use): made again, so the page that shows the refusal can read it.
        settings_for(session, symposium)
        _show_refusal(form, error)
        return None
    session.commit()
    return registered


def _show_refusal(form: RegistrationForm, error: RegistrationError) -> None:
    """A refusal under the field it is about, else above the form."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _after_registering(registered: Registered) -> Any:
    """To the new registration's manage page, which says what happened (``_just_registered``).
    Said there rather than flashed: a flash is written into the session cookie, which a
    registration otherwise leaves as it was (signing it again took 6 % of the Python calls)."""
    token = registered.token
    return redirect(url_for("registration.manage", token=token, registered=REGISTERED_MARK))


REGISTERED_MARK = "1"  # ?registered=1 on the manage page: the registrant has just registered
_JUST_REGISTERED = {
    RegistrationStatus.CONFIRMED: "You are registered.",
    RegistrationStatus.WAITING: "The symposium is full: you are on the waiting list.",
    RegistrationStatus.PENDING: "Thank you: the organisers will confirm your registration.",
}


def _just_registered(registration: Registration) -> str | None:
    """What the manage page says first when the registrant arrives from the form: the outcome
    and where the mail went (a reload says it again; the link in the mail does not)."""
    outcome = _JUST_REGISTERED.get(RegistrationStatus(registration.status))
    if request.args.get("registered") != REGISTERED_MARK or outcome is None:
        return None
    return f"{outcome} A mail with the details is on its way to {registration.email}."


def _registered_as_kept(symposium_id: int) -> Registered | None:
    """A registration sent on the open form, with the symposium as this process kept it and
    not checked first (``kept_symposia.unchecked``): the statement that writes it checks.
    None, with nothing written, on anything but a new address registered at once (nothing kept,
    a refusal, the symposium changed since it was kept…): the view then does it all again with
    the symposium's rows checked, and says what is wrong or goes the longer way."""
    session = db.session()
    kept = unchecked(session, symposium_id)
    if kept is None:
        return None
    symposium, settings, version = kept
    registered = None
    form = RegistrationForm()
    form.offer(symposium, _economies())
    usable = settings.mode != RegistrationMode.INVITATION and registration_open(symposium)
    if usable and form.validate_on_submit():
        data = form.registrant()
        calendar = _calendar(symposium, data)
        with contextlib.suppress(RegistrationError, KeptCopyOutdated):
            registered = register_as_kept(session, symposium, data, _manage_link, calendar, version)
    if registered is None:
        session.rollback()
        session.expunge_all()  # the copies: the view takes them again, checked
        db.reads_outside_a_transaction(session)
        return None
    session.commit()
    return registered


@bp.route("/register/<int:symposium_id>", methods=["GET", "POST"])
@public
def open_registration(symposium_id: int) -> Any:
    # Everything here reads until registering writes, which begins its own transaction.
    db.reads_outside_a_transaction(db.session())
    if request.method == "POST" and (registered := _registered_as_kept(symposium_id)):
        return _after_registering(registered)
    found = symposium_and_settings(db.session(), symposium_id)
    if found is None:
        abort(404)
    symposium, settings = found
    if settings.mode == RegistrationMode.INVITATION:
        abort(404)  # no public form: nothing to show
    form = RegistrationForm()
    form.offer(symposium, _economies())
    status = 200
    if registration_open(symposium) and form.validate_on_submit():
        registered = _submit(symposium, form)
        if registered is not None:
            return _after_registering(registered)
        status = 409
    elif form.is_submitted():
        status = 400
    places = places_left(db.session(), symposium)  # read in the same transaction
    db.session().commit()  # the settings row, when this was its first use
    return _form_page(
        "registration/register.html",
        form,
        status,
        symposium=symposium,
        settings=settings,
        is_open=registration_open(symposium),
        places=places,
        nomination=None,
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def invitation_page(token: str) -> Any:
    session = db.session()
    invitation = invitation_for_token(session, token)
    if invitation is None:
        abort(404)
    nomination = invitation.nomination
    symposium = nomination.symposium
    settings = settings_for(session, symposium)
    already = session.scalar(
        sa.select(Registration).where(
            Registration.nomination_id == nomination.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )
    # The nominee registered on their own before (the open form, as a speaker): one person,
    # one registration; the organisers decide if it should count for this economy.
    elsewhere = None if already is not None else live_registration_of(
        session, symposium, nomination.email
    )  # fmt: skip
    form = RegistrationForm()
    form.offer(symposium, _economies())
    status = 200
    free = already is None and elsewhere is None
    if free and registration_open(symposium) and form.validate_on_submit():
        registered = _submit(symposium, form, nomination)
        if registered is not None:
            return _after_registering(registered)
        status = 409
    elif form.is_submitted():
        status = 400 if free else 409  # registered already: nothing to send
    elif free:
        form.fill_from(prefill(nomination))
    session.commit()
    return _form_page(
        "registration/register.html",
        form,
        status,
        symposium=symposium,
        settings=settings,
        is_open=registration_open(symposium),
        places=places_left(session, symposium),
        nomination=nomination,
        already=already,
        elsewhere=elsewhere,
    )


def _registration_or_404(token: str) -> Registration:
    registration = registration_for_token(db.session(), token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/registration/<token>", methods=["GET", "POST"])
@public
def manage(token: str) -> Any:
    session = db.session()
    registration = _registration_or_404(token)
    symposium = registration.symposium
    form = ManageForm()
    form.offer(symposium, _economies())
    editable = changes_open(symposium) and registration.status in (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,
        RegistrationStatus.PENDING,
    )
    status = 200
    if editable and form.validate_on_submit():
        try:
            update_registration(session, registration, form.registrant())
        except RegistrationError as error:
            session.rollback()
            _show_refusal(form, error)
            status = 409
        else:
            session.commit()
            flash("Your registration is updated.", "success")
            return redirect(url_for("registration.manage", token=token))
    elif form.is_submitted():
        status = 400
    else:
        form.fill_from(registration)  # the model has every field the form needs
    return _form_page(
        "registration/manage.html",
        form,
        status,
        token=token,
        registration=registration,
        symposium=symposium,
        editable=editable,
        over=not changes_open(symposium),
        position=waiting_position(session, registration),
        confirm=ConfirmForm(),
        has_calendar=has_items(session, symposium),
        just_registered=_just_registered(registration) if request.method == "GET" else None,
    )


@bp.route("/registration/<token>/cancel", methods=["POST"])
@public
def cancel(token: str) -> Any:
    session = db.session()
    registration = _registration_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        promoted = cancel_registration(session, registration)
    except RegistrationError as error:
        session.rollback()
        flash(str(error), "warning")
    else:
        queue_promotions(session, registration.symposium, promoted)
        session.commit()
        flash("Your registration is cancelled. We are sorry you cannot join us.", "info")
    return redirect(url_for("registration.manage", token=token))


@bp.route("/registration/<token>/calendar.ics")
@public
def personal_calendar_file(token: str) -> Any:
    registration = _registration_or_404(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    body = personal_calendar(db.session(), registration.symposium, registration.full_name)
    if body is None:
        abort(404)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="symposium.ics"'},
    )


def _saved_settings(settings: RegistrationSettings) -> SettingsForm:
    """The settings form filled with what is saved now."""
    form = SettingsForm(formdata=None)
    form.mode.data, form.moderated.data = settings.mode, settings.moderated
    form.threshold.data = settings.attendance_threshold_minutes
    form.privacy_notice.data = settings.privacy_notice
    return form


@bp.route("/symposia/<int:symposium_id>/registration/settings", methods=["GET", "POST"])
@organiser_required
def registration_settings(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    settings = settings_for(session, symposium)
    form, status = SettingsForm(), 200
    if request.method != "POST":
        form = _saved_settings(settings)
        remember_seen(form)
    elif conflicts := merge_concurrent(form, _saved_settings(settings)):
        form.form_errors.append(conflict_message(conflicts))
        status = 409
    elif form.validate_on_submit():
        try:
            update_settings(
                session,
                symposium,
                mode=form.mode.data,
                moderated=form.moderated.data,
                threshold=form.threshold.data,
                privacy_notice=form.privacy_notice.data,
            )
        except RegistrationError as error:
            session.rollback()
            form.form_errors.append(str(error))
            status = 400
        else:
            session.commit()
            flash("Registration settings saved.", "success")
            return redirect(
                url_for("registration.registration_settings", symposium_id=symposium.id)
            )
    else:
        status = 400
    session.commit()
    page = render_template(
        "registration/registration_settings.html",
        form=form,
        symposium=symposium,
        settings=settings,
        public_link=external_url("registration.open_registration", symposium_id=symposium.id),
    )
    return page, status
