"""Editing the questionnaire: questions and sections, added, changed, moved and removed.

Once responses have arrived, answered questions keep their type and options and cannot be
removed, because the answers refer to them; wording fixes stay allowed and each is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from surveys import defaults
from surveys.models import Question, QuestionChange, QuestionKind, Survey, SurveySection
from surveys.services import SurveyError, has_responses, question_answered
from symposium.services import lock_symposium

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
KIND_LABELS = {
    QuestionKind.SCALE: "Scale 1–5",
    QuestionKind.YES_NO: "Yes / no",
    QuestionKind.SINGLE: "One choice",
    QuestionKind.MULTIPLE: "Several choices",
    QuestionKind.SHORT_TEXT: "Short text",
    QuestionKind.LONG_TEXT: "Long text",
}
# The wording organisers may still fix once responses have arrived, as the change log names it.
WORDING = {"text": "Question", "help": "Help", "low_label": "1 means", "high_label": "5 means"}


@dataclass(frozen=True)
class QuestionInput:
    """One question as organisers write it."""

    kind: str
    text: str
    help: str = ""
    required: bool = False
    options: tuple[str, ...] = ()
    low_label: str = ""
    high_label: str = ""


def _clean(data: QuestionInput) -> QuestionInput:
    """The question as it will be stored, or a SurveyError naming the field at fault."""
    if data.kind not in set(QuestionKind):
        raise SurveyError("Choose the type of question.", "kind")
    text, help_text = data.text.strip(), data.help.strip()
    if not text:
        raise SurveyError("Write the question.", "text")
    if len(text) > 500 or len(help_text) > 500:
        raise SurveyError("Keep the question and its help under 500 characters.", "text")
    options: tuple[str, ...] = ()
    if data.kind in CHOICE_KINDS:
        options = tuple(dict.fromkeys(o.strip() for o in data.options if o.strip()))
        if len(options) < 2:
            raise SurveyError("Give at least two options, one a line.", "options")
        if any(len(option) > 200 for option in options):
            raise SurveyError("Keep each option under 200 characters.", "options")
    low, high = data.low_label.strip(), data.high_label.strip()
    if data.kind != QuestionKind.SCALE:
        low = high = ""  # the labels of the ends mean something on a scale only
    if len(low) > 100 or len(high) > 100:
        raise SurveyError("Keep the labels under 100 characters.", "low_label")
    return QuestionInput(data.kind, text, help_text, data.required, options, low, high)


def _check_outcome_kind(question: Question, kind: str) -> None:
    if question.outcome and kind != defaults.OUTCOME_KINDS[question.outcome]:
        name = defaults.OUTCOME_NAMES[question.outcome]
        expected = KIND_LABELS[defaults.OUTCOME_KINDS[question.outcome]].lower()
        raise SurveyError(
            f"The completion report reads this question ({name}) as a {expected} question, "
            "so its type stays.",
            "kind",
        )


def add_question(session: Session, section: SurveySection, data: QuestionInput) -> Question:
    """Add a question at the end of ``section``."""
    data = _clean(data)
    question = Question(
        position=len(section.questions) + 1,
        kind=data.kind,
        text=data.text,
        help=data.help,
        required=data.required,
        options=list(data.options),
        low_label=data.low_label,
        high_label=data.high_label,
    )
    section.questions.append(question)
    session.flush()
    return question


def update_question(
    session: Session,
    question: Question,
    data: QuestionInput,
    *,
    section: SurveySection | None = None,
    user_id: int | None = None,
) -> list[QuestionChange]:
    """Change a question (and perhaps move it to the end of another ``section``).

    Once somebody has answered it, its type and options stay, because their answers refer to
    them; wording fixes are allowed, and once any response has arrived each is logged.
    Returns the logged changes.
    """
    data = _clean(data)
    _check_outcome_kind(question, data.kind)
    survey = question.section.survey
    answered = question_answered(session, question)
    if answered and data.kind != question.kind:
        raise SurveyError(
            "Responses have arrived, so the type of this question can no longer change. "
            "Add a new question instead.",
            "kind",
        )
    if answered and list(data.options) != list(question.options or []):
        raise SurveyError(
            "Responses have arrived, so the options can no longer change: answers refer to "
            "them. Add a new question instead.",
            "options",
        )
    if answered:
        _refuse_swapped_ends(session, question, data)
    changes = []
    logged = has_responses(session, survey)
    for name, label in WORDING.items():
        old, new = getattr(question, name), getattr(data, name)
        if logged and old != new:
            prefix = "" if name == "text" else f"{label}: "
            changes.append(
                QuestionChange(
                    question_id=question.id,
                    changed_by_id=user_id,
                    old_text=prefix + old,
                    new_text=prefix + new,
                )
            )
        setattr(question, name, new)
    question.kind, question.required, question.options = (
        data.kind,
        data.required,
        list(data.options),
    )
    session.add_all(changes)
    if section is not None and section.id != question.section_id:
        if section.survey_id != question.section.survey_id:
            raise SurveyError("A question can only move to a section of its own survey.")
        # Out of one collection and into the other before anything is flushed: flushed in
        # between (loading the new section's questions would), the question is an orphan
        # and deleted.
        with session.no_autoflush:
            old_section = question.section
            old_section.questions.remove(question)
            _renumber(old_section.questions)
            question.position = len(section.questions) + 1
            section.questions.append(question)
    session.flush()
    return changes


def _answered_ends(session: Session, question: Question) -> tuple[str, str]:
    """What 1 and 5 meant when the first answers arrived: each end's label before its first
    logged change, or as it is when it never changed."""
    ends = []
    for name in ("low_label", "high_label"):
        prefix = f"{WORDING[name]}: "
        first = session.scalar(
            sa.select(QuestionChange.old_text)
            .where(
                QuestionChange.question_id == question.id,
                QuestionChange.old_text.startswith(prefix, autoescape=True),
            )
            .order_by(QuestionChange.changed_at, QuestionChange.id)
            .limit(1)
        )
        ends.append(first[len(prefix) :] if first is not None else getattr(question, name))
    return ends[0], ends[1]


def _refuse_swapped_ends(session: Session, question: Question, data: QuestionInput) -> None:
    """Once answered, neither end of a scale may take the meaning the other end had when the
    answers were given (also in two steps): that would turn those answers around."""
    low, high = (label.strip().casefold() for label in _answered_ends(session, question))
    if low == high:
        return
    if data.low_label.strip().casefold() == high or data.high_label.strip().casefold() == low:
        raise SurveyError(
            "Responses have arrived: giving one end of the scale what the other end meant "
            "would turn the answers already given around. Fix the wording of each end "
            "instead, or add a new question.",
            "low_label",
        )


def remove_question(session: Session, question: Question) -> None:
    """Remove a question nobody has answered (the report's own questions stay)."""
    if question.outcome:
        name = defaults.OUTCOME_NAMES[question.outcome]
        raise SurveyError(f"The completion report needs this question ({name}); reword it instead.")
    section = question.section
    if question_answered(session, question):
        raise SurveyError(
            "This question has been answered, so it can no longer be removed: the answers "
            "would be lost. You can still fix the wording."
        )
    section.questions.remove(question)
    session.delete(question)
    _renumber(section.questions)
    session.flush()


def move_question(
    session: Session, question: Question, offset: int, shown_at: int | None = None
) -> None:
    """Move a question ``offset`` places within its section (−1 up, +1 down); ``shown_at`` as
    for ``_move``."""
    lock_symposium(session, question.section.survey.symposium_id)
    session.refresh(question.section, ["questions"])  # as saved once the lock is ours
    _move(question.section.questions, question, offset, shown_at)
    session.flush()


def question_changes(session: Session, survey: Survey) -> list[tuple[QuestionChange, str]]:
    """The logged wording fixes of the survey, newest first, each with its question's text."""
    rows = session.execute(
        sa.select(QuestionChange, Question.text)
        .join(Question, Question.id == QuestionChange.question_id)
        .join(SurveySection, SurveySection.id == Question.section_id)
        .where(SurveySection.survey_id == survey.id)
        .order_by(QuestionChange.changed_at.desc(), QuestionChange.id.desc())
    )
    return [(change, text) for change, text in rows]


# --- sections -----------------------------------------------------------------------------------


def _section_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise SurveyError("Give the section a title.", "title")
    if len(title) > 300:
        raise SurveyError("Keep the title under 300 characters.", "title")
    return title


def add_section(session: Session, survey: Survey, title: str) -> SurveySection:
    """Add an empty section at the end of the survey."""
    section = SurveySection(position=len(survey.sections) + 1, title=_section_title(title))
    survey.sections.append(section)
    session.flush()
    return section


def rename_section(session: Session, section: SurveySection, title: str) -> None:
    """Give a section a new title (allowed at any time: it holds no answers)."""
    section.title = _section_title(title)
    session.flush()


def move_section(
    session: Session, section: SurveySection, offset: int, shown_at: int | None = None
) -> None:
    """Move a section ``offset`` places (−1 up, +1 down) with all its questions; ``shown_at``
    as for ``_move``."""
    lock_symposium(session, section.survey.symposium_id)
    session.refresh(section.survey, ["sections"])  # as saved once the lock is ours
    _move(section.survey.sections, section, offset, shown_at)
    session.flush()


def remove_section(session: Session, section: SurveySection) -> None:
    """Remove an empty section (its questions must be removed or moved first)."""
    if section.questions:
        raise SurveyError(f"“{section.title}” still has questions: move or remove them first.")
    survey = section.survey
    survey.sections.remove(section)
    session.delete(section)
    _renumber(survey.sections)
    session.flush()


def _move(records: list, record, offset: int, shown_at: int | None) -> None:
    """Move ``record`` within ``records``. ``shown_at`` is its place on the page the arrow was
    pressed on: when it is elsewhere now (the arrow sent twice, or a colleague moved something
    since the page was drawn), nothing moves and SurveyError says so. Taken under the
    symposium's lock, two moves at once run one after the other."""
    index = records.index(record)
    if shown_at is not None and shown_at != index:
        raise SurveyError(
            "That is no longer where your page showed it: the survey changed since the page was "
            "drawn (perhaps another organiser moved something, or the arrow was sent twice), so "
            "nothing moved. This is the survey as it is now."
        )
    target = min(max(index + offset, 0), len(records) - 1)
    if target != index:
        ordered = list(records)
        ordered.insert(target, ordered.pop(index))
        _renumber(ordered)


def _renumber(records: list) -> None:
    for position, record in enumerate(records, start=1):
        record.position = position
