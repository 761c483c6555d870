"""The texts a new symposium's first circular starts from, for the organiser to adapt."""

from __future__ import annotations

import datetime as dt

from registration.circular import CircularTexts


def _when(deadline: dt.date | None, fallback: str) -> str:
    return f"**{deadline:%A %-d %B %Y}**" if deadline else fallback


def default_texts(
    *,
    title: str,
    forum: str,
    platform_name: str,
    po_name: str,
    quota: int,
    nomination_deadline: dt.date | None,
    registration_deadline: dt.date | None,
    women_participants_pct: int | None = None,
) -> CircularTexts:
    """Sensible first texts: how nominations and registration work, and the privacy notice.

    Objectives and target participants come from the project proposal, so they start empty
    and the circular page reminds the organiser to write them.
    """
    delegates = "delegate" if quota == 1 else "delegates"
    balance = (
        f" The project aims for at least {women_participants_pct}% women participants; "
        "please keep gender balance in mind when nominating."
        if women_participants_pct
        else " Please keep gender balance in mind when nominating."
    )
    nomination = (
        f"Each invited economy may nominate up to **{quota} {delegates}**. The focal point "
        "of each economy receives a personal nomination link with this circular and enters "
        "the delegates' details there by "
        f"{_when(nomination_deadline, 'the nomination deadline given below')}."
        f"{balance}\n\n"
        "The organisers confirm each nomination; accepted delegates receive an invitation "
        "to register."
    )
    registration = (
        "Accepted delegates register through the personal link in their invitation by "
        f"{_when(registration_deadline, 'the registration deadline given below')}. "
        "After registering you receive a confirmation with the agenda in your own time "
        "zone, a calendar file and a link to change or cancel your registration.\n\n"
        f"The {platform_name} link is sent to registered participants before the event."
    )
    privacy = (
        "To register you give your name, e-mail address, economy, organisation, type of "
        "organisation, job title and sex, and say whether you are a young person.\n\n"
        "- Your name, e-mail address and organisation are used to run the symposium: "
        "confirmations, the join link, reminders and the evaluation survey.\n"
        "- Sex and whether you are a young person are asked because the project reports "
        "sex-disaggregated figures on participants and speakers, and the share of women "
        "and young people.\n"
        "- Attendance and survey answers feed the project's **completion report**, which "
        "contains only counts and percentages, never names.\n\n"
        f"Nothing is shared beyond the organising team. You may ask {po_name} to correct or "
        "erase your details at any time; the anonymous figures remain."
    )
    introduction = (
        f"The {forum} is pleased to invite member economies to the virtual symposium "
        f"*{title}*. This circular gives the dates and times, the draft agenda and the way "
        "to nominate delegates."
    )
    return CircularTexts(
        introduction=introduction,
        nomination_procedure=nomination,
        registration_instructions=registration,
        privacy_notice=privacy,
    )
