"""Building an agenda: items, their order, speakers, templates and the day starts.

Every change to a day's items takes ``lock_symposium`` before it reads the day or writes: two
changes at once run one after the other, each on what the other saved. Taken after a write, it
would deadlock on PostgreSQL with a change that holds it and writes the same item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from agenda.checks import Warning, double_bookings, long_days, missing_speakers
from agenda.models import AgendaItem, ItemPerson, Speaker
from agenda.plans import plans_by_day
from agenda.presets import PRESETS
from agenda.schedule import ITEM_KINDS, AgendaDocument, schedule_day
from symposium.links import is_web_link
from symposium.models import Symposium, SymposiumDay
from symposium.services import lock_symposium, skipped_start

MAX_DURATION = 8 * 60
AT_START, AT_END = "start", "end"
# Where a new item goes in its day: at the start, at the end, or directly after the item of
# that id (an id, not a place number: what was third when the page was drawn may not be now).
Place = int | Literal["start", "end"]


class AgendaError(ValueError):
    """A change to the agenda that cannot be made; the message is for the organiser."""


@dataclass
class ItemInput:
    """What an organiser enters for an item."""

    kind: str
    title: str
    duration: int
    description: str = ""
    speaker_ids: tuple[int, ...] = ()
    moderator_ids: tuple[int, ...] = ()
    materials: tuple[str, ...] = ()


def has_items(session: Session, symposium: Symposium) -> bool:
    """Whether the agenda has any item yet (cancelled ones count)."""
    day_ids = [day.id for day in symposium.days]
    return bool(session.scalar(sa.select(sa.exists().where(AgendaItem.day_id.in_(day_ids)))))


def items_by_day(session: Session, symposium: Symposium) -> dict[int, list[AgendaItem]]:
    """Each day's items in order, keyed by day id, with their people loaded (one query); read
    again if loaded before (after ``lock_symposium``, what others committed meanwhile counts)."""
    day_ids = [day.id for day in symposium.days]
    items = session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.day_id.in_(day_ids))
        .options(selectinload(AgendaItem.people).selectinload(ItemPerson.speaker))
        .order_by(AgendaItem.day_id, AgendaItem.position, AgendaItem.id)
        .execution_options(populate_existing=True)
    )
    grouped: dict[int, list[AgendaItem]] = {day_id: [] for day_id in day_ids}
    for item in items:
        grouped[item.day_id].append(item)
    return grouped


# The same day scheduled for every registrant's calendar and every page until it changes.
_scheduled = lru_cache(maxsize=256)(schedule_day)


def agenda_document(
    session: Session, symposium: Symposium, *, with_platform_link: bool
) -> AgendaDocument:
    """The symposium's timed agenda as plain data for pages and exports.

    The join link is left out of what anyone may download; registered people get it.
    """
    grouped = plans_by_day(session, symposium)
    days = tuple(
        _scheduled(day.number, day.date, day.start_time, symposium.host_timezone, grouped[day.id])
        for day in symposium.days
    )
    return AgendaDocument(
        title=symposium.title,
        project_number=symposium.project_number,
        host_timezone=symposium.host_timezone,
        platform_name=symposium.platform_name,
        platform_url=symposium.platform_url if with_platform_link else None,
        days=days,
    )


def agenda_warnings(
    session: Session, symposium: Symposium, document: AgendaDocument
) -> list[Warning]:
    """Everything worth a second look: long days, missing speakers, people booked twice."""
    warnings = long_days(document.days, symposium.daily_max_minutes)
    warnings += missing_speakers(document.days)
    ours = [(symposium.title, t) for day in document.days for t in day.items]
    people = {p.key for _, t in ours for p in (*t.item.speakers, *t.item.moderators)}
    others = []
    emails = {key for key in people if "@" in key}
    if emails:
        # Other symposia where the same people (by e-mail) speak.
        other_ids = session.scalars(
            sa.select(Speaker.symposium_id)
            .where(sa.func.lower(Speaker.email).in_(emails), Speaker.symposium_id != symposium.id)
            .distinct()
        )
        for other in session.scalars(sa.select(Symposium).where(Symposium.id.in_(other_ids))):
            other_document = agenda_document(session, other, with_platform_link=False)
            others += [(other.title, t) for day in other_document.days for t in day.items]
    # Our items come first, so a clash that involves one of them is reported on ours.
    our_uids = {t.item.uid for _, t in ours}
    warnings += [w for w in double_bookings(ours + others) if w.item_uid in our_uids]
    return warnings


def _symposium_speakers(session: Session, symposium_id: int, ids: tuple[int, ...]) -> list[Speaker]:
    if not ids:
        return []
    found = {
        s.id: s
        for s in session.scalars(
            sa.select(Speaker).where(Speaker.id.in_(ids), Speaker.symposium_id == symposium_id)
        )
    }
    if len(found) != len(set(ids)):
        raise AgendaError("One of the chosen speakers is not a speaker of this symposium.")
    return [found[i] for i in dict.fromkeys(ids)]


def _check(data: ItemInput) -> None:
    if data.kind not in ITEM_KINDS:
        raise AgendaError(f"Unknown kind of item: {data.kind!r}.")
    if not data.title.strip():
        raise AgendaError("Give the item a title.")
    if not 1 <= data.duration <= MAX_DURATION:
        raise AgendaError(f"The duration must be between 1 and {MAX_DURATION} minutes.")
    for link in data.materials:
        if not is_web_link(link):
            raise AgendaError(f"“{link}” is not a web address starting with https://.")


def _set_content(session: Session, item: AgendaItem, symposium_id: int, data: ItemInput) -> None:
    _check(data)
    speakers = _symposium_speakers(session, symposium_id, data.speaker_ids)
    moderators = _symposium_speakers(session, symposium_id, data.moderator_ids)
    item.kind, item.title, item.duration_minutes = data.kind, data.title.strip(), data.duration
    item.description = data.description.strip()
    item.materials = list(data.materials)
    item.people = [
        ItemPerson(speaker=person, role=role, position=index)
        for role, people in (("speaker", speakers), ("moderator", moderators))
        for index, person in enumerate(people)
    ]


def add_item(
    session: Session, day: SymposiumDay, data: ItemInput, place: Place = AT_END
) -> AgendaItem:
    """Insert an item in the day at ``place``; times follow.

    The place is found in the day as read once the lock is held, so the item goes directly
    after the one named, wherever colleagues moved or added items meanwhile: several inserted
    after the same item at once each go directly after it, so the last one saved is nearest
    to it. Raises AgendaError when the item named is no longer in the day."""
    lock_symposium(session, day.symposium_id)  # two items added at once get places of their own
    items = items_by_day(session, day.symposium)[day.id]
    index = _index_of_place(items, place, day)
    item = AgendaItem(day=day, position=index)
    _set_content(session, item, day.symposium_id, data)
    items.insert(index, item)
    session.add(item)
    _renumber(items, moved=True)
    session.flush()
    return item


def _index_of_place(items: list[AgendaItem], place: Place, day: SymposiumDay) -> int:
    if place == AT_START:
        return 0
    if place == AT_END:
        return len(items)
    for index, other in enumerate(items):
        if other.id == place:
            return index + 1
    raise AgendaError(
        f"The item to insert after is no longer on day {day.number} (perhaps another organiser "
        "moved it meanwhile), so nothing was added: choose the place again."
    )


def update_item(session: Session, item: AgendaItem, data: ItemInput) -> None:
    """Change an item; calendar programs see a higher SEQUENCE and replace their copy, as
    for every later item of the day whose times a new duration moves."""
    lock_symposium(session, item.day.symposium_id)  # first: see the module's docstring
    day_items = items_by_day(session, item.day.symposium)[item.day_id]
    before = _times(day_items)
    _set_content(session, item, item.day.symposium_id, data)
    item.touch()
    _touch_moved(day_items, before, item)
    session.flush()


def set_cancelled(session: Session, item: AgendaItem, cancelled: bool) -> None:
    """Cancel an item (it stays in the calendar feeds as cancelled, and the items after it
    move up into its time) or bring it back."""
    lock_symposium(session, item.day.symposium_id)  # first: see the module's docstring
    day_items = items_by_day(session, item.day.symposium)[item.day_id]
    before = _times(day_items)
    item.cancelled = cancelled
    item.touch()
    _touch_moved(day_items, before, item)
    session.flush()


def _times(items: list[AgendaItem]) -> dict[int, tuple[int, int]]:
    """Each item's start and end in minutes from its day's start (a cancelled item takes no
    time: the next one starts where it starts)."""
    cursor, times = 0, {}
    for item in items:
        times[item.id] = (cursor, cursor + item.duration_minutes)
        cursor += 0 if item.cancelled else item.duration_minutes
    return times


def _touch_moved(items: list[AgendaItem], before: dict, changed: AgendaItem) -> None:
    """A higher SEQUENCE for every other item whose times moved since ``before``."""
    after = _times(items)
    for other in items:
        if other is not changed and after[other.id] != before.get(other.id):
            other.touch()


def move_item(session: Session, item: AgendaItem, offset: int, shown_at: int | None = None) -> None:
    """Move an item ``offset`` places within its day (−1 up, +1 down); the times follow.

    ``shown_at`` is the item's place in its day on the page the arrow was pressed on: when it
    is somewhere else now (the arrow sent twice, or someone changed the day since the page was
    drawn), nothing moves and AgendaError says so. Without it, the item moves from where it is.
    """
    lock_symposium(session, item.day.symposium_id)  # two moves at once: one after the other
    items = items_by_day(session, item.day.symposium)[item.day_id]
    index = items.index(item)
    if shown_at is not None and shown_at != index:
        raise AgendaError(
            f"“{item.title}” is no longer where your page showed it: the agenda changed since "
            "the page was drawn (perhaps another organiser changed it, or the arrow was sent "
            "twice), so nothing moved. This is the agenda as it is now."
        )
    target = min(max(index + offset, 0), len(items) - 1)
    if target == index:
        return
    items.insert(target, items.pop(index))
    _renumber(items, moved=True)
    session.flush()


def move_item_to_day(session: Session, item: AgendaItem, day: SymposiumDay) -> None:
    """Move an item to the end of another day of the same symposium."""
    if day.symposium_id != item.day.symposium_id:
        raise AgendaError("An item can only move to a day of its own symposium.")
    lock_symposium(session, day.symposium_id)  # two items moved there at once: two places
    grouped = items_by_day(session, day.symposium)
    if day.id == item.day_id:  # as read after the lock: someone may have moved it meanwhile
        return
    left_behind = [other for other in grouped[item.day_id] if other is not item]
    item.day = day
    item.position = len(grouped[day.id])
    item.touch()
    _renumber(left_behind, moved=True)
    session.flush()


def _renumber(items: list[AgendaItem], moved: bool = False) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            if moved and item.id is not None:
                item.touch()  # its times changed


def apply_preset(session: Session, symposium: Symposium, name: str) -> int:
    """Fill an empty agenda from a template; returns the number of items added."""
    preset = PRESETS.get(name)
    if preset is None:
        raise AgendaError("Unknown template.")
    if len(preset.days) > len(symposium.days):
        raise AgendaError(
            f"“{preset.label}” needs {len(preset.days)} days; this symposium has "
            f"{len(symposium.days)}."
        )
    lock_symposium(session, symposium.id)  # a template pressed twice at once is added once
    if has_items(session, symposium):
        raise AgendaError("The agenda already has items; a template only fills an empty one.")
    count = 0
    for day, preset_items in zip(symposium.days, preset.days, strict=False):
        for position, entry in enumerate(preset_items):
            session.add(
                AgendaItem(
                    day=day,
                    position=position,
                    kind=entry.kind,
                    title=entry.title,
                    duration_minutes=entry.duration,
                    description="",
                    materials=[],
                )
            )
            count += 1
    session.flush()
    return count


def set_day_start(session: Session, day: SymposiumDay, start: dt.time) -> None:
    """Move a day's start; every item of the day moves with it."""
    if skipped := skipped_start(day.date, start, day.symposium.host_timezone):
        raise AgendaError(f"Day {day.number}: {skipped}")
    lock_symposium(session, day.symposium_id)  # first: see the module's docstring
    day.start_time = start
    for item in items_by_day(session, day.symposium)[day.id]:
        item.touch()
    session.flush()
