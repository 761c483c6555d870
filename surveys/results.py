"""The survey's results: counts per question, splits by sex and economy and the two outcome
figures of the completion report. Pure: plain data in and out, tested without a database
(result_queries.py reads a survey's answers and hands them here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from statistics import fmean

from surveys.models import (
    Outcome,
    QuestionKind,
)
from symposium.confidence import wilson_interval
from symposium.models import SEXES

# Undisclosed values are reported on a line of their own, never dropped, so totals add up.
NOT_GIVEN = "Not given"
SEX_GROUPS = (*SEXES, NOT_GIVEN)
SMALL_GROUP = 3  # in an anonymous survey, fewer answers than this are not shown as a group
SMALL_GROUPS = f"Groups of fewer than {SMALL_GROUP}"
SCALE_POINTS = (1, 2, 3, 4, 5)
CHART_KINDS = frozenset(
    {QuestionKind.SCALE, QuestionKind.YES_NO, QuestionKind.SINGLE, QuestionKind.MULTIPLE}
)

# What one answer holds: a number (scale, yes/no), a text (text, single choice) or choices.
Value = int | str | list[str] | None


@dataclass(frozen=True)
class QuestionInfo:
    """A question as the results need it."""

    id: int
    number: int  # 1, 2, … in questionnaire order
    section: str
    kind: str
    text: str
    options: tuple[str, ...] = ()
    low_label: str = ""
    high_label: str = ""
    outcome: str | None = None

    @property
    def charted(self) -> bool:
        return self.kind in CHART_KINDS


@dataclass(frozen=True)
class ResponseRecord:
    """A submitted response with its answers by question id."""

    id: int
    submitted_at: dt.datetime
    sex: str | None
    economy: str | None
    answers: dict[int, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionCounts:
    """How many respondents picked each category; ``answered`` counts respondents, so for a
    multiple choice the counts may add up to more."""

    labels: tuple[str, ...]
    counts: tuple[int, ...]
    answered: int
    mean: float | None = None  # scales only


@dataclass(frozen=True)
class GroupCounts:
    group: str
    counts: QuestionCounts
    hidden: bool = False  # too few answers to show them in an anonymous survey


@dataclass(frozen=True)
class OutcomeFigure:
    """A completion-report figure: ``numerator`` of ``denominator`` respondents, against a
    target. ``met`` is None when there is no target or nobody to count."""

    numerator: int
    denominator: int
    target_pct: int | None
    mean_before: float | None = None
    mean_after: float | None = None
    sources: tuple[str, ...] = ()  # the texts of the questions it is computed from
    problem: str | None = None  # why it cannot be computed (a marker is missing)

    @property
    def pct(self) -> float | None:
        return 100 * self.numerator / self.denominator if self.denominator else None

    @property
    def met(self) -> bool | None:
        if self.pct is None or self.target_pct is None:
            return None
        # On the exact counts, as the completion report decides it (never a rounded figure).
        return self.numerator * 100 >= self.target_pct * self.denominator

    @property
    def interval_pct(self) -> tuple[float, float] | None:
        """The 95% interval of the share, in percent (None without respondents)."""
        interval = wilson_interval(self.numerator, self.denominator)
        return None if interval is None else (100 * interval[0], 100 * interval[1])

    @property
    def uncertain(self) -> bool:
        """Whether the interval straddles the target: met or not, more answers could turn it."""
        interval = self.interval_pct
        return (
            interval is not None
            and self.target_pct is not None
            and interval[0] < self.target_pct < interval[1]
        )


@dataclass(frozen=True)
class ResponseRate:
    responses: int
    invitations: int

    @property
    def pct(self) -> float | None:
        return 100 * self.responses / self.invitations if self.invitations else None


@dataclass(frozen=True)
class TextAnswer:
    text: str
    submitted_at: dt.datetime | None  # None in an anonymous survey


@dataclass(frozen=True)
class QuestionResult:
    """One question's results: counts and splits for a chart question, answers for a text."""

    question: QuestionInfo
    counts: QuestionCounts | None = None
    by_sex: tuple[GroupCounts, ...] = ()
    by_economy: tuple[GroupCounts, ...] = ()
    texts: tuple[TextAnswer, ...] = ()

    def split(self, by: str) -> tuple[GroupCounts, ...]:
        """The counts by "sex" or by "economy"."""
        return self.by_economy if by == "economy" else self.by_sex


@dataclass(frozen=True)
class SurveyResults:
    anonymous: bool
    rate: ResponseRate
    questions: tuple[QuestionResult, ...]
    knowledge: OutcomeFigure
    collaboration: OutcomeFigure
    responses: tuple[ResponseRecord, ...]


# --- counting --------------------------------------------------------------------------------


def categories(kind: str, options: Sequence[str], values: Iterable[Value] = ()) -> tuple[str, ...]:
    """The labels a chart question is counted under, in display order.

    Choices that are not among the options (an option renamed after answers arrived) get a
    category of their own after the options, so no answer disappears from the counts.
    """
    if kind == QuestionKind.SCALE:
        return tuple(str(point) for point in SCALE_POINTS)
    if kind == QuestionKind.YES_NO:
        return ("Yes", "No")
    return tuple(dict.fromkeys([*options, *(c for value in values for c in _choices(value))]))


def _choices(value: Value) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [choice for choice in value if choice]
    return []


def _category_indexes(kind: str, labels: Sequence[str], value: Value) -> list[int]:
    """Where one answer is counted; an empty list when it is not a usable answer."""
    if kind == QuestionKind.SCALE:
        return [value - 1] if isinstance(value, int) and value in SCALE_POINTS else []
    if kind == QuestionKind.YES_NO:
        return {1: [0], 0: [1]}.get(value, []) if isinstance(value, int) else []
    # A multiple choice lists each option once, however the answer was stored.
    return sorted({labels.index(c) for c in _choices(value) if c in labels})


def tally(kind: str, labels: Sequence[str], values: Iterable[Value]) -> QuestionCounts:
    """Count ``values`` under the given ``labels`` (see ``categories``)."""
    counts = [0] * len(labels)
    answered = 0
    points: list[int] = []
    for value in values:
        indexes = _category_indexes(kind, labels, value)
        if not indexes:
            continue
        answered += 1
        for index in indexes:
            counts[index] += 1
        if kind == QuestionKind.SCALE:
            points.append(int(value))  # type: ignore[arg-type]
    mean = fmean(points) if points else None
    return QuestionCounts(tuple(labels), tuple(counts), answered, mean)


def question_counts(kind: str, options: Sequence[str], values: Sequence[Value]) -> QuestionCounts:
    """The counts of a chart question's answers, per scale point, yes/no or option."""
    return tally(kind, categories(kind, options, values), values)


def split_counts(
    kind: str,
    options: Sequence[str],
    grouped: Iterable[tuple[str, Value]],
    groups: Sequence[str],
) -> tuple[GroupCounts, ...]:
    """The counts per group (sex or economy) of ``(group, value)`` pairs, every group with the
    same labels; a group not in ``groups`` is counted as NOT_GIVEN so the groups add up."""
    pairs = list(grouped)
    labels = categories(kind, options, (value for _, value in pairs))
    by_group: dict[str, list[Value]] = {group: [] for group in groups}
    for group, value in pairs:
        by_group.setdefault(group if group in by_group else NOT_GIVEN, []).append(value)
    return tuple(
        GroupCounts(group, tally(kind, labels, values)) for group, values in by_group.items()
    )


def knowledge_gain(
    pairs: Iterable[tuple[int | None, int | None]], target_pct: int | None = None
) -> OutcomeFigure:
    """% reporting increased knowledge: respondents whose after > before, over those who
    answered both (a respondent who skipped either is left out of the numerator and the
    denominator alike), with the means before and after over the same respondents."""
    both = [(b, a) for b, a in pairs if isinstance(b, int) and isinstance(a, int)]
    return OutcomeFigure(
        numerator=sum(1 for before, after in both if after > before),
        denominator=len(both),
        target_pct=target_pct,
        mean_before=fmean(b for b, _ in both) if both else None,
        mean_after=fmean(a for _, a in both) if both else None,
    )


def collaboration(values: Iterable[bool | None], target_pct: int | None = None) -> OutcomeFigure:
    """% identifying collaboration opportunities: yes over those who answered."""
    answered = [value for value in values if value is not None]
    return OutcomeFigure(sum(answered), len(answered), target_pct)


def _is_yes(value: Value) -> bool | None:
    """A collaboration answer as yes/no, whether asked as yes/no or as a choice (where any
    choice but "Yes" counts as answered and not yes)."""
    if isinstance(value, int):
        return {1: True, 0: False}.get(value)
    if isinstance(value, str) and value.strip():
        return value.strip().casefold() == "yes"
    return None


# --- the whole survey ------------------------------------------------------------------------


def _marked(questions: Sequence[QuestionInfo], outcome: Outcome) -> QuestionInfo | None:
    return next((q for q in questions if q.outcome == outcome), None)


def outcome_figures(
    questions: Sequence[QuestionInfo],
    responses: Sequence[ResponseRecord],
    knowledge_target: int | None,
    collaboration_target: int | None,
) -> tuple[OutcomeFigure, OutcomeFigure]:
    """The knowledge and collaboration figures, from the questions marked for them (whatever
    their wording); a figure whose marker is missing says so in ``problem``."""
    before = _marked(questions, Outcome.KNOWLEDGE_BEFORE)
    after = _marked(questions, Outcome.KNOWLEDGE_AFTER)
    if before is None or after is None:
        missing = "knowledge before" if before is None else "knowledge after"
        knowledge = OutcomeFigure(
            0, 0, knowledge_target, problem=f"No question is marked “{missing}”."
        )
    else:
        pairs = [(r.answers.get(before.id), r.answers.get(after.id)) for r in responses]
        knowledge = replace(
            knowledge_gain(pairs, knowledge_target),  # type: ignore[arg-type]
            sources=(before.text, after.text),
        )
    marked = _marked(questions, Outcome.COLLABORATION)
    if marked is None:
        problem = "No question is marked “collaboration”."
        together = OutcomeFigure(0, 0, collaboration_target, problem=problem)
    else:
        values = [_is_yes(r.answers.get(marked.id)) for r in responses]
        together = replace(collaboration(values, collaboration_target), sources=(marked.text,))
    return knowledge, together


def question_result(
    question: QuestionInfo,
    responses: Sequence[ResponseRecord],
    economies: Sequence[str],
    anonymous: bool = False,
) -> QuestionResult:
    """One question's counts and splits, or its text answers newest first (in an anonymous
    survey, in alphabetical order and undated: see ``surveys.exports.export_table``)."""
    answered = [r for r in responses if r.answers.get(question.id) not in (None, "", [])]
    if not question.charted:
        if anonymous:
            said = sorted((str(r.answers[question.id]) for r in answered), key=str.casefold)
            return QuestionResult(question, texts=tuple(TextAnswer(t, None) for t in said))
        newest = sorted(answered, key=lambda r: (r.submitted_at, r.id), reverse=True)
        texts = tuple(TextAnswer(str(r.answers[question.id]), r.submitted_at) for r in newest)
        return QuestionResult(question, texts=texts)
    kind, options, key = question.kind, question.options, question.id
    by_sex = [(r.sex or NOT_GIVEN, r.answers[key]) for r in answered]
    by_economy = [(r.economy or NOT_GIVEN, r.answers[key]) for r in answered]
    split = pooled_split_counts if anonymous else split_counts
    return QuestionResult(
        question,
        counts=question_counts(kind, options, [r.answers[key] for r in answered]),
        by_sex=split(kind, options, by_sex, SEX_GROUPS),
        by_economy=split(kind, options, by_economy, (*economies, NOT_GIVEN)),
    )


def pooled_split_counts(
    kind: str,
    options: Sequence[str],
    grouped: Iterable[tuple[str, Value]],
    groups: Sequence[str],
) -> tuple[GroupCounts, ...]:
    """``split_counts`` for an anonymous survey: a group with fewer than SMALL_GROUP answers
    could be one known person (the only delegate of an economy), so such groups are counted
    together under SMALL_GROUPS, whose answers are hidden too if fewer than SMALL_GROUP."""
    pairs = [(group if group in groups else NOT_GIVEN, value) for group, value in grouped]
    sizes: dict[str, int] = {}
    for group, _ in pairs:
        sizes[group] = sizes.get(group, 0) + 1
    small = {group for group, size in sizes.items() if size < SMALL_GROUP}
    if not small:
        return split_counts(kind, options, pairs, groups)
    pairs = [(SMALL_GROUPS if group in small else group, value) for group, value in pairs]
    kept = [group for group in groups if group not in small]
    split = split_counts(kind, options, pairs, (*kept, SMALL_GROUPS))
    pool = split[-1]
    return (*split[:-1], replace(pool, hidden=pool.counts.answered < SMALL_GROUP))


def summarise(
    questions: Sequence[QuestionInfo],
    responses: Sequence[ResponseRecord],
    invitations: int,
    economies: Sequence[str],
    targets: tuple[int | None, int | None] = (None, None),
    anonymous: bool = False,
) -> SurveyResults:
    """All the results from plain data; ``economies`` in the order their split is shown,
    ``targets`` the knowledge and collaboration targets in %."""
    knowledge, together = outcome_figures(questions, responses, *targets)
    return SurveyResults(
        anonymous=anonymous,
        rate=ResponseRate(len(responses), invitations),
        questions=tuple(question_result(q, responses, economies, anonymous) for q in questions),
        knowledge=knowledge,
        collaboration=together,
        responses=tuple(responses),
    )
