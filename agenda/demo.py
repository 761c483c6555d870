"""The agenda of the demo symposium: the 2-day template, with its speakers in place."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agenda.presets import TWO_DAY_APEC
from agenda.services import ItemInput, apply_preset, items_by_day, update_item
from agenda.speakers import SpeakerInput, save_speaker
from symposium.models import Economy, Symposium

# Invented people, as the proposal names none; economies from the project's co-sponsors.
DEMO_SPEAKERS = (
    ("Carolina Méndez Rojas", "Peru", "Ministry of Production", "Female"),
    ("Nguyễn Thị Lan", "Viet Nam", "E-commerce and Digital Economy Agency", "Female"),
    ("Daniel Fuentes", "Chile", "Chilean Chamber of Commerce", "Male"),
    ("Mei-Ling Chen", "Chinese Taipei", "Small and Medium Enterprise Administration", "Female"),
    ("Rodrigo Salazar", "Mexico", "Ministry of Economy", "Male"),
)


def add_demo_agenda(session: Session, symposium: Symposium) -> None:
    """Fill the demo symposium's agenda from the 2-day template and name its speakers."""
    economies = {e.name: e.id for e in session.scalars(sa.select(Economy))}
    speakers = [
        save_speaker(
            session,
            symposium,
            SpeakerInput(name, None, economies[economy], organisation, sex),
        )
        for name, economy, organisation, sex in DEMO_SPEAKERS
    ]
    apply_preset(session, symposium, TWO_DAY_APEC.name)
    day1, day2 = (items_by_day(session, symposium)[day.id] for day in symposium.days[:2])
    # Keynotes and panels get speakers; the panels a moderator too.
    assignments = {
        day1[1].id: ([speakers[3]], []),
        day1[2].id: ([speakers[1], speakers[2], speakers[4]], [speakers[0]]),
        day1[4].id: ([speakers[1]], []),
        day1[5].id: ([speakers[0], speakers[3]], [speakers[2]]),
        day2[1].id: ([speakers[0]], []),
        day2[2].id: ([speakers[4]], []),
        day2[3].id: ([speakers[1], speakers[2], speakers[3]], [speakers[0]]),
    }
    for item in day1 + day2:
        if item.id in assignments:
            talkers, moderators = assignments[item.id]
            update_item(
                session,
                item,
                ItemInput(
                    item.kind,
                    item.title,
                    item.duration_minutes,
                    speaker_ids=tuple(s.id for s in talkers),
                    moderator_ids=tuple(s.id for s in moderators),
                ),
            )
