"""A signed-in person's tokens are read once per request, together
(training_site.content_cache.TokenPrefetchMiddleware and the request's token memo), and
what a request renews is what it reads next."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from courses import services
from courses.progress_versions import progress_key
from quizzes.answer_versions import KEY as ANSWERS_KEY
from training_site import content_cache

from .conftest import make_small_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson_and_learner(course_index, make_learner):
    small = make_small_course(course_index)
    learner = make_learner()
    services.enrol(user=learner, course=small.course, now=timezone.now())
    return small.lessons[0][0], learner


def test_a_lesson_reads_every_token_in_one_round_trip(client, lesson_and_learner, monkeypatch):
    lesson, learner = lesson_and_learner
    client.force_login(learner)
    client.get(lesson.url)
    client.get(lesson.url)
    reads = []
    real = cache.get_many
    monkeypatch.setattr(
        cache, "get_many", lambda keys, *a, **k: reads.append(list(keys)) or real(keys, *a, **k)
    )
    assert client.get(lesson.url).status_code == 200
    token_reads = [
        keys
        for keys in reads
        if content_cache.CONTENT_VERSION_KEY in keys or progress_key(learner.pk) in keys
    ]
    assert len(token_reads) == 1, reads
    assert {
        content_cache.CONTENT_VERSION_KEY,
        progress_key(learner.pk),
        ANSWERS_KEY.format(user_id=learner.pk),
    } <= set(token_reads[0])


def test_what_a_request_renews_is_what_it_reads_next(client, lesson_and_learner):
    lesson, learner = lesson_and_learner
    client.force_login(learner)
    other = lesson.get_next_siblings().live().first().specific
    assert "Mark this lesson as completed" in client.get(other.url).content.decode()
    # Opening a lesson records it (renewing the progress token) and shows the panel in the
    # same request: the course outline then counts it as opened, not the kept state.
    response = client.post(f"/learning/items/{lesson.pk}/complete/", {"next": other.url})
    assert response.status_code == 302
    html = client.get(other.url).content.decode()
    assert '<progress max="4" value="1" aria-label="Course progress"' in html


def test_no_memo_outside_a_request():
    content_cache.request_finished()
    assert content_cache._memo() is None
    content_cache.renew("test-token")  # a task or a shell: nothing remembered
    assert content_cache._memo() is None
