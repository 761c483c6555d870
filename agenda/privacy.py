"""What erasing a person means for the agenda: a speaker record of the same person keeps only
what the statistics count (sex, economy, their place in the items)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agenda.models import Speaker
from symposium.privacy import on_erasure

ERASED_NAME = "(erased)"  # what the agenda, its downloads and the report show instead
UNDISCLOSED = "Prefer not to say"


@on_erasure
def erase_speaker_records(session: Session, registration: Any) -> None:
    """The symposium's speakers who are the erased registrant lose their name, address and
    organisation (the public agenda shows "(erased)"); each remembers the registration, so the
    completion report still counts the person once, as before the erasure.

    The same person as the report decides it (``reports.stats.speaker_rows``): the same e-mail
    address; or, for a speaker whose address is nobody's registration (or who has none), the
    same economy and name (accents, letter case and word order aside) unless the two give
    different sexes."""
    email = (registration.email or "").lower()
    same_name = sa.and_(
        Speaker.erased_registration_id.is_(None),
        Speaker.economy_id == registration.economy_id,
        Speaker.name_key == registration.name_key,
        sa.literal(bool(registration.name_key)),
    )
    by_address = sa.func.lower(Speaker.email) == email if email else sa.false()
    candidates = session.scalars(
        sa.select(Speaker).where(
            Speaker.symposium_id == registration.symposium_id, sa.or_(by_address, same_name)
        )
    )
    for speaker in candidates:
        if (speaker.email or "").lower() != email and not _same_by_name(
            session, speaker, registration
        ):
            continue
        speaker.name, speaker.email, speaker.organisation = ERASED_NAME, None, None
        speaker.erased_registration_id = registration.id
    session.flush()


def _same_by_name(session: Session, speaker: Speaker, registration: Any) -> bool:
    """A namesake of the same economy is the person unless the two give different sexes, or
    the speaker's address is another registrant's (then that one is)."""
    if len({speaker.sex, registration.sex} - {UNDISCLOSED, None, ""}) > 1:
        return False
    if not speaker.email:
        return True
    registrations = type(registration)  # the agenda does not import registration's models
    other = session.scalar(
        sa.select(registrations.id).where(
            registrations.symposium_id == speaker.symposium_id,
            sa.func.lower(registrations.email) == speaker.email.lower(),
        )
    )
    return other is None
