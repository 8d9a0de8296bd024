"""Double submissions and simultaneous starts of quiz attempts, with real concurrent
transactions (PostgreSQL; SQLite serialises every writer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from accounts.models import User
from courses import services as course_services
from courses.models import CourseIndexPage, CourseModule, CoursePage, ItemProgress
from quizzes import attempts
from quizzes.answers import parse_answers
from quizzes.choices import AttemptState
from quizzes.models import Attempt, AttemptQuestion
from tests.courses.test_concurrency import THREADS, run_at_once
from tests.quizzes.builders import (
    KINDS,
    form,
    make_module,
    make_question,
    make_quiz,
    right_fields,
    wrong_fields,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def learner() -> User:
    return User.objects.create_user(email="race@example.org", password="pw-0123456789")


@pytest.fixture
def quiz(framework):
    module = make_module("P3")
    index = CourseIndexPage(title="Courses", slug="race-courses")
    framework.add_child(instance=index)
    course = CoursePage(title="Race course", slug="race-course", summary="S.")
    course.course_modules = [CourseModule(module=module)]
    index.add_child(instance=course)
    return make_quiz(module, [make_question(kind) for kind in KINDS], attempts_allowed=2)


def _answers(attempt, fields_for):
    items = list(attempt.items.all())
    shown = {i.position: (i.snapshot["kind"], i.snapshot["display"]) for i in items}
    return parse_answers(shown, form(*[fields_for(i) for i in items]))


def test_two_submissions_at_once_give_one_graded_result(quiz, learner):
    course = CoursePage.objects.get(slug="race-course")
    course_services.enrol(user=learner, course=course, now=NOW)
    attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    right, wrong = _answers(attempt, right_fields), _answers(attempt, wrong_fields)
    moments = [NOW + timedelta(seconds=i + 1) for i in range(THREADS)]

    results = run_at_once(
        lambda i: (
            attempts.submit_attempt(
                attempt_id=attempt.pk,
                user=learner,
                answers=right if i % 2 else wrong,
                now=moments[i],
            ).finished_at
        )
    )

    attempt.refresh_from_db()
    assert attempt.state == AttemptState.FINISHED
    assert set(results) == {attempt.finished_at}  # every caller saw the one result
    assert attempt.percent in (0, 100)
    graded = AttemptQuestion.objects.filter(attempt=attempt, score__isnull=False).count()
    assert graded == len(KINDS)
    progress = ItemProgress.objects.filter(user=learner, page=quiz)
    if attempt.passed:
        assert progress.get().completed_at == attempt.finished_at
    else:
        assert not progress.filter(completed_at__isnull=False).exists()


def test_concurrent_starts_never_exceed_the_attempts_allowed(quiz, learner):
    def start_and_submit(i):
        try:
            attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        except attempts.NoAttemptsLeft:
            return None
        attempts.submit_attempt(attempt_id=attempt.pk, user=learner, answers={}, now=NOW)
        return attempt.pk

    run_at_once(start_and_submit)
    run_at_once(start_and_submit)

    numbers = sorted(
        Attempt.objects.filter(user=learner, quiz=quiz).values_list("number", flat=True)
    )
    assert numbers == [1, 2]


def test_concurrent_starts_share_one_open_attempt(quiz, learner):
    ids = run_at_once(lambda i: attempts.start_attempt(user=learner, quiz=quiz, now=NOW).pk)
    assert len(set(ids)) == 1
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == 1
