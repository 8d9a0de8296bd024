"""Taking a timed quiz in a real browser: answers save as the learner goes (also after the
connection drops), a reload resumes the attempt, submitting shows the review."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_journey import assert_accessible, assert_no_horizontal_scroll
from .test_learner_journey import log_in

pytestmark = pytest.mark.e2e

EMAIL = "quiz.taker@example.org"
PASSWORD = "Harbour-Compass-7395"  # noqa: S105


@pytest.fixture
def timed_quiz(site_content):
    from allauth.account.models import EmailAddress

    from accounts.models import User
    from quizzes.models import AcceptedAnswer, Question, QuestionChoice
    from tests.quizzes.builders import indicator, make_module, make_quiz

    user = User.objects.create_user(email=EMAIL, password=PASSWORD, full_name="Kofi Mensah")
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)

    def question(title, kind, stem, choices=(), answers=(), explanation=""):
        q = Question(title=title, kind=kind, stem=f"<p>{stem}</p>", explanation=explanation)
        q.choices = [QuestionChoice(text=t, correct=c, feedback=f) for t, c, f in choices]
        q.accepted_answers = [AcceptedAnswer(text=a) for a in answers]
        q.full_clean()
        q.save()
        q.indicators = [indicator()]
        q.save()
        return q

    questions = [
        question(
            "Principles",
            "single_choice",
            "How many principles does MIGOF set out?",
            [("Three", True, ""), ("Five", False, "Count the principles again: P1 to P3.")],
            explanation="MIGOF has three principles and three objectives.",
        ),
        question(
            "Objectives",
            "true_false",
            "MIGOF sets out three objectives.",
            [("True", True, ""), ("False", False, "")],
        ),
        question(
            "Target",
            "short_answer",
            "Which SDG target does indicator 10.7.2 belong to?",
            answers=["10.7"],
            explanation="Indicator 10.7.2 measures target 10.7.",
        ),
    ]
    module = make_module("P1")
    module.save_revision().publish()
    quiz = make_quiz(module, questions, title="Timed check", time_limit_minutes=10)
    quiz.save_revision().publish()
    return quiz


def test_take_a_timed_quiz_reload_resume_and_read_the_feedback(
    page, live_server, timed_quiz, axe_script, screenshot_dir
):
    quiz_url = live_server.url + timed_quiz.url
    page.goto(f"{live_server.url}/accounts/login/?next={timed_quiz.url}")
    log_in(page, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Timed check")).to_be_visible()
    expect(page.get_by_text("Time limit: 10 minutes")).to_be_visible()
    assert_accessible(page, axe_script)

    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("heading", level=1, name="Attempt 1")).to_be_visible()
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"Time left: (9|10):\d\d"))
    assert_accessible(page, axe_script)
    assert_no_horizontal_scroll(page, screenshot=screenshot_dir / "quiz-attempt-320.png")
    attempt_url = page.url

    # Answer the first question wrong: saved without pressing anything.
    page.get_by_label("Five").check()
    expect(page.get_by_role("status").filter(has_text="Answers saved at")).to_be_visible()

    # The connection drops while answering the second: nothing is lost.
    page.context.set_offline(True)
    page.get_by_label("True").check()
    expect(page.get_by_text("Not saved yet")).to_be_visible()
    page.context.set_offline(False)
    expect(page.get_by_role("status").filter(has_text="Answers saved at")).to_be_visible(
        timeout=20_000
    )

    # A reload (or another device) resumes the same attempt with both answers.
    page.reload()
    assert page.url == attempt_url
    expect(page.get_by_label("Five")).to_be_checked()
    expect(page.get_by_label("True")).to_be_checked()

    page.get_by_label("Your answer").fill("10.7")
    page.get_by_role("button", name="Submit and finish").click()
    expect(page.get_by_role("heading", level=1, name="Attempt 1: review")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your score: 66\.6 %"))).to_be_visible()
    expect(page.get_by_text("Count the principles again: P1 to P3.")).to_be_visible()
    expect(page.get_by_text("MIGOF has three principles and three objectives.")).to_be_visible()
    expect(page.get_by_text("Not passed: the pass mark is 70 %.")).to_be_visible()
    assert_accessible(page, axe_script)

    page.goto(quiz_url)
    expect(page.get_by_role("link", name="Review attempt 1")).to_be_visible()
    expect(page.get_by_role("button", name="Start a new attempt")).to_be_visible()
