"""Forms of the attendance pages: a day's report upload, a review decision, a manual check-in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TimeField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from registration.attendance_reports import SOURCES
from registration.models import Registration
from symposium import MAX_ROW_ID
from symposium.models import Symposium
from symposium.services import known_timezones

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AttendanceImportForm(FlaskForm):
    file = FileField(
        "Attendance report",
        validators=[FileRequired(message="Choose the report file of the day.")],
        description="The file exactly as Zoom or Teams gave it, CSV or Excel workbook (.xlsx), "
        "at most 5 MB.",
        render_kw={"accept": f".csv,.txt,.xlsx,text/csv,text/plain,{XLSX}"},
    )
    source = SelectField(
        "Platform",
        choices=[("auto", "Tell from the file"), *SOURCES.items()],
        default="auto",
        validate_choice=True,
    )
    timezone = SelectField(
        "Time zone of the times in the file",
        validate_choice=True,
        description="Zoom and Teams write times in the time zone of the account or computer "
        "that downloaded the report, without saying which: choose that zone.",
    )

    def set_zones(self, symposium: Symposium) -> None:
        """Offer every zone, the host's first (and chosen unless another was posted)."""
        host = symposium.host_timezone
        others = sorted(known_timezones() - {host, "UTC"})
        self.timezone.choices = [(host, f"{host} (host time zone)"), ("UTC", "UTC")] + [
            (zone, zone) for zone in others
        ]
        if self.timezone.data is None:
            self.timezone.data = host

    @property
    def chosen_source(self) -> str | None:
        return None if self.source.data == "auto" else self.source.data


class ReviewDecisionForm(FlaskForm):
    """One decision on the review screen: credit a registration, ignore the row, or bring an
    ignored row back to review."""

    action = StringField(
        validators=[AnyOf(("assign", "ignore", "review-again"), message="Choose an action.")]
    )
    registration_id = IntegerField(
        validators=[Optional(), NumberRange(1, MAX_ROW_ID, "Choose a registrant.")]
    )


class ManualCheckForm(FlaskForm):
    registration_id = SelectField(
        "Registrant", coerce=int, validators=[DataRequired(message="Choose who was present.")]
    )
    day_number = SelectField("Day", coerce=int, validators=[DataRequired(message="Choose a day.")])
    checked_in = TimeField(
        "Checked in at",
        validators=[DataRequired(message="Give the time they arrived.")],
        description="In the host time zone.",
    )
    checked_out = TimeField(
        "Checked out at",
        validators=[Optional()],
        description="Leave it empty if you do not know: a check-in without a check-out counts "
        "as present that day whatever the threshold.",
    )
    note = StringField(
        "Note",
        validators=[Optional(), Length(max=300)],
        description="e.g. joined by telephone, so the Zoom report does not list them.",
    )

    def set_choices(self, symposium: Symposium, registrations: list[Registration]) -> None:
        """Offer the confirmed registrants (none chosen yet) and the symposium's days."""
        self.registration_id.choices = [(0, "Choose…")] + [
            (r.id, f"{r.family_name}, {r.given_name} ({r.economy.name})") for r in registrations
        ]
        self.day_number.choices = [
            (day.number, f"Day {day.number}, {day.date:%A %d %B %Y}") for day in symposium.days
        ]
