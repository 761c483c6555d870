"""Erasing a person: their personal data leaves the registration and its traces (nomination,
attendance report rows, mails); the anonymous record stays so the statistics still add up.

Erasing rewrites attendance rows and may take a person out of the waiting line, so it takes the
locks of both kinds of change before it writes anything (``_lock``): otherwise an import of a
day at the same moment could match the person by the name it had read before the erasure, and
write it back after.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.attendance import lock_every_day
from registration.attendance_models import AttendanceImport, AttendanceRow
from registration.models import (
    Nomination,
    Registration,
    RegistrationInvitation,
    RegistrationStatus,
)
from registration.registrations import RegistrationError, lock_places
from symposium.models import MailStatus, OutboxMessage, User, utcnow
from symposium.privacy import run_erasure_steps

ERASED = "erased"


def erase_registration(session: Session, registration: Registration, user: User) -> None:
    """Remove a person's personal data from their registration and its traces (nomination,
    attendance report rows, mails), keeping what the statistics count."""
    _lock(session, registration)
    if registration.erased_at is not None:
        raise RegistrationError("This registration was already erased.")
    nomination = registration.nomination
    addresses = {a.lower() for a in (registration.email, nomination and nomination.email) if a}
    if nomination is not None:
        _erase_nomination(nomination)
    _erase_attendance_rows(session, registration, addresses)
    _erase_mails(session, addresses)
    run_erasure_steps(session, registration)  # what other features keep about the person
    if registration.status in (RegistrationStatus.WAITING, RegistrationStatus.PENDING):
        # Nobody is left to give a place to or to tell: out of the line. (A confirmed
        # registration stays confirmed: the person may have attended, and the report counts it.)
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = utcnow()
    registration.given_name = registration.family_name = ""
    registration.email = None
    registration.organisation = registration.job_title = registration.accessibility_needs = ""
    registration.manage_token_hash = None
    registration.erased_at = utcnow()
    registration.erased_by_id = user.id
    session.flush()


def _lock(session: Session, registration: Registration) -> None:
    """Serialise the erasure with the changes of the symposium's places and attendance, then
    read the registration and its nomination again, as they are once those are done.

    The first statements, before any write (see ``lock_day``), in the order a change of the
    registration settings takes them (the places, then every day, whose attendance it counts
    again), so that neither waits for a lock the other holds; the days in their id order, as
    two erasures take them. Every day, because the days the person's rows are on are only
    known for sure once the locks are held."""
    lock_places(session, registration.symposium)
    lock_every_day(session, registration.symposium_id)
    session.refresh(registration)
    if registration.nomination is not None:
        session.refresh(registration.nomination)


def _erase_nomination(nomination: Nomination) -> None:
    nomination.given_name = nomination.family_name = ""
    nomination.email = ERASED  # not nullable; can never match a real address
    nomination.organisation = nomination.job_title = nomination.note = ""
    invitation: RegistrationInvitation | None = nomination.invitation
    if invitation is not None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()


def _erase_attendance_rows(session: Session, registration: Registration, addresses: set[str]):
    # Rows linked to the person, and unmatched rows of this symposium carrying their address.
    same_address = sa.and_(
        sa.func.lower(AttendanceRow.email).in_(addresses),
        AttendanceRow.import_id.in_(
            sa.select(AttendanceImport.id).where(
                AttendanceImport.symposium_id == registration.symposium_id
            )
        ),
    )
    session.execute(
        sa.update(AttendanceRow)
        .where(sa.or_(AttendanceRow.registration_id == registration.id, same_address))
        .values(name="", email=""),
        execution_options={"synchronize_session": "fetch"},
    )


def _erase_mails(session: Session, addresses: set[str]) -> None:
    if not addresses:
        return
    to_them = sa.func.lower(OutboxMessage.recipient).in_(addresses)
    # A mail not yet sent would go to "erased": it fails now instead of at every retry.
    session.execute(
        sa.update(OutboxMessage)
        .where(to_them, OutboxMessage.status == MailStatus.QUEUED)
        .values(status=MailStatus.FAILED.value, last_error="The recipient was erased."),
        execution_options={"synchronize_session": "fetch"},
    )
    session.execute(
        sa.update(OutboxMessage)
        .where(to_them)
        .values(recipient=ERASED, body="(erased)", attachments=[]),
        execution_options={"synchronize_session": "fetch"},
    )
