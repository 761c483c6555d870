"""Registering from a form, with the confirmation mail in the same transaction. A first
registration on the open form, the common case, takes the short way: everything is built
before the symposium's lock is taken, and written under it by one statement."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, make_transient_to_detached

from registration.confirmations import LinkBuilder, confirmation_mail, queue_confirmation
from registration.models import Nomination, Registration, RegistrationStatus
from registration.registration_rows import insert_first_registration
from registration.registrations import (
    Registered,
    RegistrantInput,
    admitted,
    new_values,
    register,
)
from symposium.models import Symposium
from symposium.outbox import Mail
from symposium.tokens import new_token


def register_and_confirm(
    session: Session,
    symposium: Symposium,
    data: RegistrantInput,
    manage_link: LinkBuilder,
    calendar: bytes | None,
    *,
    nomination: Nomination | None = None,
) -> Registered:
    """``register`` someone and queue their confirmation (RegistrationError if refused)."""
    if nomination is None:
        confirmation = _confirmation(session, symposium, manage_link, calendar)
        registered = register_first(session, symposium, data, confirmation)
        if registered is not None:
            return registered
    registered = register(session, symposium, data, nomination=nomination)
    queue_confirmation(session, registered, manage_link, calendar)
    return registered


def register_as_kept(
    session: Session,
    symposium: Symposium,
    data: RegistrantInput,
    manage_link: LinkBuilder,
    calendar: bytes | None,
    kept_version: str,
) -> Registered | None:
    """``register_first`` on the open form with the symposium as this process kept it
    (``kept_symposia.unchecked``), and queue the confirmation: None, with nothing written, when
    it cannot go that way; KeptCopyOutdated when the symposium's rows are no longer at
    ``kept_version``; RegistrationError if refused by what was kept."""
    confirmation = _confirmation(session, symposium, manage_link, calendar)
    return register_first(session, symposium, data, confirmation, kept_version=kept_version)


def _confirmation(
    session: Session, symposium: Symposium, manage_link: LinkBuilder, calendar: bytes | None
) -> Callable[[Registered], Mail]:
    def confirmation(registered: Registered) -> Mail:
        return confirmation_mail(session, symposium, registered, manage_link, calendar)

    return confirmation


def register_first(
    session: Session,
    symposium: Symposium,
    data: RegistrantInput,
    confirmation: Callable[[Registered], Mail],
    *,
    kept_version: str | None = None,
) -> Registered | None:
    """``register`` on the open form an address with no registration for the symposium yet,
    and queue its confirmation (``confirmation`` builds the mail); None, with nothing written,
    when it cannot go this way (``register`` then renews or refuses the address's registration,
    or puts it on the waiting list).

    The row and the mail are built before the symposium's lock is taken, for the status the
    registrant most likely gets (confirmed, or pending approval). Under the lock one statement
    writes both (two on SQLite) if that is the status the registrant gets, so simultaneous
    registrants wait for each other only that long. With a ``kept_version`` (the symposium as
    ``kept_symposia.unchecked`` gave it), only if its rows are still at that version, else
    KeptCopyOutdated."""
    settings, data = admitted(session, symposium, data)
    token, token_hashed = new_token()
    expected = RegistrationStatus.PENDING if settings.moderated else RegistrationStatus.CONFIRMED
    values = new_values(data, settings, expected.value, token_hashed)
    # Built for the mail, before the lock. Once written it stands for the row, outside the
    # session (what it was built with can be read; nothing else is loaded).
    registration = Registration(symposium_id=symposium.id, **values)
    mail = confirmation(Registered(registration, token))
    registration.id = insert_first_registration(
        session, symposium, values, mail=mail, kept_version=kept_version
    )
    if registration.id is None:
        return None
    make_transient_to_detached(registration)
    return Registered(registration, token)
