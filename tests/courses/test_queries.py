"""Pages do not grow their queries with their data: the same count for 1 course × 2 modules ×
2 lessons as for 4 courses × 6 modules × 4 lessons, with the learner enrolled in every course
and some lessons completed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services

from .conftest import make_course, make_module

pytestmark = pytest.mark.django_db

ELEMENTS = ["P1", "P2", "P3", "O1", "O2", "O3"]

# Measured on SQLite with warm caches: course page 23, lesson page 35, dashboard 6 at both
# sizes (most are Wagtail's routing, the session and the user; the dashboard's are the session,
# the user, the cohorts section, enrolments with certificates, completed items and recent
# activity). The bound leaves a little room for unrelated changes (middleware, base
# template); the equality between sizes is the check.
MAX_QUERIES = {"course": 26, "lesson": 38, "dashboard": 10}


@dataclass
class Dataset:
    learner: object
    courses: list
    lessons: list  # every lesson of the first course, in order


def build(course_index, make_learner, *, name, courses, modules, lessons) -> Dataset:
    learner = make_learner(f"{name}@example.org", name.title())
    now = timezone.now()
    made = []
    first_lessons = []
    for c in range(courses):
        course_modules = []
        for m in range(modules):
            module, items = make_module(ELEMENTS[m % len(ELEMENTS)], f"{name} {c}.{m}", lessons)
            course_modules.append(module)
            if c == 0:
                first_lessons.extend(items)
        course = make_course(course_index, f"{name} course {c}", course_modules)
        made.append(course)
        services.enrol(user=learner, course=course, now=now)
    # Some lessons completed: the first half of the first course.
    for lesson in first_lessons[: len(first_lessons) // 2]:
        services.complete_item(user=learner, page=lesson, now=now)
    return Dataset(learner, made, first_lessons)


@pytest.fixture
def sizes(course_index, make_learner):
    return {
        "small": build(course_index, make_learner, name="small", courses=1, modules=2, lessons=2),
        "large": build(course_index, make_learner, name="large", courses=4, modules=6, lessons=4),
    }


def url_for(page: str, data: Dataset) -> str:
    if page == "course":
        return data.courses[0].url
    if page == "lesson":
        # The first lesson not completed: progress, prev and next all have something to show.
        return data.lessons[len(data.lessons) // 2].url
    return reverse("dashboard")


def count_queries(client, data: Dataset, page: str) -> int:
    client.force_login(data.learner)
    url = url_for(page, data)
    assert client.get(url).status_code == 200  # warm the caches (site root paths, types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["course", "lesson", "dashboard"])
def test_queries_do_not_grow_with_data(client, sizes, page):
    small = count_queries(client, sizes["small"], page)
    large = count_queries(client, sizes["large"], page)
    assert small == large, f"{page}: {small} queries for the small data, {large} for the large"
    assert large <= MAX_QUERIES[page]


@pytest.mark.parametrize("page", ["course", "lesson", "dashboard"])
def test_queries_are_bounded_on_a_cold_cache(client, sizes, page, django_assert_max_num_queries):
    data = sizes["large"]
    client.force_login(data.learner)
    with django_assert_max_num_queries(MAX_QUERIES[page] + 8):
        assert client.get(url_for(page, data)).status_code == 200
