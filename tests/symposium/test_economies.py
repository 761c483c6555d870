"""The economies' reference data follows APEC nomenclature."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa

from symposium.economies import ALL_ECONOMIES, APEC_ECONOMIES, sync_economies
from symposium.models import Economy


def test_twenty_one_members_and_one_non_member_entry():
    assert len(APEC_ECONOMIES) == 21
    assert all(e.is_member for e in APEC_ECONOMIES)
    assert ALL_ECONOMIES[-1].name == "Non-member / international organisation"
    assert len({e.code for e in ALL_ECONOMIES}) == len({e.name for e in ALL_ECONOMIES}) == 22


def test_names_follow_apec_nomenclature():
    names = {e.name for e in ALL_ECONOMIES}
    assert {"Chinese Taipei", "Hong Kong, China", "Viet Nam", "Republic of Korea"} <= names
    assert not {"Taiwan", "Hong Kong", "Vietnam", "South Korea"} & names


def test_every_default_time_zone_exists():
    for economy in ALL_ECONOMIES:
        ZoneInfo(economy.timezone)  # raises for an unknown zone


def test_the_database_holds_them_and_a_resync_changes_nothing(session, economies):
    assert economies["Peru"].timezone == "America/Lima"
    assert economies["Viet Nam"].code == "VNM"
    ids = {e.code: e.id for e in session.scalars(sa.select(Economy))}
    assert sync_economies(session) == 0
    assert {e.code: e.id for e in session.scalars(sa.select(Economy))} == ids
