"""The mail carrying an accepted nominee's registration link, named so that revoking the link
also holds the mail back while it has not gone out: nobody is sent a link that is dead."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registration.models import Nomination
from symposium.outbox import withdraw_queued


def invitation_mail_key(nomination: Nomination) -> str:
    """The outbox key of the mail with the nominee's current link (a nominee accepted again
    after a rejection gets a new link, hence a new key)."""
    assert nomination.invitation is not None
    return f"registration-invitation:{nomination.id}:{nomination.invitation.token_hash[:16]}"


def withdraw_invitation_mail(session: Session, nomination: Nomination) -> bool:
    """Keep the mail of a just-revoked invitation from going out if it is still queued."""
    return withdraw_queued(session, invitation_mail_key(nomination), "the invitation was revoked")
