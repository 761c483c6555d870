"""Forms of the agenda builder and its time-zone planner."""

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
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from agenda.models import SEXES
from agenda.planner import Window
from agenda.presets import PRESETS
from agenda.schedule import ITEM_KINDS
from agenda.services import MAX_DURATION, ItemInput
from agenda.speakers import SpeakerInput
from symposium.edit_conflicts import RemembersSeenValues
from symposium.links import is_web_link


class ItemForm(RemembersSeenValues, FlaskForm):
    kind = SelectField("Kind", choices=list(ITEM_KINDS.items()), validators=[DataRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    duration = IntegerField(
        "Duration (minutes)",
        validators=[
            InputRequired(message="Give the duration in minutes."),
            NumberRange(1, MAX_DURATION, f"Between 1 and {MAX_DURATION} minutes."),
        ],
        render_kw={"min": 1, "max": MAX_DURATION, "step": 5},
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    speaker_ids = SelectMultipleField("Speakers", coerce=int, validate_choice=True)
    moderator_ids = SelectMultipleField("Moderators", coerce=int, validate_choice=True)
    materials = TextAreaField(
        "Materials",
        validators=[Optional(), Length(max=5000)],
        description="Links to slides or papers, one per line, each starting with https://.",
    )
    insert_at = SelectField("Place", default="end", validate_choice=True)
    day_number = SelectField(
        "Day",
        coerce=int,
        validate_choice=True,
        description="Moving an item to another day puts it at the end of that day.",
    )

    def validate_materials(self, field: TextAreaField) -> None:
        for line in self.material_links():
            if not is_web_link(line):
                raise ValidationError(f"“{line}” is not a web address starting with https://.")

    def material_links(self) -> tuple[str, ...]:
        return tuple(
            line.strip() for line in (self.materials.data or "").splitlines() if line.strip()
        )

    def to_input(self) -> ItemInput:
        return ItemInput(
            kind=self.kind.data,
            title=self.title.data,
            duration=self.duration.data,
            description=self.description.data or "",
            speaker_ids=tuple(self.speaker_ids.data or ()),
            moderator_ids=tuple(self.moderator_ids.data or ()),
            materials=self.material_links(),
        )


class SpeakerForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "E-mail address",
        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
        description="Optional; it lets the agenda spot the same person booked elsewhere.",
    )
    economy_id = SelectField("Economy", coerce=int, validate_choice=True)
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    sex = SelectField(
        "Sex",
        choices=[(s, s) for s in SEXES],
        default="Prefer not to say",
        description="Recorded for the sex-disaggregated figures of the completion report.",
    )

    def to_input(self) -> SpeakerInput:
        return SpeakerInput(
            name=self.name.data,
            email=self.email.data or None,
            economy_id=self.economy_id.data or None,
            organisation=self.organisation.data,
            sex=self.sex.data,
        )


class PresetForm(FlaskForm):
    preset = SelectField(
        "Template", choices=[(p.name, p.label) for p in PRESETS.values()], validate_choice=True
    )


class DayStartForm(FlaskForm):
    start_time = TimeField("Starts at (host time)", validators=[InputRequired()])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])
    # The item's place in its day on the page (0 first), so that an arrow sent twice, or from
    # a page older than someone else's change, moves nothing; a page without it moves anyway.
    position = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ApplyStartForm(FlaskForm):
    start_time = TimeField("Start every day at", validators=[InputRequired()])


class WindowForm(FlaskForm):
    """The planner's window of acceptable local hours, read from the query string (the planner
    is a page to look at, so the window has an address)."""

    class Meta:
        csrf = False  # a GET form changes nothing

    window_start = TimeField(
        "Working window from", default=Window().start, format=["%H:%M", "%H:%M:%S"]
    )
    window_end = TimeField(
        "Working window to",
        default=Window().end,
        format=["%H:%M", "%H:%M:%S"],
        description="Local hours in each economy. An end earlier than the start runs past "
        "midnight: 20:00 to 02:00 is from 8 pm to 2 am the next day. The start and the end "
        "cannot be the same time.",
    )

    def validate_window_end(self, field: TimeField) -> None:
        start = self.window_start.data
        if start is not None and field.data is not None:
            try:
                Window(start, field.data)
            except ValueError:
                raise ValidationError(
                    "The window must end at another time than it starts: for a window past "
                    "midnight, end it earlier than it starts (such as 20:00 to 02:00)."
                ) from None

    def window(self) -> Window:
        """The window asked for, or the default one while the fields are wrong."""
        if self.errors or self.window_start.data is None or self.window_end.data is None:
            return Window()
        return Window(self.window_start.data, self.window_end.data)
