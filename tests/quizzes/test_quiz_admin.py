"""Trainers build quiz pages in the admin: fixed questions and random draws under a module."""

from __future__ import annotations

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accounts.choices import Role
from quizzes.models import QuizPage
from tests.quizzes.builders import indicator, make_module, make_question
from tests.quizzes.test_import_view import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer_client(client, framework):
    client.force_login(member("quiz.trainer@example.org", Role.TRAINERS))
    return client


def quiz_form(questions, draws, **fields) -> dict:
    blocks = [("question", q.pk) for q in questions]
    blocks += [("random", draw) for draw in draws]
    data = {
        "title": "Check your understanding",
        "slug": "check",
        "intro": rich_text("<p>Five questions.</p>"),
        "content": streamfield(blocks),
        "shuffle_questions": "on",
        "shuffle_choices": "on",
        "pass_mark": "70",
        "attempts_allowed": "0",
        "time_limit_minutes": "",
        "opens_at": "",
        "closes_at": "",
        "review_timing": "immediately",
        "review_score": "on",
        "review_correctness": "on",
        "review_correct_answers": "on",
        "review_feedback": "on",
        **fields,
    }
    return nested_form_data(data)


def test_trainer_adds_a_quiz_with_a_fixed_question_and_a_random_draw(trainer_client):
    module = make_module("O3")
    wanted = indicator("EIU16-1.1")
    fixed = make_question(indicators=[wanted])
    for _ in range(3):
        make_question(indicators=[wanted])
    draw = {"count": "2", "indicator": str(wanted.pk), "domain": "", "difficulty": ""}
    url = f"/admin/pages/add/quizzes/quizpage/{module.pk}/"
    assert trainer_client.get(url).status_code == 200
    response = trainer_client.post(url, quiz_form([fixed], [draw]))
    assert response.status_code == 302, response.context["form"].errors
    quiz = QuizPage.objects.get(slug="check")
    assert [b.block_type for b in quiz.content] == ["question", "random"]
    assert quiz.get_parent().pk == module.pk


def test_a_draw_the_bank_cannot_fill_is_shown_as_a_form_error(trainer_client):
    module = make_module("O3")
    wanted = indicator("EIU16-1.1")
    make_question(indicators=[wanted])
    draw = {"count": "5", "indicator": str(wanted.pk), "domain": "", "difficulty": ""}
    response = trainer_client.post(
        f"/admin/pages/add/quizzes/quizpage/{module.pk}/", quiz_form([], [draw])
    )
    assert response.status_code == 200
    assert "asks for 5 questions but the bank has 1" in response.content.decode()
    assert not QuizPage.objects.filter(slug="check").exists()


def test_a_draw_without_any_filter_is_refused(trainer_client):
    module = make_module("O3")
    draw = {"count": "2", "indicator": "", "domain": "", "difficulty": ""}
    response = trainer_client.post(
        f"/admin/pages/add/quizzes/quizpage/{module.pk}/", quiz_form([], [draw])
    )
    assert response.status_code == 200
    assert "Choose at least an indicator, a domain or a difficulty" in response.content.decode()


def test_quizzes_go_under_modules_only(trainer_client, framework):
    response = trainer_client.get(f"/admin/pages/add/quizzes/quizpage/{framework.pk}/")
    assert response.status_code in (302, 403)
    assert not QuizPage.objects.exists()
