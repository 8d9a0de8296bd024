"""Item analysis as Moodle computes it, against hand-worked examples.

No database: `quizzes.statistics` works on plain records only. The arithmetic of every
case is written next to it; results are compared with pytest.approx(abs=0.01) since every
figure is rounded to 2 decimals.
"""

from __future__ import annotations

import pytest

from quizzes.statistics import (
    QUESTION_CSV_COLUMNS,
    AttemptRecord,
    GroupStatistics,
    QuestionStatistics,
    QuizSummary,
    ResponseRecord,
    Rollup,
    question_csv_rows,
    question_statistics,
    quiz_summary,
    rollup,
)

NAN = float("nan")
INF = float("inf")


def approx(value):
    return None if value is None else pytest.approx(value, abs=0.01)


def attempts_of(*rows):
    """(attempt_id, score, max_score) tuples -> AttemptRecords."""
    return [AttemptRecord(*row) for row in rows]


def r(attempt_id, question_id, score, max_score=1.0, chosen=(), answered=True):
    return ResponseRecord(attempt_id, question_id, score, max_score, tuple(chosen), answered)


# --- the worked data set --------------------------------------------------------------
#
# Four learners A, B, C, D (attempts 1-4), three questions, quiz out of 4 marks:
#
#              Q1 (1 pt)   Q2 (1 pt)      Q3 (2 pt)   attempt   percent
#   A (1)      1  "a"      0  blank        2          3 / 4     75
#   B (2)      1  "a"      1  "a","b"      1          3 / 4     75
#   C (3)      1  "a"      0  "c"          0          1 / 4     25
#   D (4)      0  "b"      1  "a","b"      0          1 / 4     25
#
# Quiz: mean (75+75+25+25)/4 = 50; median (25+75)/2 = 50;
#   SD = sqrt((25² · 4) / 3) = sqrt(833.33) = 28.87.
#
# Q1: fractions 1,1,1,0 -> facility 75; SD of 100,100,100,0: mean 75,
#     squares 625·3 + 5625 = 7500, /3 = 2500 -> SD 50.
#     x = 1,1,1,0; rest y = 3-1, 3-1, 1-1, 1-0 = 2,2,0,1; means 0.75, 1.25
#     dx = .25,.25,.25,-.75; dy = .75,.75,-1.25,-.25
#     Σdxdy = .1875+.1875-.3125+.1875 = .25; Σdx² = .75; Σdy² = 2.75
#     r = .25 / sqrt(.75 · 2.75) = .25 / 1.4361 = 0.1741 -> 17.41
# Q2: fractions 0,1,0,1 -> facility 50; SD of 0,100,0,100: squares 2500·4 = 10000,
#     /3 = 3333.33 -> SD 57.74.
#     x = 0,1,0,1; rest y = 3,2,1,0; means .5, 1.5
#     dx = -.5,.5,-.5,.5; dy = 1.5,.5,-.5,-1.5
#     Σdxdy = -.75+.25+.25-.75 = -1; Σdx² = 1; Σdy² = 5
#     r = -1 / sqrt(5) = -0.4472 -> -44.72 (the weaker learners got it right)
#     choices: a ×2, b ×2, c ×1; A left it blank -> unanswered 1
# Q3: fractions 1,.5,0,0 -> facility 37.5; SD of 100,50,0,0: mean 37.5,
#     squares 3906.25+156.25+1406.25+1406.25 = 6875, /3 = 2291.67 -> SD 47.87.
#     x = 2,1,0,0; rest y = 1,2,1,1; means .75, 1.25
#     dx = 1.25,.25,-.75,-.75; dy = -.25,.75,-.25,-.25
#     Σdxdy = -.3125+.1875+.1875+.1875 = .25; Σdx² = 2.75; Σdy² = .75
#     r = .25 / sqrt(2.0625) -> 17.41
WORKED_ATTEMPTS = attempts_of((1, 3, 4), (2, 3, 4), (3, 1, 4), (4, 1, 4))
WORKED_RESPONSES = [
    r(1, 1, 1, chosen=["a"]),
    r(2, 1, 1, chosen=["a"]),
    r(3, 1, 1, chosen=["a"]),
    r(4, 1, 0, chosen=["b"]),
    r(1, 2, 0, answered=False),
    r(2, 2, 1, chosen=["a", "b"]),
    r(3, 2, 0, chosen=["c"]),
    r(4, 2, 1, chosen=["b", "a"]),
    r(1, 3, 2, 2),
    r(2, 3, 1, 2),
    r(3, 3, 0, 2),
    r(4, 3, 0, 2),
]


# --- quiz summary ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        pytest.param([], (0, None, None, None), id="no-attempts"),
        pytest.param(
            # One attempt: 1/2 = 50 %; mean = median = 50; SD needs n >= 2.
            attempts_of((1, 1, 2)),
            (1, 50.0, 50.0, None),
            id="one-attempt",
        ),
        pytest.param(WORKED_ATTEMPTS, (4, 50.0, 50.0, 28.87), id="worked-data-set"),
        pytest.param(
            # Odd n: 2/10, 9/10, 5/10 = 20, 90, 50 -> median 50; mean 160/3 = 53.33;
            # deviations -33.33, 36.67, -3.33 -> squares (10000 + 12100 + 100)/9 = 2466.67,
            # /(3-1) = 1233.33 -> SD 35.12.
            attempts_of((1, 2, 10), (2, 9, 10), (3, 5, 10)),
            (3, 53.33, 50.0, 35.12),
            id="median-odd",
        ),
        pytest.param(
            # Even n, percents per attempt (not pooled marks): 1/10, 2/5, 3/5, 4/4 =
            # 10, 40, 60, 100 -> median (40+60)/2 = 50; mean 52.5; deviations -42.5, -12.5,
            # 7.5, 47.5 -> squares 1806.25+156.25+56.25+2256.25 = 4275, /3 = 1425 -> 37.75.
            attempts_of((1, 1, 10), (2, 2, 5), (3, 3, 5), (4, 4, 4)),
            (4, 52.5, 50.0, 37.75),
            id="median-even",
        ),
        pytest.param(
            # Every attempt 50 %: SD 0 (not None: there are 2 attempts).
            attempts_of((1, 1, 2), (2, 2, 4)),
            (2, 50.0, 50.0, 0.0),
            id="zero-variance",
        ),
        pytest.param(
            # Skipped: max 0, max NaN, max -1, max inf, score NaN. Counted: 1/2, 2/2 =
            # 50, 100 -> mean = median = 75; SD = sqrt((25² + 25²) / 1) = 35.36.
            attempts_of(
                (1, 1, 2), (2, 0, 0), (3, 1, NAN), (4, 1, -1), (5, 1, INF), (6, NAN, 2), (7, 2, 2)
            ),
            (2, 75.0, 75.0, 35.36),
            id="unusable-attempts-skipped",
        ),
        pytest.param(
            # Attempt 1 recorded twice: the later record (2/2) replaces 0/2 -> 100, 50.
            attempts_of((1, 0, 2), (2, 1, 2), (1, 2, 2)),
            (2, 75.0, 75.0, 35.36),
            id="later-record-replaces",
        ),
        pytest.param(
            # 1/3 = 33.333.. and 2/3 = 66.666..: mean 50, median 50, SD 23.57
            # (sqrt(2 · 16.667² / 1) = 23.570).
            attempts_of((1, 1, 3), (2, 2, 3)),
            (2, 50.0, 50.0, 23.57),
            id="thirds",
        ),
    ],
)
def test_quiz_summary(attempts, expected):
    count, mean, median, sd = expected
    summary = quiz_summary(attempts)
    assert isinstance(summary, QuizSummary)
    assert summary.attempts == count
    assert summary.mean == approx(mean)
    assert summary.median == approx(median)
    assert summary.standard_deviation == approx(sd)


# --- question statistics --------------------------------------------------------------


def check(stat, expected):
    """`expected`: (question_id, responses, facility, sd, discrimination, choices, blank)."""
    question_id, responses, facility, sd, discrimination, choices, unanswered = expected
    assert stat.question_id == question_id
    assert stat.responses == responses
    assert stat.facility_index == approx(facility)
    assert stat.standard_deviation == approx(sd)
    assert stat.discrimination_index == approx(discrimination)
    assert stat.choice_counts == choices
    assert list(stat.choice_counts) == sorted(choices)  # keys sorted
    assert stat.unanswered == unanswered


@pytest.mark.parametrize(
    ("attempts", "responses", "expected"),
    [
        pytest.param([], [], [], id="empty"),
        pytest.param(
            WORKED_ATTEMPTS,
            WORKED_RESPONSES,
            [
                (1, 4, 75.0, 50.0, 17.41, {"a": 3, "b": 1}, 0),
                (2, 4, 50.0, 57.74, -44.72, {"a": 2, "b": 2, "c": 1}, 1),
                (3, 4, 37.5, 47.87, 17.41, {}, 0),
            ],
            id="worked-data-set",
        ),
        pytest.param(
            # The same, given in another order: rows still sorted by question id.
            WORKED_ATTEMPTS[::-1],
            WORKED_RESPONSES[::-1],
            [
                (1, 4, 75.0, 50.0, 17.41, {"a": 3, "b": 1}, 0),
                (2, 4, 50.0, 57.74, -44.72, {"a": 2, "b": 2, "c": 1}, 1),
                (3, 4, 37.5, 47.87, 17.41, {}, 0),
            ],
            id="input-order-irrelevant",
        ),
        pytest.param(
            # One attempt 1/2: Q1 1/1 -> facility 100, Q2 0/1 -> 0; SD and discrimination
            # need 2 responses.
            attempts_of((1, 1, 2)),
            [r(1, 1, 1), r(1, 2, 0)],
            [(1, 1, 100.0, None, None, {}, 0), (2, 1, 0.0, None, None, {}, 0)],
            id="one-attempt",
        ),
        pytest.param(
            # Perfectly discriminating: Q1 (1 pt) x = 1,1,0,0 and Q2 (2 pt) x = 2,2,0,0;
            # attempts 3,3,0,0 / 3. Q1 rest = 2,2,0,0 = 2x -> r = 1 -> 100;
            # Q2 rest = 1,1,0,0 = x/2 -> 100. Facility 50 each; SD of 100,100,0,0 =
            # sqrt(4 · 2500 / 3) = 57.74.
            attempts_of((1, 3, 3), (2, 3, 3), (3, 0, 3), (4, 0, 3)),
            [
                r(1, 1, 1),
                r(2, 1, 1),
                r(3, 1, 0),
                r(4, 1, 0),
                r(1, 2, 2, 2),
                r(2, 2, 2, 2),
                r(3, 2, 0, 2),
                r(4, 2, 0, 2),
            ],
            [(1, 4, 50.0, 57.74, 100.0, {}, 0), (2, 4, 50.0, 57.74, 100.0, {}, 0)],
            id="perfectly-discriminating",
        ),
        pytest.param(
            # Perfectly negative: Q1 x = 1,1,0,0, Q2 x = 0,0,1,1; every attempt 1/2.
            # Q1 rest = 0,0,1,1 = 1 - x -> r = -1 -> -100; Q2 likewise.
            attempts_of((1, 1, 2), (2, 1, 2), (3, 1, 2), (4, 1, 2)),
            [
                r(1, 1, 1),
                r(2, 1, 1),
                r(3, 1, 0),
                r(4, 1, 0),
                r(1, 2, 0),
                r(2, 2, 0),
                r(3, 2, 1),
                r(4, 2, 1),
            ],
            [(1, 4, 50.0, 57.74, -100.0, {}, 0), (2, 4, 50.0, 57.74, -100.0, {}, 0)],
            id="negatively-discriminating",
        ),
        pytest.param(
            # Zero variance. Q1: everyone 1/1 -> facility 100, SD 0, x does not vary ->
            # discrimination None. Q2: x = 1,0,0, attempts 2,1,1 -> rest = 1,1,1 does not
            # vary -> None; facility 33.33; SD of 100,0,0: mean 33.33, squares 4444.44 +
            # 1111.11 · 2 = 6666.67, /2 = 3333.33 -> 57.74.
            attempts_of((1, 2, 2), (2, 1, 2), (3, 1, 2)),
            [r(1, 1, 1), r(2, 1, 1), r(3, 1, 1), r(1, 2, 1), r(2, 2, 0), r(3, 2, 0)],
            [(1, 3, 100.0, 0.0, None, {}, 0), (2, 3, 33.33, 57.74, None, {}, 0)],
            id="zero-variance",
        ),
        pytest.param(
            # A one-question quiz: the rest of every attempt is 0 -> discrimination None.
            attempts_of((1, 1, 1), (2, 0, 1)),
            [r(1, 1, 1), r(2, 1, 0)],
            [(1, 2, 50.0, 70.71, None, {}, 0)],  # SD sqrt((50² + 50²) / 1) = 70.71
            id="one-question-quiz",
        ),
        pytest.param(
            # Choice counts: "a" chosen twice in one response counts once; a blank
            # response's choices are not counted (but it is one response, unanswered);
            # no choices -> {}. Facility (1 + 0 + 0 + 1) / 4 = 50.
            attempts_of((1, 1, 1), (2, 0, 1), (3, 0, 1), (4, 1, 1)),
            [
                r(1, 1, 1, chosen=["z", "a", "a"]),
                r(2, 1, 0, chosen=["b"]),
                r(3, 1, 0, chosen=["a"], answered=False),
                r(4, 1, 1, chosen=["a"]),
            ],
            [(1, 4, 50.0, 57.74, None, {"a": 2, "b": 1, "z": 1}, 1)],
            id="choice-counts-and-unanswered",
        ),
        pytest.param(
            # Ignored entirely: a response to unknown attempt 9 and one in attempt 3
            # (max 0, skipped). Attempt 2's response to Q1 recorded twice: the later (1/1)
            # replaces. Counted Q1: 1, 1 -> facility 100, SD 0, x constant -> None.
            attempts_of((1, 2, 2), (2, 1, 2), (3, 0, 0)),
            [
                r(1, 1, 1, chosen=["a"]),
                r(2, 1, 0, chosen=["b"]),
                r(2, 1, 1, chosen=["a"]),
                r(9, 1, 0, chosen=["c"], answered=False),
                r(3, 1, 0, chosen=["d"]),
            ],
            [(1, 2, 100.0, 0.0, None, {"a": 2}, 0)],
            id="unknown-and-skipped-attempts-ignored",
        ),
        pytest.param(
            # In counted attempts, responses with max 0, NaN or -1, or a NaN score count
            # nowhere; Q2 still gets a row (no usable response: 0 and None). Q1 counts
            # attempt 1 only: 1/2 = 50, one response.
            attempts_of((1, 1, 2), (2, 0, 2)),
            [
                r(1, 1, 1, 2),
                r(2, 1, NAN, 2, chosen=["a"]),
                r(1, 2, 0, 0, chosen=["a"]),
                r(2, 2, 1, NAN, answered=False),
                r(2, 3, 1, -1),
            ],
            [
                (1, 1, 50.0, None, None, {}, 0),
                (2, 0, None, None, None, {}, 0),
                (3, 0, None, None, None, {}, 0),
            ],
            id="unusable-responses",
        ),
    ],
)
def test_question_statistics(attempts, responses, expected):
    stats = question_statistics(attempts, responses)
    assert [stat.question_id for stat in stats] == [row[0] for row in expected]
    for stat, row in zip(stats, expected, strict=True):
        check(stat, row)


def test_question_statistics_reads_iterators_once():
    stats = question_statistics(iter(WORKED_ATTEMPTS), iter(WORKED_RESPONSES))
    assert [stat.responses for stat in stats] == [4, 4, 4]


# --- rollup ---------------------------------------------------------------------------


def q(question_id, responses, facility):
    return QuestionStatistics(question_id, responses, facility, None, None)


# Q10 80 % over 4 responses, Q20 20 % over 1, Q30 50 % over 5, Q40 no response, Q50 untagged.
ROLLUP_STATS = [q(10, 4, 80.0), q(20, 1, 20.0), q(30, 5, 50.0), q(40, 0, None), q(50, 3, 10.0)]
INDICATORS_OF = {10: (1,), 20: (1, 2), 30: (2,), 40: (2, 3)}  # Q50 has no indicator
DOMAIN_OF = {1: 100, 2: 100}  # indicator 3 has no domain


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        pytest.param([], Rollup(), id="empty"),
        pytest.param(
            ROLLUP_STATS,
            Rollup(
                indicators=(
                    # 1: Q10, Q20 -> (80·4 + 20·1) / 5 = 340 / 5 = 68 (plain mean: 50)
                    GroupStatistics(1, 2, 5, 68.0),
                    # 2: Q20, Q30, Q40 -> (20·1 + 50·5) / 6 = 270 / 6 = 45 (Q40: no response)
                    GroupStatistics(2, 3, 6, 45.0),
                    # 3: Q40 only, no response -> None
                    GroupStatistics(3, 1, 0, None),
                ),
                # 100: Q10, Q20 (tagged 1 and 2, counted once), Q30, Q40 ->
                # (320 + 20 + 250) / 10 = 59 (counting Q20 twice: 610 / 11 = 55.45)
                domains=(GroupStatistics(100, 4, 10, 59.0),),
            ),
            id="weighted-by-responses",
        ),
        pytest.param(
            # 66.67 % over 3 and 100 % over 1: (200.01 + 100) / 4 = 75.0025 -> 75.0
            [q(10, 3, 66.67), q(30, 1, 100.0)],
            Rollup(
                indicators=(GroupStatistics(1, 1, 3, 66.67), GroupStatistics(2, 1, 1, 100.0)),
                domains=(GroupStatistics(100, 2, 4, 75.0),),
            ),
            id="rounded-to-2-decimals",
        ),
    ],
)
def test_rollup(stats, expected):
    assert rollup(stats, indicators_of=INDICATORS_OF, domain_of=DOMAIN_OF) == expected


def test_rollup_of_the_worked_data_set():
    # Q1 (75 %) and Q3 (37.5 %) on indicator 1, Q2 (50 %) on 2; 4 responses each.
    # Indicator 1: (75·4 + 37.5·4) / 8 = 56.25; domain 100: (300 + 200 + 150) / 12 = 54.17.
    stats = question_statistics(WORKED_ATTEMPTS, WORKED_RESPONSES)
    result = rollup(stats, indicators_of={1: (1,), 2: (2,), 3: (1,)}, domain_of=DOMAIN_OF)
    assert result.indicators == (GroupStatistics(1, 2, 8, 56.25), GroupStatistics(2, 1, 4, 50.0))
    assert result.domains == (GroupStatistics(100, 3, 12, 54.17),)


# --- CSV ------------------------------------------------------------------------------


def test_csv_export_of_the_worked_data_set():
    stats = question_statistics(WORKED_ATTEMPTS, WORKED_RESPONSES)
    rows = list(question_csv_rows(stats, {1: "Where is IOM?", 2: "Principles"}))
    assert rows == [
        list(QUESTION_CSV_COLUMNS),
        ["1", "Where is IOM?", "4", "75.00", "50.00", "17.41", "0", "a=3; b=1"],
        ["2", "Principles", "4", "50.00", "57.74", "-44.72", "1", "a=2; b=2; c=1"],
        ["3", "", "4", "37.50", "47.87", "17.41", "0", ""],  # no title: ""
    ]


def test_csv_renders_none_as_blank():
    rows = list(question_csv_rows([q(7, 0, None)], {}))
    assert rows[1] == ["7", "", "0", "", "", "", "0", ""]


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        pytest.param('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', id="equals"),
        pytest.param("+1+2", "'+1+2", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("Rights = duties", "Rights = duties", id="harmless"),
    ],
)
def test_csv_guards_formula_injection_in_titles(title, cell):
    rows = list(question_csv_rows([q(1, 0, None)], {1: title}))
    assert rows[1][1] == cell


def test_csv_guards_choice_keys_but_not_numbers():
    stat = QuestionStatistics(1, 2, 50.0, 70.71, -100.0, {"=cmd": 1, "b": 1}, 0)
    row = list(question_csv_rows([stat], {}))[1]
    assert row[5] == "-100.00"  # a number stays a number
    assert row[7] == "'=cmd=1; b=1"
