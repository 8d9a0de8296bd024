"""Reading a learner's form into stored answers; refusing what the form could not send."""

from __future__ import annotations

import pytest

from quizzes.answers import InvalidAnswers, gradable, parse_answers

SHOWN = {
    1: ("single_choice", {"choices": ["c2", "c1"]}),
    2: ("multiple_response", {"choices": ["c1", "c2", "c3"]}),
    3: ("short_answer", {}),
    4: ("matching", {"prompts": ["m1", "m2"], "answers": ["B", "A"]}),
    5: ("ordering", {"items": ["c3", "c1", "c2"]}),
    6: ("true_false", {"choices": ["true", "false"]}),
}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({"q1-shown": ["1"], "q1": ["c1"]}, {1: "c1"}, id="single"),
        pytest.param({"q1-shown": ["1"]}, {1: None}, id="single-blank"),
        pytest.param({"q2-shown": ["1"], "q2": ["c3", "c1"]}, {2: ["c1", "c3"]}, id="multiple"),
        pytest.param({"q2-shown": ["1"]}, {2: []}, id="multiple-nothing-ticked"),
        pytest.param({"q3-shown": ["1"], "q3": ["  Text "]}, {3: "Text"}, id="short"),
        pytest.param({"q3-shown": ["1"], "q3": ["   "]}, {3: None}, id="short-blank"),
        pytest.param(
            {"q4-shown": ["1"], "q4-m1": ["1"], "q4-m2": [""]},
            {4: {"m1": "A", "m2": None}},
            id="matching-partial",
        ),
        pytest.param(
            {"q5-shown": ["1"], "q5-c1": ["2"], "q5-c2": ["3"], "q5-c3": ["1"]},
            {5: {"c3": 1, "c1": 2, "c2": 3}},
            id="ordering",
        ),
        pytest.param({"q6-shown": ["1"], "q6": ["false"]}, {6: "false"}, id="true-false"),
        pytest.param({"csrfmiddlewaretoken": ["x"], "action": ["save"]}, {}, id="other-fields"),
    ],
)
def test_parse(data, expected):
    assert parse_answers(SHOWN, data) == expected


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"q1-shown": ["1"], "q1": ["c9"]}, id="unknown-key"),
        pytest.param({"q1-shown": ["1"], "q1": ["c1", "c2"]}, id="two-for-single"),
        pytest.param({"q2-shown": ["1"], "q2": ["c1", "zz"]}, id="unknown-in-multiple"),
        pytest.param({"q3-shown": ["1"], "q3": ["x" * 1001]}, id="too-long"),
        pytest.param({"q4-shown": ["1"], "q4-m1": ["7"]}, id="matching-index-out-of-range"),
        pytest.param({"q4-shown": ["1"], "q4-m9": ["0"]}, id="matching-unknown-prompt"),
        pytest.param({"q4-shown": ["1"], "q4": ["A"]}, id="matching-without-prompt"),
        pytest.param({"q5-shown": ["1"], "q5-c1": ["4"]}, id="ordering-rank-too-high"),
        pytest.param({"q5-shown": ["1"], "q5-c1": ["first"]}, id="ordering-rank-not-a-number"),
        pytest.param({"q5-shown": ["1"], "q5-c1": ["²"]}, id="ordering-rank-superscript-digit"),
        pytest.param({"q4-shown": ["1"], "q4-m1": ["①"]}, id="matching-index-circled-digit"),
        # More digits than int() reads from text (4,300): refused, not a server error.
        pytest.param({"q5-shown": ["1"], "q5-c1": ["9" * 5000]}, id="ordering-rank-huge"),
        pytest.param({"q4-shown": ["1"], "q4-m1": ["0" * 5000]}, id="matching-index-huge"),
        pytest.param({"q7-shown": ["1"]}, id="question-not-in-attempt"),
        pytest.param({"q1": ["c1"]}, id="answer-without-shown-marker"),
        pytest.param({"q6-shown": ["1"], "q6-x": ["true"]}, id="extra-part-on-single"),
    ],
)
def test_refused(data):
    with pytest.raises(InvalidAnswers) as raised:
        parse_answers(SHOWN, data)
    assert raised.value.message


@pytest.mark.parametrize(
    ("kind", "stored", "expected"),
    [
        pytest.param("ordering", {"c3": 1, "c1": 2, "c2": 3}, ["c3", "c1", "c2"], id="complete"),
        pytest.param("ordering", {"c3": 1, "c1": 1, "c2": 3}, None, id="duplicate-rank"),
        pytest.param("ordering", {"c3": 1, "c1": None, "c2": 3}, None, id="missing-rank"),
        pytest.param("ordering", None, None, id="unanswered"),
        pytest.param("single_choice", "c1", "c1", id="passes-through"),
    ],
)
def test_gradable(kind, stored, expected):
    assert gradable(kind, stored) == expected
