"""Taking a quiz through its pages: access rules, tampered input, what reaches the browser,
review policies, and SQL queries that do not grow with the number of questions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes.choices import AttemptState, ReviewTiming
from quizzes.models import Attempt
from quizzes.questions import QuestionKind
from tests.quizzes.builders import (
    KINDS,
    form,
    make_module,
    make_question,
    make_quiz,
    right_fields,
)
from training_site import content_cache

pytestmark = pytest.mark.django_db

SECRET_FEEDBACK = "Hint-7f3a"
EXPLANATION = "Because the framework says so."


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(email="lea@example.org", password="pw-0123456789")


@pytest.fixture
def intruder(django_user_model):
    return django_user_model.objects.create_user(email="eve@example.org", password="pw-0123456789")


@pytest.fixture
def quiz(framework):
    questions = [make_question(kind, feedback=SECRET_FEEDBACK) for kind in KINDS]
    return make_quiz(make_module("P2"), questions)


def start(client, quiz) -> Attempt:
    response = client.post(quiz.url + "start/")
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))


def all_right(attempt) -> dict:
    return form(*[right_fields(item) for item in attempt.items.all()])


class TestAccess:
    def test_the_overview_is_public_and_invites_to_log_in(self, client, quiz):
        response = client.get(quiz.url)
        assert response.status_code == 200
        assert "Log in to take this quiz" in response.content.decode()

    def test_anonymous_cannot_start_save_or_submit(self, client, quiz, learner):
        attempt_url = quiz.url + "attempts/1/"
        for url in (quiz.url + "start/", attempt_url + "save/", attempt_url + "submit/"):
            response = client.post(url)
            assert response.status_code == 302 and "/accounts/login/" in response.url
        assert client.get(attempt_url).status_code == 302
        response = client.post(attempt_url + "save/", HTTP_ACCEPT="application/json")
        assert response.status_code == 401 and "Sign in again" in response.json()["error"]
        assert not Attempt.objects.exists()

    def test_another_learners_attempt_is_not_found(self, client, quiz, learner, intruder):
        client.force_login(learner)
        attempt = start(client, quiz)
        client.force_login(intruder)
        base = f"{quiz.url}attempts/{attempt.pk}/"
        assert client.get(base).status_code == 404
        assert client.post(base + "save/", all_right(attempt)).status_code == 404
        assert client.post(base + "submit/", all_right(attempt)).status_code == 404
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.IN_PROGRESS
        assert all(item.answer is None for item in attempt.items.all())

    def test_wrong_methods_are_refused(self, client, quiz, learner):
        client.force_login(learner)
        assert client.get(quiz.url + "start/").status_code == 405
        assert client.post(quiz.url).status_code == 405


class TestTampering:
    @pytest.fixture
    def attempt(self, client, quiz, learner):
        client.force_login(learner)
        return start(client, quiz)

    @pytest.mark.parametrize(
        "bad",
        [
            pytest.param({"q1-shown": ["1"], "q1": ["c999"]}, id="unknown-choice-key"),
            pytest.param({"q99-shown": ["1"], "q99": ["c1"]}, id="question-not-in-attempt"),
            pytest.param({"q1": ["c1"]}, id="answer-without-its-question-on-the-form"),
            pytest.param({"q0-shown": ["1"]}, id="position-zero"),
        ],
    )
    def test_tampered_answers_are_refused_with_words_and_nothing_saved(
        self, client, quiz, attempt, bad
    ):
        for route in ("save/", "submit/"):
            response = client.post(f"{quiz.url}attempts/{attempt.pk}/{route}", bad)
            assert response.status_code == 400
            assert "not" in response.content.decode()
        response = client.post(
            f"{quiz.url}attempts/{attempt.pk}/save/", bad, HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 400 and response.json()["error"]
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.IN_PROGRESS
        assert all(item.answer is None for item in attempt.items.all())

    def test_an_over_long_short_answer_is_refused(self, client, quiz, attempt):
        item = next(i for i in attempt.items.all() if i.snapshot["kind"] == "short_answer")
        data = {f"q{item.position}-shown": ["1"], f"q{item.position}": ["x" * 1001]}
        response = client.post(f"{quiz.url}attempts/{attempt.pk}/save/", data)
        assert response.status_code == 400
        assert "longer than 1000 characters" in response.content.decode()


class TestNothingLeaksBeforeSubmission:
    def test_the_attempt_page_and_its_json_hold_no_answer(self, client, quiz, learner):
        client.force_login(learner)
        attempt = start(client, quiz)
        html = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
        assert html.count('class="question"') == len(KINDS)
        for secret in (SECRET_FEEDBACK, EXPLANATION, "Policy coherence", "correct"):
            assert secret not in html, secret
        for item in attempt.items.all():
            snap = item.snapshot
            if snap["kind"] == "ordering":  # the items are never shown in the right order
                texts = [c["text"] for c in snap["choices"]]
                shown = [html.index(f">{t}</label>") for t in texts]
                assert shown != sorted(shown)
        saved = client.post(
            f"{quiz.url}attempts/{attempt.pk}/save/",
            all_right(attempt),
            HTTP_ACCEPT="application/json",
        )
        assert set(saved.json()) == {"saved", "saved_at"}
        html = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
        for secret in (SECRET_FEEDBACK, EXPLANATION, "correct"):
            assert secret not in html, secret


class TestJourney:
    def test_save_reload_and_resume_then_submit_and_review(self, client, quiz, learner):
        client.force_login(learner)
        attempt = start(client, quiz)
        data = all_right(attempt)
        response = client.post(f"{quiz.url}attempts/{attempt.pk}/save/", data, follow=True)
        assert "Your answers are saved" in response.content.decode()
        # A reload (or another device): the same attempt, with the answers filled in.
        again = start(client, quiz)
        assert again.pk == attempt.pk
        html = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
        assert html.count(" checked") >= 3 and 'value="Policy coherence"' in html
        response = client.post(f"{quiz.url}attempts/{attempt.pk}/submit/", {}, follow=True)
        html = response.content.decode()
        assert "Your score: 100.0 %" in html and "Passed." in html
        assert f"{SECRET_FEEDBACK} Right" in html  # the chosen choice's feedback
        assert EXPLANATION in html
        overview = client.get(quiz.url).content.decode()
        assert "Review attempt 1" in overview and "Start a new attempt" in overview

    def test_a_publish_shows_at_once_and_keeps_the_learners_attempts(self, client, quiz, learner):
        """The learner's attempts are their own rows, kept across a publish (which renews
        the content token): the page after it shows the edit without reading them again;
        a deploy (migrate) reads them again."""
        client.force_login(learner)
        attempt = start(client, quiz)
        client.post(f"{quiz.url}attempts/{attempt.pk}/submit/", all_right(attempt))
        client.get(quiz.url)
        quiz.title = "Evidence check, revised"
        quiz.save_revision().publish()

        def attempts_read() -> int:
            with CaptureQueriesContext(connection) as queries:
                overview = client.get(quiz.url).content.decode()
            assert "Evidence check, revised" in overview and "Review attempt 1" in overview
            return sum('FROM "quizzes_attempt" ' in q["sql"] for q in queries.captured_queries)

        assert attempts_read() == 0
        content_cache.code_changed()
        assert attempts_read() == 1
        assert attempts_read() == 0

    def test_the_overview_follows_each_learners_own_attempts(self, client, quiz, learner, intruder):
        """The list of attempts is kept per learner until one of their attempts is saved or
        deleted: each step shows at once, and never another learner's attempts."""
        client.force_login(learner)
        assert "Start the quiz" in client.get(quiz.url).content.decode()
        attempt = start(client, quiz)
        assert "Continue your attempt" in client.get(quiz.url).content.decode()
        client.post(f"{quiz.url}attempts/{attempt.pk}/submit/", all_right(attempt))
        overview = client.get(quiz.url).content.decode()
        assert "Review attempt 1" in overview and "Start a new attempt" in overview
        client.force_login(intruder)
        overview = client.get(quiz.url).content.decode()
        assert "Review attempt 1" not in overview and "Start the quiz" in overview
        Attempt.objects.get(pk=attempt.pk).delete()  # as the admin would
        client.force_login(learner)
        overview = client.get(quiz.url).content.decode()
        assert "Review attempt 1" not in overview and "Start the quiz" in overview

    def test_a_timed_out_attempt_shows_its_review_when_opened(self, client, quiz, learner):
        quiz.time_limit_minutes = 5
        quiz.save()
        client.force_login(learner)
        attempt = start(client, quiz)
        Attempt.objects.filter(pk=attempt.pk).update(
            started_at=timezone.now() - timedelta(hours=1),
            deadline=timezone.now() - timedelta(minutes=55),
        )
        html = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
        assert "The time ran out" in html
        response = client.post(
            f"{quiz.url}attempts/{attempt.pk}/save/",
            all_right(attempt),
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 409 and response.json()["review_url"]

    def test_no_attempts_left_is_explained(self, client, quiz, learner):
        quiz.attempts_allowed = 1
        quiz.save()
        client.force_login(learner)
        attempt = start(client, quiz)
        client.post(f"{quiz.url}attempts/{attempt.pk}/submit/", {})
        response = client.post(quiz.url + "start/", follow=True)
        assert "You have used all your attempts" in response.content.decode()
        assert Attempt.objects.filter(user=learner).count() == 1


class TestReviewPolicy:
    def submitted(self, client, quiz, learner) -> str:
        client.force_login(learner)
        attempt = start(client, quiz)
        response = client.post(
            f"{quiz.url}attempts/{attempt.pk}/submit/", all_right(attempt), follow=True
        )
        return response.content.decode()

    def test_hidden_parts_stay_hidden(self, client, quiz, learner):
        quiz.review_correct_answers = False
        quiz.review_feedback = False
        quiz.review_score = False
        quiz.save()
        html = self.submitted(client, quiz, learner)
        assert "The correct answer" not in html and EXPLANATION not in html
        assert "Your score" not in html
        assert "✓ Right" in html  # right/wrong is still shown

    def test_after_close_shows_nothing_until_the_quiz_closes(self, client, quiz, learner):
        quiz.review_timing = ReviewTiming.AFTER_CLOSE
        quiz.closes_at = timezone.now() + timedelta(days=1)
        quiz.save()
        html = self.submitted(client, quiz, learner)
        assert "will be shown here after the quiz closes" in html
        assert "Your score" not in html and "✓ Right" not in html
        type(quiz).objects.filter(pk=quiz.pk).update(closes_at=timezone.now())
        attempt = Attempt.objects.get(user=learner)
        html = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
        assert "Your score: 100.0 %" in html

    def test_an_editor_cannot_save_after_close_review_without_a_closing_date(self, quiz):
        from django.core.exceptions import ValidationError

        quiz.review_timing = ReviewTiming.AFTER_CLOSE
        with pytest.raises(ValidationError) as raised:
            quiz.full_clean()
        assert "review_timing" in raised.value.message_dict


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


def test_rendering_and_grading_take_fixed_queries(client, framework, learner):
    module = make_module("O1")
    kinds = list(KINDS)
    counts = {}
    for size in (10, 50):
        questions = [make_question(kinds[i % len(kinds)]) for i in range(size)]
        quiz = make_quiz(module, questions, title=f"Quiz {size}")
        client.force_login(learner)
        attempt = start(client, quiz)
        url = f"{quiz.url}attempts/{attempt.pk}/"
        client.get(url)  # warm caches (site root paths, content types)
        render = _queries(lambda: client.get(url))  # noqa: B023
        data = all_right(attempt)
        save = _queries(lambda: client.post(url + "save/", data))  # noqa: B023
        grade = _queries(lambda: client.post(url + "submit/", data))  # noqa: B023
        review = _queries(lambda: client.get(url))  # noqa: B023
        attempt.refresh_from_db()
        assert attempt.percent == 100
        counts[size] = (render, save, grade, review)
    assert counts[10] == counts[50], counts


def test_the_json_save_reports_the_time(client, quiz, learner):
    client.force_login(learner)
    attempt = start(client, quiz)
    response = client.post(
        f"{quiz.url}attempts/{attempt.pk}/save/", all_right(attempt), HTTP_ACCEPT="application/json"
    )
    body = json.loads(response.content)
    assert body["saved"] == len(KINDS) and body["saved_at"].startswith(str(timezone.now().year))


def test_true_false_is_shown_true_first(client, framework, learner):
    quiz = make_quiz(make_module("O2"), [make_question(QuestionKind.TRUE_FALSE)])
    client.force_login(learner)
    attempt = start(client, quiz)
    html = client.get(f"{quiz.url}attempts/{attempt.pk}/").content.decode()
    assert html.index('value="true"') < html.index('value="false"')
