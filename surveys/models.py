"""Survey models: the questionnaire (sections and questions, with a log of wording fixes), the
personal invitations, and the responses with their answers.

In anonymous mode a response has no link to its invitation: the invitation only records that
its person has answered (so reminders skip them) and holds a draft until it is submitted.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registration.models import Registration
from symposium.db import Base
from symposium.models import Economy, Symposium, utcnow


class QuestionKind(enum.StrEnum):
    SCALE = "scale"  # 1–5 with labelled ends
    YES_NO = "yes_no"
    SINGLE = "single"  # one of the options
    MULTIPLE = "multiple"  # any of the options
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"


class Outcome(enum.StrEnum):
    """The questions the completion report finds by their role, whatever their wording."""

    KNOWLEDGE_BEFORE = "knowledge_before"
    KNOWLEDGE_AFTER = "knowledge_after"
    COLLABORATION = "collaboration"


class Survey(Base):
    """A symposium's post-event evaluation."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    symposium_id: Mapped[int] = mapped_column(
        sa.ForeignKey("symposium.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    introduction: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    # Responses carry no link to the person; sex and economy are asked in the form instead.
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Invite every confirmed registrant, not only those who attended a day.
    invite_all_registrants: Mapped[bool] = mapped_column(default=False)
    opens_on: Mapped[dt.date | None]
    closes_on: Mapped[dt.date | None]  # last day answers are taken (host time zone)
    opened_at: Mapped[dt.datetime | None]  # when the invitations went out
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    symposium: Mapped[Symposium] = relationship()
    sections: Mapped[list[SurveySection]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveySection.position"
    )


class SurveySection(Base):
    __tablename__ = "survey_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))

    survey: Mapped[Survey] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="Question.position"
    )


class Question(Base):
    """One question; ``outcome`` marks the report's questions whatever their wording."""

    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_section.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.String(500))
    help: Mapped[str] = mapped_column(sa.String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # single / multiple
    low_label: Mapped[str] = mapped_column(sa.String(100), default="")  # scale: 1 means…
    high_label: Mapped[str] = mapped_column(sa.String(100), default="")  # scale: 5 means…
    outcome: Mapped[str | None] = mapped_column(sa.String(32))

    section: Mapped[SurveySection] = relationship(back_populates="questions")


class QuestionChange(Base):
    """A wording fix made after responses arrived (the type and the question stay)."""

    __tablename__ = "survey_question_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_question.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    old_text: Mapped[str] = mapped_column(sa.Text)
    new_text: Mapped[str] = mapped_column(sa.Text)


class SurveyInvitation(Base):
    """A registrant's personal survey link (hash only), and whether they have answered."""

    __tablename__ = "survey_invitation"
    __table_args__ = (sa.UniqueConstraint("survey_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    # Answers saved to finish later ({question_id: value}); cleared on submission.
    draft: Mapped[dict | None] = mapped_column(sa.JSON)

    survey: Mapped[Survey] = relationship()
    registration: Mapped[Registration] = relationship()


class SurveyResponse(Base):
    """A submitted response. ``invitation_id`` is None in anonymous mode."""

    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_invitation.id", ondelete="SET NULL"), unique=True
    )
    # From the registration (named mode) or asked in the form (anonymous mode).
    sex: Mapped[str | None] = mapped_column(sa.String(20))
    economy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("economy.id"))
    # Day only in anonymous mode, so the time cannot single anybody out.
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    economy: Mapped[Economy | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Base):
    """One answer: ``number`` for a scale (1–5) or yes/no (1/0), ``text`` for a text or a
    single choice, ``choices`` for a multiple choice."""

    __tablename__ = "survey_answer"
    __table_args__ = (sa.UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_question.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
    choices: Mapped[list[str] | None] = mapped_column(sa.JSON)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
