"""The course a lesson is read in, when several contain it and the address names none: the
learner's most recently active enrolment, kept under their progress token
(courses.selectors.learner_enrolments). It follows enrolling, activity and leaving at once,
and a warm lesson reads no enrolment."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import services
from training_site import content_cache

from .conftest import make_course, make_small_course

pytestmark = pytest.mark.django_db


def course_of(client, lesson) -> str:
    html = client.get(lesson.url).content.decode()
    return html.partition("In the course “")[2].partition("”")[0]


def test_the_lesson_opens_in_the_most_recently_active_course(client, learner, course_index):
    first = make_small_course(course_index, "Evidence")
    second = make_course(course_index, "Data", [first.modules[0]])  # shares the first module
    lesson, other = first.lessons[0]
    now = timezone.now()
    client.force_login(learner)

    services.enrol(user=learner, course=first.course, now=now)
    assert course_of(client, lesson) == "Evidence"
    services.enrol(user=learner, course=second, now=now + timezone.timedelta(minutes=1))
    services.complete_item(user=learner, page=other, now=now + timezone.timedelta(minutes=2))
    # Both courses contain it: activity counts for both; enrolment order then decides.
    services.complete_item(user=learner, page=lesson, now=now + timezone.timedelta(minutes=3))
    shown = course_of(client, lesson)
    assert shown in {"Evidence", "Data"}
    services.leave(user=learner, course=second, now=now + timezone.timedelta(minutes=4))
    assert course_of(client, lesson) == "Evidence"  # the one they still follow
    services.leave(user=learner, course=first.course, now=now + timezone.timedelta(minutes=5))
    services.enrol(user=learner, course=second, now=now + timezone.timedelta(minutes=6))
    assert course_of(client, lesson) == "Data"


def test_a_warm_lesson_reads_no_enrolment(client, learner, small):
    services.enrol(user=learner, course=small.course, now=timezone.now())
    client.force_login(learner)
    lesson = small.lessons[0][0]
    client.get(lesson.url)
    client.get(lesson.url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(lesson.url).content.decode()
    assert "Mark this lesson as completed" in html  # enrolled: the panel says so
    assert not [q["sql"] for q in queries if "courses_enrolment" in q["sql"]]


def test_a_lesson_after_a_publish_shows_it_and_reads_none_of_the_learners_rows(
    client, learner, small
):
    """A publish renews the content token: the lesson shows the new title of the next
    lesson at once, while the learner's enrolments and progress (their own rows, kept under
    their progress token) are not read again. A deploy (migrate) reads them again."""
    now = timezone.now()
    services.enrol(user=learner, course=small.course, now=now)
    first, second = small.lessons[0]
    services.complete_item(user=learner, page=first, now=now)
    client.force_login(learner)
    client.get(first.url)
    second.title = "Evidence in practice"
    second.save_revision().publish()

    def learner_rows_read() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(first.url).content.decode()
        assert "Next: Evidence in practice" in html
        assert "1 of 4 done" in html
        return [
            q["sql"]
            for q in queries
            if 'FROM "courses_enrolment"' in q["sql"] or 'FROM "courses_itemprogress"' in q["sql"]
        ]

    assert learner_rows_read() == []
    content_cache.code_changed()
    assert len(learner_rows_read()) == 2  # their enrolments and their progress
    assert learner_rows_read() == []
