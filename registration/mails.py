"""The texts of the circular's mails: the GIC to a focal point, the reminder, the invitation.

Plain text on purpose: it reads the same in every mail program and cannot carry markup from
names or titles into anyone's inbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from symposium.formatting import deadline


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


def _deadline(value: dt.date | None, timezone: str) -> str:
    return deadline(value, timezone, spelled_out=True) if value else "to be announced"


def circular_mail(
    *,
    title: str,
    project_number: str,
    focal_point_name: str,
    economy: str,
    version: int,
    change_summary: str | None,
    dates: str,
    quota: int,
    deadline: dt.date | None,
    timezone: str,
    nomination_url: str,
    po_name: str,
    po_email: str,
) -> MailText:
    """The GIC mail to one focal point, with their personal nomination link."""
    revised = version > 1
    subject = f"{'Revised ' if revised else ''}General Information Circular: {title}"
    lines = [f"Dear {focal_point_name},", ""]
    if revised:
        lines += [
            f"Please find attached the revised General Information Circular (version {version}) "
            f"of {project_number} {title}.",
            f"What changed: {change_summary or 'see the attached circular'}",
        ]
    else:
        lines.append(
            f"Please find attached the General Information Circular of {project_number} {title}."
        )
    lines += [
        "",
        f"Dates: {dates}",
        f"{economy} may nominate up to {quota} delegate{'s' if quota != 1 else ''} "
        f"until {_deadline(deadline, timezone)}.",
        "",
        "Nominate your economy's delegates with your personal link (please do not share it):",
        nomination_url,
        "",
        "The same link lets you see, correct or withdraw your nominations until the deadline.",
        "",
        f"With kind regards,\n{po_name}\n{po_email}",
    ]
    return MailText(subject, "\n".join(lines) + "\n")


def reminder_mail(
    *,
    title: str,
    focal_point_name: str,
    economy: str,
    quota: int,
    deadline: dt.date | None,
    timezone: str,
    nomination_url: str,
    po_name: str,
    po_email: str,
) -> MailText:
    """A reminder to a focal point whose economy has nominated nobody yet."""
    body = "\n".join(
        [
            f"Dear {focal_point_name},",
            "",
            f"We have not yet received a nomination from {economy} for {title}.",
            f"{economy} may nominate up to {quota} delegate{'s' if quota != 1 else ''}; "
            f"the deadline is {_deadline(deadline, timezone)}.",
            "",
            "Nominate with your personal link:",
            nomination_url,
            "",
            f"With kind regards,\n{po_name}\n{po_email}",
        ]
    )
    return MailText(f"Reminder: nominations for {title}", body + "\n")


def invitation_mail(
    *,
    title: str,
    nominee_name: str,
    economy: str,
    dates: str,
    registration_url: str,
    deadline: dt.date | None,
    timezone: str,
    po_name: str,
    po_email: str,
) -> MailText:
    """The invitation to register that an accepted nominee receives."""
    body = "\n".join(
        [
            f"Dear {nominee_name},",
            "",
            f"Your nomination by {economy} for {title} ({dates}) has been accepted.",
            "Please register with your personal link (it is yours alone):",
            registration_url,
            "",
            f"Registration closes on {_deadline(deadline, timezone)}.",
            "",
            f"With kind regards,\n{po_name}\n{po_email}",
        ]
    )
    return MailText(f"Invitation to register: {title}", body + "\n")
