"""Grading as pure computation: every kind, partial credit, wildcards, malformed answers.

No database: `quizzes.grading` works on `QuestionData` only.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from quizzes.grading import (
    GRADERS,
    MAX_ITEMS,
    MAX_TEXT_LENGTH,
    AttemptGrade,
    Grade,
    UnknownQuestionKindError,
    grade,
    grade_attempt,
)
from quizzes.questions import Choice, MatchPair, PartialCredit, QuestionData, QuestionKind

K = QuestionKind

SINGLE = QuestionData(
    kind=K.SINGLE_CHOICE,
    stem="Where is IOM headquartered?",
    choices=(
        Choice("geneva", "Geneva", correct=True, feedback="Yes: Geneva."),
        Choice("newyork", "New York", feedback="That is the UN Secretariat."),
        Choice("vienna", "Vienna"),
    ),
    points=2,
)
# Two correct choices: either one earns full points.
SINGLE_TWO_RIGHT = QuestionData(
    kind=K.SINGLE_CHOICE,
    stem="Name a MiGOF principle's theme.",
    choices=(
        Choice("rights", "Migrants' rights", correct=True),
        Choice("evidence", "Evidence", correct=True),
        Choice("walls", "Walls"),
    ),
)
TRUE_FALSE = QuestionData(
    kind=K.TRUE_FALSE,
    stem="MiGOF has three principles and three objectives.",
    choices=(
        Choice("true", "True", correct=True, feedback="Right."),
        Choice("false", "False", feedback="It has three of each."),
    ),
)
MR_CHOICES = (
    Choice("a", "Good governance", correct=True, feedback="fa"),
    Choice("b", "Evidence", correct=True),
    Choice("c", "Partnerships", correct=True, feedback="fc"),
    Choice("d", "Border walls", feedback="fd"),
    Choice("e", "Quotas"),
)
MR_ALL = QuestionData(kind=K.MULTIPLE_RESPONSE, stem="?", choices=MR_CHOICES, points=3)
MR_RMW = QuestionData(
    kind=K.MULTIPLE_RESPONSE,
    stem="?",
    choices=MR_CHOICES,
    points=3,
    partial_credit=PartialCredit.RIGHT_MINUS_WRONG,
)
MR_RMW_ONE_POINT = QuestionData(
    kind=K.MULTIPLE_RESPONSE,
    stem="?",
    choices=MR_CHOICES,
    partial_credit=PartialCredit.RIGHT_MINUS_WRONG,
)
MR_NONE_CORRECT = QuestionData(
    kind=K.MULTIPLE_RESPONSE,
    stem="Select every wrong statement (there are none).",
    choices=(Choice("x", "X"), Choice("y", "Y")),
    partial_credit=PartialCredit.RIGHT_MINUS_WRONG,
)
MATCHING = QuestionData(
    kind=K.MATCHING,
    stem="Match each principle to its focus.",
    pairs=(
        MatchPair("p1", "Principle 1", "International standards"),
        MatchPair("p2", "Principle 2", "Evidence and whole-of-government"),
        MatchPair("p3", "Principle 3", "Partnerships"),
        MatchPair("o1", "Objective 1", "Socio-economic well-being"),
    ),
    points=2,
)
ORDERING = QuestionData(
    kind=K.ORDERING,
    stem="Order the steps.",
    choices=(Choice("assess", "Assess"), Choice("plan", "Plan"), Choice("act", "Act")),
)
SHORT = QuestionData(
    kind=K.SHORT_ANSWER,
    stem="What does MiGOF stand for?",
    accepted_answers=(
        "Migration Governance Framework",
        "MiGOF",
        "Principle * of MiGOF",
        "5\\* rating",
    ),
)
SHORT_CASE = QuestionData(
    kind=K.SHORT_ANSWER,
    stem="Give the acronym, exactly.",
    accepted_answers=("MiGOF", "IOM*"),
    case_sensitive=True,
)
SHORT_ANYTHING = QuestionData(kind=K.SHORT_ANSWER, stem="Any comment?", accepted_answers=("*",))
SHORT_STARS = QuestionData(
    kind=K.SHORT_ANSWER, stem="?", accepted_answers=("*a*b*c*", "start*", "*end", "a**z")
)

HUGE_TEXT = "x" * (MAX_TEXT_LENGTH + 1)
HUGE_LIST = ["a"] * (MAX_ITEMS + 1)


def check(question, answer, score, correct, feedback=()):
    result = grade(question, answer)
    assert result == Grade(
        score=score, max_score=result.max_score, correct=correct, feedback=feedback
    )
    assert 0 <= result.score <= result.max_score


@pytest.mark.parametrize(
    ("question", "answer", "score", "correct", "feedback"),
    [
        (SINGLE, "geneva", 2.0, True, ("Yes: Geneva.",)),
        (SINGLE, "newyork", 0.0, False, ("That is the UN Secretariat.",)),
        (SINGLE, "vienna", 0.0, False, ()),  # no feedback written for that choice
        (SINGLE, None, 0.0, False, ()),  # unanswered
        (SINGLE_TWO_RIGHT, "rights", 1.0, True, ()),
        (SINGLE_TWO_RIGHT, "evidence", 1.0, True, ()),
        (SINGLE_TWO_RIGHT, "walls", 0.0, False, ()),
        (TRUE_FALSE, "true", 1.0, True, ("Right.",)),
        (TRUE_FALSE, "false", 0.0, False, ("It has three of each.",)),
    ],
)
def test_single_choice_and_true_false(question, answer, score, correct, feedback):
    check(question, answer, score, correct, feedback)


@pytest.mark.parametrize(
    ("question", "answer", "score", "correct", "feedback"),
    [
        # All or nothing: exact set match.
        (MR_ALL, {"a", "b", "c"}, 3.0, True, ("fa", "fc")),
        (MR_ALL, ["c", "b", "a"], 3.0, True, ("fa", "fc")),  # order of the answer is irrelevant
        (MR_ALL, ("a", "b", "c", "a"), 3.0, True, ("fa", "fc")),  # duplicates count once
        (MR_ALL, frozenset({"a", "b"}), 0.0, False, ("fa",)),
        (MR_ALL, {"a", "b", "c", "d"}, 0.0, False, ("fa", "fc", "fd")),
        (MR_ALL, set(), 0.0, False, ()),
        # Right minus wrong: (right - wrong) / 3 correct choices, never below zero.
        (MR_RMW, {"a", "b", "c"}, 3.0, True, ("fa", "fc")),
        (MR_RMW, {"a", "b"}, 2.0, False, ("fa",)),
        (MR_RMW, {"a"}, 1.0, False, ("fa",)),
        (MR_RMW, {"a", "b", "c", "d"}, 2.0, False, ("fa", "fc", "fd")),
        (MR_RMW, {"a", "b", "c", "d", "e"}, 1.0, False, ("fa", "fc", "fd")),
        (MR_RMW, {"a", "d"}, 0.0, False, ("fa", "fd")),
        (MR_RMW, {"d", "e"}, 0.0, False, ("fd",)),  # -2/3 clamps to zero
        (MR_RMW, {"a", "d", "e"}, 0.0, False, ("fa", "fd")),
        (MR_RMW, set(), 0.0, False, ()),
        # Shares that do not divide evenly are rounded to 4 decimals.
        (MR_RMW_ONE_POINT, {"a"}, 0.3333, False, ("fa",)),
        (MR_RMW_ONE_POINT, {"a", "b"}, 0.6667, False, ("fa",)),
        # No correct choice: selecting nothing is the only right answer, in any mode.
        (MR_NONE_CORRECT, [], 1.0, True, ()),
        (MR_NONE_CORRECT, ["x"], 0.0, False, ()),
    ],
)
def test_multiple_response(question, answer, score, correct, feedback):
    check(question, answer, score, correct, feedback)


@pytest.mark.parametrize(
    ("answer", "score", "correct"),
    [
        (
            {
                "p1": "International standards",
                "p2": "Evidence and whole-of-government",
                "p3": "Partnerships",
                "o1": "Socio-economic well-being",
            },
            2.0,
            True,
        ),
        (
            {  # whitespace and case do not matter
                "p1": "  international   STANDARDS ",
                "p2": "evidence and\twhole-of-government",
                "p3": "PARTNERSHIPS",
                "o1": "socio-economic well-being",
            },
            2.0,
            True,
        ),
        ({"p1": "International standards", "p2": "Partnerships"}, 0.5, False),
        ({"p1": "International standards", "p3": "Partnerships"}, 1.0, False),
        ({"p1": "International standards", "p2": None, "p3": None, "o1": None}, 0.5, False),
        ({"p1": "Partnerships", "p3": "International standards"}, 0.0, False),
        ({"p1": "International standards."}, 0.0, False),  # chosen text, not typed: exact
        ({}, 0.0, False),
    ],
)
def test_matching(answer, score, correct):
    check(MATCHING, answer, score, correct)


@pytest.mark.parametrize(
    ("answer", "score", "correct"),
    [
        (["assess", "plan", "act"], 1.0, True),
        (("assess", "plan", "act"), 1.0, True),
        (["plan", "assess", "act"], 0.0, False),  # all or nothing: no credit for partly right
        (["act", "plan", "assess"], 0.0, False),
        (["assess", "plan"], 0.0, False),
        (["assess", "plan", "act", "act"], 0.0, False),
        ([], 0.0, False),
    ],
)
def test_ordering(answer, score, correct):
    check(ORDERING, answer, score, correct)


@pytest.mark.parametrize(
    ("question", "answer", "correct"),
    [
        (SHORT, "Migration Governance Framework", True),
        (SHORT, "  migration   governance\tframework  ", True),  # trimmed, collapsed, any case
        (SHORT, "MIGRATION GOVERNANCE FRAMEWORK.", True),  # trailing full stop ignored
        (SHORT, "Migration Governance Framework .", True),
        (SHORT, "Migration Governance Framework..", False),  # only one full stop is dropped
        (SHORT, "Migration\u00a0Governance Framework", True),  # non-breaking space
        (SHORT, "migof", True),
        (SHORT, "Migration Framework", False),
        (SHORT, "The Migration Governance Framework", False),  # no implicit wildcard
        # "*" in an accepted answer: any run of characters, possibly empty.
        (SHORT, "Principle 1 of MiGOF", True),
        (SHORT, "principle three of migof", True),
        (SHORT, "Principle of MiGOF", False),  # the spaces around "*" are literal
        (SHORT, "Principle 1 of MiGOF and more", False),
        # "\*" is a literal asterisk.
        (SHORT, "5* rating", True),
        (SHORT, "5 star rating", False),
        # A "*" typed by the learner is just a character.
        (SHORT, "*", False),
        (SHORT, "", False),
        (SHORT, "   ", False),
        (SHORT, ".", False),
        # Case-sensitive questions.
        (SHORT_CASE, "MiGOF", True),
        (SHORT_CASE, " MiGOF. ", True),
        (SHORT_CASE, "MIGOF", False),
        (SHORT_CASE, "migof", False),
        (SHORT_CASE, "IOM Geneva", True),
        (SHORT_CASE, "iom Geneva", False),
        # "*" alone accepts any non-blank answer.
        (SHORT_ANYTHING, "anything at all", True),
        (SHORT_ANYTHING, "", False),
        (SHORT_ANYTHING, " . ", False),
        # Several stars, leading and trailing stars, doubled stars.
        (SHORT_STARS, "abc", True),
        (SHORT_STARS, "xxaxxbxxcxx", True),
        (SHORT_STARS, "cba", False),
        (SHORT_STARS, "starting", True),
        (SHORT_STARS, "the end", True),
        (SHORT_STARS, "az", True),
        (SHORT_STARS, "a to z", True),
        (SHORT_STARS, "za", False),
    ],
)
def test_short_answer(question, answer, correct):
    check(question, answer, 1.0 if correct else 0.0, correct)


def test_whitespace_is_collapsed_before_wildcards_apply():
    # "Principle  of MiGOF" collapses to one space, but "Principle * of MiGOF" needs a
    # space on each side of the wildcard's run.
    assert grade(SHORT, "Principle  of MiGOF").correct is False
    assert grade(SHORT, "Principle   -   of MiGOF").correct is True


def test_wildcard_matching_is_linear_on_the_longest_answer():
    # A pattern that would backtrack badly as a regular expression.
    question = QuestionData(
        kind=K.SHORT_ANSWER, stem="?", accepted_answers=("*a*a*a*a*a*a*a*a*a*a*b",)
    )
    assert grade(question, "a" * MAX_TEXT_LENGTH).correct is False
    assert grade(question, "a" * (MAX_TEXT_LENGTH - 1) + "b").correct is True


# Malformed answers never raise and score 0 with no feedback, for every kind.
@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # single choice / true-false
        (SINGLE, "paris"),  # unknown key
        (SINGLE, "Geneva"),  # the text, not the key
        (SINGLE, ["geneva"]),
        (SINGLE, {"geneva"}),
        (SINGLE, 0),
        (SINGLE, b"geneva"),
        (SINGLE, HUGE_TEXT),
        (TRUE_FALSE, True),  # a bool is not the "true" key
        (TRUE_FALSE, "yes"),
        (TRUE_FALSE, "TRUE"),
        (TRUE_FALSE, None),
        # multiple response
        (MR_ALL, None),
        (MR_ALL, "abc"),  # a string is not a collection of keys
        (MR_ALL, "a"),
        (MR_ALL, {"a": True, "b": True, "c": True}),  # a dict is not a collection of keys
        (MR_ALL, {"a", "b", "c", "z"}),  # unknown key spoils the answer
        (MR_RMW, {"a", "b", "z"}),
        (MR_RMW, ["a", ["b"]]),  # unhashable element
        (MR_RMW, ["a", None]),
        (MR_RMW, [1, 2]),
        (MR_RMW, iter(["a", "b", "c"])),  # an iterator is not accepted
        (MR_RMW, HUGE_LIST),
        # matching
        (MATCHING, None),
        (MATCHING, ["International standards"]),
        (MATCHING, "International standards"),
        (MATCHING, {"p1": "International standards", "zz": "Partnerships"}),  # unknown pair
        (MATCHING, {"p1": "International standards", 2: "Partnerships"}),
        (MATCHING, {"p1": "International standards", "p2": 3}),
        (MATCHING, {"p1": "International standards", "p2": ["Partnerships"]}),
        (MATCHING, {"p1": "International standards", "p2": HUGE_TEXT}),
        (MATCHING, {f"k{i}": "x" for i in range(MAX_ITEMS + 1)}),
        # ordering
        (ORDERING, None),
        (ORDERING, "assess"),
        (ORDERING, {"assess", "plan", "act"}),  # a set has no order
        (ORDERING, {"assess": 1, "plan": 2, "act": 3}),
        (ORDERING, ["assess", "plan", "zz"]),
        (ORDERING, [None, None, None]),
        (ORDERING, [["assess"], "plan", "act"]),
        (ORDERING, HUGE_LIST),
        # short answer
        (SHORT, None),
        (SHORT, 42),
        (SHORT, ["MiGOF"]),
        (SHORT, b"MiGOF"),
        (SHORT, "MiGOF" + " " * MAX_TEXT_LENGTH),  # over the limit before trimming
        (SHORT, HUGE_TEXT),
    ],
)
def test_malformed_answers_score_zero(question, answer):
    result = grade(question, answer)
    assert result == Grade(score=0.0, max_score=result.max_score, correct=False, feedback=())
    assert result.max_score == question.points


def test_ordering_string_of_keys_is_not_a_list_of_keys():
    # list("abc") == ["a", "b", "c"]: a string must not pass for a list of one-letter keys.
    question = QuestionData(
        kind=K.ORDERING, stem="?", choices=(Choice("a", "A"), Choice("b", "B"), Choice("c", "C"))
    )
    assert grade(question, ["a", "b", "c"]).correct is True
    assert grade(question, "abc").score == 0.0


@pytest.mark.parametrize(
    "question",
    [
        QuestionData(kind=K.SINGLE_CHOICE, stem="?"),
        QuestionData(kind=K.TRUE_FALSE, stem="?"),
        QuestionData(kind=K.MULTIPLE_RESPONSE, stem="?"),
        QuestionData(kind=K.MATCHING, stem="?"),
        QuestionData(kind=K.ORDERING, stem="?"),
        QuestionData(kind=K.SHORT_ANSWER, stem="?"),
        QuestionData(kind=K.SHORT_ANSWER, stem="?", accepted_answers=("", "  ", ".")),
        QuestionData(kind=K.MATCHING, stem="?", pairs=(MatchPair("p", "Prompt", "  "),)),
    ],
)
@pytest.mark.parametrize("answer", [None, "", [], (), set(), {}, {"p": ""}, {"p": "  "}])
def test_a_question_with_nothing_to_answer_scores_zero(question, answer):
    assert grade(question, answer) == Grade(score=0.0, max_score=1.0, correct=False)


@pytest.mark.parametrize(
    ("question", "right", "wrong"),
    [
        (SINGLE, "geneva", "vienna"),
        (TRUE_FALSE, "true", "false"),
        (MR_RMW, {"a", "b", "c"}, {"a"}),
        (MATCHING, {p.key: p.answer for p in MATCHING.pairs}, {"p1": "Partnerships"}),
        (ORDERING, ["assess", "plan", "act"], ["act", "plan", "assess"]),
        (SHORT, "MiGOF", "IOM"),
    ],
)
@pytest.mark.parametrize("points", [0, 0.0, -1, float("nan"), float("inf"), None, "many"])
def test_zero_or_unusable_points(question, right, wrong, points):
    """Zero points: nothing to earn, but a right answer is still reported as correct."""
    zero = replace(question, points=points)
    right_grade, wrong_grade = grade(zero, right), grade(zero, wrong)
    assert (right_grade.score, right_grade.max_score, right_grade.correct) == (0.0, 0.0, True)
    assert (wrong_grade.score, wrong_grade.max_score, wrong_grade.correct) == (0.0, 0.0, False)


@pytest.mark.parametrize(
    ("points", "max_score", "partial"),
    [
        (1, 1.0, 0.3333),
        (2.5, 2.5, 0.8333),
        (Decimal("1.5"), 1.5, 0.5),  # points from a DecimalField
        ("2", 2.0, 0.6667),
        (0.123456, 0.1235, 0.0412),  # points rounded to 4 decimals too
    ],
)
def test_points_and_rounding(points, max_score, partial):
    question = replace(MR_RMW, points=points)
    assert grade(question, {"a", "b", "c"}) == Grade(max_score, max_score, True, ("fa", "fc"))
    assert grade(question, {"a"}).score == partial


def test_every_kind_has_a_grader():
    assert set(GRADERS) == set(QuestionKind)


def test_dispatch_accepts_the_plain_string_value_of_a_kind():
    question = replace(SINGLE, kind="single_choice")
    assert grade(question, "geneva").correct is True


@pytest.mark.parametrize("kind", ["essay", "", None, "SINGLE_CHOICE"])
def test_unknown_kind_raises_a_clear_error(kind):
    question = QuestionData(kind=kind, stem="?")
    with pytest.raises(UnknownQuestionKindError, match="No grader for question kind"):
        grade(question, "anything")


def test_unknown_kind_raises_in_an_attempt_too():
    with pytest.raises(UnknownQuestionKindError):
        grade_attempt([(SINGLE, "geneva"), (QuestionData(kind="essay", stem="?"), "text")])


def test_unknown_partial_credit_mode_grades_all_or_nothing():
    question = replace(MR_RMW, partial_credit="half_marks")
    assert grade(question, {"a", "b"}).score == 0.0
    assert grade(question, {"a", "b", "c"}).score == 3.0


ONE_THIRD = (MR_RMW_ONE_POINT, {"a"})  # 0.3333 of 1
TWO_THIRDS = (MR_RMW_ONE_POINT, {"a", "b"})  # 0.6667 of 1
ALL_RIGHT = [
    (SINGLE, "geneva"),
    (TRUE_FALSE, "true"),
    (MR_ALL, {"a", "b", "c"}),
    (MATCHING, {p.key: p.answer for p in MATCHING.pairs}),
    (ORDERING, ["assess", "plan", "act"]),
    (SHORT, "MiGOF"),
]
ZERO_POINTS = replace(SINGLE, points=0)
TEN_THOUSAND_CHOICES = QuestionData(
    kind=K.MULTIPLE_RESPONSE,
    stem="?",
    choices=tuple(Choice(str(i), str(i), correct=True) for i in range(10_000)),
    partial_credit=PartialCredit.RIGHT_MINUS_WRONG,
)


@pytest.mark.parametrize(
    ("items", "score", "max_score", "percent"),
    [
        ([], 0.0, 0.0, 0.0),  # nothing to score: 0 %
        ([(ZERO_POINTS, "geneva")], 0.0, 0.0, 0.0),
        (ALL_RIGHT, 10.0, 10.0, 100.0),  # 2 + 1 + 3 + 2 + 1 + 1
        ([*ALL_RIGHT, (ZERO_POINTS, "vienna")], 10.0, 10.0, 100.0),
        ([(SINGLE, "vienna"), (SHORT, "MiGOF")], 1.0, 3.0, 33.3),
        ([(SINGLE, "geneva"), (SHORT, "nope")], 2.0, 3.0, 66.6),  # 66.67 rounds DOWN
        ([(SINGLE, None), (MATCHING, None), (ORDERING, "x")], 0.0, 5.0, 0.0),
        ([ONE_THIRD, ONE_THIRD, (SHORT, "IOM")], 0.6666, 3.0, 22.2),
        ([ONE_THIRD, TWO_THIRDS], 1.0, 2.0, 50.0),  # 0.3333 + 0.6667 sums exactly
        ([(MR_RMW_ONE_POINT, {"b"})] * 3, 0.9999, 3.0, 33.3),
        # Totals are exact decimal sums: float arithmetic would give 28.9 and 49.9 here.
        (
            [(replace(SINGLE, points=0.29), "geneva"), (replace(SINGLE, points=0.71), "x")],
            0.29,
            1.0,
            29.0,
        ),
        ([(replace(SINGLE, points=0.1), "geneva")] * 10 + [(SHORT, "no")], 1.0, 2.0, 50.0),
        ([(TEN_THOUSAND_CHOICES, [str(i) for i in range(MAX_ITEMS)])], 0.1, 1.0, 10.0),
    ],
)
def test_grade_attempt_totals(items, score, max_score, percent):
    result = grade_attempt(items)
    assert (result.score, result.max_score, result.percent) == (score, max_score, percent)
    assert result.grades == tuple(grade(question, answer) for question, answer in items)
    assert 0.0 <= result.percent <= 100.0


def test_grade_attempt_percent_is_never_rounded_up_to_a_pass_mark():
    # 7.996 of 10 is 79.96 %: reported as 79.9 %, so an 80 % pass mark is not reached.
    right = replace(SINGLE, points=7.996)
    wrong = replace(SINGLE, points=2.004)
    assert grade_attempt([(right, "geneva"), (wrong, "vienna")]) == AttemptGrade(
        score=7.996,
        max_score=10.0,
        percent=79.9,
        grades=(
            Grade(7.996, 7.996, True, ("Yes: Geneva.",)),
            Grade(0.0, 2.004, False, ()),
        ),
    )


def test_grade_attempt_accepts_any_iterable():
    result = grade_attempt((question, answer) for question, answer in ALL_RIGHT)
    assert result.percent == 100.0
    assert len(result.grades) == len(ALL_RIGHT)
