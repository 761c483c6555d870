"""The symposium's speakers and moderators, whom agenda items name (``agenda.services``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from agenda.models import ItemPerson, Speaker
from agenda.services import AgendaError
from symposium.models import Symposium
from symposium.names import name_key
from symposium.services import lock_symposium


@dataclass
class SpeakerInput:
    name: str
    email: str | None = None
    economy_id: int | None = None
    organisation: str | None = None
    sex: str = "Prefer not to say"


def save_speaker(
    session: Session, symposium: Symposium, data: SpeakerInput, speaker: Speaker | None = None
) -> Speaker:
    """Add a speaker to the symposium, or change one; e-mails are unique per symposium, and a
    speaker without one is refused when one of the same name and economy, without an e-mail
    address either, is listed (the same form sent twice, most likely)."""
    email = data.email.strip().lower() if data.email else None
    lock_symposium(session, symposium.id)  # the same speaker sent twice at once is added once
    others = sa.select(Speaker).where(Speaker.symposium_id == symposium.id).limit(1)
    if speaker is not None:
        others = others.where(Speaker.id != speaker.id)
    if email:
        if session.scalar(others.where(sa.func.lower(Speaker.email) == email)) is not None:
            raise AgendaError(f"A speaker with the e-mail address {email} is already listed.")
    elif same := session.scalar(_same_person_without_email(others, data)):
        where = f" ({same.economy.name})" if same.economy else ""
        raise AgendaError(
            f"{same.name}{where} is already listed without an e-mail address. If this is "
            "another person, give their e-mail address; to change the listed one, edit it."
        )
    if speaker is None:
        speaker = Speaker(symposium_id=symposium.id)
        session.add(speaker)
    named = (data.name.strip(), (data.organisation or "").strip() or None, data.economy_id)
    if speaker.id is not None and (speaker.name, speaker.organisation, speaker.economy_id) != named:
        # Their items' calendar events name them: a higher SEQUENCE, so calendars update.
        links = sa.select(ItemPerson).where(ItemPerson.speaker_id == speaker.id)
        for link in session.scalars(links):
            link.item.touch()
    speaker.name = data.name.strip()
    speaker.email = email
    speaker.economy_id = data.economy_id
    speaker.organisation = (data.organisation or "").strip() or None
    speaker.sex = data.sex
    session.flush()
    return speaker


def _same_person_without_email(others: sa.Select, data: SpeakerInput) -> sa.Select:
    return others.where(
        Speaker.email.is_(None),
        Speaker.name_key == name_key(data.name),
        Speaker.economy_id.is_not_distinct_from(data.economy_id),
    )


def list_speakers(session: Session, symposium: Symposium) -> list[Speaker]:
    return list(
        session.scalars(
            sa.select(Speaker)
            .where(Speaker.symposium_id == symposium.id)
            .options(selectinload(Speaker.economy))
            .order_by(Speaker.name)
        )
    )


def delete_speaker(session: Session, speaker: Speaker) -> None:
    """Remove a speaker who is in no item (take them out of the items first)."""
    in_items = session.scalar(
        sa.select(sa.func.count())
        .select_from(ItemPerson)
        .where(ItemPerson.speaker_id == speaker.id)
    )
    if in_items:
        raise AgendaError(
            f"{speaker.name} is in {in_items} item(s) of the agenda; take them out first."
        )
    session.delete(speaker)
    session.flush()
