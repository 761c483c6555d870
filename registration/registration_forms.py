"""The registration form (open, by invitation and on the manage page) and the settings form."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from registration.models import ORGANISATION_TYPES, RegistrationMode
from registration.registrations import RegistrantInput
from symposium.economies import EconomyRow
from symposium.edit_conflicts import RemembersSeenValues
from symposium.forms import ChoiceField, ChoiceRadioField, EmailAddress
from symposium.models import SEXES, Symposium
from symposium.services import is_known_timezone


class RegistrationForm(FlaskForm):
    class Meta:
        # CSRFProtect checks the token of every POST before the view runs; the page writes
        # it in itself (``csrf_token()``), so one is made only when the form is shown, not
        # for every registration sent and accepted.
        csrf = False

    # The fields a browser can fill in from what it knows of its user (``autocomplete``: the
    # form is always about the person filling it in, on the open form, the invitation and
    # the manage page).
    given_name = StringField(
        "Given name",
        validators=[DataRequired(), Length(max=100)],
        render_kw={"autocomplete": "given-name"},
    )
    family_name = StringField(
        "Family name",
        validators=[DataRequired(), Length(max=100)],
        render_kw={"autocomplete": "family-name"},
    )
    family_name_first = BooleanField(
        "Write my name family name first",
        description="As in Nguyễn Thị Lan or 王芳: mails, lists and the report then put the family "
        "name first.",
    )
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(), Length(max=254), EmailAddress()],
        render_kw={"autocomplete": "email"},
    )
    economy_id = ChoiceField("Economy", coerce=int, validators=[InputRequired()])
    organisation = StringField(
        "Organisation",
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    organisation_type = ChoiceField(
        "Type of organisation",
        choices=[("", "Choose…")] + [(t, t) for t in ORGANISATION_TYPES],
        validators=[DataRequired("Choose the type of organisation.")],
    )
    job_title = StringField(
        "Job title",
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "organization-title"},
    )
    sex = ChoiceRadioField(
        "Sex",
        choices=[(s, s) for s in SEXES],
        validators=[InputRequired("Choose one (or Prefer not to say).")],
        description="Asked of everyone: the project reports sex-disaggregated figures.",
    )
    youth = ChoiceRadioField(
        "Under 35 years old (youth)?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired("Answer yes or no.")],
    )
    timezone = StringField(
        "Your time zone",
        validators=[DataRequired(), Length(max=64)],
        description="Filled in from your economy; change it if you will be elsewhere "
        "(any IANA zone, e.g. Asia/Ho_Chi_Minh).",
        render_kw={"list": "known-zones", "autocomplete": "off"},
    )
    language = ChoiceField("Language you will follow in", validators=[Optional()])
    accessibility_needs = TextAreaField(
        "Accessibility needs",
        validators=[Optional(), Length(max=1000)],
        description="Optional: e.g. captions, a screen reader, sign language.",
    )
    consent_privacy = BooleanField(
        "I have read the privacy notice and agree to my details being used as it says.",
        validators=[InputRequired("You need to agree to the privacy notice to register.")],
    )
    consent_evaluation = BooleanField("You may contact me for the post-event evaluation survey.")

    def offer(self, symposium: Symposium, economies: Sequence[EconomyRow]) -> None:
        """Fill the choices from the symposium: its economies and languages."""
        self.economy_id.choices = [(0, "Choose…")] + [(e.id, e.name) for e in economies]
        self.economy_zones = {e.id: e.timezone for e in economies}
        languages = symposium.languages or []
        self.language.choices = [("", "—")] + [(lang, lang) for lang in languages]
        if len(languages) < 2:
            del self.language  # nothing to choose

    def validate_timezone(self, field: StringField) -> None:
        # Said with the other fields' messages, not on the next try.
        if field.data and not is_known_timezone(field.data.strip()):
            usual = getattr(self, "economy_zones", {}).get(self.economy_id.data)
            hint = f" such as {usual}" if usual else ", such as Asia/Taipei"
            raise ValidationError(
                f"“{field.data}” is not a time zone we know: choose a place name{hint} "
                "from the list that opens as you type."
            )

    def validate_economy_id(self, field: SelectField) -> None:
        # "Choose…" is a choice too (0): refused with the other fields' messages, not after.
        if not field.data:
            raise ValidationError("Choose your economy.")

    def registrant(self) -> RegistrantInput:
        language = self.language.data if self.language is not None else None
        return RegistrantInput(
            given_name=self.given_name.data,
            family_name=self.family_name.data,
            email=self.email.data,
            economy_id=self.economy_id.data,
            organisation=self.organisation.data,
            organisation_type=self.organisation_type.data,
            job_title=self.job_title.data,
            sex=self.sex.data,
            youth=self.youth.data == "yes",
            timezone=self.timezone.data,
            language=language or None,
            accessibility_needs=self.accessibility_needs.data or "",
            consent_evaluation=bool(self.consent_evaluation.data),
            family_name_first=bool(self.family_name_first.data),
        )

    def fill_from(self, person: RegistrantInput) -> None:
        for name in ("given_name", "family_name", "email", "economy_id", "organisation"):
            getattr(self, name).data = getattr(person, name)
        self.organisation_type.data = person.organisation_type
        self.job_title.data = person.job_title
        self.sex.data = person.sex
        self.youth.data = "yes" if person.youth else "no"
        self.timezone.data = person.timezone
        if self.language is not None:
            self.language.data = person.language or ""
        self.accessibility_needs.data = person.accessibility_needs
        self.consent_evaluation.data = person.consent_evaluation
        self.family_name_first.data = person.family_name_first


class ManageForm(RegistrationForm):
    """Changing one's registration: the privacy consent was given when registering."""

    consent_privacy = None


class SettingsForm(RemembersSeenValues, FlaskForm):
    mode = ChoiceRadioField(
        "Who may register",
        choices=[
            (RegistrationMode.INVITATION.value, "Invited delegates only (accepted nominations)"),
            (RegistrationMode.OPEN.value, "Anyone with the public link"),
            (RegistrationMode.BOTH.value, "Both"),
        ],
        validators=[InputRequired()],
    )
    moderated = BooleanField("Registrations wait for an organiser's approval")
    threshold = IntegerField(
        "Minutes present on a day to count as attending it",
        validators=[InputRequired(), NumberRange(min=1, max=1440)],
    )
    privacy_notice = TextAreaField(
        "Privacy notice (Markdown)",
        validators=[DataRequired(), Length(max=20_000)],
        description="Registrants must agree to it; changing it starts a new version, and "
        "each registration records the version its registrant agreed to.",
        render_kw={"rows": 10},
    )
