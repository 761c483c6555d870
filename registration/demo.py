"""The circular of the demo symposium: focal points of the co-sponsors, the GIC distributed,
and nominations from most economies, some accepted, some waiting for a decision."""

from __future__ import annotations

import dataclasses
import unicodedata

from sqlalchemy.orm import Session

from registration.circular_services import circular_texts_defaults, save_circular
from registration.distribution import distribute_circular, queue_invitation_mail
from registration.models import FocalPoint
from registration.nominations import NomineeInput, decide, nominate
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


def _address(*words: str) -> str:
    """An ASCII mailbox name for invented people (not every mail server takes UTF-8 ones)."""
    text = unicodedata.normalize("NFKD", ".".join(words).lower())
    return "".join(c for c in text.encode("ascii", "ignore").decode() if c.isalnum() or c == ".")


def add_demo_circular(session: Session, symposium: Symposium) -> None:
    """Focal points, version 1 of the GIC distributed to them, and nominations."""
    by_economy = {e.name: e for e in symposium.invited_economies}
    focal_points: dict[str, FocalPoint] = {}
    for number, (economy, name, role) in enumerate(DEMO_FOCAL_POINTS, start=1):
        focal_point = FocalPoint(
            symposium_id=symposium.id,
            economy_id=by_economy[economy].id,
            name=name,
            email=f"focal{number}@{_address(economy).replace('.', '')}.example",
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
                email=f"{_address(given, family)}@delegates.example",
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
