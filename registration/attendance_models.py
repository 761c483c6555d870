"""Attendance models: the imported videoconference reports, manual check-ins, and each
registrant's presence per day computed from them."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models import Registration
from symposium.db import Base
from symposium.models import SymposiumDay, utcnow


class AttendanceImport(Base):
    """The videoconference report imported for one day; importing again replaces it."""

    __tablename__ = "attendance_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), index=True
    )
    day_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium_day.id", ondelete="CASCADE"), unique=True
    )
    source: Mapped[str] = mapped_column(sa.String(16))  # zoom | teams
    filename: Mapped[str] = mapped_column(sa.String(255))
    timezone: Mapped[str] = mapped_column(sa.String(64))  # the zone the file's times were read in
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    rows: Mapped[list[AttendanceRow]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="AttendanceRow.line"
    )


class MatchStatus(enum.StrEnum):
    MATCHED = "matched"  # by e-mail or an unambiguous name
    ASSIGNED = "assigned"  # by an organiser on the review screen
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"
    IGNORED = "ignored"


class AttendanceRow(Base):
    """One join of one person as the report lists it (times in UTC)."""

    __tablename__ = "attendance_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attendance_import.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(300), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    joined_at: Mapped[dt.datetime]
    left_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    # Registration ids a name matched equally well (for the review screen).
    candidates: Mapped[list[int]] = mapped_column(sa.JSON, default=list)

    report: Mapped[AttendanceImport] = relationship(back_populates="rows")
    registration: Mapped[Registration | None] = relationship()


class ManualCheck(Base):
    """A check-in (and perhaps check-out) recorded by an organiser, when a report cannot help."""

    __tablename__ = "manual_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("symposium_day.id", ondelete="CASCADE"))
    checked_in_at: Mapped[dt.datetime]
    checked_out_at: Mapped[dt.datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    registration: Mapped[Registration] = relationship()
    day: Mapped[SymposiumDay] = relationship()


class DayAttendance(Base):
    """Each registrant's presence on each day, recomputed whenever its sources change."""

    __tablename__ = "day_attendance"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    day_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium_day.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    minutes: Mapped[int] = mapped_column(default=0)  # merged, overlaps counted once
    checked_in: Mapped[bool] = mapped_column(default=False)
    attended: Mapped[bool] = mapped_column(default=False)
