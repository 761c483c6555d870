"""The shared symposium's seed data: hostile text, formula cells and a second symposium."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from agenda.demo import add_demo_agenda
from agenda.models import Speaker
from agenda.services import ItemInput, items_by_day, update_item
from agenda.speakers import SpeakerInput, save_speaker
from registration.attendance import check_in
from registration.attendance_models import AttendanceImport, AttendanceRow
from registration.circular_services import (
    circular_texts_defaults,
    latest_version,
    save_circular,
    texts_of,
)
from registration.confirmations import queue_confirmation
from registration.distribution import distribute_circular, queue_invitation_mail
from registration.focal_points import FocalPointInput, add_focal_point
from registration.models import FocalPoint, Registration
from registration.nomination_links import issue_nomination_link
from registration.nominations import NomineeInput, decide, nominate
from registration.registrations import RegistrantInput, register
from surveys.models import QuestionKind, SurveyInvitation
from surveys.responses import field_name, submit_response, validate_answers
from surveys.services import questions_of, survey_for
from symposium.links import external_url
from symposium.models import Economy, Symposium
from symposium.services import (
    DayPlan,
    SymposiumSetup,
    create_symposium,
    setup_of,
    update_symposium,
)

# --- hostile text ------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_LINK = "javascript:alert(1)"
MARKUP = f"{SCRIPT} {IMG} {JS_LINK}"


def hostile(label: str) -> str:
    """``label`` followed by markup that would run if a page, mail or PDF did not escape it."""
    return f"{label} {MARKUP}"


# Cells a spreadsheet program would take for a formula (or DDE) if written as they are.
FORMULA_CELLS = ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1")

# The services strip surrounding white space, so a leading tab or carriage return only reaches
# the database another way (an import, a future field); the exports must not depend on that.
UNSTRIPPED = {"organisation": "\t=1", "job_title": "\r=1"}


def add_hostile_texts(session: sa.orm.Session, symposium: Symposium) -> dict[str, str]:
    """Hostile text in every field organisers, focal points and participants type."""
    texts: dict[str, str] = {}
    # Commas, semicolons and backslashes are special in iCalendar text.
    texts["symposium title"] = hostile("Symposium; a, b\\")
    update_symposium(
        session, symposium, dataclasses.replace(setup_of(symposium), title=texts["symposium title"])
    )
    speaker = session.scalars(
        sa.select(Speaker).where(Speaker.symposium_id == symposium.id).order_by(Speaker.id)
    ).first()
    texts["speaker name"] = hostile("Speaker")
    save_speaker(
        session,
        symposium,
        SpeakerInput(
            texts["speaker name"], speaker.email, speaker.economy_id, speaker.organisation,
            speaker.sex,
        ),
        speaker,
    )  # fmt: skip
    item = next(
        item
        for items in items_by_day(session, symposium).values()
        for item in items
        if speaker in item.people_in("speaker")
    )
    texts["item title"] = hostile("Item; x, y")
    # A line that would start a new calendar property if the iCalendar writer did not escape it.
    texts["item description"] = hostile("Description") + "\nDTSTART:19700101T000000Z"
    update_item(
        session,
        item,
        ItemInput(
            item.kind,
            texts["item title"],
            item.duration_minutes,
            texts["item description"],
            tuple(s.id for s in item.people_in("speaker")),
            tuple(s.id for s in item.people_in("moderator")),
        ),
    )
    _add_hostile_circular(session, symposium, texts)
    _add_hostile_people(session, symposium, texts)
    return texts


def _add_hostile_circular(session, symposium: Symposium, texts: dict[str, str]) -> None:
    peru = _economy(session, "Peru")
    texts["focal point name"] = hostile("Focal")
    add_focal_point(
        session,
        symposium,
        FocalPointInput(texts["focal point name"], "hostile.focal@example.pe", peru.id, ""),
    )
    sections = texts_of(latest_version(session, symposium))
    texts["GIC objectives"] = hostile("Objectives")
    # Links to scripts, in the ways Markdown and HTML let one write them.
    texts["GIC link"] = (
        f"[Read this]({JS_LINK}) and <a href='{JS_LINK}'>that</a>, [a](JaVaScRiPt:alert(1)), "
        "<javascript:alert(1)>, [b](java\tscript:alert(1)), [c]( javascript:alert(1) ), "
        "[d](data:text/html,<script>alert(1)</script>), [e](vbscript:msgbox(1))"
    )
    version = save_circular(
        session,
        symposium,
        dataclasses.replace(
            sections,
            objectives=texts["GIC objectives"],
            target_participants=texts["GIC link"],
            introduction=hostile("Introduction"),
        ),
        change_summary=hostile("Summary"),
    )
    distribute_circular(
        session,
        symposium,
        version,
        lambda token: external_url("registration.nominate_page", token=token),
    )


def _add_hostile_people(session, symposium: Symposium, texts: dict[str, str]) -> None:
    taipei = _economy(session, "Chinese Taipei")
    focal_point = session.scalars(
        sa.select(FocalPoint).where(
            FocalPoint.symposium_id == symposium.id, FocalPoint.economy_id == taipei.id
        )
    ).first()
    texts["nominee name"] = hostile("Nominee")
    nomination = nominate(
        session,
        focal_point,
        NomineeInput(
            texts["nominee name"], hostile("Family"), "hostile.nominee@example.tw", "Female",
            hostile("Org"), "Government", hostile("Job"), False, "Participant",
        ),
    )  # fmt: skip
    invitation = decide(session, nomination, "accept", None)
    queue_invitation_mail(
        session,
        symposium,
        invitation,
        lambda token: external_url("registration.invitation_page", token=token),
    )
    texts["registrant name"] = hostile("Registrant")
    registered = register(
        session,
        symposium,
        RegistrantInput(
            texts["registrant name"], hostile("Family"), "hostile.registrant@example.pe",
            _economy(session, "Peru").id, hostile("Org"), "Government", hostile("Job"), "Female",
            False, "America/Lima", None, hostile("Needs"), True,
        ),
    )  # fmt: skip
    queue_confirmation(
        session, registered, lambda token: external_url("registration.manage", token=token)
    )
    _check_in(session, symposium, registered.registration, hostile("Note"))
    texts["survey answer"] = hostile("Answer")
    _answer_survey(session, symposium, texts["survey answer"])


def _check_in(session, symposium: Symposium, registration: Registration, note: str) -> None:
    """A manual check-in on day 1 at 09:30 host time (its page shows a form to remove it)."""
    day = symposium.days[0]
    arrived = dt.datetime.combine(day.date, dt.time(9, 30), tzinfo=symposium.zone)
    check_in(session, registration, day, arrived, None, None, note)


def _answer_survey(session, symposium: Symposium, text: str) -> None:
    """One more response, through the same checks the form uses, with ``text`` in every text
    question."""
    survey = survey_for(session, symposium)
    invitation = session.scalars(
        sa.select(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.completed_at.is_(None))
        .order_by(SurveyInvitation.id)
    ).first()
    raw: dict[str, list[str]] = {}
    for question in questions_of(survey):
        if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            raw[field_name(question)] = [text]
        elif question.kind in (QuestionKind.SCALE,):
            raw[field_name(question)] = ["4"]
        elif question.kind == QuestionKind.YES_NO:
            raw[field_name(question)] = ["yes"]
        elif question.options:
            raw[field_name(question)] = [question.options[0]]
    values, errors = validate_answers(questions_of(survey), raw)
    assert not errors, errors
    submit_response(session, invitation, values)


def add_formula_cells(session, symposium: Symposium) -> None:
    """Registrants, a nominee, an agenda item, a speaker and a survey answer whose text cells
    would be formulas in a spreadsheet."""
    speakers = session.scalars(
        sa.select(Speaker).where(Speaker.symposium_id == symposium.id).order_by(Speaker.id)
    ).all()
    speaker = speakers[1]
    save_speaker(
        session,
        symposium,
        SpeakerInput("@SUM(A1)", speaker.email, speaker.economy_id, "-1", speaker.sex),
        speaker,
    )
    item = items_by_day(session, symposium)[symposium.days[1].id][0]
    update_item(session, item, ItemInput(item.kind, "=1+1", item.duration_minutes, "+1"))
    _answer_survey(session, symposium, "=1+1")
    peru = _economy(session, "Peru")
    for number, cell in enumerate(FORMULA_CELLS):
        registered = register(
            session,
            symposium,
            RegistrantInput(
                cell, cell, f"formula{number}@example.pe", peru.id, cell, "Government", cell,
                "Male", False, "America/Lima", None, cell, True,
            ),
        )  # fmt: skip
        if number == 0:
            for name, value in UNSTRIPPED.items():
                setattr(registered.registration, name, value)
    singapore = _economy(session, "Singapore")
    focal_point = session.scalars(
        sa.select(FocalPoint).where(
            FocalPoint.symposium_id == symposium.id, FocalPoint.economy_id == singapore.id
        )
    ).first()
    nominate(
        session,
        focal_point,
        NomineeInput(
            "=1+1", "@SUM(A1)", "formula@example.sg", "Male", "+1", "Government", "-1", False,
            "Participant", "=HYPERLINK(\"http://example.org\")",
        ),
    )  # fmt: skip


def _economy(session, name: str) -> Economy:
    return session.scalars(sa.select(Economy).where(Economy.name == name)).one()


def add_other_symposium(session) -> Symposium:
    """A second, smaller symposium with a row of every kind a route names by id."""
    peru = _economy(session, "Peru")
    other = create_symposium(
        session,
        SymposiumSetup(
            "Another symposium", "SME 99 2027A", "SMEWG", "Ana", "ana@example.org",
            "America/Lima", [DayPlan(dt.date(2027, 5, 4)), DayPlan(dt.date(2027, 5, 5))],
            invited_economy_ids=[peru.id],
        ),
    )  # fmt: skip
    add_demo_agenda(session, other)
    save_circular(session, other, circular_texts_defaults(other))
    focal_point = add_focal_point(
        session, other, FocalPointInput("Other focal point", "other.focal@example.pe", peru.id, "")
    )
    issue_nomination_link(session, focal_point)
    nominate(
        session,
        focal_point,
        NomineeInput("Other", "Nominee", "other.nominee@example.pe", "Male", "PRODUCE",
                     "Government", "Analyst", False, "Participant"),
    )  # fmt: skip
    registered = register(
        session,
        other,
        RegistrantInput("Other", "Registrant", "other.registrant@example.pe", peru.id, "PRODUCE",
                        "Government", "Analyst", "Male", False, "America/Lima", None, "", True),
    )  # fmt: skip
    _check_in(session, other, registered.registration, "by telephone")
    report = AttendanceImport(
        symposium_id=other.id,
        day_id=other.days[0].id,
        source="zoom",
        filename="participants.csv",
        timezone="America/Lima",
    )
    start = dt.datetime(2027, 5, 4, 14, 0)
    report.rows.append(
        AttendanceRow(line=2, name="Somebody", joined_at=start, left_at=start, status="review")
    )
    session.add(report)
    survey_for(session, other)
    session.flush()
    return other
