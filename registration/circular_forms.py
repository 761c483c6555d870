"""The organiser's form for writing the General Information Circular."""

from __future__ import annotations

import dataclasses

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from registration.circular import CircularTexts
from registration.circular_services import SUMMARY_MAX, TEXT_FIELDS, texts_of
from registration.models import CircularVersion
from symposium.edit_conflicts import RemembersSeenValues

TEXT_MAX = 20_000
MARKDOWN_HINT = (
    "Markdown: blank lines between paragraphs, **bold**, *italic*, “- ” for lists, "
    "### for headings, [text](https://…) for links."
)


def _section(label: str, rows: int = 6, description: str = MARKDOWN_HINT) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=TEXT_MAX)],
        description=description,
        render_kw={"rows": rows},
    )


class CircularForm(RemembersSeenValues, FlaskForm):
    introduction = _section(
        "Introduction",
        rows=4,
        description="Opens the circular, under the title. " + MARKDOWN_HINT,
    )
    objectives = _section("Objectives")
    target_participants = _section("Target participants")
    nomination_procedure = _section(
        "Nomination procedure",
        description="The quota and the deadline are added below it from the set-up. "
        + MARKDOWN_HINT,
    )
    registration_instructions = _section("Registration instructions")
    privacy_notice = _section("Privacy notice", rows=8)
    change_summary = StringField(
        "What changed, in one line",
        validators=[Optional(), Length(max=SUMMARY_MAX)],
        description="Sent with the revised circular, e.g. “Day 2 starts one hour later”.",
    )
    preview = SubmitField("Preview")
    save = SubmitField("Save")

    def fill_from(self, version: CircularVersion, *, with_summary: bool) -> None:
        """Start from a version's texts (and its change summary when editing it in place)."""
        for name, value in dataclasses.asdict(texts_of(version)).items():
            self[name].data = value
        self.change_summary.data = version.change_summary if with_summary else ""

    def texts(self) -> CircularTexts:
        """The sections as entered."""
        return CircularTexts(**{name: self[name].data or "" for name in TEXT_FIELDS})
