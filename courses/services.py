"""The only code that writes learner data. Transactional and idempotent: unique constraints
plus get_or_create and select_for_update; tasks are queued after commit."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Page

from training_site.checkpoints import checkpoint
from training_site.files import save_replacing

from . import selectors
from .choices import EnrolmentSource
from .models import Certificate, CoursePage, Enrolment, ItemProgress
from .progress import is_course_complete
from .progress_versions import progress_changed


class LearningError(Exception):
    """A refusal with a message for the learner."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PrerequisitesIncomplete(LearningError):
    def __init__(self, missing: list[CoursePage]):
        titles = ", ".join(c.title for c in missing)
        super().__init__(_("Complete these courses first: %(titles)s.") % {"titles": titles})
        self.missing = missing


class NotEnrolled(LearningError):
    pass


@transaction.atomic
def enrol(
    *,
    user,
    course: CoursePage,
    now: datetime,
    source: str = EnrolmentSource.SELF,
    check_prerequisites: bool = True,
) -> Enrolment:
    """Join a course, or rejoin one left earlier (progress is kept). Idempotent.

    ``check_prerequisites=False`` is for enrolments a trainer decided (a cohort's trainees).
    """
    if check_prerequisites:
        missing = selectors.missing_prerequisites(user, course)
        if missing:
            raise PrerequisitesIncomplete(missing)
    try:
        with transaction.atomic():
            enrolment, created = Enrolment.objects.get_or_create(
                user=user,
                course=course,
                defaults={"enrolled_at": now, "source": source, "last_activity_at": now},
            )
    except IntegrityError:  # a concurrent request created it first
        enrolment, created = Enrolment.objects.get(user=user, course=course), False
    if created:
        progress_changed(user.pk)
    elif enrolment.left_at is not None:
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        enrolment.left_at = None
        enrolment.save(update_fields=["left_at"])
        progress_changed(user.pk)
    return enrolment


@transaction.atomic
def leave(*, user, course: CoursePage, now: datetime) -> Enrolment:
    """Leave a course. Progress, completion and certificate are kept."""
    enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if enrolment is None:
        raise NotEnrolled(_("You are not enrolled in this course."))
    if enrolment.left_at is None:
        enrolment.left_at = now
        enrolment.save(update_fields=["left_at"])
        progress_changed(user.pk)
    return enrolment


def _get_or_create_progress(user, page: Page, now: datetime) -> ItemProgress:
    # Read first, outside a transaction: most visits are return visits (a savepoint and
    # its release would cost two more round trips on each of them).
    found = ItemProgress.objects.filter(user=user, page=page).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            progress, created = ItemProgress.objects.get_or_create(
                user=user, page=page, defaults={"started_at": now}
            )
    except IntegrityError:
        progress, created = ItemProgress.objects.get(user=user, page=page), False
    if created:
        progress_changed(user.pk)  # opening an item is activity (a trainer sees it)
    return progress


def start_item(*, user, page: Page, now: datetime) -> ItemProgress:
    """Record that a learner opened an item. Idempotent; the first visit's time is kept."""
    return _get_or_create_progress(user, page, now)


@transaction.atomic
def complete_item(*, user, page: Page, now: datetime) -> ItemProgress:
    """Mark an item completed, once, and complete every course it finishes.

    Refused unless the learner is actively enrolled in a course that contains the item.
    """
    course_ids = selectors.courses_containing(page)
    enrolments = list(
        Enrolment.objects.filter(user=user, course_id__in=course_ids, left_at__isnull=True)
    )
    if not enrolments:
        raise NotEnrolled(_("Join a course that includes this lesson to record your progress."))
    progress = _get_or_create_progress(user, page, now)
    progress = ItemProgress.objects.select_for_update().get(pk=progress.pk)
    if progress.completed_at is None:
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
    Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(last_activity_at=now)
    # Even a second click is activity: the course a lesson opens in is the most recently
    # active one (selectors.learner_enrolments, kept under this token).
    progress_changed(user.pk)
    for enrolment in enrolments:
        complete_course_if_done(enrolment_id=enrolment.pk, now=now)
    return progress


def record_item_passed(*, user, page: Page, now: datetime) -> ItemProgress:
    """For other apps (quizzes): a passed assessment completes its course item."""
    return complete_item(user=user, page=page, now=now)


@transaction.atomic
def complete_course_if_done(*, enrolment_id: int, now: datetime) -> bool:
    """Record the course's completion once, when its last requirement is met."""
    enrolment = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment_id)
    if enrolment.completed_at is not None:
        return False
    outline = selectors.outline_for(enrolment.course_id)
    done = selectors.completed_ids(enrolment.user, [i.id for i in outline.items])
    if not is_course_complete(outline, done):
        return False
    enrolment.completed_at = now
    enrolment.save(update_fields=["completed_at"])
    progress_changed(enrolment.user_id)
    if enrolment.course.issues_certificate:
        from .tasks import issue_certificate_task

        transaction.on_commit(lambda: issue_certificate_task.delay(enrolment.pk))
    return True


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue_certificate(*, enrolment_id: int, now: datetime) -> Certificate:
    """Exactly one certificate per completed enrolment, however often this runs."""
    from .certificates import render_certificate_pdf

    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .select_related("user", "course")
            .get(pk=enrolment_id)
        )
        if enrolment.completed_at is None:
            raise LearningError(_("This course is not completed yet."))
        certificate = Certificate.objects.filter(enrolment=enrolment).first()
        if certificate is None:
            outline = selectors.outline_for(enrolment.course_id)
            certificate = Certificate.objects.create(
                enrolment=enrolment,
                code=_new_code(),
                learner_name=enrolment.user.get_full_name(),
                course_title=enrolment.course.title,
                elements_covered=", ".join(outline.element_codes),
                completed_on=enrolment.completed_at.date(),
                issued_at=now,
            )
            progress_changed(enrolment.user_id)
    checkpoint("certificate-recorded")
    if not certificate.file:
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
            if not certificate.file:
                # In the learner's own language.
                with translation.override(enrolment.user.preferred_language or None):
                    pdf = render_certificate_pdf(certificate)
                save_replacing(certificate.file, f"{certificate.code}.pdf", pdf)
                checkpoint("certificate-pdf-stored")
                certificate.save(update_fields=["file"])
    return certificate


@transaction.atomic
def revoke_certificate(*, certificate_id: int, reason: str, now: datetime) -> Certificate:
    certificate = (
        Certificate.objects.select_for_update().select_related("enrolment").get(pk=certificate_id)
    )
    if certificate.revoked_at is None:
        certificate.revoked_at = now
        certificate.revoked_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_reason"])
        # The learner's dashboard shows the certificate as revoked.
        progress_changed(certificate.enrolment.user_id)
    return certificate
