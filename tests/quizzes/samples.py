"""Questions of every kind, written with the keys the importers give (c1.., m1.., true/false),
so that `parse(write(q)) == q` can be checked exactly. Texts carry the characters the
formats must escape."""

from __future__ import annotations

from quizzes.questions import Choice, MatchPair, PartialCredit, QuestionData, QuestionKind

SINGLE = QuestionData(
    kind=QuestionKind.SINGLE_CHOICE,
    title="MiGOF: principles",
    stem="<p>How many <strong>principles</strong> does MiGOF set out?</p>",
    choices=(
        Choice("c1", "Three", correct=True, feedback="Right: adherence, evidence, partnerships."),
        Choice("c2", "Six", feedback="No: there are three principles and three objectives."),
        Choice("c3", "%50 = half {of} ~ten # items"),
    ),
    explanation="MiGOF (2015): 3 principles, 3 objectives.",
    tags=("EIU16-1.1", "SDG-10.7.2-D1"),
)

MULTIPLE = QuestionData(
    kind=QuestionKind.MULTIPLE_RESPONSE,
    title="Objectives",
    stem="Which are MiGOF objectives?\nSelect all that apply.",
    choices=(
        Choice("c1", "Advance the socioeconomic well-being of migrants", correct=True),
        Choice("c2", "Address the mobility dimensions of crises", correct=True),
        Choice("c3", "Close all borders", feedback="Not a MiGOF objective."),
        Choice("c4", "Migration takes place in a safe, orderly and dignified manner", True),
    ),
    partial_credit=PartialCredit.RIGHT_MINUS_WRONG,
    points=2.5,
    tags=("EIU16-2.1",),
)

ALL_OR_NOTHING = QuestionData(
    kind=QuestionKind.MULTIPLE_RESPONSE,
    stem="Pick both SDG 10.7 indicators",
    choices=(
        Choice("c1", "10.7.1", correct=True),
        Choice("c2", "10.7.2", correct=True),
        Choice("c3", "8.8.1"),
    ),
    partial_credit=PartialCredit.ALL_OR_NOTHING,
    tags=("SDG-10.7.2-D1",),
)

TRUE_FALSE = QuestionData(
    kind=QuestionKind.TRUE_FALSE,
    title="Welcomed in 2015",
    stem="IOM Council welcomed MiGOF in 2015.",
    choices=(
        Choice("true", "True", correct=True, feedback="Yes: Resolution 1310."),
        Choice("false", "False", feedback="It was welcomed in November 2015."),
    ),
    explanation="Council Resolution No. 1310 (2015).",
    tags=("EIU16-1.1",),
)

FALSE_ANSWER = QuestionData(
    kind=QuestionKind.TRUE_FALSE,
    stem="MiGOF is a binding treaty.",
    choices=(
        Choice("true", "True", feedback="No: it is a non-binding framework."),
        Choice("false", "False", correct=True),
    ),
    points=0.0,
    tags=("EIU16-1.1",),
)

SHORT = QuestionData(
    kind=QuestionKind.SHORT_ANSWER,
    title="Acronym",
    stem="What does the 'M' in MiGOF stand for?",
    accepted_answers=("Migration", "migration governance*"),
    case_sensitive=True,
    explanation="Migration Governance Framework.",
    tags=("EIU16-1.1",),
)

MATCHING = QuestionData(
    kind=QuestionKind.MATCHING,
    title="Principles and objectives",
    stem="Match each item to its part of MiGOF.",
    pairs=(
        MatchPair("m1", "Principle 1", "Adherence to international standards"),
        MatchPair("m2", "Objective 1", "Socioeconomic well-being: {migrants} & society"),
        MatchPair("m3", "Objective 3", "Safe, orderly => dignified"),
    ),
    tags=("EIU16-3.2",),
)

ORDERING = QuestionData(
    kind=QuestionKind.ORDERING,
    title="Policy cycle",
    stem="Put the steps of the policy cycle in order.",
    choices=(
        Choice("c1", "Assess"),
        Choice("c2", "Plan"),
        Choice("c3", "Implement"),
        Choice("c4", "Review"),
    ),
    tags=("EIU16-4.1",),
)

GIFT_KINDS = [SINGLE, MULTIPLE, ALL_OR_NOTHING, TRUE_FALSE, FALSE_ANSWER, SHORT, MATCHING]
ALL_KINDS = [*GIFT_KINDS, ORDERING]
