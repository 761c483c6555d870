"""Whom the survey asks and how: the audience (confirmed participants who attended), the
personal invitations and reminders, the links' tokens, and the response rate.

A personal link's token is an HMAC of the invitation's survey and registration under the app's
secret key, stored only as its hash like every other token: a reminder can then carry the
same link as the first mail, so neither mail stops working.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from registration.agenda_speakers import maybe_on_the_agenda
from registration.attendance_models import DayAttendance
from registration.models import ParticipantRole, Registration, RegistrationStatus
from surveys.models import Survey, SurveyInvitation
from surveys.services import SurveyError, SurveyState, host_today, survey_state
from symposium.models import OutboxMessage, utcnow
from symposium.outbox import queue_mail
from symposium.privacy import on_erasure
from symposium.tokens import token_hash

LinkBuilder = Callable[[str], str]  # token -> absolute URL of the respondent's page


@dataclass(frozen=True)
class ResponseRate:
    invited: int
    answered: int

    @property
    def percent(self) -> int | None:
        """Answered as a whole percentage of invited (None before anyone is invited)."""
        return round(100 * self.answered / self.invited) if self.invited else None


def _audience(survey: Survey) -> sa.Select:
    """Registrations the survey is for: confirmed participants (its outcome figures are the
    participants', as every figure of the completion report; speakers and organisers are not
    asked, nor an agenda speaker who registered as everyone does), not erased and (unless
    every registrant is invited) present on at least one day; consent to evaluation contact
    is not checked here."""
    query = sa.select(Registration).where(
        Registration.symposium_id == survey.symposium_id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.role == ParticipantRole.PARTICIPANT,
        sa.not_(maybe_on_the_agenda(survey.symposium_id)),  # a speaker who registered
        Registration.erased_at.is_(None),
        Registration.email.is_not(None),
    )
    if not survey.invite_all_registrants:
        attended = sa.select(DayAttendance.registration_id).where(DayAttendance.attended)
        query = query.where(Registration.id.in_(attended))
    return query


def _not_invited(survey: Survey) -> sa.Select:
    invited = sa.select(SurveyInvitation.registration_id).where(
        SurveyInvitation.survey_id == survey.id
    )
    return _audience(survey).where(Registration.id.not_in(invited))


def declined_count(session: Session, survey: Survey) -> int:
    """People of the audience who declined evaluation contact when registering (not invited)."""
    query = _audience(survey).where(Registration.consent_evaluation.is_(False))
    return session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def uninvited_count(session: Session, survey: Survey) -> int:
    """People the survey is for who may be invited but have no invitation yet."""
    query = _not_invited(survey).where(Registration.consent_evaluation.is_(True))
    return session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def counted_invitations(survey_id: int) -> sa.Select:
    """The invitations a response rate counts: those who answered, and those still confirmed
    (a registration cancelled before answering is no longer asked, nor counted)."""
    return (
        sa.select(SurveyInvitation.id, SurveyInvitation.completed_at)
        .join(Registration, Registration.id == SurveyInvitation.registration_id)
        .where(
            SurveyInvitation.survey_id == survey_id,
            sa.or_(
                SurveyInvitation.completed_at.is_not(None),
                Registration.status == RegistrationStatus.CONFIRMED,
            ),
        )
    )


def response_rate(session: Session, survey: Survey) -> ResponseRate:
    """How many were invited and how many of them have answered."""
    counted = counted_invitations(survey.id).subquery()
    invited, answered = session.execute(
        sa.select(sa.func.count(counted.c.id), sa.func.count(counted.c.completed_at))
    ).one()
    return ResponseRate(invited, answered)


def personal_token(survey_id: int, registration_id: int, secret: str | bytes) -> str:
    """The token of a person's survey link (see the module docstring)."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"survey-invitation:{survey_id}:{registration_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _secret(secret: str | bytes | None) -> str | bytes:
    return secret if secret is not None else current_app.config["SECRET_KEY"]


def open_survey(
    session: Session,
    survey: Survey,
    link: LinkBuilder,
    *,
    secret: str | bytes | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Open the survey: mail a personal link to everyone it is for who agreed to evaluation
    contact and has none yet. Pressed again later, it invites only newcomers (e.g. after
    another day's attendance was imported). Returns the number invited."""
    today = host_today(survey, now)
    if survey.closes_on and today > survey.closes_on:
        raise SurveyError(f"The survey closed on {survey.closes_on:%-d %B %Y}; move that date.")
    if survey.opens_on and today < survey.opens_on:
        raise SurveyError(
            f"The survey opens on {survey.opens_on:%-d %B %Y}: invitations can go out from "
            "that day, or set the opening date to today."
        )
    if not any(section.questions for section in survey.sections):
        raise SurveyError("The survey has no questions yet.")
    # Serialises two organisers pressing the button at once: the second waits, then finds
    # everybody invited (the first write also takes SQLite's lock, see registration.nominations).
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    session.execute(
        sa.update(Survey)
        .where(Survey.id == survey.id)
        .values(opened_at=sa.func.coalesce(Survey.opened_at, stamp))
        .execution_options(synchronize_session=False)
    )
    session.refresh(survey)
    survey.opens_on = survey.opens_on or today
    key = _secret(secret)
    people = session.scalars(
        _not_invited(survey)
        .where(Registration.consent_evaluation.is_(True))
        .order_by(Registration.id)
    ).all()
    for registration in people:
        token = personal_token(survey.id, registration.id, key)
        session.add(
            SurveyInvitation(
                survey_id=survey.id, registration_id=registration.id, token_hash=token_hash(token)
            )
        )
        subject, body = survey_mail(survey, registration, link(token))
        queue_mail(session, f"survey-invitation:{survey.id}:registration-{registration.id}",
                   registration.email, subject, body)  # fmt: skip
    session.flush()
    return len(people)


def send_reminders(
    session: Session,
    survey: Survey,
    link: LinkBuilder,
    *,
    secret: str | bytes | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Remind the invited who have not answered, at most once per person and (host) day, with
    the same personal link. Returns the number of reminders queued."""
    if survey_state(survey, now) != SurveyState.OPEN:
        raise SurveyError("Reminders can go out only while the survey is open.")
    today = host_today(survey, now)
    key = _secret(secret)
    pending = session.scalars(
        sa.select(SurveyInvitation)
        .join(Registration, Registration.id == SurveyInvitation.registration_id)
        .where(
            SurveyInvitation.survey_id == survey.id,
            SurveyInvitation.completed_at.is_(None),
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.erased_at.is_(None),
            Registration.email.is_not(None),
            Registration.consent_evaluation.is_(True),
        )
        .order_by(SurveyInvitation.id)
    ).all()
    sent = 0
    for invitation in pending:
        registration = invitation.registration
        mail_key = f"survey-reminder:{survey.id}:registration-{registration.id}:{today}"
        if session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key == mail_key)
        ):
            continue
        token = personal_token(survey.id, registration.id, key)
        # Only a changed secret key makes these differ; the new link then replaces the old.
        invitation.token_hash = token_hash(token)
        invitation.reminded_at = utcnow()
        subject, body = survey_mail(survey, registration, link(token), reminder=True)
        queue_mail(session, mail_key, registration.email, subject, body)
        sent += 1
    session.flush()
    return sent


def survey_mail(
    survey: Survey, registration: Registration, url: str, *, reminder: bool = False
) -> tuple[str, str]:
    """Subject and body of the invitation (or the reminder) with the personal link."""
    symposium = survey.symposium
    keeping = (
        "Your answers are stored without your name or any link to you."
        if survey.anonymous
        else "Your answers are used only for the evaluation of the project."
    )
    opening = (
        f"A few days ago we asked for your views on {symposium.title}, and we have not yet "
        "received your answers. It is not too late!"
        if reminder
        else f"Thank you for taking part in {symposium.title}. Please tell us what you "
        "thought in a short evaluation (about five minutes)."
    )
    lines = [
        f"Dear {registration.full_name},",
        "",
        opening,
        "",
        "Your personal link (please do not forward it):",
        url,
        "",
        "You can save your answers and finish later with the same link. " + keeping,
    ]
    if survey.closes_on:
        lines.append(f"The survey is open until {survey.closes_on:%-d %B %Y}.")
    lines += ["", f"With kind regards,\n{symposium.po_name}\n{symposium.po_email}"]
    subject = ("Reminder: " if reminder else "") + f"Your evaluation of {symposium.title}"
    return subject, "\n".join(lines) + "\n"


def invitation_for_token(session: Session, token: str) -> SurveyInvitation | None:
    """The invitation a survey link belongs to, or None: its person erased, or no longer
    confirmed (cancelled by themselves or the organisers) before answering."""
    if not token or len(token) > 100:
        return None
    return session.scalar(
        sa.select(SurveyInvitation)
        .join(Registration, Registration.id == SurveyInvitation.registration_id)
        .where(
            SurveyInvitation.token_hash == token_hash(token),
            Registration.erased_at.is_(None),
            sa.or_(
                SurveyInvitation.completed_at.is_not(None),
                Registration.status == RegistrationStatus.CONFIRMED,
            ),
        )
    )


@on_erasure
def forget_survey_drafts(session: Session, registration: Registration) -> None:
    """An erased person's half-typed answers go with them (submitted answers stay anonymous)."""
    session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.registration_id == registration.id)
        .values(draft=None),
        execution_options={"synchronize_session": "fetch"},
    )


def forget_drafts_once_closed(session: Session, survey: Survey) -> None:
    """Half-typed answers can no longer be sent once the survey has closed: they are forgotten
    then, so none stay tied to a person's link (in an anonymous survey above all). Run when
    the survey's pages are read (its overview, a personal link)."""
    if survey_state(survey) == SurveyState.CLOSED:
        session.execute(
            sa.update(SurveyInvitation)
            .where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.draft.is_not(None))
            .values(draft=sa.null()),  # SQL NULL: a JSON null would match the next time
            execution_options={"synchronize_session": "fetch"},
        )
