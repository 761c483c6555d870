"""Forms of the participant list: the filters (a GET form), status and role changes, the bulk
action on the selected and the confirmation of an erasure."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from registration.models import RegistrationStatus
from registration.participants import APPROVE, ROLES, STATUS_ACTIONS, ParticipantFilter
from symposium.forms import row_ids
from symposium.models import SEXES

ANY = ("", "All")
CHOOSE_A_STATUS = "Choose a status."
# Bulk actions are "status:<action>" or "role:<role>", so one select offers both.
BULK_ACTIONS = [
    *((f"status:{a}", "Approve" if a == APPROVE else f"Set status: {a}") for a in STATUS_ACTIONS),
    *((f"role:{role}", f"Set role: {role}") for role in ROLES),
]


class FilterForm(FlaskForm):
    """The search and filters, read from the query string so a filtered list has a URL."""

    class Meta:
        csrf = False  # a GET form changes nothing

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    economy = SelectField("Economy", choices=[ANY], default="")
    sex = SelectField("Sex", choices=[ANY, *((s, s) for s in SEXES)], default="")
    role = SelectField("Role", choices=[ANY, *((r, r) for r in ROLES)], default="")
    status = SelectField(
        "Status", choices=[ANY, *((s.value, s.value) for s in RegistrationStatus)], default=""
    )
    attended = SelectField("Attended", choices=[ANY, ("yes", "Yes"), ("no", "No")], default="")

    def to_filter(self) -> ParticipantFilter:
        """The validated choices as a filter ("" meaning any)."""
        attended = {"yes": True, "no": False}.get(self.attended.data or "")
        return ParticipantFilter(
            search=(self.q.data or "").strip(),
            economy_id=int(self.economy.data) if self.economy.data else None,
            sex=self.sex.data or None,
            role=self.role.data or None,
            status=self.status.data or None,
            attended=attended,
        )

    def query_args(self) -> dict[str, str]:
        """The chosen filters as query-string arguments (empty ones left out)."""
        return {name: field.data for name, field in self._fields.items() if field.data}


class StatusForm(FlaskForm):
    # The list's drop-down starts on an empty choice, so a stray "Set" changes nothing.
    status = HiddenField(validators=[InputRequired(CHOOSE_A_STATUS), AnyOf(list(STATUS_ACTIONS))])
    back = HiddenField()  # the list's query string, to return to the same filters


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[(r, r) for r in ROLES], validators=[AnyOf(list(ROLES))])
    back = HiddenField()


class BulkForm(FlaskForm):
    action = SelectField("With the selected", choices=BULK_ACTIONS)
    registration_ids = SelectMultipleField(
        "Registrations",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Tick one."), row_ids],
    )
    back = HiddenField()


class EraseForm(FlaskForm):
    understood = BooleanField(
        "I understand this cannot be undone",
        validators=[DataRequired("Tick the box to confirm that the erasure cannot be undone.")],
    )
