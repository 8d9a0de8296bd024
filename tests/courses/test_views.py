"""What a learner sees and may do: access rules, refusals, the course and lesson pages, the
dashboard and the public verification page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Certificate, Enrolment, ItemProgress

from .conftest import make_small_course

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def enrol_url(course):
    return reverse("course_enrol", args=[course.pk])


def leave_url(course):
    return reverse("course_leave", args=[course.pk])


def complete_url(page):
    return reverse("item_complete", args=[page.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def finish(user, small, *, certificate=True):
    """Enrol and complete every lesson; issue the certificate as the task would."""
    now = timezone.now()
    services.enrol(user=user, course=small.course, now=now)
    for lesson in small.all_lessons:
        services.complete_item(user=user, page=lesson, now=now)
    enrolment = Enrolment.objects.get(user=user, course=small.course)
    if certificate:
        return services.issue_certificate(enrolment_id=enrolment.pk, now=now)
    return enrolment


@pytest.fixture
def certificate(learner, small, media_root):
    return finish(learner, small)


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["enrol", "leave", "complete"])
def test_anonymous_posts_go_to_the_login_page(client, small, which):
    url = {
        "enrol": enrol_url(small.course),
        "leave": leave_url(small.course),
        "complete": complete_url(small.lessons[0][0]),
    }[which]
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert not Enrolment.objects.exists()
    assert not ItemProgress.objects.exists()


def test_anonymous_dashboard_goes_to_the_login_page(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_anonymous_certificate_download_goes_to_the_login_page(client, certificate):
    response = client.get(reverse("certificate_download", args=[certificate.code]))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_only_the_learner_downloads_their_certificate(client, certificate, learner, other_learner):
    url = reverse("certificate_download", args=[certificate.code])
    client.force_login(other_learner)
    assert client.get(url).status_code == 404

    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"certificate-{certificate.code}.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_dashboard_shows_only_its_own_learners_courses(client, learner, other_learner, small):
    services.enrol(user=learner, course=small.course, now=timezone.now())
    client.force_login(other_learner)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert small.course.title not in response.content.decode()
    assert "You are not following any course yet." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("course_enrol", "course"),
        ("course_leave", "course"),
        ("item_complete", "lesson"),
    ],
)
def test_post_only_urls_refuse_get(client, learner, small, name, arg):
    target = small.course if arg == "course" else small.lessons[0][0]
    client.force_login(learner)
    assert client.get(reverse(name, args=[target.pk])).status_code == 405
    assert not Enrolment.objects.exists()
    assert not ItemProgress.objects.filter(completed_at__isnull=False).exists()


# --- refusals and unknown ids ------------------------------------------------------------------


def test_completing_a_lesson_outside_ones_courses_is_refused(client, learner, small):
    lesson = small.lessons[0][0]
    client.force_login(learner)
    response = client.post(complete_url(lesson), {"next": lesson.url})
    assert response.status_code == 302
    assert response.url == lesson.url
    assert any(
        m.startswith("Join a course that includes this lesson") for m in messages_of(response)
    )
    assert not ItemProgress.objects.filter(user=learner, completed_at__isnull=False).exists()


def test_joining_with_missing_prerequisites_is_refused(client, learner, small, course_index):
    advanced = make_small_course(course_index, "Advanced", prerequisites=[small.course])
    client.force_login(learner)
    response = client.post(enrol_url(advanced.course))
    assert response.status_code == 302
    assert response.url == advanced.course.url
    assert any(small.course.title in m for m in messages_of(response))
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("name", ["course_enrol", "course_leave", "item_complete"])
def test_unknown_ids_are_404(client, learner, small, name):
    client.force_login(learner)
    assert client.post(reverse(name, args=[987654])).status_code == 404


def test_a_course_id_that_is_not_a_course_is_404(client, learner, small):
    client.force_login(learner)
    assert client.post(enrol_url(small.modules[0])).status_code == 404


def test_completing_a_page_that_is_not_an_item_is_404(client, learner, small):
    services.enrol(user=learner, course=small.course, now=timezone.now())
    client.force_login(learner)
    assert client.post(complete_url(small.modules[0])).status_code == 404
    assert client.post(complete_url(small.course)).status_code == 404
    assert not ItemProgress.objects.filter(completed_at__isnull=False).exists()


def test_unknown_certificate_code_is_404(client, learner, small):
    client.force_login(learner)
    assert client.get(reverse("certificate_download", args=["NOPE-NOPE-NOPE"])).status_code == 404
    client.logout()
    response = client.get(reverse("certificate_verify", args=["NOPE-NOPE-NOPE"]))
    assert response.status_code == 404
    assert "No certificate has the code" in response.content.decode()
    assert "NOPE-NOPE-NOPE" in response.content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["http://evil.example/", "//evil.example/", "https://evil.example/courses/"],
)
def test_tampered_next_stays_on_site(client, learner, small, next_url):
    lesson = small.lessons[0][0]
    client.force_login(learner)

    response = client.post(enrol_url(small.course), {"next": next_url})
    assert response.status_code == 302
    assert response.url == small.course.url

    response = client.post(complete_url(lesson), {"next": next_url})
    assert response.url == lesson.url

    response = client.post(leave_url(small.course), {"next": next_url})
    assert response.url == small.course.url


def test_local_next_is_followed(client, learner, small):
    lesson = small.lessons[0][1]
    client.force_login(learner)
    services.enrol(user=learner, course=small.course, now=timezone.now())
    response = client.post(complete_url(lesson), {"next": f"{lesson.url}?course={small.course.pk}"})
    assert response.url == f"{lesson.url}?course={small.course.pk}"
    assert "Marked as completed." in messages_of(response)
    assert ItemProgress.objects.get(user=learner, page=lesson).completed_at is not None


def test_join_and_leave_through_the_views(client, learner, small):
    client.force_login(learner)
    client.post(enrol_url(small.course))
    assert Enrolment.objects.get(user=learner).is_active
    client.post(leave_url(small.course))
    assert not Enrolment.objects.get(user=learner).is_active


# --- the course page ---------------------------------------------------------------------------


def test_course_page_shows_progress_and_where_to_continue(client, learner, small):
    services.enrol(user=learner, course=small.course, now=timezone.now())
    for lesson in (small.lessons[0][0], small.lessons[0][1]):
        services.complete_item(user=learner, page=lesson, now=timezone.now())
    client.force_login(learner)
    html = client.get(small.course.url).content.decode()

    assert "2 of 4 done (50%)" in html
    assert '<progress max="4" value="2"' in html
    continue_link = re.search(r'<a class="button" href="([^"]+)">Continue where you left off', html)
    assert continue_link is not None
    assert continue_link.group(1) == f"{small.lessons[1][0].url}?course={small.course.pk}"
    assert "Leave this course" in html


def test_the_course_page_follows_each_learners_own_progress(
    client, learner, other_learner, small, media_root
):
    """The page's outline and the learner's enrolment are kept for each learner until their
    progress changes: every step below shows at once, and never another learner's."""
    first = small.lessons[0][0]
    done_mark = re.compile(
        rf'href="{re.escape(first.url)}\?course={small.course.pk}">[^<]*</a> <span class="done">'
    )

    def page(user) -> str:
        client.force_login(user)
        return client.get(small.course.url).content.decode()

    services.enrol(user=learner, course=small.course, now=timezone.now())
    services.enrol(user=other_learner, course=small.course, now=timezone.now())
    assert not done_mark.search(page(learner)) and "0 of 2 done" in page(learner)
    services.complete_item(user=learner, page=first, now=timezone.now())
    html = page(learner)
    assert done_mark.search(html) and "1 of 2 done (50%)" in html  # the first module's bar
    assert not done_mark.search(page(other_learner))  # not theirs
    assert "1 of 2 done" not in page(other_learner)

    services.leave(user=learner, course=small.course, now=timezone.now())
    assert "Rejoin this course" in page(learner)
    assert done_mark.search(page(learner))  # progress is kept

    finish(learner, small, certificate=False)
    html = page(learner)
    assert "Completed on" in html and "Your certificate is being prepared" in html
    certificate = services.issue_certificate(
        enrolment_id=Enrolment.objects.get(user=learner).pk, now=timezone.now()
    )
    html = page(learner)
    assert reverse("certificate_download", args=[certificate.code]) in html
    assert "being prepared" not in html


def test_course_page_offers_start_then_join(client, learner, small):
    client.force_login(learner)
    html = client.get(small.course.url).content.decode()
    assert "Join this course" in html
    assert "Continue where you left off" not in html

    services.enrol(user=learner, course=small.course, now=timezone.now())
    html = client.get(small.course.url).content.decode()
    assert "0 of 4 done (0%)" in html
    assert "Start the course" in html


def test_course_page_lists_missing_prerequisites_without_a_join_button(
    client, learner, small, course_index
):
    advanced = make_small_course(course_index, "Advanced", prerequisites=[small.course])
    client.force_login(learner)
    html = client.get(advanced.course.url).content.decode()
    assert "Before you can join, complete:" in html
    assert f'<a href="{small.course.url}">{small.course.title}</a>' in html
    assert "Join this course" not in html
    assert enrol_url(advanced.course) not in html


def test_course_page_offers_join_once_prerequisites_are_done(
    client, learner, small, course_index, media_root
):
    advanced = make_small_course(course_index, "Advanced", prerequisites=[small.course])
    finish(learner, small, certificate=False)
    client.force_login(learner)
    html = client.get(advanced.course.url).content.decode()
    assert "Before you can join" not in html
    assert "Join this course" in html


def test_course_page_for_anonymous_visitors_offers_log_in(client, small):
    html = client.get(small.course.url).content.decode()
    assert "Log in to join" in html
    assert "Join this course" not in html


# --- the lesson page ---------------------------------------------------------------------------


def test_lesson_page_shows_the_learning_panel(client, learner, small):
    services.enrol(user=learner, course=small.course, now=timezone.now())
    services.complete_item(user=learner, page=small.lessons[0][0], now=timezone.now())
    client.force_login(learner)
    last_of_first = small.lessons[0][1]
    first_of_second = small.lessons[1][0]
    html = client.get(last_of_first.url).content.decode()

    assert f"In the course “{small.course.title}”" in html
    assert '<progress max="4" value="1" aria-label="Course progress"' in html
    assert '<progress max="2" value="1" aria-label="Module progress"' in html
    assert "Mark this lesson as completed" in html
    assert f'action="{complete_url(last_of_first)}"' in html
    q = f"?course={small.course.pk}"
    assert f'href="{small.lessons[0][0].url}{q}" rel="prev"' in html
    assert f'href="{first_of_second.url}{q}" rel="next"' in html

    html = client.get(first_of_second.url).content.decode()
    assert f'href="{last_of_first.url}{q}" rel="prev"' in html


def test_completed_lesson_says_so_and_last_lesson_leads_back(client, learner, small):
    services.enrol(user=learner, course=small.course, now=timezone.now())
    last = small.lessons[1][1]
    services.complete_item(user=learner, page=last, now=timezone.now())
    client.force_login(learner)
    html = client.get(last.url).content.decode()
    assert "You have completed this lesson." in html
    assert "Mark this lesson as completed" not in html
    assert "Back to the course" in html


def test_lesson_page_invites_non_members_to_join(client, learner, small):
    client.force_login(learner)
    html = client.get(small.lessons[0][0].url).content.decode()
    assert "Join the course to record your progress." in html
    assert "Mark this lesson as completed" not in html


def test_viewing_a_lesson_records_it_started_once(client, learner, small):
    lesson = small.lessons[0][0]
    client.get(lesson.url)  # anonymous: nothing to record
    assert not ItemProgress.objects.exists()

    client.force_login(learner)
    assert client.get(lesson.url).status_code == 200
    progress = ItemProgress.objects.get(user=learner, page=lesson)
    assert progress.completed_at is None
    client.get(lesson.url)
    assert ItemProgress.objects.filter(user=learner).count() == 1
    assert ItemProgress.objects.get(user=learner, page=lesson).started_at == progress.started_at


# --- the dashboard -----------------------------------------------------------------------------


def test_dashboard_lists_progress_certificates_and_activity(
    client, learner, small, course_index, media_root
):
    certificate = finish(learner, small)
    ongoing = make_small_course(course_index, "Ongoing")
    services.enrol(user=learner, course=ongoing.course, now=timezone.now())
    services.complete_item(user=learner, page=ongoing.lessons[0][0], now=timezone.now())

    client.force_login(learner)
    html = client.get(reverse("dashboard")).content.decode()
    in_progress, _, rest = html.partition("Completed courses and certificates")

    assert ongoing.course.title in in_progress
    assert "1 of 4 done (25%)" in in_progress
    assert f"{ongoing.lessons[0][1].url}?course={ongoing.course.pk}" in in_progress
    assert f"Next: {ongoing.lessons[0][1].title}" in in_progress
    assert small.course.title not in in_progress
    # Per module too: the first module half done, the second not started.
    by_module = in_progress.partition("Progress by module")[2]
    assert "1 of 2 done (50%)" in by_module
    assert "0 of 2 done (0%)" in by_module

    completed, _, activity = rest.partition("Recent activity")
    assert small.course.title in completed
    assert reverse("certificate_download", args=[certificate.code]) in completed
    assert reverse("certificate_verify", args=[certificate.code]) in completed

    lesson_url = ongoing.lessons[0][0].url
    assert f'<a href="{lesson_url}">' in activity
    entry = activity[activity.index(f'<a href="{lesson_url}">') :].split("</li>")[0]
    assert "completed" in entry


# --- the public verification page --------------------------------------------------------------


def test_verify_page_shows_only_public_facts(client, certificate, learner, small):
    response = client.get(reverse("certificate_verify", args=[certificate.code.lower()]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This certificate is valid." in html
    assert "Amina Diallo" in html
    assert small.course.title in html
    assert certificate.completed_on.strftime("%B %Y") in html
    assert learner.email not in html


def test_verify_page_says_revoked(client, certificate):
    services.revoke_certificate(
        certificate_id=certificate.pk, reason="Issued in error", now=timezone.now()
    )
    html = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert "This certificate has been revoked." in html
    assert "This certificate is valid." not in html
    assert "Issued in error" not in html  # the reason is for staff
    assert Certificate.objects.get().revoked_at is not None


def test_recent_activity_puts_the_latest_event_first(client, learner, small):
    earlier = timezone.now() - timedelta(days=30)
    services.enrol(user=learner, course=small.course, now=earlier)
    done, opened = small.lessons[0][0], small.lessons[1][0]
    services.complete_item(user=learner, page=done, now=earlier)
    services.start_item(user=learner, page=opened, now=timezone.now())

    client.force_login(learner)
    activity = client.get(reverse("dashboard")).content.decode().partition("Recent activity")[2]
    first = activity.index(f'<a href="{opened.url}">')
    second = activity.index(f'<a href="{done.url}">')
    assert first < second
    assert "opened" in activity[first:second]
    assert "completed" in activity[second:].split("</li>")[0]


def test_lesson_outside_every_course_has_no_learning_panel(client, learner, course_index):
    from .conftest import make_module

    _, lessons = make_module("O1", "Loose", 1)
    client.force_login(learner)
    response = client.get(lessons[0].url)
    assert response.status_code == 200
    assert "Mark this lesson as completed" not in response.content.decode()
    assert "learning-panel" not in response.content.decode()


def test_a_prerequisite_added_or_unpublished_later_shows_at_once(
    client, learner, small, course_index
):
    """The course's prerequisites are kept in the content cache (courses.selectors)."""
    advanced = make_small_course(course_index, "Advanced")
    client.force_login(learner)
    assert "Join this course" in client.get(advanced.course.url).text
    advanced.course.prerequisites.add(small.course)
    advanced.course.save_revision().publish()
    html = client.get(advanced.course.url).text
    assert "Before you can join, complete:" in html and "Join this course" not in html
    small.course.unpublish()
    html = client.get(advanced.course.url).text
    assert "Before you can join" not in html and "Join this course" in html
