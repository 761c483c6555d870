"""Core models: reference economies, organiser accounts and the symposium itself."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.db import Base

# How sex is recorded for every participant and speaker (undisclosed is kept, never dropped).
SEXES = ("Female", "Male", "Other", "Prefer not to say")


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC (stored as naive UTC, the portable form)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_version() -> str:
    """A fresh random version stamp (random, not counted: two writers never make the same)."""
    return secrets.token_hex(8)


class Economy(Base):
    """An APEC member economy, or the one "non-member / international organisation" entry."""

    __tablename__ = "economy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(3), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    is_member: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Economy {self.code} {self.name}>"


class Role(enum.StrEnum):
    ORGANISER = "organiser"
    VIEWER = "viewer"


class User(UserMixin, Base):
    """An organiser or viewer account (participants and focal points have no account)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.ORGANISER.value)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_organiser(self) -> bool:
        return self.role == Role.ORGANISER


class LoginFailure(Base):
    """A failed login, kept for rate limiting (shared by every worker through the database)."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


symposium_economy = sa.Table(
    "symposium_economy",
    Base.metadata,
    sa.Column("symposium_id", sa.ForeignKey("symposium.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("economy_id", sa.ForeignKey("economy.id"), primary_key=True),
)


class Symposium(Base):
    """One virtual symposium: its set-up, its days and the targets of its proposal."""

    __tablename__ = "symposium"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    project_number: Mapped[str] = mapped_column(sa.String(40))
    forum: Mapped[str] = mapped_column(sa.String(200))
    po_name: Mapped[str] = mapped_column(sa.String(200))
    po_email: Mapped[str] = mapped_column(sa.String(254))
    host_timezone: Mapped[str] = mapped_column(sa.String(64))
    platform_name: Mapped[str] = mapped_column(sa.String(100), default="Zoom")
    platform_url: Mapped[str | None] = mapped_column(sa.String(500))
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    interpretation: Mapped[str | None] = mapped_column(sa.String(300))
    nomination_deadline: Mapped[dt.date | None]
    registration_deadline: Mapped[dt.date | None]
    capacity: Mapped[int | None]
    # The longest a day should run (the 3-day proposal: "about 3 hours a day").
    daily_max_minutes: Mapped[int | None] = mapped_column(default=180)

    target_women_participants_pct: Mapped[int | None]
    target_women_speakers_pct: Mapped[int | None]
    target_attendees: Mapped[int | None]
    # APEC member economies with at least one attendee (the proposals' "number of economies
    # participating").
    target_economies: Mapped[int | None]
    target_knowledge_pct: Mapped[int | None] = mapped_column(default=60)
    target_collaboration_pct: Mapped[int | None] = mapped_column(default=60)
    target_women_or_youth_pct: Mapped[int | None]

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # A new random value whenever an agenda item, its people or a speaker changes (the agenda
    # package sets it): what a copy of the agenda kept between requests is checked against.
    agenda_version: Mapped[str] = mapped_column(sa.String(32), default=new_version)

    days: Mapped[list[SymposiumDay]] = relationship(
        back_populates="symposium",
        order_by="SymposiumDay.number",
        cascade="all, delete-orphan",
    )
    invited_economies: Mapped[list[Economy]] = relationship(
        secondary=symposium_economy, order_by=Economy.position
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.host_timezone)

    @property
    def first_day(self) -> dt.date | None:
        return self.days[0].date if self.days else None

    @property
    def last_day(self) -> dt.date | None:
        return self.days[-1].date if self.days else None

    def __repr__(self) -> str:
        return f"<Symposium {self.id} {self.project_number}>"


class SymposiumDay(Base):
    """A day of the symposium: its date and its start, both in the host time zone."""

    __tablename__ = "symposium_day"
    __table_args__ = (sa.UniqueConstraint("symposium_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(sa.ForeignKey("symposium.id", ondelete="CASCADE"))
    number: Mapped[int]
    date: Mapped[dt.date]
    start_time: Mapped[dt.time] = mapped_column(default=dt.time(9, 0))

    symposium: Mapped[Symposium] = relationship(back_populates="days")

    @property
    def starts_at(self) -> dt.datetime:
        """The day's start as an aware datetime in the host time zone."""
        return dt.datetime.combine(self.date, self.start_time, tzinfo=self.symposium.zone)


class SupersededDate(Base):
    """A date a symposium's set-up had and was changed from: a day's date or a deadline.

    Texts written against the old set-up (the circular's prose) keep saying it; the set-up
    alone cannot tell what they were written against, so the old values are kept here.
    """

    __tablename__ = "superseded_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), index=True
    )
    # "days" (with the day's number), "nomination_deadline" or "registration_deadline".
    field: Mapped[str] = mapped_column(sa.String(40))
    day_number: Mapped[int | None]
    old_date: Mapped[dt.date]
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# How a mail withdrawn before it went out says so (it is then failed, and is not queued again).
WITHDRAWN_BEFORE_SENDING = "withdrawn before sending"


class OutboxMessage(Base):
    """A mail to send, written in the same transaction as the change that causes it.

    ``idempotency_key`` names the purpose and the recipient (e.g. ``gic:3:v2:focal-17``): queuing
    the same key twice yields one message, so one person never gets the same mail twice.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The mails in a status in the order workers claim them (and the listing by status).
        sa.Index("ix_outbox_message_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    # [{"filename": …, "content_type": "application/pdf", "data": base64}, …]
    attachments: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default=MailStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def withdrawn(self) -> bool:
        """Whether the mail was withdrawn before it went out (see ``outbox.withdraw_queued``)."""
        return self.status == MailStatus.FAILED and (self.last_error or "").startswith(
            WITHDRAWN_BEFORE_SENDING
        )
