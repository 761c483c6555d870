"""What the agenda does when a symposium's set-up changes: days about to be removed keep
their items until the organiser moves them, and moved days move their items in every
subscribed calendar."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agenda.models import AgendaItem
from symposium.models import Symposium, SymposiumDay
from symposium.services import guard_days, on_setup_change


@guard_days
def items_on_days(session: Session, days: list[SymposiumDay]) -> list[str]:
    """What a set-up with fewer days would take of the agenda: the removed days' items."""
    count = session.scalar(
        sa.select(sa.func.count(AgendaItem.id)).where(AgendaItem.day_id.in_([d.id for d in days]))
    )
    return [f"{count} agenda item{'s' if count != 1 else ''}"] if count else []


@on_setup_change
def move_items_with_their_days(session: Session, symposium: Symposium, changed: frozenset[str]):
    """A day's new date or start, or a new host time zone (the same clock times, other
    instants), moves its items: each gets a higher SEQUENCE, as when the builder moves a day's
    start, so calendar programs replace the old times. So does a new join link (it is in each
    event of the registrants' calendars, which a re-import would not otherwise update)."""
    if not changed & {"days", "host_timezone", "platform_url", "platform_name"}:
        return
    day_ids = [day.id for day in symposium.days]
    for item in session.scalars(sa.select(AgendaItem).where(AgendaItem.day_id.in_(day_ids))):
        item.touch()
    session.flush()
