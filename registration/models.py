"""Models of the circular and of nominations: GIC versions, focal points, their links,
quotas per economy, nominations and the invitations to register that accepting one creates."""

from __future__ import annotations

import datetime as dt
import enum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.db import Base
from symposium.models import Economy, OutboxMessage, Symposium, User, utcnow
from symposium.names import name_key, plain_letters

ORGANISATION_TYPES = (
    "Government",
    "Private sector",
    "Academia",
    "Civil society",
    "International organisation",
)
INTENDED_ROLES = ("Participant", "Speaker")
DEFAULT_QUOTA = 2


class CircularVersion(Base):
    """One version of a symposium's General Information Circular (GIC).

    The organiser writes the text sections; the app fills in the rest from the symposium. A
    version that has been distributed is frozen: ``document`` keeps what was sent, and editing
    starts the next version.
    """

    __tablename__ = "circular_version"
    __table_args__ = (sa.UniqueConstraint("symposium_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    # Organiser-written Markdown, sanitised when shown.
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    target_participants: Mapped[str] = mapped_column(sa.Text, default="")
    nomination_procedure: Mapped[str] = mapped_column(sa.Text, default="")
    registration_instructions: Mapped[str] = mapped_column(sa.Text, default="")
    privacy_notice: Mapped[str] = mapped_column(sa.Text, default="")
    # What changed since the previous version, in one line (sent with a revised GIC).
    change_summary: Mapped[str | None] = mapped_column(sa.String(300))
    # The filled-in circular as sent (a JSON form of registration.circular.CircularDocument).
    document: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    distributed_at: Mapped[dt.datetime | None]

    symposium: Mapped[Symposium] = relationship()

    @property
    def is_revision(self) -> bool:
        return self.number > 1


class FocalPoint(Base):
    """The contact of an economy who receives the GIC and nominates its delegates."""

    __tablename__ = "focal_point"
    __table_args__ = (sa.UniqueConstraint("symposium_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), index=True
    )
    economy_id: Mapped[int] = mapped_column(sa.ForeignKey("economy.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))  # stored lower-case
    role: Mapped[str] = mapped_column(sa.String(200), default="")  # forum / role
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    economy: Mapped[Economy] = relationship()
    symposium: Mapped[Symposium] = relationship()
    links: Mapped[list[NominationLink]] = relationship(
        back_populates="focal_point", cascade="all, delete-orphan"
    )


class NominationLink(Base):
    """A focal point's personal nomination link; only the token's hash is kept. Whether it
    still works follows from the links issued after it (registration/nomination_links.py)."""

    __tablename__ = "nomination_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    focal_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("focal_point.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    # The organiser who sent it with "Send a new link" (None for one a circular, reminder or
    # decision carried), to say who when the button is pressed again on an older page.
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    focal_point: Mapped[FocalPoint] = relationship(back_populates="links")
    issued_by: Mapped[User | None] = relationship()


class CircularDelivery(Base):
    """The mail that took a version of the GIC to a focal point (for the progress page)."""

    __tablename__ = "circular_delivery"
    __table_args__ = (sa.UniqueConstraint("version_id", "focal_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("circular_version.id", ondelete="CASCADE"), index=True
    )
    focal_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("focal_point.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_message.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    version: Mapped[CircularVersion] = relationship()
    focal_point: Mapped[FocalPoint] = relationship()
    message: Mapped[OutboxMessage] = relationship()


class NominationQuota(Base):
    """How many delegates an economy may nominate; also the row nominations lock.

    Every nomination change of an economy first updates ``changes`` on this row, so two focal
    points submitting at the same moment are served one after the other and the quota holds.
    """

    __tablename__ = "nomination_quota"

    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), primary_key=True
    )
    economy_id: Mapped[int] = mapped_column(sa.ForeignKey("economy.id"), primary_key=True)
    quota: Mapped[int] = mapped_column(default=DEFAULT_QUOTA)
    changes: Mapped[int] = mapped_column(default=0)


class NominationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# Nominations that take a place in the economy's quota.
ACTIVE_STATUSES = (NominationStatus.PENDING, NominationStatus.ACCEPTED, NominationStatus.WAITLISTED)


class Nomination(Base):
    """A delegate nominated by an economy's focal point."""

    __tablename__ = "nomination"

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), index=True
    )
    economy_id: Mapped[int] = mapped_column(sa.ForeignKey("economy.id"), index=True)
    focal_point_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("focal_point.id", ondelete="SET NULL"), index=True
    )
    given_name: Mapped[str] = mapped_column(sa.String(100))
    family_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))  # stored lower-case
    sex: Mapped[str] = mapped_column(sa.String(20))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    organisation_type: Mapped[str] = mapped_column(sa.String(40))
    job_title: Mapped[str] = mapped_column(sa.String(200))
    youth: Mapped[bool] = mapped_column(default=False)
    intended_role: Mapped[str] = mapped_column(sa.String(20), default="Participant")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(
        sa.String(16), default=NominationStatus.PENDING.value, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    symposium: Mapped[Symposium] = relationship()
    economy: Mapped[Economy] = relationship()
    focal_point: Mapped[FocalPoint | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    invitation: Mapped[RegistrationInvitation | None] = relationship(
        back_populates="nomination", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def written_name(given: str, family: str, family_first: bool = False) -> str:
    """A name as the person writes it: given name first unless they asked otherwise."""
    parts = (family, given) if family_first else (given, family)
    return " ".join(part.strip() for part in parts if part and part.strip())


class RegistrationInvitation(Base):
    """The personal registration link an accepted nominee receives (hash only)."""

    __tablename__ = "registration_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        sa.ForeignKey("nomination.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    nomination: Mapped[Nomination] = relationship(back_populates="invitation")


# --- registration ----------------------------------------------------------------------------


class RegistrationMode(enum.StrEnum):
    INVITATION = "invitation"  # only through an accepted nomination's personal link
    OPEN = "open"  # a public form anyone can fill in
    BOTH = "both"


class RegistrationSettings(Base):
    """How a symposium registers people; also the row registrations lock for capacity.

    Every registration that may take a place first updates ``changes`` on this row, so
    simultaneous registrants are counted one after the other and capacity holds. The row also
    keeps how many places are taken, so that they need not be counted.
    """

    __tablename__ = "registration_settings"

    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(sa.String(16), default=RegistrationMode.BOTH.value)
    # Registrations wait for an organiser's approval before they take a place.
    moderated: Mapped[bool] = mapped_column(default=False)
    # Minutes present on a day (merged across rejoins) for a person to count as attending it.
    attendance_threshold_minutes: Mapped[int] = mapped_column(default=30)
    privacy_notice: Mapped[str] = mapped_column(sa.Text, default="")
    # Grows with every change of the notice; each registration records the one it accepted.
    privacy_notice_version: Mapped[int] = mapped_column(default=1)
    changes: Mapped[int] = mapped_column(default=0)
    # Confirmed registrations, kept by the database's triggers on ``registration`` (migration
    # 0015) whoever changes them: read, never written, by the application.
    places_taken: Mapped[int] = mapped_column(server_default=sa.text("0"))


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"  # on the waiting list, in order of registration
    PENDING = "pending"  # waiting for an organiser's approval (moderated symposia)
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class ParticipantRole(enum.StrEnum):
    PARTICIPANT = "participant"
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    ORGANISER = "organiser"


class Registration(Base):
    """A person registered for a symposium. Erasing one blanks the personal fields and keeps
    economy, sex, youth, organisation type, role, status and attendance for the statistics."""

    __tablename__ = "registration"
    # Its index starts with symposium_id: it serves every search by symposium (and the
    # cascade from one), so the column has no index of its own to keep up on each insert.
    __table_args__ = (sa.UniqueConstraint("symposium_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(sa.ForeignKey("symposium.id", ondelete="CASCADE"))
    nomination_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("nomination.id", ondelete="SET NULL"), unique=True
    )
    given_name: Mapped[str] = mapped_column(sa.String(100))
    family_name: Mapped[str] = mapped_column(sa.String(100))
    # Written family name first (Nguyễn Thị Lan, 王芳), as the registrant asked.
    family_name_first: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The name without accents, case or word order (symposium.names), kept on every save.
    name_key: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))  # lower-case; None once erased
    economy_id: Mapped[int] = mapped_column(sa.ForeignKey("economy.id"), index=True)
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_type: Mapped[str] = mapped_column(sa.String(40), default="")
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    sex: Mapped[str] = mapped_column(sa.String(20))
    youth: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(sa.String(16), default=ParticipantRole.PARTICIPANT.value)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str | None] = mapped_column(sa.String(100))
    accessibility_needs: Mapped[str] = mapped_column(sa.Text, default="")
    privacy_notice_version: Mapped[int]
    consent_evaluation: Mapped[bool] = mapped_column(default=False)
    manage_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[dt.datetime | None]
    erased_at: Mapped[dt.datetime | None]
    erased_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    symposium: Mapped[Symposium] = relationship()
    economy: Mapped[Economy] = relationship()
    nomination: Mapped[Nomination | None] = relationship()

    @property
    def full_name(self) -> str:
        name = written_name(self.given_name, self.family_name, self.family_name_first)
        return name or "(erased)"

    @property
    def name_order(self) -> tuple[str, str, int]:
        """Where the person goes in a list by name: family name, then given name, accents and
        letter case aside (Chávez between Chang and Cheung, not after Cheung)."""
        return (plain_letters(self.family_name), plain_letters(self.given_name), self.id)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@sa.event.listens_for(Registration, "before_insert")
@sa.event.listens_for(Registration, "before_update")
def _keep_name_key(_mapper, _connection, registration: Registration) -> None:
    registration.name_key = name_key(registration.given_name, registration.family_name)
