"""Telling focal points what the organisers decided on their economy's nominations.

One organiser action (a single or a bulk decision) queues one mail per focal point concerned,
in the decision's own transaction, so a focal point hears of a decision exactly when it is
committed and no longer has to keep checking their page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.distribution import LinkBuilder
from registration.mails import DecidedNominee, PlacesUsed, decisions_mail
from registration.models import ACTIVE_STATUSES, FocalPoint, Nomination
from registration.nomination_links import issue_nomination_link
from registration.nominations import Decision, count_nominations, nominations_open, quota_of
from symposium.models import Symposium
from symposium.outbox import queue_mail


@dataclass
class FocalPointsTold:
    """Whom the action's mails went to, and the economies nobody could be told about."""

    focal_points: list[FocalPoint] = field(default_factory=list)
    economies_without_focal_point: list[str] = field(default_factory=list)


def queue_decision_mails(
    session: Session, symposium: Symposium, decisions: Iterable[Decision], link: LinkBuilder
) -> FocalPointsTold:
    """Queue one mail per focal point concerned by the decisions of one organiser action.

    Only decisions that changed a nomination count (deciding the same again is no news). The
    focal point concerned is the one who made the nomination; a nomination whose focal point
    has been removed since is told to the economy's other focal points, so somebody hears.
    """
    recipients: dict[int, tuple[FocalPoint, list[Nomination]]] = {}
    told = FocalPointsTold()
    for nomination in (d.nomination for d in decisions if d.changed):
        concerned = (
            [nomination.focal_point]
            if nomination.focal_point is not None
            else _economy_focal_points(session, nomination)
        )
        if not concerned and nomination.economy.name not in told.economies_without_focal_point:
            told.economies_without_focal_point.append(nomination.economy.name)
        for focal_point in concerned:
            recipients.setdefault(focal_point.id, (focal_point, []))[1].append(nomination)
    for focal_point, nominations in recipients.values():
        _queue_one(session, symposium, focal_point, nominations, link)
        told.focal_points.append(focal_point)
    told.focal_points.sort(key=lambda f: (f.economy.position, f.name))
    return told


def _economy_focal_points(session: Session, nomination: Nomination) -> list[FocalPoint]:
    """Who speaks for the economy of a nomination whose own focal point was removed."""
    return list(
        session.scalars(
            sa.select(FocalPoint)
            .where(
                FocalPoint.symposium_id == nomination.symposium_id,
                FocalPoint.economy_id == nomination.economy_id,
            )
            .order_by(FocalPoint.name)
        )
    )


def _places(
    session: Session, symposium: Symposium, nominations: list[Nomination]
) -> list[PlacesUsed]:
    """The quota use of each economy of ``nominations``, as it stands after the decisions."""
    economies = list(dict.fromkeys(n.economy for n in nominations))
    return [
        PlacesUsed(
            economy=economy.name,
            quota=quota_of(session, symposium, economy.id),
            taken=count_nominations(session, symposium.id, economy.id, ACTIVE_STATUSES),
        )
        for economy in economies
    ]


def _queue_one(
    session: Session,
    symposium: Symposium,
    focal_point: FocalPoint,
    nominations: list[Nomination],
    link: LinkBuilder,
) -> None:
    # A fresh link, as the reminders and a revised circular give (tokens are stored hashed, so
    # the circular's link cannot be written again); the earlier ones expire a week later, or
    # at once beyond the three newest (nomination_links.py). Revoking stops the links already
    # mailed; the focal point's next mail brings a new one.
    text = decisions_mail(
        title=symposium.title,
        focal_point_name=focal_point.name,
        nominees=[DecidedNominee(n.full_name, n.status) for n in nominations],
        places=_places(session, symposium, nominations),
        deadline=symposium.nomination_deadline,
        nominations_open=nominations_open(symposium),
        timezone=symposium.host_timezone,
        nomination_url=link(issue_nomination_link(session, focal_point)),
        po_name=symposium.po_name,
        po_email=symposium.po_email,
    )
    key = _key(symposium, focal_point, nominations)
    queue_mail(session, key, focal_point.email, text.subject, text.body)


def _key(symposium: Symposium, focal_point: FocalPoint, nominations: list[Nomination]) -> str:
    """One key per focal point and action: the decided nominations with their new status and
    the moment it was decided. Pressing the button again changes nothing and so queues nothing;
    deciding otherwise later (reject after accept, or accept again) is a new moment, a new mail.
    """
    decided = ",".join(f"{n.id}={n.status}@{n.decided_at:%Y%m%dT%H%M%S.%f}" for n in nominations)
    digest = hashlib.sha256(decided.encode()).hexdigest()[:16]
    return f"nomination-decisions:{symposium.id}:focal-point-{focal_point.id}:{digest}"
