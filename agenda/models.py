"""Agenda models: speakers entered by organisers, and the items of each symposium day."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.db import Base
from symposium.models import SEXES, Economy, SymposiumDay, utcnow

__all__ = ["SEXES", "AgendaItem", "ItemPerson", "Speaker"]


class Speaker(Base):
    """A speaker or moderator of a symposium (entered by hand until registration lands)."""

    __tablename__ = "agenda_speaker"

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    economy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("economy.id"))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    sex: Mapped[str] = mapped_column(sa.String(20), default="Prefer not to say")

    economy: Mapped[Economy | None] = relationship()


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
