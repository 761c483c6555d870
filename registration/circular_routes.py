"""Pages of the General Information Circular: the current version, writing it, and every version
as a page and as a PDF. Distribution to focal points lives with nominations."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from registration import bp
from registration.circular import CircularDocument, change_line, missing_sections
from registration.circular_forms import CircularForm
from registration.circular_services import (
    CircularError,
    document_for,
    first_draft,
    get_version,
    latest_version,
    outdated_dates_in,
    preview_document,
    save_circular,
    texts_of,
    versions,
)
from registration.models import CircularVersion
from registration.pdf import circular_pdf
from symposium import db
from symposium.auth import organiser_required
from symposium.edit_conflicts import conflict_message, merge_concurrent, remember_seen
from symposium.models import Symposium
from symposium.routes import symposium_or_404


@bp.app_template_filter("change_line")
def change_line_filter(document: CircularDocument) -> str:
    """``Revised (version 2): …`` for a revision, empty for the first version."""
    return change_line(document)


def _next_number(latest: CircularVersion | None) -> int:
    """The number that saving the edit form gives: a distributed version is never changed."""
    if latest is None:
        return 1
    return latest.number + 1 if latest.distributed_at else latest.number


def _version_or_404(symposium: Symposium, number: int) -> CircularVersion:
    session = db.session()
    version = get_version(session, symposium, number)
    if version is None and number == 1 and latest_version(session, symposium) is None:
        version = first_draft(symposium)  # shown (not saved) until the organiser saves it
    if version is None:
        abort(404)
    return version


@bp.route("/symposia/<int:symposium_id>/circular")
def circular(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    saved = versions(session, symposium)
    version = saved[0] if saved else first_draft(symposium)
    document = document_for(session, version)
    return render_template(
        "registration/circular.html",
        symposium=symposium,
        version=version,
        document=document,
        versions=saved,
        missing=missing_sections(document),
        outdated=outdated_dates_in(session, symposium, texts_of(version)),
    )


def _edit_page(
    symposium: Symposium,
    form: CircularForm,
    latest: CircularVersion | None,
    preview: CircularDocument | None = None,
    status: int = 200,
) -> Any:
    number = _next_number(latest)
    # Optional in the form class; required once there is a distributed version to revise.
    form.change_summary.flags.required = number > 1
    page = render_template(
        "registration/circular_edit.html",
        symposium=symposium,
        form=form,
        latest=latest,
        number=number,
        needs_summary=number > 1 or bool(form.change_summary.errors),
        document=preview,
        # Of the texts in the form, so a preview shows whether the corrections took.
        outdated=outdated_dates_in(db.session(), symposium, form.texts()),
    )
    return page, status


def _saved_texts(symposium: Symposium, latest: CircularVersion | None) -> CircularForm:
    """The edit form filled from the latest version (or the first draft), as saved now."""
    start = latest or first_draft(symposium)
    form = CircularForm(formdata=None)
    # A revision starts from the texts that were sent but says anew what changed.
    form.fill_from(start, with_summary=start.distributed_at is None)
    return form


@bp.route("/symposia/<int:symposium_id>/circular/edit", methods=["GET", "POST"])
@organiser_required
def edit_circular(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    latest = latest_version(session, symposium)
    if request.method != "POST":
        form = _saved_texts(symposium, latest)
        remember_seen(form)
        return _edit_page(symposium, form, latest)
    form = CircularForm()
    if conflicts := merge_concurrent(form, _saved_texts(symposium, latest)):
        form.form_errors.append(conflict_message(conflicts))
        return _edit_page(symposium, form, latest, status=409)
    if not form.validate():
        return _edit_page(symposium, form, latest, status=422)
    if form.preview.data:
        document = preview_document(
            session,
            symposium,
            form.texts(),
            version=_next_number(latest),
            change_summary=form.change_summary.data,
        )
        return _edit_page(symposium, form, latest, preview=document)
    try:
        version = save_circular(session, symposium, form.texts(), form.change_summary.data)
    except CircularError as error:
        session.rollback()
        if error.field:
            form[error.field].errors = [*form[error.field].errors, str(error)]
        else:
            form.form_errors.append(str(error))
        return _edit_page(symposium, form, latest_version(session, symposium), status=422)
    session.commit()
    flash(f"Saved version {version.number} of the circular (draft, not yet sent).", "success")
    return redirect(url_for("registration.circular", symposium_id=symposium.id))


@bp.route("/symposia/<int:symposium_id>/circular/v<int:version_number>")
def circular_version(symposium_id: int, version_number: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    version = _version_or_404(symposium, version_number)
    return render_template(
        "registration/circular_version.html",
        symposium=symposium,
        version=version,
        document=document_for(db.session(), version),
    )


@bp.route("/symposia/<int:symposium_id>/circular/v<int:version_number>.pdf")
def circular_version_pdf(symposium_id: int, version_number: int) -> Response:
    symposium = symposium_or_404(symposium_id)
    version = _version_or_404(symposium, version_number)
    body = circular_pdf(document_for(db.session(), version))
    stem = re.sub(r"[^A-Za-z0-9]+", "-", symposium.project_number).strip("-") or "symposium"
    response = Response(body, mimetype="application/pdf")
    name = f"GIC-{stem}-v{version.number}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
