"""Forms of the focal-point pages: one focal point, a CSV file of them, and the bare buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from registration.focal_points import LIMITS, FocalPointInput
from registration.models import FocalPoint
from symposium.forms import EmailAddress
from symposium.models import Economy


class FocalPointForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(message="Give the name."), Length(max=LIMITS["name"])]
    )
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired(message="Give the e-mail address."),
            Length(max=LIMITS["email"]),
            EmailAddress(),
        ],
        description="The circular and the personal nomination link are sent here.",
    )
    economy_id = SelectField(
        "Economy",
        coerce=int,
        validate_choice=True,
        validators=[DataRequired(message="Choose the economy.")],
        description="An economy that is not invited may have a focal point; the list flags it.",
    )
    role = StringField(
        "Forum / role",
        validators=[Optional(), Length(max=LIMITS["role"])],
        description="e.g. SMEWG focal point, or Ministry of Trade, SME Division.",
    )

    def set_economies(self, economies: list[Economy]) -> None:
        """Offer every economy (APEC members, then the non-member entry), none chosen yet."""
        # A placeholder first, so that nobody files a focal point under Australia by default.
        self.economy_id.choices = [(0, "Choose…")] + [(e.id, e.name) for e in economies]

    def fill_from(self, focal_point: FocalPoint) -> None:
        """Show a stored focal point in the form (for editing)."""
        for name in ("name", "email", "economy_id", "role"):
            self[name].data = getattr(focal_point, name)

    def to_input(self) -> FocalPointInput:
        """The entered focal point as plain data for the service."""
        return FocalPointInput(
            name=self.name.data or "",
            email=self.email.data or "",
            economy_id=self.economy_id.data or 0,
            role=self.role.data or "",
        )


class FocalPointImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired(message="Choose a CSV file to import.")],
        description="UTF-8, comma- or semicolon-separated, at most 1 MB.",
        render_kw={"accept": ".csv,text/csv"},
    )


class ActionForm(FlaskForm):
    """Carries only the CSRF token of a button form (delete, revoke links)."""


class SendLinkForm(ActionForm):
    """The "Send a new link" button."""

    # The id of the focal point's newest link as the page showed it (0: none), so that the
    # button pressed twice, or on a page older than the last link sent, sends nothing more.
    newest_link = IntegerField(widget=HiddenInput(), validators=[Optional()])
