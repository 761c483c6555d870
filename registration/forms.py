"""Forms of nominations: the focal point's nominee form and the organisers' decisions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from registration.models import INTENDED_ROLES, ORGANISATION_TYPES, NominationStatus
from registration.nominations import DECISIONS, MAX_QUOTA, NomineeInput
from symposium.forms import ChoiceRadioField, EmailAddress, row_ids
from symposium.models import SEXES


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class NomineeForm(FlaskForm):
    given_name = StringField("Given name", validators=[DataRequired(), Length(max=100)])
    family_name = StringField("Family name", validators=[DataRequired(), Length(max=100)])
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(), Length(max=254), EmailAddress()],
        description="The invitation to register is sent here.",
    )
    sex = ChoiceRadioField(
        "Sex",
        choices=_choices(SEXES),
        validators=[InputRequired("Choose one (or Prefer not to say).")],
        description="Asked of every delegate: the project reports sex-disaggregated figures.",
    )
    organisation = StringField("Organisation", validators=[DataRequired(), Length(max=200)])
    organisation_type = SelectField(
        "Type of organisation",
        choices=[("", "Choose…"), *_choices(ORGANISATION_TYPES)],
        validators=[DataRequired("Choose the type of organisation.")],
    )
    job_title = StringField("Job title", validators=[DataRequired(), Length(max=200)])
    youth = ChoiceRadioField(
        "Under 35 years old (youth)?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired("Answer yes or no.")],
    )
    intended_role = ChoiceRadioField(
        "Intended role",
        choices=_choices(INTENDED_ROLES),
        default="Participant",
        validators=[InputRequired("Choose participant or speaker.")],
    )
    note = TextAreaField(
        "Note for the organisers",
        validators=[Optional(), Length(max=2000)],
        description="Optional: e.g. the topic a proposed speaker would present.",
    )

    def nominee(self) -> NomineeInput:
        return NomineeInput(
            given_name=self.given_name.data,
            family_name=self.family_name.data,
            email=self.email.data,
            sex=self.sex.data,
            organisation=self.organisation.data,
            organisation_type=self.organisation_type.data,
            job_title=self.job_title.data,
            youth=self.youth.data == "yes",
            intended_role=self.intended_role.data,
            note=self.note.data or "",
        )

    def fill_from(self, nomination) -> None:
        for name in ("given_name", "family_name", "email", "sex", "organisation"):
            getattr(self, name).data = getattr(nomination, name)
        self.organisation_type.data = nomination.organisation_type
        self.job_title.data = nomination.job_title
        self.youth.data = "yes" if nomination.youth else "no"
        self.intended_role.data = nomination.intended_role
        self.note.data = nomination.note


# The status the organiser's page showed, which a decision must still find (a form without it,
# from a script, decides on whatever the status is now).
_SEEN = [Optional(), AnyOf(list(NominationStatus))]


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(list(DECISIONS))])
    seen = HiddenField(validators=_SEEN)


class BulkDecisionForm(FlaskForm):
    decision = SelectField(
        "With the selected",
        choices=[("accept", "Accept"), ("waitlist", "Wait-list"), ("reject", "Reject")],
        validators=[AnyOf(list(DECISIONS))],
    )
    nomination_ids = SelectMultipleField(
        "Nominations",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Tick one."), row_ids],
    )
    # "<nomination id>:<status shown>" for each nomination on the page.
    seen = SelectMultipleField("Statuses shown", validate_choice=False)

    def seen_statuses(self) -> dict[int, str]:
        """The status the page showed of each nomination, by id (malformed entries ignored)."""
        shown = {}
        for entry in self.seen.data or []:
            number, _, status = entry.partition(":")
            if number.isdecimal() and status in set(NominationStatus):
                shown[int(number)] = status
        return shown


class QuotaForm(FlaskForm):
    economy_id = HiddenField(validators=[DataRequired()])
    quota = IntegerField(
        "Quota",
        validators=[
            InputRequired("Give a number."),
            NumberRange(min=0, max=MAX_QUOTA, message=f"From 0 to {MAX_QUOTA}."),
        ],
        render_kw={"min": 0, "max": MAX_QUOTA, "inputmode": "numeric"},
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: the form carries only the CSRF token."""


class DistributeForm(FlaskForm):
    """The distribute button, with the version the organiser was looking at: its number and
    ``draft_fingerprint`` (a form without them, from a script, sends the latest version)."""

    version = HiddenField()
    fingerprint = HiddenField()
