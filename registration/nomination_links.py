"""Focal points' personal nomination links: issuing one per mail, how long each works, and
mailing a new one when a focal point asks the organisers for it.

Every mail to a focal point (the circular, a revised circular, a reminder, a decision, a link
asked for) carries a new link: only a token's hash is kept, so an earlier one cannot be written
into a mail again. So that the links do not pile up as ways in, a link stops working

- ``GRACE`` (7 days) after a newer link of the same focal point was issued: the mail of
  yesterday, or of last week, still works while the newer one is on its way and read;
- at once when ``MAX_LIVE_LINKS`` (3) newer links were issued: a burst of mails (one decision
  after another) leaves at most three live links, however many mails went out;
- when the organisers revoke the focal point's links (``focal_points.revoke_links``);
- ``AFTER_THE_EVENT`` (30 days) after the symposium's last day, every link of it: the pages
  show the nominees' names and addresses, and a month is time enough to look up who was
  nominated for a report. Organisers cannot send a link that would not work.

The newest link works until one of these happens to it. Nothing is stored for the expiry:
whether a link works follows from the links issued after it, so issuing a link is one insert
that locks nothing (distributing the circular issues thousands in one transaction), and a
link that stopped working never works again. A link that no longer works gets the same 404 as
a wrong one, which tells the visitor to use the link of their latest mail or to ask the
organisers, who can send a new one from the focal points page (``send_new_link``: once per
press on what the page showed, however often or by however many the button is pressed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registration.mails import new_link_mail
from registration.models import FocalPoint, NominationLink
from symposium.formatting import utc_moment
from symposium.models import Symposium, User, utcnow
from symposium.outbox import queue_mail
from symposium.services import lock_symposium
from symposium.tokens import new_token, token_hash

GRACE = dt.timedelta(days=7)
AFTER_THE_EVENT = dt.timedelta(days=30)
MAX_LIVE_LINKS = 3

LinkBuilder = Callable[[str], str]  # token -> absolute nomination URL


class LinkNotSent(Exception):
    """A new link not sent; the message says why."""


class LinkSentMeanwhile(LinkNotSent):
    """A new link not sent: the focal point got one after the organiser's page was drawn."""


def links_end(symposium: Symposium) -> dt.datetime | None:
    """When every nomination link of ``symposium`` stops working (naive UTC, as stored):
    ``AFTER_THE_EVENT`` after its last day ends in the host time zone; None without days."""
    if symposium.last_day is None:
        return None
    midnight = dt.datetime.combine(symposium.last_day + dt.timedelta(days=1), dt.time())
    ends = midnight.replace(tzinfo=symposium.zone) + AFTER_THE_EVENT
    return ends.astimezone(dt.UTC).replace(tzinfo=None)


def issue_nomination_link(
    session: Session, focal_point: FocalPoint, issued_by: User | None = None
) -> str:
    """A new personal link token for ``focal_point``; only its hash is stored. The focal
    point's earlier links stop working ``GRACE`` after it, the oldest beyond
    ``MAX_LIVE_LINKS`` at once (see the module docstring)."""
    token, hashed = new_token()
    issued_by_id = issued_by.id if issued_by is not None else None
    session.add(
        NominationLink(focal_point=focal_point, token_hash=hashed, issued_by_id=issued_by_id)
    )
    session.flush()
    return token


def works(
    link: NominationLink,
    newer: Iterable[dt.datetime],
    now: dt.datetime,
    ends: dt.datetime | None = None,
) -> bool:
    """Whether ``link`` still opens its page, given when the focal point's links issued after
    it were issued and when the symposium's links end (``links_end``; naive UTC, as stored)."""
    newer = list(newer)
    return (
        link.revoked_at is None
        and (ends is None or now < ends)
        and len(newer) < MAX_LIVE_LINKS
        and all(now - issued < GRACE for issued in newer)
    )


def live_links(
    links: Iterable[NominationLink], symposium: Symposium, now: dt.datetime | None = None
) -> list[NominationLink]:
    """Those of one focal point's ``links`` (of ``symposium``) that still work, newest first."""
    now = now or utcnow()
    ends = links_end(symposium)
    ordered = sorted(links, key=lambda link: link.id, reverse=True)
    return [
        link
        for position, link in enumerate(ordered)
        if works(link, (newer.created_at for newer in ordered[:position]), now, ends)
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
    ends = links_end(link.focal_point.symposium)
    return link.focal_point if works(link, newer, now or utcnow(), ends) else None


def newest_link_id(links: Iterable[NominationLink]) -> int:
    """The id of the newest of a focal point's ``links`` (0 when none): what the focal points
    page shows, so that ``send_new_link`` can tell whether one was issued since."""
    return max((link.id for link in links), default=0)


def send_new_link(
    session: Session,
    symposium: Symposium,
    focal_point: FocalPoint,
    link: LinkBuilder,
    *,
    shown_newest: int | None = None,
    sender: User | None = None,
) -> int:
    """Mail ``focal_point`` a new nomination link (``link`` makes its URL from the token): for a
    focal point who asked the organisers because their links no longer work or were lost.

    ``shown_newest`` is ``newest_link_id`` as the organiser's page showed it. When a link was
    issued since (the button pressed twice, by two organisers at once, or on a page older than
    the last mail), nothing is sent and LinkSentMeanwhile says when and by whom: one press, one
    mail. The check runs under the symposium's lock, so of two presses at once the second
    waits and finds the first's link. Sent without it (an older page), the link goes anyway.
    """
    ends = links_end(symposium)
    if ends is not None and utcnow() >= ends:
        raise LinkNotSent(
            f"Nomination links of {symposium.title} stopped working {AFTER_THE_EVENT.days} "
            f"days after its last day ({symposium.last_day:%-d %B %Y}): a new one would not "
            f"open either, so none was sent to {focal_point.email}."
        )
    lock_symposium(session, symposium.id)
    # Deleting a focal point does not take the symposium's lock: its row is held here until
    # the commit (on PostgreSQL; SQLite's write lock holds everything), so a deletion either
    # came first and is seen now, or waits.
    still_there = session.scalar(
        sa.select(FocalPoint.id)
        .where(FocalPoint.id == focal_point.id)
        .with_for_update(read=True, key_share=True)
    )
    if still_there is None:
        raise LinkNotSent(
            f"{focal_point.name} ({focal_point.email}) was removed from the focal points "
            "meanwhile, so no link was sent. Add them again to send one."
        )
    newest = session.scalar(
        sa.select(NominationLink)
        .where(NominationLink.focal_point_id == focal_point.id)
        .order_by(NominationLink.id.desc())
        .limit(1)
    )
    if shown_newest is not None and newest is not None and newest.id != shown_newest:
        raise LinkSentMeanwhile(_sent_meanwhile(newest, focal_point, sender))
    issued = utcnow()
    text = new_link_mail(
        title=symposium.title,
        focal_point_name=focal_point.name,
        economy=focal_point.economy.name,
        nomination_url=link(issue_nomination_link(session, focal_point, sender)),
        po_name=symposium.po_name,
        po_email=symposium.po_email,
    )
    # Each press of the button is a new mail with a new link, hence a key of its own.
    key = f"nomination-link:{symposium.id}:focal-point-{focal_point.id}:{issued:%Y%m%dT%H%M%S.%f}"
    return queue_mail(session, key, focal_point.email, text.subject, text.body)


def _sent_meanwhile(newest: NominationLink, focal_point: FocalPoint, sender: User | None) -> str:
    """What to tell an organiser whose press was refused because ``newest`` was issued after
    their page was drawn: when, and by whom if it was sent from the focal points page."""
    sent = f"a new nomination link to {focal_point.email} {utc_moment(newest.created_at)}"
    if newest.issued_by_id is None:
        what = f"A mail (the circular, a reminder or a decision) took {sent}"
    elif sender is not None and newest.issued_by_id == sender.id:
        what = f"You sent {sent} (the button was pressed twice, or in another window)"
    else:
        who = newest.issued_by.email if newest.issued_by else "Another organiser"
        what = f"{who} sent {sent}"
    return (
        f"{what}, after your page was drawn, so no other was sent. This is the list as it is "
        "now: send one again only if they need yet another."
    )
