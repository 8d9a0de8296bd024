"""Question-bank questions and quiz pages built in the test database, and the form data a
learner's browser would send for them."""

from __future__ import annotations

import itertools

from framework_content.models import FrameworkElementPage, Indicator, ModulePage
from quizzes.models import AcceptedAnswer, Question, QuestionChoice, QuestionMatchPair, QuizPage
from quizzes.questions import QuestionKind

_serial = itertools.count(1)

KINDS = {
    QuestionKind.SINGLE_CHOICE: {"choices": [("Right", True), ("Wrong", False), ("Off", False)]},
    QuestionKind.MULTIPLE_RESPONSE: {
        "choices": [("Yes one", True), ("Yes two", True), ("No", False)]
    },
    QuestionKind.TRUE_FALSE: {"choices": [("True", True), ("False", False)]},
    QuestionKind.MATCHING: {"pairs": [("P1", "Principle"), ("O1", "Objective"), ("X", "Other")]},
    QuestionKind.ORDERING: {"choices": [("First", False), ("Second", False), ("Third", False)]},
    QuestionKind.SHORT_ANSWER: {"answers": ["Policy coherence"]},
}


def indicator(ref_id: str = "EIU16-1.1") -> Indicator:
    return Indicator.objects.get(ref_id=ref_id)


def make_question(
    kind: QuestionKind = QuestionKind.SINGLE_CHOICE,
    *,
    indicators: list[Indicator] | None = None,
    title: str | None = None,
    difficulty: str = "medium",
    language: str = "en",
    case_study=None,
    points: int = 1,
    feedback: str = "",
) -> Question:
    spec = KINDS[kind]
    question = Question(
        title=title or f"{kind.value} {next(_serial)}",
        kind=kind.value,
        stem=f"<p>Stem of {kind.value}</p>",
        explanation="Because the framework says so.",
        difficulty=difficulty,
        language=language,
        case_study=case_study,
        points=points,
    )
    question.choices = [
        QuestionChoice(text=text, correct=correct, feedback=feedback and f"{feedback} {text}")
        for text, correct in spec.get("choices", [])
    ]
    question.pairs = [QuestionMatchPair(prompt=p, answer=a) for p, a in spec.get("pairs", [])]
    question.accepted_answers = [AcceptedAnswer(text=a) for a in spec.get("answers", [])]
    question.full_clean()
    question.save()
    question.indicators = indicators if indicators is not None else [indicator()]
    question.save()
    return question


def make_module(element_code: str = "P1") -> ModulePage:
    element = FrameworkElementPage.objects.get(code=element_code)
    module = ModulePage(title="Quiz module", slug=f"quiz-module-{next(_serial)}", summary="S.")
    element.add_child(instance=module)
    return module


def make_quiz(module: ModulePage, questions=(), draws=(), **fields) -> QuizPage:
    content = [{"type": "question", "value": q.pk} for q in questions]
    content += [{"type": "random", "value": draw} for draw in draws]
    fields.setdefault("shuffle_questions", False)
    quiz = QuizPage(
        title=fields.pop("title", "Check yourself"),
        slug=f"quiz-{next(_serial)}",
        content=content,
        **fields,
    )
    module.add_child(instance=quiz)
    return quiz


def right_fields(item) -> dict[str, list[str]]:
    """The form fields that answer an attempt question right (from its snapshot)."""
    snap, n = item.snapshot, item.position
    display = snap["display"]
    data = {f"q{n}-shown": ["1"]}
    kind = snap["kind"]
    if kind in ("single_choice", "true_false", "multiple_response"):
        data[f"q{n}"] = [c["key"] for c in snap["choices"] if c["correct"]]
    elif kind == "short_answer":
        data[f"q{n}"] = [snap["accepted_answers"][0]]
    elif kind == "matching":
        answer_of = {p["key"]: p["answer"] for p in snap["pairs"]}
        for key in display["prompts"]:
            data[f"q{n}-{key}"] = [str(display["answers"].index(answer_of[key]))]
    elif kind == "ordering":
        for rank, choice in enumerate(snap["choices"], start=1):
            data[f"q{n}-{choice['key']}"] = [str(rank)]
    return data


def wrong_fields(item) -> dict[str, list[str]]:
    """Form fields that answer an attempt question wrong (or leave it blank)."""
    snap, n = item.snapshot, item.position
    data = {f"q{n}-shown": ["1"]}
    if snap["kind"] in ("single_choice", "true_false"):
        data[f"q{n}"] = [next(c["key"] for c in snap["choices"] if not c["correct"])]
    elif snap["kind"] == "short_answer":
        data[f"q{n}"] = ["nothing like it"]
    return data


def form(*parts: dict) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        merged.update(part)
    return merged
