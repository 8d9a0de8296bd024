"""Helpers shared by the GIFT and Moodle XML parsers and writers."""

from __future__ import annotations

import html
import re

from quizzes.questions import Choice, QuestionData, QuestionKind

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_LABEL = "5 MB"

TRUE_KEY, FALSE_KEY = "true", "false"

_TAG = re.compile(r"<[A-Za-z/!][^>]*>")


def choice_key(position: int) -> str:
    """Keys the importers give choices (single, multiple response, ordering): c1, c2, ..."""
    return f"c{position + 1}"


def pair_key(position: int) -> str:
    """Keys the importers give matching pairs: m1, m2, ..."""
    return f"m{position + 1}"


def true_false_choices(
    answer: bool, true_feedback: str = "", false_feedback: str = ""
) -> tuple[Choice, ...]:
    """The two choices of a true/false question, keyed "true" and "false" (as graded)."""
    return (
        Choice(TRUE_KEY, "True", correct=answer, feedback=true_feedback),
        Choice(FALSE_KEY, "False", correct=not answer, feedback=false_feedback),
    )


def true_false_answer(question: QuestionData) -> bool:
    """Whether the right answer of a true/false question is "true"."""
    for choice in question.choices:
        if choice.correct:
            value = choice.key.strip().lower() or choice.text.strip().lower()
            if value in (TRUE_KEY, "t"):
                return True
            if value in (FALSE_KEY, "f"):
                return False
    raise ValueError(
        f"True/false question {question.title or question.stem[:40]!r}: no choice "
        "keyed 'true' or 'false' is marked correct."
    )


def true_false_feedback(question: QuestionData) -> tuple[str, str]:
    """(feedback when "true" is chosen, feedback when "false" is chosen)."""
    by_key = {choice.key.strip().lower(): choice.feedback for choice in question.choices}
    return by_key.get(TRUE_KEY, ""), by_key.get(FALSE_KEY, "")


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text))


def excerpt(text: str, length: int = 60) -> str:
    """A one-line plain-text start of a (possibly HTML) text, for display."""
    plain = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"


def unique(values: list[str]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, in order."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return tuple(seen)


def check(question: QuestionData) -> str:
    """Why an imported question is unusable, or "" when it is fine."""
    if not question.stem.strip():
        return "The question text is empty."
    kind = question.kind
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_RESPONSE):
        if len(question.choices) < 2:
            return "A choice question needs at least two answers."
        if any(not choice.text.strip() for choice in question.choices):
            return "An answer has no text."
        if not any(choice.correct for choice in question.choices):
            return "No answer is marked correct."
    elif kind == QuestionKind.TRUE_FALSE:
        if sum(choice.correct for choice in question.choices) != 1:
            return "A true/false question needs exactly one right answer."
    elif kind == QuestionKind.MATCHING:
        if len(question.pairs) < 2:
            return "A matching question needs at least two pairs."
        if any(not pair.answer.strip() for pair in question.pairs):
            return "A matching pair has no answer."
    elif kind == QuestionKind.ORDERING:
        if len(question.choices) < 2:
            return "An ordering question needs at least two items."
        if any(not choice.text.strip() for choice in question.choices):
            return "An item to order has no text."
    elif kind == QuestionKind.SHORT_ANSWER and not question.accepted_answers:
        return "A short-answer question needs at least one accepted answer."
    return ""


def format_points(points: float) -> str:
    return str(int(points)) if float(points).is_integer() else repr(float(points))


def right_minus_wrong_warning(weights: list[float], noun: str) -> str:
    """A warning when a file's answer weights (percentages) are not what the platform's
    right-minus-wrong scoring gives; empty when they are, or when no answer is right."""
    positive = [w for w in weights if w > 0]
    if not positive:
        return ""
    share = 100 / len(positive)
    if any(abs(w - share) > 0.01 for w in positive) or any(
        abs(w + share) > 0.01 for w in weights if w <= 0
    ):
        return (
            f"{noun} differ from the platform's right-minus-wrong scoring, which is used "
            f"instead: each right answer earns {share:.4g}%, each wrong answer chosen costs "
            f"{share:.4g}% (never below zero)."
        )
    return ""
