"""Forms of the survey: the organisers' settings, question and section forms, and the buttons.

The respondent's questionnaire is not a WTForms form (its fields are the organisers'
questions); it is checked by ``surveys.responses.validate_answers`` and only carries the CSRF
token through ``ActionForm``.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from surveys.models import Question, Survey, SurveySection
from surveys.questionnaire import KIND_LABELS, QuestionInput
from surveys.services import SurveySettings
from symposium.edit_conflicts import RemembersSeenValues


class ActionForm(FlaskForm):
    """A button that changes something (or the respondent's form): only the CSRF token."""


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])
    # The place on the page the arrow was pressed on (0 first), so that an arrow sent twice, or
    # from a page older than a colleague's change, moves nothing; a page without it moves anyway.
    position = IntegerField(widget=HiddenInput(), validators=[Optional()])

    @property
    def offset(self) -> int | None:
        """−1 for up, +1 for down, None for anything else."""
        return {"up": -1, "down": 1}.get(self.direction.data or "")


class SettingsForm(RemembersSeenValues, FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    introduction = TextAreaField(
        "Introduction (Markdown)",
        validators=[Optional(), Length(max=5000)],
        description="Shown above the questions.",
        render_kw={"rows": 5},
    )
    anonymous = BooleanField(
        "Anonymous: store responses without any link to the person (sex and economy are "
        "then asked in the form)"
    )
    invite_all_registrants = BooleanField(
        "Invite every confirmed registrant, not only those who attended at least one day"
    )
    opens_on = DateField(
        "Opens on",
        validators=[Optional()],
        description="Invitations can go out from this day (host time zone).",
    )
    closes_on = DateField(
        "Closes on",
        validators=[Optional()],
        description="The last day answers are taken (host time zone).",
    )

    def fill_from(self, survey: Survey) -> None:
        for name in ("title", "introduction", "anonymous", "invite_all_registrants"):
            getattr(self, name).data = getattr(survey, name)
        self.opens_on.data, self.closes_on.data = survey.opens_on, survey.closes_on

    def settings(self) -> SurveySettings:
        return SurveySettings(
            title=self.title.data,
            introduction=self.introduction.data or "",
            anonymous=bool(self.anonymous.data),
            invite_all_registrants=bool(self.invite_all_registrants.data),
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
        )


class QuestionForm(RemembersSeenValues, FlaskForm):
    section_id = SelectField("Section", coerce=int, validators=[InputRequired()])
    kind = SelectField(
        "Type of answer", choices=list(KIND_LABELS.items()), validators=[InputRequired()]
    )
    text = StringField("Question", validators=[DataRequired(), Length(max=500)])
    help = StringField(
        "Help (optional)",
        validators=[Optional(), Length(max=500)],
        description="A line under the question, e.g. what to think of when answering.",
    )
    required = BooleanField("An answer is required")
    options = TextAreaField(
        "Options (one a line)",
        validators=[Optional(), Length(max=5000)],
        description="For “One choice” and “Several choices” questions only.",
        render_kw={"rows": 4},
    )
    low_label = StringField(
        "What 1 means",
        validators=[Optional(), Length(max=100)],
        description="Scale questions only, e.g. “Not relevant”.",
    )
    high_label = StringField(
        "What 5 means",
        validators=[Optional(), Length(max=100)],
        description="Scale questions only, e.g. “Highly relevant”.",
    )

    def offer(self, sections: list[SurveySection]) -> None:
        self.section_id.choices = [(s.id, s.title) for s in sections]

    def fill_from(self, question: Question) -> None:
        self.section_id.data = question.section_id
        for name in ("kind", "text", "help", "required", "low_label", "high_label"):
            getattr(self, name).data = getattr(question, name)
        self.options.data = "\n".join(question.options or [])

    def question(self) -> QuestionInput:
        return QuestionInput(
            kind=self.kind.data,
            text=self.text.data or "",
            help=self.help.data or "",
            required=bool(self.required.data),
            options=tuple((self.options.data or "").splitlines()),
            low_label=self.low_label.data or "",
            high_label=self.high_label.data or "",
        )


class SectionForm(FlaskForm):
    title = StringField("Section title", validators=[DataRequired(), Length(max=300)])
