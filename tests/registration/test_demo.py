"""The demo's circular, nominations, registrations and attendance, as `flask demo` loads them."""

from __future__ import annotations

import sqlalchemy as sa

from agenda.models import AgendaItem
from registration.attendance_models import AttendanceImport, AttendanceRow, DayAttendance
from registration.circular_services import changed_since_sent
from registration.models import (
    CircularDelivery,
    CircularVersion,
    FocalPoint,
    Nomination,
    Registration,
)
from symposium.models import Economy, Symposium


def test_demo_has_the_whole_circulate_nominate_register_attend_story(runner, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    symposium = session.scalars(sa.select(Symposium)).one()
    invited = {e.name for e in symposium.invited_economies}

    with_focal_point = set(
        session.scalars(
            sa.select(Economy.name).join(FocalPoint, FocalPoint.economy_id == Economy.id)
        )
    )
    assert with_focal_point == invited  # every co-sponsor can nominate
    (version,) = session.scalars(sa.select(CircularVersion)).all()
    assert version.distributed_at is not None and version.document["sections"]["objectives"]
    assert changed_since_sent(session, version) == []  # it says what the set-up says
    deliveries = session.scalar(sa.select(sa.func.count(CircularDelivery.id)))
    assert deliveries == session.scalar(sa.select(sa.func.count(FocalPoint.id)))

    statuses = session.scalars(sa.select(Nomination.status)).all()
    assert {"accepted", "pending"} <= set(statuses)

    people = session.scalars(sa.select(Registration)).all()
    assert 110 <= len(people) <= 130
    sexes = [p.sex for p in people]
    assert 0.45 < sexes.count("Female") / len(sexes) < 0.7
    assert sexes.count("Other") + sexes.count("Prefer not to say") > 0
    assert {p.economy.name for p in people} == invited
    assert sum(p.role == "speaker" for p in people) >= 5
    assert any(p.nomination_id for p in people)

    assert session.scalar(sa.select(sa.func.count(AttendanceImport.id))) == len(symposium.days)
    row_statuses = session.scalars(sa.select(AttendanceRow.status)).all()
    assert "unmatched" in row_statuses and row_statuses.count("matched") > 100
    attended = session.scalars(sa.select(DayAttendance).where(DayAttendance.attended)).all()
    assert len({a.registration_id for a in attended}) > 60
    # Nobody attends longer than the day's meeting ran (early joiners: a few minutes more).
    for day in symposium.days:
        items = session.scalars(sa.select(AgendaItem).where(AgendaItem.day_id == day.id))
        length = sum(item.duration_minutes for item in items if not item.cancelled)
        longest = session.scalar(
            sa.select(sa.func.max(DayAttendance.minutes)).where(DayAttendance.day_id == day.id)
        )
        assert length - 30 < longest <= length + 10
    # Someone who dropped and rejoined appears on several rows but once per day.
    per_person_day = session.execute(
        sa.select(AttendanceRow.registration_id, AttendanceRow.import_id, sa.func.count())
        .where(AttendanceRow.registration_id.is_not(None))
        .group_by(AttendanceRow.registration_id, AttendanceRow.import_id)
        .having(sa.func.count() > 1)
    ).all()
    assert per_person_day
