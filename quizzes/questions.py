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
