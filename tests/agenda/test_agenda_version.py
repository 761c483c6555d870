"""The agenda kept between requests (under the symposium's agenda version) is never stale: every
change to items, their people or speakers shows at once, in the session that made it and in
another one (another server process), while a change elsewhere keeps the kept copy in use."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from agenda.demo import add_demo_agenda
from agenda.plans import person_ref
from agenda.services import (
    ItemInput,
    add_item,
    agenda_document,
    items_by_day,
    move_item,
    move_item_to_day,
    set_cancelled,
    set_day_start,
    update_item,
)
from agenda.speakers import SpeakerInput, list_speakers, save_speaker
from symposium import db
from symposium.models import Economy, Symposium


def assert_document_says_what_the_items_say(session, symposium_id: int) -> None:
    """The document against the items read as objects, in a fresh transaction."""
    session.rollback()
    session.expire_all()
    symposium = session.get(Symposium, symposium_id)
    document = agenda_document(session, symposium, with_platform_link=False)
    grouped = items_by_day(session, symposium)
    for day, schedule in zip(symposium.days, document.days, strict=True):
        items = grouped[day.id]
        assert schedule.start.time() == day.start_time
        assert [t.item.uid for t in schedule.items] == [
            f"agenda-item-{item.id}@symposium.local" for item in items
        ]
        for timed, item in zip(schedule.items, items, strict=True):
            plan = timed.item
            assert (plan.title, plan.duration, plan.cancelled, plan.sequence) == (
                item.title, item.duration_minutes, item.cancelled, item.sequence
            )  # fmt: skip
            assert plan.speakers == tuple(person_ref(s) for s in item.people_in("speaker"))
            assert plan.moderators == tuple(person_ref(s) for s in item.people_in("moderator"))
    session.rollback()


@contextlib.contextmanager
def agenda_reads(engine):
    """The statements that read agenda items, as they are sent."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "FROM agenda_item" in statement:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def other_session(app):
    """A session of another process, as it were: its own connection and transactions."""
    with db.database(app).sessionmaker() as other:
        yield other


def test_every_change_to_the_agenda_shows_at_once_elsewhere(
    session, other_session, create_symposium_record
):
    symposium = create_symposium_record()
    add_demo_agenda(session, symposium)
    session.commit()
    sid = symposium.id
    day1, day2 = symposium.days
    assert_document_says_what_the_items_say(other_session, sid)  # kept from here on
    versions = [symposium.agenda_version]

    def changed(change) -> None:
        change()
        session.commit()
        versions.append(session.get(Symposium, sid).agenda_version)
        assert versions[-1] != versions[-2], change.__name__
        assert_document_says_what_the_items_say(other_session, sid)
        assert_document_says_what_the_items_say(session, sid)

    def first(day):
        return items_by_day(session, symposium)[day.id][0]

    def retitle():
        keynote = first(day1)
        update_item(session, keynote, ItemInput("keynote", "A new title", 50))

    def cancel():
        set_cancelled(session, first(day2), True)

    def reorder():
        move_item(session, first(day1), +2)

    def move_to_the_other_day():
        move_item_to_day(session, first(day1), day2)

    def add_with_people():
        lan, other = [s for s in list_speakers(session, symposium)][:2]
        data = ItemInput("panel", "Added panel", 45, "", (lan.id,), (other.id,))
        add_item(session, day1, data, first(day1).id)

    def rename_a_speaker():
        item = next(i for i in items_by_day(session, symposium)[day2.id] if i.people)
        speaker = item.people[0].speaker  # named in the agenda
        sequence = item.sequence
        renamed = SpeakerInput("Renamed Speaker", speaker.email, speaker.economy_id)
        save_speaker(session, symposium, renamed, speaker)
        assert item.sequence == sequence + 1  # calendars that hold the old name update

    def take_people_out():
        item = next(i for i in items_by_day(session, symposium)[day1.id] if i.people)
        update_item(session, item, ItemInput(item.kind, item.title, item.duration_minutes))

    def move_the_day_start():
        set_day_start(session, day2, dt.time(7, 30))

    for change in (
        retitle, cancel, reorder, move_to_the_other_day, add_with_people, rename_a_speaker,
        take_people_out, move_the_day_start,
    ):  # fmt: skip
        changed(change)


def test_other_changes_keep_the_kept_agenda_in_use(
    app, session, other_session, create_symposium_record
):
    symposium = create_symposium_record(capacity=10)
    add_demo_agenda(session, symposium)
    session.commit()
    version = symposium.agenda_version
    agenda_document(other_session, symposium, with_platform_link=False)  # read and kept
    symposium.capacity, symposium.title = 20, "A new title"
    session.commit()
    assert session.get(Symposium, symposium.id).agenda_version == version
    other_session.rollback()
    again = other_session.get(Symposium, symposium.id)
    with agenda_reads(db.database(app).engine) as reads:
        document = agenda_document(other_session, again, with_platform_link=False)
    assert reads == []  # the kept plans, not a new read
    assert document.title == "A new title"  # the symposium's own fields are always current
    assert sum(len(day.items) for day in document.days) == 12


def test_an_unsaved_change_shows_in_its_own_session_and_goes_with_a_rollback(
    session, create_symposium_record
):
    symposium = create_symposium_record()
    add_demo_agenda(session, symposium)
    session.commit()
    before = agenda_document(session, symposium, with_platform_link=False)
    keynote = items_by_day(session, symposium)[symposium.days[0].id][1]
    update_item(session, keynote, ItemInput("keynote", "Not saved yet", 50))
    during = agenda_document(session, symposium, with_platform_link=False)
    assert "Not saved yet" in {t.item.title for t in during.days[0].items}
    session.rollback()
    after = agenda_document(session, session.get(Symposium, symposium.id), with_platform_link=False)
    assert after == before


def test_renaming_an_economy_gives_every_symposium_a_new_version(session, create_symposium_record):
    first, second = create_symposium_record(), create_symposium_record(title="Another symposium")
    session.commit()
    versions = {first.agenda_version, second.agenda_version}
    economy = session.scalars(sa.select(Economy).where(Economy.code == "VNM")).one()
    economy.name = "Viet Nam (renamed)"
    session.commit()
    try:
        assert {first.agenda_version, second.agenda_version}.isdisjoint(versions)
    finally:  # the economies are shared by every test
        economy.name = "Viet Nam"
        session.commit()
