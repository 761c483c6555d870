"""Focal points' personal nomination links: issuing one per mail, how long each works, and
mailing a new one when a focal point asks the organisers for it.

Every mail to a focal point (the circular, a revised circular, a reminder, a decision, a link
asked for) carries a new link: only a token's hash is kept, so an earlier one cannot be written
into a mail again. So that the links do not pile up as ways in, a link stops working

- ``GRACE`` (7 days) after a newer link of the same focal point was issued: the mail of
  yesterday, or of last week, still works while the newer one is on its way and read;
- at once when ``MAX_LIVE_LINKS`` (3) newer links were issued: a burst of mails (one decision
  after another) leaves at most three live links, however many mails went out;
- when the organisers revoke the focal point's links (``focal_points.revoke_links``).

The newest link works until one of these happens to it. Nothing is stored for the expiry:
whether a link works follows from the links issued after it, so issuing a link is one insert
that locks nothing (distributing the circular issues thousands in one transaction), and a
link that stopped working never works again. A link that no longer works gets the same 404 as
a wrong one, which tells the visitor to use the link of their latest mail or to ask the
organisers, who can send a new one from the focal points page (``send_new_link``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.mails import new_link_mail
from registration.models import FocalPoint, NominationLink
from symposium.models import Symposium, utcnow
from symposium.outbox import queue_mail
from symposium.tokens import new_token, token_hash

GRACE = dt.timedelta(days=7)
MAX_LIVE_LINKS = 3

LinkBuilder = Callable[[str], str]  # token -> absolute nomination URL


def issue_nomination_link(session: Session, focal_point: FocalPoint) -> str:
    """A new personal link token for ``focal_point``; only its hash is stored. The focal
    point's earlier links stop working ``GRACE`` after it, the oldest beyond
    ``MAX_LIVE_LINKS`` at once (see the module docstring)."""
    token, hashed = new_token()
    session.add(NominationLink(focal_point=focal_point, token_hash=hashed))
    session.flush()
    return token


def works(link: NominationLink, newer: Iterable[dt.datetime], now: dt.datetime) -> bool:
    """Whether ``link`` still opens its page, given when the focal point's links issued after
    it were issued (naive UTC, as stored)."""
    newer = list(newer)
    return (
        link.revoked_at is None
        and len(newer) < MAX_LIVE_LINKS
        and all(now - issued < GRACE for issued in newer)
    )


def live_links(
    links: Iterable[NominationLink], now: dt.datetime | None = None
) -> list[NominationLink]:
    """Those of one focal point's ``links`` that still work, newest first."""
    now = now or utcnow()
    ordered = sorted(links, key=lambda link: link.id, reverse=True)
    return [
        link
        for position, link in enumerate(ordered)
        if works(link, (newer.created_at for newer in ordered[:position]), now)
    ]


def focal_point_for_token(
    session: Session, token: str, now: dt.datetime | None = None
) -> FocalPoint | None:
    """The focal point whose link ``token`` is, while the link works; None for any other token
    (unknown, revoked, expired), whichever part of it is wrong."""
    if not token or len(token) > 100:
        return None
    link = session.scalar(
        sa.select(NominationLink).where(NominationLink.token_hash == token_hash(token))
    )
    if link is None:
        return None
    newer = session.scalars(
        sa.select(NominationLink.created_at)
        .where(NominationLink.focal_point_id == link.focal_point_id, NominationLink.id > link.id)
        .order_by(NominationLink.id)
        .limit(MAX_LIVE_LINKS)
    )
    return link.focal_point if works(link, newer, now or utcnow()) else None


def send_new_link(
    session: Session, symposium: Symposium, focal_point: FocalPoint, link: LinkBuilder
) -> int:
    """Mail ``focal_point`` a new nomination link (``link`` makes its URL from the token): for a
    focal point who asked the organisers because their links no longer work or were lost."""
    issued = utcnow()
    text = new_link_mail(
        title=symposium.title,
        focal_point_name=focal_point.name,
        economy=focal_point.economy.name,
        nomination_url=link(issue_nomination_link(session, focal_point)),
        po_name=symposium.po_name,
        po_email=symposium.po_email,
    )
    # Each press of the button is a new mail with a new link, hence a key of its own.
    key = f"nomination-link:{symposium.id}:focal-point-{focal_point.id}:{issued:%Y%m%dT%H%M%S.%f}"
    return queue_mail(session, key, focal_point.email, text.subject, text.body)
