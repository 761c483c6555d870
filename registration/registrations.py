"""Registrations: the settings, registering by invitation or on the open form (confirmed while
places last, then on the waiting list; in a moderated symposium pending approval) and
self-service changes. Places freed and taken afterwards are in places.py.

Every change that may take or free a place starts by updating the symposium's
``RegistrationSettings`` row (the same lock idea as nominations, see nominations.py), so
simultaneous registrants are counted one after the other and capacity holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from registration.circular_services import circular_texts_defaults, latest_version
from registration.kept_symposia import kept_symposium_and_settings
from registration.models import (
    Nomination,
    ParticipantRole,
    Registration,
    RegistrationMode,
    RegistrationSettings,
    RegistrationStatus,
)
from registration.registration_rows import LOCK_PLACES, insert_registration, places_taken
from symposium.accounts import normalise_email
from symposium.economies import economy_row
from symposium.models import Symposium, utcnow
from symposium.tokens import new_token

# Statuses that hold a place, or a claim to one.
ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING, RegistrationStatus.PENDING)


class RegistrationError(ValueError):
    """A registration change that cannot be made; ``field`` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RegistrantInput:
    """What a registrant enters (the same fields whether invited or not)."""

    given_name: str
    family_name: str
    email: str
    economy_id: int
    organisation: str
    organisation_type: str
    job_title: str
    sex: str
    youth: bool
    timezone: str
    language: str | None
    accessibility_needs: str
    consent_evaluation: bool
    family_name_first: bool = False


# --- settings --------------------------------------------------------------------------------


_SYMPOSIUM_AND_SETTINGS = (
    sa.select(Symposium, RegistrationSettings)
    .outerjoin(RegistrationSettings, RegistrationSettings.symposium_id == Symposium.id)
    .options(joinedload(Symposium.days))
    .where(Symposium.id == sa.bindparam("symposium_id"))
)  # built once: the open form reads it on every request


def symposium_and_settings(
    session: Session, symposium_id: int
) -> tuple[Symposium, RegistrationSettings] | None:
    """The symposium (with its days) and its registration settings in one query (on
    PostgreSQL, a check of what this process kept: ``kept_symposia``), the settings created
    with defaults on first use; None when there is no such symposium."""
    found = kept_symposium_and_settings(session, symposium_id, _symposium_and_settings)
    if found is None:
        return None
    symposium, settings = found
    return symposium, settings if settings is not None else settings_for(session, symposium)


def _symposium_and_settings(session: Session, symposium_id: int) -> Any:
    found = session.execute(_SYMPOSIUM_AND_SETTINGS, {"symposium_id": symposium_id})
    found = found.unique().one_or_none()
    if found is not None:
        # Each day linked back to its symposium as loaded (the joined load leaves the link to
        # be loaded on first use, in every mail and calendar), and so in the copies kept.
        symposium = found[0]
        for day in symposium.days:
            set_committed_value(day, "symposium", symposium)
    return found


def settings_for(session: Session, symposium: Symposium) -> RegistrationSettings:
    """The symposium's registration settings, created with defaults on first use (also when
    two requests are the first at the same moment)."""
    settings = session.get(RegistrationSettings, symposium.id)
    if settings is None:
        version = latest_version(session, symposium)
        notice = (version.privacy_notice if version else "") or circular_texts_defaults(
            symposium
        ).privacy_notice
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        session.execute(
            insert(RegistrationSettings)
            .values(symposium_id=symposium.id, privacy_notice=notice)
            .on_conflict_do_nothing()
        )
        settings = session.get(RegistrationSettings, symposium.id)
    return settings


def registration_open(symposium: Symposium, now: dt.datetime | None = None) -> bool:
    """Open until the end of the deadline's day in the host time zone (no deadline: open)."""
    if symposium.registration_deadline is None:
        return True
    today = (now or dt.datetime.now(dt.UTC)).astimezone(symposium.zone).date()
    return today <= symposium.registration_deadline


def changes_open(symposium: Symposium, now: dt.datetime | None = None) -> bool:
    """Whether registrants may change or cancel their own registration: until the end of the
    last day in the host time zone (afterwards their details are the report's figures)."""
    if symposium.last_day is None:
        return True
    today = (now or dt.datetime.now(dt.UTC)).astimezone(symposium.zone).date()
    return today <= symposium.last_day


def refuse_after_the_event(symposium: Symposium) -> None:
    """Raise RegistrationError for a registrant's own change once the symposium is over."""
    if not changes_open(symposium):
        raise RegistrationError(
            "The symposium is over, so the registration can no longer be changed here; to "
            f"correct something, please write to {symposium.po_email}."
        )


def lock_places(session: Session, symposium: Symposium) -> None:
    """Serialise place-taking changes of one symposium (see the module docstring): the
    first statement of every change that may take or free a place."""
    settings_for(session, symposium)
    session.connection().execute(LOCK_PLACES, {"locked_symposium": symposium.id})


def places_left(session: Session, symposium: Symposium) -> int | None:
    """Free places (None: no capacity set)."""
    if symposium.capacity is None:
        return None
    settings_for(session, symposium)  # the row that keeps the number
    return free_places(symposium, session.scalar(places_taken(symposium.id)))


def free_places(symposium: Symposium, confirmed: int) -> int | None:
    """Free places when ``confirmed`` are taken (None: no capacity set)."""
    return None if symposium.capacity is None else max(symposium.capacity - confirmed, 0)


# --- registering ------------------------------------------------------------------------------


def clean_input(data: RegistrantInput) -> RegistrantInput:
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    values["email"] = normalise_email(values["email"])
    return RegistrantInput(**values)


def check_input(
    session: Session,
    symposium: Symposium,
    data: RegistrantInput,
    nomination: Nomination | None = None,
) -> None:
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RegistrationError(
            f"{data.timezone!r} is not a known time zone.", "timezone"
        ) from None
    if data.language and data.language not in (symposium.languages or []):
        raise RegistrationError("Choose one of the symposium's languages.", "language")
    if economy_row(session, data.economy_id) is None:
        raise RegistrationError("Choose your economy.", "economy_id")
    if nomination is not None and data.economy_id != nomination.economy_id:
        # The place counts against the nominating economy's quota.
        raise RegistrationError(
            f"You were nominated by {nomination.economy.name}: register for that economy, or "
            f"write to {symposium.po_email} if it is wrong.",
            "economy_id",
        )


def prefill(nomination: Nomination) -> RegistrantInput:
    """What an invited nominee's form starts with: what their focal point entered."""
    return RegistrantInput(
        given_name=nomination.given_name,
        family_name=nomination.family_name,
        email=nomination.email,
        economy_id=nomination.economy_id,
        organisation=nomination.organisation,
        organisation_type=nomination.organisation_type,
        job_title=nomination.job_title,
        sex=nomination.sex,
        youth=nomination.youth,
        timezone=nomination.economy.timezone,
        language=None,
        accessibility_needs="",
        consent_evaluation=False,
    )


@dataclass(frozen=True)
class Registered:
    """A new (or renewed) registration and its manage-link token, to be mailed once."""

    registration: Registration
    token: str


def admitted(
    session: Session,
    symposium: Symposium,
    data: RegistrantInput,
    nomination: Nomination | None = None,
    now: dt.datetime | None = None,
) -> tuple[RegistrationSettings, RegistrantInput]:
    """The symposium's registration settings and the input cleaned, once the registration is
    allowed at all (RegistrationError says why not)."""
    settings = settings_for(session, symposium)
    if nomination is None and settings.mode == RegistrationMode.INVITATION:
        raise RegistrationError("This symposium registers invited delegates only.")
    if not registration_open(symposium, now):
        raise RegistrationError(
            f"Registration closed on {symposium.registration_deadline:%-d %B %Y}."
        )
    data = clean_input(data)
    check_input(session, symposium, data, nomination)
    return settings, data


def new_values(
    data: RegistrantInput, settings: RegistrationSettings, status: str, token_hash: str
) -> dict:
    """A new (or renewed) registration's values from what the registrant entered."""
    return {
        **{f.name: getattr(data, f.name) for f in fields(data)},
        # Speakers and moderators are set by organisers; everyone registers as a participant.
        "role": ParticipantRole.PARTICIPANT.value,
        "privacy_notice_version": settings.privacy_notice_version,
        "cancelled_at": None,
        "created_at": utcnow(),  # a renewed registration joins the end of the line
        "status": status,
        "manage_token_hash": token_hash,
    }


def register(
    session: Session,
    symposium: Symposium,
    data: RegistrantInput,
    *,
    nomination: Nomination | None = None,
    now: dt.datetime | None = None,
) -> Registered:
    """Register someone: confirmed while places last, then on the waiting list in order; in a
    moderated symposium every registration first waits for approval."""
    settings, data = admitted(session, symposium, data, nomination, now)
    lock_places(session, symposium)
    asked = {"symposium_id": symposium.id, "email": data.email}
    session.flush()  # read below on the connection, which does not flush the session itself
    existing_id, confirmed = session.connection().execute(_EXISTING_AND_CONFIRMED, asked).one()
    existing = session.get(Registration, existing_id) if existing_id is not None else None
    _refuse_if_held(symposium, existing)
    if nomination is not None:
        existing = _renewed_for_nomination(session, symposium, nomination, existing)
    token, token_hashed = new_token()
    status = _first_status(symposium, settings, confirmed)
    values = new_values(data, settings, status, token_hashed)
    if nomination is not None:  # a nominee renewing on the open form stays the nominee
        values["nomination_id"] = nomination.id
    if existing is None:
        return Registered(insert_registration(session, symposium, values), token)
    for name, value in values.items():
        setattr(existing, name, value)
    session.flush()
    return Registered(existing, token)


def _refuse_if_held(symposium: Symposium, registration: Registration | None) -> None:
    """An address with a live registration, or one the organisers turned down, cannot register
    again (a cancelled one can: it is renewed and joins the end of the line)."""
    if registration is None:
        return
    if registration.status in ACTIVE:
        raise RegistrationError(
            "This e-mail address is already registered. Your confirmation mail has a link to "
            "change or cancel the registration.",
            "email",
        )
    if registration.status == RegistrationStatus.REJECTED:
        raise RegistrationError(
            "The organisers did not accept a registration with this e-mail address. If you "
            f"think this is a mistake, please write to {symposium.po_email}.",
            "email",
        )


def _renewed_for_nomination(
    session: Session,
    symposium: Symposium,
    nomination: Nomination,
    existing: Registration | None,
) -> Registration | None:
    """The row an invited nominee's registration goes into: their earlier one through this
    invitation (cancelled, perhaps under another address) unless the address they register
    with has a row of its own; then the invitation moves to that row."""
    earlier = session.scalar(
        sa.select(Registration).where(Registration.nomination_id == nomination.id)
    )
    if earlier is None or earlier is existing:
        return existing
    if earlier.status in ACTIVE:
        raise RegistrationError(
            f"You are already registered through this invitation, as {earlier.email}. Your "
            "confirmation mail has a link to change or cancel the registration."
        )
    _refuse_if_held(symposium, earlier)
    if existing is None:
        return earlier
    earlier.nomination_id = None  # one registration per invitation: it moves to ``existing``
    session.flush()
    return existing


# One row: the id of an address's registration (None if it has none) and how many places are
# taken, read in one statement under the symposium's lock.
_EXISTING_AND_CONFIRMED = sa.select(
    sa.select(Registration.id)
    .where(
        Registration.symposium_id == sa.bindparam("symposium_id"),
        Registration.email == sa.bindparam("email"),
    )
    .scalar_subquery(),
    places_taken(sa.bindparam("symposium_id")).scalar_subquery(),
)


def _first_status(
    symposium: Symposium, settings: RegistrationSettings, confirmed: int
) -> RegistrationStatus:
    if settings.moderated:
        return RegistrationStatus.PENDING
    left = free_places(symposium, confirmed)
    if left is None or left > 0:
        return RegistrationStatus.CONFIRMED
    return RegistrationStatus.WAITING
