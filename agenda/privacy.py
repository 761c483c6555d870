"""What erasing a person means for the agenda: a speaker with their e-mail address keeps only
what the statistics count (sex, economy, their place in the items)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agenda.models import Speaker
from symposium.privacy import on_erasure

ERASED_NAME = "(erased)"  # what the agenda, its downloads and the report show instead


@on_erasure
def erase_speaker_records(session: Session, registration: Any) -> None:
    """The symposium's speakers with the erased registrant's e-mail address lose their name,
    address and organisation (the public agenda shows "(erased)"); each remembers the
    registration, so the completion report still counts the person once."""
    if not registration.email:
        return
    speakers = session.scalars(
        sa.select(Speaker).where(
            Speaker.symposium_id == registration.symposium_id,
            sa.func.lower(Speaker.email) == registration.email.lower(),
        )
    )
    for speaker in speakers:
        speaker.name, speaker.email, speaker.organisation = ERASED_NAME, None, None
        speaker.erased_registration_id = registration.id
    session.flush()
