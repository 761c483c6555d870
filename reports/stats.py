"""The completion figures from the report's rows: pure pandas, no database, no Flask.

Every count here follows the definitions in ``reports.figures.definitions`` (printed in every
output); a change to one is a change to the other.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from reports.figures import (
    UNDISCLOSED,
    CompletionFigures,
    DayRow,
    EconomyRow,
    ReportHeader,
    SexCounts,
    Share,
    SpeakerEntry,
    SurveyFigures,
    TargetCheck,
)
from symposium.confidence import wilson_interval
from symposium.models import SEXES
from symposium.names import name_key

if TYPE_CHECKING:
    from reports.queries import ReportData

PARTICIPANT = "participant"
ROLE_ORDER = ("speaker", "moderator")


def share_with_interval(successes: int, n: int) -> Share:
    """A Share carrying its 95% Wilson interval."""
    interval = wilson_interval(successes, n)
    low, high = interval if interval else (None, None)
    return Share(successes, n, low, high)


def normalised_sex(sexes: pd.Series) -> pd.Series:
    """Sex as one of SEXES: an unrecorded or unknown value counts as undisclosed, never lost."""
    return sexes.where(sexes.isin(SEXES), UNDISCLOSED)


def sex_counts(sexes: pd.Series) -> SexCounts:
    """How many of each sex (already normalised) a column holds."""
    counts = sexes.value_counts()
    return SexCounts(*(int(counts.get(sex, 0)) for sex in SEXES))


def _by_sex(people: pd.DataFrame, key: str) -> dict[object, SexCounts]:
    """Counts per sex for each value of ``key`` (values absent from ``people`` are absent)."""
    if people.empty:
        return {}
    table = people.groupby([key, "sex"]).size().unstack(fill_value=0)
    table = table.reindex(columns=list(SEXES), fill_value=0)
    rows = zip(table.index.tolist(), table.to_numpy().tolist(), strict=True)
    return {index: SexCounts(*counts) for index, counts in rows}


def present_days(attendance: pd.DataFrame, threshold_minutes: int) -> pd.DataFrame:
    """The (registration_id, day_number) pairs counted as attended.

    Recomputed from the minutes with the threshold now in force, so a threshold changed after
    an import cannot leave stale flags in the report.
    """
    present = (attendance["minutes"] >= threshold_minutes) | attendance["checked_in"].astype(bool)
    return attendance.loc[present, ["registration_id", "day_number"]]


def _participants(data: ReportData, present: pd.DataFrame, speakers: pd.DataFrame) -> pd.DataFrame:
    """Registered participants, without those who are on the agenda (they count as speakers)."""
    registrations = data.registrations
    speaking = registrations["registration_id"].isin(speakers["registration_id"].dropna())
    people = registrations.loc[(registrations["role"] == PARTICIPANT) & ~speaking].copy()
    people["sex"] = normalised_sex(people["sex"])
    people["youth"] = people["youth"].astype(bool)
    people["attended"] = people["registration_id"].isin(present["registration_id"])
    return people


def _roles(roles: pd.Series) -> str:
    found = set(roles)
    return ", ".join(role for role in ROLE_ORDER if role in found)


def _sources(sources: pd.Series) -> str:
    return " + ".join(sorted(set(sources)))


def speaker_rows(data: ReportData) -> pd.DataFrame:
    """Every record of a speaker or moderator, with the ``key`` of the person it belongs to:
    the registered speakers and moderators, the agenda's, and the registered participants who
    are an agenda speaker (they registered on the open form, as everyone does).

    Registrations come first so their sex and economy win over the hand-entered agenda's. Two
    rows are one person when they share the e-mail (letter case ignored); once the person was
    erased (no e-mail left), through the registration the agenda's record remembers; and an
    agenda speaker matching no registration that way is the registered person of the same
    economy with the same name (accents, letter case and word order ignored): the agenda's
    e-mail is optional, and a registrant may have changed theirs since.
    """
    registered = data.speaker_registrations.assign(source="registration")
    registered["key"] = "r" + registered["registration_id"].astype(str)
    agenda = data.agenda_speakers.assign(source="agenda", registration_id=pd.NA)
    erased = agenda["erased_registration_id"]
    agenda["key"] = ("a" + agenda["speaker_id"].astype(str)).where(
        erased.isna(), "r" + erased.astype("Int64").astype(str)
    )
    columns = ["key", "registration_id", "name", "email", "role", "sex", "economy_id", "source"]
    people = pd.concat([registered[columns], agenda[columns]], ignore_index=True)
    email = people["email"].fillna("").astype(str).str.strip().str.lower()
    people["key"] = people["key"].where(email == "", "e:" + email)
    people["key"] = _matched_by_name(people)
    # A registered participant is a speaker only when an agenda record is the same person.
    on_agenda = set(people.loc[people["source"] == "agenda", "key"])
    speaking = people["role"].isin(ROLE_ORDER) | people["key"].isin(on_agenda)
    return people.loc[speaking]


def speakers_and_experts(data: ReportData) -> pd.DataFrame:
    """Speakers and moderators, one row per person (see ``speaker_rows``)."""
    return _one_per_person(speaker_rows(data))


def _one_per_person(rows: pd.DataFrame) -> pd.DataFrame:
    merged = rows.groupby("key", sort=False).agg(
        name=("name", "first"),
        role=("role", _roles),
        sex=("sex", "first"),
        economy_id=("economy_id", "first"),
        source=("source", _sources),
    )
    merged["sex"] = normalised_sex(merged["sex"])
    return merged.reset_index(drop=True)


def _name_key(name: object, economy_id: object) -> str:
    """A person's name without accents, letter case or word order, with their economy (the
    key the SQL that found the candidates compared: ``symposium.names.name_key``)."""
    key = name_key(str(name or ""))
    return f"{economy_id}|{key}" if key and pd.notna(economy_id) else ""


def _matched_by_name(people: pd.DataFrame) -> pd.Series:
    """Each row's person key, agenda rows that share none with a registration taking the key
    of the registered speaker with the same name and economy, unless the two record different
    sexes (two people, then; see speakers_and_experts)."""
    names = [_name_key(n, e) for n, e in zip(people["name"], people["economy_id"], strict=True)]
    sexes = normalised_sex(people["sex"])
    from_registration = people["source"] == "registration"
    registered_keys = set(people.loc[from_registration, "key"])
    by_name: dict[str, tuple[str, str]] = {}
    rows = zip(names, people["key"], sexes, from_registration, strict=True)
    for name, key, sex, registered in rows:
        if registered and name:
            by_name.setdefault(name, (key, sex))
    keys = []
    for name, key, sex, registered in zip(
        names, people["key"], sexes, from_registration, strict=True
    ):
        found = by_name.get(name) if not registered and key not in registered_keys else None
        known = {sex, found[1]} - {UNDISCLOSED} if found else set()
        keys.append(found[0] if found and len(known) <= 1 else key)
    return pd.Series(keys, index=people.index)


def _speaker_entries(speakers: pd.DataFrame, names: dict[int, str]) -> tuple[SpeakerEntry, ...]:
    entries = [
        SpeakerEntry(
            name=str(row.name),
            role=row.role,
            sex=row.sex,
            economy=names.get(int(row.economy_id), "") if pd.notna(row.economy_id) else "",
            source=row.source,
        )
        for row in speakers.itertuples(index=False)
    ]
    return tuple(sorted(entries, key=lambda entry: (entry.name.casefold(), entry.role)))


def _economy_rows(
    data: ReportData, participants: pd.DataFrame, speakers: pd.DataFrame
) -> tuple[EconomyRow, ...]:
    registered = _by_sex(participants, "economy_id")
    attended = _by_sex(participants.loc[participants["attended"]], "economy_id")
    speaking = speakers["economy_id"].dropna().astype("int64").value_counts()
    rows = []
    for economy in data.economies.itertuples(index=False):
        row = EconomyRow(
            name=economy.name,
            is_member=bool(economy.is_member),
            registered=registered.get(economy.economy_id, SexCounts()),
            attended=attended.get(economy.economy_id, SexCounts()),
            speakers=int(speaking.get(economy.economy_id, 0)),
        )
        if row.registered.total or row.speakers:
            rows.append(row)
    return tuple(rows)


def _days(
    header: ReportHeader, participants: pd.DataFrame, present: pd.DataFrame
) -> tuple[DayRow, ...]:
    attended = present.merge(participants[["registration_id", "sex"]], on="registration_id")
    table = _by_sex(attended, "day_number")
    return tuple(
        DayRow(day.number, day.date, table.get(day.number, SexCounts()), day.recorded)
        for day in header.days
    )


def survey_figures(data: ReportData) -> SurveyFigures | None:
    """Response rate, knowledge gain and collaboration from the outcome questions' answers."""
    if data.survey is None:
        return None
    answers = data.answers.dropna(subset=["number"])
    wide = answers.groupby(["response_id", "outcome"])["number"].first().unstack()
    wide = wide.reindex(columns=["knowledge_before", "knowledge_after", "collaboration"])
    before, after = wide["knowledge_before"], wide["knowledge_after"]
    both = before.notna() & after.notna()
    collaboration = wide["collaboration"].dropna()
    pairs = int(both.sum())
    return SurveyFigures(
        invited=data.survey.invited,
        responded=data.survey.responded,
        knowledge=share_with_interval(int((after[both] > before[both]).sum()), pairs),
        mean_before=float(before[both].mean()) if pairs else None,
        mean_after=float(after[both].mean()) if pairs else None,
        collaboration=share_with_interval(int((collaboration == 1).sum()), len(collaboration)),
    )


def percent_check(key: str, label: str, target: int | None, share: Share) -> TargetCheck | None:
    """A percentage against its target; None when the symposium set no such target.

    Met is decided on the exact counts (count/of ≥ target/100), never on a rounded figure.
    """
    if target is None:
        return None
    met = None if share.of == 0 else share.count * 100 >= target * share.of
    low, high = share.low_pct, share.high_pct
    uncertain = low is not None and high is not None and low < target < high
    return TargetCheck(key, label, "%", target, share.pct, met, uncertain, low, high)


def target_checks(
    header: ReportHeader,
    attended: SexCounts,
    women: Share,
    women_or_youth: Share,
    women_speakers: Share,
    survey: SurveyFigures | None,
    economies: int = 0,
) -> tuple[TargetCheck, ...]:
    """Every target the symposium set, in the order of the proposal's outcome table."""
    targets = header.targets
    checks = [
        percent_check(
            "women_participants", "% women participants", targets.women_participants_pct, women
        ),
        percent_check(
            "women_or_youth", "% women and/or youth", targets.women_or_youth_pct, women_or_youth
        ),
        percent_check(
            "women_speakers", "% women speakers", targets.women_speakers_pct, women_speakers
        ),
    ]
    if targets.attendees is not None:
        actual = attended.total
        checks.append(
            TargetCheck(
                "attendees",
                "Attendees",
                "people",
                targets.attendees,
                actual,
                actual >= targets.attendees,
            )
        )
    if targets.economies is not None:
        checks.append(
            TargetCheck(
                "economies",
                "APEC economies represented",
                "economies",
                targets.economies,
                economies,
                economies >= targets.economies,
            )
        )
    empty = Share(0, 0)
    checks += [
        percent_check(
            "knowledge",
            "% reporting increased knowledge",
            targets.knowledge_pct,
            survey.knowledge if survey else empty,
        ),
        percent_check(
            "collaboration",
            "% identifying collaboration opportunities",
            targets.collaboration_pct,
            survey.collaboration if survey else empty,
        ),
    ]
    return tuple(check for check in checks if check is not None)


def completion_figures(data: ReportData, generated_at: dt.datetime) -> CompletionFigures:
    """Every figure of the completion report from the rows in ``data``."""
    header = data.header
    present = present_days(data.attendance, header.threshold_minutes)
    records = speaker_rows(data)
    participants = _participants(data, present, records)
    attendees = participants.loc[participants["attended"]]
    attended = sex_counts(attendees["sex"])
    women = Share(attended.female, attended.total)
    youthful = int(((attendees["sex"] == "Female") | attendees["youth"]).sum())
    women_or_youth = Share(youthful, attended.total)
    speakers = _one_per_person(records)
    speaker_counts = sex_counts(speakers["sex"])
    women_speakers = Share(speaker_counts.female, speaker_counts.total)
    economy_rows = _economy_rows(data, participants, speakers)
    survey = survey_figures(data)
    names = dict(zip(data.economies["economy_id"], data.economies["name"], strict=True))
    represented = tuple(row.name for row in economy_rows if row.is_member and row.attended.total)
    return CompletionFigures(
        header=header,
        generated_at=generated_at,
        registered=sex_counts(participants["sex"]),
        attended=attended,
        women_participants=women,
        women_or_youth=women_or_youth,
        speakers=speaker_counts,
        speaker_list=_speaker_entries(speakers, names),
        women_speakers=women_speakers,
        economies_represented=represented,
        economy_rows=economy_rows,
        days=_days(header, participants, present),
        survey=survey,
        targets=target_checks(
            header, attended, women, women_or_youth, women_speakers, survey, len(represented)
        ),
    )
