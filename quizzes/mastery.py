"""Mastery as pure computation: one learner's graded answers in, a `MasteryReport` out.

No ORM, no clock, no request. The caller hands over every graded answer of one learner
(`GradedAnswer`, with the question's indicators as snapshotted in the attempt) and the
indicator -> domain map; `mastery()` works out how well the learner masters each
indicator and each domain, and which ones to suggest study material for.

Rules
-----
- Only the learner's latest graded answer to each question counts (re-taking and
  improving replaces an old mistake); ties on answered_at: the later in input order wins.
  Answers with max_score <= 0 (or NaN) are ignored.
- Indicator mastery = sum of scores / sum of max scores over the latest answers to
  questions tagged with that indicator, as an integer percent rounded down.
- Domain mastery pools the latest answers to questions tagged with any indicator of the
  domain; a question tagged with two indicators of one domain counts once for that domain.
- Evidence: `questions` = number of distinct questions counted. Levels:
  `NOT_ENOUGH_EVIDENCE` when fewer than MIN_QUESTIONS = 3 questions; else `MASTERED` when
  percent >= 80, `DEVELOPING` when 50 <= percent < 80, `NEEDS_WORK` below 50.
- `is_weak` = percent < 80 (whatever the evidence, as long as at least one question
  counted): weak indicators get links to study material.

Details
-------
- An ignored answer is dropped before the latest answer is picked, as if it had never
  been given: when the latest answer to a question is ignored, the one before it counts.
  "Ignored" covers a max score that is not a finite number above 0 (0, negative, NaN,
  infinite) and a score that is not a finite number.
- The indicators of a question are those snapshotted in its latest (counted) answer; an
  indicator listed twice in one answer counts once.
- Indicators missing from `domain_of` are counted for the indicator but skipped for
  domains. An indicator or domain appears in the report only when at least one question
  counted for it; the report lists both sorted by id.
- Scores are taken as given (not clamped to 0..max). Sums are exact: each score is read as
  the decimal it prints as (as `grading.grade_attempt` does), so 0.8 + 0.8 + 0.8 out of 3
  is exactly 80 %, never 79 % by binary rounding. `score` and `max_score` in a `Mastery`
  are those sums rounded to 4 decimals (inf for a sum too large for a float).
- All `answered_at` values must be comparable with one another (all timezone-aware, as
  the models store them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

MIN_QUESTIONS = 3  # fewer distinct questions than this: not enough evidence for a level
MASTERED_AT = 80  # percent from which an indicator or domain is mastered (and not weak)
DEVELOPING_AT = 50  # percent from which it is developing
SCORE_DECIMALS = 4


class Level(StrEnum):
    NOT_ENOUGH_EVIDENCE = "not_enough_evidence"
    NEEDS_WORK = "needs_work"
    DEVELOPING = "developing"
    MASTERED = "mastered"


@dataclass(frozen=True)
class GradedAnswer:
    question_id: int  # the bank question (stable across attempts)
    indicator_ids: tuple[int, ...]  # the question's indicators as snapshotted in the attempt
    score: float
    max_score: float
    answered_at: datetime  # when the attempt holding it was graded


@dataclass(frozen=True)
class Mastery:
    """Mastery of one indicator or one domain.

    `percent` is `100 * score / max_score` rounded down; `level` and `is_weak` follow the
    module's rules.
    """

    id: int
    questions: int  # distinct questions counted
    score: float  # sum of the counted scores, 4 decimals
    max_score: float  # sum of the counted max scores, 4 decimals
    percent: int
    level: Level
    is_weak: bool


@dataclass(frozen=True)
class MasteryReport:
    indicators: tuple[Mastery, ...] = ()  # sorted by id
    domains: tuple[Mastery, ...] = ()  # sorted by id


# --- helpers -------------------------------------------------------------------------


def _exact(value: float) -> Fraction | None:
    """The value as the decimal it prints as, or None when it is not a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number):
        return None
    return Fraction(repr(number))


def _float(value: Fraction) -> float:
    """The value rounded to `SCORE_DECIMALS`; through Decimal, so huge sums give inf, not
    an OverflowError."""
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    return round(float(decimal), SCORE_DECIMALS)


def level_for(percent: int, questions: int) -> Level:
    """The level for a percent backed by `questions` distinct questions."""
    if questions < MIN_QUESTIONS:
        return Level.NOT_ENOUGH_EVIDENCE
    if percent >= MASTERED_AT:
        return Level.MASTERED
    if percent >= DEVELOPING_AT:
        return Level.DEVELOPING
    return Level.NEEDS_WORK


@dataclass(frozen=True)
class _Counted:
    """A latest answer that counts, with exact score and max score."""

    question_id: int
    indicator_ids: frozenset[int]
    score: Fraction
    max_score: Fraction


def _latest_answers(answers: Iterable[GradedAnswer]) -> list[_Counted]:
    """The latest usable answer to each question (ties: the later in input order)."""
    latest: dict[int, tuple[GradedAnswer, Fraction, Fraction]] = {}
    for answer in answers:
        score, max_score = _exact(answer.score), _exact(answer.max_score)
        if score is None or max_score is None or max_score <= 0:
            continue
        current = latest.get(answer.question_id)
        if current is None or answer.answered_at >= current[0].answered_at:
            latest[answer.question_id] = (answer, score, max_score)
    return [
        _Counted(answer.question_id, frozenset(answer.indicator_ids), score, max_score)
        for answer, score, max_score in latest.values()
    ]


def _mastery(group_id: int, counted: list[_Counted]) -> Mastery:
    score = sum((item.score for item in counted), Fraction(0))
    max_score = sum((item.max_score for item in counted), Fraction(0))
    percent = math.floor(score * 100 / max_score)  # max_score > 0: every item's is
    return Mastery(
        id=group_id,
        questions=len(counted),
        score=_float(score),
        max_score=_float(max_score),
        percent=percent,
        level=level_for(percent, len(counted)),
        is_weak=percent < MASTERED_AT,
    )


def _report(groups: dict[int, list[_Counted]]) -> tuple[Mastery, ...]:
    return tuple(_mastery(group_id, groups[group_id]) for group_id in sorted(groups))


# --- entry point ---------------------------------------------------------------------


def mastery(answers: Iterable[GradedAnswer], *, domain_of: Mapping[int, int]) -> MasteryReport:
    """Mastery per indicator and per domain for one learner's graded answers.

    For each indicator (and each domain) over the latest answers counted for it:
    `percent = floor(100 * sum(score) / sum(max_score))`; see the module docstring.
    """
    by_indicator: dict[int, list[_Counted]] = {}
    by_domain: dict[int, list[_Counted]] = {}
    for item in _latest_answers(answers):
        for indicator_id in item.indicator_ids:
            by_indicator.setdefault(indicator_id, []).append(item)
        domains = {domain_of[i] for i in item.indicator_ids if i in domain_of}
        for domain_id in domains:  # once per domain, however many of its indicators
            by_domain.setdefault(domain_id, []).append(item)
    return MasteryReport(indicators=_report(by_indicator), domains=_report(by_domain))
