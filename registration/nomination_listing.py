"""What the organisers' nominations page lists: every invited economy with its quota and
nominations (also those of economies no longer invited), and the nominations a form names."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from registration.models import ACTIVE_STATUSES, DEFAULT_QUOTA, Nomination, NominationStatus
from registration.nominations import quotas
from symposium.models import Economy, Symposium


@dataclass
class EconomyNominations:
    economy: Economy
    quota: int
    invited: bool
    nominations: list[Nomination]

    @property
    def active(self) -> int:
        return sum(1 for n in self.nominations if n.status in ACTIVE_STATUSES)

    @property
    def accepted(self) -> int:
        return sum(1 for n in self.nominations if n.status == NominationStatus.ACCEPTED)


def nominations_by_economy(
    session: Session, symposium: Symposium, status: str | None = None
) -> list[EconomyNominations]:
    """Invited economies (even with no nomination) and any other economy that nominated."""
    query = (
        sa.select(Nomination)
        .where(Nomination.symposium_id == symposium.id)
        .options(selectinload(Nomination.economy), selectinload(Nomination.focal_point))
        .order_by(Nomination.created_at, Nomination.id)
    )
    if status:
        query = query.where(Nomination.status == status)
    grouped: dict[int, list[Nomination]] = {}
    economies: dict[int, Economy] = {e.id: e for e in symposium.invited_economies}
    for nomination in session.scalars(query):
        grouped.setdefault(nomination.economy_id, []).append(nomination)
        economies.setdefault(nomination.economy_id, nomination.economy)
    invited = {e.id for e in symposium.invited_economies}
    limits = quotas(session, symposium)
    ordered = sorted(economies.values(), key=lambda e: (e.id not in invited, e.position))
    return [
        EconomyNominations(
            e, limits.get(e.id, DEFAULT_QUOTA), e.id in invited, grouped.get(e.id, [])
        )
        for e in ordered
    ]


def symposium_nominations(
    session: Session, symposium: Symposium, ids: list[int]
) -> list[Nomination]:
    """The nominations with these ids that belong to ``symposium``."""
    if not ids:
        return []
    return list(
        session.scalars(
            sa.select(Nomination)
            .where(Nomination.symposium_id == symposium.id, Nomination.id.in_(ids))
            .order_by(Nomination.economy_id, Nomination.created_at)
        )
    )
