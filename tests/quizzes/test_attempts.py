"""Attempts: snapshots, resuming, saving, grading once, the time limit on the server, the
attempts allowed, and a passed quiz completing its course item."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from courses import services as course_services
from courses.models import CourseIndexPage, CourseModule, CoursePage, ItemProgress
from quizzes import attempts
from quizzes.answers import parse_answers
from quizzes.choices import AttemptState, FinishReason
from quizzes.models import Attempt
from quizzes.questions import QuestionKind
from tests.quizzes.builders import (
    KINDS,
    form,
    indicator,
    make_module,
    make_question,
    make_quiz,
    right_fields,
    wrong_fields,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(email="lea@example.org", password="pw-0123456789")


@pytest.fixture
def module(framework):
    return make_module("P1")


@pytest.fixture
def every_kind(framework):
    return [make_question(kind) for kind in KINDS]


def answers_for(attempt: Attempt, fields_for) -> dict[int, object]:
    items = list(attempt.items.all())
    shown = {i.position: (i.snapshot["kind"], i.snapshot["display"]) for i in items}
    return parse_answers(shown, form(*[fields_for(i) for i in items]))


def submit(attempt, learner, fields_for, now=NOW):
    return attempts.submit_attempt(
        attempt_id=attempt.pk, user=learner, answers=answers_for(attempt, fields_for), now=now
    )


def test_every_kind_answered_right_scores_full_marks(module, every_kind, learner):
    quiz = make_quiz(module, every_kind)
    attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    assert attempt.items.count() == len(KINDS)
    graded = submit(attempt, learner, right_fields)
    assert (graded.percent, graded.passed, graded.state) == (100, True, AttemptState.FINISHED)
    assert all(item.correct for item in graded.items.all())


def test_wrong_and_blank_answers_score_nothing_and_fail(module, every_kind, learner):
    quiz = make_quiz(module, every_kind, pass_mark=50)
    attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    graded = submit(attempt, learner, wrong_fields)
    assert graded.percent == 0
    assert graded.passed is False


def test_partly_right_is_graded_by_points(module, learner, framework):
    heavy = make_question(QuestionKind.SINGLE_CHOICE, points=3)
    light = make_question(QuestionKind.TRUE_FALSE, points=1)
    quiz = make_quiz(module, [heavy, light], pass_mark=75)
    attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    items = {i.question_id: i for i in attempt.items.all()}

    def fields(item):
        return right_fields(item) if item.question_id == heavy.pk else wrong_fields(item)

    graded = submit(attempt, learner, fields)
    assert graded.score == 3 and graded.max_score == 4
    assert graded.percent == 75 and graded.passed  # exactly the pass mark passes
    assert len(items) == 2


def test_snapshot_keeps_the_score_when_the_question_changes_or_goes(module, learner, framework):
    question = make_question(QuestionKind.SINGLE_CHOICE)
    quiz = make_quiz(module, [question])
    attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    answers = answers_for(attempt, right_fields)
    # The trainer swaps the right answer after the learner started.
    for choice in question.choices.all():
        choice.correct = not choice.correct and choice.text == "Wrong"
        choice.save()
    graded = attempts.submit_attempt(attempt_id=attempt.pk, user=learner, answers=answers, now=NOW)
    assert graded.percent == 100
    question.delete()
    graded.refresh_from_db()
    item = graded.items.get()
    assert graded.percent == 100 and item.question_id is None and item.correct is True


def test_an_open_attempt_resumes_with_its_saved_answers(module, every_kind, learner):
    quiz = make_quiz(module, every_kind, shuffle_questions=True)
    first = attempts.start_attempt(user=learner, quiz=quiz, now=NOW, rng=random.Random(1))
    order = list(first.items.values_list("question_id", flat=True))
    saved = attempts.save_answers(
        attempt_id=first.pk, user=learner, answers=answers_for(first, right_fields), now=NOW
    )
    assert saved.count == len(KINDS)
    again = attempts.start_attempt(
        user=learner, quiz=quiz, now=NOW + timedelta(hours=5), rng=random.Random(2)
    )
    assert again.pk == first.pk
    assert list(again.items.values_list("question_id", flat=True)) == order
    assert all(item.answer is not None for item in again.items.all())


def test_submitting_twice_grades_once(module, learner, framework):
    quiz = make_quiz(module, [make_question()])
    attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    first = submit(attempt, learner, right_fields)
    second = attempts.submit_attempt(
        attempt_id=attempt.pk,
        user=learner,
        answers=answers_for(attempt, wrong_fields),
        now=NOW + timedelta(minutes=1),
    )
    assert (second.percent, second.finished_at) == (first.percent, first.finished_at) == (100, NOW)
    with pytest.raises(attempts.AttemptClosed):
        attempts.save_answers(attempt_id=attempt.pk, user=learner, answers={}, now=NOW)


def test_attempts_allowed_are_enforced(module, learner, framework):
    quiz = make_quiz(module, [make_question()], attempts_allowed=2)
    for number in (1, 2):
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        assert attempt.number == number
        submit(attempt, learner, wrong_fields)
    with pytest.raises(attempts.NoAttemptsLeft):
        attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    assert Attempt.objects.filter(quiz=quiz, user=learner).count() == 2


def test_quiz_window(module, learner, framework):
    quiz = make_quiz(
        module,
        [make_question()],
        opens_at=NOW + timedelta(days=1),
        closes_at=NOW + timedelta(days=2),
    )
    with pytest.raises(attempts.QuizUnavailable):
        attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
    attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW + timedelta(days=1, hours=23))
    assert attempt.deadline == quiz.closes_at  # an attempt never outlives the quiz
    assert attempts.close_all_overdue(now=NOW + timedelta(days=2, minutes=5)) == 1
    attempt.refresh_from_db()
    assert attempt.finish_reason == FinishReason.QUIZ_CLOSED
    with pytest.raises(attempts.QuizUnavailable):
        attempts.start_attempt(user=learner, quiz=quiz, now=NOW + timedelta(days=3))


class TestTimeLimit:
    @pytest.fixture
    def quiz(self, module, framework):
        return make_quiz(module, [make_question(), make_question()], time_limit_minutes=10)

    def test_deadline_is_set_on_the_server(self, quiz, learner):
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        assert attempt.deadline == NOW + timedelta(minutes=10)

    def test_within_the_grace_the_submission_counts(self, quiz, learner, settings):
        settings.QUIZ_GRACE_SECONDS = 60
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        late = NOW + timedelta(minutes=10, seconds=50)
        graded = submit(attempt, learner, right_fields, now=late)
        assert graded.percent == 100
        assert graded.finish_reason == FinishReason.SUBMITTED

    def test_beyond_the_grace_only_saved_answers_count(self, quiz, learner, settings):
        settings.QUIZ_GRACE_SECONDS = 60
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        first, _second = attempt.items.all()
        # One right answer saved in time; everything else sent too late.
        attempts.save_answers(
            attempt_id=attempt.pk,
            user=learner,
            answers=answers_for(attempt, lambda i: right_fields(i) if i == first else {}),
            now=NOW + timedelta(minutes=5),
        )
        graded = submit(attempt, learner, right_fields, now=NOW + timedelta(minutes=12))
        assert graded.finish_reason == FinishReason.TIME_UP
        assert graded.percent == 50
        assert graded.finished_at == NOW + timedelta(minutes=12)

    def test_saving_after_the_time_closes_the_attempt(self, quiz, learner):
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        with pytest.raises(attempts.AttemptClosed):
            attempts.save_answers(
                attempt_id=attempt.pk,
                user=learner,
                answers=answers_for(attempt, right_fields),
                now=NOW + timedelta(hours=1),
            )
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.FINISHED and attempt.percent == 0
        assert all(item.answer is None for item in attempt.items.all())

    def test_overdue_attempts_are_closed_by_the_periodic_job(self, quiz, learner, framework):
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        assert attempts.close_all_overdue(now=NOW + timedelta(minutes=10)) == 0
        assert attempts.close_all_overdue(now=NOW + timedelta(minutes=30)) == 1
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.FINISHED
        assert attempt.finish_reason == FinishReason.TIME_UP

    def test_a_late_start_request_resumes_nothing_and_starts_afresh(self, quiz, learner):
        first = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        second = attempts.start_attempt(user=learner, quiz=quiz, now=NOW + timedelta(hours=1))
        first.refresh_from_db()
        assert first.state == AttemptState.FINISHED and second.number == 2


def test_random_draws_take_from_the_filtered_bank(module, learner, framework):
    wanted = indicator("EIU16-1.1")
    other = indicator("EIU16-2.1")
    pool = [make_question(indicators=[wanted], difficulty="hard") for _ in range(5)]
    make_question(indicators=[wanted], difficulty="easy")
    make_question(indicators=[other], difficulty="hard")
    make_question(indicators=[wanted], difficulty="hard", language="fr")
    fixed = pool[0]
    quiz = make_quiz(
        module,
        [fixed],
        draws=[{"count": 3, "indicator": wanted.pk, "domain": None, "difficulty": "hard"}],
    )
    seen = set()
    for seed in range(8):
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW, rng=random.Random(seed))
        ids = list(attempt.items.values_list("question_id", flat=True))
        assert len(ids) == 4 and len(set(ids)) == 4 and ids[0] == fixed.pk
        assert set(ids) <= {q.pk for q in pool}
        seen |= set(ids)
        submit(attempt, learner, wrong_fields)
    assert len(seen) == 5  # different learners (and attempts) see different questions


def test_a_draw_the_bank_cannot_fill_is_refused_in_the_editor(module, framework):
    from django.core.exceptions import ValidationError

    wanted = indicator("EIU16-1.1")
    make_question(indicators=[wanted])
    quiz = make_quiz(module, [], draws=[{"count": 1, "indicator": wanted.pk, "domain": None}])
    quiz.content = [{"type": "random", "value": {"count": 4, "indicator": wanted.pk}}]
    with pytest.raises(ValidationError) as raised:
        quiz.full_clean()
    assert "asks for 4 questions but the bank has 1" in str(raised.value)


def test_scenario_questions_stay_together_after_the_case_study(module, learner, framework):
    from case_studies.models import CaseStudyIndexPage, CaseStudyPage

    index = CaseStudyIndexPage(title="Case studies", slug="case-studies-q")
    framework.add_child(instance=index)
    case = CaseStudyPage(
        title="Illustrative scenario: a new labour migration law",
        slug="scenario-q",
        region="africa",
        illustrative=True,
        summary="A ministry drafts a law on recruitment fees.",
        context="<p>Context.</p>",
        policy_response="<p>Response.</p>",
    )
    index.add_child(instance=case)
    on_case = [make_question(case_study=case) for _ in range(3)]
    alone = [make_question() for _ in range(4)]
    quiz = make_quiz(module, [alone[0], on_case[0], alone[1], on_case[1], alone[2], on_case[2]])
    quiz.shuffle_questions = True
    quiz.save()
    for seed in range(5):
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW, rng=random.Random(seed))
        ids = list(attempt.items.values_list("question_id", flat=True))
        places = [ids.index(q.pk) for q in on_case]
        assert max(places) - min(places) == 2, ids  # consecutive
        first = attempt.items.get(position=min(places) + 1)
        assert first.snapshot["case_study"]["title"] == case.title
        assert first.snapshot["case_study"]["illustrative"] is True
        submit(attempt, learner, wrong_fields)


class TestCourseCompletion:
    @pytest.fixture
    def course(self, framework, module):
        index = CourseIndexPage(title="Courses", slug="courses-q")
        framework.add_child(instance=index)
        course = CoursePage(title="With a quiz", slug="with-quiz", summary="S.")
        course.course_modules = [CourseModule(module=module)]
        index.add_child(instance=course)
        return course

    def test_passing_completes_the_quiz_item_and_the_course(self, course, module, learner):
        quiz = make_quiz(module, [make_question()])
        course_services.enrol(user=learner, course=course, now=NOW)
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        submit(attempt, learner, wrong_fields)
        assert not ItemProgress.objects.filter(user=learner, page=quiz, completed_at__isnull=False)
        attempt = attempts.start_attempt(user=learner, quiz=quiz, now=NOW)
        submit(attempt, learner, right_fields, now=NOW + timedelta(minutes=3))
        progress = ItemProgress.objects.get(user=learner, page=quiz)
        assert progress.completed_at == NOW + timedelta(minutes=3)
        assert course.enrolments.get(user=learner).completed_at == NOW + timedelta(minutes=3)

    def test_a_quiz_cannot_be_ticked_off_by_the_lesson_button(
        self, client, course, module, learner
    ):
        quiz = make_quiz(module, [make_question()])
        course_services.enrol(user=learner, course=course, now=NOW)
        client.force_login(learner)
        response = client.post(f"/learning/items/{quiz.pk}/complete/", follow=True)
        assert "completed by passing it" in response.content.decode()
        assert not ItemProgress.objects.filter(page=quiz, completed_at__isnull=False).exists()

    def test_passing_outside_a_course_is_recorded_without_error(self, module, learner):
        quiz = make_quiz(module, [make_question()])
        graded = submit(
            attempts.start_attempt(user=learner, quiz=quiz, now=NOW), learner, right_fields
        )
        assert graded.passed
        assert not ItemProgress.objects.filter(user=learner, page=quiz).exists()
