"""A registrant's own registration: found by its manage link (or its address), and changed by
its owner from the manage page (the place in line is kept)."""

from __future__ import annotations

from dataclasses import fields

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.models import Registration
from registration.registrations import (
    ACTIVE,
    RegistrantInput,
    RegistrationError,
    check_input,
    clean_input,
    lock_places,
    refuse_after_the_event,
)
from symposium.accounts import normalise_email
from symposium.models import Symposium
from symposium.tokens import token_hash


def live_registration_of(session: Session, symposium: Symposium, email: str) -> Registration | None:
    """The confirmed, waiting or pending registration of this address, if there is one."""
    return session.scalar(
        sa.select(Registration).where(
            Registration.symposium_id == symposium.id,
            Registration.email == normalise_email(email),
            Registration.status.in_(ACTIVE),
        )
    )


def registration_for_token(session: Session, token: str) -> Registration | None:
    """The registration a manage link belongs to (not erased), or None for any other token."""
    if not token or len(token) > 100:
        return None
    return session.scalar(
        sa.select(Registration).where(
            Registration.manage_token_hash == token_hash(token), Registration.erased_at.is_(None)
        )
    )


def update_registration(session: Session, registration: Registration, data: RegistrantInput):
    """Self-service changes to one's own details (the place in line is kept)."""
    symposium = registration.symposium
    if registration.status not in ACTIVE:
        raise RegistrationError(f"This registration is {registration.status}.")
    refuse_after_the_event(symposium)
    data = clean_input(data)
    check_input(session, symposium, data, registration.nomination)
    lock_places(session, symposium)
    clash = session.scalar(
        sa.select(Registration.id).where(
            Registration.symposium_id == symposium.id,
            Registration.email == data.email,
            Registration.id != registration.id,
        )
    )
    if clash is not None:
        raise RegistrationError("Another registration uses this e-mail address.", "email")
    for f in fields(data):
        setattr(registration, f.name, getattr(data, f.name))
    session.flush()
