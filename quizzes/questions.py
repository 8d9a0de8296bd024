"""Questions as plain data: what an attempt snapshots, what graders and importers exchange.

No ORM here. The question bank models (next step of the quizzes issue) store these fields
and build `QuestionData` for an attempt's snapshot; graders and the Moodle XML / GIFT
importers work on `QuestionData` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_RESPONSE = "multiple_response"
    TRUE_FALSE = "true_false"
    MATCHING = "matching"
    ORDERING = "ordering"
    SHORT_ANSWER = "short_answer"


class PartialCredit(StrEnum):
    """How a multiple-response question scores an answer that is partly right."""

    ALL_OR_NOTHING = "all_or_nothing"
    # Each correct choice selected earns its share; each wrong choice selected costs one
    # share; never below zero.
    RIGHT_MINUS_WRONG = "right_minus_wrong"


# Kinds answered by selecting choices (ordering also has choices, answered by positions).
SELECT_KINDS = frozenset(
    {QuestionKind.SINGLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.MULTIPLE_RESPONSE}
)


@dataclass(frozen=True)
class Choice:
    key: str  # stable: stored answers point at it; never reused within a question
    text: str
    correct: bool = False
    feedback: str = ""


@dataclass(frozen=True)
class MatchPair:
    key: str
    prompt: str
    answer: str


@dataclass(frozen=True)
class QuestionData:
    kind: QuestionKind
    stem: str  # HTML (rich text) or plain text
    choices: tuple[Choice, ...] = ()  # single/multiple/true-false; ordering: in correct order
    pairs: tuple[MatchPair, ...] = ()  # matching
    accepted_answers: tuple[str, ...] = ()  # short answer
    case_sensitive: bool = False  # short answer
    partial_credit: PartialCredit = PartialCredit.ALL_OR_NOTHING
    explanation: str = ""  # general feedback
    title: str = ""
    points: float = 1.0
    tags: tuple[str, ...] = field(default_factory=tuple)  # e.g. indicator ref ids on import


def question_to_dict(question: QuestionData) -> dict:
    """`QuestionData` as JSON-ready data: what an attempt stores as its snapshot."""
    return {
        "kind": question.kind.value,
        "stem": question.stem,
        "choices": [
            {"key": c.key, "text": c.text, "correct": c.correct, "feedback": c.feedback}
            for c in question.choices
        ],
        "pairs": [{"key": p.key, "prompt": p.prompt, "answer": p.answer} for p in question.pairs],
        "accepted_answers": list(question.accepted_answers),
        "case_sensitive": question.case_sensitive,
        "partial_credit": question.partial_credit.value,
        "explanation": question.explanation,
        "title": question.title,
        "points": question.points,
        "tags": list(question.tags),
    }


def question_from_dict(data: dict) -> QuestionData:
    """The inverse of `question_to_dict`."""
    return QuestionData(
        kind=QuestionKind(data["kind"]),
        stem=data.get("stem", ""),
        choices=tuple(Choice(**c) for c in data.get("choices", ())),
        pairs=tuple(MatchPair(**p) for p in data.get("pairs", ())),
        accepted_answers=tuple(data.get("accepted_answers", ())),
        case_sensitive=bool(data.get("case_sensitive", False)),
        partial_credit=PartialCredit(data.get("partial_credit", PartialCredit.ALL_OR_NOTHING)),
        explanation=data.get("explanation", ""),
        title=data.get("title", ""),
        points=float(data.get("points", 1.0)),
        tags=tuple(data.get("tags", ())),
    )
