"""Fixtures of the agenda tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from agenda.models import AgendaItem, Speaker
from agenda.speakers import SpeakerInput, save_speaker
from symposium.models import Symposium
from tests.registration.conftest import create_registration  # noqa: F401  (a fixture)


@pytest.fixture
def create_speaker(session) -> Callable[..., Speaker]:
    """``create_speaker(symposium, name=…, economy=…, email=…)``: a committed speaker."""

    def factory(symposium: Symposium, name: str = "Nguyễn Thị Lan", **kw) -> Speaker:
        economy = kw.pop("economy", None)
        if economy is not None:
            kw["economy_id"] = economy.id
        speaker = save_speaker(session, symposium, SpeakerInput(name=name, **kw))
        session.commit()
        return speaker

    return factory


def day_items(session, symposium: Symposium, number: int) -> list[AgendaItem]:
    """The items of day ``number`` as stored, in order (fresh from the database)."""
    session.expire_all()
    day = next(d for d in session.get(Symposium, symposium.id).days if d.number == number)
    return list(
        session.scalars(
            sa.select(AgendaItem).where(AgendaItem.day_id == day.id).order_by(AgendaItem.position)
        )
    )
