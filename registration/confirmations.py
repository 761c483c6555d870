"""The mails of registration: confirmation (or waiting list / awaiting approval) with the manage
link and the personal calendar, and the mail that tells someone a place is now theirs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from agenda.ical import agenda_calendar
from agenda.services import agenda_document
from registration.distribution import day_dates
from registration.models import Registration, RegistrationStatus
from registration.places import promote_waiting, waiting_position
from registration.registration_rows import confirmation_key
from registration.registrations import Registered
from symposium.economies import economy_row
from symposium.formatting import your_time
from symposium.models import Symposium, utcnow
from symposium.outbox import Attachment, Mail, queue_built_mail, queue_mail
from symposium.services import on_setup_change

LinkBuilder = Callable[[str], str]  # token -> absolute manage URL


def personal_calendar(session: Session, symposium: Symposium, name: str) -> bytes | None:
    """The agenda as an .ics with the join link, once the agenda has items; else None."""
    document = agenda_document(session, symposium, with_platform_link=True)
    if not any(day.items for day in document.days):
        return None
    return agenda_calendar(document, calendar_name=f"{symposium.title} — {name}")


def _closing(symposium: Symposium) -> list[str]:
    return ["", f"With kind regards,\n{symposium.po_name}\n{symposium.po_email}"]


def _join_lines(symposium: Symposium, registration: Registration) -> list[str]:
    lines = [f"Dates: {day_dates(symposium)}"]
    for day in symposium.days:
        starts = day.starts_at
        lines.append(
            f"  Day {day.number} starts {starts:%H:%M} {symposium.host_timezone} = "
            f"{your_time(starts, registration.timezone)}"
        )
    if symposium.platform_url:
        lines.append(f"Join on {symposium.platform_name}: {symposium.platform_url}")
    else:
        lines.append(f"The {symposium.platform_name} link will be sent before the event.")
    return lines


def _details(session: Session, registration: Registration) -> list[str]:
    economy = economy_row(session, registration.economy_id)
    return [
        "Your details:",
        f"  Name: {registration.full_name}",
        f"  E-mail: {registration.email}",
        f"  Economy: {economy.name if economy else ''}",
        f"  Organisation: {registration.organisation} ({registration.organisation_type})",
        f"  Job title: {registration.job_title}",
        f"  Time zone: {registration.timezone}",
    ]


def queue_confirmation(
    session: Session,
    registered: Registered,
    manage_link: LinkBuilder,
    calendar: bytes | None = None,
) -> None:
    """Mail the registrant what happened, in the registration's own transaction.

    ``calendar`` is the personal calendar when the caller built it already; otherwise it is
    built here if needed.
    """
    registration = registered.registration
    mail = confirmation_mail(session, registration.symposium, registered, manage_link, calendar)
    key = confirmation_key(registration.id, registration.manage_token_hash)
    queue_built_mail(session, key, mail)


def confirmation_mail(
    session: Session,
    symposium: Symposium,
    registered: Registered,
    manage_link: LinkBuilder,
    calendar: bytes | None = None,
) -> Mail:
    """The mail that tells the registrant what happened. The registration need not be stored
    yet (registering on the open form builds it before taking the symposium's lock), so the
    symposium is given rather than read from it."""
    registration = registered.registration
    status = RegistrationStatus(registration.status)
    opening = {
        RegistrationStatus.CONFIRMED: f"You are registered for {symposium.title}.",
        RegistrationStatus.WAITING: (
            f"{symposium.title} is full, so you are on the waiting list (number "
            f"{waiting_position(session, registration)}). If a place becomes free it is "
            "yours and we will write to you at once."
        ),
        RegistrationStatus.PENDING: (
            f"We have received your registration for {symposium.title}. The organisers "
            "confirm each registration; you will hear from us soon."
        ),
    }[status]
    lines = [f"Dear {registration.full_name},", "", opening, ""]
    if status == RegistrationStatus.CONFIRMED:
        lines += [*_join_lines(symposium, registration), ""]
    lines += [
        *_details(session, registration),
        "",
        "See, change or cancel your registration with your personal link (keep it to yourself):",
        manage_link(registered.token),
    ]
    attachments = []
    if status == RegistrationStatus.CONFIRMED and calendar is None:
        calendar = personal_calendar(session, symposium, registration.full_name)
    if status == RegistrationStatus.CONFIRMED and calendar:
        lines += ["", "The attached calendar file puts every session in your calendar."]
        attachments.append(Attachment("symposium.ics", "text/calendar", calendar))
    subject = {
        RegistrationStatus.CONFIRMED: f"Registration confirmed: {symposium.title}",
        RegistrationStatus.WAITING: f"Waiting list: {symposium.title}",
        RegistrationStatus.PENDING: f"Registration received: {symposium.title}",
    }[status]
    body = "\n".join(lines + _closing(symposium)) + "\n"
    return Mail(registration.email, subject, body, tuple(attachments))


def queue_promotions(
    session: Session, symposium: Symposium, promoted: Iterable[Registration]
) -> None:
    """Tell each person moved from the waiting list that they now have a place."""
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    for registration in promoted:
        lines = [
            f"Dear {registration.full_name},",
            "",
            f"A place has become free at {symposium.title}: you are now registered.",
            "",
            *_join_lines(symposium, registration),
            "",
            "Your personal link from the first mail still lets you see, change or cancel "
            "your registration.",
        ]
        attachments = []
        calendar = personal_calendar(session, symposium, registration.full_name)
        if calendar:
            attachments.append(Attachment("symposium.ics", "text/calendar", calendar))
        queue_mail(
            session,
            f"registration-promoted:{registration.id}:{stamp}",
            registration.email,
            f"You have a place: {symposium.title}",
            "\n".join(lines + _closing(symposium)) + "\n",
            attachments,
        )


def queue_approval_result(session: Session, registration: Registration) -> None:
    """After moderation: confirmed, or on the waiting list."""
    symposium = registration.symposium
    if registration.status == RegistrationStatus.CONFIRMED:
        queue_promotions(session, symposium, [registration])
        return
    position = waiting_position(session, registration)
    body = "\n".join(
        [
            f"Dear {registration.full_name},",
            "",
            f"Your registration for {symposium.title} is approved, but the symposium is full: "
            f"you are number {position} on the waiting list. If a place becomes free it is "
            "yours and we will write to you at once.",
            *_closing(symposium),
        ]
    )
    queue_mail(
        session,
        f"registration-approved-waiting:{registration.id}:{dt.date.today()}",
        registration.email,
        f"Waiting list: {symposium.title}",
        body + "\n",
    )


@on_setup_change
def promote_into_new_places(session: Session, symposium: Symposium, changed: frozenset[str]):
    """More places in the set-up go to the first in line, who are told at once (the same as a
    cancellation), not to whoever registers next."""
    if "capacity" in changed:
        queue_promotions(session, symposium, promote_waiting(session, symposium))
