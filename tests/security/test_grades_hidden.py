"""Grades and feedback stay hidden through every channel a learner has until the quiz's
review policy releases them.

The policy (QuizPage, "Review"): *when* learners see their review (immediately after
submitting, or after the quiz closes) and *what* it shows (the score, whether each answer
was right, the correct answers, the feedback). It governs what the learner sees; trainers
(quiz statistics, cohort page, exports) see every result at once, as in Moodle.

A learner in a course of one module (a lesson, then a quiz that shows results after it
closes) completes the lesson and submits the quiz, all right. Until the quiz closes, the
score, the right/wrong marks and the feedback are in none of the learner's pages (the
review, the quiz page, the course page, the lesson's and the quiz's course panel, the
dashboard with its progress and mastery), the save endpoint's JSON, and no certificate
tells them they passed. When the clock passes the closing time, the minute job (or the
quiz page itself) releases them, and they show where they belong. Answers and feedback
are never in search results or suggestions.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from courses import services as course_services
from courses.models import Certificate, CourseIndexPage
from framework_content.models import LessonPage
from quizzes.choices import ReviewTiming
from quizzes.models import Attempt
from quizzes.tasks import release_due_results_task
from search.indexing import rebuild_all
from tests.courses.conftest import make_course
from tests.quizzes.builders import form, make_module, make_question, make_quiz, right_fields

pytestmark = pytest.mark.django_db

FEEDBACK = "Hint-Q9zX"  # each choice's feedback starts with it
EXPLANATION = "Explained-K4w because the framework says so"
SCORE = "100.0"  # the attempt's percent, as the review and the quiz page write it
VERDICTS = ("✓ Right", "(right)", "(wrong)", "Your score", "passed")
QUESTIONS = 3  # enough for a mastery level (quizzes.mastery.MIN_QUESTIONS)


def hidden_everywhere(html: str) -> None:
    for secret in (FEEDBACK, EXPLANATION, SCORE, *VERDICTS):
        assert secret not in html, secret


@pytest.fixture
def learning(framework, media_root):
    """A course of one module: a lesson, then a quiz whose results show after it closes."""
    index = CourseIndexPage(title="Courses", slug="courses")
    framework.add_child(instance=index)
    module = make_module("P2")
    lesson = LessonPage(
        title="Reading first",
        slug="reading-first",
        body=[{"type": "paragraph", "value": "<p>Read this.</p>"}],
    )
    module.add_child(instance=lesson)
    questions = []
    for _n in range(QUESTIONS):
        question = make_question(feedback=FEEDBACK)
        question.explanation = EXPLANATION
        question.save()
        questions.append(question)
    quiz = make_quiz(
        module,
        questions,
        title="Withheld quiz",
        review_timing=ReviewTiming.AFTER_CLOSE,
        closes_at=timezone.now() + timedelta(days=1),
    )
    course = make_course(index, "Withheld course", [module])
    return course, lesson, quiz


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(
        email="lena@example.org",
        password="pw-0123456789",  # noqa: S106
        full_name="Lena Ortiz",
    )


@pytest.fixture
def later(monkeypatch):
    """`later()` moves the clock two days on: past the quiz's closing time."""

    def advance():
        moment = timezone.now() + timedelta(days=2)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return advance


def submit_all_right(client, quiz) -> tuple[Attempt, dict]:
    """Start, save (through the script's JSON endpoint) and submit an all-right attempt;
    returns the attempt and the save endpoint's JSON."""
    response = client.post(quiz.url + "start/")
    assert response.status_code == 302
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    answers = form(*[right_fields(item) for item in attempt.items.all()])
    base = f"{quiz.url}attempts/{attempt.pk}/"
    saved = client.post(base + "save/", answers, HTTP_ACCEPT="application/json")
    assert saved.status_code == 200
    assert client.post(base + "submit/", answers).status_code == 302
    attempt.refresh_from_db()
    assert attempt.percent == 100 and attempt.passed  # graded, just not shown
    return attempt, saved.json()


@pytest.fixture
def submitted(client, learning, learner):
    course, lesson, quiz = learning
    course_services.enrol(user=learner, course=course, now=timezone.now())
    client.force_login(learner)
    assert client.post(reverse("item_complete", args=[lesson.pk])).status_code == 302
    attempt, saved_json = submit_all_right(client, quiz)
    return attempt, saved_json


def learner_pages(client, learning, attempt) -> dict[str, str]:
    course, lesson, quiz = learning
    base = f"{quiz.url}attempts/{attempt.pk}/"
    pages = {
        "review": base,
        "quiz page": quiz.url,
        "course page": course.url,
        "lesson": lesson.url,
        "dashboard": reverse("dashboard"),
    }
    found = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found[name] = response.content.decode()
    late_save = client.post(base + "save/", {}, HTTP_ACCEPT="application/json")
    assert late_save.status_code == 409
    found["save after submitting (JSON)"] = late_save.content.decode()
    return found


def test_nothing_of_the_result_reaches_the_learner_before_the_quiz_closes(
    client, learning, learner, submitted
):
    attempt, saved_json = submitted
    assert set(saved_json) == {"saved", "saved_at"}
    pages = learner_pages(client, learning, attempt)
    for name, html in pages.items():
        try:
            hidden_everywhere(html)
        except AssertionError as error:
            raise AssertionError(f"{name} shows {error}") from None
    assert "Your results will be shown here after the quiz closes" in pages["review"]
    assert "submitted" in pages["quiz page"]
    # The pass does not complete the quiz's item yet: the course is at 1 of 2 everywhere,
    # not completed, no certificate; no mastery from the withheld answers.
    for name in ("course page", "lesson", "dashboard"):
        assert "1 of 2 done" in pages[name], name
        assert "2 of 2 done" not in pages[name], name
    assert "Pass this quiz to complete it in the course." in pages["quiz page"]
    assert not Certificate.objects.exists()
    assert "No completed course yet." in pages["dashboard"]
    assert "Take a quiz: once it is submitted" in pages["dashboard"]
    assert "mastery-indicators" not in pages["dashboard"]


def test_the_minute_job_releases_the_result_when_the_quiz_closes(
    client, learning, learner, submitted, later, django_capture_on_commit_callbacks
):
    attempt, _saved = submitted
    course, lesson, quiz = learning
    assert release_due_results_task() == 0  # not closed yet: nothing to release
    later()
    with django_capture_on_commit_callbacks(execute=True):  # the certificate task
        assert release_due_results_task() == 1
    assert release_due_results_task() == 0  # once
    # Without opening the quiz: the course is completed, the certificate issued, and the
    # answers count in the dashboard's mastery.
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Download the certificate (PDF)" in dashboard
    assert "mastery-indicators" in dashboard
    assert Certificate.objects.filter(enrolment__user=learner).count() == 1
    assert "2 of 2 done" in client.get(course.url).content.decode()
    # The review now shows what the policy lets it show.
    review = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
    assert f"Your score: {SCORE} %" in review
    assert FEEDBACK in review and EXPLANATION in review and "✓ Right" in review
    overview = client.get(quiz.url).content.decode()
    assert f"{SCORE} % — passed" in overview
    assert "You have passed this quiz." in overview


def test_the_quiz_page_releases_the_result_when_opened_after_the_close(
    client, learning, learner, submitted, later
):
    _attempt, _saved = submitted
    course, _lesson, quiz = learning
    later()
    overview = client.get(quiz.url).content.decode()
    assert f"{SCORE} % — passed" in overview
    assert "2 of 2 done" in overview  # the quiz's course panel: its item is done
    assert "completed on" in client.get(reverse("dashboard")).content.decode()
    assert release_due_results_task() == 0  # already released


def test_a_quiz_that_never_shows_marks_keeps_them_out_of_the_learners_mastery(
    client, learning, learner
):
    _course, _lesson, quiz = learning
    quiz.review_timing = ReviewTiming.IMMEDIATELY
    quiz.review_score = False
    quiz.review_correctness = False
    quiz.save()
    client.force_login(learner)
    attempt, _saved = submit_all_right(client, quiz)
    assert attempt.released_at is not None  # released at once, but the marks never show
    review = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
    assert "Your score" not in review and "✓ Right" not in review
    assert FEEDBACK in review  # the policy shows the feedback
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "mastery-indicators" not in dashboard


def test_trainers_see_every_result_at_once(client, learning, learner, submitted, staff_mfa):
    """The review policy is about what the learner sees: the quiz's statistics (and their
    CSV of attempts) show a withheld result to trainers before the quiz closes."""
    _course, _lesson, quiz = learning
    from django.contrib.auth.models import Group

    trainer = type(learner).objects.create_user(
        email="trainer@example.org",
        password="pw-0123456789",  # noqa: S106
    )
    trainer.groups.add(Group.objects.get(name=Role.TRAINERS.value))
    staff_mfa(trainer)
    client.force_login(trainer)
    url = reverse("quizzes_statistics", args=[quiz.pk]) + "?format=attempts-csv"
    response = client.get(url)
    assert response.status_code == 200, response
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == [learner.email]
    assert SCORE in rows[1]


def test_answers_and_feedback_are_never_searchable(client, learning, learner, submitted, later):
    _course, _lesson, quiz = learning
    later()
    release_due_results_task()
    rebuild_all()
    # The index was built: the lesson of the quiz's module is found, and suggested.
    found = client.get(reverse("search"), {"q": "Reading first"}).content.decode()
    assert "Reading first" in found and "No results" not in found
    suggested = client.get(reverse("search_suggest"), {"q": "Readin"}).json()["suggestions"]
    assert [s["text"] for s in suggested] == ["Reading first"]
    for query in (FEEDBACK, "Explained-K4w", EXPLANATION):
        html = client.get(reverse("search"), {"q": query}).content.decode()
        assert "No results" in html, query
    for prefix in ("Hint-Q", "Explained", "Withheld"):  # feedback, explanation, the quiz
        assert client.get(reverse("search_suggest"), {"q": prefix}).json() == {"suggestions": []}
