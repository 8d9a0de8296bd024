"""Demo question bank and one demo quiz per demo module (see data/demo_questions.yaml).

Idempotent like `framework_content.demo`: a question is found by its title, a quiz by its
slug under its module, and nothing is saved (no new revision) unless something in the data
file differs from what is stored. A changed question is updated in place: its choices and
matching pairs are matched to the data file by text, then by position, so they keep the
keys that recorded answers point at.

Indicators are named by `ref_id`, MIGOF elements by code, modules and case studies by slug;
the demo content, courses and case studies must be loaded first.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml
from django.db import transaction
from wagtail.models import Locale

from case_studies.models import CaseStudyPage
from framework_content.loading import LoadReport
from framework_content.models import FrameworkElementPage, Indicator, LessonPage, ModulePage

from .choices import Difficulty, PartialCreditChoices, ReviewTiming
from .models import AcceptedAnswer, Question, QuestionChoice, QuestionMatchPair, QuizPage
from .questions import QuestionKind

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_questions.yaml"
DEMO_LANGUAGE = "en"

T = TypeVar("T")


class DemoDataError(ValueError):
    """The data file names something that does not exist, or contradicts itself."""


def read_demo(path: Path = DEMO_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _html(text: str | list[str]) -> str:
    """Rich text from the data file: one paragraph, a list of them, or ready HTML ("<...")."""
    items = text if isinstance(text, list) else [text]
    return "".join(
        t.strip() if t.lstrip().startswith("<") else f"<p>{html.escape(t.strip(), quote=False)}</p>"
        for t in items
    )


class _Refs:
    """Looks up what the data file names, failing loudly on a typo or a missing loader."""

    def __init__(self) -> None:
        locale = Locale.get_default()
        self.indicators = {i.ref_id: i for i in Indicator.objects.all()}
        self.elements = {e.code: e for e in FrameworkElementPage.objects.filter(locale=locale)}
        self.case_studies = {c.slug: c for c in CaseStudyPage.objects.filter(locale=locale)}

    def indicator(self, ref_id: str) -> Indicator:
        try:
            return self.indicators[ref_id]
        except KeyError:
            raise DemoDataError(
                f"Unknown indicator ref_id {ref_id!r}; run load_framework first."
            ) from None

    def element(self, code: str) -> FrameworkElementPage:
        try:
            return self.elements[code]
        except KeyError:
            raise DemoDataError(
                f"Unknown MIGOF element {code!r}; run load_framework first."
            ) from None

    def case_study(self, slug: str) -> CaseStudyPage:
        try:
            return self.case_studies[slug]
        except KeyError:
            raise DemoDataError(
                f"Case study {slug!r} not found: load the demo case studies first "
                "(case_studies.demo.load_demo_case_studies, run by manage.py seed_demo)."
            ) from None

    def module(self, element_code: str, slug: str) -> ModulePage:
        module = ModulePage.objects.child_of(self.element(element_code)).filter(slug=slug).first()
        if module is None:
            raise DemoDataError(
                f"Module {slug!r} not found under element {element_code}: load the demo "
                "content first (framework_content.demo.load_demo_content)."
            )
        return module


# --- questions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    """A question as the data file describes it, in the shape it is compared in."""

    values: dict[str, Any]
    choices: list[tuple[str, bool, str]]
    pairs: list[tuple[str, str]]
    accepted: list[str]
    indicators: list[Indicator]
    elements: list[FrameworkElementPage]

    def state(self) -> tuple:
        return (
            self.values,
            self.choices,
            self.pairs,
            self.accepted,
            {i.pk for i in self.indicators},
            {e.pk for e in self.elements},
        )


def _wanted(spec: dict[str, Any], refs: _Refs) -> _Wanted:
    title = spec["title"]
    kind = QuestionKind(spec["kind"])
    indicators = [refs.indicator(r) for r in spec["indicators"]]
    if not 1 <= len(indicators) <= 3:
        raise DemoDataError(f"{title!r}: tag a question with one to three indicators.")
    case_study = refs.case_study(spec["case_study"]) if spec.get("case_study") else None
    values = {
        "kind": kind.value,
        "stem": _html(spec["stem"]),
        "explanation": spec["explanation"].strip(),
        "difficulty": Difficulty(spec.get("difficulty", Difficulty.MEDIUM)).value,
        "partial_credit": PartialCreditChoices(
            spec.get("partial_credit", PartialCreditChoices.ALL_OR_NOTHING)
        ).value,
        "case_sensitive": bool(spec.get("case_sensitive", False)),
        "points": Decimal(str(spec.get("points", 1))),
        "language": DEMO_LANGUAGE,
        "case_study_id": case_study.pk if case_study else None,
    }
    if kind == QuestionKind.ORDERING:
        choices = [(text.strip(), False, "") for text in spec["items"]]
    else:
        choices = [
            (c["text"].strip(), bool(c.get("correct", False)), c.get("feedback", "").strip())
            for c in spec.get("choices", [])
        ]
    return _Wanted(
        values=values,
        choices=choices,
        pairs=[(p["prompt"].strip(), p["answer"].strip()) for p in spec.get("pairs", [])],
        accepted=[a.strip() for a in spec.get("accepted", [])],
        indicators=indicators,
        elements=[refs.element(spec["element"])],
    )


def _state(question: Question, wanted: _Wanted) -> tuple:
    """What `wanted.state()` compares against (children and tags read from the prefetch)."""
    return (
        {key: getattr(question, key) for key in wanted.values},
        [(c.text, c.correct, c.feedback) for c in question.choices.all()],
        [(p.prompt, p.answer) for p in question.pairs.all()],
        [a.text for a in question.accepted_answers.all()],
        {i.pk for i in question.indicators.all()},
        {e.pk for e in question.migof_elements.all()},
    )


def _reuse(existing: Iterable[T], texts: list[str], text_of: Callable[[T], str]) -> list[T | None]:
    """For each wanted text, the existing child to update in place: the one with the same
    text, else the first one left over (an edited text keeps its key), else None (new)."""
    free = list(existing)
    found: list[T | None] = []
    for text in texts:
        same = next((item for item in free if text_of(item) == text), None)
        if same is not None:
            free.remove(same)
        found.append(same)
    for index, item in enumerate(found):
        if item is None and free:
            found[index] = free.pop(0)
    return found


def _set_children(question: Question, wanted: _Wanted) -> None:
    choices = []
    reused = _reuse(question.choices.all(), [c[0] for c in wanted.choices], lambda c: c.text)
    for order, ((text, correct, feedback), choice) in enumerate(
        zip(wanted.choices, reused, strict=True)
    ):
        choice = choice or QuestionChoice()
        choice.text, choice.correct, choice.feedback, choice.sort_order = (
            text,
            correct,
            feedback,
            order,
        )
        choices.append(choice)
    pairs = []
    reused = _reuse(question.pairs.all(), [p[0] for p in wanted.pairs], lambda p: p.prompt)
    for order, ((prompt, answer), pair) in enumerate(zip(wanted.pairs, reused, strict=True)):
        pair = pair or QuestionMatchPair()
        pair.prompt, pair.answer, pair.sort_order = prompt, answer, order
        pairs.append(pair)
    question.choices = choices
    question.pairs = pairs
    question.accepted_answers = [
        AcceptedAnswer(text=text, sort_order=order) for order, text in enumerate(wanted.accepted)
    ]


def _upsert_question(
    spec: dict[str, Any], existing: Question | None, refs: _Refs, report: LoadReport
) -> Question:
    wanted = _wanted(spec, refs)
    if existing is not None and _state(existing, wanted) == wanted.state():
        report.count("question", created=False, changed=False)
        return existing
    question = existing or Question(title=spec["title"])
    for key, value in wanted.values.items():
        setattr(question, key, value)
    _set_children(question, wanted)
    question.indicators = wanted.indicators
    question.migof_elements = wanted.elements
    question.full_clean()  # gives new choices and pairs their keys; checks the kind's rules
    question.save()
    question.save_revision(
        clean=False, log_action="wagtail.create" if existing is None else "wagtail.edit"
    )
    report.count("question", created=existing is None, changed=True)
    return question


# --- quizzes --------------------------------------------------------------------------------


def _content(
    spec: dict[str, Any], questions: dict[str, Question], refs: _Refs, scenario_titles
) -> list[dict[str, Any]]:
    """The quiz's StreamField content, raw, as the admin stores it."""
    content: list[dict[str, Any]] = []
    for item in spec["content"]:
        ((kind, value),) = item.items()
        if kind == "question":
            titles = [value]
        elif kind == "case_study":
            refs.case_study(value)
            titles = scenario_titles.get(value, [])
            if not titles:
                raise DemoDataError(f"No scenario question on case study {value!r}.")
        elif kind == "random":
            content.append(
                {
                    "type": "random",
                    "value": {
                        "count": int(value["count"]),
                        "indicator": refs.indicator(value["indicator"]).pk,
                        "domain": None,
                        "difficulty": "",
                    },
                }
            )
            continue
        else:
            raise DemoDataError(f"Unsupported quiz content {kind!r} in {spec['title']!r}.")
        for title in titles:
            if title not in questions:
                raise DemoDataError(f"{spec['title']!r} names an unknown question {title!r}.")
            content.append({"type": "question", "value": questions[title].pk})
    return content


def _quiz_values(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": spec["title"],
        "intro": _html(spec["intro"]),
        "pass_mark": int(spec.get("pass_mark", 70)),
        "attempts_allowed": int(spec.get("attempts_allowed", 0)),
        "time_limit_minutes": spec.get("time_limit_minutes"),
        "opens_at": None,
        "closes_at": None,
        "shuffle_questions": True,
        "shuffle_choices": True,
        # A demo is explored: everything is shown right after each attempt.
        "review_timing": ReviewTiming.IMMEDIATELY.value,
        "review_score": True,
        "review_correctness": True,
        "review_correct_answers": True,
        "review_feedback": True,
    }


def _upsert_quiz(
    spec: dict[str, Any], content: list[dict[str, Any]], refs: _Refs, report: LoadReport
) -> QuizPage:
    module = refs.module(spec["element"], spec["module"])
    values = _quiz_values(spec)
    quiz = QuizPage.objects.child_of(module).filter(slug=spec["slug"]).first()
    if quiz is None:
        quiz = QuizPage(slug=spec["slug"], content=content, **values)
        module.add_child(instance=quiz)  # the last child: after the lessons
        quiz.save_revision().publish()
        report.count("quiz", created=True, changed=True)
        return quiz
    changed = [key for key, value in values.items() if getattr(quiz, key) != value]
    for key in changed:
        setattr(quiz, key, values[key])
    stored = [(block["type"], block["value"]) for block in quiz.content.raw_data]
    if stored != [(block["type"], block["value"]) for block in content]:
        quiz.content = content
        changed.append("content")
    if changed:
        quiz.save_revision().publish()
    if LessonPage.objects.child_of(module).filter(path__gt=quiz.path).exists():
        quiz.move(module, pos="last-child")  # a lesson was added: the quiz comes after it
        changed.append("position")
    report.count("quiz", created=False, changed=bool(changed))
    return quiz


@transaction.atomic
def load_demo_quizzes(data: dict[str, Any] | None = None) -> LoadReport:
    """The demo question bank, then one quiz per demo module."""
    data = data if data is not None else read_demo()
    report = LoadReport()
    refs = _Refs()
    specs = data["questions"]
    titles = [spec["title"] for spec in specs]
    if len(set(titles)) != len(titles):
        raise DemoDataError("Question titles must be unique in the demo file.")
    existing: dict[str, Question] = {}
    for question in (
        Question.objects.filter(title__in=titles)
        .order_by("pk")
        .prefetch_related("choices", "pairs", "accepted_answers", "indicators", "migof_elements")
    ):
        existing.setdefault(question.title, question)
    questions: dict[str, Question] = {}
    scenario_titles: dict[str, list[str]] = {}
    for spec in specs:
        questions[spec["title"]] = _upsert_question(spec, existing.get(spec["title"]), refs, report)
        if spec.get("case_study"):
            scenario_titles.setdefault(spec["case_study"], []).append(spec["title"])
    for spec in data["quizzes"]:
        _upsert_quiz(spec, _content(spec, questions, refs, scenario_titles), refs, report)
    return report
