"""Forms of the core: login and the symposium set-up."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    DateField,
    EmailField,
    Field,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
    URLField,
    widgets,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import html_params

from symposium import MAX_ROW_ID
from symposium.accounts import is_email_address
from symposium.edit_conflicts import RemembersSeenValues
from symposium.links import is_web_link
from symposium.services import DayPlan, SymposiumSetup, setup_problems


class LoginForm(FlaskForm):
    # ``autocomplete``: what a password manager looks for to offer the saved login.
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


class DayForm(Form):
    """One day of the symposium (a sub-form: the CSRF token belongs to the outer form)."""

    date = DateField("Date", validators=[Optional()])
    start_time = TimeField("Starts at (host time)", default=dt.time(9, 0), validators=[Optional()])


class EmailAddress:
    """An e-mail address, as the code behind the form stores it (``normalise_email``):
    surrounding spaces, which come with a pasted address, are not held against it, and the
    address is checked once for the form and the code behind it."""

    def __init__(self, message: str = "Enter a valid e-mail address.") -> None:
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if not isinstance(field.data, str) or not is_email_address(field.data):
            raise ValidationError(self.message)


class _ChoiceLookedUp:
    """Checks that the value sent is one of the choices by comparing it with their values,
    where WTForms first builds each choice's option (label, selected, attributes): a fifth of
    the work of validating the registration form, which is sent more than any other."""

    def pre_validate(self, form: Form) -> None:
        if self.process_errors or not self.validate_choice:
            return
        if self.choices is None:
            raise TypeError(self.gettext("Choices cannot be None."))
        if not any(self.coerce(value) == self.data for value, _ in self.choices):
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )


class _OptionsKept(widgets.Select):
    """WTForms' select, its options written once for each list of choices and chosen value:
    option by option, the economies' list was a fifth of the registration page's work, and
    every registrant is shown the same one."""

    def __call__(self, field: SelectField, **kwargs: Any) -> Markup:
        choices = tuple(tuple(choice) for choice in field.choices or ())
        if not all(len(choice) == 2 for choice in choices):  # attributes on some choices
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        for name in self.validation_attrs:
            if name not in kwargs and getattr(field.flags, name, None):
                kwargs[name] = getattr(field.flags, name)
        params = html_params(name=field.name, **kwargs)  # escapes every attribute
        # The key is the choices (the app's own) and which of them are chosen, never the value
        # sent: a crafted one must not become a key kept in memory.
        chosen = frozenset(
            n for n, (value, _) in enumerate(choices) if field.coerce(value) == field.data
        )
        options = _options(choices, chosen)  # escaped there
        return Markup(f"<select {params}>{options}</select>")  # noqa: S704  (as WTForms does)


@functools.lru_cache(maxsize=256)
def _options(choices: tuple[tuple[Any, str], ...], chosen: frozenset[int]) -> Markup:
    """The options as ``widgets.Select`` writes them, those numbered in ``chosen`` selected."""
    option = Markup("<option {}>{}</option>")  # format() escapes the label
    return Markup("").join(
        option.format(_attributes(value=value, selected=number in chosen), label or value)
        for number, (value, label) in enumerate(choices)
    )


def _attributes(**values: Any) -> Markup:
    return Markup(html_params(**values))  # noqa: S704  (html_params escapes each one)


class ChoiceField(_ChoiceLookedUp, SelectField):
    """A select of (value, label) choices."""

    widget = _OptionsKept()


class ChoiceRadioField(_ChoiceLookedUp, RadioField):
    """Radio buttons of (value, label) choices."""

    def buttons(self) -> list[tuple[str, Any, str, bool]]:
        """Each button's id, value, label and whether it is checked, for the page to write
        (``choice_group``): written as WTForms' sub-fields, which are fields of their own, the
        registration form's two groups were a sixth of the page's work."""
        return [
            (f"{self.id}-{number}", value, label, self.coerce(value) == self.data)
            for number, (value, label) in enumerate(self.choices or ())
        ]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _percent(label: str, default: int | None = None) -> IntegerField:
    return IntegerField(
        label,
        default=default,
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message="Enter a percentage between 0 and 100."),
        ],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )


def row_ids(form: Form, field: Field) -> None:
    """Ids ticked in a list must be ids a table can hold (a forged one is no row anyway)."""
    if any(not 1 <= number <= MAX_ROW_ID for number in field.data or ()):
        raise ValidationError("Choose from the list.")


def _web_link(form: Form, field: URLField) -> None:
    if field.data and not is_web_link(field.data):
        raise ValidationError("Give a web address starting with https://.")


class SymposiumForm(RemembersSeenValues, FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    project_number = StringField(
        "Project number",
        validators=[DataRequired(), Length(max=40)],
        description="As APEC writes it, e.g. SME 10 2022A.",
    )
    forum = StringField(
        "Sponsoring forum",
        validators=[DataRequired(), Length(max=200)],
        description="e.g. Small and Medium Enterprises Working Group (SMEWG).",
    )
    po_name = StringField("Project overseer (PO)", validators=[DataRequired(), Length(max=200)])
    po_email = EmailField(
        "PO e-mail address",
        validators=[
            DataRequired(),
            Length(max=254),
            Email(check_deliverability=False, message="Enter a valid e-mail address."),
        ],
    )
    host_timezone = StringField(
        "Host time zone",
        validators=[DataRequired(), Length(max=64)],
        description="The IANA name, e.g. America/Lima. Times are entered in this zone.",
        render_kw={"list": "timezones", "autocomplete": "off", "spellcheck": "false"},
    )
    days = FieldList(FormField(DayForm), min_entries=3)
    platform_name = StringField(
        "Videoconference platform", default="Zoom", validators=[DataRequired(), Length(max=100)]
    )
    platform_url = URLField(
        "Join link",
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message="Enter a web address."),
            _web_link,
        ],
    )
    languages = StringField(
        "Languages",
        default="English",
        validators=[DataRequired(), Length(max=300)],
        description="Separated by commas, e.g. English, Spanish.",
    )
    interpretation = StringField(
        "Interpretation",
        validators=[Optional(), Length(max=300)],
        description="e.g. Simultaneous English–Spanish interpretation. Leave empty if none.",
    )
    invited_economy_ids = MultiCheckboxField("Invited economies", coerce=int)
    nomination_deadline = DateField(
        "Nomination deadline",
        validators=[Optional()],
        description="Nominations close at the end of this day, host time.",
    )
    registration_deadline = DateField(
        "Registration deadline",
        validators=[Optional()],
        description="Registration closes at the end of this day, host time.",
    )
    capacity = IntegerField(
        "Capacity",
        validators=[Optional(), NumberRange(min=1, message="Capacity must be at least 1.")],
        description="The most participants the platform takes. Leave empty for no limit.",
    )
    daily_max_minutes = IntegerField(
        "Longest day (minutes)",
        default=180,
        validators=[Optional()],
        description="The agenda warns when a day runs longer. Leave empty for no limit.",
    )
    target_women_participants_pct = _percent("Women participants (%)", 50)
    target_women_speakers_pct = _percent("Women speakers / experts (%)", 30)
    target_attendees = IntegerField(
        "Number of attendees",
        validators=[Optional(), NumberRange(min=0, message="Enter a number of people.")],
    )
    target_economies = IntegerField(
        "APEC economies represented",
        validators=[Optional()],
        description="Member economies with at least one attendee.",
    )
    target_knowledge_pct = _percent("Participants reporting increased knowledge (%)", 60)
    target_collaboration_pct = _percent(
        "Participants identifying collaboration opportunities (%)", 60
    )
    target_women_or_youth_pct = _percent("Women and/or youth (under 35) (%)")

    def validate_days(self, field: FieldList) -> None:
        given = sum(1 for entry in field.entries if entry.form.date.data)
        if any(entry.form.date.data is None for entry in field.entries[:given]):
            raise ValidationError("Fill the days in order: Day 1, then Day 2, then Day 3.")

    def validate(self, extra_validators: Any = None) -> bool:
        """Check the fields, then the set-up rules, so every problem is shown at once."""
        valid = super().validate(extra_validators)
        for name, message in setup_problems(self.to_setup()).items():
            field = self[name]
            if not any(isinstance(error, str) for error in field.errors):
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def to_setup(self) -> SymposiumSetup:
        """The entered set-up as plain data for the service."""
        data: dict[str, Any] = {
            name: self[name].data for name in SymposiumSetup.__dataclass_fields__ if name in self
        }
        data["days"] = [
            DayPlan(entry.form.date.data, entry.form.start_time.data or dt.time(9, 0))
            for entry in self.days.entries
            if entry.form.date.data
        ]
        data["host_timezone"] = (self.host_timezone.data or "").strip()
        data["languages"] = [
            part.strip() for part in (self.languages.data or "").split(",") if part.strip()
        ]
        data["platform_url"] = self.platform_url.data or None
        data["interpretation"] = self.interpretation.data or None
        data["invited_economy_ids"] = list(self.invited_economy_ids.data or [])
        return SymposiumSetup(**data)

    def fill_from(self, setup: SymposiumSetup) -> None:
        """Show an existing set-up in the form (for editing)."""
        for name in SymposiumSetup.__dataclass_fields__:
            if name in self and name not in {"days", "languages"}:
                self[name].data = getattr(setup, name)
        self.languages.data = ", ".join(setup.languages)
        for entry, plan in zip(self.days.entries, setup.days, strict=False):
            entry.form.date.data = plan.date
            entry.form.start_time.data = plan.start_time
