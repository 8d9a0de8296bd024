"""The services that write attempts: start, save answers, submit, close when time is up.

Transactional and idempotent. An attempt is graded exactly once, on the server, from its
snapshots; the time limit is enforced here, never trusted to the browser:

- answers saved or submitted up to `deadline + GRACE` count (a slow connection at the last
  second loses nothing);
- after that, the attempt closes with what was saved before and later answers are refused.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses.services import NotEnrolled, record_item_passed

from . import answer_versions, selectors
from .answers import gradable
from .choices import AttemptState, FinishReason
from .grading import grade_attempt
from .models import Attempt, AttemptQuestion, QuizPage
from .questions import question_from_dict


def grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "QUIZ_GRACE_SECONDS", 60))


class QuizError(Exception):
    """A refusal with a message for the learner."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QuizUnavailable(QuizError):
    status = 403


class NoAttemptsLeft(QuizError):
    status = 403


class AttemptClosed(QuizError):
    status = 409


class EmptyQuiz(QuizError):
    status = 409


def _deadline(quiz: QuizPage, now: datetime) -> datetime | None:
    ends = []
    if quiz.time_limit_minutes:
        ends.append(now + timedelta(minutes=quiz.time_limit_minutes))
    if quiz.closes_at:
        ends.append(quiz.closes_at)
    return min(ends) if ends else None


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + grace()


def _time_up(attempt: Attempt) -> str:
    """Why an overdue attempt closes: its own time limit, or the quiz closing first."""
    closes_at = attempt.quiz.closes_at
    if closes_at is not None and attempt.deadline is not None and attempt.deadline >= closes_at:
        return FinishReason.QUIZ_CLOSED
    return FinishReason.TIME_UP


def start_attempt(
    *, user, quiz: QuizPage, now: datetime, rng: random.Random | None = None
) -> Attempt:
    """Resume the learner's open attempt, or start a new one if the quiz allows it.

    Concurrent starts never exceed the attempts allowed: attempt numbers are unique per
    learner and quiz, and only one attempt may be open; a start that loses the race
    resumes the winner's attempt.
    """
    open_attempt = Attempt.objects.filter(
        user=user, quiz=quiz, state=AttemptState.IN_PROGRESS
    ).first()
    if open_attempt is not None:
        if not is_overdue(open_attempt, now):
            return open_attempt
        close_overdue(attempt_id=open_attempt.pk, now=now)
    if quiz.opens_at and now < quiz.opens_at:
        raise QuizUnavailable(_("This quiz is not open yet."))
    if quiz.closes_at and now >= quiz.closes_at:
        raise QuizUnavailable(_("This quiz is closed."))
    used = Attempt.objects.filter(user=user, quiz=quiz).count()
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        raise NoAttemptsLeft(_("You have used all your attempts at this quiz."))
    planned = selectors.plan_attempt(quiz, rng=rng or random.SystemRandom())
    if not planned:
        raise EmptyQuiz(_("This quiz has no questions yet."))
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=used + 1,
                started_at=now,
                deadline=_deadline(quiz, now),
                pass_mark=quiz.pass_mark,
            )
            AttemptQuestion.objects.bulk_create(
                AttemptQuestion(
                    attempt=attempt, position=position, question_id=question_id, snapshot=snap
                )
                for position, (question_id, snap) in enumerate(planned, start=1)
            )
    except IntegrityError:
        # Another request started (or finished) an attempt at the same moment.
        open_attempt = Attempt.objects.filter(
            user=user, quiz=quiz, state=AttemptState.IN_PROGRESS
        ).first()
        if open_attempt is not None:
            return open_attempt
        raise NoAttemptsLeft(
            _("Another attempt was started at the same time; reload the page.")
        ) from None
    return attempt


def _locked(attempt_id: int, user) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update().select_related("quiz").filter(pk=attempt_id).first()
    )
    if attempt is None or (user is not None and attempt.user_id != user.pk):
        raise Attempt.DoesNotExist
    return attempt


def _store(attempt: Attempt, answers: Mapping[int, object], now: datetime) -> int:
    if not answers:
        return 0
    items = list(attempt.items.filter(position__in=list(answers)))
    for item in items:
        item.answer = answers[item.position]
        item.answered_at = now
    AttemptQuestion.objects.bulk_update(items, ["answer", "answered_at"])
    return len(items)


@dataclass(frozen=True)
class Saved:
    attempt: Attempt
    count: int


def save_answers(*, attempt_id: int, user, answers: Mapping[int, object], now: datetime) -> Saved:
    """Save answers as the learner goes. Refused once the attempt is finished or its time
    (with the grace) is over; an overdue attempt is then closed with what was saved."""
    with transaction.atomic():
        attempt = _locked(attempt_id, user)
        if attempt.state != AttemptState.IN_PROGRESS:
            raise AttemptClosed(_("This attempt has already been submitted."))
        overdue = is_overdue(attempt, now)
        if overdue:
            _finish(attempt, now, _time_up(attempt))  # committed before the refusal
        else:
            count = _store(attempt, answers, now)
            attempt.last_saved_at = now
            attempt.save(update_fields=["last_saved_at"])
    if overdue:
        raise AttemptClosed(
            _("The time is up: the attempt was closed with the answers saved before.")
        )
    return Saved(attempt, count)


@transaction.atomic
def submit_attempt(
    *, attempt_id: int, user, answers: Mapping[int, object] | None, now: datetime
) -> Attempt:
    """Grade the attempt, once. A second submission returns the first result unchanged.

    Answers sent with the submission count if they arrive within the time (and grace);
    beyond it the attempt is graded with what was saved before.
    """
    attempt = _locked(attempt_id, user)
    if attempt.state != AttemptState.IN_PROGRESS:
        return attempt
    if is_overdue(attempt, now):
        return _finish(attempt, now, _time_up(attempt))
    _store(attempt, answers or {}, now)
    return _finish(attempt, now, FinishReason.SUBMITTED)


@transaction.atomic
def close_overdue(*, attempt_id: int, now: datetime) -> Attempt:
    """Close an attempt whose time is over, grading what was saved. Idempotent."""
    attempt = _locked(attempt_id, None)
    if attempt.state == AttemptState.IN_PROGRESS and is_overdue(attempt, now):
        return _finish(attempt, now, _time_up(attempt))
    return attempt


def close_all_overdue(*, now: datetime) -> int:
    """Close every open attempt whose time is over (run periodically by Celery beat)."""
    due = Attempt.objects.filter(
        state=AttemptState.IN_PROGRESS, deadline__lt=now - grace()
    ).values_list("pk", flat=True)
    closed = 0
    for attempt_id in list(due):
        if close_overdue(attempt_id=attempt_id, now=now).finished_at == now:
            closed += 1
    return closed


def _finish(attempt: Attempt, now: datetime, reason: str) -> Attempt:
    """Grade every question from its snapshot and record the result (inside the lock)."""
    items = list(attempt.items.order_by("position"))
    questions = [question_from_dict(item.snapshot) for item in items]
    result = grade_attempt(
        (question, gradable(question.kind, item.answer))
        for question, item in zip(questions, items, strict=True)
    )
    for item, item_grade in zip(items, result.grades, strict=True):
        item.score = Decimal(str(item_grade.score))
        item.max_score = Decimal(str(item_grade.max_score))
        item.correct = item_grade.correct
        item.feedback = list(item_grade.feedback)
    AttemptQuestion.objects.bulk_update(items, ["score", "max_score", "correct", "feedback"])
    attempt.score = Decimal(str(result.score))
    attempt.max_score = Decimal(str(result.max_score))
    attempt.percent = Decimal(str(result.percent))
    attempt.passed = result.max_score > 0 and result.percent >= attempt.pass_mark
    attempt.state = AttemptState.FINISHED
    attempt.finished_at = now
    attempt.finish_reason = reason
    attempt.save(
        update_fields=[
            "score",
            "max_score",
            "percent",
            "passed",
            "state",
            "finished_at",
            "finish_reason",
        ]
    )
    answer_versions.answers_changed(attempt.user_id)
    if selectors.review_available(attempt.quiz, now):
        _release(attempt, now)
    return attempt


def _release(attempt: Attempt, now: datetime) -> None:
    """The review policy shows the learner their results now (inside the lock): record it,
    and what follows from a result the learner may know. A pass completes the quiz's item
    in the learner's courses (so progress, course completion and the certificate never
    tell a learner they passed before the quiz's review does); the answers count in the
    learner's own mastery from now on."""
    attempt.released_at = now
    attempt.save(update_fields=["released_at"])
    if attempt.passed:
        try:
            with transaction.atomic():
                record_item_passed(user=attempt.user, page=attempt.quiz, now=now)
        except NotEnrolled:
            pass  # taken outside a course: the attempt is recorded, no course to complete


@transaction.atomic
def release_results(*, attempt_id: int, now: datetime) -> bool:
    """Release a finished attempt's results if its quiz's review policy shows them now
    (after the quiz closes). Idempotent; True when this call released them."""
    attempt = _locked(attempt_id, None)
    if (
        attempt.state != AttemptState.FINISHED
        or attempt.released_at is not None
        or not selectors.review_available(attempt.quiz, now)
    ):
        return False
    _release(attempt, now)
    answer_versions.answers_changed(attempt.user_id)
    return True


def release_due_results(*, now: datetime, user=None, quiz: QuizPage | None = None) -> int:
    """Release every withheld result whose quiz now shows its review (Celery beat, every
    minute; a learner's quiz page also releases theirs when opened). `user` and `quiz`
    narrow it down. Returns how many were released."""
    due = Attempt.objects.filter(
        selectors.review_shown_q(now), state=AttemptState.FINISHED, released_at=None
    )
    if user is not None:
        due = due.filter(user=user)
    if quiz is not None:
        due = due.filter(quiz=quiz)
    return sum(release_results(attempt_id=pk, now=now) for pk in due.values_list("pk", flat=True))
