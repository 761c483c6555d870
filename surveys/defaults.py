"""The default post-event evaluation, as plain data: what every symposium's survey starts with.

The wording follows the evaluation questions of APEC project proposals; the questions the
completion report needs are marked with their ``Outcome`` so rewording them changes nothing.
"""

from __future__ import annotations

from surveys.models import Outcome, QuestionKind

TITLE = "Post-event evaluation: {title}"
INTRODUCTION = (
    "Thank you for taking part in **{title}**.\n\n"
    "This evaluation takes about five minutes. Your answers show the project overseer and "
    "APEC what the symposium achieved and how the next one can be better."
)
# How long the survey stays open after the symposium's last day, unless organisers change it.
OPEN_DAYS = 14

_QUALITY = {"low_label": "Very poor", "high_label": "Excellent"}
_KNOWLEDGE = {"low_label": "Very low", "high_label": "Very high"}

SECTIONS: list[dict] = [
    {
        "title": "Relevance and results",
        "questions": [
            {
                "kind": QuestionKind.SCALE,
                "text": "How relevant was the symposium to your work?",
                "required": True,
                "low_label": "Not relevant",
                "high_label": "Highly relevant",
            },
            {
                "kind": QuestionKind.SCALE,
                "text": "To what extent were the objectives of the symposium achieved?",
                "required": True,
                "low_label": "Not at all",
                "high_label": "Fully",
            },
            {
                "kind": QuestionKind.SCALE,
                "text": "How would you rate your knowledge of the topic BEFORE the symposium?",
                "help": "Think back to before the first day.",
                "required": True,
                "outcome": Outcome.KNOWLEDGE_BEFORE,
                **_KNOWLEDGE,
            },
            {
                "kind": QuestionKind.SCALE,
                "text": "How would you rate your knowledge of the topic AFTER the symposium?",
                "required": True,
                "outcome": Outcome.KNOWLEDGE_AFTER,
                **_KNOWLEDGE,
            },
            {
                "kind": QuestionKind.YES_NO,
                "text": "Did you identify opportunities for collaboration with other economies?",
                "required": True,
                "outcome": Outcome.COLLABORATION,
            },
            {
                "kind": QuestionKind.SHORT_TEXT,
                "text": "If yes, which opportunities, and with which economies?",
            },
            {
                "kind": QuestionKind.LONG_TEXT,
                "text": "How will you apply what you learned in your work?",
            },
        ],
    },
    {
        "title": "The symposium",
        "questions": [
            {
                "kind": QuestionKind.SCALE,
                "text": "How would you rate the quality of the speakers?",
                "required": True,
                **_QUALITY,
            },
            {
                "kind": QuestionKind.SCALE,
                "text": "How would you rate the quality of the content?",
                "required": True,
                **_QUALITY,
            },
            {
                "kind": QuestionKind.SCALE,
                "text": "How would you rate the videoconference platform?",
                "help": "Sound, picture, interpretation and ease of joining.",
                "required": True,
                **_QUALITY,
            },
            {
                "kind": QuestionKind.SINGLE,
                "text": "Was the time allotted to the symposium sufficient?",
                "required": True,
                "options": ["Too short", "About right", "Too long"],
            },
        ],
    },
    {
        "title": "Looking ahead",
        "questions": [
            {
                "kind": QuestionKind.LONG_TEXT,
                "text": "Which topics should future symposia or follow-up activities address?",
            },
            {
                "kind": QuestionKind.LONG_TEXT,
                "text": "Any other comments?",
            },
        ],
    },
]

# The kind each report question must keep, whatever else changes.
OUTCOME_KINDS = {
    Outcome.KNOWLEDGE_BEFORE: QuestionKind.SCALE,
    Outcome.KNOWLEDGE_AFTER: QuestionKind.SCALE,
    Outcome.COLLABORATION: QuestionKind.YES_NO,
}
OUTCOME_NAMES = {
    Outcome.KNOWLEDGE_BEFORE: "knowledge before the symposium",
    Outcome.KNOWLEDGE_AFTER: "knowledge after the symposium",
    Outcome.COLLABORATION: "collaboration opportunities",
}
