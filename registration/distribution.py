"""Sending the circular to focal points, following its delivery, and reminding the slow ones.

Every mail goes through the outbox in the caller's transaction, under an idempotency key naming
the purpose and the focal point, so pressing "Distribute" twice sends nobody a second copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from registration.circular_services import mark_distributed
from registration.invitation_mails import invitation_mail_key
from registration.mails import circular_mail, invitation_mail, reminder_mail
from registration.models import (
    ACTIVE_STATUSES,
    DEFAULT_QUOTA,
    CircularDelivery,
    CircularVersion,
    FocalPoint,
    Nomination,
)
from registration.nomination_links import LinkBuilder, issue_nomination_link
from registration.nominations import Decision, NominationError, nominations_open, quotas
from registration.pdf import circular_pdf
from symposium.models import Economy, MailStatus, OutboxMessage, Symposium
from symposium.outbox import Attachment, queue_mail


def day_dates(symposium: Symposium) -> str:
    """``Tue 23 – Wed 24 March 2027`` style summary of the days, in the host time zone."""
    if not symposium.days:
        return "to be announced"
    first, last = symposium.days[0].date, symposium.days[-1].date
    if first == last:
        return f"{first:%A %-d %B %Y}"
    return f"{first:%A %-d %B} – {last:%A %-d %B %Y} ({symposium.host_timezone})"


def invited_focal_points(session: Session, symposium: Symposium) -> list[FocalPoint]:
    """Focal points of the symposium's invited economies, by economy."""
    invited = [e.id for e in symposium.invited_economies]
    return list(
        session.scalars(
            sa.select(FocalPoint)
            .join(Economy)
            .where(FocalPoint.symposium_id == symposium.id, FocalPoint.economy_id.in_(invited))
            .order_by(Economy.position, FocalPoint.name)
        )
    )


def latest_distributed(session: Session, symposium: Symposium) -> CircularVersion | None:
    """The newest version of the circular that has been sent to focal points."""
    return session.scalar(
        sa.select(CircularVersion)
        .where(
            CircularVersion.symposium_id == symposium.id,
            CircularVersion.distributed_at.is_not(None),
        )
        .order_by(CircularVersion.number.desc())
        .limit(1)
    )


@dataclass
class DistributionResult:
    queued: int = 0
    already_sent: int = 0


def distribute_circular(
    session: Session, symposium: Symposium, version: CircularVersion, link: LinkBuilder
) -> DistributionResult:
    """Queue one mail per focal point of an invited economy with the GIC as a PDF and the
    focal point's own nomination link; focal points who already got this version are skipped."""
    recipients = invited_focal_points(session, symposium)
    if not recipients:
        raise NominationError(
            "No focal point of an invited economy yet: add focal points before distributing."
        )
    document = mark_distributed(session, version)
    pdf = Attachment(
        f"GIC-{symposium.project_number.replace(' ', '-')}-v{version.number}.pdf",
        "application/pdf",
        circular_pdf(document),
    )
    deliveries = deliveries_of(session, version)
    limits = quotas(session, symposium)
    result = DistributionResult()
    for focal_point in recipients:
        delivery = deliveries.get(focal_point.id)
        if delivery is not None and reaches(delivery):
            result.already_sent += 1
            continue
        text = circular_mail(
            title=symposium.title,
            project_number=symposium.project_number,
            focal_point_name=focal_point.name,
            economy=focal_point.economy.name,
            version=version.number,
            change_summary=version.change_summary,
            dates=day_dates(symposium),
            quota=limits.get(focal_point.economy_id, DEFAULT_QUOTA),
            deadline=symposium.nomination_deadline,
            timezone=symposium.host_timezone,
            nomination_url=link(issue_nomination_link(session, focal_point)),
            po_name=symposium.po_name,
            po_email=symposium.po_email,
        )
        key = f"gic:{symposium.id}:v{version.number}:focal-point-{focal_point.id}"
        if delivery is not None:  # its mail failed, or the address was corrected since
            key += f":after-{delivery.message_id}"
        message_id = queue_mail(session, key, focal_point.email, text.subject, text.body, [pdf])
        if delivery is None:
            delivery = CircularDelivery(version=version, focal_point=focal_point)
            session.add(delivery)
        delivery.message_id = message_id
        result.queued += 1
    session.flush()
    return result


def deliveries_of(session: Session, version: CircularVersion) -> dict[int, CircularDelivery]:
    """This version's deliveries, with their mails, by focal point."""
    rows = session.scalars(
        sa.select(CircularDelivery)
        .where(CircularDelivery.version_id == version.id)
        .options(selectinload(CircularDelivery.message), selectinload(CircularDelivery.focal_point))
    )
    return {delivery.focal_point_id: delivery for delivery in rows}


def reaches(delivery: CircularDelivery) -> bool:
    """Whether the focal point has, or will have, this version: its mail did not fail and went
    to the address the focal point has now (a corrected address needs the circular again)."""
    message = delivery.message
    return (
        message.status != MailStatus.FAILED
        and message.recipient.lower() == delivery.focal_point.email.lower()
    )


@dataclass
class EconomyProgress:
    economy: str
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in MailStatus})

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def distribution_progress(session: Session, version: CircularVersion) -> list[EconomyProgress]:
    """Per economy, how many of this version's mails are queued, being sent, sent or failed."""
    rows = session.execute(
        sa.select(Economy.name, OutboxMessage.status, sa.func.count())
        .select_from(CircularDelivery)
        .join(FocalPoint, CircularDelivery.focal_point_id == FocalPoint.id)
        .join(Economy, FocalPoint.economy_id == Economy.id)
        .join(OutboxMessage, CircularDelivery.message_id == OutboxMessage.id)
        .where(CircularDelivery.version_id == version.id)
        .group_by(Economy.name, Economy.position, OutboxMessage.status)
        .order_by(Economy.position)
    )
    progress: dict[str, EconomyProgress] = {}
    for economy, status, count in rows:
        progress.setdefault(economy, EconomyProgress(economy)).counts[status] = count
    return list(progress.values())


def economies_without_nominations(session: Session, symposium: Symposium) -> set[int]:
    """Invited economies with no active nomination."""
    nominated = set(
        session.scalars(
            sa.select(Nomination.economy_id).where(
                Nomination.symposium_id == symposium.id,
                Nomination.status.in_([s.value for s in ACTIVE_STATUSES]),
            )
        )
    )
    return {e.id for e in symposium.invited_economies} - nominated


def send_reminders(
    session: Session, symposium: Symposium, link: LinkBuilder, today: dt.date | None = None
) -> int:
    """Remind the focal points of invited economies that have nominated nobody yet.

    One reminder per focal point and day, however often the button is pressed.
    """
    if not nominations_open(symposium):
        raise NominationError("The nomination deadline has passed; no reminder was sent.")
    if latest_distributed(session, symposium) is None:
        raise NominationError("Distribute the circular first; reminders follow it.")
    today = today or dt.datetime.now(symposium.zone).date()
    silent = economies_without_nominations(session, symposium)
    limits = quotas(session, symposium)
    sent = 0
    for focal_point in invited_focal_points(session, symposium):
        if focal_point.economy_id not in silent:
            continue
        key = f"nomination-reminder:{symposium.id}:focal-point-{focal_point.id}:{today}"
        if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            continue
        text = reminder_mail(
            title=symposium.title,
            focal_point_name=focal_point.name,
            economy=focal_point.economy.name,
            quota=limits.get(focal_point.economy_id, DEFAULT_QUOTA),
            deadline=symposium.nomination_deadline,
            timezone=symposium.host_timezone,
            nomination_url=link(issue_nomination_link(session, focal_point)),
            po_name=symposium.po_name,
            po_email=symposium.po_email,
        )
        queue_mail(session, key, focal_point.email, text.subject, text.body)
        sent += 1
    return sent


def queue_invitation_mail(
    session: Session, symposium: Symposium, decision: Decision, link: LinkBuilder
) -> int:
    """Queue an accepted nominee's invitation to register, in the acceptance's transaction;
    the id of its mail."""
    nomination = decision.nomination
    assert decision.invitation_token and nomination.invitation is not None
    text = invitation_mail(
        title=symposium.title,
        nominee_name=nomination.full_name,
        economy=nomination.economy.name,
        dates=day_dates(symposium),
        registration_url=link(decision.invitation_token),
        deadline=symposium.registration_deadline,
        timezone=symposium.host_timezone,
        po_name=symposium.po_name,
        po_email=symposium.po_email,
    )
    key = invitation_mail_key(nomination)
    return queue_mail(session, key, nomination.email, text.subject, text.body)
