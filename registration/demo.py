"""The circular of the demo symposium: focal points of the co-sponsors, the GIC distributed,
and nominations from most economies, some accepted, some waiting for a decision."""

from __future__ import annotations

import dataclasses
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agenda.models import AgendaItem, Speaker
from registration.attendance_import import import_attendance_report
from registration.circular_services import circular_texts_defaults, save_circular
from registration.confirmations import queue_confirmation
from registration.demo_people import Attendee, ascii_mailbox, demo_people, display_name, zoom_report
from registration.distribution import distribute_circular, queue_invitation_mail
from registration.models import FocalPoint, Nomination, ParticipantRole, Registration
from registration.nominations import NomineeInput, decide, nominate
from registration.places import cancel_registration, change_role
from registration.registrations import RegistrantInput, prefill, register
from symposium.links import external_url
from symposium.models import Symposium

# Invented people: the proposal names the co-sponsoring economies, not their officials.
DEMO_FOCAL_POINTS = (
    ("Peru", "Lucía Quispe Huamán", "SMEWG focal point, Ministry of Production"),
    ("Peru", "Jorge Ramírez Torres", "APEC coordinator, Ministry of Foreign Affairs"),
    ("Chile", "Francisca Soto Vergara", "SMEWG focal point, SERCOTEC"),
    ("Hong Kong, China", "Wong Ka-yan", "SMEWG focal point, Trade and Industry Department"),
    ("Mexico", "Alejandro Morales Núñez", "SMEWG focal point, Ministry of Economy"),
    ("Singapore", "Tan Wei Ling", "SMEWG focal point, Enterprise Singapore"),
    ("Chinese Taipei", "Lin Yu-ting", "SMEWG focal point, SME Administration"),
    ("Viet Nam", "Trần Minh Đức", "SMEWG focal point, Ministry of Planning and Investment"),
)

# From the proposal (seeds/000): its expected results and its beneficiaries.
DEMO_OBJECTIVES = """\
The symposium lets APEC member economies exchange initiatives, strategies and experiences on
the promotion of e-commerce in MSMEs. By its end, participants should have:

- increased knowledge of the regulatory and policy features (best practices) and the digital
  technologies needed for MSMEs to take up e-commerce;
- more resources to guide the design of policies that encourage e-commerce in MSMEs;
- new contacts and opportunities for collaboration among APEC stakeholders.
"""
DEMO_TARGET_PARTICIPANTS = """\
Public-sector officials with responsibility for small business development, fintech, digital
skills and innovation, and regulators. Private companies, civil society organisations,
academic institutions, trade associations and chambers of commerce are welcome as secondary
beneficiaries. **At least 50% of the participants should be women**: please keep this in mind
when nominating.
"""

# (economy, given, family, sex, organisation, type, job title, youth, role, decision)
DEMO_NOMINEES = (
    ("Peru", "Rosa", "Mamani Condori", "Female", "PRODUCE", "Government",
     "E-commerce specialist", False, "Participant", "accept"),
    ("Peru", "Diego", "Castillo Vega", "Male", "Cámara de Comercio de Lima", "Private sector",
     "Digital trade adviser", True, "Participant", "accept"),
    ("Chile", "Valentina", "Rojas Muñoz", "Female", "Universidad de Chile", "Academia",
     "Researcher", True, "Speaker", "accept"),
    ("Hong Kong, China", "Chan", "Siu-ming", "Male", "HKTDC", "Government",
     "Senior manager", False, "Participant", None),
    ("Mexico", "Mariana", "López Hernández", "Female", "Secretaría de Economía",
     "Government", "Director of SME policy", False, "Participant", "accept"),
    ("Mexico", "Carlos", "Jiménez Ortega", "Male", "Canaco", "Private sector",
     "Head of digital services", False, "Participant", "waitlist"),
    ("Singapore", "Aisha", "binte Rahman", "Female", "Enterprise Singapore", "Government",
     "Assistant director", True, "Participant", None),
    ("Viet Nam", "Thị Hồng", "Phạm", "Female", "VCCI", "Civil society",
     "Programme officer", True, "Participant", "accept"),
    ("Viet Nam", "Văn Nam", "Lê", "Male", "Ministry of Industry and Trade", "Government",
     "Deputy head of division", False, "Participant", None),
)  # fmt: skip


def add_demo_circular(session: Session, symposium: Symposium) -> None:
    """Focal points, version 1 of the GIC distributed to them, and nominations."""
    by_economy = {e.name: e for e in symposium.invited_economies}
    focal_points: dict[str, FocalPoint] = {}
    for number, (economy, name, role) in enumerate(DEMO_FOCAL_POINTS, start=1):
        focal_point = FocalPoint(
            symposium_id=symposium.id,
            economy_id=by_economy[economy].id,
            name=name,
            email=f"focal{number}@{ascii_mailbox(economy).replace('.', '')}.example",
            role=role,
        )
        session.add(focal_point)
        focal_points.setdefault(economy, focal_point)
    session.flush()
    texts = dataclasses.replace(
        circular_texts_defaults(symposium),
        objectives=DEMO_OBJECTIVES,
        target_participants=DEMO_TARGET_PARTICIPANTS,
    )
    version = save_circular(session, symposium, texts)
    distribute_circular(
        session,
        symposium,
        version,
        lambda token: external_url("registration.nominate_page", token=token),
    )
    for economy, given, family, sex, org, kind, job, youth, role, decision in DEMO_NOMINEES:
        nomination = nominate(
            session,
            focal_points[economy],
            NomineeInput(
                given_name=given,
                family_name=family,
                email=f"{ascii_mailbox(given, family)}@delegates.example",
                sex=sex,
                organisation=org,
                organisation_type=kind,
                job_title=job,
                youth=youth,
                intended_role=role,
            ),
        )
        if decision:
            outcome = decide(session, nomination, decision, None)
            if outcome.invitation_token:
                queue_invitation_mail(
                    session,
                    symposium,
                    outcome,
                    lambda token: external_url("registration.invitation_page", token=token),
                )
    session.flush()


def add_demo_registrations(session: Session, symposium: Symposium) -> None:
    """The accepted nominees, the agenda's speakers and ~110 others register; a few cancel;
    each day's Zoom report is imported (with rejoins and rows that match nobody)."""
    economies = {e.name: e for e in symposium.invited_economies}
    manage = lambda token: external_url("registration.manage", token=token)  # noqa: E731
    accepted = session.scalars(
        sa.select(Nomination).where(
            Nomination.symposium_id == symposium.id, Nomination.status == "accepted"
        )
    )
    for nomination in accepted:
        registered = register(session, symposium, prefill(nomination), nomination=nomination)
        queue_confirmation(session, registered, manage)
    for speaker in session.scalars(sa.select(Speaker).where(Speaker.symposium_id == symposium.id)):
        given, _, family = speaker.name.partition(" ")
        economy = speaker.economy or economies["Peru"]
        data = RegistrantInput(
            given, family, f"{ascii_mailbox(given, family)}@speakers.example", economy.id,
            speaker.organisation or "", "Government", "Speaker", speaker.sex, False,
            economy.timezone, None, "", True,
        )  # fmt: skip
        registered = register(session, symposium, data)
        change_role(session, registered.registration, ParticipantRole.SPEAKER)
    people = demo_people(110, list(economies))
    for number, person in enumerate(people):
        economy = economies[person.economy]
        data = RegistrantInput(
            person.given_name, person.family_name, person.email, economy.id, person.organisation,
            person.organisation_type, person.job_title, person.sex, person.youth,
            economy.timezone, "Spanish" if person.economy in {"Peru", "Chile", "Mexico"} else
            "English", "", number % 5 != 0,
        )  # fmt: skip
        registered = register(session, symposium, data)
        queue_confirmation(session, registered, manage)
        if number % 37 == 5:
            cancel_registration(session, registered.registration)
    _import_demo_reports(session, symposium)


def _import_demo_reports(session: Session, symposium: Symposium) -> None:
    rng = random.Random(7)  # noqa: S311  (invented demo data, not secrets)
    confirmed = list(
        session.scalars(
            sa.select(Registration)
            .where(Registration.symposium_id == symposium.id, Registration.status == "confirmed")
            .order_by(Registration.id)
        )
    )
    for day, share in zip(symposium.days, (0.85, 0.7), strict=False):
        present = [r for r in confirmed if rng.random() < share]
        attendees = [
            Attendee(display_name(r, rng), r.email if rng.random() < 0.7 else "") for r in present
        ]
        length = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(AgendaItem.duration_minutes), 0)).where(
                AgendaItem.day_id == day.id, AgendaItem.cancelled.is_(False)
            )
        )  # the meeting runs as long as the day's agenda
        report = zoom_report(symposium.title, day.starts_at, length or 120, attendees, day.number)
        import_attendance_report(
            session, symposium, day, report, f"participants_day{day.number}.csv",
            symposium.host_timezone, "zoom", None,
        )  # fmt: skip
