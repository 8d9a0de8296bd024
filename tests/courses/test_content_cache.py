"""What pages cache between requests (routes, outlines, breadcrumbs, tags, staff links)
follows every change at once: a learner or editor never sees yesterday's content."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from accounts.choices import Role
from framework_content.models import Indicator, LessonPage

from .conftest import make_module, make_small_course

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_a_warm_lesson_routes_in_one_page_query(client, course_index):
    small = make_small_course(course_index)
    lesson = small.all_lessons[0]
    client.get(lesson.url)
    warm = queries(client, lesson.url)
    tree_reads = [q for q in warm if 'FROM "wagtailcore_page"' in q and "alias_of_id" not in q]
    # Wagtail's own routing reads the site, the root and two rows per level (about ten).
    assert len(tree_reads) <= 2, tree_reads


def test_an_unpublished_page_is_gone_at_once_and_back_when_published(client, course_index):
    lesson = make_small_course(course_index).all_lessons[0]
    assert client.get(lesson.url).status_code == 200
    lesson.unpublish()
    assert client.get(lesson.url).status_code == 404
    lesson.save_revision().publish()
    assert client.get(lesson.url).status_code == 200


def test_a_moved_page_answers_at_its_new_address(client, course_index):
    small = make_small_course(course_index)
    lesson = small.all_lessons[0]
    old_url = lesson.url
    assert client.get(old_url).status_code == 200
    lesson.move(small.modules[1], pos="last-child")
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert lesson.url != old_url
    old = client.get(old_url)  # not served from the cached route: Wagtail's redirect
    assert old.status_code == 301 and old["Location"] == lesson.url
    assert client.get(lesson.url).status_code == 200


def test_a_view_restriction_applies_to_a_cached_route(client, course_index):
    lesson = make_small_course(course_index).all_lessons[0]
    assert client.get(lesson.url).status_code == 200
    PageViewRestriction.objects.create(page=lesson, restriction_type="login")
    response = client.get(lesson.url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_new_lesson_shows_in_the_cached_course_outline(client, course_index):
    small = make_small_course(course_index)
    assert "Freshly added" not in client.get(small.course.url).content.decode()
    module = small.modules[0]
    module.add_child(
        instance=LessonPage(
            title="Freshly added",
            slug="freshly-added",
            body=[{"type": "paragraph", "value": "<p>New.</p>"}],
        )
    )
    assert "Freshly added" in client.get(small.course.url).content.decode()


def test_breadcrumbs_follow_a_renamed_parent(client, course_index):
    small = make_small_course(course_index)
    lesson = small.all_lessons[0]
    assert "Evidence A" in client.get(lesson.url).content.decode()
    module = small.modules[0]
    module.title = "Renamed module"
    module.save_revision().publish()
    html = client.get(lesson.url).content.decode()
    assert "Renamed module" in html and "Evidence A<" not in html


def test_indicator_tags_follow_an_edited_indicator(client, framework):
    indicator = Indicator.objects.order_by("pk").first()
    module, lessons = make_module("P1", "Tagged")
    lesson = lessons[0]
    lesson.indicators = [indicator]
    lesson.save_revision().publish()
    assert indicator.title in client.get(lesson.url).content.decode()
    indicator.title = "An indicator renamed for this test"
    indicator.save()
    assert "An indicator renamed for this test" in client.get(lesson.url).content.decode()


def test_the_trainer_link_follows_a_role_change_at_once(client, course_index, django_user_model):
    user = django_user_model.objects.create_user(
        email="tess@example.org", password="a long password 2026"
    )
    client.force_login(user)
    home = "/"
    assert "Trainer workspace" not in client.get(home).content.decode()
    queries(client, home)
    warm = queries(client, home)
    assert not any("auth_permission" in q for q in warm), "permissions read on a warm page"
    user.groups.add(Group.objects.get(name=Role.TRAINERS.value))
    assert "Trainer workspace" in client.get(home).content.decode()
    user.groups.clear()
    assert "Trainer workspace" not in client.get(home).content.decode()


def test_sub_routes_and_404s_are_not_remembered(client, course_index):
    """Any number resolves under a quiz's /attempts/<id>/, and any path can be asked for:
    neither may fill the cache. Only the page's own URL is kept."""
    from django.core.cache import cache

    from tests.quizzes.builders import make_question, make_quiz

    small = make_small_course(course_index)
    quiz = make_quiz(small.modules[0], [make_question()])
    assert client.get(quiz.url).status_code == 200
    for n in (1, 2, 3):
        client.get(f"{quiz.url}attempts/{n}/")  # a sub-route (refused: not signed in)
    assert client.get(quiz.url + "no-such-child/").status_code == 404
    keys = [k for k in cache._cache if ":route:" in k]  # locmem's own store
    assert len(keys) == 1 and keys[0].endswith(quiz.url.strip("/")), keys


def test_an_evicted_content_token_never_brings_back_old_entries(client, course_index):
    """If the cache drops the content token, the next one is new: entries kept under an
    older token (here a lesson's breadcrumbs, before a rename) are never read again."""
    from django.core.cache import cache

    from training_site.content_cache import CONTENT_VERSION_KEY

    small = make_small_course(course_index)
    lesson = small.all_lessons[0]
    cache.clear()
    assert "Evidence A" in client.get(lesson.url).content.decode()  # kept under token 1
    module = small.modules[0]
    module.title = "Renamed module"
    module.save_revision().publish()  # token 2
    assert "Renamed module" in client.get(lesson.url).content.decode()
    cache.delete(CONTENT_VERSION_KEY)  # evicted: a counter would start again at token 1
    html = client.get(lesson.url).content.decode()
    assert "Renamed module" in html and "Evidence A<" not in html


def test_the_content_cache_builds_from_the_database_when_the_cache_is_down(settings, rf):
    """Wagtail's own lookups need the cache anyway; ours must never add an error."""
    from training_site import content_cache, routing

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    assert content_cache.cached("answer", 1, build=lambda: 42) == 42
    assert content_cache.cached_many("answers", [1, 2], lambda ids: {i: i * 2 for i in ids}) == {
        1: 2,
        2: 4,
    }
    content_cache.content_changed(instance=None)  # a publish while the cache is down
    request = rf.get("/")
    routing.prime_route(request, "")  # leaves routing to Wagtail
    assert not hasattr(request, "_wagtail_route_for_request")
