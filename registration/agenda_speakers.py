"""Registrations that may be a speaker or moderator of the agenda: everyone registers as a
participant on the open form, speakers included. The completion report decides who is the same
person (``reports.stats.speaker_rows``, which also ignores accents and word order); the survey,
which asks participants only, leaves out the registrations this finds."""

from __future__ import annotations

import sqlalchemy as sa

from agenda.models import AgendaItem, ItemPerson, Speaker
from registration.models import Registration
from symposium.models import SymposiumDay


def agenda_speakers_query(symposium_id: int) -> sa.Select:
    """Speakers and moderators of the agenda's items that are not cancelled."""
    return (
        sa.select(
            Speaker.id.label("speaker_id"),
            Speaker.name,
            Speaker.name_key,
            Speaker.email,
            ItemPerson.role,
            Speaker.sex,
            Speaker.economy_id,
            Speaker.erased_registration_id,
        )
        .join(ItemPerson, ItemPerson.speaker_id == Speaker.id)
        .join(AgendaItem, AgendaItem.id == ItemPerson.item_id)
        .join(SymposiumDay, SymposiumDay.id == AgendaItem.day_id)
        .where(SymposiumDay.symposium_id == symposium_id, AgendaItem.cancelled.is_(False))
        .distinct()
    )


def maybe_on_the_agenda(symposium_id: int) -> sa.ColumnElement[bool]:
    """A registration with an agenda speaker's e-mail, erased and remembered by one, or of the
    same economy with the same name (accents, letter case and word order aside: the stored
    ``name_key`` of both, see ``symposium.names``)."""
    on_agenda = agenda_speakers_query(symposium_id).subquery()
    # Row-value IN, not a correlated EXISTS: PostgreSQL runs it as one hashed lookup instead
    # of a scan of the agenda for each of (in a large report) 100,000 registrations.
    named = sa.tuple_(Registration.economy_id, Registration.name_key).in_(
        sa.select(on_agenda.c.economy_id, on_agenda.c.name_key).where(on_agenda.c.name_key != "")
    )
    return sa.or_(
        sa.func.lower(Registration.email).in_(
            sa.select(sa.func.lower(on_agenda.c.email)).where(on_agenda.c.email.is_not(None))
        ),
        Registration.id.in_(
            sa.select(on_agenda.c.erased_registration_id).where(
                on_agenda.c.erased_registration_id.is_not(None)
            )
        ),
        named,
    )
