"""Grading as pure computation: a question snapshot and a learner's answer in, a `Grade` out.

No ORM, no clock, no request. `grade()` dispatches through the `GRADERS` registry keyed by
`QuestionKind`; `grade_attempt()` totals an attempt.

Answer representation, per kind
-------------------------------
- single choice: the chosen choice key (`str`), or `None` when unanswered.
- true/false: the chosen choice key, `"true"` or `"false"` (a true/false question is a
  `QuestionData` with two choices keyed "true" and "false"). A `bool` is malformed.
- multiple response: the chosen keys as a `set`, `frozenset`, `list` or `tuple` of `str`.
  Duplicates count once; an empty collection means "nothing selected".
- matching: a `dict` pair key -> the answer text chosen for that pair (`str`, or `None`
  for a pair left unanswered). Pairs missing from the dict count as wrong.
- ordering: a `list` or `tuple` of choice keys in the learner's order.
- short answer: the typed text (`str`).

Rules
-----
Every grader works out the share of the points earned (0..1); `score` is
`points * share` rounded to 4 decimals and `correct` means the share is 1 (full marks), so
a zero-points question answered right has `score == max_score == 0` and `correct` True.

- single choice / true/false: full points iff the chosen key is a correct choice's key.
- multiple response:
  ALL_OR_NOTHING: full points iff the selected keys are exactly the correct keys.
  RIGHT_MINUS_WRONG: `max(0, (right selected - wrong selected) / number of correct)`.
  An unknown partial-credit mode grades as ALL_OR_NOTHING. A question with no correct
  choice at all grades as ALL_OR_NOTHING in both modes (selecting nothing is right).
- matching: `pairs matched / pairs`; texts compared after Unicode NFC, trimming and
  collapsing whitespace, case-insensitively.
- ordering: all-or-nothing: full points iff the keys are exactly the choices in their
  stored (correct) order; no credit for partly right orders.
- short answer: the response and each accepted answer are trimmed, runs of whitespace
  collapsed to one space, one trailing full stop dropped, case-folded unless
  `case_sensitive`, and NFC-normalised. In an accepted answer `*` stands for any run of
  characters (possibly empty), as in Moodle; write `\\*` for a literal asterisk. A blank
  response is never right (so an accepted answer `*` means "any non-blank answer").
  Matching is linear (no regular expressions), so no pattern can backtrack badly.

Malformed answers (wrong type, unknown keys, `None`, text over `MAX_TEXT_LENGTH`
characters, collections over `MAX_ITEMS` items) never raise: they score 0 with no
feedback. A question with nothing to answer (no choices, no pairs, no accepted answers)
scores 0. Points that are negative, NaN, infinite or not a number count as 0. An unknown
question kind is a programming or data error and raises `UnknownQuestionKindError`.

`Grade.feedback` holds the per-choice feedback of the chosen choices (single choice,
true/false, multiple response), non-empty ones only, in the question's choice order. The
question's general feedback (`QuestionData.explanation`) is not repeated there.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from quizzes.questions import Choice, PartialCredit, QuestionData, QuestionKind

MAX_TEXT_LENGTH = 1_000  # characters in one typed or chosen text
MAX_ITEMS = 1_000  # keys in a multiple-response, matching or ordering answer
SCORE_DECIMALS = 4

_NOTHING = Fraction(0)
_ALL = Fraction(1)
_UNESCAPED_STAR = re.compile(r"(?<!\\)\*")


@dataclass(frozen=True)
class Grade:
    score: float  # 0..max_score, rounded to 4 decimals
    max_score: float  # the question's points (0 when they are not a usable number)
    correct: bool  # full marks
    feedback: tuple[str, ...] = ()  # per-choice feedback of the chosen choices, for review


@dataclass(frozen=True)
class AttemptGrade:
    """An attempt's totals.

    `score` and `max_score` are exact sums of the (4-decimal) grades, rounded to 4
    decimals. `percent` is `100 * score / max_score` rounded DOWN to one decimal, so that a
    pass mark is never reached by rounding (79.96 % is 79.9 %, not 80.0 %); it is 0.0 when
    `max_score` is 0 (an attempt with nothing to score is never a pass).
    """

    score: float
    max_score: float
    percent: float
    grades: tuple[Grade, ...] = ()  # one per item, in the order given


class UnknownQuestionKindError(LookupError):
    """No grader is registered for a question's kind."""


Grader = Callable[[QuestionData, object], Grade]


# --- helpers -------------------------------------------------------------------------


def _max_score(points: object) -> float:
    try:
        value = float(points)  # a float, an int or a Decimal from a model field
    except (TypeError, ValueError, OverflowError):
        return 0.0
    if not math.isfinite(value) or value <= 0:
        return 0.0
    return round(value, SCORE_DECIMALS)


def _grade(
    question: QuestionData, share: Fraction = _NOTHING, feedback: Iterable[Choice] = ()
) -> Grade:
    share = min(_ALL, max(_NOTHING, share))
    max_score = _max_score(question.points)
    return Grade(
        score=round(float(Fraction(max_score) * share), SCORE_DECIMALS),
        max_score=max_score,
        correct=share == _ALL,
        feedback=tuple(choice.feedback for choice in feedback if choice.feedback),
    )


def _is_text(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH


def _collapse(text: str) -> str:
    """Trim and collapse every run of (Unicode) whitespace to one space."""
    return " ".join(text.split())


def _match_text(text: str) -> str:
    """A matching answer text as compared: NFC, whitespace collapsed, case-folded."""
    return unicodedata.normalize("NFC", _collapse(text).casefold())


def _short_text(text: str, case_sensitive: bool) -> str:
    """A short answer (typed or accepted) as compared."""
    text = _collapse(text)
    if text.endswith("."):
        text = text[:-1].rstrip()
    if not case_sensitive:
        text = text.casefold()
    return unicodedata.normalize("NFC", text)


def _wildcard_match(pattern: str, text: str) -> bool:
    """Whether `text` matches `pattern`, where an unescaped `*` is any run of characters.

    The literal pieces between stars are found left to right (leftmost match is optimal
    when `*` is the only wildcard), so this is linear in the text, never backtracking.
    """
    pieces = [piece.replace("\\*", "*") for piece in _UNESCAPED_STAR.split(pattern)]
    if len(pieces) == 1:
        return text == pieces[0]
    head, *middle, tail = pieces
    if len(head) + len(tail) > len(text) or not text.startswith(head):
        return False
    if not text.endswith(tail):
        return False
    position, end = len(head), len(text) - len(tail)
    for piece in middle:
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


# --- graders -------------------------------------------------------------------------


def grade_single_choice(question: QuestionData, answer: object) -> Grade:
    """Single choice and true/false: the chosen key, or None."""
    if not _is_text(answer):
        return _grade(question)
    chosen = next((choice for choice in question.choices if choice.key == answer), None)
    if chosen is None:
        return _grade(question)
    return _grade(question, _ALL if chosen.correct else _NOTHING, [chosen])


def grade_multiple_response(question: QuestionData, answer: object) -> Grade:
    """The chosen keys; partial credit as `question.partial_credit` says."""
    if not isinstance(answer, set | frozenset | list | tuple) or len(answer) > MAX_ITEMS:
        return _grade(question)
    known = {choice.key for choice in question.choices}
    if not known or not all(isinstance(key, str) and key in known for key in answer):
        return _grade(question)
    selected = set(answer)
    correct = {choice.key for choice in question.choices if choice.correct}
    if selected == correct:
        share = _ALL
    elif question.partial_credit == PartialCredit.RIGHT_MINUS_WRONG and correct:
        right, wrong = len(selected & correct), len(selected - correct)
        share = max(_NOTHING, Fraction(right - wrong, len(correct)))
    else:
        share = _NOTHING
    chosen = [choice for choice in question.choices if choice.key in selected]
    return _grade(question, share, chosen)


def grade_matching(question: QuestionData, answer: object) -> Grade:
    """A dict pair key -> chosen answer text; each pair earns its share."""
    if not question.pairs or not isinstance(answer, dict) or len(answer) > MAX_ITEMS:
        return _grade(question)
    known = {pair.key for pair in question.pairs}
    for key, value in answer.items():
        if not (isinstance(key, str) and key in known):
            return _grade(question)
        if value is not None and not _is_text(value):
            return _grade(question)
    matched = 0
    for pair in question.pairs:
        given = answer.get(pair.key)
        # A pair whose answer text is blank can never be matched.
        if given is not None and _match_text(given) == _match_text(pair.answer) != "":
            matched += 1
    return _grade(question, Fraction(matched, len(question.pairs)))


def grade_ordering(question: QuestionData, answer: object) -> Grade:
    """A list of choice keys; full points only for exactly the stored order."""
    if not question.choices or not isinstance(answer, list | tuple) or len(answer) > MAX_ITEMS:
        return _grade(question)
    expected = [choice.key for choice in question.choices]
    return _grade(question, _ALL if list(answer) == expected else _NOTHING)


def grade_short_answer(question: QuestionData, answer: object) -> Grade:
    """Typed text against the accepted answers (with `*` wildcards)."""
    if not isinstance(answer, str) or len(answer) > MAX_TEXT_LENGTH:
        return _grade(question)
    response = _short_text(answer, question.case_sensitive)
    if not response:
        return _grade(question)
    for accepted in question.accepted_answers:
        if not isinstance(accepted, str):
            continue
        pattern = _short_text(accepted, question.case_sensitive)
        if pattern and _wildcard_match(pattern, response):
            return _grade(question, _ALL)
    return _grade(question)


GRADERS: dict[QuestionKind, Grader] = {
    QuestionKind.SINGLE_CHOICE: grade_single_choice,
    QuestionKind.TRUE_FALSE: grade_single_choice,
    QuestionKind.MULTIPLE_RESPONSE: grade_multiple_response,
    QuestionKind.MATCHING: grade_matching,
    QuestionKind.ORDERING: grade_ordering,
    QuestionKind.SHORT_ANSWER: grade_short_answer,
}


# --- entry points --------------------------------------------------------------------


def grade(question: QuestionData, answer: object) -> Grade:
    """Grade one answer; raises `UnknownQuestionKindError` for a kind with no grader."""
    try:
        grader = GRADERS[question.kind]
    except (KeyError, TypeError):
        known = ", ".join(sorted(GRADERS))
        raise UnknownQuestionKindError(
            f"No grader for question kind {question.kind!r}; known kinds: {known}."
        ) from None
    return grader(question, answer)


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def grade_attempt(items: Iterable[tuple[QuestionData, object]]) -> AttemptGrade:
    """Grade every (question, answer) of an attempt and total them (see `AttemptGrade`)."""
    grades = tuple(grade(question, answer) for question, answer in items)
    score = sum((_decimal(g.score) for g in grades), Decimal(0))
    max_score = sum((_decimal(g.max_score) for g in grades), Decimal(0))
    if max_score > 0:
        percent = (score * 100 / max_score).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    else:
        percent = Decimal(0)
    return AttemptGrade(
        score=round(float(score), SCORE_DECIMALS),
        max_score=round(float(max_score), SCORE_DECIMALS),
        percent=float(percent),
        grades=grades,
    )
