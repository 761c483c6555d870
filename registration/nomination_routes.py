"""Organiser pages of nominations and of the circular's distribution."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from registration import bp
from registration.circular_services import (
    changed_since_seen,
    changed_since_sent,
    draft_fingerprint,
    latest_version,
    lock_circular,
    outdated_dates_in,
    texts_of,
)
from registration.decision_mails import FocalPointsTold, queue_decision_mails
from registration.distribution import (
    deliveries_of,
    distribute_circular,
    distribution_progress,
    economies_without_nominations,
    invited_focal_points,
    latest_distributed,
    queue_invitation_mail,
    reaches,
    send_reminders,
)
from registration.exports import HEADER, nomination_rows
from registration.forms import (
    BulkDecisionForm,
    ConfirmForm,
    DecisionForm,
    DistributeForm,
    QuotaForm,
)
from registration.models import CircularVersion, Nomination, NominationStatus
from registration.nomination_listing import nominations_by_economy, symposium_nominations
from registration.nominations import NominationError, decide, nominations_open, set_quota
from symposium import MAX_ROW_ID, db
from symposium.links import external_url
from symposium.models import Economy, Symposium
from symposium.routes import symposium_or_404
from symposium.spreadsheet import csv_bytes, xlsx_bytes


def _nomination_link(token: str) -> str:
    return external_url("registration.nominate_page", token=token)


def _invitation_link(token: str) -> str:
    return external_url("registration.invitation_page", token=token)


def _apply(
    symposium: Symposium, nominations: list[Nomination], decision: str, seen: dict[int, str]
) -> tuple[list[str], FocalPointsTold]:
    """Decide each nomination in a savepoint and tell the focal points concerned of what was
    decided (one mail each for the whole action); returns the problems (the rest is kept).
    ``seen``: the status the organiser's page showed of each nomination, by id."""
    session = db.session()
    problems, decided = [], []
    for nomination in nominations:
        try:
            with session.begin_nested():
                shown = seen.get(nomination.id, "")
                outcome = decide(session, nomination, decision, current_user, shown)
                if outcome.invitation_token:
                    queue_invitation_mail(session, symposium, outcome, _invitation_link)
        except NominationError as error:
            problems.append(str(error))
        else:
            decided.append(outcome)
    return problems, queue_decision_mails(session, symposium, decided, _nomination_link)


def _flash_told(told: FocalPointsTold) -> None:
    """Say who will hear of the decisions, so nobody writes to the focal points a second time."""
    if told.focal_points:
        names = ", ".join(f"{f.name} ({f.economy.name})" for f in told.focal_points)
        several = len(told.focal_points) > 1
        flash(f"Focal point{'s' if several else ''} told by e-mail: {names}.", "info")
    for economy in told.economies_without_focal_point:
        flash(f"{economy} has no focal point now, so nobody there was told.", "warning")


@bp.route("/symposia/<int:symposium_id>/nominations")
def nominations(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    status = request.args.get("status") or None
    if status not in {None, *NominationStatus}:
        abort(400)
    groups = nominations_by_economy(db.session(), symposium, status)
    return render_template(
        "registration/nominations.html",
        symposium=symposium,
        groups=groups,
        status=status,
        statuses=list(NominationStatus),
        bulk=BulkDecisionForm(),
        decision_form=DecisionForm(),
        quota_form=QuotaForm(),
        is_open=nominations_open(symposium),
    )


@bp.route("/symposia/<int:symposium_id>/nominations/<int:nomination_id>/decide", methods=["POST"])
def decide_nomination(symposium_id: int, nomination_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    found = symposium_nominations(db.session(), symposium, [nomination_id])
    if not found:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    problems, told = _apply(symposium, found, form.decision.data, {nomination_id: form.seen.data})
    db.session().commit()
    for problem in problems:
        flash(problem, "danger")
    if not problems:
        flash(f"{found[0].full_name}: {found[0].status}.", "success")
    _flash_told(told)
    return redirect(url_for("registration.nominations", symposium_id=symposium.id))


@bp.route("/symposia/<int:symposium_id>/nominations/bulk", methods=["POST"])
def bulk_decide(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        flash("Tick at least one nomination, then choose what to do with them.", "warning")
        return redirect(url_for("registration.nominations", symposium_id=symposium.id))
    chosen = symposium_nominations(db.session(), symposium, form.nomination_ids.data)
    problems, told = _apply(symposium, chosen, form.decision.data, form.seen_statuses())
    db.session().commit()
    done = len(chosen) - len(problems)
    flash(f"{done} nomination{'s' if done != 1 else ''} updated.", "success" if done else "info")
    _flash_told(told)
    for problem in problems:
        flash(problem, "danger")
    return redirect(url_for("registration.nominations", symposium_id=symposium.id))


@bp.route("/symposia/<int:symposium_id>/nominations/quota", methods=["POST"])
def change_quota(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    form = QuotaForm()
    session = db.session()
    economy = None
    # isdecimal, not isdigit: int() refuses "²"; and no id is beyond an INTEGER column.
    if (form.economy_id.data or "").isdecimal() and int(form.economy_id.data) <= MAX_ROW_ID:
        economy = session.get(Economy, int(form.economy_id.data))
    if economy is None or not form.validate_on_submit():
        message = "; ".join(form.quota.errors) or "Choose an economy."
        flash(f"The quota was not changed: {message}", "danger")
        return redirect(url_for("registration.nominations", symposium_id=symposium.id))
    try:
        active = set_quota(session, symposium, economy, form.quota.data)
    except NominationError as error:
        session.rollback()
        flash(str(error), "danger")
    else:
        session.commit()
        flash(f"{economy.name} may now nominate {form.quota.data}.", "success")
        if active > form.quota.data:
            flash(
                f"{economy.name} already has {active} active nominations; the lower quota "
                "applies to new nominations and acceptances.",
                "warning",
            )
    return redirect(url_for("registration.nominations", symposium_id=symposium.id))


def _export_name(symposium: Symposium, extension: str) -> str:
    number = symposium.project_number.replace(" ", "-")
    return f"nominations-{number}-{dt.date.today():%Y%m%d}.{extension}"


@bp.route("/symposia/<int:symposium_id>/nominations.csv")
def nominations_csv(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    rows = nomination_rows(nominations_by_economy(db.session(), symposium))
    return Response(
        csv_bytes(HEADER, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(symposium, "csv")}"'},
    )


@bp.route("/symposia/<int:symposium_id>/nominations.xlsx")
def nominations_xlsx(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    rows = nomination_rows(nominations_by_economy(db.session(), symposium))
    name = _export_name(symposium, "xlsx")
    return Response(
        xlsx_bytes([("Nominations", HEADER, rows)]),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- distribution --------------------------------------------------------------------------


def _progress_rows(symposium: Symposium):
    session = db.session()
    version = latest_distributed(session, symposium)
    return version, (distribution_progress(session, version) if version else [])


@bp.route("/symposia/<int:symposium_id>/distribution")
def distribution(symposium_id: int) -> Any:
    return _distribution_page(symposium_or_404(symposium_id))


def _distribution_page(symposium: Symposium, status: int = 200) -> Any:
    session = db.session()
    draft = latest_version(session, symposium)
    sent_version, progress = _progress_rows(symposium)
    recipients = invited_focal_points(session, symposium)
    silent = economies_without_nominations(session, symposium)
    have_it = set()
    if draft is not None and draft.id is not None:
        deliveries = deliveries_of(session, draft)
        have_it = {fp_id for fp_id, delivery in deliveries.items() if reaches(delivery)}
    return render_template(
        "registration/distribution.html",
        symposium=symposium,
        draft=draft,
        sent_version=sent_version,
        progress=progress,
        recipients=recipients,
        still_to_send=[f for f in recipients if f.id not in have_it],
        silent_recipients=[f for f in recipients if f.economy_id in silent],
        changed_since=changed_since_sent(session, draft) if draft is not None else [],
        outdated=outdated_dates_in(session, symposium, texts_of(draft)) if draft else [],
        is_open=nominations_open(symposium),
        confirm=ConfirmForm(),
        fingerprint=draft_fingerprint(draft) if draft is not None else "",
    ), status


@bp.route("/symposia/<int:symposium_id>/distribution/progress.json")
def distribution_progress_json(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    version, progress = _progress_rows(symposium)
    return jsonify(
        version=version.number if version else None,
        economies=[{"economy": p.economy, **p.counts, "total": p.total} for p in progress],
    )


@bp.route("/symposia/<int:symposium_id>/distribution/send", methods=["POST"])
def distribute(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    form = DistributeForm()
    if not form.validate_on_submit():
        abort(400)
    # Under the lock, so a draft saved at this moment waits and becomes the next version.
    version = lock_circular(session, symposium)
    if version is not None and (changed := _changed_since_shown(version, form)):
        session.rollback()
        flash(changed, "danger")
        return _distribution_page(symposium, status=409)
    if version is None:
        flash("Write the circular before distributing it.", "warning")
        return redirect(url_for("registration.distribution", symposium_id=symposium.id))
    if version.number > 1 and not version.change_summary:
        flash("Say in one line what changed in this revision before sending it.", "warning")
        return redirect(url_for("registration.distribution", symposium_id=symposium.id))
    try:
        result = distribute_circular(session, symposium, version, _nomination_link)
    except NominationError as error:
        session.rollback()
        flash(str(error), "danger")
    else:
        session.commit()
        flash(
            f"Version {version.number} queued for {result.queued} focal point"
            f"{'s' if result.queued != 1 else ''}"
            + (f" ({result.already_sent} had it already)." if result.already_sent else "."),
            "success",
        )
    return redirect(url_for("registration.distribution", symposium_id=symposium.id))


def _changed_since_shown(version: CircularVersion, form: DistributeForm) -> str:
    """Why the version is not the one the organiser's page showed (empty when it is)."""
    shown = form.version.data or ""
    if shown and shown != str(version.number):
        return (
            f"Version {version.number} of the circular was saved since your page showed "
            f"version {shown}; nothing was sent. Read version {version.number}, then distribute."
        )
    if form.fingerprint.data and (parts := changed_since_seen(version, form.fingerprint.data)):
        return (
            f"Version {version.number} of the circular was changed since you opened this page "
            f"({', '.join(parts)}); nothing was sent. Read it again, then distribute."
        )
    return ""


@bp.route("/symposia/<int:symposium_id>/distribution/reminders", methods=["POST"])
def remind(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sent = send_reminders(session, symposium, _nomination_link)
    except NominationError as error:
        session.rollback()
        flash(str(error), "danger")
    else:
        session.commit()
        flash(
            f"Reminder queued for {sent} focal point{'s' if sent != 1 else ''}."
            if sent
            else "Nobody to remind today: every invited economy has nominated, or was "
            "reminded today already.",
            "success" if sent else "info",
        )
    return redirect(url_for("registration.distribution", symposium_id=symposium.id))
