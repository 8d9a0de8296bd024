"""GIFT import and export: pure functions, no database."""

from __future__ import annotations

import time

import pytest

from quizzes.formats.gift import parse_gift, write_gift
from quizzes.formats.report import NO_TAGS_WARNING, ImportReport
from quizzes.questions import Choice, MatchPair, PartialCredit, QuestionKind
from tests.quizzes.samples import GIFT_KINDS, ORDERING

TRAINER_FILE = r"""
// MiGOF module 1 quiz, exported by a trainer
$CATEGORY: $course$/top/MiGOF module 1

// tags: EIU16-1.1, SDG-10.7.2-D1
::Principles\: how many?::[html]<p>How many <b>principles</b> does MiGOF set out?</p> {
    =Three#Right\: adherence, evidence, partnerships.
    ~Six#No\: three principles and three objectives.
    ~Ten
    ####MiGOF (2015)\: 3 principles, 3 objectives.
}

// tags: EIU16-2.1
// points: 2
::Objectives:: Which are MiGOF objectives? {
    ~%50%Socioeconomic well-being of migrants#Yes
    ~%50%Mobility dimensions of crises
    ~%-50%Close all borders#No
}

// [id:Q3] [tag:EIU16-1.1] [tag:EIU16-1.2]
::Resolution:: IOM Council welcomed MiGOF in 2015.
{TRUE#Check the year.#Yes, Resolution 1310.####Resolution No. 1310}

// tags: EIU16-1.1
::Binding?:: MiGOF is a binding treaty.{F}

// tags: EIU16-1.1
// case-sensitive: yes
::Acronym:: The M in MiGOF stands for {=Migration =Migration governance}.

// tags: EIU16-3.2
::Match:: Match each item to its part of MiGOF. {
    =Principle 1 -> Adherence to international standards
    =Objective 1 -> Socioeconomic well-being
    =Objective 3 -> Safe, orderly and dignified migration
}
"""


def test_trainer_file_every_kind():
    report = parse_gift(TRAINER_FILE)
    assert report.ok
    assert [item.index for item in report.items] == [1, 2, 3, 4, 5, 6]
    single, multiple, true_q, false_q, short, matching = report.questions

    assert single.kind == QuestionKind.SINGLE_CHOICE
    assert single.title == "Principles: how many?"
    assert single.stem == "<p>How many <b>principles</b> does MiGOF set out?</p>"
    assert single.choices == (
        Choice("c1", "Three", True, "Right: adherence, evidence, partnerships."),
        Choice("c2", "Six", False, "No: three principles and three objectives."),
        Choice("c3", "Ten", False, ""),
    )
    assert single.explanation == "MiGOF (2015): 3 principles, 3 objectives."
    assert single.tags == ("EIU16-1.1", "SDG-10.7.2-D1")
    assert single.points == 1.0

    assert multiple.kind == QuestionKind.MULTIPLE_RESPONSE
    assert multiple.partial_credit == PartialCredit.RIGHT_MINUS_WRONG
    assert [c.correct for c in multiple.choices] == [True, True, False]
    assert multiple.choices[0].feedback == "Yes"
    assert multiple.points == 2.0
    assert report.items[1].warnings == ()  # weights match right-minus-wrong exactly

    assert true_q.kind == QuestionKind.TRUE_FALSE
    assert true_q.choices == (
        Choice("true", "True", True, "Yes, Resolution 1310."),  # right answer's feedback
        Choice("false", "False", False, "Check the year."),  # wrong answer's feedback
    )
    assert true_q.explanation == "Resolution No. 1310"
    assert true_q.tags == ("EIU16-1.1", "EIU16-1.2")  # Moodle's own [tag:] comments

    assert false_q.kind == QuestionKind.TRUE_FALSE
    assert [(c.key, c.correct) for c in false_q.choices] == [("true", False), ("false", True)]

    assert short.kind == QuestionKind.SHORT_ANSWER
    assert short.accepted_answers == ("Migration", "Migration governance")
    assert short.case_sensitive is True
    assert short.stem == "The M in MiGOF stands for _____."  # missing-word format

    assert matching.kind == QuestionKind.MATCHING
    assert matching.pairs[0] == MatchPair(
        "m1", "Principle 1", "Adherence to international standards"
    )
    assert len(matching.pairs) == 3

    assert report.warnings == [
        "Line 3: '$CATEGORY: $course$/top/MiGOF module 1' ignored (categories are not "
        "imported; questions are filed by indicator tags)."
    ]


def test_escapes():
    report = parse_gift(
        r"// tags: X"
        "\n"
        r"::a\:b:: 1 \= 1, \{set\}, \~approx\, \#1, C\:\\dir\nnext line {"
        r"=yes \= \~ \# \{ \} \: \\ ~no#fb\#1\: ok}"
    )
    assert report.ok, report.items
    question = report.questions[0]
    assert question.title == "a:b"
    assert question.stem == "1 = 1, {set}, ~approx\\, #1, C:\\dir\nnext line"
    assert question.choices[0].text == "yes = ~ # { } : \\"
    assert question.choices[1].feedback == "fb#1: ok"


@pytest.mark.parametrize("marker", ["[html]", "[markdown]", "[plain]", "[moodle]", "[HTML]"])
def test_format_markers_are_stripped_text_is_kept(marker):
    report = parse_gift(f"// tags: X\n::T::{marker}**Bold** <i>x</i> {{=a ~{marker}b}}")
    question = report.questions[0]
    assert question.stem == "**Bold** <i>x</i>"
    assert question.choices[1].text == "b"


@pytest.mark.parametrize("value", ["T", "TRUE", "true", "t"])
def test_true_forms(value):
    question = parse_gift(f"// tags: X\nQ {{{value}}}").questions[0]
    assert question.choices[0].correct and not question.choices[1].correct


@pytest.mark.parametrize("value", ["F", "FALSE", "false"])
def test_false_forms(value):
    question = parse_gift(f"// tags: X\nQ {{{value}#wrong fb#right fb}}").questions[0]
    assert question.choices == (
        Choice("true", "True", False, "wrong fb"),
        Choice("false", "False", True, "right fb"),
    )


def test_question_without_tags_is_accepted_with_a_warning():
    report = parse_gift("::Q:: Capital of France? {=Paris}")
    assert report.ok
    assert report.items[0].warnings == (NO_TAGS_WARNING,)
    assert report.questions[0].tags == ()


def test_tags_comment_must_be_directly_before_the_question():
    report = parse_gift("// tags: EIU16-1.1\n\n::Q:: Capital? {=Paris}")
    assert report.questions[0].tags == ()
    assert "not directly before a question" in report.warnings[0]


def test_tags_are_trimmed_and_deduplicated_across_comments():
    text = "// tags: A ,B,, A\n// tags: C\n// [tag:B] [tag:D]\n// just a note: hi\nQ {=x}"
    assert parse_gift(text).questions[0].tags == ("A", "B", "C", "D")


def test_comment_lines_inside_a_question_are_ignored():
    text = "// tags: X\nQ {\n=a\n// tags: IGNORED\n~b\n}"
    question = parse_gift(text).questions[0]
    assert question.tags == ("X",)
    assert [c.text for c in question.choices] == ["a", "b"]


def test_url_in_text_is_not_a_comment():
    question = parse_gift("// tags: X\nSee https\\://iom.int {=yes ~no}").questions[0]
    assert question.stem == "See https://iom.int"


@pytest.mark.parametrize(
    ("comment", "warning"),
    [
        ("// points: many", "Ignored 'points: many'"),
        ("// points: -1", "Ignored 'points: -1'"),
        ("// scoring: generous", "Ignored unknown 'scoring: generous'"),
        ("// scoring: all-or-nothing", "applies to multiple response only"),
        ("// case-sensitive: yes", "applies to short answer only"),
    ],
)
def test_directive_warnings(comment, warning):
    report = parse_gift(f"// tags: X\n{comment}\nQ {{=a ~b}}")
    assert report.ok
    assert any(warning in w for w in report.items[0].warnings), report.items[0].warnings
    assert report.questions[0].points == 1.0


def test_all_or_nothing_directive():
    question = parse_gift("// tags: X\n// scoring: all-or-nothing\nQ {~%50%a ~%50%b ~c}").questions[
        0
    ]
    assert question.partial_credit == PartialCredit.ALL_OR_NOTHING


def test_partial_weight_in_single_choice_counts_as_wrong_with_warning():
    report = parse_gift("// tags: X\nQ {=right ~%50%half ~wrong}")
    question = report.questions[0]
    assert question.kind == QuestionKind.SINGLE_CHOICE
    assert [c.correct for c in question.choices] == [True, False, False]
    assert "counts as wrong" in report.items[0].warnings[0]


def test_several_right_answers_in_single_choice():
    question = parse_gift("// tags: X\nQ {=a =b ~c}").questions[0]
    assert question.kind == QuestionKind.SINGLE_CHOICE
    assert [c.correct for c in question.choices] == [True, True, False]


def test_weights_unlike_right_minus_wrong_warn():
    report = parse_gift("// tags: X\nQ {~%70%a ~%30%b ~c}")
    question = report.questions[0]
    assert [c.correct for c in question.choices] == [True, True, False]
    assert question.partial_credit == PartialCredit.RIGHT_MINUS_WRONG
    assert "right-minus-wrong" in report.items[0].warnings[0]


def test_short_answer_partial_and_feedback_dropped_with_warnings():
    report = parse_gift("// tags: X\nQ {=Paris#Yes =%50%Lutetia =Paris}")
    assert report.questions[0].accepted_answers == ("Paris",)
    warnings = " ".join(report.items[0].warnings)
    assert "'Lutetia' (50%) dropped" in warnings
    assert "Feedback on short answer" in warnings


def test_matching_distractor_dropped_with_warning():
    report = parse_gift("// tags: X\nQ {=a -> 1 =b -> 2 = -> 3}")
    assert [p.answer for p in report.questions[0].pairs] == ["1", "2"]
    assert "distractor" in report.items[0].warnings[0]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("::Num:: 2 + 2? {#4}", "Numerical questions"),
        ("::Num:: Year? {#2015:1}", "Numerical questions"),
        ("::Essay:: Discuss MiGOF. {}", "Essay questions"),
        ("::Essay:: Discuss. {####Model answer}", "Essay questions"),
        ("::Intro:: This part is about MiGOF.", "description"),
        ("::Q:: Open {=a ~b", "not closed"),
        ("::Q:: Two {=a ~b} blocks {=c ~d}", "More than one answer block"),
        ("::Q:: Stray } brace", "Unmatched '}'"),
        ("::Q Unclosed title {=a ~b}", "title is not closed"),
        ("::Q:: No right answer {~a ~b}", "No right answer"),
        ("::Q:: Only one choice {~%100%a}", "at least two answers"),
        ("::Q:: Empty choice {=a ~}", "An answer has no text"),
        ("::Q:: Bare answer {Paris}", "Unrecognised answer block"),
        ("::Q:: Text first {Paris =a ~b}", "before the first answer"),
        ("::Q:: One pair {=a -> 1}", "at least two pairs"),
        ("::Q:: Broken pair {=a -> 1 =b}", "has no '->'"),
        ("::Q:: Empty pair answer {=a -> 1 =b ->}", "no answer"),
        ("::Q:: {=a ~b}", "question text is empty"),
        ("::Q:: No answers {=}", "accepted answer"),
    ],
)
def test_rejections(text, reason):
    report = parse_gift(f"// tags: X\n{text}\n\n// tags: X\n::Fine:: Capital? {{=Paris}}")
    assert not report.ok
    assert len(report.rejected) == 1 and len(report.accepted) == 1
    rejected = report.rejected[0]
    assert rejected.index == 1 and rejected.question is None
    assert reason in rejected.error, rejected.error
    assert rejected.error.startswith("Line 2: ")
    assert rejected.title  # something to show the trainer
    assert report.questions[0].title == "Fine"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "No questions found"),
        ("   \n\n  \n", "No questions found"),
        ("// only a comment\n$CATEGORY: x\n", "No questions found"),
        ("Q {=a ~b}\x00\x01\x02", "binary data"),
        (b"Q {=a ~b}", "must be text"),
        (None, "must be text"),
        ("Q {=a ~b}\n\n" * 600_000, "larger than 5 MB"),
    ],
)
def test_unreadable_input_gives_one_rejected_item(text, reason):
    report = parse_gift(text)
    assert not report.ok and report.accepted == [] and report.questions == []
    assert len(report.items) == 1 and report.items[0].index == 0
    assert reason in report.items[0].error


def test_byte_order_mark_and_windows_line_endings():
    report = parse_gift("\ufeff// tags: X\r\n::Q:: Capital?\r\n{=Paris}\r\n\r\n// tags: X\r\nB {T}")
    assert report.ok and len(report.questions) == 2
    assert report.questions[0].title == "Q"


def test_pathological_input_is_fast():
    started = time.monotonic()
    report = parse_gift(("{" * 50_000 + "\n") + ("~" * 200_000) + "\n\n" + "=" * 200_000)
    assert time.monotonic() - started < 2
    assert not report.ok


def test_report_properties():
    report = parse_gift("// tags: X\nQ {=a ~b}\n\nBad {#1}")
    assert isinstance(report, ImportReport)
    assert [i.index for i in report.accepted] == [1]
    assert [i.index for i in report.rejected] == [2]
    assert not report.ok
    assert ImportReport.failed("x").items[0].error == "x"


# --- writing and round trips ---------------------------------------------------------


@pytest.mark.parametrize("question", GIFT_KINDS, ids=lambda q: q.title or q.stem[:20])
def test_round_trip(question):
    text = write_gift([question])
    report = parse_gift(text)
    assert report.ok, report.items
    assert report.questions == [question]
    assert report.items[0].warnings == ()


def test_round_trip_many_in_one_file():
    report = parse_gift(write_gift(GIFT_KINDS))
    assert report.questions == GIFT_KINDS
    assert report.warnings == []


def test_written_gift_looks_like_gift():
    text = write_gift(GIFT_KINDS[:1])
    assert text.startswith("// tags: EIU16-1.1, SDG-10.7.2-D1\n::MiGOF\\: principles::[html]")
    assert "\t=Three#Right\\: adherence" in text
    assert "\t~%0%%50 \\= half \\{of\\} \\~ten \\# items" in text  # '%' text is not a weight
    assert "\t####MiGOF (2015)\\: 3 principles" in text


def test_write_ordering_is_refused():
    with pytest.raises(ValueError, match="GIFT has no ordering questions"):
        write_gift([ORDERING])


def test_write_refuses_tags_with_commas():
    from dataclasses import replace

    with pytest.raises(ValueError, match="comma"):
        write_gift([replace(GIFT_KINDS[0], tags=("a,b",))])
