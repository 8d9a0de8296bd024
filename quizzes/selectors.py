"""Reads for quiz pages and attempts, shaped for display in a fixed number of queries."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from training_site.content_cache import kept_data_under_token

from .answer_versions import ATTEMPTS_KEY
from .answers import is_answered
from .choices import AttemptState, ReviewTiming
from .models import Attempt, AttemptQuestion, Question, QuizPage
from .questions import SELECT_KINDS, QuestionKind, question_from_dict, question_to_dict
from .selection import DrawSlot, FixedSlot, choose_questions, display_order

# --- building an attempt ----------------------------------------------------------------


def _draw_filters(value: dict) -> dict:
    filters = {}
    if value.get("indicator"):
        filters["indicators"] = value["indicator"]
    if value.get("domain"):
        filters["indicators__domain"] = value["domain"]
    if value.get("difficulty"):
        filters["difficulty"] = value["difficulty"]
    return filters


def _slots_raw(quiz: QuizPage) -> list[tuple[str, object]]:
    """The quiz's content as (block type, raw value): ids, not fetched snippets."""
    return [(block["type"], block["value"]) for block in quiz.content.raw_data]


def _pool(quiz: QuizPage, value: dict) -> list[tuple[int, int | None]]:
    filters = _draw_filters(value)
    if not filters:
        return []
    language = quiz.locale.language_code if quiz.locale_id else None
    queryset = Question.objects.filter(**filters)
    if language:
        queryset = queryset.filter(language=language)
    return list(queryset.values_list("id", "case_study_id").distinct())


def draw_shortfalls(quiz: QuizPage) -> list[str]:
    """Messages for the random draws the question bank cannot fill (for the editor)."""
    slots = _slots_raw(quiz)
    fixed = {int(v) for kind, v in slots if kind == "question" and v}
    problems = []
    for position, (kind, value) in enumerate(slots, start=1):
        if kind != "random" or not isinstance(value, dict):
            continue
        count = int(value.get("count") or 0)
        available = len({qid for qid, _cs in _pool(quiz, value)} - fixed)
        if available < count:
            problems.append(
                _(
                    "Random draw %(position)s asks for %(count)s questions but the bank has "
                    "%(available)s matching questions in this language."
                )
                % {"position": position, "count": count, "available": available}
            )
    return problems


def _bank_questions(ids: list[int]) -> dict[int, Question]:
    return {
        q.pk: q
        for q in Question.objects.filter(pk__in=ids)
        .select_related("case_study")
        .prefetch_related("choices", "pairs", "accepted_answers", "indicators")
    }


def _scenario(question: Question) -> dict | None:
    case_study = question.case_study
    if case_study is None:
        return None
    return {
        "id": case_study.pk,
        "title": case_study.title,
        "summary": case_study.summary,
        "illustrative": bool(getattr(case_study, "illustrative", False)),
        "url": case_study.url or "",
    }


def plan_attempt(quiz: QuizPage, *, rng: random.Random) -> list[tuple[int, dict]]:
    """The questions a new attempt shows, in order, each with the snapshot to store."""
    slots = []
    case_study_of: dict[int, int | None] = {}
    for kind, value in _slots_raw(quiz):
        if kind == "question" and value:
            slots.append(FixedSlot(int(value)))
        elif kind == "random" and isinstance(value, dict):
            pool = _pool(quiz, value)
            case_study_of.update(pool)
            slots.append(DrawSlot(int(value.get("count") or 0), tuple(q for q, _cs in pool)))
    fixed_ids = [s.question_id for s in slots if isinstance(s, FixedSlot)]
    case_study_of.update(
        Question.objects.filter(pk__in=fixed_ids).values_list("id", "case_study_id")
    )
    slots = [s for s in slots if not isinstance(s, FixedSlot) or s.question_id in case_study_of]
    order = choose_questions(
        slots, rng=rng, shuffle=quiz.shuffle_questions, case_study_of=case_study_of
    )
    questions = _bank_questions(order)
    planned = []
    for question_id in order:
        question = questions.get(question_id)
        if question is None:
            continue
        data = question.to_data()
        snapshot = question_to_dict(data)
        snapshot["display"] = display_order(data, rng=rng, shuffle_choices=quiz.shuffle_choices)
        snapshot["indicator_ids"] = sorted(i.pk for i in question.indicators.all())
        snapshot["case_study"] = _scenario(question)
        planned.append((question_id, snapshot))
    return planned


# --- the quiz page ---------------------------------------------------------------------


def review_available(quiz: QuizPage, now: datetime) -> bool:
    """Whether the quiz's review policy shows learners their results at `now`."""
    if quiz.review_timing == ReviewTiming.AFTER_CLOSE:
        return quiz.closes_at is not None and now >= quiz.closes_at
    return True


def review_shown_q(now: datetime) -> Q:
    """`review_available` as a filter on attempts (by their quiz)."""
    return Q(quiz__review_timing=ReviewTiming.IMMEDIATELY) | Q(
        quiz__review_timing=ReviewTiming.AFTER_CLOSE, quiz__closes_at__lte=now
    )


def results_shown(attempt: Attempt, quiz: QuizPage, now: datetime) -> bool:
    """Whether the learner may see this finished attempt's results: released once, they
    stay released (a quiz reopened later does not take back what a learner has seen)."""
    return attempt.released_at is not None or review_available(quiz, now)


@dataclass
class QuizOverview:
    finished: list[Attempt]
    open_attempt: Attempt | None
    attempts_used: int
    attempts_left: int | None  # None: unlimited
    can_start: bool
    reason: str  # why a new attempt cannot start
    best_percent: float | None  # of the attempts whose results are shown
    passed: bool  # one of the attempts whose results are shown passed
    review_available: bool
    shown_ids: frozenset[int]  # the finished attempts whose results the learner may see
    question_count: int


def question_count(quiz: QuizPage) -> int:
    total = 0
    for kind, value in _slots_raw(quiz):
        if kind == "question":
            total += 1
        elif kind == "random" and isinstance(value, dict):
            total += int(value.get("count") or 0)
    return total


def learner_attempts(user, quiz: QuizPage) -> list[Attempt]:
    """The learner's attempts at the quiz, in order: kept under their attempts token
    (renewed whenever one of their attempts is saved or deleted: quizzes.apps), not the
    content token (their own rows: a publish leaves them kept); one query when it changed,
    or while the cache does not answer."""
    return kept_data_under_token(
        ATTEMPTS_KEY.format(user_id=user.pk),
        "quiz-attempts",
        user.pk,
        quiz.pk,
        build=lambda: list(Attempt.objects.filter(quiz=quiz, user=user).order_by("number")),
        timeout=60 * 60,
    )


def quiz_overview(quiz: QuizPage, user, now: datetime) -> QuizOverview:
    attempts = []
    if user.is_authenticated:
        attempts = learner_attempts(user, quiz)
    finished = [a for a in attempts if a.state == AttemptState.FINISHED]
    open_attempt = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    left = None if not quiz.attempts_allowed else max(0, quiz.attempts_allowed - len(attempts))
    reason = ""
    if quiz.opens_at and now < quiz.opens_at:
        reason = _("This quiz opens on %(date)s.") % {
            "date": quiz.opens_at.strftime("%Y-%m-%d %H:%M UTC")
        }
    elif quiz.closes_at and now >= quiz.closes_at:
        reason = _("This quiz is closed.")
    elif left == 0:
        reason = _("You have used all your attempts.")
    shown = [a for a in finished if results_shown(a, quiz, now)]
    percents = [float(a.percent) for a in shown if a.percent is not None]
    return QuizOverview(
        finished=finished,
        open_attempt=open_attempt,
        attempts_used=len(attempts),
        attempts_left=left,
        can_start=not reason and open_attempt is None,
        reason=reason,
        best_percent=max(percents) if percents else None,
        passed=any(a.passed for a in shown),
        review_available=review_available(quiz, now),
        shown_ids=frozenset(a.pk for a in shown),
        question_count=question_count(quiz),
    )


# --- an attempt, for taking or reviewing -----------------------------------------------


@dataclass
class Option:
    value: str
    text: str
    selected: bool = False


@dataclass
class Row:
    """A matching prompt or an item to order, with its select's options."""

    key: str
    text: str
    options: list[Option]


@dataclass
class ReviewLine:
    text: str
    correct: bool | None = None  # None: not judged (not shown, or neutral)


@dataclass
class ShownQuestion:
    position: int
    number: int
    kind: str
    stem: str
    points: float
    options: list[Option] = field(default_factory=list)  # choice kinds
    rows: list[Row] = field(default_factory=list)  # matching, ordering
    text: str = ""  # short answer
    answered: bool = False
    scenario: dict | None = None  # the case study, on the first question of its group
    # After submission (filled per the review policy):
    score: float | None = None
    correct: bool | None = None
    your_answer: list[ReviewLine] = field(default_factory=list)
    right_answer: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    explanation: str = ""


def attempt_for(quiz: QuizPage, user, attempt_id: int) -> Attempt | None:
    """The learner's own attempt on this quiz, with its questions (two queries)."""
    if not user.is_authenticated:
        return None
    return (
        Attempt.objects.filter(pk=attempt_id, quiz=quiz, user=user)
        .prefetch_related(Prefetch("items", queryset=AttemptQuestion.objects.order_by("position")))
        .first()
    )


def _shown(item: AttemptQuestion, number: int, scenario: dict | None) -> ShownQuestion:
    snap = item.snapshot
    display = snap.get("display", {})
    kind = snap["kind"]
    answer = item.answer
    shown = ShownQuestion(
        position=item.position,
        number=number,
        kind=kind,
        stem=snap.get("stem", ""),
        points=float(snap.get("points", 1)),
        answered=is_answered(answer),
        scenario=scenario,
    )
    text_of = {c["key"]: c["text"] for c in snap.get("choices", [])}
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.TRUE_FALSE):
        shown.options = [Option(k, text_of[k], answer == k) for k in display["choices"]]
    elif kind == QuestionKind.MULTIPLE_RESPONSE:
        chosen = set(answer or [])
        shown.options = [Option(k, text_of[k], k in chosen) for k in display["choices"]]
    elif kind == QuestionKind.SHORT_ANSWER:
        shown.text = answer or ""
    elif kind == QuestionKind.MATCHING:
        prompt_of = {p["key"]: p["prompt"] for p in snap.get("pairs", [])}
        chosen = answer or {}
        shown.rows = [
            Row(
                key,
                prompt_of[key],
                [
                    Option(str(i), text, chosen.get(key) == text)
                    for i, text in enumerate(display["answers"])
                ],
            )
            for key in display["prompts"]
        ]
    elif kind == QuestionKind.ORDERING:
        ranks = answer or {}
        count = len(display["items"])
        shown.rows = [
            Row(
                key,
                text_of[key],
                [Option(str(n), str(n), ranks.get(key) == n) for n in range(1, count + 1)],
            )
            for key in display["items"]
        ]
    return shown


def shown_questions(attempt: Attempt) -> list[ShownQuestion]:
    """The attempt's questions as the form shows them, with the saved answers."""
    shown = []
    seen_scenarios: set[int] = set()
    for number, item in enumerate(attempt.items.all(), start=1):
        scenario = item.snapshot.get("case_study")
        if scenario and scenario["id"] in seen_scenarios:
            scenario = None
        elif scenario:
            seen_scenarios.add(scenario["id"])
        shown.append(_shown(item, number, scenario))
    return shown


@dataclass
class Policy:
    score: bool
    correctness: bool
    correct_answers: bool
    feedback: bool


def review_policy(quiz: QuizPage, attempt: Attempt, now: datetime) -> Policy | None:
    """What the learner may see of their finished attempt now; None: nothing yet."""
    if not results_shown(attempt, quiz, now):
        return None
    return Policy(
        score=quiz.review_score,
        correctness=quiz.review_correctness,
        correct_answers=quiz.review_correct_answers,
        feedback=quiz.review_feedback,
    )


def _your_answer(snap: dict, answer: object, correctness: bool) -> list[ReviewLine]:
    kind = snap["kind"]
    data = question_from_dict(snap)
    if not is_answered(answer):
        return []
    if kind in SELECT_KINDS:
        keys = [answer] if isinstance(answer, str) else list(answer)
        return [
            ReviewLine(c.text, c.correct if correctness else None)
            for c in data.choices
            if c.key in keys
        ]
    if kind == QuestionKind.SHORT_ANSWER:
        return [ReviewLine(str(answer))]
    if kind == QuestionKind.MATCHING:
        right = {p.key: p.answer for p in data.pairs}
        return [
            ReviewLine(
                f"{p.prompt} → {answer.get(p.key) or '—'}",
                (answer.get(p.key) == right[p.key]) if correctness else None,
            )
            for p in data.pairs
        ]
    if kind == QuestionKind.ORDERING:
        text_of = {c.key: c.text for c in data.choices}
        placed = sorted(((r, k) for k, r in answer.items() if r), key=lambda rk: rk[0])
        return [ReviewLine(f"{rank}. {text_of[key]}") for rank, key in placed]
    return []


def _right_answer(snap: dict) -> list[str]:
    data = question_from_dict(snap)
    kind = snap["kind"]
    if kind in SELECT_KINDS:
        return [c.text for c in data.choices if c.correct]
    if kind == QuestionKind.SHORT_ANSWER:
        return [a.replace("\\*", "*") for a in data.accepted_answers[:3]]
    if kind == QuestionKind.MATCHING:
        return [f"{p.prompt} → {p.answer}" for p in data.pairs]
    if kind == QuestionKind.ORDERING:
        return [f"{n}. {c.text}" for n, c in enumerate(data.choices, start=1)]
    return []


def reviewed_questions(attempt: Attempt, policy: Policy) -> list[ShownQuestion]:
    """The attempt's questions with what the review policy lets the learner see."""
    shown = shown_questions(attempt)
    for question, item in zip(shown, attempt.items.all(), strict=True):
        snap = item.snapshot
        question.your_answer = _your_answer(snap, item.answer, policy.correctness)
        if policy.score and item.score is not None:
            question.score = float(item.score)
        if policy.correctness:
            question.correct = item.correct
        if policy.correct_answers:
            question.right_answer = _right_answer(snap)
        if policy.feedback:
            question.feedback = list(item.feedback or [])
            question.explanation = snap.get("explanation", "")
    return shown
