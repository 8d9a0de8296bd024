"""A learner's progress kept under their progress token (courses.selectors.learner_progress):
a return visit to a lesson writes and reads no progress row, while every change (opening,
completing, the cache down) shows on the next view; and a warm lesson takes its page from
the content cache (training_site.routing)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from courses import progress_versions, selectors, services
from courses.models import ItemProgress
from training_site import content_cache

from .conftest import make_small_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(course_index):
    return make_small_course(course_index)


@pytest.fixture
def amina(db) -> User:
    return User.objects.create_user(email="amina@example.org", password="pw-0123456789")


@pytest.fixture
def client(amina, small) -> Client:
    services.enrol(user=amina, course=small.course, now=timezone.now())
    client = Client()
    client.force_login(amina)
    return client


def visit(client, page) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url)
    assert response.status_code == 200
    return response.text, [q["sql"] for q in queries.captured_queries]


def test_the_first_visit_records_the_start_and_a_return_visit_reads_nothing(client, amina, small):
    lesson = small.lessons[0][0]
    visit(client, lesson)
    assert ItemProgress.objects.filter(user=amina, page=lesson).count() == 1
    visit(client, lesson)  # the route is kept on the first visit, its page on the second
    _html, sql = visit(client, lesson)
    assert not any("courses_itemprogress" in q for q in sql)
    assert not any('FROM "wagtailcore_page"' in q for q in sql)  # the page from the cache
    assert ItemProgress.objects.filter(user=amina, page=lesson).count() == 1


def test_a_completed_lesson_shows_at_once_on_the_lesson_and_the_course(client, amina, small):
    lesson = small.lessons[0][0]
    visit(client, lesson)
    response = client.post(
        f"/learning/items/{lesson.pk}/complete/?course={small.course.pk}", {"next": lesson.url}
    )
    assert response.status_code in (302, 303), response.status_code
    html, _sql = visit(client, lesson)
    assert "You have completed this lesson." in html
    course_html, _sql = visit(client, small.course)
    assert "1 of 4" in course_html or "25%" in course_html


def test_another_learners_progress_is_not_theirs(client, amina, small):
    other = User.objects.create_user(email="jorge@example.org", password="pw-0123456789")
    lesson = small.lessons[0][0]
    services.enrol(user=other, course=small.course, now=timezone.now())
    services.complete_item(user=other, page=lesson, now=timezone.now())
    assert lesson.pk in selectors.learner_progress(other).completed
    assert lesson.pk not in selectors.learner_progress(amina).completed


def test_without_a_cache_each_visit_reads_and_records_once(client, amina, small, monkeypatch):
    # No token answers (the cache is down): nothing is kept, every page reads the rows.
    monkeypatch.setattr(content_cache, "tokens", lambda keys: None)
    lesson = small.lessons[0][1]
    visit(client, lesson)
    visit(client, lesson)
    assert ItemProgress.objects.filter(user=amina, page=lesson).count() == 1
    services.complete_item(user=amina, page=lesson, now=timezone.now())
    assert lesson.pk in selectors.learner_progress(amina).completed


def test_the_snapshot_follows_the_token(amina, small):
    lesson = small.lessons[1][0]
    assert selectors.learner_progress(amina).started == frozenset()
    services.start_item(user=amina, page=lesson, now=timezone.now())
    assert selectors.learner_progress(amina).started == {lesson.pk}
    assert selectors.learner_progress(amina).completed == frozenset()
    # A row written without the services (say, by hand in a shell) is seen once the
    # learner's token is renewed: the services always renew it.
    ItemProgress.objects.filter(user=amina, page=lesson).update(completed_at=timezone.now())
    progress_versions.progress_changed(amina.pk)
    assert selectors.learner_progress(amina).completed == {lesson.pk}
