"""Organiser pages of the survey: the overview (questionnaire, invitations, response rate), the
settings, editing questions and sections, opening the survey and sending reminders."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from surveys import bp
from surveys.forms import ActionForm, MoveForm, QuestionForm, SectionForm, SettingsForm
from surveys.invitations import (
    declined_count,
    forget_drafts_once_closed,
    open_survey,
    response_rate,
    send_reminders,
    uninvited_count,
)
from surveys.models import Question, Survey, SurveySection
from surveys.questionnaire import (
    KIND_LABELS,
    add_question,
    add_section,
    move_question,
    move_section,
    question_changes,
    remove_question,
    remove_section,
    rename_section,
    update_question,
)
from surveys.services import (
    SurveyError,
    answered_questions,
    has_responses,
    question_answered,
    survey_for,
    survey_state,
    update_settings,
)
from symposium import db
from symposium.auth import organiser_required
from symposium.edit_conflicts import conflict_message, merge_concurrent, remember_seen
from symposium.links import external_url
from symposium.models import Symposium
from symposium.routes import symposium_or_404

FormT = TypeVar("FormT", bound=FlaskForm)


def _survey_link(token: str) -> str:
    return external_url("surveys.respond", token=token)


def _survey(symposium_id: int) -> tuple[Symposium, Survey]:
    symposium = symposium_or_404(symposium_id)
    return symposium, survey_for(db.session(), symposium)


def _question_or_404(survey: Survey, question_id: int) -> Question:
    question = db.session().get(Question, question_id)
    if question is None or question.section.survey_id != survey.id:
        abort(404)
    return question


def _section_or_404(survey: Survey, section_id: int) -> SurveySection:
    section = db.session().get(SurveySection, section_id)
    if section is None or section.survey_id != survey.id:
        abort(404)
    return section


def _done(symposium: Symposium, message: str, anchor: str = "") -> Any:
    db.session().commit()
    flash(message, "success")
    return redirect(url_for("surveys.overview", symposium_id=symposium.id) + anchor)


def _refused(symposium: Symposium, error: SurveyError, anchor: str = "") -> Any:
    db.session().rollback()
    flash(str(error), "warning")
    return redirect(url_for("surveys.overview", symposium_id=symposium.id) + anchor)


def _show_error(form: Any, error: SurveyError) -> None:
    """Put a service's refusal next to its field, or above the form."""
    db.session().rollback()
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


# The Survey tab of the symposium links to this endpoint by its name.
@bp.route("/symposia/<int:symposium_id>/survey")
def overview(symposium_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    session = db.session()
    forget_drafts_once_closed(session, survey)
    page = render_template(
        "surveys/survey.html",
        symposium=symposium,
        survey=survey,
        state=survey_state(survey),
        answered=has_responses(session, survey),
        answered_ids=answered_questions(session, survey),
        rate=response_rate(session, survey),
        declined=declined_count(session, survey),
        uninvited=uninvited_count(session, survey),
        changes=question_changes(session, survey),
        kind_labels=KIND_LABELS,
        can_edit=current_user.is_organiser,
        action_form=ActionForm(),
        section_form=SectionForm(),
        has_results="surveys.results" in current_app.view_functions,
    )
    session.commit()  # the default survey, when this was its first use
    return page


@bp.route("/symposia/<int:symposium_id>/survey/settings", methods=["GET", "POST"])
@organiser_required
def settings(symposium_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    form, status = SettingsForm(), 422
    if request.method != "POST":
        form, status = _saved(SettingsForm, survey), 200
        remember_seen(form)
    elif conflicts := merge_concurrent(form, _saved(SettingsForm, survey)):
        form.form_errors.append(conflict_message(conflicts))
        status = 409
    elif form.validate_on_submit():
        try:
            update_settings(db.session(), survey, form.settings())
        except SurveyError as error:
            _show_error(form, error)
        else:
            return _done(symposium, "Survey settings saved.")
    db.session().commit()
    page = render_template("surveys/settings.html", form=form, symposium=symposium, survey=survey)
    return page, status


def _saved(form_class: type[FormT], record: Any, sections: list | None = None) -> FormT:
    """An edit form filled from what is saved now (to show, and to compare on saving)."""
    form = form_class(formdata=None)
    if sections is not None:
        form.offer(sections)
    form.fill_from(record)
    return form


def _question_page(symposium, survey, form, question=None, section=None, status=None) -> Any:
    status = status or (422 if form.is_submitted() else 200)
    page = render_template(
        "surveys/question_form.html",
        form=form,
        symposium=symposium,
        survey=survey,
        question=question,
        section=section,
        answered=question is not None and question_answered(db.session(), question),
    )
    return page, status


@bp.route(
    "/symposia/<int:symposium_id>/survey/sections/<int:section_id>/questions/new",
    methods=["GET", "POST"],
)
@organiser_required
def new_question(symposium_id: int, section_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    section = _section_or_404(survey, section_id)
    form = QuestionForm()
    form.offer(survey.sections)
    if form.validate_on_submit():
        target = _section_or_404(survey, form.section_id.data)
        try:
            question = add_question(db.session(), target, form.question())
        except SurveyError as error:
            _show_error(form, error)
        else:
            return _done(symposium, "Question added.", f"#question-{question.id}")
    elif not form.is_submitted():
        form.section_id.data, form.kind.data = section.id, "scale"
    return _question_page(symposium, survey, form, section=section)


@bp.route(
    "/symposia/<int:symposium_id>/survey/questions/<int:question_id>", methods=["GET", "POST"]
)
@organiser_required
def edit_question(symposium_id: int, question_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    question = _question_or_404(survey, question_id)
    form = QuestionForm()
    form.offer(survey.sections)
    if request.method != "POST":
        form = _saved(QuestionForm, question, survey.sections)
        remember_seen(form)
    elif conflicts := merge_concurrent(form, _saved(QuestionForm, question, survey.sections)):
        form.form_errors.append(conflict_message(conflicts))
        page = (symposium, survey, form, question, question.section)
        return _question_page(*page, status=409)
    elif form.validate_on_submit():
        try:
            changes = update_question(
                db.session(),
                question,
                form.question(),
                section=_section_or_404(survey, form.section_id.data),
                user_id=current_user.id,
            )
        except SurveyError as error:
            _show_error(form, error)
        else:
            logged = " The change is logged." if changes else ""
            return _done(symposium, f"Question saved.{logged}", f"#question-{question.id}")
    return _question_page(symposium, survey, form, question=question, section=question.section)


@bp.route(
    "/symposia/<int:symposium_id>/survey/questions/<int:question_id>/move",
    methods=["POST"],
    endpoint="move_question",
)
def move_question_view(symposium_id: int, question_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    question = _question_or_404(survey, question_id)
    form = MoveForm()
    if not form.validate() or form.offset is None:
        abort(400)
    try:
        move_question(db.session(), question, form.offset, form.position.data)
    except SurveyError as error:
        return _refused(symposium, error, f"#question-{question.id}")
    return _done(
        symposium, f"Moved “{question.text}” {form.direction.data}.", f"#question-{question.id}"
    )


@bp.route(
    "/symposia/<int:symposium_id>/survey/questions/<int:question_id>/remove",
    methods=["POST"],
    endpoint="remove_question",
)
def remove_question_view(symposium_id: int, question_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    question = _question_or_404(survey, question_id)
    if not ActionForm().validate():
        abort(400)
    text = question.text
    try:
        remove_question(db.session(), question)
    except SurveyError as error:
        return _refused(symposium, error, f"#question-{question_id}")
    return _done(symposium, f"Removed “{text}”.")


@bp.route("/symposia/<int:symposium_id>/survey/sections", methods=["POST"], endpoint="add_section")
def add_section_view(symposium_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    form = SectionForm()
    if not form.validate():
        return _refused(symposium, SurveyError("Give the new section a title."), "#new-section")
    section = add_section(db.session(), survey, form.title.data)
    return _done(symposium, f"Section “{section.title}” added.", f"#section-{section.id}")


@bp.route("/symposia/<int:symposium_id>/survey/sections/<int:section_id>", methods=["GET", "POST"])
@organiser_required
def edit_section(symposium_id: int, section_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    section = _section_or_404(survey, section_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            rename_section(db.session(), section, form.title.data)
        except SurveyError as error:
            _show_error(form, error)
        else:
            return _done(symposium, "Section renamed.", f"#section-{section.id}")
    elif not form.is_submitted():
        form.title.data = section.title
    status = 422 if form.is_submitted() else 200
    page = render_template(
        "surveys/section_form.html", form=form, symposium=symposium, section=section
    )
    return page, status


@bp.route(
    "/symposia/<int:symposium_id>/survey/sections/<int:section_id>/move",
    methods=["POST"],
    endpoint="move_section",
)
def move_section_view(symposium_id: int, section_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    section = _section_or_404(survey, section_id)
    form = MoveForm()
    if not form.validate() or form.offset is None:
        abort(400)
    try:
        move_section(db.session(), section, form.offset, form.position.data)
    except SurveyError as error:
        return _refused(symposium, error, f"#section-{section.id}")
    return _done(
        symposium, f"Moved “{section.title}” {form.direction.data}.", f"#section-{section.id}"
    )


@bp.route(
    "/symposia/<int:symposium_id>/survey/sections/<int:section_id>/remove",
    methods=["POST"],
    endpoint="remove_section",
)
def remove_section_view(symposium_id: int, section_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    section = _section_or_404(survey, section_id)
    if not ActionForm().validate():
        abort(400)
    title = section.title
    try:
        remove_section(db.session(), section)
    except SurveyError as error:
        return _refused(symposium, error, f"#section-{section_id}")
    return _done(symposium, f"Section “{title}” removed.")


@bp.route("/symposia/<int:symposium_id>/survey/open", methods=["POST"], endpoint="open")
def open_view(symposium_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    if not ActionForm().validate():
        abort(400)
    try:
        invited = open_survey(db.session(), survey, _survey_link)
    except SurveyError as error:
        return _refused(symposium, error, "#invitations")
    people = "person" if invited == 1 else "people"
    return _done(symposium, f"The survey is open: {invited} {people} invited.", "#invitations")


@bp.route("/symposia/<int:symposium_id>/survey/reminders", methods=["POST"], endpoint="remind")
def reminders_view(symposium_id: int) -> Any:
    symposium, survey = _survey(symposium_id)
    if not ActionForm().validate():
        abort(400)
    try:
        sent = send_reminders(db.session(), survey, _survey_link)
    except SurveyError as error:
        return _refused(symposium, error, "#invitations")
    if sent == 0:
        message = "Nobody to remind today: everyone has answered or was reminded today already."
    else:
        message = f"Reminder queued for {sent} {'person' if sent == 1 else 'people'}."
    return _done(symposium, message, "#invitations")
