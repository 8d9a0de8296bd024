"""Mastery by indicator and domain as pure computation, against hand-worked examples.

No database: `quizzes.mastery` works on `GradedAnswer`s only. Every case states its
arithmetic next to it: percent = floor(100 * sum(score) / sum(max score)) over the latest
answer to each question.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizzes.mastery import (
    DEVELOPING_AT,
    MASTERED_AT,
    MIN_QUESTIONS,
    GradedAnswer,
    Level,
    Mastery,
    MasteryReport,
    mastery,
)

T0 = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
NAN = float("nan")

NEE = Level.NOT_ENOUGH_EVIDENCE
MASTERED = Level.MASTERED
DEVELOPING = Level.DEVELOPING
NEEDS_WORK = Level.NEEDS_WORK

DOMAINS = {1: 10, 2: 10, 4: 20}  # indicator -> domain; indicator 3 has no domain


def answer(question_id, indicators, score, max_score=1.0, day=0):
    """A graded answer, `day` days after T0."""
    return GradedAnswer(
        question_id=question_id,
        indicator_ids=tuple(indicators),
        score=score,
        max_score=max_score,
        answered_at=T0 + timedelta(days=day),
    )


m = Mastery  # m(id, questions, score, max_score, percent, level, is_weak)


@pytest.mark.parametrize(
    ("answers", "indicators", "domains"),
    [
        pytest.param([], (), (), id="no-answers"),
        pytest.param(
            # Q1 re-taken: 0/1 on day 0, 1/1 on day 1 -> the 1/1 counts.
            # (1 + 1 + 1) / 3 = 100 % (pooling every answer would give 3/4 = 75 %).
            [
                answer(1, [1], 0, day=0),
                answer(1, [1], 1, day=1),
                answer(2, [1], 1),
                answer(3, [1], 1),
            ],
            (m(1, 3, 3.0, 3.0, 100, MASTERED, False),),
            (m(10, 3, 3.0, 3.0, 100, MASTERED, False),),
            id="latest-answer-replaces-an-old-mistake",
        ),
        pytest.param(
            # Q1 1/1 on day 0, then 0/1 on day 1: the latest counts even when it is worse.
            # (0 + 1 + 1) / 3 = 66.67 % -> 66, developing, weak.
            [
                answer(1, [1], 1, day=0),
                answer(1, [1], 0, day=1),
                answer(2, [1], 1),
                answer(3, [1], 1),
            ],
            (m(1, 3, 2.0, 3.0, 66, DEVELOPING, True),),
            (m(10, 3, 2.0, 3.0, 66, DEVELOPING, True),),
            id="latest-answer-counts-even-when-worse",
        ),
        pytest.param(
            # Latest by answered_at, not by input order: the day-2 1/1 comes first in input
            # but is later than the day-1 0/1. (1 + 1 + 1) / 3 = 100 %.
            [
                answer(1, [1], 1, day=2),
                answer(1, [1], 0, day=1),
                answer(2, [1], 1),
                answer(3, [1], 1),
            ],
            (m(1, 3, 3.0, 3.0, 100, MASTERED, False),),
            (m(10, 3, 3.0, 3.0, 100, MASTERED, False),),
            id="latest-by-time-not-input-order",
        ),
        pytest.param(
            # Same answered_at: the later in input order (1/1) wins. 3/3 = 100 %.
            [answer(1, [1], 0), answer(1, [1], 1), answer(2, [1], 1), answer(3, [1], 1)],
            (m(1, 3, 3.0, 3.0, 100, MASTERED, False),),
            (m(10, 3, 3.0, 3.0, 100, MASTERED, False),),
            id="tie-later-in-input-wins-1",
        ),
        pytest.param(
            # Same answered_at, reversed: the later in input order (0/1) wins. 2/3 -> 66.
            [answer(1, [1], 1), answer(1, [1], 0), answer(2, [1], 1), answer(3, [1], 1)],
            (m(1, 3, 2.0, 3.0, 66, DEVELOPING, True),),
            (m(10, 3, 2.0, 3.0, 66, DEVELOPING, True),),
            id="tie-later-in-input-wins-0",
        ),
        pytest.param(
            # Ignored: Q1's day-1 answer (max 0), so its day-0 1/1 still counts; Q3 (max -1),
            # Q4 (max NaN) and Q5 (score NaN) entirely. Counted: Q1 1/1 + Q2 0.5/1 = 1.5/2
            # = 75 %, 2 questions -> not enough evidence, weak.
            [
                answer(1, [1], 1, day=0),
                answer(1, [1], 0, max_score=0, day=1),
                answer(2, [1], 0.5),
                answer(3, [1], 1, max_score=-1),
                answer(4, [1], 1, max_score=NAN),
                answer(5, [1], NAN),
            ],
            (m(1, 2, 1.5, 2.0, 75, NEE, True),),
            (m(10, 2, 1.5, 2.0, 75, NEE, True),),
            id="max-0-negative-nan-ignored",
        ),
        pytest.param(
            # Only unusable answers: nothing counted, nothing reported.
            [answer(1, [1], 0, max_score=0), answer(2, [1], 1, max_score=NAN)],
            (),
            (),
            id="only-ignored-answers",
        ),
        pytest.param(
            # Exactly 80: 0.8 + 0.8 + 0.8 = 2.4 / 3 = 80 % -> mastered, not weak.
            [answer(1, [1], 0.8), answer(2, [1], 0.8), answer(3, [1], 0.8)],
            (m(1, 3, 2.4, 3.0, 80, MASTERED, False),),
            (m(10, 3, 2.4, 3.0, 80, MASTERED, False),),
            id="exactly-80-is-mastered",
        ),
        pytest.param(
            # Exactly 80 in decimals: 0.6 + 0.7 + 0.8 + 0.9 + 1.0 = 4.0 / 5 = 80 %. Summed as
            # binary floats it is 3.9999999999999996 -> 79.99... -> 79, a wrong "weak".
            [answer(q, [1], s) for q, s in enumerate((0.6, 0.7, 0.8, 0.9, 1.0), start=1)],
            (m(1, 5, 4.0, 5.0, 80, MASTERED, False),),
            (m(10, 5, 4.0, 5.0, 80, MASTERED, False),),
            id="exactly-80-not-lost-to-float-sums",
        ),
        pytest.param(
            # Exactly 80 from points that are not 1: (4 + 4 + 0) / (5 + 3 + 2) = 8/10 = 80 %.
            [answer(1, [1], 4, 5), answer(2, [1], 3, 3), answer(3, [1], 1, 2)],
            (m(1, 3, 8.0, 10.0, 80, MASTERED, False),),
            (m(10, 3, 8.0, 10.0, 80, MASTERED, False),),
            id="exactly-80-weighted-by-points",
        ),
        pytest.param(
            # Just under: (0.8 + 0.8 + 0.7999) / 3 = 2.3999 / 3 = 79.9966 % -> 79 (rounded
            # down, never up to 80): developing, weak.
            [answer(1, [1], 0.8), answer(2, [1], 0.8), answer(3, [1], 0.7999)],
            (m(1, 3, 2.3999, 3.0, 79, DEVELOPING, True),),
            (m(10, 3, 2.3999, 3.0, 79, DEVELOPING, True),),
            id="79.99-is-developing",
        ),
        pytest.param(
            # Exactly 50: (0.7 + 0.35 + 0.45) / 3 = 1.5 / 3 = 50 % -> developing, weak.
            # (As binary floats the sum is 1.4999999999999998 -> 49.99... -> 49.)
            [answer(1, [1], 0.7), answer(2, [1], 0.35), answer(3, [1], 0.45)],
            (m(1, 3, 1.5, 3.0, 50, DEVELOPING, True),),
            (m(10, 3, 1.5, 3.0, 50, DEVELOPING, True),),
            id="exactly-50-is-developing",
        ),
        pytest.param(
            # Just under: (1 + 0.4999 + 0) / 3 = 49.9966 % -> 49: needs work.
            [answer(1, [1], 1), answer(2, [1], 0.4999), answer(3, [1], 0)],
            (m(1, 3, 1.4999, 3.0, 49, NEEDS_WORK, True),),
            (m(10, 3, 1.4999, 3.0, 49, NEEDS_WORK, True),),
            id="49.99-needs-work",
        ),
        pytest.param(
            # MIN_QUESTIONS - 1 = 2 questions, full marks: 2/2 = 100 % but not enough
            # evidence; not weak (100 >= 80).
            [answer(1, [1], 1), answer(2, [1], 1)],
            (m(1, 2, 2.0, 2.0, 100, NEE, False),),
            (m(10, 2, 2.0, 2.0, 100, NEE, False),),
            id="two-questions-not-enough-evidence",
        ),
        pytest.param(
            # 2 questions, 0/2 = 0 %: not enough evidence, yet weak (study material offered).
            [answer(1, [1], 0), answer(2, [1], 0)],
            (m(1, 2, 0.0, 2.0, 0, NEE, True),),
            (m(10, 2, 0.0, 2.0, 0, NEE, True),),
            id="two-questions-weak-without-evidence",
        ),
        pytest.param(
            # One question re-taken three times is still one question: 1/1, not enough.
            [answer(1, [1], 0, day=0), answer(1, [1], 0, day=1), answer(1, [1], 1, day=2)],
            (m(1, 1, 1.0, 1.0, 100, NEE, False),),
            (m(10, 1, 1.0, 1.0, 100, NEE, False),),
            id="retakes-are-one-question",
        ),
        pytest.param(
            # MIN_QUESTIONS = 3 questions, 0/3 = 0 % -> needs work.
            [answer(1, [1], 0), answer(2, [1], 0), answer(3, [1], 0)],
            (m(1, 3, 0.0, 3.0, 0, NEEDS_WORK, True),),
            (m(10, 3, 0.0, 3.0, 0, NEEDS_WORK, True),),
            id="three-questions-is-enough",
        ),
        pytest.param(
            # Q1 tagged with indicators 1 and 2, both in domain 10 (2 points each):
            #   indicator 1: Q1 2/2 + Q2 2/2 = 4/4 = 100 %, 2 questions
            #   indicator 2: Q1 2/2 + Q3 0/2 = 2/4 = 50 %, 2 questions
            #   domain 10: Q1 once + Q2 + Q3 = 4/6 = 66.67 % -> 66, 3 questions
            #   (counting Q1 twice would give 6/8 = 75 % over 4 "questions").
            [answer(1, [1, 2], 2, 2), answer(2, [1], 2, 2), answer(3, [2], 0, 2)],
            (
                m(1, 2, 4.0, 4.0, 100, NEE, False),
                m(2, 2, 2.0, 4.0, 50, NEE, True),
            ),
            (m(10, 3, 4.0, 6.0, 66, DEVELOPING, True),),
            id="double-tag-counts-once-per-domain",
        ),
        pytest.param(
            # Q1 tagged 1 (domain 10) and 4 (domain 20): it counts for both domains.
            [answer(1, [1, 4], 1)],
            (m(1, 1, 1.0, 1.0, 100, NEE, False), m(4, 1, 1.0, 1.0, 100, NEE, False)),
            (m(10, 1, 1.0, 1.0, 100, NEE, False), m(20, 1, 1.0, 1.0, 100, NEE, False)),
            id="one-question-in-two-domains",
        ),
        pytest.param(
            # Indicator 3 has no domain: counted for the indicator (Q1 + Q2 = 1/2 = 50 %),
            # skipped for domains; Q2 also tagged 1 -> domain 10 gets Q2 only: 0/1 = 0 %.
            [answer(1, [3], 1), answer(2, [3, 1], 0)],
            (m(1, 1, 0.0, 1.0, 0, NEE, True), m(3, 2, 1.0, 2.0, 50, NEE, True)),
            (m(10, 1, 0.0, 1.0, 0, NEE, True),),
            id="indicator-missing-from-domain-map",
        ),
        pytest.param(
            # The indicators come from the latest answer's snapshot: Q1 was tagged 1 on day 0
            # and 2 on day 1, so only indicator 2 counts it.
            [answer(1, [1], 1, day=0), answer(1, [2], 1, day=1)],
            (m(2, 1, 1.0, 1.0, 100, NEE, False),),
            (m(10, 1, 1.0, 1.0, 100, NEE, False),),
            id="indicators-from-latest-snapshot",
        ),
        pytest.param(
            # An indicator listed twice in one snapshot counts the question once: 0.5/1.
            [answer(1, [1, 1], 0.5)],
            (m(1, 1, 0.5, 1.0, 50, NEE, True),),
            (m(10, 1, 0.5, 1.0, 50, NEE, True),),
            id="indicator-listed-twice-counts-once",
        ),
        pytest.param(
            # Output sorted by id whatever the input order: indicators 4, 3, 1 given.
            [answer(1, [4], 1), answer(2, [3], 1), answer(3, [1], 1)],
            tuple(m(i, 1, 1.0, 1.0, 100, NEE, False) for i in (1, 3, 4)),
            tuple(m(d, 1, 1.0, 1.0, 100, NEE, False) for d in (10, 20)),
            id="sorted-by-id",
        ),
    ],
)
def test_mastery_per_indicator_and_domain(answers, indicators, domains):
    assert mastery(answers, domain_of=DOMAINS) == MasteryReport(
        indicators=indicators, domains=domains
    )


def test_mastery_reads_any_iterable_once():
    answers = iter([answer(1, [1], 1), answer(2, [1], 0), answer(3, [1], 1)])
    report = mastery(answers, domain_of={})
    # (1 + 0 + 1) / 3 = 66.67 % -> 66; no domain map, so no domain.
    assert report == MasteryReport(indicators=(m(1, 3, 2.0, 3.0, 66, DEVELOPING, True),))


def test_thresholds_and_levels_are_exported():
    assert (MIN_QUESTIONS, MASTERED_AT, DEVELOPING_AT) == (3, 80, 50)
    assert Level.MASTERED == "mastered"
    assert {level.value for level in Level} == {
        "not_enough_evidence",
        "needs_work",
        "developing",
        "mastered",
    }
