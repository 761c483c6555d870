"""Agenda models: speakers entered by organisers, and the items of each symposium day."""

from __future__ import annotations

import datetime as dt
from itertools import chain

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from symposium.db import Base
from symposium.models import SEXES, Economy, Symposium, SymposiumDay, new_version, utcnow
from symposium.names import name_key

__all__ = ["SEXES", "AgendaItem", "ItemPerson", "Speaker"]


class Speaker(Base):
    """A speaker or moderator of a symposium (entered by hand until registration lands)."""

    __tablename__ = "agenda_speaker"

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    # The name without accents, case or word order (symposium.names), kept on every save.
    name_key: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    economy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("economy.id"))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    sex: Mapped[str] = mapped_column(sa.String(20), default="Prefer not to say")
    # Set when the registration of the same person (by e-mail) was erased: the speaker keeps
    # only sex and economy, and the completion report counts the two records as one person.
    erased_registration_id: Mapped[int | None]

    economy: Mapped[Economy | None] = relationship()


@sa.event.listens_for(Speaker, "before_insert")
@sa.event.listens_for(Speaker, "before_update")
def _keep_name_key(_mapper, _connection, speaker: Speaker) -> None:
    speaker.name_key = name_key(speaker.name)


class AgendaItem(Base):
    """One item of a day: its place in the day's order, its kind, title and duration."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium_day.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    duration_minutes: Mapped[int]
    materials: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    cancelled: Mapped[bool] = mapped_column(default=False)
    # Grows with every change, so calendar programs replace their copy (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    day: Mapped[SymposiumDay] = relationship()
    people: Mapped[list[ItemPerson]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemPerson.position"
    )

    def touch(self) -> None:
        """Mark the item changed for calendar programs: they replace their copy of an event
        only when its SEQUENCE is higher."""
        self.sequence = (self.sequence or 0) + 1
        self.updated_at = utcnow()

    def people_in(self, role: str) -> list[Speaker]:
        return [link.speaker for link in self.people if link.role == role]


class ItemPerson(Base):
    """A speaker or moderator of an item."""

    __tablename__ = "agenda_item_person"

    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True
    )
    speaker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_speaker.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # speaker | moderator
    position: Mapped[int] = mapped_column(default=0)

    item: Mapped[AgendaItem] = relationship(back_populates="people")
    speaker: Mapped[Speaker] = relationship()


# --- the agenda version -------------------------------------------------------------------------


@sa.event.listens_for(Session, "after_flush")
def _new_agenda_version(session: Session, _flush_context) -> None:
    """Give each symposium whose agenda this flush changed a new ``agenda_version``.

    Every write to the agenda goes through the ORM, so this sees them all: an item, its people
    or a speaker added, changed or deleted (and an economy renamed, which changes every
    speaker's economy). In the same transaction as the change, so a copy of the agenda keyed on
    the version can never outlive it; ``updated_at`` is left alone (the set-up did not change).
    """
    changed = list(chain(session.new, session.dirty, session.deleted))
    day_ids = {o.day_id for o in changed if isinstance(o, AgendaItem)}
    item_ids = {o.item_id for o in changed if isinstance(o, ItemPerson)}
    symposium_ids = {o.symposium_id for o in changed if isinstance(o, Speaker)}
    everyone = any(isinstance(o, Economy) for o in changed)
    if not (day_ids or item_ids or symposium_ids or everyone):
        return
    connection = session.connection()
    if item_ids:
        day_ids |= set(
            connection.scalars(sa.select(AgendaItem.day_id).where(AgendaItem.id.in_(item_ids)))
        )
    if day_ids:
        symposium_ids |= set(
            connection.scalars(
                sa.select(SymposiumDay.symposium_id).where(SymposiumDay.id.in_(day_ids))
            )
        )
    symposium_ids.discard(None)
    if not (symposium_ids or everyone):
        return
    version = new_version()
    update = sa.update(Symposium).values(
        agenda_version=version,
        updated_at=Symposium.updated_at,  # not a change of the set-up
    )
    if not everyone:
        update = update.where(Symposium.id.in_(symposium_ids))
    connection.execute(update)
    for symposium in session.identity_map.values():  # the loaded copies know it too
        if isinstance(symposium, Symposium) and (everyone or symposium.id in symposium_ids):
            set_committed_value(symposium, "agenda_version", version)
