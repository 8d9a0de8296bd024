"""The services that write learner data, against the real database."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import timedelta

import pytest

from courses import services
from courses.models import Certificate, Enrolment, ItemProgress
from training_site.content_cache import TokenRenewal

from .conftest import make_small_course

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> bytes:
    """The page content streams, inflated where compressed."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        raw = match.group(1)
        try:
            parts.append(zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>"))))
        except (ValueError, zlib.error):
            try:
                parts.append(zlib.decompress(raw))
            except zlib.error:
                parts.append(raw)
    return b"\n".join(parts)


def complete_all(user, small, now):
    for lesson in small.all_lessons:
        services.complete_item(user=user, page=lesson, now=now)


def test_enrol_is_idempotent(learner, small, now):
    first = services.enrol(user=learner, course=small.course, now=now)
    second = services.enrol(user=learner, course=small.course, now=now + timedelta(hours=1))
    assert first.pk == second.pk
    assert Enrolment.objects.filter(user=learner).count() == 1
    second.refresh_from_db()
    assert second.enrolled_at == now
    assert second.is_active


def test_enrol_refused_until_prerequisite_completed(learner, small, course_index, now):
    advanced = make_small_course(course_index, "Advanced", prerequisites=[small.course])

    with pytest.raises(services.PrerequisitesIncomplete) as refusal:
        services.enrol(user=learner, course=advanced.course, now=now)
    assert small.course.title in refusal.value.message
    assert refusal.value.missing == [small.course]
    assert not Enrolment.objects.filter(user=learner, course=advanced.course).exists()

    services.enrol(user=learner, course=small.course, now=now)
    complete_all(learner, small, now)
    enrolment = services.enrol(user=learner, course=advanced.course, now=now)
    assert enrolment.course_id == advanced.course.pk
    assert enrolment.is_active


def test_leaving_keeps_progress_and_rejoining_restores_the_same_enrolment(learner, small, now):
    joined = services.enrol(user=learner, course=small.course, now=now)
    services.complete_item(user=learner, page=small.lessons[0][0], now=now)

    left = services.leave(user=learner, course=small.course, now=now + timedelta(days=1))
    assert left.left_at == now + timedelta(days=1)
    assert ItemProgress.objects.filter(
        user=learner, page=small.lessons[0][0], completed_at=now
    ).exists()

    rejoined = services.enrol(user=learner, course=small.course, now=now + timedelta(days=2))
    assert rejoined.pk == joined.pk
    rejoined.refresh_from_db()
    assert rejoined.left_at is None
    assert rejoined.enrolled_at == now
    assert Enrolment.objects.filter(user=learner).count() == 1


def test_leaving_a_course_never_joined_is_refused(learner, small, now):
    with pytest.raises(services.NotEnrolled):
        services.leave(user=learner, course=small.course, now=now)
    assert not Enrolment.objects.exists()


def test_complete_item_refused_when_not_enrolled(learner, small, now):
    with pytest.raises(services.NotEnrolled) as refusal:
        services.complete_item(user=learner, page=small.lessons[0][0], now=now)
    assert "Join a course that includes this lesson" in refusal.value.message
    assert not ItemProgress.objects.filter(user=learner).exists()


def test_complete_item_refused_after_leaving(learner, small, now):
    services.enrol(user=learner, course=small.course, now=now)
    services.leave(user=learner, course=small.course, now=now)
    with pytest.raises(services.NotEnrolled):
        services.complete_item(user=learner, page=small.lessons[0][0], now=now)
    assert not ItemProgress.objects.filter(user=learner).exists()


def test_complete_item_is_idempotent_and_keeps_the_first_time(learner, small, now):
    services.enrol(user=learner, course=small.course, now=now)
    lesson = small.lessons[0][0]
    services.complete_item(user=learner, page=lesson, now=now)
    services.complete_item(user=learner, page=lesson, now=now + timedelta(hours=1))
    progress = ItemProgress.objects.get(user=learner, page=lesson)
    assert progress.completed_at == now


def test_start_item_keeps_the_first_visit(learner, small, now):
    lesson = small.lessons[0][0]
    services.start_item(user=learner, page=lesson, now=now)
    services.start_item(user=learner, page=lesson, now=now + timedelta(hours=1))
    progress = ItemProgress.objects.get(user=learner, page=lesson)
    assert progress.started_at == now
    assert progress.completed_at is None


def test_completing_every_lesson_completes_the_course_once(
    learner, small, now, media_root, django_capture_on_commit_callbacks
):
    services.enrol(user=learner, course=small.course, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in small.all_lessons[:-1]:
            services.complete_item(user=learner, page=lesson, now=now)
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.completed_at is None

    finished = now + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_item(user=learner, page=small.all_lessons[-1], now=finished)
    enrolment.refresh_from_db()
    assert enrolment.completed_at == finished

    later = now + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_item(user=learner, page=small.all_lessons[-1], now=later)
        assert services.complete_course_if_done(enrolment_id=enrolment.pk, now=later) is False
    enrolment.refresh_from_db()
    assert enrolment.completed_at == finished


def queued_tasks(callbacks) -> list:
    """The on-commit callbacks but the renewal of progress tokens (courses.progress_versions)."""
    return [c for c in callbacks if not isinstance(c, TokenRenewal)]


def test_certificate_is_queued_after_commit_and_issued_once(
    learner, small, now, media_root, django_capture_on_commit_callbacks
):
    services.enrol(user=learner, course=small.course, now=now)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complete_all(learner, small, now)
    # Nothing is issued inside the transaction; one task waits for the commit (beside the
    # renewal of the learner's progress token).
    tasks = queued_tasks(callbacks)
    assert len(tasks) == 1
    assert not Certificate.objects.exists()

    tasks[0]()
    enrolment = Enrolment.objects.get(user=learner)
    certificate = Certificate.objects.get(enrolment=enrolment)

    again = services.issue_certificate(enrolment_id=enrolment.pk, now=now + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True) as more:
        assert services.complete_course_if_done(enrolment_id=enrolment.pk, now=now) is False
    assert more == []
    assert again.pk == certificate.pk
    assert again.code == certificate.code
    assert Certificate.objects.count() == 1


def test_issue_certificate_refuses_an_unfinished_course(learner, small, now, media_root):
    enrolment = services.enrol(user=learner, course=small.course, now=now)
    with pytest.raises(services.LearningError):
        services.issue_certificate(enrolment_id=enrolment.pk, now=now)
    assert not Certificate.objects.exists()


def test_certificate_snapshot_and_pdf(
    learner, small, now, media_root, django_capture_on_commit_callbacks
):
    services.enrol(user=learner, course=small.course, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        complete_all(learner, small, now)
    certificate = Certificate.objects.get(enrolment__user=learner)

    assert certificate.learner_name == "Amina Diallo"
    assert certificate.course_title == small.course.title
    assert certificate.elements_covered == "P2, P3"
    assert certificate.completed_on == now.date()
    assert certificate.is_valid

    with certificate.file.open("rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF")
    # ReportLab compresses page streams (rl_config.pageCompression = 1): read the drawn text.
    text = pdf_text(pdf)
    assert f"Verification code: {certificate.code}".encode() in text
    assert b"Amina Diallo" in text
    assert small.course.title.encode() in text
    assert b"P2, P3" in text

    # The snapshot does not follow later edits of the learner or the course.
    learner.full_name = "Someone Else"
    learner.save()
    small.course.title = "Renamed"
    small.course.save()
    certificate.refresh_from_db()
    assert certificate.learner_name == "Amina Diallo"
    assert certificate.course_title != "Renamed"


def test_certificate_codes_differ_between_learners(
    learner, other_learner, small, now, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for person in (learner, other_learner):
            services.enrol(user=person, course=small.course, now=now)
            complete_all(person, small, now)
    codes = set(Certificate.objects.values_list("code", flat=True))
    assert len(codes) == 2


def test_course_without_certificate_issues_none(
    learner, course_index, now, media_root, django_capture_on_commit_callbacks
):
    plain = make_small_course(course_index, "No certificate", issues_certificate=False)
    services.enrol(user=learner, course=plain.course, now=now)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        complete_all(learner, plain, now)
    assert queued_tasks(callbacks) == []
    assert Enrolment.objects.get(user=learner).completed_at == now
    assert not Certificate.objects.exists()


def test_a_lesson_shared_by_two_courses_completes_both(
    learner, small, course_index, now, django_capture_on_commit_callbacks
):
    from .conftest import make_course

    same = make_course(course_index, "Same modules", small.modules, issues_certificate=False)
    services.enrol(user=learner, course=small.course, now=now)
    services.enrol(user=learner, course=same, now=now)
    with django_capture_on_commit_callbacks(execute=False):
        complete_all(learner, small, now)
    assert set(
        Enrolment.objects.filter(user=learner, completed_at=now).values_list("course_id", flat=True)
    ) == {small.course.pk, same.pk}


def test_revoke_certificate_keeps_the_first_reason(
    learner, small, now, media_root, django_capture_on_commit_callbacks
):
    services.enrol(user=learner, course=small.course, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        complete_all(learner, small, now)
    certificate = Certificate.objects.get()
    services.revoke_certificate(certificate_id=certificate.pk, reason="Error", now=now)
    services.revoke_certificate(certificate_id=certificate.pk, reason="Again", now=now)
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revoked_reason == "Error"
