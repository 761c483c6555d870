"""Nominations by economy: focal points' links, quotas that hold under concurrency, decisions.

Every change to an economy's nominations starts by updating that economy's ``NominationQuota``
row. On PostgreSQL the update locks the row; on SQLite it is the transaction's first write, so
it takes the database's write lock before anything is counted. Either way two focal points
submitting at the same moment are served one after the other and see each other's nominee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from registration.decided_meanwhile import changed_meanwhile
from registration.invitation_mails import withdraw_invitation_mail
from registration.models import (
    ACTIVE_STATUSES,
    DEFAULT_QUOTA,
    FocalPoint,
    Nomination,
    NominationQuota,
    NominationStatus,
    Registration,
    RegistrationInvitation,
)
from registration.registrations import ACTIVE as LIVE_REGISTRATIONS
from symposium.accounts import normalise_email
from symposium.models import Economy, Symposium, User, utcnow
from symposium.tokens import new_token, token_hash

DECISIONS = {
    "accept": NominationStatus.ACCEPTED,
    "waitlist": NominationStatus.WAITLISTED,
    "reject": NominationStatus.REJECTED,
}
MAX_QUOTA = 50


class NominationError(ValueError):
    """A nomination change that cannot be made; the message is for the person who tried."""


@dataclass(frozen=True)
class NomineeInput:
    """What a focal point enters for one delegate."""

    given_name: str
    family_name: str
    email: str
    sex: str
    organisation: str
    organisation_type: str
    job_title: str
    youth: bool
    intended_role: str
    note: str = ""


# --- links (the focal points' own are in nomination_links.py) ----------------------------


def invitation_for_token(session: Session, token: str) -> RegistrationInvitation | None:
    """The live registration invitation of an accepted nominee, or None."""
    if not token or len(token) > 100:
        return None
    invitation = session.scalar(
        sa.select(RegistrationInvitation).where(
            RegistrationInvitation.token_hash == token_hash(token),
            RegistrationInvitation.revoked_at.is_(None),
        )
    )
    if invitation is None or invitation.nomination.status != NominationStatus.ACCEPTED:
        return None
    return invitation


# --- deadline and quota ---------------------------------------------------------------------


def nominations_open(symposium: Symposium, now: dt.datetime | None = None) -> bool:
    """Open until the end of the deadline's day in the host time zone (no deadline: open)."""
    if symposium.nomination_deadline is None:
        return True
    today = (now or dt.datetime.now(dt.UTC)).astimezone(symposium.zone).date()
    return today <= symposium.nomination_deadline


def quotas(session: Session, symposium: Symposium) -> dict[int, int]:
    """Each economy's quota by economy id; economies without a row have the default."""
    rows = session.execute(
        sa.select(NominationQuota.economy_id, NominationQuota.quota).where(
            NominationQuota.symposium_id == symposium.id
        )
    )
    return {economy_id: quota for economy_id, quota in rows}


def quota_of(session: Session, symposium: Symposium, economy_id: int) -> int:
    return quotas(session, symposium).get(economy_id, DEFAULT_QUOTA)


def _lock_economy(session: Session, symposium_id: int, economy_id: int) -> int:
    """Serialise nomination changes of one economy; returns its quota."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(NominationQuota)
        .values(symposium_id=symposium_id, economy_id=economy_id, quota=DEFAULT_QUOTA, changes=0)
        .on_conflict_do_nothing()
    )
    return session.execute(
        sa.update(NominationQuota)
        .where(
            NominationQuota.symposium_id == symposium_id,
            NominationQuota.economy_id == economy_id,
        )
        .values(changes=NominationQuota.changes + 1)
        .returning(NominationQuota.quota)
    ).scalar_one()


def set_quota(session: Session, symposium: Symposium, economy: Economy, quota: int) -> int:
    """Change an economy's quota; returns how many active nominations it already has."""
    if not 0 <= quota <= MAX_QUOTA:
        raise NominationError(f"A quota is a whole number from 0 to {MAX_QUOTA}.")
    _lock_economy(session, symposium.id, economy.id)
    session.execute(
        sa.update(NominationQuota)
        .where(
            NominationQuota.symposium_id == symposium.id,
            NominationQuota.economy_id == economy.id,
        )
        .values(quota=quota)
    )
    return count_nominations(session, symposium.id, economy.id, ACTIVE_STATUSES)


def count_nominations(session: Session, symposium_id: int, economy_id: int, statuses) -> int:
    """How many of the economy's nominations are in ``statuses`` (the quota counts the active)."""
    return session.scalar(
        sa.select(sa.func.count(Nomination.id)).where(
            Nomination.symposium_id == symposium_id,
            Nomination.economy_id == economy_id,
            Nomination.status.in_([s.value for s in statuses]),
        )
    )


# --- what focal points do ------------------------------------------------------------------


def economy_nominations(session: Session, focal_point: FocalPoint) -> list[Nomination]:
    """The nominations of the focal point's economy (every focal point of it sees them)."""
    return list(
        session.scalars(
            sa.select(Nomination)
            .where(
                Nomination.symposium_id == focal_point.symposium_id,
                Nomination.economy_id == focal_point.economy_id,
            )
            .order_by(Nomination.created_at, Nomination.id)
        )
    )


def _clean(data: NomineeInput) -> NomineeInput:
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    values["email"] = normalise_email(values["email"])
    return NomineeInput(**values)


def _check_open(symposium: Symposium) -> None:
    if not nominations_open(symposium):
        deadline = symposium.nomination_deadline
        raise NominationError(
            f"The nomination deadline ({deadline:%-d %B %Y}) has passed; "
            f"please write to {symposium.po_email} if you need to change a nomination."
        )


def _check_invited(focal_point: FocalPoint) -> None:
    """Only invited economies nominate (an economy can be taken off the list after the
    circular went out; its focal points' links then stop taking nominations)."""
    symposium = focal_point.symposium
    if all(e.id != focal_point.economy_id for e in symposium.invited_economies):
        raise NominationError(
            f"{focal_point.economy.name} is not among the economies invited to "
            f"{symposium.title}; please write to {symposium.po_email}."
        )


def registered_nominations(session: Session, nominations: list[Nomination]) -> set[int]:
    """The ids of those nominations whose nominee has a live registration through them."""
    return set(
        session.scalars(
            sa.select(Registration.nomination_id).where(
                Registration.nomination_id.in_([n.id for n in nominations]),
                Registration.status.in_(LIVE_REGISTRATIONS),
            )
        )
    )


def _registered(session: Session, nomination: Nomination) -> Registration | None:
    """The nominee's live registration through their invitation, if they have one."""
    return session.scalar(
        sa.select(Registration).where(
            Registration.nomination_id == nomination.id,
            Registration.status.in_(LIVE_REGISTRATIONS),
        )
    )


def _check_unique_email(session: Session, symposium_id: int, email: str, own_id: int | None):
    clash = session.scalar(
        sa.select(Nomination).where(
            Nomination.symposium_id == symposium_id,
            Nomination.email == email,
            Nomination.status.in_([s.value for s in ACTIVE_STATUSES]),
            Nomination.id != (own_id or 0),
        )
    )
    if clash is not None:
        raise NominationError(f"{email} has already been nominated for this symposium.")


def nominate(session: Session, focal_point: FocalPoint, data: NomineeInput) -> Nomination:
    """Add a delegate for the focal point's economy, within its quota and before the deadline."""
    symposium = focal_point.symposium
    _check_open(symposium)
    _check_invited(focal_point)
    data = _clean(data)
    quota = _lock_economy(session, symposium.id, focal_point.economy_id)
    taken = count_nominations(session, symposium.id, focal_point.economy_id, ACTIVE_STATUSES)
    if taken >= quota:
        raise NominationError(
            f"{focal_point.economy.name} has nominated {taken} of its {quota} delegates: "
            "the quota is reached. Withdraw a nomination to nominate someone else."
        )
    _check_unique_email(session, symposium.id, data.email, None)
    nomination = Nomination(
        symposium_id=symposium.id,
        economy_id=focal_point.economy_id,
        focal_point_id=focal_point.id,
        **{f.name: getattr(data, f.name) for f in fields(data)},
    )
    session.add(nomination)
    session.flush()
    return nomination


def own_nomination(session: Session, focal_point: FocalPoint, nomination_id: int) -> Nomination:
    """A nomination this focal point made, or NominationError (shown as a 404)."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.focal_point_id != focal_point.id:
        raise NominationError("No such nomination of yours.")
    return nomination


def update_nomination(
    session: Session, focal_point: FocalPoint, nomination: Nomination, data: NomineeInput
) -> None:
    """Correct a pending or wait-listed nomination before the deadline."""
    _check_open(focal_point.symposium)
    _check_invited(focal_point)
    if nomination.status not in (NominationStatus.PENDING, NominationStatus.WAITLISTED):
        raise NominationError(
            f"This nomination is {nomination.status}; it can no longer be edited here. "
            f"Please write to {focal_point.symposium.po_email}."
        )
    data = _clean(data)
    _lock_economy(session, nomination.symposium_id, nomination.economy_id)
    _check_unique_email(session, nomination.symposium_id, data.email, nomination.id)
    for f in fields(data):
        setattr(nomination, f.name, getattr(data, f.name))
    session.flush()


def withdraw_nomination(session: Session, focal_point: FocalPoint, nomination: Nomination) -> None:
    """Withdraw a nomination before the deadline; its place in the quota is freed."""
    _check_open(focal_point.symposium)
    _lock_economy(session, nomination.symposium_id, nomination.economy_id)
    session.refresh(nomination)  # the organisers may have decided meanwhile
    if nomination.status not in ACTIVE_STATUSES:
        raise NominationError(f"This nomination is already {nomination.status}.")
    if _registered(session, nomination) is not None:
        # Its place in the quota is taken by the registration, which stays.
        raise NominationError(
            f"{nomination.full_name} has already registered, so the nomination can no longer "
            f"be withdrawn here; please write to {focal_point.symposium.po_email}."
        )
    nomination.status = NominationStatus.WITHDRAWN
    _revoke_invitation(session, nomination)
    session.flush()


# --- what organisers do --------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The outcome of a decision, with the invitation token when one was issued; ``changed`` is
    False when the nomination already had that status (nobody is told of a non-event)."""

    nomination: Nomination
    invitation_token: str | None = None
    changed: bool = True


def decide(
    session: Session, nomination: Nomination, decision: str, user: User | None, seen: str = ""
) -> Decision:
    """Accept, wait-list or reject a nomination. Accepting respects the economy's quota and
    issues the nominee's personal registration link (the caller mails it). ``seen``, the status
    the organiser's page showed: a nomination no longer in it is not decided over unseen."""
    status = DECISIONS.get(decision)
    if status is None:
        raise NominationError("Choose accept, wait-list or reject.")
    quota = _lock_economy(session, nomination.symposium_id, nomination.economy_id)
    session.refresh(nomination)  # another organiser, or the focal point, may have acted meanwhile
    if seen and nomination.status not in (seen, status):
        raise NominationError(changed_meanwhile(nomination, user))
    if nomination.status == NominationStatus.WITHDRAWN:
        raise NominationError(f"{nomination.full_name}'s nomination was withdrawn.")
    if nomination.status == status:
        return Decision(nomination, changed=False)
    if (registration := _registered(session, nomination)) is not None:
        # The registration holds the quota's place; it is cancelled on the participants page.
        raise NominationError(
            f"{nomination.full_name} has registered ({registration.status}): cancel the "
            "registration on the participants page first."
        )
    if status == NominationStatus.ACCEPTED:
        accepted = count_nominations(
            session, nomination.symposium_id, nomination.economy_id, [NominationStatus.ACCEPTED]
        )
        if accepted >= quota:
            raise NominationError(
                f"{nomination.economy.name} already has {accepted} accepted of its quota of "
                f"{quota}; raise the quota to accept {nomination.full_name}."
            )
    nomination.status = status
    nomination.decided_at = utcnow()
    nomination.decided_by_id = user.id if user is not None else None
    token = None
    if status == NominationStatus.ACCEPTED:
        token = _issue_invitation(session, nomination)
    else:
        _revoke_invitation(session, nomination)
    session.flush()
    return Decision(nomination, token)


def _issue_invitation(session: Session, nomination: Nomination) -> str:
    token, hashed = new_token()
    if nomination.invitation is None:
        nomination.invitation = RegistrationInvitation(token_hash=hashed)
    else:  # accepted again after a rejection: a fresh link, the old one stays dead
        nomination.invitation.token_hash = hashed
        nomination.invitation.revoked_at = None
        nomination.invitation.created_at = utcnow()
    session.flush()
    return token


def _revoke_invitation(session: Session, nomination: Nomination) -> None:
    if nomination.invitation is not None and nomination.invitation.revoked_at is None:
        nomination.invitation.revoked_at = utcnow()
        withdraw_invitation_mail(session, nomination)  # a queued mail must not bring a dead link
