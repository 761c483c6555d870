"""The texts of the circular's mails: the GIC to a focal point, the reminder, the invitation,
the organisers' decisions on an economy's nominations, and a new nomination link asked for.

Plain text on purpose: it reads the same in every mail program and cannot carry markup from
names or titles into anyone's inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from symposium.formatting import deadline


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


# Under a focal point's new nomination link: the links of earlier mails stop working within
# a week of it (registration/nomination_links.py), so an old mail is not a way in for long.
REPLACES_EARLIER_LINKS = (
    "It replaces the links in any earlier mails from us, which stop working within a week."
)


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
        REPLACES_EARLIER_LINKS,
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
            REPLACES_EARLIER_LINKS,
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


# What each decision means for the nominee, in the focal point's words rather than the app's.
DECISION_WORDS = {
    "accepted": "accepted, and invited to register (their personal registration link is on its "
    "way to them by e-mail)",
    "waitlisted": "wait-listed: not accepted for now; the organisers may still accept them "
    "if a place becomes available",
    "rejected": "not accepted",
}


@dataclass(frozen=True)
class DecidedNominee:
    name: str
    status: str


@dataclass(frozen=True)
class PlacesUsed:
    """An economy's quota and how many of its nominations take a place in it now."""

    economy: str
    quota: int
    taken: int

    @property
    def left(self) -> int:
        return max(self.quota - self.taken, 0)


def _places_lines(places: PlacesUsed, deadline: dt.date | None, timezone: str) -> list[str]:
    """The quota in use, and whether the focal point may still fill a freed place."""
    if places.taken > places.quota:  # the organisers lowered the quota below what was nominated
        return [
            f"{places.economy} has {places.taken} pending, wait-listed or accepted nominations, "
            f"more than its quota of {places.quota}: no place is left."
        ]
    lines = [
        f"{places.economy} has now used {places.taken} of its {places.quota} "
        f"place{'s' if places.quota != 1 else ''}: {places.left or 'none'} left (pending, "
        "wait-listed and accepted nominations each take a place)."
    ]
    if places.left and deadline is not None:
        lines.append(f"You may nominate another delegate until {_deadline(deadline, timezone)}.")
    elif places.left:
        lines.append("You may nominate another delegate.")
    return lines


def decisions_mail(
    *,
    title: str,
    focal_point_name: str,
    nominees: Sequence[DecidedNominee],
    places: Sequence[PlacesUsed],
    deadline: dt.date | None,
    nominations_open: bool,
    timezone: str,
    nomination_url: str,
    po_name: str,
    po_email: str,
) -> MailText:
    """What the organisers decided in one action on nominations a focal point is concerned with."""
    economies = " and ".join(p.economy for p in places)
    lines = [
        f"Dear {focal_point_name},",
        "",
        f"The organisers of {title} have decided on "
        f"{'these nominations' if len(nominees) > 1 else 'a nomination'} of {economies}:",
        "",
        *(f"  - {n.name}: {DECISION_WORDS.get(n.status, n.status)}." for n in nominees),
        "",
    ]
    for used in places:
        if nominations_open:
            lines += _places_lines(used, deadline, timezone)
        else:
            lines.append(
                f"{used.economy} has used {used.taken} of its {used.quota} places; "
                "the nomination deadline has passed."
            )
    lines.append("")
    lines += [
        "See your economy's nominations and their status with your personal link "
        "(please do not share it):",
        nomination_url,
        REPLACES_EARLIER_LINKS,
    ]
    lines += ["", f"With kind regards,\n{po_name}\n{po_email}"]
    return MailText(f"Nomination decisions: {title}", "\n".join(lines) + "\n")


def new_link_mail(
    *,
    title: str,
    focal_point_name: str,
    economy: str,
    nomination_url: str,
    po_name: str,
    po_email: str,
) -> MailText:
    """A new nomination link the organisers send a focal point who asked for one."""
    body = "\n".join(
        [
            f"Dear {focal_point_name},",
            "",
            f"Here is a new personal link to the nominations of {economy} for {title}, where "
            "you nominate delegates and see, correct or withdraw your nominations "
            "(please do not share it):",
            nomination_url,
            REPLACES_EARLIER_LINKS,
            "",
            f"With kind regards,\n{po_name}\n{po_email}",
        ]
    )
    return MailText(f"Your nomination link: {title}", body + "\n")
