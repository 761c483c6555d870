"""Places freed and taken: cancelling, promoting the first in line from the waiting list,
organisers' status changes and approvals, roles, and one's place in the waiting line.

Every change here that may take or free a place starts with ``lock_places`` (see
registrations.py), so capacity holds when people cancel, are approved or are moved at the same
moment as others register.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.models import ParticipantRole, Registration, RegistrationStatus
from registration.registrations import (
    ACTIVE,
    RegistrationError,
    lock_places,
    places_left,
    refuse_after_the_event,
)
from symposium.models import Symposium, utcnow


def cancel_registration(session: Session, registration: Registration) -> list[Registration]:
    """Cancel one's own registration; a freed place goes to the first in line. Returns those
    promoted. (Organisers change a status with ``change_status``, also after the event.)"""
    refuse_after_the_event(registration.symposium)
    lock_places(session, registration.symposium)
    session.refresh(registration)  # a cancellation from another page may have come first
    if registration.status not in ACTIVE:
        raise RegistrationError(f"This registration is already {registration.status}.")
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    session.flush()
    return promote_waiting(session, registration.symposium)


def promote_waiting(session: Session, symposium: Symposium) -> list[Registration]:
    """Confirm people from the waiting list, in order, while places are free."""
    lock_places(session, symposium)
    left = places_left(session, symposium)
    query = (
        sa.select(Registration)
        .where(
            Registration.symposium_id == symposium.id,
            Registration.status == RegistrationStatus.WAITING,
            Registration.erased_at.is_(None),  # nobody left to take the place or be told
        )
        .order_by(Registration.created_at, Registration.id)
    )
    if left is not None:
        query = query.limit(left)
    promoted = list(session.scalars(query))
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
    session.flush()
    return promoted


def change_status(session: Session, registration: Registration, status: str) -> list[Registration]:
    """An organiser's change of status; returns those promoted from the waiting list."""
    if status not in set(RegistrationStatus):
        raise RegistrationError("Unknown status.")
    if registration.erased_at is not None:
        raise RegistrationError("This registration was erased.")
    lock_places(session, registration.symposium)
    session.refresh(registration)
    if registration.status == status:
        return []
    if status == RegistrationStatus.CONFIRMED:
        left = places_left(session, registration.symposium)
        if left == 0:
            raise RegistrationError(
                f"The symposium is full ({registration.symposium.capacity} places): raise the "
                f"capacity in the set-up to confirm {registration.full_name}."
            )
    registration.status = status
    if status == RegistrationStatus.CANCELLED:
        registration.cancelled_at = utcnow()
    if status == RegistrationStatus.WAITING:
        registration.created_at = utcnow()  # sent back to the end of the line, not its head
    session.flush()
    return promote_waiting(session, registration.symposium)


def approve(session: Session, registration: Registration) -> RegistrationStatus:
    """Approve a registration awaiting moderation: a place if one is free, else the line."""
    lock_places(session, registration.symposium)
    session.refresh(registration)  # another organiser may have decided meanwhile
    if registration.status != RegistrationStatus.PENDING:
        raise RegistrationError(f"{registration.full_name} is not waiting for approval.")
    left = places_left(session, registration.symposium)
    registration.status = (
        RegistrationStatus.CONFIRMED if left is None or left > 0 else RegistrationStatus.WAITING
    )
    # The line is ordered by approval, not by the first click.
    registration.created_at = utcnow()
    session.flush()
    return RegistrationStatus(registration.status)


def change_role(session: Session, registration: Registration, role: str) -> None:
    if role not in set(ParticipantRole):
        raise RegistrationError("Unknown role.")
    registration.role = role
    session.flush()


def waiting_position(session: Session, registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.symposium_id == registration.symposium_id,
            Registration.status == RegistrationStatus.WAITING,
            sa.or_(
                Registration.created_at < registration.created_at,
                sa.and_(
                    Registration.created_at == registration.created_at,
                    Registration.id < registration.id,
                ),
            ),
        )
    )
    return ahead + 1
