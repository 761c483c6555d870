"""Decisions on what the organiser saw: a nomination whose status changed after their page was
drawn (another organiser decided, or the focal point withdrew it) is not decided over unseen."""

from __future__ import annotations

from registration.models import Nomination, NominationStatus
from symposium.formatting import utc_moment
from symposium.models import User

_SAID = {NominationStatus.WAITLISTED: "wait-listed"}


def changed_meanwhile(nomination: Nomination, user: User | None) -> str:
    """What to tell an organiser whose decision was refused because ``nomination`` is no longer
    in the status their page showed."""
    name = nomination.full_name
    if nomination.status == NominationStatus.WITHDRAWN:
        what = f"{name}'s nomination was withdrawn by the focal point meanwhile"
        moment = nomination.updated_at
    else:
        status = NominationStatus(nomination.status)
        by_you = user is not None and nomination.decided_by_id == user.id
        who = "by you, in another window," if by_you else "by another organiser"
        what = f"{name} was {_SAID.get(status, status.value)} {who} meanwhile"
        moment = nomination.decided_at
    when = f" ({utc_moment(moment)})" if moment is not None else ""
    return f"{what}{when}; nothing changed — look again and decide."
