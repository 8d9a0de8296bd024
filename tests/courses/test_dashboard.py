"""The dashboard's courses (courses.selectors.dashboard): progress exact after every lesson,
course titles and links from the content cache yet current after a publish, certificates
read with the enrolments, recent activity linked for pages in and out of courses, and a
fixed number of queries whatever the number of courses, certificates or items."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import selectors, services
from courses.models import Enrolment
from courses.progress_versions import progress_changed
from training_site import content_cache

from .conftest import make_module, make_small_course

pytestmark = pytest.mark.django_db


def dashboard_html(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def in_progress_part(html: str) -> str:
    return html.partition("Completed courses and certificates")[0]


def completed_part(html: str) -> str:
    return html.partition("Completed courses and certificates")[2].partition("Recent activity")[0]


def finish(user, small, now, *, certificate: bool = True):
    services.enrol(user=user, course=small.course, now=now)
    for lesson in small.all_lessons:
        services.complete_item(user=user, page=lesson, now=now)
    enrolment = Enrolment.objects.get(user=user, course=small.course)
    return services.issue_certificate(enrolment_id=enrolment.pk, now=now) if certificate else None


def test_progress_shows_each_completed_lesson_at_once(client, learner, small, now):
    services.enrol(user=learner, course=small.course, now=now)
    assert "0 of 4 done (0%)" in in_progress_part(dashboard_html(client, learner))
    services.complete_item(user=learner, page=small.lessons[0][0], now=now)
    part = in_progress_part(dashboard_html(client, learner))
    assert "1 of 4 done (25%)" in part
    assert f"Next: {small.lessons[0][1].title}" in part
    services.complete_item(user=learner, page=small.lessons[0][1], now=now)
    part = in_progress_part(dashboard_html(client, learner))
    assert "2 of 4 done (50%)" in part
    assert f"Next: {small.lessons[1][0].title}" in part


def test_a_renamed_course_shows_its_new_title_at_once(client, learner, small, now):
    services.enrol(user=learner, course=small.course, now=now)
    assert f'<a href="{small.course.url}">Evidence</a>' in dashboard_html(client, learner)
    small.course.title = "Evidence for policy"
    small.course.save_revision().publish()
    html = dashboard_html(client, learner)
    assert f'<a href="{small.course.url}">Evidence for policy</a>' in html
    assert "(Evidence for policy)" in html  # the button's hidden course name


def test_certificates_issued_revoked_or_being_prepared(
    client, learner, course_index, now, media_root
):
    issued = make_small_course(course_index, "Issued")
    revoked = make_small_course(course_index, "Withdrawn")
    pending = make_small_course(course_index, "Pending")
    none = make_small_course(course_index, "Self-study", issues_certificate=False)
    kept = finish(learner, issued, now)
    gone = finish(learner, revoked, now)
    services.revoke_certificate(certificate_id=gone.pk, reason="Error", now=now)
    finish(learner, pending, now, certificate=False)
    finish(learner, none, now, certificate=False)

    completed = completed_part(dashboard_html(client, learner))
    entries = {
        title: completed[completed.index(f">{title}</a>") :].split("</li>")[0]
        for title in ("Issued", "Withdrawn", "Pending", "Self-study")
    }
    assert reverse("certificate_download", args=[kept.code]) in entries["Issued"]
    assert "Revoked" not in entries["Issued"]
    assert reverse("certificate_verify", args=[gone.code]) in entries["Withdrawn"]
    assert '<span class="status">Revoked</span>' in entries["Withdrawn"]
    assert "certificate being prepared" in entries["Pending"]
    assert "certificate" not in entries["Self-study"].lower()


def test_recent_activity_links_pages_in_and_out_of_courses(client, learner, small, now):
    services.enrol(user=learner, course=small.course, now=now)
    _, loose = make_module("O1", "Loose", 1)
    services.complete_item(user=learner, page=small.lessons[0][0], now=now)
    services.start_item(user=learner, page=loose[0], now=now + timezone.timedelta(minutes=5))
    activity = dashboard_html(client, learner).partition("Recent activity")[2]
    assert f'<a href="{loose[0].url}">{loose[0].title}</a>' in activity
    course_lesson = small.lessons[0][0]
    assert f'<a href="{course_lesson.url}">{course_lesson.title}</a>' in activity
    assert activity.index(loose[0].title) < activity.index(course_lesson.title)  # latest first


def test_the_selector_reads_one_query_whatever_the_courses(
    learner, other_learner, course_index, now, media_root, django_assert_num_queries
):
    one = make_small_course(course_index, "One")
    services.enrol(user=learner, course=one.course, now=now)
    # The other: two courses in progress, two completed with certificates, one left.
    many = [make_small_course(course_index, f"Many {n}") for n in range(5)]
    for small in many[:2]:
        services.enrol(user=other_learner, course=small.course, now=now)
        services.complete_item(user=other_learner, page=small.lessons[0][0], now=now)
    for small in many[2:4]:
        finish(other_learner, small, now)
    services.enrol(user=other_learner, course=many[4].course, now=now)
    services.leave(user=other_learner, course=many[4].course, now=now)

    for user in (learner, other_learner):
        selectors.dashboard(user)  # warm the caches (courses, outlines, the learner's progress)
        # Enrolments with their certificates, completed items and recent activity are kept
        # under the learner's progress token.
        with django_assert_num_queries(0):
            found = selectors.dashboard(user)
        progress_changed(user.pk)  # as opening or completing an item does
        with django_assert_num_queries(3):
            assert selectors.dashboard(user) == found
        # A publish: the courses' cards and outlines are built again (shared by every
        # learner) and the recent activity (it names pages), but not the learner's own rows.
        content_cache.renew(content_cache.CONTENT_VERSION_KEY)
        with CaptureQueriesContext(connection) as queries:
            assert selectors.dashboard(user) == found
        read = [query["sql"] for query in queries.captured_queries]
        assert not [sql for sql in read if "courses_enrolment" in sql]
        assert len([sql for sql in read if 'FROM "courses_itemprogress"' in sql]) == 1
        with django_assert_num_queries(0):
            assert selectors.dashboard(user) == found
    assert len(found.in_progress) == 2 and len(found.completed) == 2 and len(found.left) == 1
    assert all(row.certificate is not None for row in found.completed)
    assert [row.progress.done for row in found.in_progress] == [1, 1]


def test_the_page_reads_as_many_queries_for_one_course_as_for_five(
    client, learner, other_learner, course_index, now, media_root
):
    one = make_small_course(course_index, "One")
    services.enrol(user=learner, course=one.course, now=now)
    for number in range(5):
        small = make_small_course(course_index, f"Many {number}")
        if number < 2:
            finish(other_learner, small, now)
        else:
            services.enrol(user=other_learner, course=small.course, now=now)
            services.complete_item(user=other_learner, page=small.lessons[1][1], now=now)
    counts = []
    for user in (learner, other_learner):
        client.force_login(user)
        assert client.get(reverse("dashboard")).status_code == 200  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_recent_activity_follows_each_lesson_opened_or_renamed(client, learner, small, now):
    """Kept under the learner's progress token and the content token."""
    services.enrol(user=learner, course=small.course, now=now)
    lesson = small.lessons[1][0]
    assert lesson.title not in dashboard_html(client, learner).partition("Recent activity")[2]
    services.start_item(user=learner, page=lesson, now=now)
    assert lesson.title in dashboard_html(client, learner).partition("Recent activity")[2]
    lesson.title = "Renamed while listed"
    lesson.save_revision().publish()
    assert "Renamed while listed" in dashboard_html(client, learner).partition("Recent activity")[2]


# --- the courses part kept per learner (courses.views.dashboard_courses) ---------------------


def test_a_certificate_revoked_after_a_visit_shows_as_revoked_at_once(
    client, learner, small, now, media_root
):
    certificate = finish(learner, small, now)
    entry = completed_part(dashboard_html(client, learner))
    assert reverse("certificate_download", args=[certificate.code]) in entry
    assert "Revoked" not in entry
    services.revoke_certificate(certificate_id=certificate.pk, reason="Error", now=now)
    assert '<span class="status">Revoked</span>' in completed_part(dashboard_html(client, learner))


def test_enrolling_and_leaving_after_a_visit_show_at_once(client, learner, small, now):
    assert "You are not following any course yet." in dashboard_html(client, learner)
    services.enrol(user=learner, course=small.course, now=now)
    assert "0 of 4 done (0%)" in in_progress_part(dashboard_html(client, learner))
    services.leave(user=learner, course=small.course, now=now)
    html = dashboard_html(client, learner)
    assert "You are not following any course yet." in html
    left = html.partition("Courses you left")[2].partition("Recent activity")[0]
    assert f'<a href="{small.course.url}">Evidence</a> — 0 of 4 done' in left


def test_the_courses_part_is_in_the_learner_language_and_read_once(client, learner, small, now):
    services.enrol(user=learner, course=small.course, now=now)
    assert "In progress" in dashboard_html(client, learner)
    with CaptureQueriesContext(connection) as queries:
        assert "0 of 4 done (0%)" in dashboard_html(client, learner)
    assert not [q["sql"] for q in queries if "courses_" in q["sql"]]
    learner.preferred_language = "fr"
    learner.save()
    french = dashboard_html(client, learner)
    assert "In progress" not in french and "0 of 4 done" not in french
    assert f'<a href="{small.course.url}">Evidence</a>' in french
