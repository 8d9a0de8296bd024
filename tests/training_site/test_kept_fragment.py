"""`{% kept %}` (training_site/templatetags/site_tags.py): the lesson's own content is
rendered once and kept until the content changes, per language; the parts that belong to
the learner (progress, the completion form) are rendered on every view; a preview shows
the draft, never a kept copy."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import User
from courses import services
from tests.courses.conftest import course_index, make_module  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(framework):
    _module, (first, _second) = make_module("P2", "Evidence A")
    return first


@pytest.fixture
def learner(db) -> tuple[Client, User]:
    user = User.objects.create_user(email="amina@example.org", password="pw-0123456789")
    client = Client()
    client.force_login(user)
    return client, user


def body_of(client, lesson) -> str:
    response = client.get(lesson.url)
    assert response.status_code == 200
    return response.text


def test_an_edited_lesson_shows_the_new_text_at_once(lesson, learner):
    client, _user = learner
    assert "Lesson 1 of Evidence A." in body_of(client, lesson)
    assert "Lesson 1 of Evidence A." in body_of(client, lesson)  # from the kept copy
    lesson.body = [{"type": "paragraph", "value": "<p>Rewritten by the trainer.</p>"}]
    lesson.save_revision().publish()
    html = body_of(client, lesson)
    assert "Rewritten by the trainer." in html and "Lesson 1 of Evidence A." not in html


def test_each_language_renders_its_own_copy(lesson, learner):
    client, user = learner
    english = body_of(client, lesson)
    assert "Lesson 1 of 2 in" in english
    user.preferred_language = "fr"
    user.save()
    french = body_of(client, lesson)
    assert "Lesson 1 of 2 in" not in french and "Leçon 1 sur 2" in french


def test_the_learners_own_parts_are_not_kept(lesson, learner, course_index):  # noqa: F811
    from tests.courses.conftest import make_course

    client, user = learner
    course = make_course(course_index, "Evidence", [lesson.get_parent().specific])
    services.enrol(user=user, course=course, now=timezone.now())
    assert "Mark this lesson as completed" in body_of(client, lesson)
    services.complete_item(user=user, page=lesson, now=timezone.now())
    html = body_of(client, lesson)
    assert "You have completed this lesson." in html
    assert "Mark this lesson as completed" not in html


def test_a_preview_is_never_answered_from_a_kept_copy(lesson):
    template = Template('{% load site_tags %}{% kept "t" 1 %}{{ text }}{% endkept %}')
    request = RequestFactory().get("/")
    assert template.render(Context({"request": request, "text": "kept"})) == "kept"
    assert template.render(Context({"request": request, "text": "changed"})) == "kept"
    request.is_preview = True
    assert template.render(Context({"request": request, "text": "draft"})) == "draft"


def test_the_tag_needs_a_name():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load site_tags %}{% kept %}x{% endkept %}")
