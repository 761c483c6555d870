"""Attendance pages of a symposium: the overview by day, importing a day's videoconference
report, reviewing the people it did not match, and manual check-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from registration import bp
from registration.attendance import (
    COUNTED,
    TO_REVIEW,
    AlreadyCheckedIn,
    AttendanceError,
    assign_row,
    attendance_threshold,
    check_in,
    eligible_registrations,
    ignore_row,
    remove_check,
    review_again,
    review_rows,
)
from registration.attendance_figures import attendance_by_person, attendance_summary, manual_checks
from registration.attendance_forms import (
    AttendanceImportForm,
    ManualCheckForm,
    ReviewDecisionForm,
)
from registration.attendance_import import import_attendance_report
from registration.attendance_models import AttendanceImport, AttendanceRow, ManualCheck, MatchStatus
from registration.attendance_reports import MAX_REPORT_BYTES, AttendanceReportError
from registration.models import Registration
from registration.report_times import local_to_utc
from symposium import db
from symposium.auth import organiser_required
from symposium.models import Symposium, SymposiumDay
from symposium.routes import symposium_or_404

BASE = "/symposia/<int:symposium_id>/attendance"


def _day_or_404(symposium: Symposium, day_number: int) -> SymposiumDay:
    for day in symposium.days:
        if day.number == day_number:
            return day
    abort(404)


def _row_or_404(symposium: Symposium, row_id: int) -> AttendanceRow:
    row = db.session().get(AttendanceRow, row_id)
    if row is None or row.report.symposium_id != symposium.id:
        abort(404)
    return row


def _check_or_404(symposium: Symposium, check_id: int) -> ManualCheck:
    check = db.session().get(ManualCheck, check_id)
    if check is None or check.day.symposium_id != symposium.id:
        abort(404)
    return check


def _done(symposium: Symposium, message: str, endpoint: str = "registration.attendance") -> Any:
    db.session().commit()
    flash(message, "success")
    return redirect(url_for(endpoint, symposium_id=symposium.id))


@bp.route(BASE)
def attendance(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    return render_template(
        "registration/attendance.html",
        symposium=symposium,
        days=attendance_summary(session, symposium),
        people=attendance_by_person(session, symposium),
        checks=[
            {
                "id": check.id,
                "registration": registration,
                "day": day,
                "checked_in": _clock(check.checked_in_at, symposium),
                "checked_out": _clock(check.checked_out_at, symposium),
                "note": check.note,
            }
            for check, registration, day in manual_checks(session, symposium)
        ],
        threshold=attendance_threshold(session, symposium.id),
    )


@bp.route(f"{BASE}/day/<int:day_number>/import", methods=["GET", "POST"])
@organiser_required
def attendance_import(symposium_id: int, day_number: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    day = _day_or_404(symposium, day_number)
    session = db.session()
    form = AttendanceImportForm()
    form.set_zones(symposium)
    problems: list[tuple[int, str]] = []
    if form.validate_on_submit():
        upload = form.file.data
        # Read one byte past the limit: enough to tell a file that is too large.
        data = upload.stream.read(MAX_REPORT_BYTES + 1)
        try:
            result = import_attendance_report(
                session,
                symposium,
                day,
                data,
                upload.filename or "report.csv",
                form.timezone.data,
                form.chosen_source,
                current_user,
            )
        except AttendanceReportError as error:
            problems = error.problems
        except AttendanceError as error:
            problems = [(0, str(error))]
        else:
            imported = result.imported
            counted = sum(row.status in COUNTED for row in imported.rows)
            review = sum(row.status in TO_REVIEW for row in imported.rows)
            message = (
                f"Imported day {day.number}: {len(imported.rows)} "
                f"row{'s' if len(imported.rows) != 1 else ''}, {counted} credited to "
                f"registrants, {review} to review."
            )
            if result.left_out:
                dates = ", ".join(f"{date:%a %-d %b %Y}" for date in result.other_dates)
                message += (
                    f" {result.left_out} row{'s' if result.left_out != 1 else ''} of the file "
                    f"fall on other dates ({dates}) and were left out: import the file for "
                    "that day too if it is one of the symposium's."
                )
            endpoint = "registration.attendance_review" if review else "registration.attendance"
            return _done(symposium, message, endpoint)
        session.rollback()
    previous = session.scalar(sa.select(AttendanceImport).where(AttendanceImport.day_id == day.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "registration/attendance_import.html",
        symposium=symposium,
        day=day,
        form=form,
        problems=problems,
        previous=previous,
    ), status


@bp.route(f"{BASE}/review")
@organiser_required
def attendance_review(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    return render_template(
        "registration/attendance_review.html",
        symposium=symposium,
        items=review_rows(session, symposium),
        ignored=review_rows(session, symposium, (MatchStatus.IGNORED.value,)),
        registrations=eligible_registrations(session, symposium),
        form=ReviewDecisionForm(),
    )


@bp.route(f"{BASE}/review/<int:row_id>", methods=["POST"])
def attendance_review_row(symposium_id: int, row_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    row = _row_or_404(symposium, row_id)
    session = db.session()
    form = ReviewDecisionForm()
    back = url_for("registration.attendance_review", symposium_id=symposium.id)
    if not form.validate_on_submit():
        flash("Choose to assign the row to a registrant, or to ignore it.", "danger")
        return redirect(back)
    name = row.name or row.email
    try:
        if form.action.data == "ignore":
            ignore_row(session, row)
            message = f"Ignored {name}."
        elif form.action.data == "review-again":
            review_again(session, row)
            matched = row.status == MatchStatus.MATCHED
            outcome = "credited to a registrant" if matched else "to review"
            message = f"{name} is no longer ignored: {outcome}."
        else:
            registration = session.get(Registration, form.registration_id.data or 0)
            if registration is None:
                flash(f"Choose the registrant {name} is.", "danger")
                return redirect(back)
            assign_row(session, row, registration)
            message = f"Credited {name} to {registration.full_name}."
    except AttendanceError as error:
        session.rollback()
        flash(str(error), "danger")
        return redirect(back)
    return _done(symposium, message, "registration.attendance_review")


@bp.route(f"{BASE}/check-in", methods=["GET", "POST"])
@organiser_required
def attendance_check_in(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    form = ManualCheckForm()
    form.set_choices(symposium, eligible_registrations(session, symposium))
    if form.validate_on_submit():
        day = _day_or_404(symposium, form.day_number.data)
        registration = session.get_one(Registration, form.registration_id.data)
        try:
            arrived = _host_time(symposium, day, form.checked_in.data)
            left = _host_time(symposium, day, form.checked_out.data)
            check_in(session, registration, day, arrived, left, current_user, form.note.data or "")
        except AlreadyCheckedIn as same:  # the form sent twice: what it asks for is done
            session.rollback()
            flash(str(same), "info")
            return redirect(url_for("registration.attendance", symposium_id=symposium.id))
        except (AttendanceError, ValueError) as error:
            session.rollback()
            form.form_errors.append(str(error))
            # Read again: the refusal may be that someone was erased or cancelled meanwhile.
            form.set_choices(symposium, eligible_registrations(session, symposium))
        else:
            message = f"Checked in {registration.full_name} on day {day.number}."
            return _done(symposium, message)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "registration/attendance_check_in.html", symposium=symposium, form=form
    ), status


@bp.route(f"{BASE}/check-in/<int:check_id>/remove", methods=["POST"])
def attendance_remove_check(symposium_id: int, check_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    check = _check_or_404(symposium, check_id)
    message = f"Removed the check-in of {check.registration.full_name} on day {check.day.number}."
    try:
        remove_check(db.session(), check)
    except AttendanceError as error:
        db.session().rollback()
        flash(str(error), "danger")
        return redirect(url_for("registration.attendance", symposium_id=symposium.id))
    return _done(symposium, message)


def _clock(moment: dt.datetime | None, symposium: Symposium) -> str:
    """A stored (naive UTC) time as the host's clock shows it."""
    if moment is None:
        return "—"
    return f"{moment.replace(tzinfo=dt.UTC).astimezone(symposium.zone):%H:%M}"


def _host_time(symposium: Symposium, day: SymposiumDay, time: dt.time | None):
    """A time of the day entered in the host zone, as an aware UTC datetime (or None)."""
    if time is None:
        return None
    return local_to_utc(dt.datetime.combine(day.date, time), symposium.zone)
