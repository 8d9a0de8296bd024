"""Which questions an attempt shows and how: pure, table-tested with seeded generators."""

from __future__ import annotations

import random

import pytest

from quizzes.questions import Choice, MatchPair, QuestionData, QuestionKind
from quizzes.selection import DrawSlot, FixedSlot, choose_questions, display_order


@pytest.mark.parametrize(
    ("slots", "expected_len", "must_include"),
    [
        pytest.param([FixedSlot(1), FixedSlot(2)], 2, {1, 2}, id="fixed-only"),
        pytest.param([FixedSlot(1), FixedSlot(1)], 1, {1}, id="fixed-twice-shown-once"),
        pytest.param([DrawSlot(2, (1, 2, 3))], 2, set(), id="draw-two-of-three"),
        pytest.param([DrawSlot(5, (1, 2))], 2, {1, 2}, id="small-pool-gives-what-it-has"),
        pytest.param([FixedSlot(1), DrawSlot(2, (1, 2, 3))], 3, {1, 2, 3}, id="draw-skips-fixed"),
        pytest.param([DrawSlot(1, (1,)), FixedSlot(1)], 1, {1}, id="fixed-later-still-excluded"),
        pytest.param([DrawSlot(2, (1, 2)), DrawSlot(2, (1, 2, 3))], 3, {1, 2, 3}, id="no-repeat"),
        pytest.param([DrawSlot(0, (1, 2))], 0, set(), id="zero"),
    ],
)
def test_choose_questions(slots, expected_len, must_include):
    for seed in range(20):
        chosen = choose_questions(
            slots, rng=random.Random(seed), shuffle=bool(seed % 2), case_study_of={}
        )
        assert len(chosen) == expected_len and len(set(chosen)) == len(chosen)
        assert must_include <= set(chosen)


def test_without_shuffling_the_order_is_the_quizs():
    chosen = choose_questions(
        [FixedSlot(3), FixedSlot(1), FixedSlot(2)],
        rng=random.Random(0),
        shuffle=False,
        case_study_of={},
    )
    assert chosen == [3, 1, 2]


def test_case_study_questions_are_brought_together_at_the_first_one():
    chosen = choose_questions(
        [FixedSlot(i) for i in (1, 2, 3, 4, 5)],
        rng=random.Random(0),
        shuffle=False,
        case_study_of={2: 9, 4: 9, 5: 8},
    )
    assert chosen == [1, 2, 4, 3, 5]


def _question(kind, n=4):
    return QuestionData(
        kind=kind,
        stem="?",
        choices=tuple(Choice(f"c{i}", f"T{i}", correct=i == 1) for i in range(1, n + 1)),
        pairs=tuple(MatchPair(f"m{i}", f"P{i}", f"A{i}") for i in range(1, n + 1)),
    )


@pytest.mark.parametrize("seed", range(30))
def test_ordering_and_matching_never_show_the_answer(seed):
    rng = random.Random(seed)
    order = display_order(_question(QuestionKind.ORDERING, 2), rng=rng, shuffle_choices=False)
    assert order["items"] == ["c2", "c1"]
    shown = display_order(_question(QuestionKind.MATCHING, 3), rng=rng, shuffle_choices=True)
    answer_of = {"m1": "A1", "m2": "A2", "m3": "A3"}
    assert shown["answers"] != [answer_of[k] for k in shown["prompts"]]
    assert sorted(shown["answers"]) == ["A1", "A2", "A3"]


def test_choices_shuffle_only_when_asked_and_true_comes_first():
    question = _question(QuestionKind.SINGLE_CHOICE, 6)
    plain = display_order(question, rng=random.Random(1), shuffle_choices=False)
    assert plain["choices"] == ["c1", "c2", "c3", "c4", "c5", "c6"]
    orders = {
        tuple(display_order(question, rng=random.Random(s), shuffle_choices=True)["choices"])
        for s in range(10)
    }
    assert len(orders) > 1
    true_false = QuestionData(
        kind=QuestionKind.TRUE_FALSE,
        stem="?",
        choices=(Choice("false", "False"), Choice("true", "True", correct=True)),
    )
    shown = display_order(true_false, rng=random.Random(0), shuffle_choices=True)
    assert shown == {"choices": ["true", "false"]}
