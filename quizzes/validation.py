"""What a question must hold, per kind: a pure check over `QuestionData` (no ORM).

Used by `Question.clean()` (the admin form and the import service both end there).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from quizzes.questions import QuestionData, QuestionKind

TRUE_FALSE_KEYS = ("true", "false")
CHOICE_KINDS = frozenset(
    {
        QuestionKind.SINGLE_CHOICE,
        QuestionKind.MULTIPLE_RESPONSE,
        QuestionKind.TRUE_FALSE,
        QuestionKind.ORDERING,
    }
)


def question_problems(data: QuestionData) -> list[str]:
    """Why this question cannot be saved; empty when it can."""
    problems: list[str] = []
    kind = data.kind
    correct = sum(choice.correct for choice in data.choices)
    if any(not choice.text.strip() for choice in data.choices):
        problems.append(_("Every choice needs a text."))
    if kind == QuestionKind.SINGLE_CHOICE:
        if len(data.choices) < 2:
            problems.append(_("A single-choice question needs at least two choices."))
        if correct != 1:
            problems.append(_("Mark exactly one choice as correct."))
    elif kind == QuestionKind.MULTIPLE_RESPONSE:
        if len(data.choices) < 2:
            problems.append(_("A multiple-response question needs at least two choices."))
        if correct < 1:
            problems.append(_("Mark at least one choice as correct."))
    elif kind == QuestionKind.TRUE_FALSE:
        keys = sorted(choice.key for choice in data.choices)
        if keys != sorted(TRUE_FALSE_KEYS) or correct != 1:
            problems.append(
                _(
                    "A true/false question has exactly two choices, True and False, one of "
                    "them correct. Add the right one (True or False) marked correct."
                )
            )
    elif kind == QuestionKind.MATCHING:
        if len(data.pairs) < 2:
            problems.append(_("A matching question needs at least two pairs."))
        if any(not (pair.prompt.strip() and pair.answer.strip()) for pair in data.pairs):
            problems.append(_("Every pair needs a prompt and an answer."))
    elif kind == QuestionKind.ORDERING:
        if len(data.choices) < 2:
            problems.append(_("An ordering question needs at least two items."))
    elif kind == QuestionKind.SHORT_ANSWER:
        if not any(answer.strip() for answer in data.accepted_answers):
            problems.append(_("A short-answer question needs at least one accepted answer."))
    return problems
