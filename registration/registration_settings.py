"""Changing how a symposium registers people: by invitation, an open form or both, with or
without moderation, the attendance threshold and the privacy notice (its versions)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registration.models import RegistrationMode, RegistrationSettings
from registration.registrations import RegistrationError, lock_places, settings_for
from symposium.models import Symposium


def update_settings(
    session: Session,
    symposium: Symposium,
    *,
    mode: str,
    moderated: bool,
    threshold: int,
    privacy_notice: str,
) -> RegistrationSettings:
    """Change how the symposium registers people; a changed notice gets a new version."""
    if mode not in set(RegistrationMode):
        raise RegistrationError("Choose how people register.", "mode")
    if not 1 <= threshold <= 24 * 60:
        raise RegistrationError("Give a number of minutes from 1 to 1440.", "threshold")
    if not privacy_notice.strip():
        raise RegistrationError("Registrants must be able to read a privacy notice.", "notice")
    settings = settings_for(session, symposium)
    lock_places(session, symposium)
    session.refresh(settings)
    settings.mode, settings.moderated = mode, moderated
    threshold_changed = settings.attendance_threshold_minutes != threshold
    settings.attendance_threshold_minutes = threshold
    if privacy_notice.strip() != settings.privacy_notice.strip():
        settings.privacy_notice = privacy_notice.strip()
        settings.privacy_notice_version += 1
    session.flush()
    if threshold_changed:  # who attended depends on it: every day is counted again
        from registration.attendance import recompute_day  # attendance reads these settings

        for day in symposium.days:
            recompute_day(session, day)
    return settings
