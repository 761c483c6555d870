"""The respondent's page, reached by the personal link in the invitation mail without an account.
Wrong or unknown links, and links of erased people, all get the same 404."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask import session as browser_session

from surveys import bp
from surveys.forms import ActionForm
from surveys.invitations import forget_drafts_once_closed, invitation_for_token
from surveys.models import SurveyInvitation
from surveys.responses import (
    ECONOMY_FIELD,
    NO_ECONOMY,
    SEX_FIELD,
    AlreadyAnswered,
    closed_message,
    field_name,
    save_draft,
    submit_response,
    validate_answers,
    validate_respondent,
)
from surveys.services import SurveyError, SurveyState, questions_of, survey_state
from symposium import db
from symposium.auth import public
from symposium.models import SEXES, Economy


def _economies() -> list[Economy]:
    return list(db.session().scalars(sa.select(Economy).order_by(Economy.position)))


# The invitation whose response this browser has just submitted: its next page thanks them
# (a flash message) without also saying the survey is "already answered".
JUST_ANSWERED = "survey_just_answered"


def _notice(invitation: SurveyInvitation, message: str | None, status: int = 200) -> Any:
    """The page that takes no answers: answered already, or closed (no message: just
    answered, thanked by the flash message)."""
    page = render_template(
        "surveys/respond_notice.html",
        survey=invitation.survey,
        symposium=invitation.survey.symposium,
        message=message,
    )
    return page, status


def _already(invitation: SurveyInvitation, status: int = 200) -> Any:
    db.session().rollback()
    return _notice(invitation, str(AlreadyAnswered()), status)


@bp.route("/survey/<token>", methods=["GET", "POST"])
@public
def respond(token: str) -> Any:
    session = db.session()
    invitation = invitation_for_token(session, token)
    if invitation is None:
        abort(404)
    survey = invitation.survey
    changing = request.method == "POST"
    if invitation.completed_at is not None:
        if not changing and browser_session.pop(JUST_ANSWERED, None) == invitation.id:
            return _notice(invitation, None)
        return _already(invitation, 409 if changing else 200)
    state = survey_state(survey)
    if state != SurveyState.OPEN:
        forget_drafts_once_closed(session, survey)
        session.commit()
        return _notice(
            invitation, closed_message(state, survey.closes_on), 409 if changing else 200
        )
    questions = questions_of(survey)
    raw = invitation.draft or {}
    errors: dict[int, str] = {}
    respondent_errors: dict[str, str] = {}
    status = 200
    if changing:
        if not ActionForm().validate():
            abort(400)
        raw = request.form.to_dict(flat=False)
        try:
            if request.form.get("action") == "save":
                save_draft(session, invitation, raw)
                session.commit()
                flash(
                    "Your answers are saved. Come back with the same link to finish before the "
                    "survey closes (unsent answers are then forgotten).",
                    "info",
                )
                return redirect(url_for("surveys.respond", token=token))
            values, errors = validate_answers(questions, raw)
            sex = economy_id = None
            if survey.anonymous:
                economy_ids = [e.id for e in _economies()]
                sex, economy_id, respondent_errors = validate_respondent(raw, economy_ids)
            if not errors and not respondent_errors:
                submit_response(session, invitation, values, sex=sex, economy_id=economy_id)
                session.commit()
                flash("Thank you! Your answers are recorded.", "success")
                browser_session[JUST_ANSWERED] = invitation.id
                return redirect(url_for("surveys.respond", token=token))
            status = 400
        except AlreadyAnswered:
            return _already(invitation, 409)
        except SurveyError as error:
            session.rollback()
            if error.field is None:
                return _notice(invitation, str(error), 409)
            respondent_errors[error.field] = str(error)
            status = 400
    page = render_template(
        "surveys/respond.html",
        survey=survey,
        symposium=survey.symposium,
        questions=questions,
        raw=raw,
        errors=errors,
        respondent_errors=respondent_errors,
        field_name=field_name,
        sexes=SEXES,
        economies=_economies() if survey.anonymous else [],
        sex_field=SEX_FIELD,
        economy_field=ECONOMY_FIELD,
        no_economy=NO_ECONOMY,
        form=ActionForm(),
    )
    return page, status
