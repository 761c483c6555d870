"""The completion report's figures as plain, immutable data: what ``stats`` computes and every
output (dashboard, PDF, XLSX, CSV, JSON) shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from symposium.models import SEXES

UNDISCLOSED = "Prefer not to say"


@dataclass(frozen=True)
class Targets:
    """The proposal's targets (None: the symposium set none)."""

    women_participants_pct: int | None = None
    women_or_youth_pct: int | None = None
    women_speakers_pct: int | None = None
    attendees: int | None = None
    economies: int | None = None  # APEC member economies with an attendee
    knowledge_pct: int | None = None
    collaboration_pct: int | None = None


@dataclass(frozen=True)
class ReportDay:
    """A day of the symposium: its number, date, and whether any attendance was recorded for
    it (a report imported or a check-in): without, its zeros mean "not known yet"."""

    number: int
    date: dt.date
    recorded: bool = True


@dataclass(frozen=True)
class ReportHeader:
    """The symposium as the report's title page and definitions describe it."""

    symposium_id: int
    title: str
    project_number: str
    forum: str
    po_name: str
    po_email: str
    days: tuple[ReportDay, ...]
    invited_economies: tuple[str, ...]
    threshold_minutes: int
    targets: Targets

    @property
    def dates(self) -> str:
        """The days as one line, e.g. "23–24 March 2027"."""
        if not self.days:
            return "dates to be set"
        first, last = self.days[0].date, self.days[-1].date
        if first == last:
            return f"{first:%-d %B %Y}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first:%-d}–{last:%-d %B %Y}"
        return f"{first:%-d %B %Y} – {last:%-d %B %Y}"


@dataclass(frozen=True)
class SexCounts:
    """Counts per sex, in the order of SEXES; undisclosed is its own line so the lines add up."""

    female: int = 0
    male: int = 0
    other: int = 0
    undisclosed: int = 0

    @property
    def counts(self) -> tuple[int, int, int, int]:
        return (self.female, self.male, self.other, self.undisclosed)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def by_sex(self) -> dict[str, int]:
        """``{"Female": n, "Male": n, "Other": n, "Prefer not to say": n}``."""
        return dict(zip(SEXES, self.counts, strict=True))

    def pct(self, sex: str) -> float | None:
        """The share of ``sex`` in the group, in percent (None for an empty group)."""
        return percent(self.by_sex()[sex], self.total)


@dataclass(frozen=True)
class Share:
    """``count`` of ``of``, with its 95% Wilson interval when one is given (fractions 0–1)."""

    count: int
    of: int
    low: float | None = None
    high: float | None = None

    @property
    def pct(self) -> float | None:
        return percent(self.count, self.of)

    @property
    def low_pct(self) -> float | None:
        return None if self.low is None else 100 * self.low

    @property
    def high_pct(self) -> float | None:
        return None if self.high is None else 100 * self.high


@dataclass(frozen=True)
class SpeakerEntry:
    """A speaker or expert once deduplicated; ``source`` is agenda, registration or both."""

    name: str
    role: str
    sex: str
    economy: str
    source: str


@dataclass(frozen=True)
class EconomyRow:
    """An economy's participants (registered and attended, by sex) and speakers."""

    name: str
    is_member: bool
    registered: SexCounts
    attended: SexCounts
    speakers: int


@dataclass(frozen=True)
class DayRow:
    """A day and the participants who attended it, by sex."""

    number: int
    date: dt.date
    attended: SexCounts
    recorded: bool = True  # see ReportDay


@dataclass(frozen=True)
class SurveyFigures:
    """The evaluation's outcomes. Means are over the respondents who answered both questions."""

    invited: int
    responded: int
    knowledge: Share
    mean_before: float | None
    mean_after: float | None
    collaboration: Share

    @property
    def response_rate(self) -> float | None:
        """Responses over invitations, in percent."""
        return percent(self.responded, self.invited)

    @property
    def mean_change(self) -> float | None:
        """Mean after minus mean before (the same respondents)."""
        if self.mean_before is None or self.mean_after is None:
            return None
        return self.mean_after - self.mean_before


@dataclass(frozen=True)
class TargetCheck:
    """One target of the proposal against the actual figure (``unit`` is "%" or "people")."""

    key: str
    label: str
    unit: str
    target: float
    actual: float | None
    met: bool | None  # None: no data yet
    uncertain: bool = False  # the 95% interval straddles the target
    low: float | None = None  # the interval, in the unit of the figure
    high: float | None = None

    @property
    def status(self) -> str:
        """Met, not met, or no data (no one to count yet)."""
        if self.met is None:
            return "no data"
        return "met" if self.met else "not met"


@dataclass(frozen=True)
class CompletionFigures:
    """Every figure of the completion report, as of ``generated_at`` (naive UTC)."""

    header: ReportHeader
    generated_at: dt.datetime
    registered: SexCounts
    attended: SexCounts
    women_participants: Share
    women_or_youth: Share
    speakers: SexCounts
    speaker_list: tuple[SpeakerEntry, ...]
    women_speakers: Share
    economies_represented: tuple[str, ...]
    economy_rows: tuple[EconomyRow, ...]
    days: tuple[DayRow, ...]
    survey: SurveyFigures | None
    targets: tuple[TargetCheck, ...]

    def basis(self, key: str) -> str | None:
        """What a survey target's figure stands on, printed beside it: how many answered, and
        the response rate (None for the targets that are not the survey's)."""
        survey = self.survey
        if key not in ("knowledge", "collaboration") or survey is None:
            return None
        answered = survey.knowledge.of if key == "knowledge" else survey.collaboration.of
        what = "both questions" if key == "knowledge" else "the question"
        return (
            f"{answered} of {survey.responded} respondents answered {what}; response rate "
            f"{pct_text(survey.response_rate)} ({survey.responded} of {survey.invited} invited)"
        )

    @property
    def definitions(self) -> tuple[tuple[str, str], ...]:
        return definitions(self.header.threshold_minutes)


def percent(count: int, of: int) -> float | None:
    """``count`` as a percentage of ``of`` (None when ``of`` is 0: no data, not 0%)."""
    return 100 * count / of if of else None


def definitions(threshold_minutes: int) -> tuple[tuple[str, str], ...]:
    """How each figure is counted, printed in every output so a reader can check it."""
    return (
        (
            "Participants",
            "Confirmed registrations whose role is participant; speakers, moderators and "
            "organisers are excluded, and so is a registrant who is a speaker or moderator on "
            "the agenda (counted as a speaker). Cancelled, waiting, pending and rejected "
            "registrations do "
            "not count; erased registrations do (their sex, youth, economy and attendance are "
            "kept for the statistics).",
        ),
        (
            "Attended",
            f"Present for at least {threshold_minutes} minutes on at least one day (joins "
            "merged, overlaps counted once), or checked in by an organiser without a check-out.",
        ),
        (
            "Sex",
            "As the person declared it: Female, Male, Other, Prefer not to say. Undisclosed "
            "(and any unrecorded value) is its own line, so the lines add up to the total; "
            "percentages are of the whole group, undisclosed included.",
        ),
        (
            "% women participants",
            "Female attended participants over all attended participants.",
        ),
        (
            "% women and/or youth",
            "Attended participants who are female or youth (under 35), each counted once, over "
            "all attended participants.",
        ),
        (
            "Attendees",
            "The number of attended participants (speakers and organisers excluded).",
        ),
        (
            "Speakers / experts",
            "Speakers and moderators of agenda items that are not cancelled, together with "
            "confirmed registrations whose role is speaker or moderator. A person found in both "
            "counts once, with the sex and economy of the registration: the same e-mail address "
            "(letter case ignored), or, for an agenda speaker that no registration has by "
            "e-mail, the registrant of the same economy with the same name (accents, letter "
            "case and word order ignored) and no other sex recorded.",
        ),
        (
            "Economies",
            "Member economies with at least one attended participant; the non-member line and "
            "economies with only speakers are shown in the table but not counted.",
        ),
        (
            "Per day",
            "Participants who attended that day, by sex.",
        ),
        (
            "Response rate",
            "Submitted survey responses over survey invitations.",
        ),
        (
            "% reporting increased knowledge",
            "Respondents whose self-rated knowledge after the event (1–5) is higher than before, "
            "over the respondents who answered both questions. The means are over the same "
            "respondents.",
        ),
        (
            "% identifying collaboration opportunities",
            "Respondents answering yes over the respondents who answered the question.",
        ),
        (
            "95% interval and “uncertain”",
            "Wilson score interval of a survey percentage. A target is flagged uncertain when "
            "the interval straddles it: with this many responses the survey cannot tell whether "
            "the target was reached.",
        ),
        (
            "Met",
            "The actual figure is at least the target (percentages compared before rounding).",
        ),
    )


def pct_text(value: float | None) -> str:
    """A percentage as the report prints it ("33.3%"), or "—" when there is no data."""
    return "—" if value is None else f"{value:.1f}%"


def number_text(value: float | None, unit: str) -> str:
    """A figure in its unit: a percentage or a plain count."""
    if unit == "%":
        return pct_text(value)
    return "—" if value is None else f"{value:g}"


def interval_text(low: float | None, high: float | None) -> str:
    """A 95% interval in percent ("15.0–85.0%"), or "" when there is none."""
    if low is None or high is None:
        return ""
    return f"{low:.1f}–{high:.1f}%"


def mean_text(value: float | None) -> str:
    """A mean on the 1–5 scale as printed ("2.50"), or "—"."""
    return "—" if value is None else f"{value:.2f}"


def survey_lines(survey: SurveyFigures | None) -> list[tuple[str, str]]:
    """The survey's figures as (measure, value) lines, for the PDF and the dashboard."""
    if survey is None:
        return [("Survey", "no survey for this symposium")]
    knowledge, collaboration = survey.knowledge, survey.collaboration
    knowledge_interval = interval_text(knowledge.low_pct, knowledge.high_pct) or "—"
    collaboration_interval = interval_text(collaboration.low_pct, collaboration.high_pct) or "—"
    return [
        ("Invited", str(survey.invited)),
        ("Responded", str(survey.responded)),
        ("Response rate", pct_text(survey.response_rate)),
        (
            "Reporting increased knowledge",
            f"{knowledge.count} of {knowledge.of} who answered both: {pct_text(knowledge.pct)} "
            f"(95% interval {knowledge_interval})",
        ),
        ("Mean knowledge before (1–5)", mean_text(survey.mean_before)),
        ("Mean knowledge after (1–5)", mean_text(survey.mean_after)),
        ("Mean change", mean_text(survey.mean_change)),
        (
            "Identifying collaboration opportunities",
            f"{collaboration.count} of {collaboration.of} who answered: "
            f"{pct_text(collaboration.pct)} (95% interval {collaboration_interval})",
        ),
    ]
