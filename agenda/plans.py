"""The agenda read as plain plans (each day's items as ``ItemPlan``), kept between requests
under the symposium's ``agenda_version``: what its pages, feeds and mails show is read once per
change of the agenda (``agenda.services`` times it)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from agenda.models import AgendaItem, ItemPerson, Speaker
from agenda.schedule import ItemPlan, PersonRef
from symposium.models import Economy, Symposium


def person_ref(speaker: Speaker) -> PersonRef:
    economy = speaker.economy.name if speaker.economy else None
    return _person(speaker.id, speaker.name, speaker.email, economy, speaker.organisation)


def _person(
    speaker_id: int, name: str, email: str | None, economy: str | None, organisation: str | None
) -> PersonRef:
    # The e-mail identifies one person across symposia; without it, the record does.
    key = email.lower() if email else f"speaker-{speaker_id}"
    return PersonRef(name, economy, organisation, key)


PlansByDay = dict[int, tuple[ItemPlan, ...]]
_PLANS_KEPT = 64  # agendas kept by each process; a registration needs its symposium's
_plans: OrderedDict[tuple, PlansByDay] = OrderedDict()
_plans_lock = threading.Lock()


def plans_by_day(session: Session, symposium: Symposium) -> PlansByDay:
    """Each day's items as plans, in order, keyed by day id.

    Kept between requests under the symposium's ``agenda_version``, which every change to its
    items, their people or its speakers replaces in the same transaction (``agenda.models``):
    a registration, the public page and the calendar feed do not read the agenda again until
    it changes. Pending changes are flushed first, so they count.
    """
    session.flush()
    day_ids = tuple(day.id for day in symposium.days)
    # The site's host after the @ of each UID, so that two installations (a demo and
    # production, two fora) never give two events one UID, which calendar programs merge.
    base_url = current_app.config.get("BASE_URL") if has_app_context() else None
    uid_domain = urlsplit(base_url).hostname if base_url else "symposium.local"
    key = (
        session.get_bind().engine,  # itself: its URL is slow to hash
        symposium.id,
        symposium.agenda_version,
        day_ids,
        uid_domain,
    )
    with _plans_lock:
        if (kept := _plans.get(key)) is not None:
            _plans.move_to_end(key)
            return kept
    plans = _read_plans(session, day_ids, uid_domain)
    with _plans_lock:
        _plans[key] = plans
        while len(_plans) > _PLANS_KEPT:
            _plans.popitem(last=False)
    return plans


def _read_plans(session: Session, day_ids: tuple[int, ...], uid_domain: str) -> PlansByDay:
    """The plans of these days, read as plain rows (two queries), which costs a fraction of
    loading the items and their people as objects."""
    items = session.execute(
        sa.select(
            AgendaItem.id, AgendaItem.day_id, AgendaItem.kind, AgendaItem.title,
            AgendaItem.duration_minutes, AgendaItem.description, AgendaItem.materials,
            AgendaItem.cancelled, AgendaItem.sequence, AgendaItem.updated_at,
        )
        .where(AgendaItem.day_id.in_(day_ids))
        .order_by(AgendaItem.day_id, AgendaItem.position, AgendaItem.id)
    ).all()  # fmt: skip
    people: dict[tuple[int, str], list[PersonRef]] = {}
    for item_id, role, *person in session.execute(
        sa.select(
            ItemPerson.item_id, ItemPerson.role, Speaker.id, Speaker.name, Speaker.email,
            Economy.name, Speaker.organisation,
        )
        .join(Speaker, Speaker.id == ItemPerson.speaker_id)
        .outerjoin(Economy, Economy.id == Speaker.economy_id)
        .where(ItemPerson.item_id.in_([item.id for item in items]))
        .order_by(ItemPerson.item_id, ItemPerson.position)
    ):  # fmt: skip
        people.setdefault((item_id, role), []).append(_person(*person))
    grouped: dict[int, list[ItemPlan]] = {day_id: [] for day_id in day_ids}
    for item in items:
        grouped[item.day_id].append(
            ItemPlan(
                uid=f"agenda-item-{item.id}@{uid_domain}",
                kind=item.kind,
                title=item.title,
                duration=item.duration_minutes,
                description=item.description,
                speakers=tuple(people.get((item.id, "speaker"), ())),
                moderators=tuple(people.get((item.id, "moderator"), ())),
                materials=tuple(item.materials or ()),
                cancelled=item.cancelled,
                sequence=item.sequence,
                last_modified=item.updated_at.replace(tzinfo=dt.UTC),
            )
        )
    return {day_id: tuple(plans) for day_id, plans in grouped.items()}
