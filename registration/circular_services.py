"""Writing, versioning and freezing a symposium's General Information Circular (GIC).

A version that has not been distributed is a draft and is edited in place; once distributed it
is frozen (its filled-in document is stored as sent) and the next edit starts a new version,
which must say what changed. Services only flush; the view commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from agenda.planning import invited_groups, planner_days
from agenda.services import agenda_document
from registration.circular import (
    CircularDocument,
    CircularFacts,
    CircularTexts,
    QuotaException,
    build_circular,
)
from registration.circular_dates import OutdatedDate, SetupDate, outdated_dates
from registration.circular_defaults import default_texts
from registration.models import DEFAULT_QUOTA, CircularVersion, NominationQuota
from symposium.models import SupersededDate, Symposium, utcnow
from symposium.services import DATED_FIELDS, lock_symposium

SUMMARY_MAX = 300  # the column's length
TEXT_FIELDS = tuple(f.name for f in dataclasses.fields(CircularTexts))


class CircularError(ValueError):
    """A circular that cannot be saved; the message is for the organiser, ``field`` names
    the form field it concerns (if any)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def latest_version(session: Session, symposium: Symposium) -> CircularVersion | None:
    """The newest saved version of the symposium's circular, or None before the first save."""
    return session.scalar(
        sa.select(CircularVersion)
        .where(CircularVersion.symposium_id == symposium.id)
        .order_by(CircularVersion.number.desc())
        .limit(1)
    )


def lock_circular(session: Session, symposium: Symposium) -> CircularVersion | None:
    """Serialise the changes of a symposium's circular (saving the draft, distributing it) and
    return its latest version as it is now (read afresh after the lock, not taken from what
    the request loaded before it): the first statement of each such change."""
    lock_symposium(session, symposium.id)
    return session.scalar(
        sa.select(CircularVersion)
        .where(CircularVersion.symposium_id == symposium.id)
        .order_by(CircularVersion.number.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def versions(session: Session, symposium: Symposium) -> list[CircularVersion]:
    """Every saved version, newest first."""
    return list(
        session.scalars(
            sa.select(CircularVersion)
            .where(CircularVersion.symposium_id == symposium.id)
            .order_by(CircularVersion.number.desc())
        )
    )


def get_version(session: Session, symposium: Symposium, number: int) -> CircularVersion | None:
    """Version ``number`` of the symposium's circular, if it has been saved."""
    return session.scalar(
        sa.select(CircularVersion).where(
            CircularVersion.symposium_id == symposium.id, CircularVersion.number == number
        )
    )


def circular_texts_defaults(symposium: Symposium) -> CircularTexts:
    """The texts a symposium's first circular starts from."""
    return default_texts(
        title=symposium.title,
        forum=symposium.forum,
        platform_name=symposium.platform_name,
        po_name=symposium.po_name,
        quota=DEFAULT_QUOTA,
        nomination_deadline=symposium.nomination_deadline,
        registration_deadline=symposium.registration_deadline,
        women_participants_pct=symposium.target_women_participants_pct,
    )


def first_draft(symposium: Symposium) -> CircularVersion:
    """Version 1 with the default texts, not added to the session (for showing a symposium
    that has no saved circular yet without writing anything)."""
    texts = dataclasses.asdict(circular_texts_defaults(symposium))
    return CircularVersion(symposium_id=symposium.id, number=1, **texts)


def current_version(session: Session, symposium: Symposium) -> CircularVersion:
    """The latest version; when there is none, the first draft, added and flushed."""
    version = latest_version(session, symposium)
    if version is None:
        version = first_draft(symposium)
        session.add(version)
        session.flush()
    return version


def texts_of(version: CircularVersion) -> CircularTexts:
    """The organiser-written sections of a version."""
    return CircularTexts(**{name: getattr(version, name) or "" for name in TEXT_FIELDS})


def save_circular(
    session: Session,
    symposium: Symposium,
    texts: CircularTexts,
    change_summary: str | None = None,
) -> CircularVersion:
    """Save the organiser's texts: in place on a draft, or as the next version when the latest
    has been distributed (then ``change_summary`` is required). Raises CircularError."""
    # Two organisers saving at once must not both start the same new version, nor may a save
    # write into a version being distributed: it waits, then finds it distributed.
    latest = lock_circular(session, symposium)
    if latest is None:
        number = 1
    elif latest.distributed_at is None:
        number = latest.number
    else:
        number = latest.number + 1
    summary = " ".join((change_summary or "").split())  # one line, whatever was pasted
    if number > 1 and not summary:
        raise CircularError(
            f"Version {number - 1} has been distributed, so this is version {number} "
            "(Revised): say what changed, in one line.",
            field="change_summary",
        )
    if len(summary) > SUMMARY_MAX:
        raise CircularError(
            f"Keep what changed to one line of at most {SUMMARY_MAX} characters.",
            field="change_summary",
        )
    if latest is not None and latest.number == number:
        version = latest
    else:
        version = CircularVersion(symposium_id=symposium.id, number=number)
        session.add(version)
    for name in TEXT_FIELDS:
        setattr(version, name, getattr(texts, name).strip())
    version.change_summary = summary if number > 1 else None
    session.flush()
    return version


def outdated_dates_in(
    session: Session, symposium: Symposium, texts: CircularTexts
) -> list[OutdatedDate]:
    """Where the texts still give a day's date or a deadline the set-up was changed from:
    the filled-in tables follow the set-up, the prose does not, and a circular stating two
    different dates must not reach the focal points unnoticed."""
    superseded = [
        SetupDate(field, day_number, old_date)
        for field, day_number, old_date in session.execute(
            sa.select(SupersededDate.field, SupersededDate.day_number, SupersededDate.old_date)
            .where(SupersededDate.symposium_id == symposium.id)
            .order_by(SupersededDate.id)
        )
    ]
    if not superseded:
        return []
    current = [SetupDate("days", day.number, day.date) for day in symposium.days] + [
        SetupDate(name, None, getattr(symposium, name)) for name in DATED_FIELDS
    ]
    return outdated_dates(texts, superseded, current)


def _facts(session: Session, symposium: Symposium) -> CircularFacts:
    overrides = dict(
        session.execute(
            sa.select(NominationQuota.economy_id, NominationQuota.quota).where(
                NominationQuota.symposium_id == symposium.id
            )
        ).all()
    )
    exceptions = tuple(
        QuotaException(economy.name, overrides[economy.id])
        for economy in symposium.invited_economies
        if overrides.get(economy.id, DEFAULT_QUOTA) != DEFAULT_QUOTA
    )
    return CircularFacts(
        title=symposium.title,
        project_number=symposium.project_number,
        forum=symposium.forum,
        host_timezone=symposium.host_timezone,
        platform_name=symposium.platform_name,
        po_name=symposium.po_name,
        po_email=symposium.po_email,
        languages=tuple(symposium.languages or ()),
        interpretation=symposium.interpretation,
        nomination_deadline=symposium.nomination_deadline,
        registration_deadline=symposium.registration_deadline,
        quota=DEFAULT_QUOTA,
        quota_exceptions=exceptions,
    )


def preview_document(
    session: Session,
    symposium: Symposium,
    texts: CircularTexts,
    *,
    version: int,
    change_summary: str | None = None,
    issued_on: dt.date | None = None,
) -> CircularDocument:
    """The circular these texts make with today's symposium data (nothing is saved)."""
    # The join link goes to registered people only, never into the circular.
    agenda = agenda_document(session, symposium, with_platform_link=False)
    return build_circular(
        version=version,
        facts=_facts(session, symposium),
        texts=texts,
        days=planner_days(symposium, agenda),
        economies=invited_groups(symposium),
        agenda_days=agenda.days,
        change_summary=change_summary,
        issued_on=issued_on,
    )


def document_for(session: Session, version: CircularVersion) -> CircularDocument:
    """What a version shows: as it was sent if distributed, else built from today's data."""
    if version.document is not None:
        return CircularDocument.from_dict(version.document)
    symposium = session.get(Symposium, version.symposium_id)
    assert symposium is not None  # the foreign key cascades deletes
    return preview_document(
        session,
        symposium,
        texts_of(version),
        version=version.number,
        change_summary=version.change_summary,
    )


# What a distributed circular says that the set-up can change afterwards, and how the
# organiser calls it.
_WHAT_CHANGES = {
    "days": "the dates or start times",
    "local_times": "the local times in the invited economies",
    "agenda": "the agenda",
    "facts": "the set-up's facts (deadlines, quotas, languages, platform or contacts)",
}


def changed_since_sent(session: Session, version: CircularVersion) -> list[str]:
    """What the circular would say differently if ``version`` (distributed) were made today:
    the focal points hold the old facts until a revised version goes out. Empty for a draft."""
    if version.distributed_at is None or version.document is None:
        return []
    symposium = session.get(Symposium, version.symposium_id)
    assert symposium is not None
    sent = CircularDocument.from_dict(version.document)
    today = preview_document(
        session, symposium, texts_of(version), version=version.number, issued_on=sent.issued_on
    )
    # Compared through the stored form, as a document reads back from the database.
    now = CircularDocument.from_dict(today.to_dict())
    return [
        label for name, label in _WHAT_CHANGES.items() if getattr(sent, name) != getattr(now, name)
    ]


def mark_distributed(session: Session, version: CircularVersion) -> CircularDocument:
    """Freeze a version as it is being sent and return the frozen document.

    Calling it again on a distributed version changes nothing and returns what was frozen.
    """
    symposium = session.get(Symposium, version.symposium_id)
    assert symposium is not None
    # A draft saved meanwhile waits for this freeze, then becomes the next version.
    lock_circular(session, symposium)
    if version.id is None:  # the unsaved first draft
        session.add(version)
    session.flush()
    # Lock the row so two distributions at once freeze it once, with one date.
    session.refresh(version, with_for_update=True)
    if version.distributed_at is not None and version.document is not None:
        return CircularDocument.from_dict(version.document)
    document = preview_document(
        session,
        symposium,
        texts_of(version),
        version=version.number,
        change_summary=version.change_summary,
        issued_on=dt.datetime.now(symposium.zone).date(),
    )
    version.document = document.to_dict()
    version.distributed_at = utcnow()
    session.flush()
    return document


# --- what the organiser saw ----------------------------------------------------------------

_SEEN_FIELDS = (*TEXT_FIELDS, "change_summary")


def draft_fingerprint(version: CircularVersion) -> str:
    """A short digest of each section and of the change line, dot-joined: the distribution
    form carries the one of the version the organiser was looking at."""
    return ".".join(
        hashlib.sha256((getattr(version, name) or "").encode()).hexdigest()[:8]
        for name in _SEEN_FIELDS
    )


def changed_since_seen(version: CircularVersion, fingerprint: str) -> list[str]:
    """The parts of ``version`` whose text differs from ``fingerprint`` (all of them when the
    fingerprint cannot be read), by the names organisers see; empty when nothing changed."""
    seen = fingerprint.split(".")
    now = draft_fingerprint(version).split(".")
    if len(seen) != len(now):
        seen = [""] * len(now)
    return [
        "what changed" if name == "change_summary" else name.replace("_", " ").capitalize()
        for name, before, after in zip(_SEEN_FIELDS, seen, now, strict=True)
        if before != after
    ]
